"""Each country's stance toward a cluster's event, with the sentences that decided it.

    analyzer = StanceAnalyzer.load("runs/stance_minilm/final")
    stances = analyzer.analyze(cluster)              # event: the first outlet title
    stances = analyzer.analyze(cluster, topic=headline)   # what the Pipeline passes
    stances["Russia"].label, stances["Russia"].evidence[0].clause

Three steps, the first and last without a model (and tested as pure functions):

1. `holder_sentences` (inference/holders.py): from the dependency parse of each article line (evenhand.text.parse),
   the (sentence, country) pairs where the country is the HOLDER, the agent of a verb
   ("Seoul said", "the Kremlin rejected", "Chinese officials warned", "... was condemned by
   Russia", '"...," Barr wrote' after "Attorney General William Barr"); see `agency`.
2. the sentence classifier scores holder -> event as neutral / positive / negative.
3. `aggregate`: per country, supports / opposes / neutral / mixed with a confidence
   and the top evidence; a country that carries out the event (`event_actors`, found in
   the text) supports it (guideline §6.3); `not_stated` for countries mentioned but never
   holders (background mentions are never evidence).

The label set is documented in docs/stance.md.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

from evenhand.corpus import Cluster, to_cluster
from evenhand.errors import EvenhandError
from evenhand.text import sentences

from .countries import find_countries
from .holders import HolderSentence, line_mentions, mention_root, parse_line, agency, holder_sentences

logger = logging.getLogger(__name__)

SENTENCE_TO_STANCE = {"positive": "supports", "negative": "opposes", "neutral": "neutral"}

# --- 3. aggregation --------------------------------------------------------------------


@dataclass
class Evidence:
    article_index: int
    source: str | None
    sentence: str
    label: str  # the sentence's stance: supports | opposes | neutral
    score: float  # the classifier's probability of that label
    holder: str = ""  # the holder's words in the sentence ("Seoul", "Chinese foreign ministry")
    holder_span: tuple[int, int] = (0, 0)  # their offsets in `sentence`
    clause: str = ""  # the clause of the verb the holder is the agent of
    role: str = ""  # subject | passive agent | according to | pronoun (continues the previous sentence's holder)

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
    probs: dict[str, float]  # keys "neutral", "positive", "negative", and "none" from an event classifier
    holder: str = ""
    holder_span: tuple[int, int] = (0, 0)
    clause: str = ""
    role: str = ""
    on_event: int = 1  # content words shared with the event description (`event_overlap`)


@dataclass
class AggregationSettings:
    # A sentence is clear evidence for its polarity at or above this probability. Every default below
    # was chosen on labels/neus_stance/train.jsonl only (the grids are in docs/stance.md); the dev files
    # are kept for reporting.
    strong: float = 0.25
    mixed_ratio: float = 0.5  # mixed when the weaker side has at least this share of the stronger side
    max_evidence: int = 3
    # The country that carries out the event (`event_actors`: the agent of the headline's main verb
    # or of the articles' lead sentences) supports it (guideline §6.3) when it acts or speaks in the
    # cluster ("holder"), or even when it is only mentioned ("mentioned"); "off" leaves it to the
    # classifier.
    actor_rule: Literal["off", "holder", "mentioned"] = "holder"
    # The actor rule's confidence: the share of its decisions that were right on
    # labels/neus_stance/train.jsonl (see docs/stance.md), so that it is a probability, not 1 - P(negative).
    actor_confidence: float = 0.69
    # Likewise for neutral (holder sentences without clear polarity); None: the mean P(neutral).
    neutral_confidence: float | None = 0.12
    # A country whose holder sentences share at least this many content words with the event but
    # show no clear polarity takes part in the event: supports (most such holders on train.jsonl are
    # gold supports, see docs/stance.md). 0 turns it off.
    takes_part_min: int = 2
    takes_part_confidence: float = 0.52
    min_leads: int = 2  # lead sentences (of different articles) whose agent makes an actor
    # A country modifying the event noun is an actor too ("Iran's downing of ..."); off: it lowered
    # macro-F1 on train.jsonl (0.372 against 0.382).
    event_owners: bool = False
    # The veto needs more than this share of the actor's sentences clearly negative (0: one is enough;
    # 0.34 and 0.5 were worse on train).
    actor_veto_share: float = 0.0
    # An actor with a sentence this clearly negative is left to the sentence scores: the headline's
    # agent may be reacting to the event ("Russia slams US sanctions"), not carrying it out.
    actor_veto: float = 0.5
    neutral_min: int = 1  # holder sentences needed for neutral (fewer: not_stated)
    # A holder sentence sharing fewer content words with the event description is background: not
    # evidence for neutral ("on_event_neutral") or for any label ("on_event_all").
    on_event_min: int = 1
    on_event_scope: Literal["neutral", "all"] = "neutral"
    # An event classifier (trained on holder clauses) says when a sentence shows no stance on the event
    # (background, or the mention is not its holder): at or above this P(none) it is not evidence.
    none_drop: float = 0.5
    # Holder finding: a pronoun subject continuing the previous sentence's single holder ("It said",
    # "He added") holds for that country too (inference/holders.py).
    pronouns: bool = True


def _main_agents(line: str, owners: bool = False) -> set[str]:
    """Countries that are agents of the main verb of the first sentence of `line`, of a verb
    coordinated with it ("Russia signs the pact and leaves the talks") or of the clause it reports
    ("Pence says Turkey, U.S. agree ceasefire")."""
    doc = parse_line(line)
    root = next(iter(doc.sents)).root
    # The event noun: the main verb's subject ("Russia-North Korea treaty raises alarm"), or the root
    # of a headline without a verb ("US sanctions on Iran").
    event_nouns = {t for t in root.children if t.dep_ in ("nsubj", "nsubjpass") and t.pos_ == "NOUN"}
    if root.pos_ in ("NOUN", "PROPN"):
        event_nouns.add(root)
    out: set[str] = set()
    for m in line_mentions(line, doc, {}):
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or span.sent.root != root:
            continue
        if owners and _owner_of(mention_root(span), event_nouns):
            out.add(m.country)  # "Iran's downing of ...", "U.S. withdrawal from Syria", "Iranian missile attack"
            continue
        how = agency(span, m.kind, reported_ok=True)
        if how is not None and (how.verb == root or (how.verb.dep_ in ("conj", "ccomp") and how.verb.head == root)):
            out.add(m.country)
    return out


def _owner_of(tok, nouns) -> bool:
    """Whether a mention modifies one of the event nouns (directly or through a coordinated or
    compound name: "Russia-North Korea treaty")."""
    for _ in range(4):
        if tok.dep_ not in ("compound", "poss", "amod", "conj", "nmod") or tok.head == tok:
            return False
        tok = tok.head
        if tok in nouns:
            return True
    return False


def _content_stems(text: str) -> set[str]:
    """Content words of a text, cut to 5 letters ("sanctions", "sanctioned" -> "sanct"), without stop
    words and country names: what a sentence must share with the event to be about it."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from evenhand.text import words

    names = {w.lower() for m in find_countries(text) for w in m.surface.split()}
    return {w[:5] for w in words(text) if len(w) > 2 and w not in STOP_WORDS and w not in names}


