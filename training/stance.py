"""Fine-tune the sentence-level stance classifier on holder-clause labels and/or directed_sentiment.

    evenhand train configs/stance_minilm.yaml trainer.max_steps=50

With `data.clause_train_file` (labels/neus_stance/clauses_train.jsonl, see training/clauses.py) the
classifier learns the holder's stance toward the cluster's *event* (target = the event description the
analyzer reads) with four outputs, EVENT_LABELS: neutral, positive (supports), negative (opposes) and
none (no stance on the event in this sentence). A share of the labelled clusters (`clause_val_share`,
by cluster) is held out for validation and early stopping; the dev clusters are never read here.
With `data.train_file` as well, directed_sentiment rows are added (three outputs; never "none").

Each TSV row (sentence with [bracketed] entities p and q, label 0-4) gives two
examples, one per direction:

    holder p, target q:  1 -> positive, 3 -> negative, else neutral
    holder q, target p:  2 -> positive, 4 -> negative, else neutral

The model reads "holder: X; target: Y" plus the sentence with only the holder in
brackets (see evenhand.models.stance_classifier). Neutral is ~83% of the examples, so
the loss is class-weighted by default. The final folder is an evenhand checkpoint
(task "stance", architecture "encoder"): a LoRA adapter plus the classifier head when
`lora.enabled` (small enough to ship), else full weights.
"""

from __future__ import annotations

import csv
import logging
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from evenhand.errors import ConfigError, CorpusError
from evenhand.models.stance_classifier import EVENT_LABELS, LABEL2ID, SENTENCE_LABELS, encode_pair, mark_span
from evenhand.text import prf1

from .common import (apply_encoder_lora, callbacks_for, export_encoder_step, final_metrics, pair_dataset, run_trainer,
                     save_encoder, start_run, training_arguments)
from .config import BaseTrainConfig

logger = logging.getLogger(__name__)

DS_DIR = "../shared/data/directed_sentiment/dataset"
_BRACKETED = re.compile(r"\[([^\[\]]+)\]")


@dataclass
class StanceData:
    train_file: str | None = f"{DS_DIR}/train.txt"  # directed_sentiment TSV; null: clause labels only
    val_file: str | None = f"{DS_DIR}/valid.txt"
    clause_train_file: str | None = None  # holder-clause labels (training/clauses.py); sets EVENT_LABELS
    clause_val_share: float = 0.15  # of the clause file's clusters, held out for validation
    clause_repeat: int = 1  # each clause example this many times per epoch (against many directed rows)
    # "event": four outputs, the fourth "none" (unrelated / not_holder clauses); "polarity": the clauses
    # with a stance only, three outputs as the sentiment model has (the head of a 3-output init_from carries over
    # whole). The cluster score is limited by polarity, not by telling "none" apart (docs/stance.md).
    clause_outputs: Literal["event", "polarity"] = "event"
    neus_dir: str = "../shared/data/neus"  # the texts the clause labels point into
    max_length: int = 128  # tokens of "holder: ...; target: ..." plus the sentence
    class_weighting: Literal["none", "sqrt", "balanced"] = "sqrt"  # inverse (sqrt) class frequency
    # Keep at most this many neutral training examples per polar one (None: all). Neutral is
    # ~83% of the examples; on a slow CPU a step budget is better spent on the rarer classes.
    neutral_ratio: float | None = None
    limit_train: int | None = None  # first N TSV rows only (quick experiments)
    limit_val: int | None = None


