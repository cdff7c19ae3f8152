"""Does the bundled abstractive summarizer fuse when it reads only the selected sentences? (No training.)

    HF_HUB_OFFLINE=1 python scripts/fusion_probe.py --data data/neus/val.jsonl --n 48 \
        --vad-lexicon /path/to/NRC-VAD-Lexicon.txt

Issue 11's fusion mode would write the body from the selected sentences instead of copying them. Before
training a model for that, this probe feeds the summarizer that exists (trained on whole articles ->
roundup) each outlet's title plus its selected sentences (its lead sentence when none was selected), and
compares, on the same clusters: the extractive default; the summarizer on the whole articles; the
summarizer on the selected sentences. Generated text is scored raw and after the pipeline's guard, which
checks it against the *whole* articles and replaces an unsupported sentence with the closest selected one.
With --fusion CKPT, a third generator: a summarizer trained on such clusters (selected sentences -> reference).
Prints ROUGE-1/2/L/Lsum (the eval's scorer), words per summary and, with --vad-lexicon, NeuS arousal.
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="data/neus/val.jsonl")
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fusion", default=None, metavar="CKPT",
                    help="also a summarizer checkpoint trained on selected-sentence clusters (scripts/select_clusters.py)")
    ap.add_argument("--copy-bias", type=float, default=None, help="the fusion model's copy_bias (default: its stored one)")
    ap.add_argument("--no-summarizer", action="store_true", help="skip the bundled summarizer's two rows")
    ap.add_argument("--vad-lexicon", default=None, help="NRC-VAD-Lexicon.txt (not shipped): also report arousal")
    args = ap.parse_args()

    import torch

    from evenhand.corpus import read_jsonl
    from evenhand.evaluation.data import reference_text
    from evenhand.evaluation.rouge import rouge_f1
    from evenhand.inference.summarizer import Summarizer
    from evenhand.pipeline import Pipeline

    torch.set_num_threads(args.threads)
    clusters = read_jsonl(args.data)[: args.n]
    refs = [reference_text(c) for c in clusters]
    extractive = Pipeline.load(stance=False)
    out = {"extractive": [r.summary for r in extractive.summarize_many(clusters, progress=False)]}

    selected = [extractive.selected_only(c) for c in clusters]

    generator = None if args.no_summarizer else Summarizer.load()
    runs = [] if args.no_summarizer else [("summarizer, whole articles", generator, clusters),
                                          ("summarizer, selected sentences", generator, selected)]
    if args.fusion:
        runs.append(("fusion model, selected sentences", Summarizer.load(args.fusion), selected))
    for name, generator, inputs in runs:
        gen = {"copy_bias": args.copy_bias} if args.copy_bias is not None and name.startswith("fusion") else {}
        guarded = Pipeline(selector=extractive.selector, embedder=extractive.embedder, generator=generator,
                           mode="abstractive")
        t0 = time.perf_counter()
        generated = generator.summarize_many(inputs, batch_size=args.batch_size, progress=True, **gen)
        # The pipeline's guard, against the original cluster (all its articles).
        results = [guarded.guard(c, g.summary) for c, g in zip(clusters, generated)]
        replaced = sum(len(r.guard.replaced) for r in results)
        print(f"{name}: {time.perf_counter() - t0:.0f} s; the guard replaced {replaced} spans", flush=True)
        out[f"{name} (raw)"] = [g.summary for g in generated]
        out[f"{name} (guarded)"] = [r.summary for r in results]

    arousal = None
    if args.vad_lexicon:
        from evenhand.evaluation.arousal import ArousalMetric, load_vad_lexicon

        arousal = ArousalMetric(load_vad_lexicon(args.vad_lexicon))
    print(f"{len(clusters)} clusters of {args.data}")
    for name, summaries in out.items():
        r = {k: round(sum(v) / len(v), 2) for k, v in rouge_f1(summaries, refs).items()}
        words = sum(len(x.split()) for x in summaries) / len(summaries)
        extra = ""
        if arousal is not None:
            a = [arousal.score(x, ref).total for x, ref in zip(summaries, refs)]
            extra = f"  arousal {sum(a) / len(a):.2f}"
        print(f"{name:42s} R-1/2/L/Lsum {r['rouge1']:.2f} / {r['rouge2']:.2f} / {r['rougeL']:.2f} / "
              f"{r['rougeLsum']:.2f}  words {words:.1f}{extra}")


if __name__ == "__main__":
    main()
