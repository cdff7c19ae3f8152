"""Val sweep of the selection settings: selector scores and similarities computed once per cluster.

    python scripts/selection_sweep.py --selector evenhand/default_checkpoints/selector --data data/neus/val.jsonl \
        --n 150 --grid '{"budget_words": [60, 75], "loaded_penalty": [0.5, 1.0]}'
    python scripts/selection_sweep.py ... --grid '{"compress": [[], ["charged"], ["parenthetical", "charged"]]}' \
        --vad-lexicon PATH/NRC-VAD-Lexicon.txt   # sentence compression (inference/compress.py), with arousal
    python scripts/selection_sweep.py --selector lead ...     # a lead-position prior instead of the selector
    python scripts/selection_sweep.py ... --oracle-deletion 0.5   # ceiling of a learned deleter (reads the reference)
    python scripts/selection_sweep.py ... --deleter runs/deleter_minilm/final --deleter-threshold 0.5 0.7

Prints ROUGE-1/2/L/Lsum (the eval's scorer), words, loaded words per 100 and, with --vad-lexicon, the NeuS
arousal (the paper's sum, mean over clusters) for each grid point. Used to pick
the shipped SelectionSettings on val; the test split is scored once, with `evenhand eval`.

--oracle-deletion T also deletes, after the compression rules, every optional phrase of a sentence
(compress.optional_subtrees: prepositional phrases, adverbial clauses, conjuncts, ...) whose content words are
less than a share T in the reference: the labels of `evenhand prepare deletion` (training/deletion.py). It
cheats (it reads the reference), so it is never a setting: it says how much a learned deleter could buy at best.
--deleter DIR makes the deletions a trained phrase deleter (`evenhand train configs/deleter_minilm.yaml`) gives
P(delete) >= each --deleter-threshold, on the --deleter-top best-scored body sentences of each cluster (the
only ones selection can reach; scoring every phrase of every sentence costs time).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--selector", required=True, help="a selector checkpoint folder, or 'lead' for 1/(1+position)")
    ap.add_argument("--data", default="data/neus/val.jsonl")
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--grid", default="{}", help="JSON: SelectionSettings field -> list of values")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--vad-lexicon", help="NRC-VAD-Lexicon.txt: also print arousal (never shipped; see METRICS.md)")
    ap.add_argument("--oracle-deletion", type=float, metavar="T",
                    help="also delete optional phrases with under a share T of their content words in the reference")
    ap.add_argument("--deleter", help="a phrase deleter checkpoint (task 'deleter')")
    ap.add_argument("--deleter-threshold", type=float, nargs="+", default=[0.5], metavar="T")
    ap.add_argument("--deleter-top", type=int, default=30, metavar="K")
    args = ap.parse_args()
    if args.deleter and args.oracle_deletion is not None:
        ap.error("--deleter and --oracle-deletion measure different deleters: give one")

    import torch

    from evenhand.corpus import read_jsonl
    from evenhand.evaluation.arousal import ArousalMetric, load_vad_lexicon
    from evenhand.evaluation.data import reference_text
    from evenhand.inference.selection import (best_sentences, candidates, context_text, deletions_above,
                                              scored_phrases, selector_pair, similarity)
    from evenhand.models.selector import PhraseDeleter, SentenceEmbedder, SentenceSelector
    from evenhand.text import article_body, parse_all

    torch.set_num_threads(args.threads)
    clusters = read_jsonl(args.data)[: args.n]
    refs = [reference_text(c) for c in clusters]
    parse_all(article_body(a) for c in clusters for a in c.articles)
    embedder = SentenceEmbedder.load()
    selector = None if args.selector == "lead" else SentenceSelector.load(args.selector)
    t0, cached = time.perf_counter(), []
    for c in clusters:
        cands = candidates(c)
        if selector is None:
            scores = [1.0 / (1 + cd.position) if cd.kind == "sentence" else 0.5 for cd in cands]
        else:
            contexts = {a: context_text(cands, a) for a in range(len(c.articles))}
            scores = selector.score([selector_pair(cd, contexts[cd.article]) for cd in cands])
        cached.append((c, cands, scores, similarity(embedder.embed([cd.text for cd in cands]))))
    print(f"scored {len(clusters)} clusters in {time.perf_counter() - t0:.1f} s ({args.selector})")
    arousal = ArousalMetric(load_vad_lexicon(args.vad_lexicon)) if args.vad_lexicon else None
    grid = json.loads(args.grid)
    variants = [("", [None] * len(clusters))]  # (label, each cluster's compressed() extra)
    if args.oracle_deletion is not None:
        variants = [(f"oracle deletion {args.oracle_deletion} ", [oracle_deletions(ref, args.oracle_deletion)
                                                                 for ref in refs])]
    if args.deleter:
        deleter, t0, scored = PhraseDeleter.load(args.deleter), time.perf_counter(), []
        for c, cands, scores, _ in cached:
            scored.append(scored_phrases(c, cands, deleter, only=best_sentences(cands, scores, args.deleter_top)))
        n = sum(len(g) for sc in scored for g in sc.values())
        print(f"deleter scored {n} phrases in {time.perf_counter() - t0:.1f} s ({args.deleter})")
        variants = [(f"deleter>={t} ", [deletions_above(sc, t) for sc in scored]) for t in args.deleter_threshold]
    for label, extras in variants:
        sweep(label, extras, grid, cached, refs, arousal)


def sweep(label, extras, grid, cached, refs, arousal) -> None:
    """Print the scores of every grid point with each cluster's compressed() `extra` deletions."""
    from evenhand.evaluation.rouge import rouge_f1
    from evenhand.inference.selection import SelectionSettings, compressed, select
    from evenhand.text import loaded_words

    cut: dict = {}  # (rules, threshold) -> each cluster's compressed candidates: computed once per setting
    for values in itertools.product(*grid.values()) if grid else [()]:
        settings = SelectionSettings(**dict(zip(grid, values)))  # a JSON list of rules becomes a tuple there
        summaries = []
        key = (settings.compress, settings.charged_threshold)
        if key not in cut:
            cut[key] = [compressed(c, cands, key[0], charged_threshold=key[1], extra=extra)
                        for (c, cands, _, _), extra in zip(cached, extras)]
        for (c, _, scores, sim), cands in zip(cached, cut[key]):
            chosen = select(cands, scores, sim, n_sources=len(c.articles), settings=settings)
            head = cands[chosen.headline].text + "\n" if chosen.headline is not None else ""
            summaries.append(head + " ".join(cands[i].text for i in chosen.body))
        r = {k: round(sum(v) / len(v), 2) for k, v in rouge_f1(summaries, refs).items()}
        words = sum(len(x.split()) for x in summaries)
        loaded = 100 * sum(len(loaded_words(x)) for x in summaries) / max(1, words)
        extra = ""
        if arousal is not None:
            a = [arousal.score(x, ref).total for x, ref in zip(summaries, refs)]
            extra = f" arousal {sum(a) / len(a):.2f}"
        print(label + str(dict(zip(grid, values))), r, f"words {words / len(summaries):.1f}",
              f"loaded/100 {loaded:.2f}{extra}", flush=True)


def oracle_deletions(reference: str, share: float):
    """compressed()'s `extra`: the optional phrases that `evenhand prepare deletion` would label delete."""
    from evenhand.inference.compress import optional_subtrees
    from evenhand.training.deletion import deletable, reference_words

    ref = reference_words(reference)

    def extra(_cand, span):
        toks = list(span)
        return [g for g in optional_subtrees(span) if deletable(toks, g, ref, share)]

    return extra


if __name__ == "__main__":
    main()
