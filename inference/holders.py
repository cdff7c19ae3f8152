"""Who holds a stance in a sentence: holders from the dependency parse (step 1 of inference/stance.py).

A country holds a stance in a sentence when it, its government, an office or official of it, or its
capital standing for the government is the agent of a verb: the subject (quote sources included), the
agent of a passive, or the source in "according to"; see `agency` and docs/stance.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from evenhand.corpus import Cluster
from evenhand.text import article_body, parse

from .countries import Mention, find_countries

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
investigator judge justice counsel council commission
""".split())
# Not "ally": "China, North Korea's main ally, said" is China speaking, not North Korea.
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
    role: str = "subject"  # subject | passive agent | according to | pronoun


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
    if tok.lower_ == "media" and not any(c.lower_ in ("state", "government", "official") for c in tok.children):
        return False  # "Israeli media reported" is the press, "North Korean state media" the state
    return tok.lemma_.lower() in OFFICE_NOUNS or tok.lower_ in OFFICE_NOUNS


def mention_root(span):
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


# Who reports news rather than makes it: the subject of "..., Reuters reported" passes the reported act
# on ("Ireland announced ..., Reuters reported": Ireland's act). News organisations are recognised by
# their name's head word or a short list of wires; a country's own state media stays a holder
# through OFFICE_NOUNS ("North Korean state media said").
_NEWS_HEADS = frozenset("""media news newspaper paper outlet broadcaster television tv radio daily times post journal
press wire agency reporter correspondent channel network""".split())
_WIRES = frozenset("""reuters ap afp bloomberg cnn bbc nbc abc cbs axios politico yonhap xinhua tass ria interfax kcna
kyodo nhk dpa ansa efe pti ani""".split())
_REPORTING = frozenset({"report", "say", "tell", "write", "cite", "quote", "add", "note", "state"})


def _news_source(tok) -> bool:
    phrase = [t.lower_ for t in tok.subtree]
    if "state" in phrase or any(c.dep_ == "poss" for c in tok.children):
        return False  # "state media" and "Russia's news agency" speak for a state
    return tok.lower_ in _NEWS_HEADS or tok.lower_ in _WIRES or (
        tok.ent_type_ == "ORG" and bool(_WIRES.intersection(phrase)))


def _media_reported(verb) -> bool:
    """Whether `verb` is the report of a news organisation ("..., Reuters reported", "reports NBC News",
    "Israeli media said"): its clause then carries someone's act, not a claim about it."""
    return verb.lemma_.lower() in _REPORTING and any(
        c.dep_ == "nsubj" and _news_source(c) for c in verb.children)


def _reported(verb) -> bool:
    """Whether the verb's clause is what someone else says or finds ("Kudlow says China will
    retaliate", "intelligence that indicates China paid", "saying Moscow has violated"): its subject
    is the content of a claim, not a speaker. A news organisation's report is not such a claim."""
    if verb.dep_ == "ccomp":
        return not _media_reported(verb.head)
    return verb.dep_ in ("xcomp", "conj") and verb.head.dep_ == "ccomp" and not _media_reported(verb.head.head)


# "Sweden became the latest to join ...", "India became the first country to ban ...": the subject of
# "become" does the act of the clause that completes "latest", "first" or "country".
_RANKS = frozenset("latest first last next second third only".split())


def _become_act(verb):
    """The act a subject of "become" does ("became the latest to join" -> join), or None."""
    if verb.lemma_.lower() != "become":
        return None
    for attr in verb.children:
        if attr.dep_ == "attr" and (attr.lower_ in _RANKS or any(
                c.dep_ == "amod" and c.lower_ in _RANKS for c in attr.children)):
            # the parser hangs the act on the noun ("the latest to join") or on "become" itself
            for act in [*attr.children, *verb.children]:
                if act.dep_ in ("relcl", "acl", "xcomp") and act.pos_ == "VERB":
                    return act
    return None


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
    head = _phrase_head(mention_root(span), kind)
    if head is None:
        return None
    verb = head.head
    if verb.dep_ in ("aux", "auxpass") and verb.head != verb:
        verb = verb.head  # the parser can hang the subject on the auxiliary: "Russia [is] opposed to"
    if head.dep_ == "nsubj" and _verb_ok(verb, reported_ok):
        return Agency(verb, "subject", _clause(verb))
    act = _become_act(verb) if head.dep_ == "nsubj" else None
    if act is not None and (reported_ok or not _reported(verb)):
        return Agency(act, "subject", _clause(verb))
    prep = head.head
    if head.dep_ == "pobj" and prep.dep_ == "agent" and prep.head.pos_ == "VERB":
        return Agency(prep.head, "passive agent", _clause(prep.head))
    if head.dep_ == "pobj" and prep.lower_ == "to" and prep.head.lower_ == "according":
        root = prep.sent.root
        return Agency(root, "according to", _clause(root))
    return None


_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def parse_line(line: str):
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