@dataclass
class StanceTrainConfig(BaseTrainConfig):
    task: Literal["stance"] = "stance"
    base_model: str = "all-minilm-l6-v2"
    output_dir: str = "runs/stance_minilm"
    data: StanceData = field(default_factory=StanceData)
    # A stance checkpoint (LoRA adapter) to start from instead of a fresh adapter and head: its adapter
    # weights, and the head rows of the outputs both share (a 3-output sentiment checkpoint gives the
    # first three of the four event outputs; "none" starts fresh). Its LoRA layout must match `lora`.
    init_from: str | None = None

    def validate_data(self) -> None:
        if self.data.max_length < 16:
            raise ConfigError("data.max_length must be at least 16")
        if self.data.neutral_ratio is not None and self.data.neutral_ratio <= 0:
            raise ConfigError("data.neutral_ratio must be > 0 (or null to keep every neutral example)")
        if not self.data.train_file and not self.data.clause_train_file:
            raise ConfigError("set data.train_file (directed_sentiment) or data.clause_train_file (clause labels)")
        if not 0.0 <= self.data.clause_val_share < 1.0:
            raise ConfigError("data.clause_val_share must be in [0, 1)")
        if self.data.clause_repeat < 1:
            raise ConfigError("data.clause_repeat must be at least 1")
        if self.init_from and not self.lora.enabled:
            raise ConfigError("init_from needs lora.enabled: it starts from a checkpoint's LoRA adapter")

    @property
    def labels(self) -> tuple[str, ...]:
        return EVENT_LABELS if self.data.clause_train_file and self.data.clause_outputs == "event" else SENTENCE_LABELS


@dataclass
class DirectedRow:
    sentence: str
    p: str
    q: str
    label: int  # 0 neutral, 1 positive p->q, 2 positive p<-q, 3 negative p->q, 4 negative p<-q


@dataclass
class StanceExample:
    holder: str
    target: str
    sentence: str  # holder marked with [ ]
    label: str  # one of EVENT_LABELS (directed rows: of SENTENCE_LABELS)


def read_directed_tsv(path: str | Path, limit: int | None = None) -> list[DirectedRow]:
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"directed-sentiment file not found: {path} (expected a TSV: sentence, p, q, label 0-4)")
    rows: list[DirectedRow] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for lineno, cols in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
            if not cols or not "".join(cols).strip():
                continue
            if len(cols) != 4:
                raise CorpusError(f"has {len(cols)} tab-separated columns; expected 4 (sentence, p, q, label)",
                                  path=str(path), line=lineno)
            sentence, p, q, label = cols
            if label.strip() not in {"0", "1", "2", "3", "4"}:
                raise CorpusError(f"label {label!r} is not one of 0-4", path=str(path), line=lineno)
            rows.append(DirectedRow(sentence.strip(), p.strip(), q.strip(), int(label)))
            if limit and len(rows) >= limit:
                break
    if not rows:
        raise CorpusError(f"{path} holds no rows")
    return rows


def mark_holder(sentence: str, holder: str, which: int) -> str:
    """Keep brackets only around the holder: the `which`-th (0 = p, 1 = q) bracketed span equal to it."""
    spans = list(_BRACKETED.finditer(sentence))
    chosen = None
    matching = [m for m in spans if m.group(1).strip() == holder]
    if matching:
        # p and q can be the same string; then p is the first bracket and q the second.
        chosen = matching[min(which, len(matching) - 1)]
    elif len(spans) == 2:
        chosen = spans[which]
    plain, offset, start, end = [], 0, None, None
    for m in spans:
        plain.append(sentence[offset:m.start()])
        pos = sum(len(x) for x in plain)
        if m is chosen:
            start, end = pos, pos + len(m.group(1))
        plain.append(m.group(1))
        offset = m.end()
    plain.append(sentence[offset:])
    text = "".join(plain)
    return mark_span(text, start, end) if start is not None else text


_P_TO_Q = {1: "positive", 3: "negative"}
_Q_TO_P = {2: "positive", 4: "negative"}


def to_examples(rows: list[DirectedRow]) -> list[StanceExample]:
    out = []
    for r in rows:
        out.append(StanceExample(r.p, r.q, mark_holder(r.sentence, r.p, 0), _P_TO_Q.get(r.label, "neutral")))
        out.append(StanceExample(r.q, r.p, mark_holder(r.sentence, r.q, 1), _Q_TO_P.get(r.label, "neutral")))
    return out


def subsample_neutral(examples: list[StanceExample], ratio: float | None, seed: int) -> list[StanceExample]:
    if ratio is None:
        return examples
    polar = [e for e in examples if e.label != "neutral"]
    neutral = [e for e in examples if e.label == "neutral"]
    keep = min(len(neutral), int(round(ratio * len(polar))))
    rng = random.Random(seed)
    chosen = set(rng.sample(range(len(neutral)), keep))
    kept = [e for i, e in enumerate(neutral) if i in chosen]
    return [e for e in examples if e.label != "neutral"] + kept


