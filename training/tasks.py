"""The training tasks: one entry each, mapping a config's `task:` to its config class and recipe module.

A recipe module has `train(cfg) -> Path | None` and `export_step(step_dir, cfg, out, metrics) -> Path`.
`evenhand train`, `evenhand export` and the tests look tasks up here, so a new task is one line.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path

from evenhand.errors import CheckpointError, ConfigError


@dataclass(frozen=True)
class Task:
    config: str  # "module:Class" of the config dataclass
    recipe: str  # module with train() and export_step()

    def config_class(self):
        module, name = self.config.split(":")
        return getattr(importlib.import_module(module), name)

    def module(self):
        return importlib.import_module(self.recipe)


TASKS = {
    "summarizer": Task("evenhand.training.config:SummarizerTrainConfig", "evenhand.training.summarizer"),
    "headline": Task("evenhand.training.config:HeadlineTrainConfig", "evenhand.training.summarizer"),
    "stance": Task("evenhand.training.stance:StanceTrainConfig", "evenhand.training.stance"),
    "selector": Task("evenhand.training.selector:SelectorTrainConfig", "evenhand.training.selector"),
}


def get_task(name: str, where: str = "config") -> Task:
    if name not in TASKS:
        raise ConfigError(f"{where}: unknown task {name!r}; expected one of {sorted(TASKS)}")
    return TASKS[name]


def load_task_config(path: str | Path, overrides: list[str]):
    """The config of the task that `path` (or a `task=` override) names, overrides applied."""
    from evenhand.config import load_config, parse_overrides, read_yaml

    task = parse_overrides([o for o in overrides if o.startswith("task=")]).get("task")
    task = task or read_yaml(path).get("task", "summarizer")
    return load_config(path, overrides, get_task(task, str(path)).config_class())


def train(cfg) -> Path | None:
    return get_task(cfg.task).module().train(cfg)


def export_step_checkpoint(step_dir: str | Path, out: str | Path, overrides: list[str] | None = None) -> Path:
    """Turn a Trainer step checkpoint (`<output_dir>/checkpoints/checkpoint-N`) of any task into an evenhand
    checkpoint; `overrides` (key=value) adjust what is recorded, e.g. generation.max_new_tokens=128."""
    step_dir = Path(step_dir)
    run_config = step_dir.parent.parent / "train_config.yaml"
    if not (step_dir / "trainer_state.json").exists():
        raise CheckpointError(f"{step_dir} is not a complete Trainer checkpoint (trainer_state.json missing)")
    if not run_config.exists():
        raise CheckpointError(f"{run_config} not found; export expects <output_dir>/checkpoints/checkpoint-N")
    cfg = load_task_config(run_config, overrides or [])
    history = json.loads((step_dir / "trainer_state.json").read_text())["log_history"]
    evals = [h["eval_loss"] for h in history if "eval_loss" in h]
    metrics = {"global_step": int(step_dir.name.split("-")[-1]), "best_eval_loss": min(evals) if evals else None,
               "last_eval_loss": evals[-1] if evals else None, "exported_from": str(step_dir)}
    return get_task(cfg.task).module().export_step(step_dir, cfg, Path(out), metrics)
