"""Noun lemmatisation as NLTK's `WordNetLemmatizer().lemmatize(word)` does it, without NLTK data.

The NeuS arousal metric lemmatises with WordNet (default POS noun). NLTK's corpus
reader needs a data download (unavailable offline) and refuses paths outside its
data folders, so we read WordNet's two plain files (`index.noun`, `noun.exc`)
ourselves and apply the same rules as `nltk.corpus.reader.wordnet._morphy`:

1. if the word is in the noun exception list, candidates = [word] + its bases;
   otherwise candidates = [word] + the word with each matching suffix rule applied
   (s->'', ses->s, ves->f, xes->x, zes->z, ches->ch, shes->sh, men->man, ies->y);
2. keep candidates that are WordNet nouns; return the shortest, or the word itself.

WordNet is found in: an explicit directory, $EVENHAND_WORDNET_DIR, NLTK data
folders (`corpora/wordnet/` or `corpora/wordnet.zip`), `/usr/share/wordnet`
(Debian/Ubuntu `wordnet-base`). Without it, `LexiconLemmatizer` applies the same
rules with the VAD lexicon's words standing in for WordNet's nouns (METRICS.md).
"""

from __future__ import annotations

import os
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Protocol

NOUN_SUBSTITUTIONS = (
    ("s", ""),
    ("ses", "s"),
    ("ves", "f"),
    ("xes", "x"),
    ("zes", "z"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("men", "man"),
    ("ies", "y"),
)


class Lemmatizer(Protocol):
    name: str

    def __call__(self, word: str) -> str: ...


def morphy_noun(word: str, is_noun: Callable[[str], bool], exceptions: dict[str, list[str]]) -> str:
    if word in exceptions:
        candidates = [word] + exceptions[word]
    else:
        candidates = [word] + [word[: -len(old)] + new for old, new in NOUN_SUBSTITUTIONS if word.endswith(old)]
    found = []
    for c in candidates:
        if c not in found and is_noun(c):
            found.append(c)
    # min() keeps the first of equal-length candidates, as NLTK's does.
    return min(found, key=len) if found else word


class _RuleLemmatizer:
    def __init__(self, nouns: Iterable[str], exceptions: dict[str, list[str]], name: str):
        self._nouns = frozenset(nouns)
        self._exceptions = exceptions
        self.name = name
        self._cached = lru_cache(maxsize=200_000)(self._lemmatize)

    def _lemmatize(self, word: str) -> str:
        return morphy_noun(word, self._nouns.__contains__, self._exceptions)

    def __call__(self, word: str) -> str:
        return self._cached(word)


class WordNetNounLemmatizer(_RuleLemmatizer):
    """WordNet noun lemmatiser from a WordNet `dict` folder (or NLTK's wordnet.zip)."""

    @classmethod
    def from_path(cls, path: str | Path) -> "WordNetNounLemmatizer":
        path = Path(path)
        index_text, exc_text = _read_wordnet_files(path)
        nouns = []
        for line in index_text.splitlines():
            # The licence header lines of index files start with two spaces.
            if line and not line.startswith(" "):
                nouns.append(line.split(" ", 1)[0])
        exceptions: dict[str, list[str]] = {}
        for line in exc_text.splitlines():
            terms = line.split()
            if terms:
                exceptions[terms[0]] = terms[1:]
        return cls(nouns, exceptions, name=f"wordnet ({path})")


def _read_wordnet_files(path: Path) -> tuple[str, str]:
    if path.is_file() and path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = {Path(n).name: n for n in zf.namelist()}
            if "index.noun" not in names or "noun.exc" not in names:
                raise FileNotFoundError(f"{path} has no index.noun / noun.exc")
            return (zf.read(names["index.noun"]).decode("utf-8"), zf.read(names["noun.exc"]).decode("utf-8"))
    index, exc = path / "index.noun", path / "noun.exc"
    if not index.is_file() or not exc.is_file():
        raise FileNotFoundError(f"{path} has no index.noun / noun.exc (expected a WordNet 3.0 dict folder)")
    return index.read_text(encoding="utf-8"), exc.read_text(encoding="utf-8")


def find_wordnet(explicit: str | Path | None = None) -> Path | None:
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    if os.environ.get("EVENHAND_WORDNET_DIR"):
        candidates.append(Path(os.environ["EVENHAND_WORDNET_DIR"]))
    try:
        import nltk

        for root in nltk.data.path:
            candidates += [Path(root) / "corpora" / "wordnet", Path(root) / "corpora" / "wordnet.zip"]
    except ImportError:  # pragma: no cover - nltk is a dependency
        pass
    candidates.append(Path("/usr/share/wordnet"))
    for c in candidates:
        if (c.is_dir() and (c / "index.noun").is_file()) or (c.is_file() and c.suffix == ".zip"):
            return c
    return None


class LexiconLemmatizer(_RuleLemmatizer):
    """Fallback: WordNet's noun rules with a word list (the VAD lexicon) as the noun index."""

    def __init__(self, words: Iterable[str]):
        super().__init__(words, {}, name="lexicon-rules (WordNet not found)")


def get_lemmatizer(lexicon_words: Iterable[str], wordnet: str | Path | None = None) -> Lemmatizer:
    """WordNet when available, else the lexicon-rule fallback. An explicit path must work."""
    path = find_wordnet(wordnet)
    if wordnet and path != Path(wordnet):
        from .data import EvaluationError

        raise EvaluationError(f"--wordnet {wordnet}: no WordNet dict folder (index.noun, noun.exc) or wordnet.zip there")
    if path is not None:
        return WordNetNounLemmatizer.from_path(path)
    return LexiconLemmatizer(lexicon_words)
