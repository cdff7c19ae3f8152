"""Pieces every evenhand training run shares: Trainer arguments, resume, Ctrl-C handling."""

from __future__ import annotations

import json
import logging
import signal
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml
from transformers import EarlyStoppingCallback, TrainerCallback, TrainingArguments

from evenhand.errors import ConfigError

from .config import TrainerSettings

logger = logging.getLogger(__name__)

CHECKPOINTS = "checkpoints"  # Trainer's step checkpoints live in output_dir/checkpoints


class InterruptCallback(TrainerCallback):
    """First Ctrl-C: save a checkpoint at the end of the current step and stop cleanly.

    A second Ctrl-C falls through to Python's default (immediate KeyboardInterrupt).
    """

    def __init__(self) -> None:
        self.interrupted = False
        self._previous = None

    def install(self) -> None:
        self._previous = signal.getsignal(signal.SIGINT)

        def handler(signum, frame):
            if self.interrupted:
                signal.signal(signal.SIGINT, signal.default_int_handler)
                raise KeyboardInterrupt
            self.interrupted = True
            print("\nevenhand: interrupted; saving a checkpoint after this step (Ctrl-C again to abort)", flush=True)

        try:
            signal.signal(signal.SIGINT, handler)
        except ValueError:  # not in the main thread (e.g. inside a notebook worker)
            self._previous = None

    def uninstall(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def on_step_end(self, args, state, control, **kwargs):
        if self.interrupted:
            control.should_save = True
            control.should_training_stop = True
        return control


def training_arguments(
    settings: TrainerSettings, output_dir: str | Path, *, seed: int, has_eval: bool, **extra: Any
) -> TrainingArguments:
    s = settings
    eval_kwargs: dict[str, Any] = {"eval_strategy": "no"}
    if has_eval:
        eval_kwargs = {
            "eval_strategy": "steps",
            "eval_steps": s.eval_steps,
            "load_best_model_at_end": s.early_stopping_patience is not None,
            "metric_for_best_model": "eval_loss",
            "greater_is_better": False,
        }
    # Every trainer: key goes to TrainingArguments as it is, but for evenhand's own two (early stopping, and
    # gradient checkpointing, which the recipes enable on the model) and warmup_ratio, which transformers 5
    # takes as a float warmup_steps (< 1: a share of the total steps).
    own = {k: v for k, v in asdict(s).items() if k not in ("early_stopping_patience", "gradient_checkpointing",
                                                            "warmup_ratio", "passthrough")}
    kwargs = {
        **own,
        "warmup_steps": s.warmup_ratio,
        **s.passthrough,
        "output_dir": str(Path(output_dir) / CHECKPOINTS),
        "save_strategy": "steps",
        "seed": seed,
        "data_seed": seed,
        "report_to": [],
        "remove_unused_columns": False,
        "disable_tqdm": False,
        **eval_kwargs,
        **extra,
    }
    try:
        return TrainingArguments(**kwargs)
    except (TypeError, ValueError) as exc:
        given = sorted(s.passthrough)
        raise ConfigError(f"trainer: TrainingArguments refused the settings ({exc})"
                          + (f"; passed through as given: {given}" if given else "")) from None


def callbacks_for(settings: TrainerSettings, has_eval: bool) -> list[TrainerCallback]:
    if has_eval and settings.early_stopping_patience is not None:
        return [EarlyStoppingCallback(early_stopping_patience=settings.early_stopping_patience)]
    return []


def complete_checkpoints(output_dir: str | Path) -> list[Path]:
    """Step checkpoints that finished saving, oldest first.

    Trainer writes trainer_state.json last, so a folder without a readable one was
    cut off mid-save (a kill, a full disk) and must not be resumed from.
    """
    folder = Path(output_dir) / CHECKPOINTS
    found = []
    for ck in folder.glob("checkpoint-*"):
        try:
            step = int(ck.name.split("-")[-1])
            json.loads((ck / "trainer_state.json").read_text(encoding="utf-8"))
        except (ValueError, OSError):
            continue
        found.append((step, ck))
    return [ck for _, ck in sorted(found)]


def resume_point(output_dir: str | Path, resume: bool) -> str | None:
    if not resume:
        return None
    complete = complete_checkpoints(output_dir)
    if not complete:
        return None
    last = str(complete[-1])
    logger.info("resuming from %s", last)
    print(f"evenhand: resuming from {last}", flush=True)
    return last


def run_trainer(trainer, output_dir: str | Path, resume: bool) -> bool:
    """Train (resuming if asked and possible). Returns False if the user interrupted."""
    stopper = InterruptCallback()
    trainer.add_callback(stopper)
    stopper.install()
    try:
        trainer.train(resume_from_checkpoint=resume_point(output_dir, resume))
    finally:
        stopper.uninstall()
    if stopper.interrupted:
        last = complete_checkpoints(output_dir)[-1]
        print(f"evenhand: stopped at step {trainer.state.global_step}; checkpoint {last}. "
              "Run the same command again to resume.", flush=True)
        return False
    return True


def final_metrics(trainer) -> dict[str, Any]:
    """What a run records in its checkpoint's manifest: steps, the best evaluation (and its extra metrics,
    e.g. macro-F1 for stance), the last training loss and the kept step checkpoint."""
    history = trainer.state.log_history
    evals = [h for h in history if "eval_loss" in h]
    losses = [h["loss"] for h in history if "loss" in h]
    best = min(evals, key=lambda h: h["eval_loss"]) if evals else {}
    out = {
        "global_step": trainer.state.global_step,
        "best_eval_loss": best.get("eval_loss"),
        "last_train_loss": losses[-1] if losses else None,
        "best_checkpoint": trainer.state.best_model_checkpoint,
    }
    if "eval_macro_f1" in best:
        out["best_eval_macro_f1"] = best["eval_macro_f1"]
    return out


def start_run(cfg) -> Path:
    """What every training run does first: seed, CPU threads, output folder, the config it runs with."""
    import torch
    from transformers import set_seed

    set_seed(cfg.seed)
    threads = getattr(cfg, "torch_threads", None)
    if threads is not None:
        if threads < 1:
            raise ConfigError("torch_threads must be >= 1 (or null for torch's default)")
        torch.set_num_threads(threads)
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    dump_config(cfg, out / "train_config.yaml")
    return out


def top_layer_indices(n_layers: int, top: int | None) -> list[int] | None:
    """Indices of the top `top` blocks for peft's layers_to_transform (None: every block)."""
    if top is None:
        return None
    if not 1 <= top <= n_layers:
        raise ConfigError(f"lora.top_layers must be between 1 and {n_layers} (the model's blocks), got {top}")
    return list(range(n_layers - top, n_layers))


def config_dict(cfg) -> dict[str, Any]:
    """The config as written to train_config.yaml: passed-through Trainer keys back in the trainer section."""
    data = asdict(cfg)
    trainer = data.get("trainer")
    if isinstance(trainer, dict):
        trainer.update(trainer.pop("passthrough", None) or {})
    return data


def dump_config(cfg, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(config_dict(cfg), fh, sort_keys=False)


def apply_encoder_lora(model, lora):
    """LoRA on an encoder classifier (MiniLM): attention and dense layers, optionally the top blocks only;
    the new head (and, with top_layers, the pooler) train in full and are saved with the adapter."""
    from peft import LoraConfig, TaskType, get_peft_model

    # With top_layers, backpropagation stops at the lowest adapted layer (a third or more of a CPU step saved).
    layers = top_layer_indices(model.config.num_hidden_layers, lora.top_layers)
    config = LoraConfig(
        task_type=TaskType.SEQ_CLS,
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules or ["query", "key", "value", "dense"],
        layers_to_transform=layers,
        layers_pattern="layer" if layers is not None else None,
        modules_to_save=["classifier"] + (["pooler"] if layers is not None else []),
    )
    model = get_peft_model(model, config)
    trainable, total = model.get_nb_trainable_parameters()
    print(f"evenhand: LoRA r={lora.r}: {trainable:,} trainable of {total:,} parameters", flush=True)
    return model


def save_encoder(model, tokenizer, folder: Path, cfg, *, task: str, labels, metrics: dict[str, Any] | None = None) -> Path:
    """Write an encoder classifier (stance, selector) as an evenhand checkpoint."""
    from evenhand.models.checkpoint import Manifest, write_checkpoint

    adapter = cfg.lora.enabled
    manifest = Manifest(
        task=task,
        base_model=cfg.base_model if adapter else None,
        architecture="encoder",
        adapter=adapter,
        config=config_dict(cfg),
        extra={"train_metrics": metrics or {}, "labels": list(labels)},
    )

    def save(tmp: Path) -> None:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        dump_config(cfg, tmp / "train_config.yaml")

    return write_checkpoint(folder, save, manifest)  # which also makes adapter_config.json portable


def pair_dataset(pairs, labels, tokenizer, max_length: int):
    """A datasets.Dataset of tokenized (first, second) text pairs and their labels: what every encoder recipe
    (selector, deleter, stance) trains on."""
    import datasets

    enc = dict(tokenizer([a for a, _ in pairs], [b for _, b in pairs], truncation=True, max_length=max_length))
    enc["labels"] = list(labels)
    return datasets.Dataset.from_dict(enc)


def train_encoder(cfg, out: Path, train_ds, val_ds, tokenizer, *, task: str, labels, regression: bool = False,
                  metrics=None) -> Path | None:
    """The Trainer run every encoder recipe (selector, deleter) shares: a fresh head on cfg.base_model, LoRA if
    enabled, resume, early stopping, the final checkpoint written as an evenhand checkpoint. Returns its
    folder (None if interrupted)."""
    from transformers import DataCollatorWithPadding, Trainer

    from evenhand.models.stance_classifier import build_model

    model = build_model(cfg.base_model, labels)
    if regression:
        model.config.problem_type = "regression"
    if cfg.trainer.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    if cfg.lora.enabled:
        model = apply_encoder_lora(model, cfg.lora)
    has_eval = val_ds is not None
    args = training_arguments(cfg.trainer, out, seed=cfg.seed, has_eval=has_eval,
                              train_sampling_strategy="group_by_length")
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=val_ds,
                      data_collator=DataCollatorWithPadding(tokenizer), processing_class=tokenizer,
                      compute_metrics=metrics, callbacks=callbacks_for(cfg.trainer, has_eval))
    if not run_trainer(trainer, out, cfg.resume):
        return None
    final = out / "final"
    if trainer.is_world_process_zero():
        save_encoder(trainer.model, tokenizer, final, cfg, task=task, labels=labels, metrics=final_metrics(trainer))
        print(f"evenhand: wrote checkpoint {final}", flush=True)
    return final


def export_encoder_step(src: Path, cfg, out: Path, metrics: dict[str, Any], *, tokenizer, task: str, labels) -> Path:
    """Weights of an encoder recipe (stance, selector) on disk, saved again as an evenhand checkpoint."""
    from transformers import AutoModelForSequenceClassification

    from evenhand.models.stance_classifier import build_model

    if cfg.lora.enabled:
        from peft import PeftModel

        model = PeftModel.from_pretrained(build_model(cfg.base_model, labels), str(src))
    else:
        model = AutoModelForSequenceClassification.from_pretrained(str(src), use_safetensors=True)
    return save_encoder(model, tokenizer, out, cfg, task=task, labels=labels, metrics=metrics)
