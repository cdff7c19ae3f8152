"""Reading what evaluation needs: clusters, references and ready-made predictions.

Evaluation reads either the project's corpus JSONL (`evenhand.corpus`) or a raw NeuS
split file (`test.source`, with `test.target` beside it) so that peers can be scored
without the prepare step. Raw NeuS goes through the one NeuS reader
(`evenhand.prepare.read_neus_file`), so both routes give the same ids and the same text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from evenhand.corpus import Cluster, read_jsonl
from evenhand.errors import EvenhandError
from evenhand.prepare import read_lines as read_text_lines
from evenhand.prepare import read_neus_file
from evenhand.text import strip_markers


NEUS_ID_RE = re.compile(r"^neus-(train|val|test)-(\d+)$")


class EvaluationError(EvenhandError):
    """Evaluation inputs (data, predictions, lexicons, output folder) are unusable."""


@dataclass
class Prediction:
    """One system output for one cluster."""

    id: str
    summary: str
    stances: dict[str, str] | None = None
    sources: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "summary": self.summary}
        if self.stances is not None:
            d["stances"] = self.stances
        if self.sources is not None:
            d["sources"] = self.sources
        return d


def load_clusters(
    data: str | Path,
    *,
    references: str | Path | None = None,
    limit: int | None = None,
) -> tuple[list[Cluster], int]:
    """Clusters to evaluate, and how many the file holds before `limit`.

    `references` replaces each cluster's summary with the same-numbered line of a file
    (e.g. NeuS `test.target`), which must have one line per cluster in the data.
    """
    data = Path(data)
    if not data.exists():
        raise EvaluationError(f"data file not found: {data}")
    if data.suffix == ".source":
        clusters = read_neus_file(data)
    else:
        clusters = read_jsonl(data)
    if not clusters:
        raise EvaluationError(f"{data} holds no clusters")
    if references is not None:
        refs = read_text_lines(references)
        if len(refs) != len(clusters):
            raise EvaluationError(
                f"--references {references} has {len(refs)} lines but {data} has {len(clusters)} clusters; "
                "expected one reference line per cluster, in data order"
            )
        for cluster, ref in zip(clusters, refs):
            cluster.summary = ref if ref.strip() else None
    n_total = len(clusters)
    if limit is not None:
        if limit < 1:
            raise EvaluationError(f"--limit must be at least 1, got {limit}")
        clusters = clusters[:limit]
    return clusters, n_total


def reference_text(cluster: Cluster) -> str | None:
    """The reference as scored: the cluster summary with every `WORD=>` marker removed."""
    if cluster.summary is None:
        return None
    return strip_markers(cluster.summary)


def neus_index(cluster_id: str | None, split: str = "test") -> int | None:
    """Line index of a NeuS cluster id (`neus-test-0042` -> 42), else None."""
    m = NEUS_ID_RE.match(cluster_id or "")
    if m is None or m.group(1) != split:
        return None
    return int(m.group(2))


def _stance_labels(raw: Any, *, where: str) -> dict[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise EvaluationError(f"{where}: 'stances' must be an object mapping country -> label")
    out = {}
    for country, value in raw.items():
        label = getattr(value, "label", None)
        if label is None and isinstance(value, Mapping):
            label = value.get("label")
        if label is None:
            label = value
        out[str(country)] = str(label)
    return out


def prediction_from_record(obj: Mapping[str, Any], *, where: str) -> Prediction:
    if not isinstance(obj, Mapping):
        raise EvaluationError(f"{where}: expected a JSON object with 'id' and 'summary'")
    if "id" not in obj or "summary" not in obj:
        raise EvaluationError(f"{where}: missing 'id' or 'summary'; expected {{\"id\": ..., \"summary\": ...}}")
    if not isinstance(obj["summary"], str):
        raise EvaluationError(f"{where}: 'summary' must be a string")
    sources = obj.get("sources")
    return Prediction(
        id=str(obj["id"]),
        summary=obj["summary"],
        stances=_stance_labels(obj.get("stances"), where=where),
        sources=list(sources) if isinstance(sources, list) else None,
    )


def read_prediction_records(path: str | Path) -> dict[str, Prediction]:
    """Read a predictions.jsonl (id, summary, optional stances, sources) keyed by id."""
    path = Path(path)
    out: dict[str, Prediction] = {}
    for lineno, line in enumerate(read_text_lines(path), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvaluationError(f"{path} line {lineno}: not valid JSON ({exc.msg})") from None
        pred = prediction_from_record(obj, where=f"{path} line {lineno}")
        out[pred.id] = pred
    return out


def read_predictions(path: str | Path, clusters: list[Cluster], n_total: int) -> dict[str, Prediction]:
    """Ready-made outputs for `clusters`.

    `.jsonl`: records with `id` and `summary` (and optional `stances`), matched by id.
    Anything else: plain text, one summary per line in data order; it must have one
    line per cluster of the whole data file (`n_total`), so a misaligned file fails loudly.
    """
    path = Path(path)
    if path.suffix == ".jsonl":
        records = read_prediction_records(path)
        missing = [c.id for c in clusters if c.id not in records]
        if missing:
            raise EvaluationError(
                f"{path} has no prediction for {len(missing)} of {len(clusters)} clusters (first: {missing[0]!r}); "
                "predictions are matched to the data by 'id'"
            )
        extra = [k for k in records if k not in {c.id for c in clusters}]
        if extra and n_total == len(clusters):
            import warnings

            from evenhand.errors import InputWarning

            warnings.warn(f"{path}: {len(extra)} prediction(s) have ids that are not in the data (first: {extra[0]!r}); "
                          "they are not scored", InputWarning, stacklevel=2)
        return {c.id: records[c.id] for c in clusters}
    lines = read_text_lines(path)
    if len(lines) != n_total:
        raise EvaluationError(
            f"{path} has {len(lines)} lines but the data has {n_total} clusters; "
            "expected one summary per line, in data order"
        )
    return {c.id: Prediction(id=c.id, summary=lines[i]) for i, c in enumerate(clusters)}
