"""Grounded selection: which source sentences carry a cluster's summary, in what order, from which outlets.

    cands = candidates(cluster)                   # every title and sentence, with offsets
    sim = similarity(embeddings)                  # cosine of every pair of candidates
    chosen = select(cands, scores, sim, n_sources=len(cluster.articles))
    points = attribute(cands, sim, chosen.body)    # each point: its own outlet + outlets saying the same

The content of a summary is copied, never generated: every point is a sentence an outlet
wrote. What selection decides (pure functions here, property-tested):

- score: a trained selector's score (models/selector.py), raised by cross-source support
  (other outlets have a sentence that says the same) and, optionally, by a lead position, and lowered by
  loaded words;
- balance: outlets take turns, so none dominates and none is dropped while the budget lasts (an outlet
  whose sentence says what a chosen point says has had its turn: it is credited on that point);
- redundancy: a sentence too similar to one already chosen is skipped (it becomes attribution);
- length: a word budget near a reference roundup's length, never exceeded, counted on each sentence as it will
  be written: cut by deletion (`compressed`, inference/compress.py), so more of what outlets report fits;
- order: the best title first as the headline, then points by their position in their article
  (leads first), so the text reads as a summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from evenhand.corpus import Cluster
from evenhand.text import article_body, loaded_words, sentences, span_at, word_count


@dataclass(frozen=True)
class Candidate:
    article: int  # index in cluster.articles
    source: str  # the outlet's name, or "article N" when it has none
    kind: str  # "title" | "sentence"
    position: int  # 0 for a title, 1.. for body sentences in article order
    text: str
    start: int  # offsets into article_body(cluster.articles[article])
    end: int
    full: str = ""  # the sentence as the outlet wrote it, when `text` is its compressed form (see `compressed`)


def candidates(cluster: Cluster) -> list[Candidate]:
    """Every title (whole, as one candidate: it is the headline option) and every body sentence of every
    article, from the one sentence layer."""
    out: list[Candidate] = []
    for ai, article in enumerate(cluster.articles):
        source = article.source or f"article {ai + 1}"
        body = article_body(article)
        title = (article.title or "").strip()
        skip = 0
        if title:
            out.append(Candidate(ai, source, "title", 0, title, 0, len(title)))
            skip = len(title) + 1
        for k, s in enumerate((s for s in sentences(body) if s.start >= skip), start=1):
            out.append(Candidate(ai, source, "sentence", k, s.text, s.start, s.end))
    return out


def compressed(cluster: Cluster, cands: list[Candidate], rules, *, charged_threshold: float = 2.0,
               extra=None) -> list[Candidate]:
    """The candidates with each body sentence cut by inference/compress.py's deletion `rules`; titles stay whole.
    Scores and similarities are computed on the full sentences; the budget, the loaded-word penalty and the
    summary then use the short form. `extra(candidate, span)`, if given, returns more deletions to try
    (compress()'s `extra`)."""
    from .compress import compress

    if not rules and extra is None:
        return cands
    bodies = [article_body(a) for a in cluster.articles]
    out = []
    for c in cands:
        short = c.text
        if c.kind == "sentence":
            span = span_at(bodies[c.article], c.start, c.end)
            if span is not None:
                more = extra(c, span) if extra is not None else ()
                short = compress(span, rules, charged_threshold=charged_threshold, extra=more)
        out.append(replace(c, text=short, full=c.text) if short != c.text else c)
    return out


def context_text(cands: list[Candidate], article: int, n_lead: int = 1) -> str:
    """What the other outlets lead with (titles and first sentences): the selector reads a candidate
    against it, which is how it can learn cross-source support and similarity to the titles."""
    parts = [c.text for c in cands if c.article != article and c.position <= n_lead]
    return " | ".join(parts)


def selector_pair(cand: Candidate, context: str) -> tuple[str, str]:
    """The (first, second) texts the selector reads: the candidate with its kind and position, the context."""
    where = "title" if cand.kind == "title" else f"sentence {cand.position}"
    return f"{where}: {cand.text}", context


def deletion_pair(sentence: str, start: int, end: int, context: str) -> tuple[str, str]:
    """The (first, second) texts the phrase deleter reads: the sentence with the phrase in [brackets], the context."""
    from evenhand.models.stance_classifier import mark_span

    return mark_span(sentence, start, end), context


def phrase_offsets(span, group: set[int]) -> tuple[int, int]:
    """Character offsets, in the sentence's text, of the phrase made of the span's tokens `group`."""
    toks = list(span)
    first, last = toks[min(group)], toks[max(group)]
    return first.idx - toks[0].idx, last.idx + len(last.text) - toks[0].idx


def sentence_phrases(cluster: Cluster, cands: list[Candidate], only: set[int] | None = None):
    """(candidate, its parsed span, token group, start, end) for every optional phrase (compress.optional_subtrees)
    of every body sentence, offsets in the span's text: the one walk that the deletion labels (training) and the
    deleter (inference) share. `only`: the candidate indices to walk."""
    from .compress import optional_subtrees

    bodies = [article_body(a) for a in cluster.articles]
    for i, c in enumerate(cands):
        if c.kind != "sentence" or (only is not None and i not in only):
            continue
        span = span_at(bodies[c.article], c.start, c.end)
        if span is None:
            continue
        for group in optional_subtrees(span):
            yield (c, span, group, *phrase_offsets(span, group))


def scored_phrases(cluster: Cluster, cands: list[Candidate], deleter, only: set[int] | None = None):
    """{(article, start): [(token group, P(delete)), ...]}: every optional phrase of each body sentence
    (`sentence_phrases`), scored by `deleter` (models/selector.PhraseDeleter) in one batch per cluster.
    `only`: the candidate indices to consider (the rest keep every phrase; scoring them all costs time)."""
    contexts = {a: context_text(cands, a) for a in range(len(cluster.articles))}
    found = list(sentence_phrases(cluster, cands, only))
    pairs = [deletion_pair(span.text, start, end, contexts[c.article]) for c, span, _, start, end in found]
    out: dict[tuple[int, int], list[tuple[set[int], float]]] = {}
    for (c, _, group, _, _), p in zip(found, deleter.probabilities(pairs) if pairs else []):
        out.setdefault((c.article, c.start), []).append((group, p))
    return out


def best_sentences(cands: list[Candidate], scores: list[float], k: int) -> set[int]:
    """The k best-scored body sentences (by the selector's raw score): those selection is likely to reach, so
    the ones worth the deleter's time."""
    return set(sorted((i for i, c in enumerate(cands) if c.kind == "sentence"), key=lambda i: -scores[i])[:k])


def deletions_above(scored, threshold: float = 0.5):
    """compressed()'s `extra`: the phrases of `scored_phrases` with P(delete) >= threshold, outer phrases first."""
    def extra(cand: Candidate, _span) -> list[set[int]]:
        return [g for g, p in scored.get((cand.article, cand.start), ()) if p >= threshold]

    return extra


@dataclass
class SelectionSettings:
    budget_words: int = 60  # body words (the headline comes on top); NeuS roundups: 63 words median
    redundancy: float = 0.72  # cosine above which a sentence repeats one already chosen
    support_threshold: float = 0.55  # cosine at which another outlet's sentence counts as saying the same
    support_weight: float = 0.15  # score bonus per supporting outlet (share of the other outlets)
    loaded_penalty: float = 1.0  # score malus per unit share of loaded words in the sentence
    position_weight: float = 0.0  # score bonus w / (1 + position) for body sentences: leads carry news
    min_words: int = 4  # shorter body sentences ("Read more.") are never chosen
    max_words: int = 45  # so are run-ons longer than this
    # inference/compress.py rules applied to body sentences before selection (all of val: ROUGE-1/2/L +0.20 / +0.10 /
    # +0.19, loaded words 1.58 -> 1.52 per 100; test: no change; README "Compression by deletion")
    compress: tuple[str, ...] = ("charged", "connective", "parenthetical", "appositive")
    charged_threshold: float = 2.0  # the "charged" rule's VADER cut-off (the loaded-words metric's own)
    # With a phrase deleter (models/selector.PhraseDeleter): the optional phrases it gives P(delete) >= this go
    # too, on the `deletion_top` best-scored body sentences of the cluster.
    deletion_threshold: float = 0.5
    deletion_top: int = 30

    def __post_init__(self):
        from .compress import check_rules

        self.compress = check_rules(self.compress)  # a bad name fails here, not at the first sentence


@dataclass
class Selection:
    headline: int | None  # index of the chosen title in the candidate list
    body: list[int] = field(default_factory=list)  # indices of the chosen sentences, in reading order
    adjusted: list[float] = field(default_factory=list)  # the score each candidate was ranked by


def similarity(emb) -> np.ndarray:
    """Cosine similarity of every pair of candidates, from unit-length sentence embeddings (n x d)."""
    emb = np.asarray(emb, dtype=np.float32)
    return emb @ emb.T if len(emb) else np.zeros((0, 0), dtype=np.float32)


def supporting_articles(cands: list[Candidate], sim: np.ndarray, i: int, threshold: float) -> set[int]:
    """Articles other than candidate i's own that have a sentence at least `threshold` similar to it."""
    return {c.article for j, c in enumerate(cands)
            if c.article != cands[i].article and sim[i, j] >= threshold}


def adjusted_scores(cands: list[Candidate], scores: list[float], sim: np.ndarray, n_sources: int,
                    s: SelectionSettings) -> list[float]:
    others = max(1, n_sources - 1)
    out = []
    for i, c in enumerate(cands):
        support = len(supporting_articles(cands, sim, i, s.support_threshold)) / others
        n = max(1, word_count(c.text))
        lead = s.position_weight / (1 + c.position) if c.kind == "sentence" else 0.0
        out.append(scores[i] + s.support_weight * support - s.loaded_penalty * len(loaded_words(c.text)) / n + lead)
    return out


def select(cands: list[Candidate], scores: list[float], sim: np.ndarray, *, n_sources: int,
           settings: SelectionSettings | None = None) -> Selection:
    """Headline and body sentences (see the module docstring for the rules)."""
    s = settings or SelectionSettings()
    adj = adjusted_scores(cands, scores, sim, n_sources, s)
    titles = [i for i, c in enumerate(cands) if c.kind == "title"]
    headline = max(titles, key=lambda i: adj[i]) if titles else None
    body = _balanced_mmr(cands, adj, sim, s)
    body.sort(key=lambda i: (cands[i].position, -adj[i]))
    return Selection(headline, body, adj)


def _balanced_mmr(cands: list[Candidate], adj: list[float], sim: np.ndarray, s: SelectionSettings) -> list[int]:
    """Greedy: the outlets that report the fewest chosen points pick next, each its best non-redundant sentence
    that still fits the budget; an outlet with nothing left that fits drops out of the rotation. In the first
    round every pick leaves room for the shortest sentence of each outlet still waiting, so no outlet is
    dropped while the budget can hold one sentence of each."""
    pool = {i for i, c in enumerate(cands) if c.kind == "sentence" and s.min_words <= word_count(c.text) <= s.max_words}
    if not pool:  # an article of one long sentence: fall back to any body sentence
        pool = {i for i, c in enumerate(cands) if c.kind == "sentence"}
    words = {i: word_count(cands[i].text) for i in pool}
    chosen: list[int] = []
    count = {cands[i].article: 0 for i in pool}
    active = set(count)
    used = 0
    while active:
        fewest = min(count[a] for a in active)
        turn = [a for a in active if count[a] == fewest]
        shortest = {a: min(words[i] for i in pool if cands[i].article == a) for a in active if count[a] == 0}
        best = None
        for a in turn:
            reserve = sum(n for b, n in shortest.items() if b != a) if fewest == 0 else 0
            fits = [i for i in pool if cands[i].article == a and used + words[i] + reserve <= s.budget_words
                    and all(sim[i, j] < s.redundancy for j in chosen)]
            if not fits and reserve:  # the budget cannot hold every outlet: let this one compete unreserved
                fits = [i for i in pool if cands[i].article == a and used + words[i] <= s.budget_words
                        and all(sim[i, j] < s.redundancy for j in chosen)]
            if not fits:
                active.discard(a)
                continue
            i = max(fits, key=lambda i: adj[i])
            if best is None or adj[i] > adj[best]:
                best = i
        if best is None:
            continue
        chosen.append(best)
        pool.discard(best)
        # Every outlet that reports this point has had its turn: the rotation then favours what outlets
        # share over a sentence only one outlet wrote (often its framing: "Furious officials hit back").
        for a in {cands[best].article} | supporting_articles(cands, sim, best, s.support_threshold):
            if a in count:
                count[a] += 1
        used += words[best]
    return chosen


def attribute(cands: list[Candidate], sim: np.ndarray, chosen: list[int], threshold: float = 0.55) -> list[list[int]]:
    """For each chosen sentence, the articles that report it: its own, then those with a sentence at least
    `threshold` similar (cosine of sentence embeddings)."""
    return [[cands[i].article] + sorted(supporting_articles(cands, sim, i, threshold)) for i in chosen]
