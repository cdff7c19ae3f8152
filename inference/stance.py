"""Each country's stance toward a cluster's topic, with evidence sentences.

    analyzer = StanceAnalyzer.load("runs/stance_minilm/final")
    stances = analyzer.analyze(cluster, topic="Russia-North Korea defence pact")
    stances["Russia"].label, stances["Russia"].evidence[0].sentence

Three steps, the first and last without a model (and tested as pure functions):

1. `holder_sentences`: split each article into sentences and keep the (sentence,
   country) pairs where the country is the HOLDER: it acts or speaks ("Seoul said",
   "the Kremlin rejected", "Chinese officials warned", "... was condemned by Russia").
2. the sentence classifier scores holder -> topic as neutral / positive / negative.
3. `aggregate`: per country, supports / opposes / neutral / mixed with a confidence
   and the top evidence; the country whose act the topic names supports it (guideline
   §6.3); `not_stated` for countries mentioned but never holders.

The label set is documented in docs/stance.md.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

from evenhand.corpus import Cluster, to_cluster
from evenhand.errors import EvenhandError
from evenhand.text import sentences

from .countries import Mention, find_countries

logger = logging.getLogger(__name__)

SENTENCE_TO_STANCE = {"positive": "supports", "negative": "opposes", "neutral": "neutral"}

# --- 1. sentences and holders -------------------------------------------------------------

# Verbs of saying and of acting on an issue, as stems; inflections are matched below.
_VERB_STEMS = (
    "say", "said", "tell", "told", "state", "warn", "condemn", "criticiz", "criticis", "denounc", "welcom", "prais",
    "urg", "call", "reject", "den", "accus", "vow", "pledg", "threaten", "announc", "declar", "insist", "argu",
    "claim", "demand", "blam", "slam", "hail", "back", "support", "oppos", "sign", "agre", "approv", "veto",
    "vote", "ratif", "impos", "sanction", "expel", "recall", "retaliat", "launch", "strik", "struck", "deploy",
    "withdr", "suspend", "pull", "refus", "protest", "endors", "defend", "dismiss", "respond", "react", "confirm",
    "add", "note", "stress", "reiterat", "express", "offer", "promis", "plan", "ask", "push", "seek", "sought",
    "press", "fir", "attack", "bomb", "invad", "annex", "accept", "order", "lift", "allow", "ban", "block",
    "boycott", "threat", "negotiat", "host", "mediat", "abstain", "voic", "summon", "appeal", "acknowledg", "admit",
    "dispute", "challeng", "question", "counter", "retort", "repl", "announc", "tweet", "wrote", "writ", "decid",
    "decline", "continu", "escalat", "hit", "commit", "join", "quit", "leav", "left", "resum", "halt",
    "shoot", "shot", "kill", "seiz", "captur", "arrest", "detain", "execut", "mobiliz", "prepar", "intend", "want",
    "hope", "believ", "consider", "view", "insist", "vow", "warn", "test", "conduct", "sent", "send", "provid",
)
_VERB = re.compile(r"^(?:" + "|".join(sorted(set(_VERB_STEMS), key=len, reverse=True)) + r")[a-z]*$")
_AUX = {"has", "have", "had", "will", "would", "could", "can", "may", "might", "should", "must", "is", "are", "was",
        "were", "did", "does", "do", "not", "also", "then", "later", "quickly", "repeatedly", "again", "swiftly",
        "strongly", "publicly", "formally", "on", "officially", "already", "reportedly", "initially", "never"}
# Nouns for the people and organs through which a state speaks or acts.
_OFFICIALS = re.compile(
    r"^(?:officials?|government|governments|administration|president|presidents|minister|ministers|ministry|"
    r"spokes(?:man|woman|person)|diplomats?|ambassador|envoy|embassy|military|army|navy|forces|troops|"
    r"authorities|leaders?|leadership|regime|state|media|agency|foreign|defen[cs]e|secretary|chancellor|"
    r"premier|king|parliament|cabinet|counterpart|delegation|negotiators?|mission|representative|council|"
    r"commission|chief|head|prime|general|office|department|side|officers?|legislature|senate|congress|court|"
    r"monarch|emir|crown|prince|allies|alliance|members?|states|planes|jets|warplanes|warships|ships|missiles|"
    r"drones|soldiers|police|intelligence|security|coalition|spokesperson|top|senior)$",
    re.I,
)
# A preceding word that makes the country an object or a place, not the actor.
_OBJECT_BEFORE = {"on", "against", "to", "toward", "towards", "about", "over", "in", "at", "into", "from", "with",
                  "of", "for", "between", "near", "across", "inside", "within", "than", "like", "visit", "visited",
                  "visiting", "under", "around"}
_ATTRIBUTION = {"said", "says", "added", "wrote", "tweeted"}  # verbs that can precede their subject
_TOKEN = re.compile(r"[\w'’.-]+|[^\w\s]")
_WINDOW = 8  # tokens between the holder's mention and its verb


@dataclass
class HolderSentence:
    """One sentence in which `country` is a holder, before scoring."""

    country: str
    article_index: int
    source: str | None
    sentence: str  # the sentence with the holder's mention in [brackets]
    holder: str  # the surface used as holder ("Seoul", "South Korean officials")
    plain: str  # the sentence as written


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]


def _is_verb(tok: str) -> bool:
    return bool(_VERB.match(tok))


def is_holder(sentence: str, mention: Mention) -> bool:
    """Whether `mention` is the actor or speaker of `sentence` (a subject near a speech/action verb).

    Rules, in order: a passive agent ("... rejected by Russia") is a holder; a mention after
    a preposition ("sanctions on Russia", "talks in Seoul") is not; a demonym needs an
    official noun ("Chinese officials", "the Russian foreign ministry"); then a verb of
    saying or acting must follow within a few tokens, skipping auxiliaries, titles, names,
    official nouns and a coordinated subject ("Russia and China said").
    """
    toks = _tokens(sentence)
    idx_start = next((i for i, t in enumerate(toks) if t[0] >= mention.start), None)
    idx_end = next((i for i, t in enumerate(toks) if t[1] >= mention.end), None)
    if idx_start is None or idx_end is None:
        return False
    before = [t[2] for t in toks[max(0, idx_start - 3):idx_start]]
    prev = before[-1].lower() if before else ""
    if prev == "the" and len(before) >= 2:
        prev2 = before[-2].lower()
        if prev2 in _OBJECT_BEFORE:
            prev = prev2
    if prev == "by":
        # Passive: "The deal was welcomed by Tokyo".
        return any(_is_verb(t[2].lower()) for t in toks[max(0, idx_start - 5):idx_start])
    if prev == "to" and len(before) >= 2 and before[-2].lower() == "according":
        return True
    if prev in _OBJECT_BEFORE:
        return False
    after = toks[idx_end + 1:idx_end + 1 + _WINDOW]
    if prev in _ATTRIBUTION:
        # Inverted attribution: '"...," said Chinese foreign ministry spokesman Geng Shuang.'
        return mention.kind != "demonym" or any(_OFFICIALS.match(t[2].strip(".,;:")) for t in after[:4])
    saw_official = mention.kind != "demonym"
    for _, _, raw in after:
        if raw in {".", ";", ":", "(", ")", '"', "“", "”", "?", "!"}:
            return False
        if raw in {",", "'", "’", "-", "–"} or raw.startswith(("'s", "’s")):
            continue
        tok = raw.rstrip(".,;:!?")
        low = tok.lower()
        if _OFFICIALS.match(tok):
            saw_official = True
            continue
        if low in _AUX or low in ("and", "the", "its", "their", "new", "former", "both"):
            continue
        if tok[:1].isupper():  # names and titles: "President Moon Jae-in", "Foreign Minister Lavrov"
            continue
        # The first other word decides: a verb of saying or acting, or the end of the subject
        # ("Russia's economy grew", "China's exports").
        return saw_official and _is_verb(low)
    return False


def holder_sentences(cluster: Cluster) -> tuple[list[HolderSentence], dict[str, int]]:
    """Holder sentences of every article (title first) and mention counts per country."""
    from collections import Counter

    found: list[HolderSentence] = []
    counts: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    for ai, article in enumerate(cluster.articles):
        source = article.source or f"article {ai + 1}"
        texts = ([article.title] if article.title else []) + [article.text]
        for text in texts:
            mentions = find_countries(text)
            counts.update(m.country for m in mentions)
            for sent in sentences(text):
                start, end, sentence = sent.start, sent.end, sent.text
                inside = [m for m in mentions if start <= m.start and m.end <= end]
                for m in inside:
                    local = Mention(m.start - start, m.end - start, m.surface, m.country, m.kind)
                    key = (m.country, sentence)
                    if key in seen or not is_holder(sentence, local):
                        continue
                    seen.add(key)
                    marked = f"{sentence[:local.start]}[{sentence[local.start:local.end]}]{sentence[local.end:]}"
                    found.append(HolderSentence(m.country, ai, source, marked, m.surface, sentence))
    return found, dict(counts.most_common())


# --- 3. aggregation --------------------------------------------------------------------


@dataclass
class Evidence:
    article_index: int
    source: str | None
    sentence: str
    label: str  # the sentence's stance: supports | opposes | neutral
    score: float  # the classifier's probability of that label

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CountryStance:
    country: str
    label: str  # supports | opposes | neutral | mixed | not_stated
    confidence: float | None  # None for not_stated (no model decision involved)
    evidence: list[Evidence] = field(default_factory=list)
    mentions: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "label": self.label,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "evidence": [e.to_dict() for e in self.evidence],
            "mentions": self.mentions,
        }


@dataclass
class ScoredSentence:
    """A holder sentence with the classifier's probabilities (neutral, positive, negative)."""

    country: str
    article_index: int
    source: str | None
    sentence: str
    probs: dict[str, float]  # keys "neutral", "positive", "negative"