def event_description(cluster: Cluster) -> str:
    """The event as the cluster's own text states it, when no headline is given: the first outlet
    title, else the first sentence of the first article. summarize() uses this too, not its own chosen
    headline: measured with `--event headline`, the selector's title scored no better (docs/stance.md)."""
    for article in cluster.articles:
        if article.title and article.title.strip():
            return article.title.strip()
    body = next((a.text.strip() for a in cluster.articles if a.text and a.text.strip()), "")
    return next(iter(s.text for s in sentences(body)), body)


def lead_sentences(cluster: Cluster) -> list[str]:
    """The first body sentence of each article (titles are not leads)."""
    leads = []
    for article in cluster.articles:
        first = next(iter(sentences(article.text or "")), None)
        if first is not None:
            leads.append(first.text)
    return leads


def event_actors(event: str, leads: Sequence[str] = (), min_leads: int = 2, owners: bool = False) -> set[str]:
    """The countries that carry out the event: agents of the main verb of the event description
    ("Biden recognizes Armenian genocide" -> {United States}), plus those that are agents of the
    main verb of at least `min_leads` lead sentences (of all of them when there are fewer). With
    `owners`, also the countries that modify the event noun ("Russia-North Korea treaty raises alarm")."""
    actors = set(_main_agents(event, owners)) if event.strip() else set()
    from collections import Counter

    votes = Counter(c for lead in leads for c in _main_agents(lead, owners))
    need = min(min_leads, max(1, len(leads)))
    return actors | {c for c, n in votes.items() if n >= need}


