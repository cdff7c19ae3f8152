"""The sentence selector: an encoder that scores how much a candidate sentence belongs in its cluster's summary.

It reads (candidate with its kind and position, what the other outlets lead with) as a sentence pair
(see inference/selection.py: selector_pair) and outputs one score, trained by regression on ROUGE-oracle
labels (training/selector.py). Checkpoints are evenhand checkpoints (task "selector", architecture
"encoder"): full weights or a LoRA adapter plus the head on top of `base_model` (all-MiniLM-L6-v2).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .stance_classifier import load_encoder_checkpoint, pair_logits, trained_max_length

SELECTOR_LABELS = ("score",)  # one output: a regression head
DELETER_LABELS = ("keep", "delete")  # the phrase deleter (training/deletion.py): a two-way classifier
DEFAULT_MAX_LENGTH = 128


@dataclass
class SentenceSelector:
    model: object
    tokenizer: object
    max_length: int = DEFAULT_MAX_LENGTH
    batch_size: int = 32
    name: str = ""
    base_model: str | None = None  # the encoder an adapter sits on (None: full weights)

    @classmethod
    def load(cls, path: str | Path, **kwargs) -> "SentenceSelector":
        model, tokenizer, manifest = load_encoder_checkpoint(path, "selector", SELECTOR_LABELS)
        return cls(model, tokenizer, max_length=kwargs.pop("max_length", None) or trained_max_length(manifest),
                   name=str(path), base_model=manifest.base_model if manifest.adapter else None, **kwargs)

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """One score per (first, second) pair, in input order."""
        logits = pair_logits(self.model, self.tokenizer, pairs, max_length=self.max_length, batch_size=self.batch_size)
        return [row[0] for row in logits]


@dataclass
class PhraseDeleter:
    """P(a neutral roundup leaves this phrase out) for an optional phrase marked in its sentence, read against
    what the other outlets lead with (inference/selection.py: deletion_pair; labels: `evenhand prepare deletion`)."""

    model: object
    tokenizer: object
    max_length: int = DEFAULT_MAX_LENGTH
    batch_size: int = 64
    name: str = ""

    @classmethod
    def load(cls, path: str | Path, **kwargs) -> "PhraseDeleter":
        model, tokenizer, manifest = load_encoder_checkpoint(path, "deleter", DELETER_LABELS)
        return cls(model, tokenizer, max_length=kwargs.pop("max_length", None) or trained_max_length(manifest),
                   name=str(path), **kwargs)

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """P(delete) per (marked sentence, context) pair, in input order."""
        import math

        out = []
        for keep, delete in pair_logits(self.model, self.tokenizer, pairs, max_length=self.max_length,
                                        batch_size=self.batch_size):
            out.append(1.0 / (1.0 + math.exp(keep - delete)))  # softmax over the two outputs
        return out


@dataclass
class SentenceEmbedder:
    """Unit-length sentence embeddings (mean pooling, as all-MiniLM-L6-v2 was trained) for similarity:
    cross-source support, redundancy and attribution."""

    model: object
    tokenizer: object
    batch_size: int = 64

    @classmethod
    def load(cls, base_model: str = "all-minilm-l6-v2") -> "SentenceEmbedder":
        from transformers import AutoModel, AutoTokenizer

        from .resolve import resolve_model

        path = resolve_model(base_model)
        model = AutoModel.from_pretrained(path, trust_remote_code=False, use_safetensors=True)
        model.eval()
        return cls(model, AutoTokenizer.from_pretrained(path, trust_remote_code=False))

    def embed(self, texts: Sequence[str]):
        import numpy as np
        import torch

        rows = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                enc = self.tokenizer(list(texts[start:start + self.batch_size]), truncation=True, max_length=128,
                                     padding=True, return_tensors="pt")
                hidden = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                rows.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(rows) if rows else np.zeros((0, 384), dtype=np.float32)
