"""`summarize()`: the one-call entry point."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from evenhand.corpus import to_cluster
from evenhand.errors import EvenhandError
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
    # Validate the input before loading a model: a bad article fails in milliseconds, with a message
    # that names it, and warnings (one source, duplicates, HTML, not English) point at the caller's line.
    cluster = to_cluster(articles)
    if topic is not None and (not isinstance(topic, str) or not topic.strip()):
        raise EvenhandError(f"topic must be a non-empty string or None, got {topic!r}")
    if model is not None and not isinstance(model, (str, Path)):
        raise EvenhandError(f"model must be a checkpoint folder (str or Path) or None, got {type(model).__name__}")
    if stance is not None and not isinstance(stance, (str, Path, bool)):
        raise EvenhandError(f"stance must be a checkpoint folder, None or False, got {type(stance).__name__}")
    if stance is True:
        stance = None  # True = "yes, stances": the bundled default
    summarizer = _cached(str(model) if model is not None else None, str(stance) if isinstance(stance, Path) else stance)
    return summarizer.summarize(cluster, topic=topic, **generation)
