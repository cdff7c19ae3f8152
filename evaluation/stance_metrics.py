"""Country-stance metrics over (cluster, gold country) pairs.

Each gold country of each cluster that has `stances` is one item; its prediction is
the predicted label for that country (names compared case- and space-insensitively),
or `not_stated` when the prediction omits it. Predicted countries that the gold does
not list are not items; those with a label other than `not_stated` are counted as
`extra_predictions` (a possible hallucinated stance). A predicted label outside the
five is `invalid`: it is wrong for its gold class and credits no class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from evenhand.corpus import STANCE_LABELS
from evenhand.text import prf1

NOT_STATED = "not_stated"
INVALID = "invalid"


def _norm_country(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def _norm_label(label: object) -> str:
    text = str(label).strip().lower().replace(" ", "_").replace("-", "_")
    return text if text in STANCE_LABELS else INVALID


@dataclass
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class StanceMetrics:
    n_items: int
    n_clusters: int
    accuracy: float
    macro_f1: float
    not_stated_accuracy: float | None  # recall on gold not_stated items
    per_class: dict[str, ClassScores]
    confusion: dict[str, dict[str, int]]  # gold -> predicted -> count
    labels: list[str]
    extra_predictions: int
    invalid_predictions: int
    macro_labels: list[str] = field(default_factory=list)


def stance_metrics(
    gold: list[Mapping[str, str] | None],
    predicted: list[Mapping[str, str] | None],
) -> StanceMetrics | None:
    """None when no cluster has gold stances."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold entries but {len(predicted)} predictions")
    pairs: list[tuple[str, str]] = []
    extra = 0
    n_clusters = 0
    for g, p in zip(gold, predicted):
        if g is None:
            continue
        n_clusters += 1
        pred = {_norm_country(c): _norm_label(lab) for c, lab in (p or {}).items()}
        gold_norm = {_norm_country(c): _norm_label(lab) for c, lab in g.items()}
        for country, label in gold_norm.items():
            pairs.append((label, pred.get(country, NOT_STATED)))
        extra += sum(1 for c, lab in pred.items() if c not in gold_norm and lab != NOT_STATED)
    if n_clusters == 0:
        return None
    labels = list(STANCE_LABELS)
    columns = labels + ([INVALID] if any(p == INVALID for _, p in pairs) else [])
    confusion = {g: {p: 0 for p in columns} for g in labels}
    for g, p in pairs:
        confusion[g][p] += 1
    per_class: dict[str, ClassScores] = {}
    for lab in labels:
        tp = confusion[lab][lab]
        n_pred = sum(confusion[g][lab] for g in labels)
        n_gold = sum(confusion[lab].values())
        per_class[lab] = ClassScores(*prf1(tp, n_pred, n_gold), n_gold)
    # Labels that occur in neither gold nor predictions have no defined F1; leave them out.
    macro_labels = [lab for lab in labels if per_class[lab].support or any(confusion[g][lab] for g in labels)]
    macro = sum(per_class[lab].f1 for lab in macro_labels) / len(macro_labels) if macro_labels else 0.0
    n = len(pairs)
    correct = sum(1 for g, p in pairs if g == p)
    ns = per_class[NOT_STATED]
    return StanceMetrics(
        n_items=n,
        n_clusters=n_clusters,
        accuracy=correct / n if n else 0.0,
        macro_f1=macro,
        not_stated_accuracy=ns.recall if ns.support else None,
        per_class=per_class,
        confusion=confusion,
        labels=columns,
        extra_predictions=extra,
        invalid_predictions=sum(1 for _, p in pairs if p == INVALID),
        macro_labels=macro_labels,
    )
