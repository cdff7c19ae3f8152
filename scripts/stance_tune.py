"""Grid over the stance aggregation settings on labelled clusters: the command behind the defaults of
`inference.stance.AggregationSettings`. Run it on train labels only (never on dev).

    OMP_NUM_THREADS=1 python scripts/stance_tune.py --checkpoint runs/stance_minilm/final \
        --labels labels/neus_stance/train.jsonl --grid strong=0.2,0.3,0.4 none_drop=0.4,0.5,0.6

Holder sentences, event actors and sentence probabilities are computed once per cluster (events from
the text, as stance-eval does); each setting only re-runs `aggregate`, a pure function. With
--cross-fit CKPT_A CKPT_B --fold-ids FILE (CKPT_A trained on clauses_a.jsonl, CKPT_B on clauses_b.jsonl),
the clusters listed in FILE (fold B) are scored by CKPT_A and the others by CKPT_B: each cluster by the
checkpoint that never saw its clauses. With --oracle CLAUSES, each holder sentence that has a clause label
is scored by its label instead of the model (supports -> P(positive) = 1, unrelated / not_holder ->
P(none) = 1): the cluster score a perfect sentence classifier would reach with these holders and this
aggregation, i.e. what the rest of the pipeline limits it to. The folds:

    python scripts/stance_tune.py --make-folds runs/stance_folds   # writes clauses_a.jsonl (fold A's
        # training clauses), clauses_b.jsonl and fold_b_ids.txt from labels/neus_stance/clauses_train.jsonl
"""

import argparse
import itertools
import sys
from dataclasses import fields, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


POLAR = ("supports", "opposes", "neutral", "mixed")


def parse_grid(items):
    grid = {}
    for item in items:
        key, _, values = item.partition("=")
        grid[key] = [None if v == "none" else v for v in values.split(",")]
    return grid


def coerce(settings, key, value):
    kind = {f.name: f.type for f in fields(settings)}[key]
    if value is None or "str" in str(kind) or "Literal" in str(kind):
        return value
    return int(value) if "int" in str(kind) and "float" not in str(kind) else float(value)


