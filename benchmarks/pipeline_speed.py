"""Clusters per minute: the extractive default (selector + guard-free copy) against the old abstractive default.

    python benchmarks/pipeline_speed.py --data data/neus/test.jsonl --n 32 --threads 1

Both paths run in one process on the same clusters, after a warm-up cluster each:

- `extractive`: `Pipeline.load()`, the bundled selector (+ headline model if one is bundled), no stance;
- `abstractive-old`: `Summarizer.load()`, the bundled SmolLM2 summarizer, batched greedy generation with its
  stored generation defaults (what `summarize()` ran before the grounded pipeline), no stance.

Then one full-length cluster: five articles of about 600 words each, made by joining NeuS snippets of
consecutive clusters (text to time the sentence layer and the selector on long input, not to read), run
through the extractive path. Prints seconds, clusters/min and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def long_cluster(clusters, words: int = 600):
    """Five ~600-word articles: article k joins the k-th snippet of consecutive clusters until `words`."""
    from evenhand.corpus import Article, Cluster

    arts = []
    for k in range(5):
        parts, n, i = [], 0, 0
        while n < words:
            c = clusters[(k * 37 + i) % len(clusters)]
            a = c.articles[min(k % 3, len(c.articles) - 1)]
            parts.append(a.text)
            n += len(a.text.split())
            i += 1
        arts.append(Article(text=" ".join(parts), title=clusters[k].articles[0].title, source=f"Outlet {k + 1}"))
    return Cluster(articles=arts, id="long-5x600")


def timed(fn, clusters):
    t0 = time.perf_counter()
    out = fn(clusters)
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="data/neus/test.jsonl")
    ap.add_argument("--n", type=int, default=32, help="clusters to time (after one warm-up cluster)")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--skip-abstractive", action="store_true")
    args = ap.parse_args()

    import torch

    from evenhand.corpus import read_jsonl
    from evenhand.inference.summarizer import Summarizer
    from evenhand.pipeline import Pipeline
    from evenhand.text import article_body

    torch.set_num_threads(args.threads)
    clusters = [replace(c, summary=None) for c in read_jsonl(args.data)[: args.n + 1]]
    warm, timed_set = clusters[:1], clusters[1:]
    rows = []

    pipe = Pipeline.load(stance=False)
    pipe.summarize_many(warm, progress=False)
    secs, _ = timed(lambda cs: pipe.summarize_many(cs, progress=False), timed_set)
    rows.append(("extractive (selector, bundled)", secs, len(timed_set)))

    if not args.skip_abstractive:
        old = Summarizer.load()
        old.summarize_many(warm, progress=False, batch_size=1)
        secs, _ = timed(lambda cs: old.summarize_many(cs, progress=False, batch_size=args.batch_size), timed_set)
        rows.append((f"abstractive-old (SmolLM2 summarizer, batch {args.batch_size})", secs, len(timed_set)))

    big = long_cluster(read_jsonl(args.data))
    words = sum(len(article_body(a).split()) for a in big.articles)
    secs, (result,) = timed(lambda cs: pipe.summarize_many(cs, progress=False), [big])
    rows.append((f"extractive, 1 cluster of 5 articles x ~600 words ({words} words)", secs, 1))

    print(f"torch threads: {args.threads}; clusters: {len(timed_set)} from {args.data}")
    print(f"| path | clusters | seconds | clusters/min |\n|---|---:|---:|---:|")
    for name, s, n in rows:
        print(f"| {name} | {n} | {s:.1f} | {60 * n / s:.1f} |")
    if len(rows) == 3:
        print(f"extractive / abstractive-old clusters/min: {rows[1][1] / rows[0][1]:.1f}x")
    print(f"long cluster: {len(result.points)} points from {len({a for p in result.points for a in p.articles})} "
          f"of 5 outlets; peak RSS {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
