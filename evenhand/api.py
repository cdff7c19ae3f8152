"""`summarize()`: the one-call entry point."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from evenhand.inference.summarizer import SummaryResult, Summarizer


@lru_cache(maxsize=4)
def _cached(model: str | None, stance: str | bool | None) -> Summarizer:
    return Summarizer.load(model, stance=stance)


def summarize(articles: Any, *, model: str | Path | None = None, stance: str | Path | bool | None = None,
              topic: str | None = None, **generation) -> SummaryResult:
    """Summarize one cluster of articles neutrally and report each country's stance.

    articles: a list of article texts, a list of {"source", "title", "text"} dicts, or a cluster
        dict with "articles" (the corpus JSONL format).
    model: a checkpoint folder written by `evenhand train`; None = the bundled default.
    stance: a stance checkpoint folder; None = the bundled default if installed; False = skip stances.
    topic: what the stances are about; default: the cluster's topic, else the summary's headline.
    generation: generate() options such as max_new_tokens=120, num_beams=4.

    The loaded model is cached, so repeated calls with the same model are fast; for many
    clusters use `Summarizer.load(...).summarize_many(...)`.
    """
    summarizer = _cached(str(model) if model is not None else None, str(stance) if isinstance(stance, Path) else stance)
    return summarizer.summarize(articles, topic=topic, **generation)
