"""Extractive reference points computed from the articles themselves: `evenhand eval --baseline NAME`.

They need no model and no training, so they say how much of a ROUGE score copying alone
earns on a dataset. On NeuS the first sentences of the articles are strong on ROUGE-1
and balance, weaker on ROUGE-L, and carry the outlets' own wording (the loaded-language
rate shows it). Scores are cached in the output folder's peers/ like the peers, so
`evenhand card --metrics` shows them too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

from evenhand.corpus import Cluster

from .data import EvaluationError, Prediction
from .peers import cached_metrics, clusters_fingerprint
from .scoring import Scorer
from .text import split_sentences


def lead_3(cluster: Cluster) -> str:
    """Title and first three sentences of the first article."""
    first = cluster.articles[0]
    parts = [first.title.strip().rstrip(".") + "."] if first.title and first.title.strip() else []
    return " ".join(parts + split_sentences(first.text)[:3])


def first_sentences(cluster: Cluster) -> str:
    """The first sentence of every article, in article order."""
    return " ".join(s[0] for s in (split_sentences(a.text) for a in cluster.articles) if s)


# name -> (display name, function). Display names say "baseline" so no table mistakes one for a system.
BASELINES: dict[str, tuple[str, Callable[[Cluster], str]]] = {
    "lead-3": ("Lead-3 (baseline)", lead_3),
    "first-sentences": ("First sentences (baseline)", first_sentences),
}


def baseline_predictions(name: str, clusters: list[Cluster]) -> dict[str, Prediction]:
    if name not in BASELINES:
        raise EvaluationError(f"unknown baseline {name!r}; choose from {sorted(BASELINES)}")
    fn = BASELINES[name][1]
    return {c.id: Prediction(id=c.id, summary=fn(c)) for c in clusters}


def score_baselines(
    names: list[str], clusters: list[Cluster], scorer: Scorer, cache_dir: str | Path | None = None
) -> dict[str, dict[str, Any]]:
    """Display name -> metrics for each baseline; cached as peers/baseline-NAME.json."""
    out: dict[str, dict[str, Any]] = {}
    key = hashlib.sha256(json.dumps([clusters_fingerprint(clusters), scorer.fingerprint()]).encode()).hexdigest()
    for name in names:
        preds = baseline_predictions(name, clusters)  # also validates the name before any work
        display = BASELINES[name][0]
        cache = Path(cache_dir) / f"baseline-{name}.json" if cache_dir is not None else None
        if cache is not None:  # the summaries themselves, to read beside the scores
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.with_suffix(".predictions.jsonl").write_text(
                "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in preds.values()), encoding="utf-8")

        def score(name: str = name, display: str = display, preds: dict[str, Prediction] = preds) -> dict[str, Any]:
            metrics = scorer.score(display, clusters, preds).metrics
            metrics["baseline"] = name
            return metrics

        out[display] = cached_metrics(cache, key, score)
    return out
