"""Load a summarizer checkpoint once, summarize many clusters in batches.

    from evenhand.inference.summarizer import Summarizer
    s = Summarizer.load("runs/summarizer/final")             # quantize="int8": faster on CPU
    result = s.summarize(["article one ...", "article two ..."])
    results = s.summarize_many(clusters, batch_size=8)

Speed: clusters are encoded once, sorted by prompt length and generated in batches of
similar length (left-padded for causal LMs, so every row continues from its last real
token), with the KV cache on. The prompt plus the summary always fit the model's context:
the articles' token budget is clamped per call to what the context leaves after the
instruction and `max_new_tokens`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import torch
from transformers import LogitsProcessor, LogitsProcessorList

from evenhand.corpus import Cluster, to_cluster
from evenhand.errors import EvenhandError

from .prompting import build_prompt, encode_prompt

logger = logging.getLogger(__name__)

DEFAULT_GENERATION = {
    "max_new_tokens": 200,
    "do_sample": False,
    "num_beams": 1,
    # Small models loop; blocking repeated 4-grams costs nothing on good outputs.
    "no_repeat_ngram_size": 4,
    "repetition_penalty": 1.1,
    # Reuse past keys/values: each new token costs one position, not the whole prefix again. A
    # checkpoint trained with gradient checkpointing has use_cache=False in its config; not here.
    "use_cache": True,
}
DEFAULT_MAX_SOURCE_TOKENS = 1536


@dataclass
class SummaryResult:
    summary: str  # headline, a line break, then the body
    sources: list[str]
    stances: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    truncated: bool = False  # some article was cut to fit the token budget
    input_tokens: int = 0
    generated_tokens: int = 0
    points: list[Any] = field(default_factory=list)  # evenhand.pipeline.Point: body sentences with their outlets
    guard: Any = None  # evenhand.inference.guard.GuardReport: what was checked and replaced
    mode: str = "abstractive"
    # With num_return_sequences=k > 1: the other beams, best first (`summary` is the best). The guard takes the
    # first that the articles support before it falls back to copied text.
    alternatives: list[str] = field(default_factory=list)

    @property
    def headline(self) -> str:
        return self.summary.split("\n", 1)[0].strip()

    def to_dict(self) -> dict[str, Any]:
        stances = {
            country: (s.to_dict() if hasattr(s, "to_dict") else s) for country, s in self.stances.items()
        }
        out = {
            "id": self.id,
            "summary": self.summary,
            "headline": self.headline,
            "points": [p.to_dict() for p in self.points],
            "stances": stances,
            "sources": self.sources,
            "mode": self.mode,
            "truncated": self.truncated,
        }
        if self.guard is not None:
            out["guard"] = self.guard.to_dict()
        return out


class Summarizer:
    def __init__(self, model, tokenizer, *, is_encoder_decoder: bool, max_source_tokens: int = DEFAULT_MAX_SOURCE_TOKENS,
                 generation: dict[str, Any] | None = None, name: str = "", quantize: str | None = None,
                 task: str = "summarizer"):
        self.task = task  # "summarizer" writes headline + body; "headline" only a headline
        self.model = model
        self.tokenizer = tokenizer
        self.is_encoder_decoder = is_encoder_decoder
        self.max_source_tokens = max_source_tokens
        self.generation = {**DEFAULT_GENERATION, **(generation or {})}
        self.name = name
        self.quantize = quantize
        self.context_limit = None if is_encoder_decoder else getattr(model.config, "max_position_embeddings", None)
        self._overhead: int | None = None
        if self.context_limit:
            self.max_source_tokens = self._source_budget(self.generation)

    @classmethod
    def load(cls, path: str | Path | None = None, *, dtype=None, max_source_tokens: int | None = None,
             device: str | None = None, quantize: str | None = None,
             backend: str | None = None) -> "Summarizer":
        """Load a summarizer checkpoint folder (None: the bundled default).

        quantize: "int8" quantizes every Linear layer's weights to int8 (dynamic quantization, CPU only;
            about 1.5-2x faster generation on x86, see README "Speed on CPU"); None/"none" keeps float weights.
        backend: "torch" (default) or "llama.cpp": generate with llama.cpp on the base GGUF plus the adapter as
            a LoRA GGUF (inference/llamacpp.py; needs `pip install "evenhand[llamacpp]"`).
        """
        from evenhand.models.defaults import default_checkpoint
        from evenhand.models.loading import load_summarizer_checkpoint

        from .quantize import normalize, quantize_model

        quantize = normalize(quantize)
        if quantize and device and not str(device).startswith("cpu"):
            raise EvenhandError(f"quantize={quantize!r} runs on CPU only; got device={device!r}")
        if quantize and dtype not in (None, torch.float32, "float32"):
            raise EvenhandError(f"quantize={quantize!r} needs float32 weights; drop dtype={dtype!r}")
        folder = Path(path) if path is not None else default_checkpoint("summarizer")
        from .llamacpp import normalize_backend

        if normalize_backend(backend) == "llama.cpp":
            from .llamacpp import load_llamacpp_checkpoint

            if quantize or dtype is not None or (device and not str(device).startswith("cpu")):
                raise EvenhandError("backend='llama.cpp' runs the GGUF's own weights on CPU; drop quantize, dtype and device")
            model, tokenizer, manifest = load_llamacpp_checkpoint(folder)
        else:
            model, tokenizer, manifest = load_summarizer_checkpoint(folder, dtype=dtype)
        if device:
            model.to(device)
        if quantize:
            model = quantize_model(model, quantize)
        data_cfg = manifest.config.get("data", {}) if manifest.config else {}
        src_tokens = max_source_tokens or data_cfg.get("max_source_tokens") or DEFAULT_MAX_SOURCE_TOKENS
        return cls(
            model,
            tokenizer,
            is_encoder_decoder=manifest.architecture == "seq2seq",
            max_source_tokens=src_tokens,
            generation=manifest.extra.get("generation") if manifest.extra else None,
            name=str(folder),
            quantize=quantize,
            task=manifest.task,
        )

    # -- generation -------------------------------------------------------------------------

    def summarize(self, articles: Any, **generation) -> SummaryResult:
        return self.summarize_many([to_cluster(articles)], batch_size=1, progress=False, **generation)[0]

    def summarize_many(self, clusters: Iterable[Any], *, batch_size: int = 8, progress: bool = True,
                       **generation) -> list[SummaryResult]:
        items = [to_cluster(c) for c in clusters]
        if batch_size < 1:
            raise EvenhandError(f"batch_size must be >= 1, got {batch_size}")
        gen = {**self.generation, **generation}
        unknown = set(generation) - _GENERATE_KEYS
        if unknown:
            raise EvenhandError(f"unknown generation option(s) {sorted(unknown)}; see transformers.GenerationConfig")
        bias = gen.get("copy_bias")
        if bias is not None and (isinstance(bias, bool) or not isinstance(bias, (int, float)) or bias != bias):
            raise EvenhandError(f"copy_bias must be a number (0 = off), got {bias!r}")
        budget = self._source_budget(gen)
        prompts, encoded = [], []
        for c in items:
            prompt, ids = self._fit_prompt(c, budget, gen)
            prompts.append(prompt)
            encoded.append(ids)
        # Sorting by length keeps padding (wasted compute) small inside each batch.
        order = sorted(range(len(items)), key=lambda i: len(encoded[i]), reverse=True)
        outputs: dict[int, tuple[str, int]] = {}
        bar = _progress(len(items), progress)
        k = int(gen.get("num_return_sequences") or 1)
        if k > int(gen.get("num_beams") or 1) and not gen.get("do_sample"):
            raise EvenhandError(f"num_return_sequences={k} needs num_beams >= {k} (or do_sample=True)")
        alternatives: dict[int, list[str]] = {}
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            texts = self._generate([encoded[i] for i in chunk], gen)
            for j, i in enumerate(chunk):  # generate() returns each prompt's k sequences together, best first
                outputs[i] = texts[j * k]
                alternatives[i] = [t for t, _ in texts[j * k + 1:(j + 1) * k]]
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
                alternatives=alternatives[i],
            )
            results.append(result)
        return results

    def _fit_prompt(self, cluster: Cluster, budget: int, gen: dict[str, Any]):
        """The prompt and its token ids; shrunk until prompt + max_new_tokens fit the context.

        The budget covers the article tokens; what is added around them (" …" truncation marks,
        tokens merging differently once re-joined) can push a long cluster a few tokens per article
        over, so the budget is cut by the overshoot and the prompt rebuilt (at most a few times).
        """
        room = None if not self.context_limit else self.context_limit - int(gen.get("max_new_tokens") or 0)
        for _ in range(4):
            prompt = build_prompt(cluster, self.tokenizer, max_source_tokens=budget,
                                  is_encoder_decoder=self.is_encoder_decoder, task=self.task)
            ids = self._encode(prompt.text)
            if room is None or len(ids) <= room or budget <= len(cluster.articles):
                break
            budget = max(len(cluster.articles), budget - (len(ids) - room) - 2 * len(cluster.articles))
        if room is not None and len(ids) > room:
            raise EvenhandError(
                f"cluster {cluster.id or ''} has {len(cluster.articles)} articles whose headers and the instruction "
                f"alone take {len(ids)} tokens; with max_new_tokens={gen.get('max_new_tokens')} that overflows the "
                f"model's {self.context_limit}-token context: ask for fewer new tokens or pass fewer articles"
            )
        return prompt, ids

    def _source_budget(self, gen: dict[str, Any]) -> int:
        """Tokens the articles may take: max_source_tokens, clamped so that the prompt (articles, headers,
        instruction, chat template) plus `max_new_tokens` fit the context window of a causal LM."""
        if not self.context_limit:
            return self.max_source_tokens
        if self._overhead is None:
            # The fixed part of every prompt: instruction and template around an empty article block.
            from .prompting import render, uses_chat_template

            empty = render([""], self.tokenizer, uses_chat_template(self.tokenizer, False), self.task)
            self._overhead = len(self._encode(empty)) + 8  # + slack: tokens can merge differently at the joins
        room = self.context_limit - int(gen.get("max_new_tokens") or 0) - self._overhead
        if room < 16:
            raise EvenhandError(
                f"max_new_tokens={gen.get('max_new_tokens')} leaves no room for the articles in the model's "
                f"{self.context_limit}-token context; ask for fewer new tokens"
            )
        return min(self.max_source_tokens, room)

    def _encode(self, text: str) -> list[int]:
        return encode_prompt(text, self.tokenizer, is_encoder_decoder=self.is_encoder_decoder)

    @torch.inference_mode()
    def _generate(self, batch: Sequence[list[int]], gen: dict[str, Any]) -> list[tuple[str, int]]:
        pad = self.tokenizer.pad_token_id
        if getattr(self.model, "generates_ids", False):  # a non-torch backend: inference/llamacpp.py
            rows = self.model.generate_ids(batch, gen, stop=self._eos_ids(), exclude=self._copy_bias_exclude())
            return [(self.tokenizer.decode(row, skip_special_tokens=True).strip(), len(row)) for row in rows]
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
        gen = dict(gen)
        copy_bias = float(gen.pop("copy_bias", 0.0) or 0.0)
        extra = {}
        if copy_bias:
            extra["logits_processor"] = LogitsProcessorList([SourceCopyBias(batch, copy_bias, self._copy_bias_exclude())])
        out = self.model.generate(**inputs, pad_token_id=pad, **gen, **extra)
        # Encoder-decoder outputs start with the decoder start token; causal outputs repeat the prompt.
        new = out[:, 1:] if self.is_encoder_decoder else out[:, width:]
        stop = self._eos_ids()
        texts = []
        for row in new.tolist():
            # Generated tokens up to the first end-of-sequence; what follows it is batch padding.
            n_new = next((j for j, t in enumerate(row) if t in stop), len(row))
            texts.append((self.tokenizer.decode(row[:n_new], skip_special_tokens=True).strip(), n_new))
        return texts

    def _copy_bias_exclude(self) -> set[int]:
        pad = self.tokenizer.pad_token_id
        return set(self.tokenizer.all_special_ids) | ({pad} if pad is not None else set())

    def _eos_ids(self) -> set[int]:
        eos = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        if eos is None:
            eos = self.tokenizer.eos_token_id
        ids = set(eos) if isinstance(eos, (list, tuple, set)) else {eos}
        return {int(i) for i in ids if i is not None}


_GENERATE_KEYS = {
    "copy_bias",  # evenhand's own: see SourceCopyBias
    "max_new_tokens", "min_new_tokens", "do_sample", "num_beams", "temperature", "top_p", "top_k",
    "no_repeat_ngram_size", "repetition_penalty", "length_penalty", "early_stopping", "use_cache",
    "num_beam_groups", "diversity_penalty", "typical_p", "encoder_no_repeat_ngram_size", "num_return_sequences",
}


class SourceCopyBias(LogitsProcessor):
    """Add `bias` to the logits of every token that occurs in the row's own prompt (the articles).

    A small model fine-tuned briefly under-copies: it paraphrases names and numbers into
    invented ones (3-gram copy rate 5% against 22% for the NeuS references). A constant additive
    bias toward the source's tokens is the cheapest pointer-like nudge: it needs no training,
    is off by default (`copy_bias=0`), and is stored per checkpoint in its generation defaults.
    A negative value discourages copying instead.
    Special and padding tokens are never boosted, so it does not end or pad outputs early.
    """

    def __init__(self, rows: Sequence[list[int]], bias: float, exclude: set[int]):
        self.rows = [sorted(set(ids) - exclude) for ids in rows]
        self.bias = bias
        self._add: torch.Tensor | None = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self._add is None or self._add.shape[1] != scores.shape[1]:
            add = torch.zeros(len(self.rows), scores.shape[1], dtype=scores.dtype, device=scores.device)
            for i, ids in enumerate(self.rows):
                ids = [t for t in ids if t < scores.shape[1]]
                add[i, ids] = self.bias
            self._add = add
        add = self._add
        if scores.shape[0] != add.shape[0]:  # beams: each row's beams follow each other
            add = add.repeat_interleave(scores.shape[0] // add.shape[0], dim=0)
        return scores + add


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