@dataclass
class AggregationSettings:
    # A sentence is clear evidence for its polarity at or above this probability; 0.4 was best
    # of 0.4/0.5/0.6 on labels/neus_stance/train.jsonl (dev.jsonl is kept for reporting).
    strong: float = 0.4
    mixed_ratio: float = 0.5  # mixed when the weaker side has at least this share of the stronger side
    max_evidence: int = 3
    # The country whose act the topic names ("US sanctions on ...", "Iran's downing of ...")
    # supports it (guideline §6.3) when it acts or speaks in the cluster ("holder"), or even
    # when it is only mentioned ("mentioned"); "off" leaves it to the classifier.
    actor_rule: Literal["off", "holder", "mentioned"] = "holder"


_TOPIC_LEAD = re.compile(r"^(?:the|a|an)\s+", re.I)


def topic_actors(topic: str) -> set[str]:
    """Countries named at the head of the topic: "US sanctions ..." -> {United States},
    "Russia-North Korea defence pact" -> {Russia, North Korea}, "Trump's veto ..." -> {United States}."""
    lead = _TOPIC_LEAD.match(topic)
    offset = lead.end() if lead else 0
    actors: set[str] = set()
    for m in find_countries(topic):
        if m.start != offset:
            break
        actors.add(m.country)
        rest = topic[m.end:]
        joint = re.match(r"(?:'s|’s)?\s*(?:-|–|and\s+|,\s*)", rest)
        if not joint:
            break
        offset = m.end + joint.end()
    return actors