def aggregate(
    scored: Sequence[ScoredSentence],
    mentions: dict[str, int],
    settings: AggregationSettings | None = None,
    actors: Iterable[str] = (),
) -> dict[str, CountryStance]:
    """Per-country stance from per-sentence probabilities (pure; no model).

    - an actor of the event (see `event_actors`, `AggregationSettings.actor_rule`) with a holder
      sentence, none of them clearly negative (`actor_veto`): supports;
    - one clear (>= strong) positive sentence and no clear negative: supports (and vice versa);
    - clear evidence both ways, the weaker side >= mixed_ratio of the stronger: mixed;
      otherwise the stronger side wins;
    - no clear polarity: supports when a sentence shares `takes_part_min` content words with the
      event, neutral when one shares `on_event_min`; background sentences only: not_stated;
    - mentioned but never a holder: not_stated.
    """
    s = settings or AggregationSettings()
    actors = set(actors) if s.actor_rule != "off" else set()
    by_country: dict[str, list[ScoredSentence]] = {}
    for item in scored:
        if s.on_event_scope == "all" and item.on_event < s.on_event_min:
            continue
        if item.probs.get("none", 0.0) >= s.none_drop:
            continue
        by_country.setdefault(item.country, []).append(item)
    out: dict[str, CountryStance] = {}
    for country in list(mentions) + [c for c in by_country if c not in mentions]:
        items = by_country.get(country, [])
        stance = _actor_stance(country, items, s) if country in actors else None
        stance = stance or _polar_stance(country, items, s) or _unpolar_stance(country, items, s)
        stance.mentions = mentions.get(country, 0)
        out[country] = stance
    return out


def _actor_stance(country: str, items: list[ScoredSentence], s: AggregationSettings) -> CountryStance | None:
    """The actor rule, or None when it does not apply (no holder sentence, or vetoed)."""
    negative = [x for x in items if x.probs.get("negative", 0.0) >= s.actor_veto]
    if (not items and s.actor_rule != "mentioned") or (negative and len(negative) > s.actor_veto_share * len(items)):
        return None
    # The directed-sentiment model reads a hostile act as negative toward its target; the
    # guideline counts the country that carries out the event as supporting it.
    evidence = [_evidence(x, _argmax(x.probs)) for x in _top(items, "positive", s.max_evidence)]
    return CountryStance(country, "supports", s.actor_confidence, evidence)


def _polar_stance(country: str, items: list[ScoredSentence], s: AggregationSettings) -> CountryStance | None:
    """supports / opposes / mixed from clear sentences, or None when there are none."""
    pos = [x for x in items if x.probs.get("positive", 0.0) >= s.strong]
    neg = [x for x in items if x.probs.get("negative", 0.0) >= s.strong]
    if not pos and not neg:
        return None
    pos_mass = sum(x.probs["positive"] for x in pos)
    neg_mass = sum(x.probs["negative"] for x in neg)
    if pos and neg and min(pos_mass, neg_mass) >= s.mixed_ratio * max(pos_mass, neg_mass):
        top_pos = _top(pos, "positive", s.max_evidence)
        top_neg = _top(neg, "negative", s.max_evidence)
        confidence = min(top_pos[0].probs["positive"], top_neg[0].probs["negative"])
        chosen = _interleave([(x, "positive") for x in top_pos], [(x, "negative") for x in top_neg])
        evidence = [_evidence(x, pol) for x, pol in chosen[: max(2, s.max_evidence)]]
        return CountryStance(country, "mixed", float(confidence), evidence)
    polarity, side = ("positive", pos) if pos_mass >= neg_mass else ("negative", neg)
    top = _top(side, polarity, s.max_evidence)
    confidence = sum(x.probs[polarity] for x in top) / len(top)
    return CountryStance(country, SENTENCE_TO_STANCE[polarity], float(confidence),
                         [_evidence(x, polarity) for x in top])


