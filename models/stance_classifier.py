"""Sentence-level stance classifier: (sentence, holder, target) -> neutral / positive / negative.

An encoder (all-MiniLM-L6-v2 by default) with a sequence-classification head reads a
sentence pair:

    first:  "holder: Russia; target: the sanctions"
    second: the sentence, with the holder's mention in [brackets]

The same encoding is used in training (directed_sentiment rows, whose holder and
target are both in the sentence) and in inference (target = the cluster's topic).
Checkpoints are evenhand checkpoints (task "stance", architecture "encoder"), either
full weights or a LoRA adapter plus the classifier head on top of `base_model`.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from evenhand.errors import CheckpointError, ModelResolutionError

from .checkpoint import Manifest, read_manifest
from .resolve import resolve_model

logger = logging.getLogger(__name__)

SENTENCE_LABELS = ("neutral", "positive", "negative")
# A checkpoint trained on holder-clause labels (training/clauses.py) reads positive / negative as the holder
# supporting / opposing the target *event*, and has a fourth output: the sentence shows no stance on the
# event (background, or the mention is not its holder).
EVENT_LABELS = (*SENTENCE_LABELS, "none")
LABEL2ID = {label: i for i, label in enumerate(EVENT_LABELS)}
DEFAULT_MAX_LENGTH = 128


def mark_span(sentence: str, start: int, end: int) -> str:
    return f"{sentence[:start]}[{sentence[start:end]}]{sentence[end:]}"


def encode_pair(holder: str, target: str, sentence: str) -> tuple[str, str]:
    """The (first, second) texts the classifier reads; `sentence` already marks the holder."""
    return f"holder: {holder}; target: {target}", sentence


@contextmanager
def _quiet_load():
    """transformers reports the new head as MISSING weights on every load; that is expected here."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def build_model(base_model: str, labels: Sequence[str] = SENTENCE_LABELS):
    """A fresh classification head on the base encoder (one output per label; one label = a regression score)."""
    from transformers import AutoModelForSequenceClassification

    path = resolve_model(base_model)
    try:
        with _quiet_load():
            return AutoModelForSequenceClassification.from_pretrained(
                path,
                num_labels=len(labels),
                id2label=dict(enumerate(labels)),
                label2id={label: i for i, label in enumerate(labels)},
                trust_remote_code=False,
                use_safetensors=True,
            )
    except (OSError, ValueError) as exc:
        raise ModelResolutionError(f"could not load an encoder (safetensors) from {path}: {exc}") from None


def load_tokenizer(path: str):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: the tokenizer files are missing or damaged: {exc}") from None


def load_stance_checkpoint(path: str | Path):
    """Return (model, tokenizer, manifest) for a stance checkpoint folder (full weights or LoRA); its outputs
    are SENTENCE_LABELS or EVENT_LABELS, as the manifest records."""
    manifest = read_manifest(path, task="stance")
    return load_encoder_checkpoint(path, "stance", stance_labels(manifest, path), manifest=manifest)


def stance_labels(manifest: Manifest, path) -> tuple[str, ...]:
    labels = tuple(manifest.extra.get("labels") or SENTENCE_LABELS)
    if labels not in (SENTENCE_LABELS, EVENT_LABELS):
        raise CheckpointError(f"{path}: unknown stance outputs {list(labels)}; expected {list(SENTENCE_LABELS)} "
                              f"or {list(EVENT_LABELS)}")
    return labels


def trained_max_length(manifest: Manifest, default: int = DEFAULT_MAX_LENGTH) -> int:
    """The token limit a checkpoint was trained with (its config's data.max_length), else `default`."""
    return ((manifest.config or {}).get("data") or {}).get("max_length") or default


def load_encoder_checkpoint(path: str | Path, task: str, labels: Sequence[str], *, manifest: Manifest | None = None):
    """(model, tokenizer, manifest) of an encoder classifier checkpoint of `task` with outputs `labels`
    (`manifest`: the folder's, when the caller has read it already; reading it hashes every file)."""
    from transformers import AutoModelForSequenceClassification

    path = Path(path)
    manifest = manifest or read_manifest(path, task=task)
    if manifest.architecture != "encoder":
        raise CheckpointError(f"{path}: a {task} checkpoint must be an 'encoder', not {manifest.architecture!r}")
    tokenizer = load_tokenizer(str(path))
    if manifest.adapter:
        from peft import PeftModel

        if not manifest.base_model:
            raise CheckpointError(f"{path}: the manifest marks an adapter but names no base_model")
        base = build_model(manifest.base_model, labels)
        try:
            model = PeftModel.from_pretrained(base, str(path), is_trainable=False)
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            raise CheckpointError(
                f"{path}: the LoRA adapter does not fit base model {manifest.base_model!r}: {exc}"
            ) from None
        model = model.merge_and_unload()
    else:
        try:
            with _quiet_load():
                model = AutoModelForSequenceClassification.from_pretrained(
                    str(path), trust_remote_code=False, use_safetensors=True
                )
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"{path}: could not load the classifier weights: {exc}") from None
    if model.config.num_labels != len(labels):
        raise CheckpointError(
            f"{path}: the classifier has {model.config.num_labels} outputs; {len(labels)} "
            f"({', '.join(labels)}) are expected"
        )
    model.eval()
    return model, tokenizer, manifest


@dataclass
class StanceClassifier:
    """Batched probabilities over `labels` (SENTENCE_LABELS or EVENT_LABELS) for (holder, target, marked
    sentence) triples."""

    model: object
    tokenizer: object
    max_length: int = DEFAULT_MAX_LENGTH
    batch_size: int = 32
    labels: tuple[str, ...] = SENTENCE_LABELS

    @classmethod
    def load(cls, path: str | Path, **kwargs) -> "StanceClassifier":
        model, tokenizer, manifest = load_stance_checkpoint(path)
        return cls(model, tokenizer, max_length=kwargs.pop("max_length", None) or trained_max_length(manifest),
                   labels=stance_labels(manifest, path), **kwargs)

    def predict(self, items: Sequence[tuple[str, str, str]]) -> list[list[float]]:
        import torch

        pairs = [encode_pair(*item) for item in items]
        logits = pair_logits(self.model, self.tokenizer, pairs, max_length=self.max_length,
                             batch_size=self.batch_size, length=lambda pair: len(pair[1]))
        return [torch.softmax(torch.tensor(row), dim=-1).tolist() for row in logits]


def pair_logits(model, tokenizer, pairs: Sequence[tuple[str, str]], *, max_length: int, batch_size: int,
                length=lambda pair: len(pair[0]) + len(pair[1])) -> list[list[float]]:
    """The encoder's logits for each (first, second) text pair, in input order. Longest first (by `length`)
    keeps padding small inside each batch."""
    import torch

    order = sorted(range(len(pairs)), key=lambda i: length(pairs[i]), reverse=True)
    out: dict[int, list[float]] = {}
    device = next(model.parameters()).device
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            enc = tokenizer([pairs[i][0] for i in chunk], [pairs[i][1] for i in chunk], truncation=True,
                            max_length=max_length, padding=True, return_tensors="pt")
            enc = {k: v.to(device) for k, v in enc.items()}
            for i, row in zip(chunk, model(**enc).logits.float().tolist()):
                out[i] = row
    return [out[i] for i in range(len(pairs))]
