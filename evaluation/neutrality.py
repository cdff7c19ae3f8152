"""Default neutrality score: the loaded-language rate, from the VADER lexicon.

VADER's lexicon ships with the `vadersentiment` package (MIT), so this needs no
restricted file. Each entry is the mean of ten human ratings on -4..+4. A word is
*loaded* when its rating is at least STRONG_VALENCE in magnitude: strongly positive
or negative vocabulary ("disaster", "brutal", "racist", "hero"), which a neutral
roundup uses sparingly. Exact definition in METRICS.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from evenhand.text import NAME_WORDS, STRONG_VALENCE, vader_lexicon, words  # noqa: F401  (the one lexicon)

@dataclass
class LoadedLanguage:
    n_words: int
    loaded: list[str] = field(default_factory=list)
    # Loaded words that the reference does not use (None without a reference).
    loaded_novel: list[str] | None = None

    @property
    def rate(self) -> float | None:
        """Loaded words per 100 words; None for an empty summary (length metrics flag those)."""
        return 100.0 * len(self.loaded) / self.n_words if self.n_words else None

    @property
    def rate_calibrated(self) -> float | None:
        if self.loaded_novel is None or not self.n_words:
            return None
        return 100.0 * len(self.loaded_novel) / self.n_words


def loaded_language(
    text: str,
    reference: str | None = None,
    *,
    lexicon: dict[str, float] | None = None,
    threshold: float = STRONG_VALENCE,
) -> LoadedLanguage:
    lexicon = vader_lexicon() if lexicon is None else lexicon
    toks = words(text)
    loaded = [w for w in toks if w not in NAME_WORDS and abs(lexicon.get(w, 0.0)) >= threshold]
    novel = None
    if reference is not None:
        ref_words = set(words(reference))
        novel = [w for w in loaded if w not in ref_words]
    return LoadedLanguage(n_words=len(toks), loaded=loaded, loaded_novel=novel)


def top_loaded_words(results: list[LoadedLanguage], k: int = 10) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for r in results:
        counts.update(r.loaded)
    return counts.most_common(k)
