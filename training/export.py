"""Make an evenhand checkpoint folder from trained weights that are already on disk.

    evenhand export runs/summarizer_smollm2/checkpoints/checkpoint-100 --out my-checkpoint \
        --set generation.no_repeat_ngram_size=3
    evenhand export my-checkpoint --out my-checkpoint --set generation.copy_bias=1.5

The source is a Trainer step checkpoint (to ship an intermediate step: the run was
stopped early, or a later step over-fitted) or an evenhand checkpoint folder (to change a
recorded setting, or to rebuild a checkpoint written by an older evenhand: the checkpoint
hashes its own settings, so re-exporting is the way to change them). The config comes
from the run's `train_config.yaml` (beside `checkpoints/`), the checkpoint's own, or
`--config FILE`; the weights are loaded and saved again through the task's recipe (`export_step`, training/tasks.py),
so the result is exactly what `evenhand train` would have written.
"""

from __future__ import annotations

import json
from pathlib import Path

from evenhand.config import load_config, read_yaml
from evenhand.errors import CheckpointError
from evenhand.models.checkpoint import MANIFEST, read_manifest, verify_files

from .tasks import get_task


def _step_source(step_dir: Path) -> tuple[Path, dict, str | None]:
    """(run config, train metrics, tokenizer source) of a Trainer step checkpoint."""
    if not (step_dir / "trainer_state.json").exists():
        raise CheckpointError(f"{step_dir} is not a complete Trainer checkpoint (trainer_state.json missing)")
    run_config = step_dir.parent.parent / "train_config.yaml"
    if not run_config.exists():
        raise CheckpointError(f"{run_config} not found; export expects <output_dir>/checkpoints/checkpoint-N")
    history = json.loads((step_dir / "trainer_state.json").read_text())["log_history"]
    evals = [h["eval_loss"] for h in history if "eval_loss" in h]
    metrics = {"global_step": int(step_dir.name.split("-")[-1]), "best_eval_loss": min(evals) if evals else None,
               "last_eval_loss": evals[-1] if evals else None, "exported_from": str(step_dir)}
    return run_config, metrics, None  # the tokenizer is the base model's, as in training


def _checkpoint_source(folder: Path) -> tuple[Path, dict, str | None, str]:
    """(config, train metrics, tokenizer source, task) of an evenhand checkpoint folder, whose weights must
    still match the hashes they were written with (in any format: this is how old formats are rebuilt)."""
    manifest = read_manifest(folder, verify=False)
    verify_files(folder, manifest.files)
    return folder / "train_config.yaml", dict(manifest.extra.get("train_metrics") or {}), str(folder), manifest.task


def export_checkpoint(src: str | Path, out: str | Path, overrides: list[str] | None = None,
                      config: str | Path | None = None) -> Path:
    """`overrides` (key=value) adjust what is recorded, e.g. generation.max_new_tokens=128; `config`
    replaces the source's train_config.yaml (same keys as a file in configs/)."""
    from evenhand.models.loading import load_tokenizer

    src = Path(src)
    if (src / MANIFEST).exists():
        run_config, metrics, tokenizer_from, task = _checkpoint_source(src)
    else:
        run_config, metrics, tokenizer_from = _step_source(src)
        task = read_yaml(run_config).get("task", "summarizer")
    recipe = get_task(task, str(src))
    cfg = load_config(Path(config) if config else run_config, overrides or [], recipe.config_class())
    tokenizer = load_tokenizer(tokenizer_from or cfg.base_model)
    out = Path(out)
    # The card describes these weights; keep it (`evenhand card` rewrites it when the numbers change).
    card = (src / "README.md").read_bytes() if tokenizer_from and (src / "README.md").is_file() else None
    final = recipe.module().export_step(src, cfg, out, metrics, tokenizer=tokenizer)
    if card is not None:
        (final / "README.md").write_bytes(card)
    return final
