"""Fine-tune a causal or encoder-decoder LM to write neutral multi-source summaries.

    evenhand train configs/summarizer_smollm2.yaml max_steps=2

The loss covers the summary tokens only (the prompt's labels are -100), LoRA through
peft by default (`lora.enabled=false` for full fine-tuning), and the final folder is
an evenhand checkpoint (see evenhand.models.checkpoint).
"""

from __future__ import annotations

import logging
import random

from pathlib import Path
from typing import Any

import torch

from evenhand.corpus import Cluster, read_jsonl
from evenhand.errors import ConfigError
from evenhand.inference.prompting import build_prompt, encode_prompt, headline_of
from evenhand.models.checkpoint import Manifest, write_checkpoint
from evenhand.models.loading import load_base_lm, load_tokenizer

from .common import (callbacks_for, config_dict, dump_config, final_metrics, run_trainer, start_run, top_layer_indices,
                     training_arguments)
from .config import SummarizerTrainConfig

logger = logging.getLogger(__name__)

IGNORE_INDEX = -100


def encode_example(
    cluster: Cluster,
    tokenizer,
    *,
    max_source_tokens: int,
    max_target_tokens: int,
    is_encoder_decoder: bool,
    rng: random.Random | None,
    task: str = "summarizer",
) -> dict[str, list[int]]:
    """Token ids for one training example; for causal LMs the prompt part of labels is masked."""
    prompt = build_prompt(
        cluster, tokenizer, max_source_tokens=max_source_tokens, is_encoder_decoder=is_encoder_decoder, rng=rng,
        task=task,
    )
    target = headline_of(cluster.summary) if task == "headline" else cluster.summary
    target_ids = tokenizer.encode(target, add_special_tokens=False)[: max_target_tokens - 1]
    eos = tokenizer.eos_token_id
    prompt_ids = encode_prompt(prompt.text, tokenizer, is_encoder_decoder=is_encoder_decoder)
    if is_encoder_decoder:
        labels = target_ids + ([eos] if eos is not None else [])
        return {"input_ids": prompt_ids, "attention_mask": [1] * len(prompt_ids), "labels": labels}
    answer = target_ids + ([eos] if eos is not None else [])
    input_ids = prompt_ids + answer
    labels = [IGNORE_INDEX] * len(prompt_ids) + answer
    return {"input_ids": input_ids, "attention_mask": [1] * len(input_ids), "labels": labels}


class CausalCollator:
    """Right-pads input_ids/attention_mask/labels; labels pad with -100 so padding costs no loss."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        width = max(len(f["input_ids"]) for f in features)
        batch = {"input_ids": [], "attention_mask": [], "labels": []}
        for f in features:
            pad = width - len(f["input_ids"])
            batch["input_ids"].append(list(f["input_ids"]) + [self.pad_token_id] * pad)
            batch["attention_mask"].append(list(f["attention_mask"]) + [0] * pad)
            batch["labels"].append(list(f["labels"]) + [IGNORE_INDEX] * pad)
        return {k: torch.tensor(v, dtype=torch.long) for k, v in batch.items()}


def build_dataset(clusters: list[Cluster], tokenizer, cfg: SummarizerTrainConfig, *, is_encoder_decoder: bool, shuffle: bool):
    import datasets

    rows = []
    for i, cluster in enumerate(clusters):
        # One seeded generator per example: the same order on every run and after resume.
        rng = random.Random(f"{cfg.seed}-{cluster.id}-{i}") if shuffle else None
        rows.append(
            encode_example(
                cluster,
                tokenizer,
                max_source_tokens=cfg.data.max_source_tokens,
                max_target_tokens=cfg.data.max_target_tokens,
                is_encoder_decoder=is_encoder_decoder,
                rng=rng,
                task=cfg.task,
            )
        )
    return datasets.Dataset.from_list(rows)


def _load_split(path: str | None, cfg: SummarizerTrainConfig, limit: int | None) -> list[Cluster]:
    if path is None:
        return []
    clusters = read_jsonl(path, require_summary=True, on_error=cfg.data.on_error)
    if not clusters:
        raise ConfigError(f"{path} holds no usable clusters")
    return clusters[:limit] if limit else clusters


def linear_module_names(model) -> list[str]:
    """Leaf names of every Linear layer but the output head (what peft's "all-linear" adapts)."""
    head = model.get_output_embeddings()
    return sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules()
                   if isinstance(module, torch.nn.Linear) and module is not head})


