"""The evenhand checkpoint folder: weights (safetensors only), tokenizer, and a manifest.

    my-checkpoint/
      evenhand.json                  # manifest: version, task, base model, config, file hashes
      adapter_config.json + adapter_model.safetensors    (LoRA)   or
      config.json + model.safetensors                    (full weights)
      tokenizer.json, tokenizer_config.json, ...

The manifest records the sha256 of every weight file, so a truncated or altered file
is caught before torch reads it. Saves go to a temporary folder renamed into place,
so a crash mid-save never leaves a folder that looks complete.
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
FORMAT_VERSION = 1
WEIGHT_SUFFIXES = (".safetensors",)
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")


@dataclass
class Manifest:
    task: str  # "summarizer" | "stance"
    base_model: str | None  # what the adapter sits on (offline name, hub id or folder); None for full weights
    architecture: str  # "causal" | "seq2seq" | "encoder"
    adapter: bool
    config: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # weight file -> sha256
    evenhand_version: str = __version__
    format: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)


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
        weights = sorted(p for p in tmp.iterdir() if p.suffix in WEIGHT_SUFFIXES)
        if not weights:
            raise CheckpointError(f"saving produced no .safetensors weights in {tmp}")
        manifest.files = {p.name: sha256_file(p) for p in weights}
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
        if not manifest.files:
            raise CheckpointError(f"{mfile} lists no weight files")
        for name, digest in manifest.files.items():
            wfile = path / name
            if not wfile.exists():
                raise CheckpointError(f"{path}: weight file {name} is missing")
            if sha256_file(wfile) != digest:
                raise CheckpointError(
                    f"{path}: weight file {name} does not match the hash in {MANIFEST} "
                    "(truncated, partially copied or altered); re-copy or re-train the checkpoint"
                )
        needed = ["adapter_config.json"] if manifest.adapter else ["config.json"]
        for name in needed:
            if not (path / name).exists():
                raise CheckpointError(f"{path}: {name} is missing")
    return manifest


def is_checkpoint(path: str | Path) -> bool:
    return (Path(path) / MANIFEST).exists()
