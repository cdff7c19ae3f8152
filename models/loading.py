"""Load base LMs and evenhand summarizer checkpoints (safetensors only, no remote code)."""

from __future__ import annotations

import logging
from pathlib import Path

from evenhand.errors import CheckpointError, ModelResolutionError

from .checkpoint import Manifest, read_manifest
from .resolve import resolve_model

logger = logging.getLogger(__name__)


def load_tokenizer(name_or_path: str):
    from transformers import AutoTokenizer

    path = resolve_model(name_or_path)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    except OSError as exc:
        raise ModelResolutionError(f"could not load a tokenizer from {path}: {exc}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_base_lm(name_or_path: str, *, dtype=None):
    """Return (model, is_encoder_decoder) for a causal or encoder-decoder LM."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM

    path = resolve_model(name_or_path)
    try:
        config = AutoConfig.from_pretrained(path, trust_remote_code=False)
    except OSError as exc:
        raise ModelResolutionError(f"could not load a model config from {path}: {exc}") from None
    is_encoder_decoder = bool(getattr(config, "is_encoder_decoder", False))
    cls = AutoModelForSeq2SeqLM if is_encoder_decoder else AutoModelForCausalLM
    kwargs = {"trust_remote_code": False, "use_safetensors": True}
    if dtype is not None:
        kwargs["dtype"] = dtype
    try:
        model = cls.from_pretrained(path, **kwargs)
    except (OSError, ValueError) as exc:
        raise ModelResolutionError(f"could not load {cls.__name__} weights (safetensors) from {path}: {exc}") from None
    return model, is_encoder_decoder


GENERATOR_TASKS = ("summarizer", "headline")  # language models that evenhand prompts and decodes


def read_generator_manifest(path: str | Path) -> Manifest:
    """The manifest of a generator checkpoint (summarizer or headline); any other task is a CheckpointError."""
    path = Path(path)
    manifest: Manifest = read_manifest(path)
    if manifest.task not in GENERATOR_TASKS:
        raise CheckpointError(f"{path} is a '{manifest.task}' checkpoint; a generator ({' or '.join(GENERATOR_TASKS)}) "
                              "checkpoint was expected")
    return manifest


def load_checkpoint_tokenizer(path: str | Path):
    """The tokenizer saved in a checkpoint folder (every backend encodes with it)."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(Path(path), trust_remote_code=False)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: the tokenizer files are missing or damaged: {exc}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_summarizer_checkpoint(path: str | Path, *, dtype=None, merge: bool = True):
    """Return (model, tokenizer, manifest) for a checkpoint folder written by `evenhand train`."""
    path = Path(path)
    manifest = read_generator_manifest(path)
    tokenizer = load_checkpoint_tokenizer(path)
    if manifest.adapter:
        from peft import PeftModel

        base, _ = load_base_lm(manifest.base_model, dtype=dtype)
        try:
            model = PeftModel.from_pretrained(base, str(path), is_trainable=False)
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            raise CheckpointError(f"{path}: the LoRA adapter does not fit base model {manifest.base_model!r}: {exc}") from None
        if merge:
            # Merged weights generate as fast as the base model; the adapter stays on disk.
            model = model.merge_and_unload()
    else:
        model, _ = load_base_lm(str(path), dtype=dtype)
    model.eval()
    return model, tokenizer, manifest