def main() -> None:
    from evenhand.evaluation.stance_eval import EVENTS, cluster_event, load_labelled_clusters
    from evenhand.evaluation.stance_metrics import stance_report
    from evenhand.inference.holders import holder_sentences
    from evenhand.inference.stance import AggregationSettings, StanceAnalyzer, aggregate, event_actors, lead_sentences
    from evenhand.training.clauses import labels_by_key

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--cross-fit", nargs=2, default=None, metavar=("CKPT_A", "CKPT_B"))
    p.add_argument("--fold-ids", default=None, help="fold B's cluster ids, scored by CKPT_A (one per line)")
    p.add_argument("--labels", nargs="+", default=["labels/neus_stance/train.jsonl"])
    p.add_argument("--neus-dir", default="../shared/data/neus")
    p.add_argument("--grid", nargs="*", default=[], help="key=v1,v2 ... (AggregationSettings fields)")
    p.add_argument("--resamples", type=int, default=200)
    p.add_argument("--confusion", action="store_true", help="also print the best setting's confusion matrix")
    p.add_argument("--clauses", default="labels/neus_stance/clauses_train.jsonl")
    p.add_argument("--oracle", default=None, metavar="CLAUSES",
                   help="score the holder sentences these clause labels cover by their labels (a ceiling)")
    p.add_argument("--oracle-part", choices=("all", "relevance", "polarity"), default="all",
                   help="with --oracle: which decision the labels take over. relevance: whether the sentence shows a "
                        "stance on the event at all (unrelated / not_holder -> dropped; others keep the model's polarity); "
                        "polarity: which stance, where the label has one (the model's P(none) kept)")
    p.add_argument("--relevance", nargs="+", default=None, metavar="CKPT",
                   help="an event checkpoint (or a cross-fit pair, in --cross-fit's order) whose P(none) replaces the "
                        "scored model's: one model says which sentences show a stance, the other which stance")
    p.add_argument("--event", choices=EVENTS, default="title",
                   help="event description, as `evenhand stance-eval --event` (default: %(default)s)")
    p.add_argument("--make-folds", default=None, metavar="DIR", help="write the two cross-fit folds and stop")
    args = p.parse_args()
    if args.make_folds:
        make_folds(args.clauses, args.labels, Path(args.make_folds))
        return

    clusters = [c for x in args.labels for c in load_labelled_clusters(x, args.neus_dir)]
    fold_b = set(Path(args.fold_ids).read_text().split()) if args.fold_ids else set()
    if (args.cross_fit or (args.relevance and len(args.relevance) == 2)) and not fold_b:
        p.error("a cross-fit pair (--cross-fit, or two --relevance checkpoints) needs --fold-ids")
    if args.cross_fit:
        analyzers = [StanceAnalyzer.load(x) for x in args.cross_fit]
    else:
        analyzers = [StanceAnalyzer.load(args.checkpoint)]
    relevance = [StanceAnalyzer.load(x) for x in args.relevance] if args.relevance else None
    base = AggregationSettings()
    oracle = labels_by_key(args.oracle) if args.oracle else None
    covered = [0, 0]
    prepared = []
    for c in clusters:
        analyzer = for_cluster(analyzers, c.id, fold_b)
        event = cluster_event(c, args.event)
        holders, mentions = holder_sentences(c)
        leads = lead_sentences(c)
        scored = analyzer.score(holders, event)
        if relevance:
            judge = for_cluster(relevance, c.id, fold_b)
            scored = [replace(x, probs={**x.probs, "none": r.probs["none"]})
                      for x, r in zip(scored, judge.score(holders, event))]
        if oracle is not None:
            scored = [with_label(c.id, x, oracle, covered, args.oracle_part) for x in scored]
        prepared.append((c, event, scored, mentions, leads))
    print(f"{len(prepared)} clusters scored", flush=True)
    if oracle is not None:
        print(f"oracle: {covered[0]} of {covered[1]} holder sentences scored by their clause label", flush=True)

    grid = parse_grid(args.grid)
    actor_cache = {}
    rows = []
    for values in itertools.product(*grid.values()) if grid else [()]:
        settings = replace(base, **{k: coerce(base, k, v) for k, v in zip(grid, values)})
        gold, predicted, confidence = [], [], []
        for c, event, scored, mentions, leads in prepared:
            key = (c.id, settings.min_leads, settings.event_owners)
            if key not in actor_cache:
                actor_cache[key] = event_actors(event, leads, settings.min_leads, settings.event_owners)
            result = aggregate(scored, mentions, settings, actors=actor_cache[key])
            gold.append(c.stances)
            predicted.append({k: v.label for k, v in result.items()})
            confidence.append({k: v.confidence for k, v in result.items()})
        r = stance_report(gold, predicted, confidence, n_resamples=args.resamples)
        f = r["macro_f1_3"]
        rows.append((f["value"], dict(zip(grid, values)), f, r["spurious"]["rate"], r["not_stated_accuracy"]))
        print(f"{dict(zip(grid, values))}  macro-F1 {f['value']:.3f} [{f['low']:.3f}, {f['high']:.3f}]  "
              f"spurious {r['spurious']['rate']:.3f}  not_stated acc {r['not_stated_accuracy']:.3f}", flush=True)
    best = max(rows, key=lambda x: x[0])
    print(f"best: {best[1]}  macro-F1 {best[0]:.3f}  spurious {best[3]:.3f}")
    if args.confusion:
        from collections import Counter

        settings = replace(base, **{k: coerce(base, k, v) for k, v in best[1].items()})
        pairs = Counter()
        for c, event, scored, mentions, leads in prepared:
            result = aggregate(scored, mentions, settings, actors=actor_cache[(c.id, settings.min_leads,
                                                                                 settings.event_owners)])
            for country in set(c.stances) | set(result):
                pairs[(c.stances.get(country, "absent"), result[country].label if country in result else "not_stated")] += 1
        labels = ["supports", "opposes", "neutral", "mixed", "not_stated", "absent"]
        print("confusion at the best setting (rows: gold, columns: predicted)")
        print(" " * 11 + "".join(f"{x[:10]:>11}" for x in labels[:-1]))
        for g in labels:
            print(f"{g[:10]:>10} " + "".join(f"{pairs[(g, q)]:>11}" for q in labels[:-1]))
        # Where the misses come from: a gold stance with no holder sentence at all cannot be found by any
        # sentence classifier; one the articles never name is in the labels only.
        polar = [(c, k) for c, _, _, _, _ in prepared for k, v in c.stances.items() if v in POLAR]
        held = {(c.id, x.country) for c, _, scored, _, _ in prepared for x in scored}
        named = {(c.id, k) for c, _, _, mentions, _ in prepared for k in mentions}
        no_holder = [(c.id, k) for c, k in polar if (c.id, k) not in held]
        print(f"{len(polar)} gold supports/opposes/neutral/mixed items: {len(no_holder)} have no holder sentence, "
              f"{sum(x not in named for x in no_holder)} of them are named in no article")


