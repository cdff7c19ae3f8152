"""ROUGE-1/2/L/Lsum F1 with Google's `rouge-score` package.

`evaluate.load("rouge")` wraps this same scorer but fetches its script from the
Hugging Face hub, which is unreachable offline; calling rouge-score directly gives
the same numbers without the network.
"""

from __future__ import annotations

from rouge_score import rouge_scorer

from .text import CachedStemTokenizer, split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
ROUGE_NAMES = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "rougeLsum": "ROUGE-Lsum"}


def lsum_text(text: str) -> str:
    """One sentence per line: rouge-score's Lsum treats newline-separated lines as sentences."""
    return "\n".join(split_sentences(text))


def make_scorer() -> rouge_scorer.RougeScorer:
    # use_stemmer=True semantics via our memoised copy of rouge-score's own tokenizer.
    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), tokenizer=CachedStemTokenizer(use_stemmer=True))


def rouge_f1(predictions: list[str], references: list[str]) -> dict[str, list[float]]:
    """Per-pair F1 x 100 for each ROUGE type; texts should already have markers stripped.

    Newlines do not change ROUGE-1/2/L (the tokenizer drops them), so every type is
    computed on the sentence-per-line text that Lsum needs.
    """
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    scorer = make_scorer()
    out: dict[str, list[float]] = {t: [] for t in ROUGE_TYPES}
    for pred, ref in zip(predictions, references):
        scores = scorer.score(lsum_text(ref), lsum_text(pred))
        for t in ROUGE_TYPES:
            out[t].append(100.0 * scores[t].fmeasure)
    return out
