"""Source balance: how much of the summary each input article supports, and how evenly.

Per summary sentence s and article a (stemmed rouge-score tokens):
    P1(s, a) = clipped share of s's content-word occurrences found in a (stopwords ignored)
    P2(s, a) = clipped share of s's bigram occurrences found in a
    support(s, a) = mean of the defined ones among P1, P2
s is attributed to every article whose support is within TIE_MARGIN of the best,
provided the best reaches MIN_SUPPORT; otherwise s is unattributed. An attributed
sentence gives its token count to its articles in equal parts. Coverage of article
a = its share of the attributed tokens; evenness = normalised Shannon entropy of
the coverage (Pielou's J: 1 = every article equally, 0 = one article only).
Full definition and rationale in METRICS.md.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from .text import ngrams, rouge_tokens, split_sentences

MIN_SUPPORT = 0.3
TIE_MARGIN = 0.1

# Function words carry no evidence of which outlet a sentence came from.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own same she should
    so some such than that the their theirs them themselves then there these they this those through to
    too under until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves also said say says""".split()
)


def _clipped_share(needles: Counter, haystack: Counter) -> float | None:
    total = sum(needles.values())
    if not total:
        return None
    return sum(min(c, haystack[g]) for g, c in needles.items()) / total


@dataclass
class SentenceAttribution:
    sentence: str
    n_tokens: int
    support: list[float]
    articles: list[int]


@dataclass
class BalanceScore:
    coverage: list[float]  # share of attributed summary tokens per article (sums to 1, or all 0)
    evenness: float | None  # None when the cluster has fewer than two articles
    unattributed: float  # share of summary tokens no article supports
    sentences: list[SentenceAttribution] = field(default_factory=list)

    @property
    def dominant_share(self) -> float:
        return max(self.coverage) if self.coverage else 0.0


class _ArticleIndex:
    def __init__(self, text: str):
        toks = rouge_tokens(text, stem=True)
        self.unigrams = Counter(t for t in toks if t not in STOPWORDS)
        self.bigrams = Counter(ngrams(toks, 2))


def sentence_support(sentence_tokens: list[str], article: _ArticleIndex) -> float | None:
    p1 = _clipped_share(Counter(t for t in sentence_tokens if t not in STOPWORDS), article.unigrams)
    p2 = _clipped_share(Counter(ngrams(sentence_tokens, 2)), article.bigrams)
    parts = [p for p in (p1, p2) if p is not None]
    return sum(parts) / len(parts) if parts else None


def evenness(shares: list[float]) -> float:
    """Pielou's J over all k articles: H(shares) / ln(k)."""
    k = len(shares)
    if k < 2:
        raise ValueError("evenness needs at least two articles")
    h = -sum(p * math.log(p) for p in shares if p > 0)
    return max(0.0, h / math.log(k))  # max() also turns -0.0 into 0.0


def source_balance(
    summary: str,
    articles: list[str],
    *,
    min_support: float = MIN_SUPPORT,
    tie_margin: float = TIE_MARGIN,
) -> BalanceScore:
    k = len(articles)
    indexes = [_ArticleIndex(a) for a in articles]
    credit = [0.0] * k
    attributed = unattributed = 0
    details: list[SentenceAttribution] = []
    for sent in split_sentences(summary):
        toks = rouge_tokens(sent, stem=True)
        supports = [sentence_support(toks, idx) for idx in indexes]
        if not toks or any(s is None for s in supports):
            continue
        best = max(supports)
        chosen = [i for i, s in enumerate(supports) if s >= best - tie_margin] if best >= min_support else []
        if chosen:
            for i in chosen:
                credit[i] += len(toks) / len(chosen)
            attributed += len(toks)
        else:
            unattributed += len(toks)
        details.append(SentenceAttribution(sent, len(toks), [round(s, 4) for s in supports], chosen))
    total = attributed + unattributed
    coverage = [c / attributed for c in credit] if attributed else [0.0] * k
    if k < 2:
        even = None
    elif not attributed:
        even = 0.0  # draws on no outlet at all: as unbalanced as drawing on one
    else:
        even = evenness(coverage)
    return BalanceScore(
        coverage=coverage,
        evenness=even,
        unattributed=unattributed / total if total else 0.0,
        sentences=details,
    )
