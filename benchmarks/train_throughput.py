"""Training throughput on this machine: tokens/s and s/step, LoRA vs full fine-tuning.

    python benchmarks/train_throughput.py --data data/neus/train.jsonl --steps 4 --batch-size 4

Runs real optimizer steps (forward, backward, AdamW) on real NeuS examples, encoded
exactly as `evenhand train` encodes them; the first step is a warm-up and not timed.
"""

from __future__ import annotations

import argparse
import resource
import time

import torch


def measure(model, batches, steps: int) -> dict[str, float]:
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5)
    model.train()
    times, tokens = [], 0
    for i, batch in enumerate(batches[: steps + 1]):
        t0 = time.perf_counter()
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        if i:  # step 0 warms up allocators and kernels
            times.append(time.perf_counter() - t0)
            tokens += int(batch["attention_mask"].sum())
    return {"s_per_step": sum(times) / len(times), "tokens_per_s": tokens / sum(times)}


def main() -> None:
    from evenhand.corpus import read_jsonl
    from evenhand.models.loading import load_base_lm, load_tokenizer
    from evenhand.training.summarizer import CausalCollator, encode_example, linear_module_names

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-model", default="smollm2-135m-instruct")
    ap.add_argument("--data", default="data/neus/train.jsonl")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--max-source-tokens", type=int, default=448)
    ap.add_argument("--max-target-tokens", type=int, default=192)
    ap.add_argument("--lora-r", type=int, default=16)
    ap.add_argument("--top-layers", type=int, default=8, help="for mode lora-top: adapt only the top N blocks")
    ap.add_argument("--modes", nargs="+", default=["lora", "lora-top", "full"])
    args = ap.parse_args()

    tok = load_tokenizer(args.base_model)
    clusters = read_jsonl(args.data, require_summary=True)[: (args.steps + 1) * args.batch_size]
    feats = [encode_example(c, tok, max_source_tokens=args.max_source_tokens, max_target_tokens=args.max_target_tokens,
                            is_encoder_decoder=False, rng=None) for c in clusters]
    collate = CausalCollator(tok.pad_token_id)
    batches = [collate(feats[i:i + args.batch_size]) for i in range(0, len(feats), args.batch_size)]
    print(f"threads={torch.get_num_threads()} batch={args.batch_size} mean seq len="
          f"{sum(len(f['input_ids']) for f in feats) / len(feats):.0f}")
    print(f"{'mode':<6} {'s/step':>8} {'tokens/s':>9} {'peak RSS MiB':>13}")
    for mode in args.modes:
        model, _ = load_base_lm(args.base_model)
        if mode.startswith("lora"):
            from peft import LoraConfig, TaskType, get_peft_model

            n = model.config.num_hidden_layers
            layers = list(range(n - args.top_layers, n)) if mode == "lora-top" else None
            targets = linear_module_names(model) if layers else "all-linear"
            model = get_peft_model(model, LoraConfig(task_type=TaskType.CAUSAL_LM, r=args.lora_r, lora_alpha=2 * args.lora_r,
                                                     target_modules=targets, layers_to_transform=layers))
        r = measure(model, batches, args.steps)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{mode:<6} {r['s_per_step']:>8.2f} {r['tokens_per_s']:>9.0f} {rss:>13.0f}")
        del model


if __name__ == "__main__":
    main()