def _apply_lora(model, cfg: SummarizerTrainConfig, is_encoder_decoder: bool):
    from peft import LoraConfig, TaskType, get_peft_model

    targets = cfg.lora.target_modules or "all-linear"
    layers = top_layer_indices(model.config.num_hidden_layers, cfg.lora.top_layers)
    if layers is not None and targets == "all-linear":
        # peft accepts a layer subset only with explicit module names.
        targets = linear_module_names(model)
    lora = LoraConfig(
        task_type=TaskType.SEQ_2_SEQ_LM if is_encoder_decoder else TaskType.CAUSAL_LM,
        r=cfg.lora.r,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        target_modules=targets,
        layers_to_transform=layers,
    )
    model = get_peft_model(model, lora)
    trainable, total = model.get_nb_trainable_parameters()
    print(f"evenhand: LoRA r={cfg.lora.r}: {trainable:,} trainable of {total:,} parameters", flush=True)
    return model


def train(cfg: SummarizerTrainConfig) -> Path | None:
    """Run one training job; returns the final checkpoint folder (None if interrupted)."""
    from transformers import DataCollatorForSeq2Seq, Trainer

    out = start_run(cfg)

    # Data first: a bad file should fail in a second, not after the model has loaded.
    train_clusters = _load_split(cfg.data.train_file, cfg, cfg.data.limit_train)
    val_clusters = _load_split(cfg.data.val_file, cfg, cfg.data.limit_val)
    tokenizer = load_tokenizer(cfg.base_model)
    model, is_encoder_decoder = load_base_lm(cfg.base_model)
    train_ds = build_dataset(train_clusters, tokenizer, cfg, is_encoder_decoder=is_encoder_decoder, shuffle=cfg.data.shuffle_articles)
    val_ds = build_dataset(val_clusters, tokenizer, cfg, is_encoder_decoder=is_encoder_decoder, shuffle=False) if val_clusters else None
    print(f"evenhand: {len(train_ds)} training and {len(val_ds) if val_ds else 0} validation clusters", flush=True)

    if cfg.trainer.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.config.use_cache = False
    if cfg.lora.enabled:
        model = _apply_lora(model, cfg, is_encoder_decoder)

    if is_encoder_decoder:
        collator = DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100)
    else:
        collator = CausalCollator(tokenizer.pad_token_id)
    has_eval = val_ds is not None
    args = training_arguments(cfg.trainer, out, seed=cfg.seed, has_eval=has_eval)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=val_ds,
        data_collator=collator,
        processing_class=tokenizer,
        callbacks=callbacks_for(cfg.trainer, has_eval),
    )
    if not run_trainer(trainer, out, cfg.resume):
        return None
    final = out / "final"
    if trainer.is_world_process_zero():  # under DDP (accelerate/torchrun) every rank gets here; one writes
        save_summarizer(trainer.model, tokenizer, final, cfg, is_encoder_decoder=is_encoder_decoder,
                        metrics=final_metrics(trainer))
        print(f"evenhand: wrote checkpoint {final}", flush=True)
    return final


def save_summarizer(model, tokenizer, folder: Path, cfg: SummarizerTrainConfig, *, is_encoder_decoder: bool,
                    metrics: dict[str, Any] | None = None) -> Path:
    adapter = cfg.lora.enabled
    manifest = Manifest(
        task=cfg.task,
        base_model=cfg.base_model if adapter else None,
        architecture="seq2seq" if is_encoder_decoder else "causal",
        adapter=adapter,
        config=config_dict(cfg),
        extra={"train_metrics": metrics or {}, "generation": dict(cfg.generation)},
    )

    def save(tmp: Path) -> None:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        dump_config(cfg, tmp / "train_config.yaml")

    return write_checkpoint(folder, save, manifest)


def export_step(src: Path, cfg: SummarizerTrainConfig, out: Path, metrics: dict[str, Any], *, tokenizer) -> Path:
    """Weights on disk (a Trainer step or a checkpoint folder) as an evenhand checkpoint (`evenhand export`);
    an adapter stays unmerged, so that it saves as an adapter again."""
    step_dir = src
    if cfg.lora.enabled:
        from peft import PeftModel

        base, is_encoder_decoder = load_base_lm(cfg.base_model)
        model = PeftModel.from_pretrained(base, str(step_dir))
    else:
        model, is_encoder_decoder = load_base_lm(str(step_dir))
    return save_summarizer(model, tokenizer, out, cfg, is_encoder_decoder=is_encoder_decoder, metrics=metrics)
