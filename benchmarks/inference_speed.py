"""Summarization speed on this CPU: the naive path against evenhand's, on the same clusters, in one run.

    python benchmarks/inference_speed.py --data data/neus/test.jsonl --n 32 --threads 1

Paths (all greedy, the same prompts, the same max_new_tokens = min_new_tokens, the same
no-repeat-4-gram and repetition-penalty settings, so every path generates the same number of
tokens and the outputs are comparable):

  naive         float32 model, one cluster at a time, plain `model.generate` (its default KV cache)
  batched-fp32  evenhand Summarizer: length-sorted batches, left padding, KV cache, float32
  batched-int8  the same with quantize="int8" (int8 attention + gate/up projections; see inference/quantize.py)
  batched-int8-all  the same with quantize="int8-all" (every Linear int8, per-tensor)
  single-int8   (--paths) quantize="int8", one cluster at a time: int8's share of the speed-up alone
  llamacpp-single   evenhand Summarizer with backend llama.cpp (inference/llamacpp.py), as Summarizer.load
                (backend="llama.cpp") runs it: SmolLM2's Q4_1 values stored in F16 plus, with --checkpoint, the
                adapter as a LoRA GGUF; one cluster at a time
  llamacpp-batched  the same, --batch-size sequences decoding together (one KV slot each)
  llamacpp-q4_1     the same as llamacpp-single on the shipped Q4_1 file as it is (weights="native")
  no-cache      (--no-cache-clusters K) naive without the KV cache, on the first K clusters only

The clusters are sorted by prompt length and cut into batch-size chunks, exactly the buckets
`summarize_many` makes; for each chunk every path runs back to back (the order rotating), so
load from other processes on a shared machine hits all paths alike. Peak memory is sampled from
/proc (VmRSS) while each path runs; all models stay loaded, so "delta" (growth over the RSS when
the path started: activations and KV cache) is the per-path figure. ROUGE is against the
references and against the naive outputs. For the llama.cpp paths, "agree" is greedy top-1 agreement with
torch float32, teacher-forced: llama.cpp reads the torch float32 path's prompt + output tokens, and at every
output position its raw argmax is compared with torch's (so one early difference does not count as all
later ones); "prefix" is the share of torch's output tokens before the first free-running difference. Then one synthetic 20-article x 2,000-word cluster
(text generated below, invented) goes through the fastest path.

Without --checkpoint the model is the untrained base SmolLM2-135M-Instruct (offline name
`smollm2-135m-instruct`), so the benchmark needs no training run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
from pathlib import Path

import torch


class RssSampler:
    """Samples this process's resident memory every few ms; `window()` gives the peak since `start()`."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)

    def start(self) -> int:
        now = self.rss()
        self.peak = now
        return now

    def close(self) -> None:
        self._stop.set()


class PathStats:
    def __init__(self, name: str, batch: int, weights: int):
        self.name, self.batch, self.weights = name, batch, weights
        self.seconds = 0.0
        self.new_tokens = 0
        self.clusters = 0
        self.peak = 0
        self.delta = 0
        self.outputs: dict[str, str] = {}

    def add(self, seconds: float, results: list[tuple[str, str, int]], start_rss: int, peak_rss: int) -> None:
        self.seconds += seconds
        self.clusters += len(results)
        for cid, text, n in results:
            self.outputs[cid] = text
            self.new_tokens += n
        self.peak = max(self.peak, peak_rss)
        self.delta = max(self.delta, peak_rss - start_rss)

    @property
    def per_minute(self) -> float:
        return 60.0 * self.clusters / self.seconds if self.seconds else 0.0