def for_cluster(models: list, cid: str, fold_b: set):
    """The model that never saw cluster `cid`'s clauses: of a cross-fit pair, the first for fold B's clusters
    and the second for the others; a single model for all."""
    return models[0] if len(models) == 1 or cid in fold_b else models[1]


def with_label(cid: str, item, oracle: dict, covered: list, part: str = "all"):
    """`item` with probabilities from its clause label, when it has one: one-hot (`part` "all"), or only
    the label's relevance (none or not, the model's polarity renormalised) or only its polarity (the
    model's P(none) kept, the rest on the labelled stance)."""
    from evenhand.models.stance_classifier import EVENT_LABELS
    from evenhand.training.clauses import TO_SENTENCE_LABEL, sentence_sha

    covered[1] += 1
    label = oracle.get((cid, item.article_index, sentence_sha(item.sentence), item.country))
    if label is None:
        return item
    covered[0] += 1
    target = TO_SENTENCE_LABEL[label]
    probs = dict.fromkeys(EVENT_LABELS, 0.0)
    if part == "all" or (part == "relevance" and target == "none"):
        probs[target] = 1.0
    elif part == "relevance":
        rest = {k: v for k, v in item.probs.items() if k != "none"}
        total = sum(rest.values()) or 1.0
        probs.update({k: v / total for k, v in rest.items()})
    elif target == "none":  # polarity: the label has none to give
        return item
    else:
        none = item.probs.get("none", 0.0)
        probs["none"], probs[target] = none, 1.0 - none
    return replace(item, probs=probs)


def make_folds(clauses: str, labels, out: Path, seed: int = 0) -> None:
    """Halve the clusters with cluster labels (seeded) into folds A and B: clauses_a.jsonl holds every
    clause except fold B's (it trains the checkpoint that scores fold B), clauses_b.jsonl every clause
    except fold A's. Clauses of clusters without cluster labels are in both."""
    import json
    import random

    from evenhand.corpus.io import iter_jsonl

    ids = sorted({obj["id"] for path in labels for _, obj in iter_jsonl(path)})
    fold_b = set(random.Random(seed).sample(ids, len(ids) // 2))
    fold_a = set(ids) - fold_b
    out.mkdir(parents=True, exist_ok=True)
    rows = [obj for _, obj in iter_jsonl(clauses)]
    for name, leave_out in (("a", fold_b), ("b", fold_a)):
        with open(out / f"clauses_{name}.jsonl", "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if r["id"] not in leave_out)
    (out / "fold_b_ids.txt").write_text("\n".join(sorted(fold_b)) + "\n")
    print(f"{len(ids)} labelled clusters, {len(fold_b)} in fold B -> {out}")


if __name__ == "__main__":
    main()
