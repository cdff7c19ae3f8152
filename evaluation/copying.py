"""Length, copying and repetition, so that degenerate outputs show.

Tokens are rouge-score's (lower-case alphanumeric runs, no stemming). For n = 1, 2, 3:
    novel n-gram % = 100 x (summary n-gram occurrences absent from every source article)
                         / (summary n-gram occurrences)
copy rate = 100 - novel 3-gram % (share of summary trigrams found in some source);
repeated 3-gram % = 100 x (trigram occurrences that repeat an earlier trigram of the
same summary) / (trigram occurrences). Empty summaries are counted, not scored.
"""

from __future__ import annotations

from dataclasses import dataclass

from .text import ngrams, rouge_tokens

NOVEL_N = (1, 2, 3)


@dataclass
class CopyStats:
    n_words: int
    novel_pct: dict[int, float | None]
    repeated_trigram_pct: float | None

    @property
    def copy_rate(self) -> float | None:
        novel3 = self.novel_pct.get(3)
        return None if novel3 is None else 100.0 - novel3


def copy_stats(summary: str, articles: list[str]) -> CopyStats:
    toks = rouge_tokens(summary)
    source_toks = [rouge_tokens(a) for a in articles]
    novel: dict[int, float | None] = {}
    for n in NOVEL_N:
        grams = ngrams(toks, n)
        if not grams:
            novel[n] = None
            continue
        seen = set()
        for st in source_toks:
            seen.update(ngrams(st, n))
        novel[n] = 100.0 * sum(g not in seen for g in grams) / len(grams)
    tri = ngrams(toks, 3)
    repeated = None
    if tri:
        # A trigram occurring c times repeats c - 1 times.
        repeated = 100.0 * (len(tri) - len(set(tri))) / len(tri)
    return CopyStats(n_words=len(toks), novel_pct=novel, repeated_trigram_pct=repeated)
