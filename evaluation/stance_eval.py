"""`evenhand stance-eval`: the stance model's numbers, each beside a majority-class baseline.

    evenhand stance-eval --checkpoint runs/stance_minilm/final \
        --labels labels/neus_stance/dev.jsonl labels/neus_stance/dev_test.jsonl

(a) sentence level: directed_sentiment test.txt, macro-F1 over neutral/positive/negative
    for holder -> target (both directions of each row), and over the dataset's own five
    classes (the two directions combined);
(b) cluster level: labelled NeuS clusters (labels/neus_stance/*.jsonl joined by id with
    the NeuS source files), macro-F1 over supports/opposes/neutral/mixed and
    not_stated accuracy, from evenhand.evaluation.stance_metrics; and the v2 report: macro-F1
    over supports/opposes/neutral with a cluster-bootstrap 95% interval, the spurious-country
    rate, mixed apart, calibration (ECE; with --out, a reliability plot beside the JSON). The
    event is derived from each cluster's text (--event title), never the labeller's topic
    unless --event labeller asks for it.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from evenhand.corpus import STANCE_LABELS, Cluster, iter_jsonl
from evenhand.errors import CorpusError
from evenhand.text import prf1

DEFAULT_TEST = "../shared/data/directed_sentiment/dataset/test.txt"
DEFAULT_LABELS = ("labels/neus_stance/dev.jsonl", "labels/neus_stance/dev_test.jsonl")
DEFAULT_NEUS = "../shared/data/neus"
DEFAULT_CLAUSES = "labels/neus_stance/clauses_dev.jsonl"
POLAR_LABELS = ("supports", "opposes", "neutral", "mixed")


# --- data -------------------------------------------------------------------------------


def load_labelled_clusters(labels_path: str | Path, neus_dir: str | Path) -> list[Cluster]:
    """Stance labels (`{"id": "neus-val-0013", "topic": ..., "stances": {...}}` per line) joined by id
    with the articles of the NeuS source files (`neus-{split}-{i:04d}` = line i of {split}.source).

    Only the source snippets become articles: the roundup is not available at inference time.
    """
    from evenhand.prepare import read_neus_split

    labels_path, neus_dir = Path(labels_path), Path(neus_dir)
    splits: dict[str, dict[str, Cluster]] = {}
    out: list[Cluster] = []
    for lineno, obj in iter_jsonl(labels_path):
        where = {"path": str(labels_path), "line": lineno}
        if not isinstance(obj, dict):
            raise CorpusError("expected a JSON object with 'id', 'topic', 'stances'", **where)
        cid, topic, stances = obj.get("id"), obj.get("topic"), obj.get("stances")
        parts = str(cid).split("-") if isinstance(cid, str) else []
        if len(parts) != 3 or parts[0] != "neus" or not parts[2].isdigit():
            raise CorpusError(f"id {cid!r} is not of the form neus-<split>-<index>", field="id", **where)
        if not isinstance(topic, str) or not topic.strip():
            raise CorpusError("missing or empty; every labelled cluster needs its topic", field="topic", **where)
        if not isinstance(stances, dict):
            raise CorpusError("expected an object mapping country -> label", field="stances", **where)
        for country, label in stances.items():
            if label not in STANCE_LABELS:
                raise CorpusError(f"unknown label {label!r} for {country!r}; expected one of {list(STANCE_LABELS)}",
                                  field="stances", **where)
        split = parts[1]
        if split not in splits:
            splits[split] = {c.id: c for c in read_neus_split(neus_dir, split)}
        source = splits[split].get(cid)
        if source is None:
            raise CorpusError(f"id {cid!r}: {neus_dir / (split + '.source')} has no line {int(parts[2]) + 1}",
                              field="id", **where)
        out.append(Cluster(articles=source.articles, id=cid, summary=source.summary, stances=dict(stances),
                           topic=topic.strip()))
    if not out:
        raise CorpusError(f"{labels_path} holds no labelled clusters")
    return out


# --- metrics ----------------------------------------------------------------------------


def _macro_f1(gold: list, pred: list, labels) -> float:
    from evenhand.training.stance import macro_f1

    index = {lab: i for i, lab in enumerate(labels)}
    return macro_f1([index[g] for g in gold], [index[p] for p in pred], len(labels))


def sentence_eval(classifier, test_file: str | Path, *, limit: int | None = None) -> dict[str, Any]:
    """Macro-F1 on directed_sentiment rows, model vs predicting the majority class everywhere."""
    from evenhand.models.stance_classifier import SENTENCE_LABELS
    from evenhand.training.stance import read_directed_tsv, to_examples

    rows = read_directed_tsv(test_file, limit)
    examples = to_examples(rows)
    t0 = time.perf_counter()
    # An event classifier's fourth output ("none") is not a directed-sentiment class: the argmax is over three.
    probs = [p[:3] for p in classifier.predict([(e.holder, e.target, e.sentence) for e in examples])]
    seconds = time.perf_counter() - t0
    pred = [SENTENCE_LABELS[max(range(len(p)), key=p.__getitem__)] for p in probs]
    gold = [e.label for e in examples]
    majority = Counter(gold).most_common(1)[0][0]
    # Five classes: the p->q and q->p examples of each row, back into the dataset's labels.
    gold5, pred5 = [r.label for r in rows], []
    for i in range(len(rows)):
        (a, pa), (b, pb) = (pred[2 * i], probs[2 * i]), (pred[2 * i + 1], probs[2 * i + 1])
        a_score = pa[SENTENCE_LABELS.index(a)] if a != "neutral" else -1.0
        b_score = pb[SENTENCE_LABELS.index(b)] if b != "neutral" else -1.0
        if a_score < 0 and b_score < 0:
            pred5.append(0)
        elif a_score >= b_score:
            pred5.append(1 if a == "positive" else 3)
        else:
            pred5.append(2 if b == "positive" else 4)
    majority5 = Counter(gold5).most_common(1)[0][0]
    per_class = {}
    for lab in SENTENCE_LABELS:
        tp = sum(1 for g, p in zip(gold, pred) if g == p == lab)
        n_g = gold.count(lab)
        per_class[lab] = {"f1": prf1(tp, pred.count(lab), n_g)[2], "support": n_g}
    return {
        "file": str(test_file),
        "rows": len(rows),
        "examples": len(examples),
        "macro_f1": _macro_f1(gold, pred, SENTENCE_LABELS),
        "majority_macro_f1": _macro_f1(gold, [majority] * len(gold), SENTENCE_LABELS),
        "accuracy": sum(g == p for g, p in zip(gold, pred)) / len(gold),
        "majority_accuracy": gold.count(majority) / len(gold),
        "per_class": per_class,
        "macro_f1_5class": _macro_f1(gold5, pred5, range(5)),
        "majority_macro_f1_5class": _macro_f1(gold5, [majority5] * len(gold5), range(5)),
        "seconds": seconds,
    }


def clause_eval(classifier, clause_file: str | Path, neus_dir: str | Path, *, n_resamples: int = 1000
                ) -> dict[str, Any]:
    """Held-out holder clauses (training/clauses.py), each against its cluster's event as the analyzer
    reads it. `stance3`: macro-F1 over supports / opposes / neutral on the clauses whose gold is one of
    them (argmax over those three outputs, so a three-output sentiment checkpoint is scored the same way);
    `all4`: over the four outputs, "none" = unrelated or not_holder (event classifiers only); each with a
    95% cluster-bootstrap interval and the majority baseline."""
    from evenhand.evaluation.stance_metrics import cluster_bootstrap
    from evenhand.models.stance_classifier import SENTENCE_LABELS
    from evenhand.training.clauses import TO_SENTENCE_LABEL, clause_examples, read_clause_labels

    examples = clause_examples(read_clause_labels(clause_file), neus_dir, path=str(clause_file))
    t0 = time.perf_counter()
    probs = classifier.predict([(x.key.holder, x.event, x.marked) for x in examples])
    seconds = time.perf_counter() - t0
    labels = tuple(getattr(classifier, "labels", None) or SENTENCE_LABELS)
    gold = [TO_SENTENCE_LABEL[x.label] for x in examples]

    def argmax(p, allowed):
        return max((labels[i] for i in range(len(p)) if labels[i] in allowed), key=lambda lab: p[labels.index(lab)])

    def scored(allowed):
        keep = [i for i, g in enumerate(gold) if g in allowed]
        by_cluster: dict[str, list] = {}
        for i in keep:
            by_cluster.setdefault(examples[i].key.id, []).append((gold[i], argmax(probs[i], allowed)))
        majority = Counter(gold[i] for i in keep).most_common(1)[0][0] if keep else None

        def f1(items):
            return _macro_f1([g for g, _ in items], [p for _, p in items], allowed) if items else 0.0

        groups = list(by_cluster.values())
        return {"items": len(keep), "clusters": len(groups),
                "macro_f1": cluster_bootstrap(groups, f1, n_resamples=n_resamples),
                "majority": {"label": majority, "macro_f1": round(f1([(g, majority) for c in groups for g, _ in c]), 4)},
                "accuracy": round(sum(g == p for c in groups for g, p in c) / max(1, len(keep)), 4)}

    out = {"file": str(clause_file), "clauses": len(examples), "labels": list(labels),
           "gold_counts": dict(Counter(x.label for x in examples)), "seconds": seconds,
           "stance3": scored(("neutral", "positive", "negative"))}
    if "none" in labels:
        out["all4"] = scored(labels)
    return out


def print_clause_report(c: dict[str, Any]) -> None:
    print(f"\n(c) holder clauses, {c['file']}: {c['clauses']} clauses, gold {c['gold_counts']} ({c['seconds']:.0f} s)")
    for key, name in (("stance3", "supports/opposes/neutral"), ("all4", "four outputs (none = no stance)")):
        if key in c:
            m = c[key]
            f = m["macro_f1"]
            majority = {"positive": "supports", "negative": "opposes"}.get(m["majority"]["label"], m["majority"]["label"])
            print(f"    macro-F1 {name:<32} {f['value']:.3f} [{f['low']:.3f}, {f['high']:.3f}]  "
                  f"(majority '{majority}' {m['majority']['macro_f1']:.3f}; {m['items']} clauses, "
                  f"{m['clusters']} clusters; accuracy {m['accuracy']:.3f})")


def _summarize_cluster_metrics(m) -> dict[str, Any]:
    polar = [lab for lab in POLAR_LABELS if lab in m.macro_labels]
    polar_f1 = sum(m.per_class[lab].f1 for lab in polar) / len(polar) if polar else 0.0
    return {
        "items": m.n_items,
        "clusters": m.n_clusters,
        "macro_f1_polar": polar_f1,
        "polar_labels": polar,
        "macro_f1_all": m.macro_f1,
        "accuracy": m.accuracy,
        "not_stated_accuracy": m.not_stated_accuracy,
        "per_class_f1": {lab: round(s.f1, 4) for lab, s in m.per_class.items()},
        "support": {lab: s.support for lab, s in m.per_class.items()},
        "extra_predictions": m.extra_predictions,
        "confusion": m.confusion,
    }


EVENTS = ("title", "headline", "labeller")


def cluster_event(cluster: Cluster, event: str = "title", pipeline=None) -> str:
    """The event description the analyzer reads: "title" = derived from the cluster's own text
    (`event_description`: the first outlet title), which is also what `summarize()` passes; "headline" = the
    headline `summarize()` writes (the selector's best outlet title; `pipeline`, default the bundled
    selector), for comparison; "labeller" = the hand-written topic string, for comparison only."""
    from evenhand.inference.stance import event_description

    if event == "labeller":
        return cluster.topic
    if event == "headline":
        return (pipeline or _headline_pipeline()).headline_of(cluster)
    return event_description(cluster)


@lru_cache(maxsize=1)
def _headline_pipeline():
    from evenhand.pipeline import Pipeline

    return Pipeline.load(stance=False, headline=False)


def cluster_eval(analyzer, clusters: list[Cluster], *, event: str = "title", n_resamples: int = 1000
                 ) -> dict[str, Any]:
    """Cluster-level metrics of `analyzer` and of the majority baseline (every gold country gets the
    most frequent gold label), and the v2 report (`stance_report`) under "v2"."""
    from evenhand.evaluation.stance_metrics import stance_metrics, stance_report

    gold = [c.stances for c in clusters]
    t0 = time.perf_counter()
    predicted, confidence, events = [], [], []
    for c in clusters:
        events.append(cluster_event(c, event))
        result = analyzer.analyze(c, topic=events[-1])
        predicted.append({country: s.label for country, s in result.items()})
        confidence.append({country: s.confidence for country, s in result.items()})
    seconds = time.perf_counter() - t0
    majority = Counter(lab for g in gold for lab in g.values()).most_common(1)[0][0]
    baseline = [{country: majority for country in g} for g in gold]
    model_m, base_m = stance_metrics(gold, predicted), stance_metrics(gold, baseline)
    return {
        "event": event,
        "model": _summarize_cluster_metrics(model_m),
        "majority": {"label": majority, **_summarize_cluster_metrics(base_m)},
        "v2": stance_report(gold, predicted, confidence, n_resamples=n_resamples),
        "v2_majority": stance_report(gold, baseline, n_resamples=n_resamples),
        "seconds": seconds,
        "predictions": [{"id": c.id, "topic": c.topic, "event": e, "predicted": p, "confidence": q,
                         "gold": c.stances} for c, e, p, q in zip(clusters, events, predicted, confidence)],
    }


# --- command ----------------------------------------------------------------------------


def _f(x) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def print_sentence_report(s: dict[str, Any]) -> None:
    print(f"\n(a) sentence level, {s['file']}: {s['rows']} rows, {s['examples']} holder->target examples "
          f"({s['seconds']:.0f} s)")
    print(f"    {'':28}{'model':>8}{'majority':>10}")
    print(f"    {'macro-F1 (neu/pos/neg)':28}{_f(s['macro_f1']):>8}{_f(s['majority_macro_f1']):>10}")
    print(f"    {'accuracy':28}{_f(s['accuracy']):>8}{_f(s['majority_accuracy']):>10}")
    print(f"    {'macro-F1 (5 dataset classes)':28}{_f(s['macro_f1_5class']):>8}"
          f"{_f(s['majority_macro_f1_5class']):>10}")
    print("    per class F1: " + ", ".join(f"{k} {v['f1']:.3f} (n={v['support']})" for k, v in s["per_class"].items()))


def print_v2_report(c: dict[str, Any]) -> None:
    v, b = c["v2"], c["v2_majority"]
    f, fb = v["macro_f1_3"], b["macro_f1_3"]
    print(f"    events: {c['event']}")
    print(f"    macro-F1 supports/opposes/neutral  {f['value']:.3f} [{f['low']:.3f}, {f['high']:.3f}]  "
          f"(majority {fb['value']:.3f}; 95% cluster bootstrap, {f['resamples']} resamples)")
    print(f"    not_stated accuracy                {_f(v['not_stated_accuracy'])}")
    sp = v["spurious"]
    print(f"    spurious countries                 {sp['rate']:.3f} ({sp['spurious']} of {sp['predicted_stances']} "
          "predicted stances: gold not_stated or not listed)")
    mx = v["mixed"]
    print(f"    mixed                              P {mx['precision']:.3f} R {mx['recall']:.3f} F1 {mx['f1']:.3f} "
          f"(gold {mx['gold']}, predicted {mx['predicted']})")
    print(f"    calibration ECE                    {_f(v['calibration']['ece'])} over {v['calibration']['items']} "
          "stated predictions")


def print_cluster_report(c: dict[str, Any], labels) -> None:
    m, b = c["model"], c["majority"]
    print(f"\n(b) cluster level, {labels}: {m['clusters']} clusters, {m['items']} (cluster, country) items "
          f"({c['seconds']:.0f} s)")
    print(f"    {'':34}{'model':>8}{'majority':>10}   (majority label: {b['label']})")
    print(f"    {'macro-F1 ' + '/'.join(m['polar_labels']):34}{_f(m['macro_f1_polar']):>8}{_f(b['macro_f1_polar']):>10}")
    print(f"    {'macro-F1 all five labels':34}{_f(m['macro_f1_all']):>8}{_f(b['macro_f1_all']):>10}")
    print(f"    {'not_stated accuracy':34}{_f(m['not_stated_accuracy']):>8}{_f(b['not_stated_accuracy']):>10}")
    print(f"    {'accuracy':34}{_f(m['accuracy']):>8}{_f(b['accuracy']):>10}")
    print(f"    per class F1 (model): {m['per_class_f1']}; support {m['support']}")
    print(f"    stances predicted for countries the gold does not list: {m['extra_predictions']}")
    print_v2_report(c)


def stance_eval_command(args: argparse.Namespace) -> int:
    from evenhand.inference.stance import StanceAnalyzer
    from evenhand.models.defaults import default_checkpoint

    folder = Path(args.checkpoint) if args.checkpoint else default_checkpoint("stance")
    analyzer = StanceAnalyzer.load(folder, batch_size=args.batch_size)
    report: dict[str, Any] = {"checkpoint": str(folder)}
    print(f"stance checkpoint: {folder}")
    if not args.skip_sentence:
        report["sentence"] = sentence_eval(analyzer.classifier, args.test_file, limit=args.limit)
        print_sentence_report(report["sentence"])
    if args.clauses and Path(args.clauses).exists():
        report["clauses"] = clause_eval(analyzer.classifier, args.clauses, args.neus_dir)
        print_clause_report(report["clauses"])
    elif args.clauses:
        print(f"\n(c) holder clauses: skipped, {args.clauses} not found")
    # `evenhand eval` passes one --data file or the default tuple.
    labels = [Path(x) for x in ([args.labels] if isinstance(args.labels, (str, Path)) else args.labels)]
    missing = [str(x) for x in labels if not x.exists()]
    if not args.skip_cluster and missing:
        print(f"\n(b) cluster level: skipped, {', '.join(missing)} not found")
    elif not args.skip_cluster:
        clusters = [c for x in labels for c in load_labelled_clusters(x, args.neus_dir)][: args.limit or None]
        report["cluster"] = cluster_eval(analyzer, clusters, event=getattr(args, "event", "title"))
        report["cluster"]["labels"] = [str(x) for x in labels]
        print_cluster_report(report["cluster"], " + ".join(map(str, labels)))
    report["command"] = args.command_line
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwrote {out}")
        if "cluster" in report:
            from evenhand.evaluation.stance_metrics import reliability_plot

            png = out.parent / "stance_reliability.png"
            reliability_plot(report["cluster"]["v2"]["calibration"], png, title=f"stance, {folder.name}")
            print(f"wrote {png}")
    if args.write_card:
        from .card import write_model_card
        from .stance_card import StanceCardData

        card = StanceCardData.from_checkpoint(folder, report=report, eval_command=report["command"],
                                              model_name=args.model_name)
        print(f"wrote model card {write_model_card(folder, card, force=args.force)}")
    return 0


def stance_eval_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", default=None, help="stance checkpoint folder (default: the bundled one)")
    p.add_argument("--test-file", default=DEFAULT_TEST, help="directed_sentiment TSV (default: %(default)s)")
    p.add_argument("--labels", nargs="+", default=list(DEFAULT_LABELS),
                   help="labelled NeuS clusters JSONL, one or more files (default: the 175-cluster dev set, %(default)s)")
    p.add_argument("--clauses", default=DEFAULT_CLAUSES,
                   help="held-out holder-clause labels (training/clauses.py; default: %(default)s); '' to skip")
    p.add_argument("--event", choices=EVENTS, default="title",
                   help="event description: 'title' = from the cluster's text (first outlet title), as summarize() "
                        "passes it; 'headline' = the headline summarize() writes (the bundled selector's best title); "
                        "'labeller' = the hand-written topic; both for comparison only (default: %(default)s)")
    p.add_argument("--neus-dir", default=DEFAULT_NEUS, help="folder with the NeuS {split}.source files")
    p.add_argument("--limit", type=int, default=None, help="first N test rows / clusters only")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--skip-sentence", action="store_true")
    p.add_argument("--skip-cluster", action="store_true")
    p.add_argument("--out", default=None, help="also write all numbers (and cluster predictions) as JSON")
    p.add_argument("--write-card", action="store_true",
                   help="also write CHECKPOINT/README.md (model card with model-index metadata) from these numbers")
    p.add_argument("--model-name", default=None, help="model name for the card (default: checkpoint folder name)")
    p.add_argument("--force", action="store_true", help="replace a README.md that evenhand did not write")