def clause_examples_split(cfg: "StanceTrainConfig") -> tuple[list[StanceExample], list[StanceExample]]:
    """(train, validation) examples from the clause labels: target = the event, "none" for a sentence that
    shows no stance on it (`unrelated` and `not_holder`; left out with `clause_outputs: polarity`).
    Validation holds out whole clusters (a seeded draw)."""
    from .clauses import TO_SENTENCE_LABEL, clause_examples, read_clause_labels

    path = cfg.data.clause_train_file
    joined = clause_examples(read_clause_labels(path), cfg.data.neus_dir, path=path)
    ids = sorted({x.key.id for x in joined})
    held = set(random.Random(cfg.seed).sample(ids, int(round(cfg.data.clause_val_share * len(ids)))))
    train_ex, val_ex = [], []
    for x in joined:
        label = TO_SENTENCE_LABEL[x.label]
        if label == "none" and cfg.data.clause_outputs == "polarity":
            continue
        (val_ex if x.key.id in held else train_ex).append(StanceExample(x.key.holder, x.event, x.marked, label))
    return train_ex * cfg.data.clause_repeat, val_ex


def class_weights(examples: list[StanceExample], scheme: str, labels=SENTENCE_LABELS) -> list[float] | None:
    if scheme == "none":
        return None
    counts = Counter(e.label for e in examples)
    n = len(examples)
    raw = []
    for label in labels:
        freq = counts.get(label, 0) / n if n else 0.0
        w = 1.0 / freq if freq else 1.0
        raw.append(math.sqrt(w) if scheme == "sqrt" else w)
    mean = sum(raw) / len(raw)
    return [w / mean for w in raw]


def tokenize_examples(examples: list[StanceExample], tokenizer, max_length: int):
    pairs = [encode_pair(e.holder, e.target, e.sentence) for e in examples]
    return pair_dataset(pairs, [LABEL2ID[e.label] for e in examples], tokenizer, max_length)


def macro_f1(gold: list[int], pred: list[int], n_labels: int = len(EVENT_LABELS)) -> float:
    """Mean F1 over the labels that occur in gold or predictions."""
    scores = []
    for k in range(n_labels):
        n_pred, n_gold = pred.count(k), gold.count(k)
        if n_pred or n_gold:
            scores.append(prf1(sum(1 for g, p in zip(gold, pred) if g == p == k), n_pred, n_gold)[2])
    return sum(scores) / len(scores) if scores else 0.0


def _compute_metrics(eval_pred) -> dict[str, float]:
    logits, labels = eval_pred
    pred = logits.argmax(-1).tolist()
    gold = labels.tolist()
    return {"macro_f1": macro_f1(gold, pred), "accuracy": sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold))}


def _weighted_trainer_class():
    import torch
    from transformers import Trainer

    class WeightedTrainer(Trainer):
        """Cross-entropy with per-class weights (neutral dominates the data)."""

        def __init__(self, *args, class_weights: list[float] | None = None, **kwargs):
            super().__init__(*args, **kwargs)
            self.class_weights = class_weights

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            logits = outputs.logits.float()
            weight = torch.tensor(self.class_weights, device=logits.device) if self.class_weights else None
            loss = torch.nn.functional.cross_entropy(logits, labels, weight=weight)
            return (loss, outputs) if return_outputs else loss

    return WeightedTrainer


