"""Faithfulness: names and numbers in a summary that no article of its cluster supports.

The check is the faithfulness guard's own (inference/guard.py), so the metric counts exactly what the
guard would have replaced: a name (entity or proper noun) or a number is unsupported when no article
of the cluster says it in any alias-aware form. Definition: METRICS.md, "Faithfulness".
"""

from __future__ import annotations

from dataclasses import dataclass

from evenhand.corpus import Cluster
from evenhand.inference.guard import SourceIndex, check


@dataclass
class Faithfulness:
    names: int  # names checked
    numbers: int  # numbers checked
    unsupported_names: list[str]
    unsupported_numbers: list[str]

    @property
    def any_unsupported(self) -> bool:
        return bool(self.unsupported_names or self.unsupported_numbers)


_INDEX: dict[int, tuple[Cluster, SourceIndex]] = {}


def source_index(cluster: Cluster) -> SourceIndex:
    """The cluster's index, built once per process (every system is checked against the same articles)."""
    hit = _INDEX.get(id(cluster))
    if hit is None or hit[0] is not cluster:
        hit = _INDEX[id(cluster)] = (cluster, SourceIndex.build(cluster))
    return hit[1]


def faithfulness(summary: str, cluster: Cluster) -> Faithfulness:
    spans = check(summary, source_index(cluster))
    return Faithfulness(
        names=sum(1 for s in spans if s.kind == "name"),
        numbers=sum(1 for s in spans if s.kind == "number"),
        unsupported_names=[s.text for s in spans if s.kind == "name" and not s.supported],
        unsupported_numbers=[s.text for s in spans if s.kind == "number" and not s.supported],
    )