def line_mentions(line: str, doc, officials: dict[str, str]) -> list[Mention]:
    """Country mentions of a line, plus offices ("the Justice Department") and people known from the
    cluster to hold an office of a country ("Barr" after "Attorney General William Barr"); people
    introduced with a title in this line are added to `officials` for the lines that follow."""
    from .countries import OFFICES

    found = list(find_countries(line))
    taken = [(m.start, m.end) for m in found]

    def free(s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in taken)

    countries = list(found)
    for surface, country in OFFICES.items():
        for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", line):
            if free(*m.span()) and not _office_of_named_country(doc, m.start(), m.end(), countries):
                found.append(Mention(m.start(), m.end(), surface, country, "office"))
                taken.append(m.span())
    _learn_officials(doc, found, officials)
    for ent in doc.ents:
        if ent.label_ == "PERSON" and free(ent.start_char, ent.end_char):
            country = officials.get(ent.text) or officials.get(ent[-1].text)
            if country:
                found.append(Mention(ent.start_char, ent.end_char, ent.text, country, "official"))
    return sorted(found, key=lambda m: m.start)


def _office_of_named_country(doc, start: int, end: int, countries: list[Mention]) -> bool:
    """Whether a country mention of the line modifies this office ("South Korea's national security
    adviser", "the Foreign Secretary of Japan"): the office is that country's, not the table's default
    (`OFFICES` is mostly US), and the country mention is already the holder through it."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    office = mention_root(span)
    for m in countries:
        ms = doc.char_span(m.start, m.end, alignment_mode="expand")
        if ms is None or office in ms:
            continue
        root = mention_root(ms)
        head = _phrase_head(root, m.kind)
        if head is not None and (head == office or (office in root.ancestors and head in office.ancestors)):
            return True
    return False


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


# Pronoun subjects that continue the previous sentence's holder ("The Kremlin rejected the claim. It
# said ..."; "Putin signed the treaty. He said ..."): "it" and "they" continue a state or an organ,
# "he" and "she" a person who speaks for one.
_PRONOUNS = {"it": False, "they": False, "he": True, "she": True}


def _pronoun_holder(sent, previous: HolderSentence, person: bool):
    """(the pronoun token, its agency) when the sentence's pronoun subject continues `previous` (the
    holder of the sentence just before, in the same paragraph), else None."""
    if previous.role != "subject":
        return None
    for tok in sent:
        want = _PRONOUNS.get(tok.lower_)
        if want is None or tok.dep_ != "nsubj" or tok.head.dep_ not in ("ROOT", "conj"):
            continue
        if want != person or not _verb_ok(tok.head):
            return None
        return tok, Agency(tok.head, "pronoun", _clause(tok.head))
    return None


def _sentence_start(sent) -> int:
    """Where the sentence's stripped text starts in its line."""
    return sent.start_char + (len(sent.text) - len(sent.text.lstrip()))


def holder_sentences(cluster: Cluster, *, pronouns: bool = True) -> tuple[list[HolderSentence], dict[str, int]]:
    """Holder sentences of every article (title first) and mention counts per country. With `pronouns`,
    a sentence whose subject is a pronoun continuing the previous sentence's single holder ("It said",
    "He added") is that holder's too (role "pronoun", holder = the pronoun)."""
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
            doc = parse_line(line)
            mentions = line_mentions(line, doc, officials)
            counts.update(m.country for m in mentions if m.kind not in ("office", "official"))
            by_sent: dict[int, list[tuple[HolderSentence, bool]]] = {}
            for m in mentions:
                span = doc.char_span(m.start, m.end, alignment_mode="expand")
                how = agency(span, m.kind) if span is not None else None
                if how is None:
                    continue
                sent = span.sent
                plain = sent.text.strip()
                offset = _sentence_start(sent)
                key = (m.country, plain)
                if key in seen:
                    continue
                seen.add(key)
                start, end = m.start - offset, m.end - offset
                h = HolderSentence(m.country, ai, source, _mark(plain, start, end), m.surface, plain,
                                   (start, end), how.clause, how.role)
                found.append(h)
                is_person = any(_is_person(t) for t in span) or m.kind == "official"
                by_sent.setdefault(sent.start, []).append((h, is_person))
            if not pronouns:
                continue
            previous = None
            for sent in doc.sents:
                here = by_sent.get(sent.start, [])
                if not here and previous is not None:
                    h, is_person = previous
                    hit = _pronoun_holder(sent, h, is_person)
                    plain = sent.text.strip()
                    if hit is not None and (h.country, plain) not in seen:
                        pron, how = hit
                        seen.add((h.country, plain))
                        start = pron.idx - _sentence_start(sent)
                        end = start + len(pron.text)
                        found.append(HolderSentence(h.country, ai, source, _mark(plain, start, end), pron.text,
                                                    plain, (start, end), how.clause, how.role))
                        here = [(found[-1], is_person)]
                previous = here[0] if len({x.country for x, _ in here}) == 1 else None
    return found, dict(counts.most_common())
