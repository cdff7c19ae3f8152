"""Where the bundled default checkpoints live: evenhand/default_checkpoints/<task>/ (package data)."""

from __future__ import annotations

from pathlib import Path

from evenhand.errors import CheckpointError


def defaults_dir() -> Path:
    import evenhand

    return Path(evenhand.__file__).resolve().parent / "default_checkpoints"


def default_checkpoint_or_none(task: str) -> Path | None:
    folder = defaults_dir() / task
    return folder if (folder / "evenhand.json").exists() else None


def default_checkpoint(task: str) -> Path:
    folder = default_checkpoint_or_none(task)
    if folder is None:
        raise CheckpointError(
            f"no bundled default {task} checkpoint is installed ({defaults_dir() / task}); pass model=PATH "
            "(a folder written by `evenhand train`)"
        )
    return folder
