"""Val: a headline checkpoint's guarded headlines against the selector's best outlet title, both scored
against the reference titles.

    python scripts/headline_compare.py --headline runs/headline_smollm2/final --data data/neus/val.jsonl --n 64

Prints ROUGE-1/2/L/Lsum, words per headline, loaded words per 100, and how many generated headlines the
guard replaced with the best title; then the same for the model's own first headlines, unguarded. A headline
checkpoint is bundled only if it beats the best title here.
"""

from __future__ import annotations

import argparse


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--headline", required=True, help="a headline checkpoint folder (evenhand train configs/headline_smollm2.yaml)")
    ap.add_argument("--data", default="data/neus/val.jsonl")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--beams", type=int, default=1,
                    help="beam search with this many beams, all returned: the guard takes the first one it supports")
    args = ap.parse_args()

    import torch

    from evenhand.corpus import read_jsonl
    from evenhand.inference.summarizer import Summarizer
    from evenhand.pipeline import Pipeline

    torch.set_num_threads(args.threads)
    clusters = read_jsonl(args.data)[: args.n]
    refs = [c.summary.split("\n", 1)[0] for c in clusters]
    titles = Pipeline.load(stance=False, headline=False)
    beams = {"num_beams": args.beams, "num_return_sequences": args.beams} if args.beams > 1 else {}
    generated = Pipeline(titles.selector, titles.embedder, headline=Summarizer.load(args.headline),
                         headline_generation=beams)
    best = titles.summarize_many(clusters, progress=False)
    report("best title", [r.headline for r in best], refs, sum(len(r.guard.replaced) for r in best))
    results = generated.summarize_many(clusters, progress=False)
    report("headline model + guard", [r.headline for r in results], refs, sum(len(r.guard.replaced) for r in results))
    report("headline model, unguarded", [unguarded(r) for r in results], refs)


def unguarded(result) -> str:
    """The model's own first headline: the one the guard replaced, else the one it kept."""
    return next((x["text"] for x in result.guard.replaced if x["part"] == "headline"), result.headline)


def report(name: str, heads: list[str], refs: list[str], replaced: int | None = None) -> None:
    from evenhand.evaluation.rouge import rouge_f1
    from evenhand.text import loaded_words

    r = {k: round(sum(v) / len(v), 2) for k, v in rouge_f1(heads, refs).items()}
    words = sum(len(h.split()) for h in heads)
    loaded = 100 * sum(len(loaded_words(h)) for h in heads) / max(1, words)
    tail = f" guard replaced {replaced}" if replaced is not None else ""
    print(f"{name}: {r} words/headline {words / len(heads):.1f} loaded/100 {loaded:.2f}{tail}", flush=True)


if __name__ == "__main__":
    main()
