"""Resumable batched generation into predictions.jsonl.

Each finished batch is appended (one JSON record per cluster, with its `id`),
flushed and fsynced, so an interrupted run loses at most the batch in flight; a
rerun skips every id already in the file. A sidecar `predictions.meta.json` records
what produced the file, so a rerun with another checkpoint cannot silently mix outputs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from tqdm.auto import tqdm

from evenhand.corpus import Cluster

from .data import EvaluationError, Prediction, prediction_from_record

GenerateFn = Callable[[list[Cluster]], Sequence[Any]]


def meta_path(predictions_path: Path) -> Path:
    return predictions_path.with_name(predictions_path.stem + ".meta.json")


def check_meta(predictions_path: Path, meta: Mapping[str, Any]) -> None:
    """Refuse to add to predictions that another checkpoint or file produced; else record `meta`."""
    mpath = meta_path(predictions_path)
    if mpath.is_file():
        old = json.loads(mpath.read_text(encoding="utf-8"))
        differing = {k: (old.get(k), v) for k, v in meta.items() if old.get(k) != v}
        if differing and predictions_path.exists():
            what = "; ".join(f"{k}: {a!r} there, {b!r} now" for k, (a, b) in differing.items())
            raise EvaluationError(
                f"{predictions_path} was produced with other settings ({what}); "
                "use another --out folder, or delete that file to start over"
            )
    predictions_path.parent.mkdir(parents=True, exist_ok=True)
    mpath.write_text(json.dumps(dict(meta), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_existing(path: Path) -> dict[str, Prediction]:
    """Records already written. A torn last line (crash mid-write) is cut off so appending stays valid."""
    if not path.exists():
        return {}
    raw = path.read_bytes()
    body, sep, tail = raw.rpartition(b"\n")
    complete = body + sep
    out: dict[str, Prediction] = {}

    def parse(line: bytes, lineno: int) -> Prediction:
        obj = json.loads(line.decode("utf-8"))
        return prediction_from_record(obj, where=f"{path} line {lineno}")

    lines = complete.split(b"\n")[:-1] if complete else []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pred = parse(line, lineno)
        except (ValueError, EvaluationError) as exc:
            raise EvaluationError(
                f"{path} line {lineno}: unreadable prediction record ({exc}); fix or delete the file to regenerate"
            ) from None
        out[pred.id] = pred
    if tail.strip():
        # Only an unterminated final line can be a torn write: keep it if whole, else cut it.
        try:
            pred = parse(tail, len(lines) + 1)
        except (ValueError, EvaluationError):
            with open(path, "r+b") as fh:
                fh.truncate(len(complete))
        else:
            out[pred.id] = pred
            with open(path, "ab") as fh:
                fh.write(b"\n")
    return out


def prediction_from_result(cluster_id: str, result: Any) -> Prediction:
    """Adapt a summarizer result (`.summary`, `.stances`, `.sources`) or a dict to a Prediction."""
    if isinstance(result, Prediction):
        return Prediction(cluster_id, result.summary, result.stances, result.sources)
    if isinstance(result, str):
        return Prediction(cluster_id, result)
    get = result.get if isinstance(result, Mapping) else lambda k: getattr(result, k, None)
    summary = get("summary")
    if not isinstance(summary, str):
        raise EvaluationError(f"generation for {cluster_id!r} returned no summary string (got {type(summary).__name__})")
    stances = get("stances")
    labels = None
    if stances is not None:
        labels = {}
        for country, value in dict(stances).items():
            label = getattr(value, "label", None)
            if label is None and isinstance(value, Mapping):
                label = value.get("label")
            labels[str(country)] = str(label if label is not None else value)
    sources = get("sources")
    return Prediction(cluster_id, summary, labels, list(sources) if sources is not None else None)


def _batches(items: list[Cluster], size: int) -> Iterable[list[Cluster]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def generate_predictions(
    clusters: list[Cluster],
    generate_fn: GenerateFn,
    path: str | Path,
    *,
    batch_size: int = 8,
    meta: Mapping[str, Any] | None = None,
    progress: bool = True,
) -> dict[str, Prediction]:
    """Predictions for every cluster, generating only those not already in `path`."""
    if batch_size < 1:
        raise EvaluationError(f"--batch-size must be at least 1, got {batch_size}")
    path = Path(path)
    if meta is not None:
        check_meta(path, meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = load_existing(path)
    todo = [c for c in clusters if c.id not in done]
    bar = tqdm(total=len(clusters), initial=len(clusters) - len(todo), desc="generating", unit="cluster", disable=not progress)
    try:
        with open(path, "a", encoding="utf-8") as fh:
            for batch in _batches(todo, batch_size):
                results = list(generate_fn(batch))
                if len(results) != len(batch):
                    raise EvaluationError(f"generation returned {len(results)} results for a batch of {len(batch)}")
                for cluster, result in zip(batch, results):
                    pred = prediction_from_result(cluster.id, result)
                    fh.write(json.dumps(pred.to_dict(), ensure_ascii=False) + "\n")
                    done[cluster.id] = pred
                fh.flush()
                os.fsync(fh.fileno())
                bar.update(len(batch))
    finally:
        bar.close()
    return {c.id: done[c.id] for c in clusters}


def checkpoint_generate_fn(checkpoint: str | Path, *, max_new_tokens: int | None = None,
                           quantize: str | None = None, stance: bool = False,
                           backend: str | None = None) -> GenerateFn:
    """A GenerateFn for a checkpoint, by the task its manifest names.

    - summarizer / headline: `Summarizer.summarize_many`, the model's own text (no guard), so its scores
      measure the model;
    - selector: the extractive `Pipeline` with that selector (and the bundled headline model, if any).

    stance=True adds the bundled stance model's labels (`evenhand eval` asks for them only when the data
    has gold stances). Models load on the first batch, so a rerun whose predictions are all written does
    not pay for loading them. quantize="int8": int8 Linear weights (CPU). backend="llama.cpp": generate
    with llama.cpp (inference/llamacpp.py).
    """
    from evenhand.models.checkpoint import read_manifest

    task = read_manifest(checkpoint, verify=False).task
    if task not in ("summarizer", "headline", "selector"):
        raise EvaluationError(f"{checkpoint} is a '{task}' checkpoint; `evenhand eval` generates with a summarizer, "
                              "headline or selector checkpoint (stance: `evenhand stance-eval`; a phrase deleter: "
                              "`scripts/selection_sweep.py --deleter DIR`)")
    kwargs = {} if max_new_tokens is None else {"max_new_tokens": max_new_tokens}
    loaded: list[Any] = []

    def load():
        from evenhand.pipeline import Pipeline, load_stance

        if task == "selector":
            if kwargs:
                raise EvaluationError("--max-new-tokens applies to generators; a selector checkpoint generates nothing")
            return Pipeline.load(checkpoint, stance=None if stance else False, quantize=quantize, backend=backend), None
        from evenhand.inference.summarizer import Summarizer

        return (Summarizer.load(str(checkpoint), quantize=quantize, backend=backend),
                load_stance(None) if stance else None)

    def generate(batch: list[Cluster]) -> Sequence[Any]:
        if not loaded:
            loaded.extend(load())
        model, analyzer = loaded
        # Our own bar counts clusters across batches; the model's would nest inside it.
        results = model.summarize_many(batch, batch_size=len(batch), progress=False, **kwargs)
        if analyzer is not None:
            for cluster, result in zip(batch, results):
                result.stances = analyzer.analyze(cluster)  # the event from the text, never a hand-written topic
        return results

    return generate