def invented_long_cluster(n_articles: int = 20, words: int = 2000, seed: int = 7) -> dict:
    """A made-up event (a port strike in an invented country), n_articles outlets x `words` words each."""
    rng = random.Random(seed)
    who = ["The dock workers' union", "The port authority", "The transport minister", "Shipping companies",
           "Local traders", "Opposition lawmakers", "Union leader Mara Tenvik", "The harbour police",
           "Economists at the national bank", "Residents of the old quarter", "Farm exporters", "The prime minister"]
    did = ["said", "warned", "argued", "denied", "insisted", "confirmed", "complained", "told reporters",
           "estimated", "promised"]
    what = ["that the strike would continue until wages rose", "that talks could resume on Thursday",
            "that perishable cargo was rotting on the quays", "that the government had refused to negotiate",
            "that the losses already exceeded forty million crowns", "that the union's demands were reasonable",
            "that the army should not be used to unload ships", "that ferry services to the islands were cut",
            "that fuel deliveries were being rerouted through the northern terminal",
            "that a mediator from the labour court had been appointed"]
    tails = ["", " on Monday", " late on Tuesday", " in a written statement", " at a crowded briefing",
             " according to a regional newspaper", " while hundreds marched outside"]
    slants = ["calm", "angry", "hopeful", "sceptical", "alarmed"]
    articles = []
    for k in range(n_articles):
        mood = slants[k % len(slants)]
        sentences = [f"In a {mood} report, outlet {k + 1} described the fourth week of the Kestrel port strike."]
        count = len(sentences[0].split())
        while count < words:
            s = f"{rng.choice(who)} {rng.choice(did)} {rng.choice(what)}{rng.choice(tails)}."
            sentences.append(s)
            count += len(s.split())
        text = " ".join(" ".join(sentences).split()[:words])
        articles.append({"source": f"Outlet {k + 1}", "title": f"Port strike, week four ({mood} view)", "text": text})
    return {"id": "synthetic-long-20x2000", "articles": articles}


def _pct(x) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


def load_llamacpp(args, weights: str):
    """A llama.cpp model for the llamacpp paths: SmolLM2's GGUF (weights "f16" or "native", see
    models/gguf_export.base_gguf), plus the checkpoint's adapter as a LoRA GGUF with --checkpoint."""
    from evenhand.inference.llamacpp import LlamaCppModel
    from evenhand.models.gguf_export import base_gguf, checkpoint_ggufs

    paths = (checkpoint_ggufs(args.checkpoint, weights=weights) if args.checkpoint
             else (base_gguf(args.base_model, weights), None))
    return LlamaCppModel(*paths, n_threads=torch.get_num_threads())


def gguf_bytes(model) -> int:
    """Bytes of weight tensors llama.cpp reads per decoded token: the GGUF's (token_embd doubles as the tied
    output head, so it is read whole) plus the LoRA adapter's."""
    import gguf

    return sum(int(t.n_bytes) for path in (model.model_path, model.lora_path) if path
               for t in gguf.GGUFReader(path).tensors)


def llama_agreement(llama_model, torch_model, torch_tokens, llama_new, paths) -> dict[str, dict[str, float]]:
    """Greedy agreement of llama.cpp with torch float32 (the naive path's tokens): teacher-forced top-1
    (the same for every llamacpp path: the model is the same), and free-running prefix share per path."""
    same = total = 0
    for prompt, new in torch_tokens.values():
        if not new:
            continue
        seq = prompt + new
        ours = llama_model.logits_for(seq)[len(prompt) - 1: len(seq) - 1].argmax(-1)
        with torch.inference_mode():
            theirs = torch_model(torch.tensor([seq])).logits[0, len(prompt) - 1: len(seq) - 1].argmax(-1).numpy()
        same += int((ours == theirs).sum())
        total += len(new)
    out = {}
    for name in paths:
        prefix = n = 0
        for prompt, new in torch_tokens.values():
            got = llama_new.get((name, tuple(prompt)))
            if got is None or not new:
                continue
            k = next((j for j, (a, b) in enumerate(zip(got, new)) if a != b), min(len(got), len(new)))
            prefix += k
            n += len(new)
        out[name] = {"agree": same / total if total else None, "prefix": prefix / n if n else None,
                     "agree_positions": total}
    return out


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-model", default="smollm2-135m-instruct")
    ap.add_argument("--checkpoint", default=None, help="a summarizer checkpoint folder instead of the base model")
    ap.add_argument("--data", default="data/neus/test.jsonl")
    ap.add_argument("--n", type=int, default=32, help="clusters (the first N of --data)")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--max-new-tokens", type=int, default=96, help="also min_new_tokens: every path generates exactly this")
    ap.add_argument("--max-source-tokens", type=int, default=448, help="the article budget (the training config's)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads for every path (default: torch's)")
    ap.add_argument("--copy-bias", type=float, default=0.0,
                    help="evenhand's copy_bias for every path (the bundled adapter decodes with 1.5)")
    ap.add_argument("--paths", nargs="+", default=["naive", "batched-fp32", "batched-int8"],
                    choices=["naive", "batched-fp32", "batched-int8", "batched-int8-all", "single-int8",
                             "llamacpp-single", "llamacpp-batched", "llamacpp-q4_1"])
    ap.add_argument("--no-cache-clusters", type=int, default=0, help="also time naive without KV cache on K clusters")
    ap.add_argument("--long-budgets", type=int, nargs="*", default=[448, 1536],
                    help="article budgets for the 20x2,000-word cluster (1536 = Summarizer default)")
    ap.add_argument("--long-path", default=None, help="path for the long cluster (default: the fastest)")
    ap.add_argument("--json-out", default=None, help="write all figures and outputs here")
    return ap.parse_args()


