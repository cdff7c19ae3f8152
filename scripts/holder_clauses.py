"""Holder sentences to label for stance toward their cluster's event (labels/neus_stance/clauses_*.jsonl).

    python scripts/holder_clauses.py --labels labels/neus_stance/train.jsonl --per-cluster 3 \
        --out /tmp/clauses/train_candidates.jsonl

More training clauses from clusters without cluster labels (NeuS train only; never val or test):

    python scripts/holder_clauses.py --split train --clusters 300 --exclude labels/neus_stance/train.jsonl \
        --per-cluster 3 --seed 2 --out /tmp/clauses/train_more.jsonl

Over-sampling a rare label (here `opposes`): only holder sentences that a stance checkpoint gives
P(negative) >= 0.4, the most negative first (the labeller still decides the label):

    python scripts/holder_clauses.py --split train --clusters 900 --exclude labels/neus_stance/train.jsonl \
        --exclude-clauses labels/neus_stance/clauses_train.jsonl --per-cluster 2 --seed 3 \
        --prefer-negative evenhand/default_checkpoints/stance --min-negative 0.4 --out /tmp/clauses/neg.jsonl

Every holder sentence of the labelled train clusters that has no clause label yet (a complete set per
cluster, so that the cluster labels can be checked against the clause labels):

    python scripts/holder_clauses.py --labels labels/neus_stance/train.jsonl --per-cluster 1000 \
        --skip-labelled labels/neus_stance/clauses_train.jsonl --out /tmp/clauses/rest.jsonl

Each output row has the label file's keys (see evenhand/training/clauses.py) plus the text a labeller
reads: the event (the first outlet title, what the analyzer reads), all titles, the sentence with the
holder in [brackets] and the holder's clause. That text comes from ../shared/data and must not be
committed; `write_labels` keeps only keys and labels.
"""

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from evenhand.corpus.io import iter_jsonl
    from evenhand.training.clauses import candidates, labels_by_key, neus_clusters

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--labels", nargs="+", default=[], help="cluster label files whose clusters to draw from")
    p.add_argument("--split", default=None, help="or draw --clusters clusters at random from this NeuS split")
    p.add_argument("--clusters", type=int, default=0)
    p.add_argument("--exclude", nargs="*", default=[], help="cluster label files whose clusters to leave out")
    p.add_argument("--exclude-clauses", nargs="*", default=[], help="clause label files whose clusters to leave out")
    p.add_argument("--skip-labelled", nargs="*", default=[], help="clause label files whose sentences to leave out (after the draw of --per-cluster: give a large one)")
    p.add_argument("--prefer-negative", default=None, metavar="CKPT",
                   help="draw the holder sentences this stance checkpoint finds most negative")
    p.add_argument("--min-negative", type=float, default=0.4)
    p.add_argument("--neus-dir", default="../shared/data/neus")
    p.add_argument("--per-cluster", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    args = p.parse_args()

    rng = random.Random(args.seed)
    ids = [obj["id"] for path in args.labels for _, obj in iter_jsonl(path)]
    if args.split:
        from evenhand.prepare import read_neus_split

        skip = {obj["id"] for path in args.exclude + args.exclude_clauses for _, obj in iter_jsonl(path)}
        pool = [c.id for c in read_neus_split(args.neus_dir, args.split) if c.id not in skip]
        ids += sorted(rng.sample(pool, min(args.clusters, len(pool))))
    if not ids:
        p.error("give --labels or --split with --clusters")
    clusters = neus_clusters(ids, args.neus_dir)
    rank = None
    if args.prefer_negative:
        from evenhand.inference.stance import StanceAnalyzer

        analyzer = StanceAnalyzer.load(args.prefer_negative)

        def rank(holders, event):
            return [x.probs["negative"] for x in analyzer.score(holders, event)]

    done = set(labels_by_key(*args.skip_labelled))
    n = 0
    with open(args.out, "w", encoding="utf-8") as fh:
        from tqdm.auto import tqdm

        for cid in tqdm(ids, desc="clusters", unit="cluster"):
            for row in candidates(clusters[cid], args.per_cluster, rng, rank, args.min_negative):
                if (row["id"], row["article"], row["sentence_sha"], row["country"]) in done:
                    continue
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    print(f"{n} holder sentences from {len(ids)} clusters -> {args.out}")


if __name__ == "__main__":
    main()
