"""The llama.cpp backend: evenhand's summarizer generating through llama.cpp (llama-cpp-python).

    s = Summarizer.load(backend="llama.cpp")       # Pipeline.load(..., backend="llama.cpp"), --backend llama.cpp

It plays the role of the torch model inside `Summarizer` (summarizer and headline generators alike): the
Summarizer still builds and encodes the prompts (inference/prompting.py, its own tokenizer) and decodes the
tokens; this module only turns token-id prompts into new token ids. Why it is faster: decoding one token at a time is bound by memory
bandwidth and compute, and llama.cpp runs the base's GGUF weights with int8/f16 kernels where torch runs float32
(~540 MB read per token). By default the SmolLM2 base runs as its Q4_1 values stored in F16 (see
models/gguf_export.py, transcode_gguf: llama.cpp reads prompts in 3x faster from F16 than from Q4_1);
the LoRA adapter runs on top, unmerged, as llama.cpp applies adapters.

Generation options are mapped to exactly what torch's `generate` does for greedy decoding, as llama-cpp-python
LogitsProcessor callables `(input_ids, scores) -> scores` (numpy), applied in HF's order in evenhand's own
decode loop: repetition_penalty (HF's formula over prompt and output, not llama.cpp's last-64-token window),
no_repeat_ngram_size (llama.cpp has none), min_new_tokens, then copy_bias. The loop is evenhand's, on
llama.cpp's C API, because llama-cpp-python's `Llama.generate` runs one sequence at a time; here a batch of
prompts decodes together (one sequence per KV-cache slot, one token per sequence per llama_decode call).
Options that cannot be mapped (sampling, beams) are refused with an EvenhandError, never ignored.
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable, Sequence

import numpy as np

from evenhand.errors import EvenhandError

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    'the llama.cpp backend needs llama-cpp-python, which is not installed: pip install "evenhand[llamacpp]" '
    "(it compiles llama.cpp: ~10-15 min on 2 cores; scripts/setup.sh installs it)"
)
BACKENDS = ("torch", "llama.cpp")


def normalize_backend(name: str | None) -> str:
    key = (name or "torch").strip().lower()
    if key in ("torch", "pytorch", "transformers"):
        return "torch"
    if key in ("llama.cpp", "llamacpp", "llama-cpp", "gguf"):
        return "llama.cpp"
    raise EvenhandError(f"unknown backend {name!r}; expected one of {', '.join(BACKENDS)}")


def add_backend_argument(parser) -> None:
    """`--backend` for the commands that generate (summarize, eval)."""
    parser.add_argument("--backend", choices=BACKENDS, default="torch",
                        help="llama.cpp: generate with llama.cpp on the GGUF weights, faster on CPU "
                             '(needs pip install "evenhand[llamacpp]"; see README, Speed on CPU)')


def import_llama_cpp():
    """llama_cpp, or one EvenhandError line that says how to install it."""
    try:
        import llama_cpp
    except ImportError:
        raise EvenhandError(INSTALL_HINT) from None
    # llama.cpp prints every load step to stderr unless its logger says otherwise; keep errors only.
    lg = logging.getLogger("llama-cpp-python")
    if lg.level == logging.NOTSET:
        lg.setLevel(logging.ERROR)
    return llama_cpp


# -- generation options -------------------------------------------------------------------------------------

# Options torch's greedy generate() accepts that change nothing in greedy decoding, with the value that
# means "off": any other value is refused, because this backend could not honour it.
_GREEDY_ONLY = {"do_sample": False, "num_beams": 1, "num_beam_groups": 1, "diversity_penalty": 0.0,
                "length_penalty": 1.0, "early_stopping": False, "encoder_no_repeat_ngram_size": 0,
                "use_cache": True}
_SAMPLING = ("temperature", "top_p", "top_k", "typical_p")
MAPPED = ("max_new_tokens", "min_new_tokens", "repetition_penalty", "no_repeat_ngram_size", "copy_bias")


def check_generation(gen: dict[str, Any]) -> dict[str, Any]:
    """The options this backend honours, or an EvenhandError naming every one it cannot."""
    refused = []
    for key, off in _GREEDY_ONLY.items():
        value = gen.get(key)
        if value is not None and value != off:
            refused.append(f"{key}={value!r}")
    refused += [f"{k}={gen[k]!r}" for k in _SAMPLING if gen.get(k) is not None]
    unknown = set(gen) - set(_GREEDY_ONLY) - set(_SAMPLING) - set(MAPPED)
    refused += [f"{k}={gen[k]!r}" for k in sorted(unknown)]
    if refused:
        raise EvenhandError(
            f"the llama.cpp backend decodes greedily (one beam, no sampling) and cannot apply {', '.join(refused)}; "
            f"drop them or use backend='torch' (it maps: {', '.join(MAPPED)})"
        )
    if not gen.get("max_new_tokens"):
        raise EvenhandError("the llama.cpp backend needs max_new_tokens")
    return {k: gen.get(k) for k in MAPPED}


# -- logits processors (llama-cpp-python's LogitsProcessor signature; HF's semantics) ----------------------

class RepetitionPenalty:
    """HF RepetitionPenaltyLogitsProcessor: every token already in the sequence (prompt included) has its
    logit divided by `penalty` if positive, multiplied if negative."""

    def __init__(self, penalty: float):
        self.penalty = float(penalty)

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        ids = np.unique(input_ids)
        s = scores[ids]
        scores[ids] = np.where(s < 0, s * self.penalty, s / self.penalty)
        return scores


class NoRepeatNGram:
    """HF NoRepeatNGramLogitsProcessor: a token that would repeat an n-gram already in the sequence
    (prompt included) is banned."""

    def __init__(self, n: int):
        self.n = int(n)

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        n = self.n
        if len(input_ids) + 1 < n:
            return scores
        if n == 1:
            scores[np.unique(input_ids)] = -np.inf
            return scores
        windows = np.lib.stride_tricks.sliding_window_view(input_ids, n)
        prefix = input_ids[len(input_ids) - n + 1:]
        banned = windows[(windows[:, :-1] == prefix).all(axis=1), -1]
        scores[banned] = -np.inf
        return scores


class MinNewTokens:
    """HF MinNewTokensLengthLogitsProcessor: no end-of-sequence before `min_new` new tokens."""

    def __init__(self, prompt_len: int, min_new: int, eos_ids: Iterable[int]):
        self.prompt_len, self.min_new, self.eos = prompt_len, int(min_new), sorted(eos_ids)

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        if len(input_ids) - self.prompt_len < self.min_new:
            scores[self.eos] = -np.inf
        return scores


class SourceCopyBias:
    """numpy twin of inference.summarizer.SourceCopyBias (see there for why): + `bias` on the logits of the
    tokens of the row's own prompt, never on special or padding tokens."""

    def __init__(self, prompt: Sequence[int], bias: float, exclude: set[int], n_vocab: int):
        self.add = np.zeros(n_vocab, dtype=np.float32)
        ids = [t for t in set(prompt) - exclude if t < n_vocab]
        self.add[ids] = bias

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        scores += self.add
        return scores