def load_paths(args):
    """The naive path's float model and evenhand's Summarizers around copies of it, with their stats."""
    from evenhand.inference.quantize import quantize_model, weight_bytes
    from evenhand.inference.summarizer import Summarizer
    from evenhand.models.loading import load_base_lm, load_summarizer_checkpoint, load_tokenizer

    def load_float():
        if args.checkpoint:
            model, tok, _ = load_summarizer_checkpoint(args.checkpoint)
            return model, tok
        model, _ = load_base_lm(args.base_model)
        return model.eval(), load_tokenizer(args.base_model)

    naive_model, tok = load_float()
    summarizers: dict[str, Summarizer] = {}
    llama_models = {}  # base weights ("f16", "native") -> LlamaCppModel, shared by the paths that use them
    for name in args.paths:
        if name == "naive":
            continue
        if name.startswith("llamacpp"):
            weights = "native" if name == "llamacpp-q4_1" else "f16"
            if weights not in llama_models:
                llama_models[weights] = load_llamacpp(args, weights)
            summarizers[name] = Summarizer(llama_models[weights], tok, is_encoder_decoder=False,
                                           max_source_tokens=args.max_source_tokens, name=name)
            continue
        mode = "int8-all" if name.endswith("int8-all") else "int8"
        model = naive_model if name == "batched-fp32" else quantize_model(load_float()[0], mode)
        if name == "single-int8" and "batched-int8" in summarizers:
            model = summarizers["batched-int8"].model
        summarizers[name] = Summarizer(model, tok, is_encoder_decoder=False, max_source_tokens=args.max_source_tokens,
                                       name=name, quantize=None if name == "batched-fp32" else mode)
    batch_of = {"naive": 1, "batched-fp32": args.batch_size, "batched-int8": args.batch_size,
                "batched-int8-all": args.batch_size, "single-int8": 1, "llamacpp-single": 1,
                "llamacpp-batched": args.batch_size, "llamacpp-q4_1": 1}
    models = {"naive": naive_model, **{k: s.model for k, s in summarizers.items()}}
    stats = {p: PathStats(p, batch_of[p], gguf_bytes(models[p]) if p.startswith("llamacpp") else weight_bytes(models[p]))
             for p in args.paths}

    return naive_model, tok, summarizers, llama_models, batch_of, stats


def make_naive(args, gen, tok, naive_model, budget):
    """The naive path (plain `model.generate`, one cluster at a time) and the token ids it produced."""
    from transformers import LogitsProcessorList

    from evenhand.inference.prompting import build_prompt
    from evenhand.inference.summarizer import SourceCopyBias

    naive_tokens: dict[str, tuple[list[int], list[int]]] = {}  # cluster id -> (prompt ids, new ids), for agreement

    def naive_one(cluster, use_cache: bool = True) -> tuple[str, str, int]:
        prompt = build_prompt(cluster, tok, max_source_tokens=budget)
        ids = tok(prompt.text, add_special_tokens=False, return_tensors="pt")
        with torch.inference_mode():
            extra = {} if use_cache else {"use_cache": False}
            if args.copy_bias:
                exclude = set(tok.all_special_ids) | {tok.pad_token_id}
                extra["logits_processor"] = LogitsProcessorList(
                    [SourceCopyBias(ids["input_ids"].tolist(), args.copy_bias, exclude)])
            plain = {k: v for k, v in gen.items() if k != "copy_bias"}
            out = naive_model.generate(**ids, pad_token_id=tok.pad_token_id, **plain, **extra)
        row = out[0, ids["input_ids"].shape[1]:].tolist()
        n = next((j for j, t in enumerate(row) if t == tok.eos_token_id), len(row))
        naive_tokens[cluster.id] = (ids["input_ids"][0].tolist(), row[:n])
        return cluster.id, tok.decode(row[:n], skip_special_tokens=True).strip(), n

    return naive_one, naive_tokens


