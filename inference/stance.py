"""Each country's stance toward a cluster's event, with the sentences that decided it.

    analyzer = StanceAnalyzer.load("runs/stance_minilm/final")
    stances = analyzer.analyze(cluster)              # event: the first outlet title
    stances = analyzer.analyze(cluster, topic=headline)   # what the Pipeline passes
    stances["Russia"].label, stances["Russia"].evidence[0].clause

Three steps, the first and last without a model (and tested as pure functions):

1. `holder_sentences`: from the dependency parse of each article line (evenhand.text.parse),
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
import re
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

from evenhand.corpus import Cluster, to_cluster
from evenhand.errors import EvenhandError
from evenhand.text import article_body, parse, sentences

from .countries import Mention, find_countries

logger = logging.getLogger(__name__)

SENTENCE_TO_STANCE = {"positive": "supports", "negative": "opposes", "neutral": "neutral"}

# --- 1. sentences and holders -------------------------------------------------------------
#
# A country holds a stance in a sentence when the dependency parse (evenhand.text.parse, the one
# sentence layer) makes it, or a person or organ of it, the AGENT of a verb: the subject of any
# verb (the verb comes from the parse, not a list), the agent of a passive ("was condemned by
# Russia"), or the source of "according to". A quote source ('"...," X said') is the subject of
# the verb of saying. The mention may stand inside the subject phrase only as a modifier of an
# office or a person ("Russia's foreign ministry", "Chinese President Xi", "the government of
# China", "adviser to President Yoon"); any other head noun makes it background ("China's
# economy", "a Singapore-based center", "the Paris agreement", "Russia's warning").

# Heads through which a state speaks or acts (lemmas, lower case).
OFFICE_NOUNS = frozenset("""
official government administration president minister ministry spokesman spokeswoman spokesperson
diplomat ambassador envoy embassy military army navy force troop authority leader leadership regime
secretary chancellor premier king queen emperor emir prince parliament cabinet delegation negotiator
mission representative commander general office department side officer legislature senate congress
court monarch coalition police intelligence soldier guard
counterpart state media spokesmen officials adviser advisor aide staff team agency prosecutor
investigator judge justice counsel council commission ally
""".split())
# "agency" and "council" are offices only of a state ("Russia's space agency"), never the news agency
# of a country: "Spanish agency Europa Press" is rejected below because its head is a named ORG.
# Verbs whose subject undergoes rather than acts ("Mexico will receive 2.5 million doses").
_NOT_AGENT_VERBS = frozenset({"have", "seem", "become", "remain", "base", "locate", "situate", "name", "call",
                              "receive", "get", "face", "suffer", "lose", "need", "undergo", "appear"})
# Modifiers that make a person or organ not the state's voice ("Russian opposition leader Alexei Navalny",
# "former officials"; the guideline's §3).
_NOT_STATE = frozenset({"opposition", "dissident", "former", "formerly", "ex", "activist", "rebel", "exiled", "separatist",
                        "candidate", "hopeful", "critic"})
_CLIMB_DEPS = frozenset({"compound", "amod", "poss", "nmod"})
_OF_PREPS = frozenset({"of", "for", "to", "from"})  # "the government of China", "adviser to President Yoon"


@dataclass
class HolderSentence:
    """One sentence in which `country` is a holder, before scoring."""

    country: str
    article_index: int
    source: str | None
    sentence: str  # the sentence with the holder's mention in [brackets]
    holder: str  # the surface used as holder ("Seoul", "South Korean officials")
    plain: str  # the sentence as written
    span: tuple[int, int] = (0, 0)  # the holder's mention in `plain`
    clause: str = ""  # the clause of the verb the holder is the agent of
    role: str = "subject"  # subject | passive agent | according to


@dataclass(frozen=True)
class Agency:
    """Why a mention is a holder: its verb and role, and the clause it governs."""

    verb: Any  # spaCy Token
    role: str
    clause: str


def _is_person(tok) -> bool:
    return tok.ent_type_ == "PERSON" or (tok.pos_ == "PROPN" and tok.ent_type_ in ("", "NORP") and
                                         any(c.dep_ == "compound" and c.ent_type_ == "PERSON" for c in tok.children))


def _is_office(tok) -> bool:
    if tok.ent_type_ == "ORG" and tok.lemma_.lower() not in OFFICE_NOUNS:
        return False  # "Spanish agency Europa Press": a named organisation that is not an organ
    return tok.lemma_.lower() in OFFICE_NOUNS or tok.lower_ in OFFICE_NOUNS


def _mention_root(span):
    """The token of a mention's span whose head lies outside it ("Chinese" in "Chinese", "Jae-in" in
    "Moon Jae-in")."""
    for tok in span:
        if tok.head == tok or not (span.start <= tok.head.i < span.end):
            return tok
    return span.root


def _phrase_head(tok, kind: str):
    """Climb from a mention to the head of the noun phrase it speaks through, or None when the phrase is
    not an agent of the state (a demonym needs an office or a person: "Chinese officials", not
    "Chinese exports")."""
    through_office = kind != "demonym"
    for _ in range(12):  # a noun phrase is shallow; the bound only guards against odd parses
        head = tok.head
        if tok.dep_ in _CLIMB_DEPS and head.pos_ in ("NOUN", "PROPN") and head != tok:
            if not (_is_office(head) or _is_person(head)):
                return None  # "China's economy", "the Paris agreement", "Russia's warning"
            tok, through_office = head, True
        elif tok.dep_ == "pobj" and head.lower_ in _OF_PREPS and _is_office(head.head):
            tok, through_office = head.head, True  # "the government of China", "spokesman for Russia's ..."
        elif tok.dep_ in ("conj", "appos") and head.pos_ in ("NOUN", "PROPN") and head != tok:
            tok = head  # "Russia and China vetoed", "Wang, a spokesman for China's foreign ministry, said"
        else:
            break
    else:
        return None
    phrase = tok.doc[tok.left_edge.i:tok.i + 1]
    if not through_office or any(t.lower_ in _NOT_STATE for t in phrase):
        return None
    return tok


def _under_noun(verb) -> bool:
    """Whether the verb's clause only completes a noun ("Trump's demand that Ukraine investigate",
    "the push to have Ukraine investigate"): wanted by someone else, not done by the subject."""
    for _ in range(4):
        if verb.dep_ in ("ccomp", "acl", "xcomp", "relcl") and verb.head.pos_ in ("NOUN", "PROPN"):
            return verb.dep_ != "relcl"
        if verb.dep_ not in ("ccomp", "xcomp") or verb.head == verb:
            return False
        verb = verb.head
    return False


def _reported(verb) -> bool:
    """Whether the verb's clause is what someone else says or finds ("Kudlow says China will
    retaliate", "intelligence that indicates China paid", "saying Moscow has violated"): its subject
    is the content of a claim, not a speaker."""
    return verb.dep_ == "ccomp" or (verb.dep_ in ("xcomp", "conj") and verb.head.dep_ == "ccomp")


def _verb_ok(verb, reported_ok: bool = False) -> bool:
    if verb.pos_ not in ("VERB", "AUX") or verb.lemma_.lower() in _NOT_AGENT_VERBS or _under_noun(verb):
        return False
    if not reported_ok and _reported(verb):
        return False
    if any(c.dep_ == "neg" for c in verb.children) and not any(
            c.dep_ in ("dobj", "ccomp", "xcomp", "advcl") for c in verb.children):
        return False  # "India has not commented": silence, not a stance
    # "Russia is a major exporter" and "Japan was absent" describe the country; "Russia is opposed to
    # it" and "China is ready to talk" take a position.
    if verb.lemma_ != "be":
        return True
    return any(c.dep_ == "acomp" and (c.tag_ == "VBN" or any(g.dep_ in ("xcomp", "prep") for g in c.children))
               for c in verb.children)


def _clause(verb) -> str:
    toks = list(verb.subtree)
    return verb.doc[toks[0].i:toks[-1].i + 1].text


def agency(span, kind: str = "name", *, reported_ok: bool = False) -> Agency | None:
    """The verb a mention (a spaCy Span of the parsed sentence) is the agent of, or None. The subject
    of a reported clause is not an agent unless `reported_ok` (the event finder takes "Pence says
    Turkey, U.S. agree ceasefire" as Turkey's and the US's act)."""
    text_after = span.doc.text[span.end_char:span.end_char + 7].lower()
    if text_after.startswith(("-based", " based", "-backed", "-owned", "-born", "-made")):
        return None  # "a Singapore-based research center", "Russian-backed separatists"
    head = _phrase_head(_mention_root(span), kind)
    if head is None:
        return None
    verb = head.head
    if verb.dep_ in ("aux", "auxpass") and verb.head != verb:
        verb = verb.head  # the parser can hang the subject on the auxiliary: "Russia [is] opposed to"
    if head.dep_ == "nsubj" and _verb_ok(verb, reported_ok):
        return Agency(verb, "subject", _clause(verb))
    prep = head.head
    if head.dep_ == "pobj" and prep.dep_ == "agent" and prep.head.pos_ == "VERB":
        return Agency(prep.head, "passive agent", _clause(prep.head))
    if head.dep_ == "pobj" and prep.lower_ == "to" and prep.head.lower_ == "according":
        root = prep.sent.root
        return Agency(root, "according to", _clause(root))
    return None


_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def _parse_line(line: str):
    """The parse of a line; a Title Case headline is parsed in sentence case (country names and
    acronyms kept), because the tagger reads "Israel and UAE Strike Major Agreement" as a run of
    names and finds no verb. Character offsets are unchanged."""
    words = [m for m in _WORD.finditer(line) if len(m.group(0)) > 3]
    if len(words) < 3 or sum(w.group(0)[0].isupper() for w in words) < 0.7 * len(words):
        return parse(line)
    keep = [(m.start, m.end) for m in find_countries(line)]
    chars = list(line)
    for m in _WORD.finditer(line):
        w = m.group(0)
        inside = any(a <= m.start() < b for a, b in keep)
        if m.start() > 0 and not inside and not w.isupper() and w[0].isupper():
            chars[m.start()] = w[0].lower()
    return parse("".join(chars))


def _line_mentions(line: str, doc, officials: dict[str, str]) -> list[Mention]:
    """Country mentions of a line, plus offices ("the Justice Department") and people known from the
    cluster to hold an office of a country ("Barr" after "Attorney General William Barr"); people
    introduced with a title in this line are added to `officials` for the lines that follow."""
    from .countries import OFFICES

    found = list(find_countries(line))
    taken = [(m.start, m.end) for m in found]

    def free(s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in taken)

    for surface, country in OFFICES.items():
        for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", line):
            if free(*m.span()):
                found.append(Mention(m.start(), m.end(), surface, country, "office"))
                taken.append(m.span())
    _learn_officials(doc, found, officials)
    for ent in doc.ents:
        if ent.label_ == "PERSON" and free(ent.start_char, ent.end_char):
            country = officials.get(ent.text) or officials.get(ent[-1].text)
            if country:
                found.append(Mention(ent.start_char, ent.end_char, ent.text, country, "official"))
    return sorted(found, key=lambda m: m.start)


def _learn_officials(doc, mentions: list[Mention], officials: dict[str, str]) -> None:
    """Remember people introduced with a country's office or title ("Attorney General William Barr",
    "Chinese foreign ministry spokesman Geng Shuang"): their later bare names speak for that country."""
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        left = ent.root.left_edge.idx
        for m in mentions:
            inside_title = left <= m.start and m.end <= ent.start_char
            title = ent.doc.text[left:ent.start_char].lower().split()
            if inside_title and not _NOT_STATE.intersection(title) and m.kind in ("office", "demonym", "name", "abbreviation", "seat", "capital"):
                officials.setdefault(ent.text, m.country)
                officials.setdefault(ent[-1].text, m.country)


def is_holder(sentence: str, mention: Mention) -> bool:
    """Whether `mention` (offsets in `sentence`) is an agent of `sentence` (see `agency`)."""
    doc = parse(sentence)
    span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    return span is not None and agency(span, mention.kind) is not None


def _mark(sentence: str, start: int, end: int) -> str:
    return f"{sentence[:start]}[{sentence[start:end]}]{sentence[end:]}"


def holder_sentences(cluster: Cluster) -> tuple[list[HolderSentence], dict[str, int]]:
    """Holder sentences of every article (title first) and mention counts per country."""
    from collections import Counter

    found: list[HolderSentence] = []
    counts: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    officials: dict[str, str] = {}
    for ai, article in enumerate(cluster.articles):
        source = article.source or f"article {ai + 1}"
        for line in (x.strip() for x in article_body(article).split("\n")):
            if not line:
                continue
            doc = _parse_line(line)
            mentions = _line_mentions(line, doc, officials)
            counts.update(m.country for m in mentions if m.kind not in ("office", "official"))
            for m in mentions:
                span = doc.char_span(m.start, m.end, alignment_mode="expand")
                how = agency(span, m.kind) if span is not None else None
                if how is None:
                    continue
                sent = span.sent
                plain = sent.text.strip()
                offset = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
                key = (m.country, plain)
                if key in seen:
                    continue
                seen.add(key)
                start, end = m.start - offset, m.end - offset
                found.append(HolderSentence(m.country, ai, source, _mark(plain, start, end), m.surface, plain,
                                            (start, end), how.clause, how.role))
    return found, dict(counts.most_common())


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
    role: str = ""  # subject | passive agent | according to

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


def _main_agents(line: str, owners: bool = False) -> set[str]:
    """Countries that are agents of the main verb of the first sentence of `line`, of a verb
    coordinated with it ("Russia signs the pact and leaves the talks") or of the clause it reports
    ("Pence says Turkey, U.S. agree ceasefire")."""
    doc = _parse_line(line)
    root = next(iter(doc.sents)).root
    # The event noun: the main verb's subject ("Russia-North Korea treaty raises alarm"), or the root
    # of a headline without a verb ("US sanctions on Iran").
    event_nouns = {t for t in root.children if t.dep_ in ("nsubj", "nsubjpass") and t.pos_ == "NOUN"}
    if root.pos_ in ("NOUN", "PROPN"):
        event_nouns.add(root)
    out: set[str] = set()
    for m in _line_mentions(line, doc, {}):
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or span.sent.root != root:
            continue
        if owners and _owner_of(_mention_root(span), event_nouns):
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
    title, else the first sentence of the first article (the pipeline passes its chosen headline)."""
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

        probs = self.classifier.predict([(h.holder, topic, h.sentence) for h in holders])
        event_words = _content_stems(topic)
        return [
            ScoredSentence(h.country, h.article_index, h.source, h.plain, dict(zip(SENTENCE_LABELS, p)),
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
        holders, mentions = holder_sentences(cluster)
        actors = event_actors(event, lead_sentences(cluster), self.settings.min_leads, self.settings.event_owners)
        return aggregate(self.score(holders, event), mentions, self.settings, actors=actors)
