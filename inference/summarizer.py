"""Load a summarizer checkpoint once, summarize many clusters in batches.

    from evenhand.inference.summarizer import Summarizer
    s = Summarizer.load("runs/summarizer/final")
    result = s.summarize(["article one ...", "article two ..."])
    results = s.summarize_many(clusters, batch_size=8)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import torch

from evenhand.corpus import Cluster, to_cluster
from evenhand.errors import EvenhandError

from .prompting import build_prompt

logger = logging.getLogger(__name__)

DEFAULT_GENERATION = {
    "max_new_tokens": 200,
    "do_sample": False,
    "num_beams": 1,
    # Small models loop; blocking repeated 4-grams costs nothing on good outputs.
    "no_repeat_ngram_size": 4,
    "repetition_penalty": 1.1,
}
DEFAULT_MAX_SOURCE_TOKENS = 1536


@dataclass
class SummaryResult:
    summary: str
    sources: list[str]
    stances: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    truncated: bool = False  # some article was cut to fit the token budget
    input_tokens: int = 0
    generated_tokens: int = 0

    @property
    def headline(self) -> str:
        return self.summary.split("\n", 1)[0].strip()

    def to_dict(self) -> dict[str, Any]:
        stances = {
            country: (s.to_dict() if hasattr(s, "to_dict") else s) for country, s in self.stances.items()
        }
        return {
            "id": self.id,
            "summary": self.summary,
            "stances": stances,
            "sources": self.sources,
            "truncated": self.truncated,
        }


class Summarizer:
    def __init__(self, model, tokenizer, *, is_encoder_decoder: bool, max_source_tokens: int = DEFAULT_MAX_SOURCE_TOKENS,
                 generation: dict[str, Any] | None = None, stance=None, name: str = ""):
        self.model = model
        self.tokenizer = tokenizer
        self.is_encoder_decoder = is_encoder_decoder
        self.max_source_tokens = max_source_tokens
        self.generation = {**DEFAULT_GENERATION, **(generation or {})}
        self.stance = stance
        self.name = name
        limit = getattr(model.config, "max_position_embeddings", None)
        if limit and not is_encoder_decoder:
            # The prompt and the summary share the context window.
            room = limit - self.generation["max_new_tokens"] - 64
            if room < self.max_source_tokens:
                self.max_source_tokens = max(64, room)

    @classmethod
    def load(cls, path: str | Path | None = None, *, stance: str | Path | bool | None = None, dtype=None,
             max_source_tokens: int | None = None, device: str | None = None) -> "Summarizer":
        """Load a checkpoint folder (None: the bundled default) and, if available, a stance model.

        stance: a stance checkpoint folder, None for the bundled default when there is one, or False for none.
        """
        from evenhand.models.defaults import default_checkpoint
        from evenhand.models.loading import load_summarizer_checkpoint

        folder = Path(path) if path is not None else default_checkpoint("summarizer")
        model, tokenizer, manifest = load_summarizer_checkpoint(folder, dtype=dtype)
        if device:
            model.to(device)
        data_cfg = manifest.config.get("data", {}) if manifest.config else {}
        src_tokens = max_source_tokens or data_cfg.get("max_source_tokens") or DEFAULT_MAX_SOURCE_TOKENS
        analyzer = _load_stance(stance)
        return cls(
            model,
            tokenizer,
            is_encoder_decoder=manifest.architecture == "seq2seq",
            max_source_tokens=src_tokens,
            generation=manifest.extra.get("generation") if manifest.extra else None,
            stance=analyzer,
            name=str(folder),
        )

    # -- generation -------------------------------------------------------------------------

    def summarize(self, articles: Any, *, topic: str | None = None, **generation) -> SummaryResult:
        return self.summarize_many([to_cluster(articles)], batch_size=1, progress=False, topic=topic, **generation)[0]

    def summarize_many(self, clusters: Iterable[Any], *, batch_size: int = 8, progress: bool = True,
                       topic: str | None = None, **generation) -> list[SummaryResult]:
        items = [to_cluster(c) for c in clusters]
        if batch_size < 1:
            raise EvenhandError(f"batch_size must be >= 1, got {batch_size}")
        gen = {**self.generation, **generation}
        unknown = set(generation) - _GENERATE_KEYS
        if unknown:
            raise EvenhandError(f"unknown generation option(s) {sorted(unknown)}; see transformers.GenerationConfig")
        prompts = [
            build_prompt(c, self.tokenizer, max_source_tokens=self.max_source_tokens, is_encoder_decoder=self.is_encoder_decoder)
            for c in items
        ]
        encoded = [self._encode(p.text) for p in prompts]
        # Sorting by length keeps padding (wasted compute) small inside each batch.
        order = sorted(range(len(items)), key=lambda i: len(encoded[i]), reverse=True)
        outputs: dict[int, tuple[str, int]] = {}
        bar = _progress(len(items), progress)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            texts = self._generate([encoded[i] for i in chunk], gen)
            for i, out in zip(chunk, texts):
                outputs[i] = out
            bar.update(len(chunk))
        bar.close()
        results = []
        for i, (cluster, prompt) in enumerate(zip(items, prompts)):
            text, n_new = outputs[i]
            result = SummaryResult(
                summary=text,
                sources=cluster.sources,
                id=cluster.id,
                truncated=prompt.truncated,
                input_tokens=len(encoded[i]),
                generated_tokens=n_new,
            )
            if self.stance is not None:
                result.stances = self.stance.analyze(cluster, topic=topic or cluster.topic or result.headline)
            results.append(result)
        return results

    def _encode(self, text: str) -> list[int]:
        if self.is_encoder_decoder:
            return self.tokenizer.encode(text, add_special_tokens=True)
        ids = self.tokenizer.encode(text, add_special_tokens=False)
        if self.tokenizer.bos_token_id is not None and not getattr(self.tokenizer, "chat_template", None):
            ids = [self.tokenizer.bos_token_id] + ids
        return ids

    @torch.inference_mode()
    def _generate(self, batch: Sequence[list[int]], gen: dict[str, Any]) -> list[tuple[str, int]]:
        pad = self.tokenizer.pad_token_id
        width = max(len(ids) for ids in batch)
        input_ids, mask = [], []
        for ids in batch:
            n = width - len(ids)
            # Causal LMs continue from the last position, so they pad on the left.
            if self.is_encoder_decoder:
                input_ids.append(list(ids) + [pad] * n)
                mask.append([1] * len(ids) + [0] * n)
            else:
                input_ids.append([pad] * n + list(ids))
                mask.append([0] * n + [1] * len(ids))
        device = self.model.device
        inputs = {
            "input_ids": torch.tensor(input_ids, dtype=torch.long, device=device),
            "attention_mask": torch.tensor(mask, dtype=torch.long, device=device),
        }
        out = self.model.generate(**inputs, pad_token_id=pad, **gen)
        new = out if self.is_encoder_decoder else out[:, width:]
        texts = []
        for row in new:
            n_new = int((row != pad).sum())
            texts.append((self.tokenizer.decode(row, skip_special_tokens=True).strip(), n_new))
        return texts


_GENERATE_KEYS = {
    "max_new_tokens", "min_new_tokens", "do_sample", "num_beams", "temperature", "top_p", "top_k",
    "no_repeat_ngram_size", "repetition_penalty", "length_penalty", "early_stopping", "use_cache",
    "num_beam_groups", "diversity_penalty", "typical_p", "encoder_no_repeat_ngram_size",
}


def _load_stance(stance):
    if stance is False:
        return None
    try:
        from evenhand.inference.stance import StanceAnalyzer
    except ImportError:
        return None
    if stance is None:
        from evenhand.models.defaults import default_checkpoint_or_none

        folder = default_checkpoint_or_none("stance")
        if folder is None:
            return None
        return StanceAnalyzer.load(folder)
    return StanceAnalyzer.load(stance)


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress(total: int, enabled: bool):
    if not enabled or total <= 1:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="summarizing", unit="cluster")
