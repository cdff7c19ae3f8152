"""Turn a Trainer step checkpoint into an evenhand checkpoint folder.

    evenhand export runs/summarizer_smollm2/checkpoints/checkpoint-100 --out my-checkpoint \
        --set generation.no_repeat_ngram_size=3

For picking an intermediate step (the run was stopped early, or a later step
over-fitted). The run's `train_config.yaml` (written next to `checkpoints/`) supplies
the base model and settings.
"""

from __future__ import annotations

from pathlib import Path

from evenhand.config import load_config
from evenhand.errors import CheckpointError

from .config import SummarizerTrainConfig


def export_step_checkpoint(step_dir: str | Path, out: str | Path, overrides: list[str] | None = None) -> Path:
    """`overrides` (key=value) adjust what is recorded, e.g. generation.max_new_tokens=128."""
    from evenhand.models.loading import load_base_lm, load_tokenizer

    from .summarizer import save_summarizer

    step_dir = Path(step_dir)
    run_config = step_dir.parent.parent / "train_config.yaml"
    if not (step_dir / "trainer_state.json").exists():
        raise CheckpointError(f"{step_dir} is not a complete Trainer checkpoint (trainer_state.json missing)")
    if not run_config.exists():
        raise CheckpointError(f"{run_config} not found; export expects <output_dir>/checkpoints/checkpoint-N")
    cfg = load_config(run_config, overrides or [], SummarizerTrainConfig)
    tokenizer = load_tokenizer(cfg.base_model)
    if cfg.lora.enabled:
        from peft import PeftModel

        base, is_encoder_decoder = load_base_lm(cfg.base_model)
        model = PeftModel.from_pretrained(base, str(step_dir))
    else:
        model, is_encoder_decoder = load_base_lm(str(step_dir))
    step = int(step_dir.name.split("-")[-1])
    import json

    history = json.loads((step_dir / "trainer_state.json").read_text())["log_history"]
    evals = [h["eval_loss"] for h in history if "eval_loss" in h]
    metrics = {"global_step": step, "best_eval_loss": min(evals) if evals else None,
               "last_eval_loss": evals[-1] if evals else None, "exported_from": str(step_dir)}
    return save_summarizer(model, tokenizer, Path(out), cfg, is_encoder_decoder=is_encoder_decoder, metrics=metrics)