def train(cfg: StanceTrainConfig) -> Path | None:
    """Run one training job; returns the final checkpoint folder (None if interrupted)."""
    from transformers import DataCollatorWithPadding

    from evenhand.models.loading import load_tokenizer
    from evenhand.models.stance_classifier import build_model

    out = start_run(cfg)

    tokenizer = load_tokenizer(cfg.base_model)
    train_ex, val_ex = [], []
    if cfg.data.train_file:
        train_ex = subsample_neutral(to_examples(read_directed_tsv(cfg.data.train_file, cfg.data.limit_train)),
                                     cfg.data.neutral_ratio, cfg.seed)
    if cfg.data.clause_train_file:
        # Validation (early stopping, the best checkpoint) is on the target task: held-out clause clusters.
        clause_train, val_ex = clause_examples_split(cfg)
        train_ex += clause_train
    elif cfg.data.val_file:
        val_ex = to_examples(read_directed_tsv(cfg.data.val_file, cfg.data.limit_val))
    train_ds = tokenize_examples(train_ex, tokenizer, cfg.data.max_length)
    val_ds = tokenize_examples(val_ex, tokenizer, cfg.data.max_length) if val_ex else None
    weights = class_weights(train_ex, cfg.data.class_weighting, cfg.labels)
    counts = Counter(e.label for e in train_ex)
    print(f"evenhand: {len(train_ds)} training and {len(val_ds) if val_ds else 0} validation examples; "
          f"classes {dict(counts)}; outputs {list(cfg.labels)}; loss weights {weights}", flush=True)

    model = build_model(cfg.base_model, cfg.labels)
    if cfg.trainer.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    if cfg.lora.enabled:
        model = apply_encoder_lora(model, cfg.lora)
    if cfg.init_from:
        init_from_checkpoint(model, cfg.init_from, cfg.labels)

    has_eval = val_ds is not None
    # Batches of similar length waste little compute on padding (the CPU is the bottleneck).
    args = training_arguments(cfg.trainer, out, seed=cfg.seed, has_eval=has_eval,
                              train_sampling_strategy="group_by_length")
    trainer = _weighted_trainer_class()(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=val_ds,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
        callbacks=callbacks_for(cfg.trainer, has_eval),
        compute_metrics=_compute_metrics if has_eval else None,
        class_weights=weights,
    )
    if not run_trainer(trainer, out, cfg.resume):
        return None
    final = out / "final"
    if trainer.is_world_process_zero():  # under DDP every rank gets here; one writes
        save_stance(trainer.model, tokenizer, final, cfg, metrics=final_metrics(trainer))
        print(f"evenhand: wrote checkpoint {final}", flush=True)
    return final


def init_from_checkpoint(model, folder: str | Path, labels) -> None:
    """Load a stance checkpoint's adapter into `model` (a PEFT model with the same LoRA layout), and its
    head's rows for the outputs they share, by name."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    from evenhand.models.checkpoint import read_manifest

    manifest = read_manifest(folder, task="stance")
    if not manifest.adapter:
        raise ConfigError(f"init_from {folder}: not a LoRA adapter checkpoint (it holds full weights)")
    theirs = list(manifest.extra.get("labels") or SENTENCE_LABELS)
    state = load_file(str(Path(folder) / "adapter_model.safetensors"))
    # The head: this run's fresh rows, overwritten by the checkpoint's rows of the outputs both have.
    layer = model.base_model.model.classifier.modules_to_save["default"]
    for key in [k for k in state if ".classifier." in k]:
        fresh = (layer.weight if key.endswith("weight") else layer.bias).detach().clone()
        for i, label in enumerate(labels):
            if label in theirs:
                fresh[i] = state[key][theirs.index(label)]
        state[key] = fresh
    result = set_peft_model_state_dict(model, state)
    if getattr(result, "unexpected_keys", None):
        raise ConfigError(f"init_from {folder}: its adapter does not fit this run's lora settings "
                          f"(unexpected {list(result.unexpected_keys)[:3]}); use the LoRA layout it was "
                          "trained with (its train_config.yaml)")
    ours = [k for k, _ in model.named_parameters() if "lora_" in k]
    loaded = [k for k in ours if k not in set(getattr(result, "missing_keys", []))]
    if len(loaded) != len(ours):
        raise ConfigError(f"init_from {folder}: it has no weights for {len(ours) - len(loaded)} of this run's "
                          f"{len(ours)} LoRA tensors; use the LoRA layout it was trained with (its train_config.yaml)")
    shared = [x for x in labels if x in theirs]
    print(f"evenhand: started from {folder} (adapter, and the head for {shared})", flush=True)


def save_stance(model, tokenizer, folder: Path, cfg: StanceTrainConfig, *, metrics: dict[str, Any] | None = None) -> Path:
    return save_encoder(model, tokenizer, folder, cfg, task="stance", labels=cfg.labels, metrics=metrics)


def export_step(src: Path, cfg, out: Path, metrics: dict[str, Any], *, tokenizer) -> Path:
    """Weights on disk (a Trainer step or a checkpoint folder) as an evenhand checkpoint (`evenhand export`)."""
    return export_encoder_step(src, cfg, out, metrics, tokenizer=tokenizer, task="stance", labels=cfg.labels)