def record_llama(llama_models):
    """Wrap each llama.cpp model so its new token ids are kept per (path, prompt), for the free-running agreement."""
    llama_new: dict[tuple[str, tuple[int, ...]], list[int]] = {}
    current = [""]
    def recorder(generate_ids):
        def recording(batch, gen_opts, **kw):
            rows = generate_ids(batch, gen_opts, **kw)
            for prompt_ids, row in zip(batch, rows):
                llama_new[(current[0], tuple(prompt_ids))] = row
            return rows
        return recording

    for m in llama_models.values():
        m.generate_ids = recorder(m.generate_ids)

    return llama_new, current


def compare(args, chunks, run_path, stats):
    """Every path on every chunk, back to back, the order rotating; returns the 1-min load averages seen."""
    sampler = RssSampler()
    load = []
    t_all = time.perf_counter()
    for k, chunk in enumerate(chunks):
        order = args.paths[k % len(args.paths):] + args.paths[: k % len(args.paths)]
        for name in order:
            start = sampler.start()
            t0 = time.perf_counter()
            res = run_path(name, chunk)
            dt = time.perf_counter() - t0
            stats[name].add(dt, res, start, max(sampler.peak, sampler.rss()))
            print(f"  chunk {k + 1}/{len(chunks)} {name:<16} {dt:7.1f} s", flush=True)
        load.append(os.getloadavg()[0])
    print(f"comparison took {time.perf_counter() - t_all:.0f} s; 1-min load average during it: "
          f"min {min(load):.2f} max {max(load):.2f}", flush=True)
    return load, sampler


def result_rows(args, stats, clusters, agreement):
    from evenhand.evaluation.rouge import rouge_f1
    from evenhand.evaluation.stats import bootstrap_ci

    refs = {c.id: c.summary for c in clusters}
    ids = [c.id for c in clusters]
    base = stats.get("naive")
    base_r = rouge_f1([base.outputs[i] for i in ids], [refs[i] for i in ids]) if base is not None else None
    rows = []
    for name in args.paths:
        st = stats[name]
        r = rouge_f1([st.outputs[i] for i in ids], [refs[i] for i in ids])
        mean = {t: sum(v) / len(v) for t, v in r.items()}
        same = vs_naive = None
        delta = {}
        if base is not None:
            # Paired by cluster: the change against torch float32 and its 95% cluster-bootstrap interval,
            # so that a difference of a few tenths on a few dozen clusters is read against its noise.
            delta = {t: bootstrap_ci([a - b for a, b in zip(r[t], base_r[t])]).to_dict() for t in r}
            same = sum(st.outputs[i] == base.outputs[i] for i in ids) / len(ids)
            rv = rouge_f1([st.outputs[i] for i in ids], [base.outputs[i] for i in ids])["rougeL"]
            vs_naive = sum(rv) / len(rv)
        rows.append({"path": name, "batch": st.batch, "seconds": st.seconds, "clusters_per_min": st.per_minute,
                     "new_tokens_per_s": st.new_tokens / st.seconds, "new_tokens": st.new_tokens,
                     "peak_rss_mib": st.peak / 2**20, "delta_rss_mib": st.delta / 2**20,
                     "weights_mib": st.weights / 2**20, "rouge": mean, "identical_to_naive": same,
                     "rougeL_vs_naive": vs_naive, "rouge_change_vs_naive": delta, **agreement.get(name, {})})
    return rows