def _unpolar_stance(country: str, items: list[ScoredSentence], s: AggregationSettings) -> CountryStance:
    """Holder sentences without clear polarity: taking part (supports), neutral, or not_stated when
    they are all background."""
    on_event = [x for x in items if x.on_event >= s.on_event_min]
    if not items or len(on_event) < max(1, s.neutral_min):
        return CountryStance(country, "not_stated", None, [])
    part = [x for x in items if s.takes_part_min and x.on_event >= s.takes_part_min]
    if part:
        top = sorted(part, key=lambda x: x.on_event, reverse=True)[: s.max_evidence]
        return CountryStance(country, "supports", s.takes_part_confidence,
                             [_evidence(x, _argmax(x.probs)) for x in top])
    confidence = s.neutral_confidence
    if confidence is None:
        confidence = sum(x.probs.get("neutral", 0.0) for x in on_event) / len(on_event)
    top = _top(on_event, "neutral", s.max_evidence)
    return CountryStance(country, "neutral", float(confidence), [_evidence(x, _argmax(x.probs)) for x in top])


def _argmax(probs: dict[str, float]) -> str:
    """The most probable stance output ("none", an event classifier's no-stance output, is not a stance)."""
    return max((k for k in probs if k in SENTENCE_TO_STANCE), key=probs.get)


def _top(items: Iterable[ScoredSentence], polarity: str, k: int) -> list[ScoredSentence]:
    return sorted(items, key=lambda x: x.probs.get(polarity, 0.0), reverse=True)[:k]


def _interleave(a: list, b: list) -> list:
    out = []
    for i in range(max(len(a), len(b))):
        out.extend(x[i] for x in (a, b) if i < len(x))
    return out


def _evidence(item: ScoredSentence, polarity: str) -> Evidence:
    return Evidence(item.article_index, item.source, item.sentence, SENTENCE_TO_STANCE[polarity],
                    float(item.probs.get(polarity, 0.0)), item.holder, tuple(item.holder_span), item.clause,
                    item.role)


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

        labels = getattr(self.classifier, "labels", None) or SENTENCE_LABELS
        probs = self.classifier.predict([(h.holder, topic, h.sentence) for h in holders])
        event_words = _content_stems(topic)
        return [
            ScoredSentence(h.country, h.article_index, h.source, h.plain, dict(zip(labels, p)),
                           h.holder, h.span, h.clause, h.role, len(event_words & _content_stems(h.plain)))
            for h, p in zip(holders, probs)
        ]

    def analyze(self, cluster: Any, topic: str | None = None) -> dict[str, CountryStance]:
        """Stance of every country mentioned in `cluster` toward the event `topic` (a headline; default:
        `event_description`, from the cluster's own text). The event's actors come from the text
        (`event_actors`), never from the word order of a topic string."""
        with warnings.catch_warnings():
            # The corpus warns that one article cannot give a neutral *summary*; stances are fine.
            warnings.filterwarnings("ignore", message=".*only one article.*")
            cluster = to_cluster(cluster)
        event = str(topic).strip() if topic and str(topic).strip() else event_description(cluster)
        if not event:
            raise EvenhandError("stance analysis needs an event: the cluster has no title or text to take it from")
        holders, mentions = holder_sentences(cluster, pronouns=self.settings.pronouns)
        actors = event_actors(event, lead_sentences(cluster), self.settings.min_leads, self.settings.event_owners)
        return aggregate(self.score(holders, event), mentions, self.settings, actors=actors)
