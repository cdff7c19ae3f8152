"""The training tasks: one entry each, mapping a config's `task:` to its config class and recipe module.

A recipe module has `train(cfg) -> Path | None` and `export_step(src, cfg, out, metrics, tokenizer=...) -> Path`
(weights already on disk, a Trainer step or a checkpoint folder, saved again as an evenhand checkpoint).
`evenhand train`, `evenhand export` and the tests look tasks up here, so a new task is one line.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from evenhand.errors import ConfigError


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
    "deleter": Task("evenhand.training.deletion:DeleterTrainConfig", "evenhand.training.deletion"),
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