def print_rows(rows, base):
    print()
    print(f"{'path':<16} {'batch':>5} {'s':>7} {'clust/min':>9} {'tok/s':>6} {'x naive':>7} {'peakRSS':>8} "
          f"{'dRSS':>6} {'weights':>7} {'R1':>6} {'R2':>6} {'RL':>6} {'=naive':>6} {'RL~naive':>8} {'agree':>6} {'prefix':>6}")
    for row in rows:
        ratio = row["clusters_per_min"] / base.per_minute if base else float("nan")
        row["speedup_vs_naive"] = ratio
        same = "" if row["identical_to_naive"] is None else f"{100 * row['identical_to_naive']:.0f}%"
        rv = "" if row["rougeL_vs_naive"] is None else f"{row['rougeL_vs_naive']:.1f}"
        print(f"{row['path']:<16} {row['batch']:>5} {row['seconds']:>7.1f} {row['clusters_per_min']:>9.2f} "
              f"{row['new_tokens_per_s']:>6.1f} {ratio:>6.2f}x {row['peak_rss_mib']:>7.0f}M {row['delta_rss_mib']:>5.0f}M "
              f"{row['weights_mib']:>6.0f}M {row['rouge']['rouge1']:>6.2f} {row['rouge']['rouge2']:>6.2f} "
              f"{row['rouge']['rougeL']:>6.2f} {same:>6} {rv:>8} {_pct(row.get('agree')):>6} {_pct(row.get('prefix')):>6}")
    print("(tok/s = generated tokens per second; R1/R2/RL = ROUGE F1 x100 against the references; "
          "=naive: outputs identical to the naive path's; RL~naive: ROUGE-L against the naive outputs; "
          "agree: teacher-forced greedy top-1 agreement with torch float32; prefix: free-running share before "
          "the first different token)")
    print("ROUGE change against naive (torch float32), mean [95% cluster-bootstrap interval]:")
    for row in rows:
        d = row.get("rouge_change_vs_naive") or {}
        if d and row["path"] != "naive":
            print(f"  {row['path']:<16} " + "  ".join(
                f"{t} {d[t]['mean']:+.2f} [{d[t]['low']:+.2f}, {d[t]['high']:+.2f}]" for t in ("rouge1", "rouge2", "rougeL")))


def kv_cache_check(args, clusters, naive_one):
    if not args.no_cache_clusters:
        return None
    subset = clusters[: args.no_cache_clusters]
    t0 = time.perf_counter()
    for c in subset:
        naive_one(c, use_cache=False)
    t_nc = time.perf_counter() - t0
    t0 = time.perf_counter()
    for c in subset:
        naive_one(c)
    t_c = time.perf_counter() - t0
    print(f"\nKV cache: naive on {len(subset)} cluster(s): {t_nc / len(subset):.1f} s/cluster without the cache, "
          f"{t_c / len(subset):.1f} s/cluster with it ({t_nc / t_c:.1f}x)")
    return {"clusters": len(subset), "s_per_cluster_no_cache": t_nc / len(subset),
            "s_per_cluster_cache": t_c / len(subset)}


def long_cluster_run(args, rows, summarizers, tok, gen, sampler):
    """The synthetic 20 x 2,000-word cluster through --long-path (default: the fastest evenhand path)."""
    from evenhand.corpus import to_cluster

    best = max((r for r in rows if r["path"] != "naive" and args.long_path in (None, r["path"])),
               key=lambda r: r["clusters_per_min"], default=None)
    if best and args.long_budgets:
        s = summarizers[best["path"]]
        raw = invented_long_cluster()
        words = sum(len(a["text"].split()) for a in raw["articles"])
        cluster = to_cluster(raw)
        full_tokens = sum(len(tok.encode(a.text, add_special_tokens=False)) for a in cluster.articles)
        print(f"\nlong cluster: {len(cluster.articles)} articles, {words} words, {full_tokens} tokens "
              f"(context {s.context_limit}), path {best['path']}")
        out = []
        for budget_long in args.long_budgets:
            s.max_source_tokens = budget_long
            start = sampler.start()
            t0 = time.perf_counter()
            (r,) = s.summarize_many([cluster], batch_size=1, progress=False, **gen)
            dt = time.perf_counter() - t0
            peak = max(sampler.peak, sampler.rss())
            print(f"  budget {budget_long:>5}: {dt:6.1f} s, prompt {r.input_tokens} tokens, truncated={r.truncated}, "
                  f"{r.generated_tokens} new tokens, peak RSS {peak / 2**20:.0f} MiB (+{(peak - start) / 2**20:.0f} MiB); "
                  f"headline: {r.headline[:70]!r}")
            out.append({"budget": budget_long, "seconds": dt, "input_tokens": r.input_tokens,
                                   "truncated": r.truncated, "generated_tokens": r.generated_tokens,
                                   "peak_rss_mib": peak / 2**20, "delta_rss_mib": (peak - start) / 2**20})
        return out
    return None