def aggregate(
    scored: Sequence[ScoredSentence],
    mentions: dict[str, int],
    settings: AggregationSettings | None = None,
    actors: Iterable[str] = (),
) -> dict[str, CountryStance]:
    """Per-country stance from per-sentence probabilities (pure; no model).

    - the topic's actor (see `topic_actors`, `AggregationSettings.actor_rule`): supports;
    - one clear (>= strong) positive sentence and no clear negative: supports (and vice versa);
    - clear evidence both ways, the weaker side >= mixed_ratio of the stronger: mixed;
      otherwise the stronger side wins;
    - holder sentences but no clear polarity: neutral;
    - mentioned but never a holder: not_stated.
    """
    s = settings or AggregationSettings()
    actors = set(actors) if s.actor_rule != "off" else set()
    by_country: dict[str, list[ScoredSentence]] = {}
    for item in scored:
        by_country.setdefault(item.country, []).append(item)
    out: dict[str, CountryStance] = {}
    countries = list(mentions) + [c for c in by_country if c not in mentions]
    for country in countries:
        items = by_country.get(country, [])
        n_mentions = mentions.get(country, 0)
        if country in actors and (items or s.actor_rule == "mentioned"):
            # The directed-sentiment model reads a hostile act as negative toward its target;
            # the guideline counts the actor of the topic event as supporting it.
            top = _top(items, "positive", s.max_evidence)
            confidence = sum(1.0 - x.probs.get("negative", 0.0) for x in items) / len(items) if items else None
            evidence = [_evidence(x, _argmax(x.probs)) for x in top]
            out[country] = CountryStance(country, "supports", confidence, evidence, n_mentions)
            continue
        if not items:
            out[country] = CountryStance(country, "not_stated", None, [], n_mentions)
            continue
        pos = [x for x in items if x.probs.get("positive", 0.0) >= s.strong]
        neg = [x for x in items if x.probs.get("negative", 0.0) >= s.strong]
        pos_mass = sum(x.probs["positive"] for x in pos)
        neg_mass = sum(x.probs["negative"] for x in neg)
        if pos and neg and min(pos_mass, neg_mass) >= s.mixed_ratio * max(pos_mass, neg_mass):
            label = "mixed"
            top_pos = _top(pos, "positive", s.max_evidence)
            top_neg = _top(neg, "negative", s.max_evidence)
            confidence = min(top_pos[0].probs["positive"], top_neg[0].probs["negative"])
            chosen = _interleave([(x, "positive") for x in top_pos], [(x, "negative") for x in top_neg])
            evidence = [_evidence(x, pol) for x, pol in chosen[: max(2, s.max_evidence)]]
        elif pos or neg:
            polarity, side = ("positive", pos) if pos_mass >= neg_mass else ("negative", neg)
            label = SENTENCE_TO_STANCE[polarity]
            top = _top(side, polarity, s.max_evidence)
            confidence = sum(x.probs[polarity] for x in top) / len(top)
            evidence = [_evidence(x, polarity) for x in top]
        else:
            label = "neutral"
            top = _top(items, "neutral", s.max_evidence)
            confidence = sum(x.probs.get("neutral", 0.0) for x in items) / len(items)
            evidence = [_evidence(x, _argmax(x.probs)) for x in top]
        out[country] = CountryStance(country, label, float(confidence), evidence, n_mentions)
    return out


