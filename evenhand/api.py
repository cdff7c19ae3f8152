"""`summarize()`: the one-call entry point."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from evenhand.corpus import to_cluster
from evenhand.errors import EvenhandError
from evenhand.inference.summarizer import SummaryResult
from evenhand.pipeline import MODES, Pipeline


@lru_cache(maxsize=4)
def _cached(selector: str | None, stance: str | bool | None, model: str | None, mode: str,
            backend: str | None) -> Pipeline:
    return Pipeline.load(selector, stance=stance, model=model, mode=mode, backend=backend)


def summarize(articles: Any, *, mode: str = "extractive", selector: str | Path | None = None,
              model: str | Path | None = None, stance: str | Path | bool | None = None,
              topic: str | None = None, backend: str | None = None, **generation) -> SummaryResult:
    """Summarize one cluster of articles neutrally, attribute each point, and report each country's stance.

    articles: a list of article texts, a list of {"source", "title", "text"} dicts, or a cluster
        dict with "articles" (the corpus JSONL format).
    mode: "extractive" (default: a headline and sentences copied from the articles, chosen by the selector)
        or "abstractive" (a summarizer writes the text; the guard replaces any name or number the articles
        do not support).
    selector: a selector checkpoint folder; None = the bundled default.
    model: a summarizer checkpoint folder for mode="abstractive"; None = the bundled default.
    stance: a stance checkpoint folder; None = the bundled default if installed; False = skip stances.
    topic: what the stances are about; default: the cluster's topic, else the summary's headline.
    backend: how generators run, "torch" (default) or "llama.cpp" (needs `pip install "evenhand[llamacpp]"`).
    generation: generate() options for mode="abstractive", such as max_new_tokens=120, num_beams=4.

    The loaded models are cached, so repeated calls are fast; for many clusters use
    `Pipeline.load(...).summarize_many(...)`.
    """
    # Validate the input before loading a model: a bad article fails in milliseconds, with a message
    # that names it, and warnings (one source, duplicates, HTML, not English) point at the caller's line.
    cluster = to_cluster(articles)
    if topic is not None and (not isinstance(topic, str) or not topic.strip()):
        raise EvenhandError(f"topic must be a non-empty string or None, got {topic!r}")
    if mode not in MODES:
        raise EvenhandError(f"mode must be one of {MODES}, got {mode!r}")
    for name, value in (("selector", selector), ("model", model)):
        if value is not None and not isinstance(value, (str, Path)):
            raise EvenhandError(f"{name} must be a checkpoint folder (str or Path) or None, got {type(value).__name__}")
    if stance is not None and not isinstance(stance, (str, Path, bool)):
        raise EvenhandError(f"stance must be a checkpoint folder, None or False, got {type(stance).__name__}")
    if stance is True:
        stance = None  # True = "yes, stances": the bundled default
    as_str = (lambda v: str(v) if isinstance(v, Path) else v)
    pipeline = _cached(as_str(selector), as_str(stance), as_str(model), mode, backend)
    return pipeline.summarize(cluster, topic=topic, **generation)