def processors_for(prompt: Sequence[int], opts: dict[str, Any], *, eos: set[int], exclude: set[int], n_vocab: int) -> list:
    """The processors for one prompt, in the order HF's generate() applies them (custom ones last)."""
    out = []
    if opts.get("repetition_penalty") not in (None, 1.0):
        out.append(RepetitionPenalty(opts["repetition_penalty"]))
    if opts.get("no_repeat_ngram_size"):
        out.append(NoRepeatNGram(opts["no_repeat_ngram_size"]))
    if opts.get("min_new_tokens"):
        out.append(MinNewTokens(len(prompt), opts["min_new_tokens"], eos))
    bias = float(opts.get("copy_bias") or 0.0)
    if bias:
        out.append(SourceCopyBias(prompt, bias, exclude, n_vocab))
    return out


# -- the model ----------------------------------------------------------------------------------------------

class LlamaCppModel:
    """A GGUF model (plus an optional LoRA adapter GGUF) behind llama.cpp, generating from token ids.

    Stands where the torch model stands in `Summarizer`: `config.max_position_embeddings` is the context the
    prompt budget is clamped to, `generation_config` is None (the tokenizer's EOS ends a summary, as with a
    checkpoint folder), and `generate_ids` replaces `model.generate`.
    """

    generates_ids = True  # Summarizer._generate hands batches to generate_ids instead of torch

    def __init__(self, model_path: str | Path, lora_path: str | Path | None = None, *, n_threads: int | None = None,
                 n_batch: int = 512, f32_attention: bool = False):
        self.lib = import_llama_cpp()
        lib = self.lib
        lib.llama_backend_init()
        self.model_path, self.lora_path = str(model_path), str(lora_path) if lora_path else None
        params = lib.llama_model_default_params()
        self._model = lib.llama_model_load_from_file(self.model_path.encode(), params)
        if not self._model:
            raise EvenhandError(f"llama.cpp could not load {self.model_path}")
        self._lora = None
        if self.lora_path:
            self._lora = lib.llama_adapter_lora_init(self._model, self.lora_path.encode())
            if not self._lora:
                raise EvenhandError(f"llama.cpp could not load the LoRA adapter {self.lora_path} onto {self.model_path}")
        self.n_vocab = lib.llama_vocab_n_tokens(lib.llama_model_get_vocab(self._model))
        self.config = SimpleNamespace(max_position_embeddings=lib.llama_model_n_ctx_train(self._model))
        self.generation_config = None
        self.device = "cpu"
        if n_threads is None:
            import torch  # one thread setting for both backends: torch's (OMP_NUM_THREADS, torch.set_num_threads)

            n_threads = torch.get_num_threads()
        self.n_threads, self.n_batch = int(n_threads), int(n_batch)
        # llama.cpp keeps K/V in f16 and runs flash attention by default (~1e-3 relative on the logits);
        # f32_attention=True keeps them f32, for checking the rest against torch to float precision.
        self.f32_attention = f32_attention
        self._ctx = None
        self._ctx_shape = (0, 0)  # (sequences, tokens per sequence)
        self._batch = None

    # llama.cpp keeps one KV cache per context; it is (re)made only when a batch needs more sequences or a
    # longer context than the current one, so a run of same-size batches allocates once.
    def _context(self, n_seq: int, n_tokens: int):
        lib = self.lib
        if self._ctx is not None and self._ctx_shape[0] >= n_seq and self._ctx_shape[1] >= n_tokens:
            lib.llama_memory_clear(lib.llama_get_memory(self._ctx), True)
            return self._ctx
        self._free_context()
        per_seq = min(-(-n_tokens // 256) * 256, self.config.max_position_embeddings)
        p = lib.llama_context_default_params()
        p.n_ctx = per_seq * n_seq
        p.n_batch = p.n_ubatch = max(self.n_batch, n_seq)
        p.n_seq_max = n_seq
        p.kv_unified = False  # independent prompts: each attends only to its own slot
        p.n_threads = p.n_threads_batch = self.n_threads
        p.no_perf = True
        if self.f32_attention:
            p.type_k = p.type_v = lib.GGML_TYPE_F32
            p.flash_attn_type = lib.LLAMA_FLASH_ATTN_TYPE_DISABLED
        self._ctx = lib.llama_init_from_model(self._model, p)
        if not self._ctx:
            raise EvenhandError(f"llama.cpp could not make a context of {n_seq} x {per_seq} tokens")
        if self._lora is not None:
            adapters = (lib.llama_adapter_lora_p_ctypes * 1)(self._lora)
            if lib.llama_set_adapters_lora(self._ctx, adapters, 1, (ctypes.c_float * 1)(1.0)):
                raise EvenhandError(f"llama.cpp could not apply the adapter {self.lora_path}")
        if lib.llama_n_ctx_seq(self._ctx) < n_tokens:
            raise EvenhandError(f"llama.cpp gave {lib.llama_n_ctx_seq(self._ctx)} tokens per sequence; {n_tokens} needed")
        self._batch = lib.llama_batch_init(p.n_batch, 0, 1)
        self._ctx_shape = (n_seq, per_seq)
        return self._ctx

    def _decode(self, items: Sequence[tuple[int, int, int, bool]]) -> None:
        """One llama_decode of (token, position, sequence, want logits) items."""
        b = self._batch
        b.n_tokens = len(items)
        for j, (tok, pos, seq, out) in enumerate(items):
            b.token[j], b.pos[j], b.n_seq_id[j], b.logits[j] = tok, pos, 1, out
            b.seq_id[j][0] = seq
        rc = self.lib.llama_decode(self._ctx, b)
        if rc != 0:
            raise EvenhandError(f"llama.cpp decode failed (code {rc})")

    def _logits(self, j: int) -> np.ndarray:
        ptr = self.lib.llama_get_logits_ith(self._ctx, j)
        return np.ctypeslib.as_array(ptr, shape=(self.n_vocab,)).copy()

    def prefill(self, seq: int, prompt: Sequence[int]) -> np.ndarray:
        """Run a prompt into sequence slot `seq`; the logits after its last token."""
        for start in range(0, len(prompt), self.n_batch):
            chunk = prompt[start:start + self.n_batch]
            last = start + len(chunk) == len(prompt)
            self._decode([(t, start + k, seq, last and k == len(chunk) - 1) for k, t in enumerate(chunk)])
        return self._logits(-1)

    def generate_ids(self, batch: Sequence[list[int]], gen: dict[str, Any], *, stop: set[int],
                     exclude: set[int]) -> list[list[int]]:
        """Greedy continuations of every prompt in `batch` (new tokens, up to and without the first of `stop`).

        exclude: token ids copy_bias never boosts (special and padding tokens)."""
        opts = check_generation(gen)
        max_new = int(opts["max_new_tokens"])
        limit = self.config.max_position_embeddings
        longest = max(len(p) for p in batch)
        if longest + max_new > limit:
            raise EvenhandError(f"a prompt of {longest} tokens + max_new_tokens={max_new} exceeds the {limit}-token context")
        self._context(len(batch), longest + max_new)
        seqs = [np.array(p, dtype=np.int64) for p in batch]
        procs = [processors_for(p, opts, eos=stop, exclude=exclude, n_vocab=self.n_vocab) for p in batch]
        logits = {i: self.prefill(i, p) for i, p in enumerate(batch)}
        new: list[list[int]] = [[] for _ in batch]
        active = list(range(len(batch)))
        while active:
            feed = []
            for i in active:
                scores = logits[i]
                for proc in procs[i]:
                    scores = proc(seqs[i], scores)
                tok = int(np.argmax(scores))
                if tok in stop:
                    continue
                new[i].append(tok)
                seqs[i] = np.append(seqs[i], tok)
                if len(new[i]) < max_new:
                    feed.append(i)
            active = feed
            if feed:  # one decode step for all unfinished sequences
                self._decode([(int(seqs[i][-1]), len(seqs[i]) - 1, i, True) for i in feed])
                logits = {i: self._logits(j) for j, i in enumerate(feed)}
        return new

    def logits_for(self, tokens: Sequence[int]) -> np.ndarray:
        """Raw next-token logits after every position of `tokens` (teacher forcing), shape (len, n_vocab);
        for comparing with torch position by position."""
        self._context(1, len(tokens))
        rows = []
        for start in range(0, len(tokens), self.n_batch):
            chunk = tokens[start:start + self.n_batch]
            self._decode([(t, start + k, 0, True) for k, t in enumerate(chunk)])
            rows += [self._logits(k) for k in range(len(chunk))]
        return np.stack(rows)

    def _free_context(self) -> None:
        if self._batch is not None:
            self.lib.llama_batch_free(self._batch)
            self._batch = None
        if self._ctx is not None:
            self.lib.llama_free(self._ctx)
            self._ctx = None
        self._ctx_shape = (0, 0)

    def close(self) -> None:
        self._free_context()
        if self._lora is not None:
            self.lib.llama_adapter_lora_free(self._lora)
            self._lora = None
        if self._model:
            self.lib.llama_model_free(self._model)
            self._model = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass


def load_llamacpp_checkpoint(folder: str | Path, *, n_threads: int | None = None, weights: str = "f16"):
    """(LlamaCppModel, tokenizer, manifest) for a summarizer checkpoint folder: the base GGUF with the
    checkpoint's adapter as a LoRA GGUF, or the checkpoint's full weights as a GGUF (both cached).
    weights: "f16" (default: SmolLM2's Q4_1 values in F16, prompts read 3x faster) or "native" (the shipped
    Q4_1 file as it is); see models/gguf_export.py, transcode_gguf."""
    from evenhand.models.gguf_export import checkpoint_ggufs
    from evenhand.models.loading import load_checkpoint_tokenizer, read_generator_manifest

    import_llama_cpp()  # fail with the install line before any conversion work
    folder = Path(folder)
    manifest = read_generator_manifest(folder)
    if manifest.architecture != "causal":
        raise EvenhandError(f"{folder}: the llama.cpp backend runs causal LMs; this checkpoint is {manifest.architecture}")
    model_gguf, lora_gguf = checkpoint_ggufs(folder, manifest, weights=weights)
    tokenizer = load_checkpoint_tokenizer(folder)
    return LlamaCppModel(model_gguf, lora_gguf, n_threads=n_threads), tokenizer, manifest