def _argmax(probs: dict[str, float]) -> str:
    return max(probs, key=probs.get)


def _top(items: Iterable[ScoredSentence], polarity: str, k: int) -> list[ScoredSentence]:
    return sorted(items, key=lambda x: x.probs.get(polarity, 0.0), reverse=True)[:k]


def _interleave(a: list, b: list) -> list:
    out = []
    for i in range(max(len(a), len(b))):
        out.extend(x[i] for x in (a, b) if i < len(x))
    return out


def _evidence(item: ScoredSentence, polarity: str) -> Evidence:
    return Evidence(item.article_index, item.source, item.sentence, SENTENCE_TO_STANCE[polarity],
                    float(item.probs.get(polarity, 0.0)))


# --- the analyzer ----------------------------------------------------------------------


class StanceAnalyzer:
    def __init__(self, classifier, *, settings: AggregationSettings | None = None, name: str = ""):
        self.classifier = classifier
        self.settings = settings or AggregationSettings()
        self.name = name

    @classmethod
    def load(cls, path: str | Path, *, device: str | None = None, batch_size: int = 32,
             settings: AggregationSettings | None = None) -> "StanceAnalyzer":
        """Load a stance checkpoint folder (full weights or a LoRA adapter on its base model)."""
        from evenhand.models.checkpoint import read_manifest
        from evenhand.models.stance_classifier import StanceClassifier

        read_manifest(path, task="stance")  # a clear error for a wrong or damaged folder, before torch
        classifier = StanceClassifier.load(path, batch_size=batch_size)
        if device:
            classifier.model.to(device)
        return cls(classifier, settings=settings, name=str(path))

    def score(self, holders: Sequence[HolderSentence], topic: str) -> list[ScoredSentence]:
        from evenhand.models.stance_classifier import SENTENCE_LABELS

        probs = self.classifier.predict([(h.holder, topic, h.sentence) for h in holders])
        return [
            ScoredSentence(h.country, h.article_index, h.source, h.plain, dict(zip(SENTENCE_LABELS, p)))
            for h, p in zip(holders, probs)
        ]

    def analyze(self, cluster: Any, topic: str | None = None) -> dict[str, CountryStance]:
        """Stance of every country mentioned in `cluster` toward `topic` (default: the cluster's topic)."""
        with warnings.catch_warnings():
            # The corpus warns that one article cannot give a neutral *summary*; stances are fine.
            warnings.filterwarnings("ignore", message=".*only one article.*")
            cluster = to_cluster(cluster)
        topic = topic or cluster.topic
        if not topic or not str(topic).strip():
            raise EvenhandError("stance analysis needs a topic: pass topic='...' or give the cluster a 'topic'")
        holders, mentions = holder_sentences(cluster)
        topic = str(topic).strip()
        return aggregate(self.score(holders, topic), mentions, self.settings, actors=topic_actors(topic))
