"""Val: the extractive default against the abstractive mode (bundled summarizer under the guard), same clusters.

    python scripts/mode_compare.py --data data/neus/val.jsonl --n 64

Prints ROUGE-1/2/L, words, loaded words per 100, and how often the guard replaced a generated headline or
sentence (and which names and numbers it refused).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="data/neus/val.jsonl")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch

    from evenhand.corpus import read_jsonl
    from evenhand.evaluation.data import reference_text
    from evenhand.evaluation.rouge import rouge_f1
    from evenhand.pipeline import Pipeline
    from evenhand.text import loaded_words

    torch.set_num_threads(args.threads)
    clusters = read_jsonl(args.data)[: args.n]
    refs = [reference_text(c) for c in clusters]
    extractive = Pipeline.load(stance=False)
    abstractive = Pipeline(extractive.selector, extractive.embedder, mode="abstractive",
                           generator=Pipeline.load(stance=False, mode="abstractive").generator)
    for name, pipe in (("extractive", extractive), ("abstractive + guard", abstractive)):
        t0 = time.perf_counter()
        results = pipe.summarize_many(clusters, progress=False)
        secs = time.perf_counter() - t0
        summaries = [r.summary for r in results]
        r = {k: round(sum(v) / len(v), 2) for k, v in rouge_f1(summaries, refs).items()}
        words = sum(len(s.split()) for s in summaries)
        loaded = 100 * sum(len(loaded_words(s)) for s in summaries) / max(1, words)
        replaced = Counter(x["part"] for res in results for x in res.guard.replaced)
        refused = Counter(w for res in results for x in res.guard.replaced for w in x["unsupported"])
        print(f"{name}: {r} words {words / len(summaries):.1f} loaded/100 {loaded:.2f} {secs:.0f} s; "
              f"guard replaced {dict(replaced)} in {sum(1 for res in results if res.guard.replaced)} of "
              f"{len(results)} summaries; most refused: {refused.most_common(8)}", flush=True)


if __name__ == "__main__":
    main()
