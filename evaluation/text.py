"""Text normalisation shared by every metric, so all of them see the same words.

NeuS files wrap text in markers (`TITLE=>`, `TITLEAN=>`, `ARTICLE=>`); the published
ROUGE points were computed with every such marker removed from both sides, so we do
the same everywhere (see METRICS.md, "Text normalisation").
"""

from __future__ import annotations

import re
from functools import lru_cache

from nltk.stem import porter
from rouge_score import tokenize as rouge_tokenize
from rouge_score.tokenizers import Tokenizer

# Upper-case word directly followed by `=>`: TITLE=>, TITLEAN=>, ARTICLE=>.
MARKER_RE = re.compile(r"\b[A-Z][A-Z_]*=>")


def strip_markers(text: str) -> str:
    """Remove `WORD=>` markers; each marker becomes a line break so a title stays its own sentence."""
    text = MARKER_RE.sub("\n", text)
    lines = (line.strip() for line in text.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


# A full stop after one of these does not end a sentence (news register).
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen rep gov gen lt col capt cmdr sgt adm st jr sr inc corp co ltd vs no
    u.s u.k u.n e.u d.c e.g i.e a.m p.m jan feb mar apr jun jul aug sep sept oct nov dec
    pres rev ft mt dept est approx fig""".split()
)
_BOUNDARY_RE = re.compile(r"[.!?]+[\"'”’)\]]*\s+(?=[\"“'‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split into sentences: at line breaks, and after . ! ? followed by a capital or digit.

    Deliberately a small rule set rather than punkt: punkt needs a data download that
    is not available offline, and ROUGE-Lsum only needs stable, reasonable boundaries.
    """
    sentences: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        start = 0
        for m in _BOUNDARY_RE.finditer(line):
            before = line[start : m.start() + 1].split()
            last = before[-1].lstrip("\"'“‘([").lower().rstrip(".!?") if before else ""
            # Initials ("Donald J. Trump") and abbreviations ("Sen. Wyden") are not ends.
            if line[m.start()] == "." and (len(last) == 1 or last in _ABBREVIATIONS):
                continue
            piece = line[start : m.end()].strip()
            if piece:
                sentences.append(piece)
            start = m.end()
        tail = line[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


class CachedStemTokenizer(Tokenizer):
    """rouge-score's own tokenizer (lower-case, alphanumeric runs, Porter stem if > 3 chars).

    Output is identical to `DefaultTokenizer(use_stemmer=True)`; stems are memoised
    because stemming dominates scoring time (about 5x faster over ten peer files).
    """

    def __init__(self, use_stemmer: bool = True):
        self._stemmer = _CachedStemmer() if use_stemmer else None

    def tokenize(self, text: str) -> list[str]:
        return rouge_tokenize.tokenize(text, self._stemmer)


class _CachedStemmer:
    def __init__(self) -> None:
        self._porter = porter.PorterStemmer()
        self.stem = lru_cache(maxsize=200_000)(self._porter.stem)


_STEMMED = CachedStemTokenizer(use_stemmer=True)
_PLAIN = CachedStemTokenizer(use_stemmer=False)


def rouge_tokens(text: str, *, stem: bool = False) -> list[str]:
    """Tokens exactly as rouge-score sees them (optionally stemmed)."""
    return (_STEMMED if stem else _PLAIN).tokenize(text)


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
