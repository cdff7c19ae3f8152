"""This machine's memory bandwidth from one thread (STREAM-like, numpy), and what it allows a decoder.

    python benchmarks/memory_bandwidth.py [--mib 512] [--gguf BASE.gguf [LORA.gguf]] [--decode]

Decoding one token at a time reads every weight once per token, so tokens/s cannot exceed
bandwidth / bytes of weights (plus the KV cache read at that position). numpy's copy and sum run on
one thread; arrays are far larger than the caches, and the best of several repeats is kept, as STREAM does.
With --decode, llama.cpp (one thread) decodes 64 tokens after a 348-token prompt (the benchmark's mean) with
those GGUFs, and the rate is set beside the limit: weights plus the f16 KV cache read at that position.
  copy: b[:] = a, counted as read + write (STREAM's convention)
  read: a.sum() over float32 (reads only, what a decoder mostly does)
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def best_seconds(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mib", type=int, default=512, help="array size (MiB), well above the last-level cache")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--gguf", nargs="*", default=[], help="GGUF files read per token (base, adapter): print the limit")
    ap.add_argument("--decode", action="store_true", help="also measure llama.cpp's decoding rate with --gguf")
    ap.add_argument("--position", type=int, default=348, help="prompt tokens before decoding (--decode)")
    args = ap.parse_args()
    n = args.mib * 2**20 // 4
    a = np.ones(n, dtype=np.float32)
    b = np.empty_like(a)
    nbytes = a.nbytes
    copy = 2 * nbytes / best_seconds(lambda: np.copyto(b, a), args.repeats)
    read = nbytes / best_seconds(lambda: a.sum(), args.repeats)
    print(f"copy {copy / 1e9:.1f} GB/s (read + write), read {read / 1e9:.1f} GB/s; {args.mib} MiB arrays, one thread")
    if args.gguf:
        import gguf

        reader = gguf.GGUFReader(args.gguf[0])
        weights = sum(int(t.n_bytes) for f in args.gguf for t in gguf.GGUFReader(f).tensors)
        arch = reader.fields["general.architecture"].contents()
        layers = reader.fields[f"{arch}.block_count"].contents()
        kv_dim = (reader.fields[f"{arch}.embedding_length"].contents() // reader.fields[f"{arch}.attention.head_count"].contents()
                  * reader.fields[f"{arch}.attention.head_count_kv"].contents())
        kv = args.position * layers * 2 * kv_dim * 2  # K and V, f16
        per_token = weights + kv
        print(f"read per token: weights {weights / 1e6:.1f} MB + KV cache at position {args.position} {kv / 1e6:.1f} MB "
              f"-> limit {read / per_token:.0f} tokens/s (read figure), {copy / per_token:.0f} tokens/s (copy figure)")
        if args.decode:
            from evenhand.inference.llamacpp import LlamaCppModel

            lm = LlamaCppModel(args.gguf[0], args.gguf[1] if len(args.gguf) > 1 else None, n_threads=1)
            prompt = list(np.random.default_rng(0).integers(100, 20000, size=args.position))
            rates, prefill = [], []
            for _ in range(3):
                lm._context(1, args.position + 64)
                t0 = time.perf_counter()
                lm.prefill(0, prompt)
                prefill.append(args.position / (time.perf_counter() - t0))
                t0 = time.perf_counter()
                for k in range(64):
                    lm._decode([(13, args.position + k, 0, True)])
                    lm._logits(0)
                rates.append(64 / (time.perf_counter() - t0))
            print(f"llama.cpp, one thread, best of 3: prompt {max(prefill):.0f} tokens/s; decoding {max(rates):.1f} tokens/s = "
                  f"{read / per_token / max(rates):.2f}x below the read-figure limit")


if __name__ == "__main__":
    main()
