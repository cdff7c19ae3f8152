"""The faithfulness guard: every name and number in generated text must be supported by the cluster's articles.

    index = SourceIndex.build(cluster)
    spans = check("Putin and Kim Jong Un signed a pact on 19 June.", index)
    [s for s in spans if not s.supported]          # [] - both names and the number occur in the articles

What counts (from the one spaCy parse of the text layer):

- names: named entities (people, organisations, places, nationalities, events, laws, works) and runs of
  proper nouns outside them;
- numbers: every token that is or spells a number ("15,000", "3.5", "five", "2024"), with a scale word
  after it ("5 million" = 5000000).

A name is supported when, after normalisation (case, possessives, dots and hyphens: "U.S." = "US",
"Jong-un" = "Jong Un"), it occurs in an article, or all its words occur in one name an article uses
("Putin" in "Vladimir Putin"), or it names a country an article names in any form ("U.S." ~ "United
States", "North Korean" ~ "North Korea"; inference/countries.py). In a Title Case headline every word is
capitalised, so a name span may hold common words ("Senators Block Reopening Government"): the words the
articles write in lower case are left out and the rest, run by run, must be supported as above. A person's
name loses such words only at its edges ("McConnell Blocks" -> "McConnell"; "Mark Green" must occur as a
name), and a doubled word ("John John Kerry") must occur as written. A number is supported when its value
occurs in an article.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from evenhand.corpus import Cluster
from evenhand.text import article_body, parse

from .countries import find_countries

NAME_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "WORK_OF_ART", "PRODUCT", "LANGUAGE"}
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
                      "ninety": 90, "hundred": 100, "dozen": 12})
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_DIGITS = re.compile(r"^\d[\d,]*(?:\.\d+)?$")
_DIGIT_RUN = re.compile(r"\d+(?:\.\d+)?")
_NOISE = re.compile(r"[.\u2019']|(?<=\w)'s\b|’s\b")


def normalize(name: str) -> str:
    """Lower case; possessive 's, dots and apostrophes dropped; hyphens and white space as one space."""
    text = name.lower().replace("’s", "").replace("'s", "")
    text = _NOISE.sub("", text).replace("-", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return text[4:] if text.startswith("the ") else text


def _number_value(tok) -> float | None:
    text = tok.text.lower().replace(",", "")
    if _DIGITS.match(tok.text):
        value = float(text)
    elif text in _NUMBER_WORDS:
        value = float(_NUMBER_WORDS[text])
    elif text in _SCALES:
        return None  # a scale word alone ("millions of") is not a number claim
    else:
        return None
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    if nxt is not None and nxt.text.lower() in _SCALES:
        value *= _SCALES[nxt.text.lower()]
    return value


@dataclass
class Span:
    text: str
    kind: str  # "name" | "number"
    start: int
    end: int
    supported: bool

    def to_dict(self):
        return asdict(self)


def spans(text: str) -> list[tuple[str, str, int, int, object]]:
    """(surface, kind, start, end, key) of every name and number in `text`; key = normalised name or value.
    In a Title Case line a name's kind is "title name", or "title person" for a person's name."""
    out = []
    for line_start, line in _lines(text):
        doc = parse(line)
        covered = set()
        title = "title " if _title_case(line) else ""
        for ent in doc.ents:
            if ent.label_ in NAME_LABELS:
                kind = title + ("person" if ent.label_ == "PERSON" and title else "name")
                out.append((ent.text, kind, line_start + ent.start_char, line_start + ent.end_char, normalize(ent.text)))
                covered.update(range(ent.start, ent.end))
        run: list = []
        for tok in list(doc) + [None]:
            # In Title Case the tagger reads some names as common nouns ("Trumper"), so every capitalised
            # word counts there; the words the articles write in lower case are let through later.
            name_like = tok is not None and (tok.pos_ == "PROPN" or (title and tok.is_alpha))
            if name_like and title and tok.i not in covered and _function_word(tok):
                name_like = False
            if name_like and tok.i not in covered and tok.text[:1].isupper():
                run.append(tok)
                continue
            if run:
                s, e = run[0].idx, run[-1].idx + len(run[-1].text)
                out.append((line[s:e], title + "name", line_start + s, line_start + e, normalize(line[s:e])))
                run = []
        for tok in doc:
            start = line_start + tok.idx
            value = _number_value(tok)
            if value is not None:
                out.append((tok.text, "number", start, start + len(tok.text), value))
            elif any(ch.isdigit() for ch in tok.text):  # digits inside a word: "COVID-19", "F-16", "Pfizer-2019"
                for m in _DIGIT_RUN.finditer(tok.text):
                    out.append((m.group(0), "number", start + m.start(), start + m.end(), float(m.group(0))))
    return out


def _function_word(tok) -> bool:
    """A capitalised function word of a Title Case line is no name: a stop word ("Is", "He", "Of"; not
    "US") or the first half of a contraction ("Do", "Wo" of "Don't", "Won't"), which the articles'
    lower-case words ("don't") never match."""
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    return (tok.is_stop and tok.text[1:].islower()) or (nxt is not None and nxt.lower_ in ("n't", "n’t"))


_CAP_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def _title_case(line: str) -> bool:
    """Whether a line is written in Title Case (most words of four letters or more capitalised)."""
    words = [w for w in _CAP_WORD.findall(line) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _lines(text: str):
    pos = 0
    for line in text.split("\n"):
        lead = len(line) - len(line.lstrip())
        if line.strip():
            yield pos + lead, line.strip()
        pos += len(line) + 1


@dataclass
class SourceIndex:
    """What the cluster's articles say, in the forms the guard compares."""

    text: str  # all articles, normalised, padded with spaces for whole-word lookups
    names: list[set[str]] = field(default_factory=list)  # the words of each name the articles use
    numbers: set[float] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    common: set[str] = field(default_factory=set)  # stems of the words the articles write in lower case

    @classmethod
    def build(cls, cluster: Cluster) -> "SourceIndex":
        bodies = [article_body(a) for a in cluster.articles]
        index = cls(text=" " + " ".join(normalize(b) for b in bodies) + " ")
        for body in bodies:
            index.common.update(_stem(normalize(w)) for w in _LOWER_WORD.findall(body))
            for _, kind, _, _, key in spans(body):
                if kind != "number":
                    index.names.append(set(key.split()))
                else:
                    index.numbers.add(key)
            # "5 million" in an article also supports a bare "5".
            index.numbers.update(float(m.group(0)) for m in _DIGIT_RUN.finditer(body.replace(",", "")))
            index.countries.update(m.country for m in find_countries(body) if m.kind != "capital")
        return index

    def supports_name(self, key: str, surface: str, *, kind: str = "name") -> bool:
        """Whether the articles support a name (`kind` as `spans` gives it: in Title Case the words the
        articles write in lower case may be left out; see the module docstring)."""
        words = key.split()
        if not words or f" {key} " in self.text:
            return True
        if any(a == b for a, b in zip(words, words[1:])):
            return False  # "John John Kerry": a doubled word must occur as written (above)
        if self._supports_whole(key, surface):
            return True
        if not kind.startswith("title"):
            return False
        person = kind == "title person"
        parts = surface.split()
        if person:
            # A person's name keeps its inside; only words the tagger took along at its edges go
            # ("McConnell Blocks" -> "McConnell"; "Mark Green" is checked whole).
            while parts and _stem(normalize(parts[-1])) in self.common:
                parts.pop()
            while parts and _stem(normalize(parts[0])) in self.common:
                parts.pop(0)
            rest = " ".join(parts)  # empty: a name of common words only ("Mark Green") must occur as a name
            return bool(rest) and rest != surface.strip() and self._supports_whole(normalize(rest), rest)
        # Title Case: leave out the words the articles write in lower case; each remaining run is a name.
        runs, run = [], []
        for word in [*parts, None]:
            if word is not None and _stem(normalize(word)) not in self.common:
                run.append(word)
            elif run:
                runs.append(" ".join(run))
                run = []
        return all(self._supports_whole(normalize(r), r) for r in runs)

    def _supports_whole(self, key: str, surface: str) -> bool:
        words = set(key.split())
        if not words or f" {key} " in self.text or any(words <= name for name in self.names):
            return True
        found = [m.country for m in find_countries(surface) if m.kind != "capital"]
        return bool(found) and all(c in self.countries for c in found)


_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z][\w'’-]*")


def _stem(word: str) -> str:
    """A crude stem, so that a headline's "Blocks" or "Reopening" matches an article's "blocked", "reopen"."""
    for suffix in ("ing", "ed", "es", "s", "d"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def check(text: str, index: SourceIndex) -> list[Span]:
    """Every name and number in `text`, each marked supported or not."""
    out = []
    for surface, kind, start, end, key in spans(text):
        ok = key in index.numbers if kind == "number" else index.supports_name(key, surface, kind=kind)
        out.append(Span(surface, "number" if kind == "number" else "name", start, end, ok))
    return out


@dataclass
class GuardReport:
    """What the guard checked in a summary's generated text, and what it replaced."""

    checked: list[Span] = field(default_factory=list)
    replaced: list[dict] = field(default_factory=list)  # {"part", "text", "unsupported", "with"}
    generated: bool = False  # False: every word was copied from the articles

    @property
    def unsupported(self) -> list[Span]:
        return [s for s in self.checked if not s.supported]

    def to_dict(self):
        return {"generated": self.generated, "checked": len(self.checked),
                "unsupported": [s.to_dict() for s in self.unsupported], "replaced": self.replaced}
