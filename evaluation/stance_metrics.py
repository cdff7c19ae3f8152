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


# --- the stance v2 report: 3-class macro-F1 with a cluster bootstrap, spurious countries, calibration ---

STANCE3 = ("supports", "opposes", "neutral")


def cluster_items(gold: Mapping[str, str], predicted: Mapping[str, str],
                  confidence: Mapping[str, float | None] | None = None) -> list[tuple[str, str, float | None]]:
    """(gold, predicted, confidence) per country of one cluster: every gold country, plus every predicted
    country the gold does not list (gold `absent`), so that spurious stances are items too."""
    pred = {_norm_country(c): _norm_label(lab) for c, lab in predicted.items()}
    conf = {_norm_country(c): v for c, v in (confidence or {}).items()}
    gold_norm = {_norm_country(c): _norm_label(lab) for c, lab in gold.items()}
    items = [(g, pred.get(c, NOT_STATED), conf.get(c)) for c, g in gold_norm.items()]
    items += [("absent", p, conf.get(c)) for c, p in pred.items() if c not in gold_norm]
    return items


def macro_f1_3(items: list[tuple[str, str, float | None]]) -> float:
    """Macro-F1 over supports/opposes/neutral: every item counts (a gold mixed or not_stated item
    predicted as supports is a false positive for supports; a gold supports predicted as anything else
    is a false negative). Classes with neither gold nor predicted items are left out."""
    f1s = []
    for lab in STANCE3:
        tp = sum(1 for g, p, _ in items if g == p == lab)
        n_pred = sum(1 for _, p, _ in items if p == lab)  # spurious countries (gold "absent") included
        n_gold = sum(1 for g, _, _ in items if g == lab)
        if n_pred or n_gold:
            f1s.append(prf1(tp, n_pred, n_gold)[2])
    return sum(f1s) / len(f1s) if f1s else 0.0


def cluster_bootstrap(per_cluster: list[list], statistic, *, n_resamples: int = 1000, seed: int = 0,
                      confidence: float = 0.95) -> dict[str, float]:
    """`statistic` of the pooled items and its percentile interval over clusters resampled with
    replacement (items of one cluster are not independent, so clusters are the unit)."""
    import numpy as np

    point = statistic([x for c in per_cluster for x in c])
    rng = np.random.default_rng(seed)
    n = len(per_cluster)
    values = []
    for _ in range(n_resamples):
        idx = rng.integers(0, n, size=n)
        values.append(statistic([x for i in idx for x in per_cluster[i]]))
    low, high = np.quantile(values, [(1 - confidence) / 2, (1 + confidence) / 2])
    return {"value": round(point, 4), "low": round(float(low), 4), "high": round(float(high), 4),
            "clusters": n, "resamples": n_resamples}


def spurious_rate(items) -> dict[str, float | int]:
    """Countries predicted with a stance (any label but not_stated) that the gold lists as not_stated
    or does not list, over all countries predicted with a stance."""
    stated = [(g, p) for g, p, _ in items if p not in (NOT_STATED, INVALID)]
    bad = sum(1 for g, _ in stated if g in (NOT_STATED, "absent"))
    return {"rate": round(bad / len(stated), 4) if stated else 0.0, "spurious": bad, "predicted_stances": len(stated)}


def label_scores(items, label: str) -> dict[str, float | int]:
    """Precision, recall and F1 of one label (used for mixed, reported apart from the macro-F1)."""
    tp = sum(1 for g, p, _ in items if g == p == label)
    n_pred = sum(1 for _, p, _ in items if p == label)
    n_gold = sum(1 for g, _, _ in items if g == label)
    p, r, f = prf1(tp, n_pred, n_gold)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "gold": n_gold, "predicted": n_pred}


def calibration(items, n_bins: int = 10) -> dict:
    """Expected calibration error of the confidence of every stated prediction (correct = the gold
    label), with the bins for a reliability plot. not_stated has no confidence and is left out."""
    scored = [(float(c), g == p) for g, p, c in items if p not in (NOT_STATED, INVALID) and c is not None]
    bins = []
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        inside = [(c, ok) for c, ok in scored if lo <= c < hi or (b == n_bins - 1 and c == 1.0)]
        if inside:
            bins.append({"low": lo, "high": hi, "n": len(inside),
                         "confidence": sum(c for c, _ in inside) / len(inside),
                         "accuracy": sum(ok for _, ok in inside) / len(inside)})
    n = len(scored)
    ece = sum(b["n"] / n * abs(b["accuracy"] - b["confidence"]) for b in bins) if n else None
    return {"ece": None if ece is None else round(ece, 4), "items": n, "bins": bins}


def reliability_plot(cal: dict, path, title: str = "stance confidence") -> None:
    """A reliability diagram (accuracy per confidence bin against the diagonal) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "--", color="grey", linewidth=1)
    for b in cal["bins"]:
        ax.bar(b["low"], b["accuracy"], width=b["high"] - b["low"], align="edge", alpha=0.6,
               edgecolor="black", color="tab:blue")
        ax.text(b["low"] + 0.05, min(b["accuracy"] + 0.02, 0.95), str(b["n"]), ha="center", fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy (bar label: items)")
    ax.set_title(f"{title}\nECE {cal['ece']}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def stance_report(gold: list[Mapping[str, str]], predicted: list[Mapping[str, str]],
                  confidence: list[Mapping[str, float | None]] | None = None, *, n_resamples: int = 1000) -> dict:
    """The v2 cluster-level numbers (issue 12, item 4) for parallel lists of per-cluster dicts."""
    confidence = confidence or [{} for _ in gold]
    per_cluster = [cluster_items(g, p, c) for g, p, c in zip(gold, predicted, confidence)]
    items = [x for c in per_cluster for x in c]
    listed = [x for x in items if x[0] != "absent"]
    ns = [x for x in listed if x[0] == NOT_STATED]
    return {
        "clusters": len(gold),
        "items": len(listed),
        "macro_f1_3": cluster_bootstrap(per_cluster, macro_f1_3, n_resamples=n_resamples),
        "not_stated_accuracy": round(sum(p == NOT_STATED for _, p, _ in ns) / len(ns), 4) if ns else None,
        "spurious": spurious_rate(items),
        "mixed": label_scores(items, "mixed"),
        "per_class": {lab: label_scores(items, lab) for lab in STANCE3},
        "calibration": calibration(items),
    }