def main() -> None:
    from evenhand.corpus import read_jsonl
    from evenhand.inference.prompting import build_prompt
    from evenhand.inference.summarizer import Summarizer

    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    gen = {"max_new_tokens": args.max_new_tokens, "min_new_tokens": args.max_new_tokens, "do_sample": False,
           "num_beams": 1, "no_repeat_ngram_size": 4, "repetition_penalty": 1.1, "copy_bias": args.copy_bias}
    naive_model, tok, summarizers, llama_models, batch_of, stats = load_paths(args)
    clusters = read_jsonl(args.data, require_summary=True)[: args.n]
    probe = Summarizer(naive_model, tok, is_encoder_decoder=False, max_source_tokens=args.max_source_tokens)
    budget = probe._source_budget({**probe.generation, **gen})
    naive_one, naive_tokens = make_naive(args, gen, tok, naive_model, budget)
    llama_new, current = record_llama(llama_models)

    def run_path(name: str, chunk) -> list[tuple[str, str, int]]:
        current[0] = name
        if name == "naive":
            return [naive_one(c) for c in chunk]
        s = summarizers[name]
        rs = s.summarize_many(chunk, batch_size=batch_of[name], progress=False, **gen)
        return [(r.id, r.summary, r.generated_tokens) for r in rs]

    # Warm-up (kernel selection, allocator) on one short cluster per path; not timed.
    for s in summarizers.values():
        s.summarize_many(clusters[-1:], batch_size=1, progress=False, **{**gen, "max_new_tokens": 2, "min_new_tokens": 2})
    with torch.inference_mode():
        naive_model.generate(**tok("warm up", return_tensors="pt"), max_new_tokens=2, pad_token_id=tok.pad_token_id)
    lengths = {c.id: len(tok.encode(build_prompt(c, tok, max_source_tokens=budget).text, add_special_tokens=False))
               for c in clusters}
    ordered = sorted(clusters, key=lambda c: lengths[c.id], reverse=True)
    chunks = [ordered[i:i + args.batch_size] for i in range(0, len(ordered), args.batch_size)]
    print(f"threads={torch.get_num_threads()} clusters={len(clusters)} batch={args.batch_size} "
          f"new tokens={args.max_new_tokens} mean prompt={sum(lengths.values()) / len(lengths):.0f} tokens "
          f"model={args.checkpoint or args.base_model}", flush=True)
    load, sampler = compare(args, chunks, run_path, stats)

    agreement = {}
    if "naive" in stats:
        for weights, m in llama_models.items():
            agreement.update(llama_agreement(m, naive_model, naive_tokens, llama_new,
                                             [p for p in args.paths if p in summarizers and summarizers[p].model is m]))
    rows = result_rows(args, stats, clusters, agreement)
    print_rows(rows, stats.get("naive"))
    report = {"settings": vars(args), "threads": torch.get_num_threads(), "load_average": load, "paths": rows}
    kv = kv_cache_check(args, clusters, naive_one)
    if kv:
        report["kv_cache"] = kv
    long = long_cluster_run(args, rows, summarizers, tok, gen, sampler)
    if long:
        report["long"] = long
    sampler.close()
    if args.json_out:
        report["outputs"] = {name: stats[name].outputs for name in args.paths}
        Path(args.json_out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.json_out}")

if __name__ == "__main__":
    main()
