"""Inter-annotator agreement for the cluster-level stance labels.

    evenhand agreement labels/neus_stance/train.jsonl labels/neus_stance/dev.jsonl \
        --second labels/neus_stance/double_annotation_second.jsonl

Items are (cluster id, country) pairs over the union of both annotators' countries; a
country one annotator did not list counts as `not_stated` for them (the guideline's
rule for countries that are only mentioned). Reports raw agreement and Cohen's kappa,
over all five labels and over the clusters' stance-bearing pairs only.

Holder-clause label files (training/clauses.py) are recognised by their keys; their items are
the clauses both annotators labelled, over the five clause labels and over the four outputs the
classifier learns (unrelated and not_holder as one, "none"):

    evenhand agreement labels/neus_stance/clauses_dev.jsonl --second labels/neus_stance/clauses_dev_second.jsonl
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from evenhand.corpus import STANCE_LABELS, iter_jsonl


@dataclass
class Agreement:
    n_items: int
    observed: float
    kappa: float
    confusion: dict[str, dict[str, int]]


def cohen_kappa(a: list[str], b: list[str]) -> float:
    n = len(a)
    if n == 0:
        return float("nan")
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def agreement(first: dict[str, dict[str, str]], second: dict[str, dict[str, str]], *, stance_only: bool = False) -> Agreement:
    a, b = [], []
    for cid in sorted(set(first) & set(second)):
        for country in sorted(set(first[cid]) | set(second[cid])):
            x = first[cid].get(country, "not_stated")
            y = second[cid].get(country, "not_stated")
            if stance_only and x == "not_stated" and y == "not_stated":
                continue
            a.append(x)
            b.append(y)
    confusion = {x: {y: 0 for y in STANCE_LABELS} for x in STANCE_LABELS}
    for x, y in zip(a, b):
        confusion[x][y] += 1
    observed = sum(x == y for x, y in zip(a, b)) / len(a) if a else float("nan")
    return Agreement(len(a), observed, cohen_kappa(a, b), confusion)


def read_labels(*paths: str | Path) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for path in paths:
        for _, rec in iter_jsonl(path):  # a missing file or a bad line is a CorpusError naming it
            out[rec["id"]] = rec["stances"]
    return out


def agreement_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("first", nargs="+", help="the first annotator's label files")
    p.add_argument("--second", required=True, help="the second (blind) annotator's label file")


def _is_clause_file(path: str | Path) -> bool:
    first = next(iter_jsonl(path), (0, {}))[1]
    return isinstance(first, dict) and "sentence_sha" in first


def clause_agreement_command(args: argparse.Namespace) -> int:
    from evenhand.training.clauses import CLAUSE_LABELS, TO_SENTENCE_LABEL, labels_by_key

    first, second = labels_by_key(*args.first), labels_by_key(args.second)
    keys = sorted(set(first) & set(second))
    if len(keys) < len(second):
        print(f"warning: {len(second) - len(keys)} doubly-labelled clause(s) not in the first files")
    a, b = [first[k] for k in keys], [second[k] for k in keys]
    for title, x, y in (("five clause labels", a, b),
                        ("four classifier outputs", [TO_SENTENCE_LABEL[v] for v in a], [TO_SENTENCE_LABEL[v] for v in b])):
        observed = sum(p == q for p, q in zip(x, y)) / len(x) if x else float("nan")
        print(f"{title}: {len(keys)} clauses in {len({k[0] for k in keys})} clusters, agreement {observed:.3f}, "
              f"Cohen's kappa {cohen_kappa(x, y):.3f}")
    print("confusion (rows: first annotator, columns: second)")
    print(" " * 11 + " ".join(f"{lab[:10]:>10}" for lab in CLAUSE_LABELS))
    for x in CLAUSE_LABELS:
        print(f"{x[:10]:>10} " + " ".join(f"{sum(1 for p, q in zip(a, b) if p == x and q == y):>10}"
                                          for y in CLAUSE_LABELS))
    return 0


def agreement_command(args: argparse.Namespace) -> int:
    if _is_clause_file(args.second):
        return clause_agreement_command(args)
    first, second = read_labels(*args.first), read_labels(args.second)
    missing = sorted(set(second) - set(first))
    if missing:
        print(f"warning: {len(missing)} doubly-annotated id(s) not in the first files: {missing[:5]}")
    n_clusters = len(set(first) & set(second))
    for title, stance_only in (("all pairs (5 labels)", False), ("pairs where someone saw a stance", True)):
        r = agreement(first, second, stance_only=stance_only)
        print(f"{title}: {n_clusters} clusters, {r.n_items} (cluster, country) pairs, "
              f"agreement {r.observed:.3f}, Cohen's kappa {r.kappa:.3f}")
    r = agreement(first, second)
    print("confusion (rows: first annotator, columns: second)")
    print(" " * 11 + " ".join(f"{lab[:10]:>10}" for lab in STANCE_LABELS))
    for x in STANCE_LABELS:
        print(f"{x[:10]:>10} " + " ".join(f"{r.confusion[x][y]:>10}" for y in STANCE_LABELS))
    return 0
