"""The evenhand checkpoint folder: weights (safetensors only), tokenizer, and a manifest.

    my-checkpoint/
      evenhand.json                  # manifest: version, task, base model, config, file hashes
      adapter_config.json + adapter_model.safetensors    (LoRA)   or
      config.json + model.safetensors                    (full weights)
      tokenizer.json, tokenizer_config.json, train_config.yaml, ...
      README.md                      # model card: the one file not hashed

The manifest records the sha256 of every file that changes what the model does (weights,
configs, tokenizer) and a hash of itself (it holds the config and generation defaults),
so a truncated, altered or hand-edited checkpoint is refused before torch reads it; to
change a setting, re-export (`evenhand export CHECKPOINT --out NEW --set KEY=VALUE`).
Saves go to a temporary folder renamed into place, so a crash mid-save never leaves a
folder that looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from evenhand import __version__
from evenhand.errors import CheckpointError

MANIFEST = "evenhand.json"
FORMAT_VERSION = 2  # 1 hashed the weights only
UNHASHED = ("README.md",)  # the model card: `evenhand card` rewrites it, and it changes no output
WEIGHT_SUFFIXES = (".safetensors",)
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")


@dataclass
class Manifest:
    task: str  # "summarizer" | "stance"
    base_model: str | None  # what the adapter sits on (offline name, hub id or folder); None for full weights
    architecture: str  # "causal" | "seq2seq" | "encoder"
    adapter: bool
    config: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # every file but the card and the manifest -> sha256
    evenhand_version: str = __version__
    format: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)  # train_metrics, generation defaults, labels
    digest: str = ""  # sha256 of all the fields above, as written


def manifest_digest(manifest: Manifest) -> str:
    body = {k: v for k, v in asdict(manifest).items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_checkpoint(out_dir: str | Path, save_fn: Callable[[Path], None], manifest: Manifest) -> Path:
    """Run `save_fn(tmp_folder)` (which writes weights and tokenizer), hash, then move into place."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    # mkdtemp makes the folder private (0700); a checkpoint should get the usual umask permissions.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    try:
        save_fn(tmp)
        for bad in tmp.iterdir():
            if bad.suffix in PICKLE_SUFFIXES:
                bad.unlink()
        if manifest.adapter and manifest.base_model:
            portable_adapter_config(tmp, manifest.base_model)
        if not any(p.suffix in WEIGHT_SUFFIXES for p in tmp.iterdir()):
            raise CheckpointError(f"saving produced no .safetensors weights in {tmp}")
        for p in tmp.iterdir():  # safetensors writes 0600; a checkpoint is shared like any other file
            os.chmod(p, 0o666 & ~umask)
        manifest.files = {p.name: sha256_file(p) for p in _hashed_files(tmp)}
        manifest.digest = manifest_digest(manifest)
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(asdict(manifest), fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            out_dir.rename(old)
        tmp.rename(out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def read_manifest(path: str | Path, *, verify: bool = True, task: str | None = None) -> Manifest:
    """Check a checkpoint folder and return its manifest; every failure is a CheckpointError."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint folder not found: {path}")
    if not path.is_dir():
        raise CheckpointError(f"{path} is a file; a checkpoint is a folder with {MANIFEST} and .safetensors weights")
    mfile = path / MANIFEST
    if not mfile.exists():
        pickles = [p.name for p in path.iterdir() if p.suffix in PICKLE_SUFFIXES]
        hint = f" It holds pickle weights {pickles}, which evenhand never loads." if pickles else ""
        raise CheckpointError(
            f"{path} is not an evenhand checkpoint: {MANIFEST} is missing (was it written by `evenhand train`, "
            f"or did a save stop half-way?).{hint}"
        )
    try:
        data = json.loads(mfile.read_text(encoding="utf-8"))
        fmt = int(data.get("format", 0))
        if fmt > FORMAT_VERSION:
            raise CheckpointError(
                f"{path} was written by evenhand {data.get('evenhand_version')} in checkpoint format {fmt}; "
                f"this evenhand ({__version__}) reads format {FORMAT_VERSION} at most: upgrade evenhand"
            )
        manifest = Manifest(**data)
    except CheckpointError:
        raise
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{mfile} is damaged or from an incompatible evenhand version: {exc}") from None
    if task is not None and manifest.task != task:
        raise CheckpointError(f"{path} is a '{manifest.task}' checkpoint; a '{task}' checkpoint was expected")
    if verify:
        verify_checkpoint(path, manifest)
    return manifest


def _hashed_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.name != MANIFEST and p.name not in UNHASHED and not p.name.startswith("."))


def verify_checkpoint(path: Path, manifest: Manifest) -> None:
    """Every hashed file present and unchanged, no file added, the manifest itself unedited."""
    rebuild = f"rebuild it from its weights with `evenhand export {path} --out {path}`"
    if manifest.format < FORMAT_VERSION:
        raise CheckpointError(f"{path}: checkpoint format {manifest.format} hashed only the weight files; {rebuild}")
    if manifest.digest != manifest_digest(manifest):
        raise CheckpointError(
            f"{path}: {MANIFEST} was edited after the checkpoint was written (its config, generation defaults "
            f"or file hashes no longer match its own hash); to change a setting, re-export with "
            f"`evenhand export {path} --out NEW --set KEY=VALUE`, or re-copy the checkpoint"
        )
    if not any(Path(name).suffix in WEIGHT_SUFFIXES for name in manifest.files):
        raise CheckpointError(f"{path / MANIFEST} lists no weight files")
    verify_files(path, manifest.files)
    added = [p.name for p in _hashed_files(path) if p.name not in manifest.files]
    if added:
        raise CheckpointError(f"{path}: {', '.join(added)} not listed in {MANIFEST} (added after the checkpoint was "
                              f"written); remove {'it' if len(added) == 1 else 'them'}, or {rebuild}")
    needed = ["adapter_config.json"] if manifest.adapter else ["config.json"]
    for name in needed:
        if not (path / name).exists():
            raise CheckpointError(f"{path}: {name} is missing")


def verify_files(path: Path, files: dict[str, str]) -> None:
    """Each of `files` (name -> sha256) exists in `path` with that hash."""
    for name, digest in files.items():
        kind = "weight file" if Path(name).suffix in WEIGHT_SUFFIXES else "file"
        if not (path / name).exists():
            raise CheckpointError(f"{path}: {kind} {name} is missing")
        if sha256_file(path / name) != digest:
            raise CheckpointError(
                f"{path}: {kind} {name} does not match the hash in {MANIFEST} "
                "(truncated, partially copied or altered); re-copy or re-train the checkpoint"
            )


def portable_adapter_config(folder: Path, base_model: str) -> None:
    """Name the base in adapter_config.json by its hub id (or as configured), not by this machine's
    cache folder, and drop peft's template README: a checkpoint is meant to be copied and shipped.
    Every task's adapter goes through here (write_checkpoint calls it).

    The loader never reads this name (it builds the base from the manifest's base_model).
    """
    from .resolve import OFFLINE_MODELS, canonical_name, hub_id_of

    path = Path(folder) / "adapter_config.json"
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        name = canonical_name(base_model)
        data["base_model_name_or_path"] = hub_id_of(name) if name in OFFLINE_MODELS else base_model
        # peft writes these name lists in set order and appends modules_to_save again on every load:
        # sorted and unique, the same adapter always gives the same file (and hash).
        for key in ("target_modules", "modules_to_save"):
            if isinstance(data.get(key), list):
                data[key] = sorted(set(data[key]))
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    readme = Path(folder) / "README.md"
    if readme.exists():
        readme.unlink()
