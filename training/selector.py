"""Train the sentence selector: all-MiniLM-L6-v2 scores each title and sentence in its cluster context.

    evenhand prepare oracle --data data/neus/train.jsonl --out data/neus/train.oracle.jsonl
    evenhand prepare oracle --data data/neus/val.jsonl --out data/neus/val.oracle.jsonl
    evenhand train configs/selector_minilm.yaml

Labels (`oracle_labels`, written by `evenhand prepare oracle`): each candidate's ROUGE against the
reference roundup, mean of ROUGE-1 and ROUGE-2 F1 on rouge-score's stemmed tokens, divided by the
best candidate's in its cluster; plus membership in the greedy ROUGE oracle (candidates added while
the mean ROUGE-1/2 F1 of the selection rises, up to the reference's length). label =
0.5 x relative ROUGE + 0.5 x oracle membership, in [0, 1]. The model regresses it (MSE).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from evenhand.corpus import Cluster, read_jsonl
from evenhand.errors import ConfigError, CorpusError
from evenhand.evaluation.text import ngrams, rouge_tokens
from evenhand.inference.selection import candidates, context_text, selector_pair
from evenhand.models.selector import SELECTOR_LABELS
from evenhand.text import article_body, parse_all, strip_markers

from .common import export_encoder_step, pair_dataset, start_run, train_encoder
from .config import BaseTrainConfig

logger = logging.getLogger(__name__)


@dataclass
class SelectorData:
    train_file: str = "data/neus/train.oracle.jsonl"  # written by `evenhand prepare oracle`
    val_file: str | None = "data/neus/val.oracle.jsonl"
    max_length: int = 128  # tokens of the candidate plus the other outlets' leads
    limit_train: int | None = None  # first N clusters only (quick experiments)
    limit_val: int | None = None


@dataclass
class SelectorTrainConfig(BaseTrainConfig):
    task: Literal["selector"] = "selector"
    base_model: str = "all-minilm-l6-v2"
    output_dir: str = "runs/selector_minilm"
    data: SelectorData = field(default_factory=SelectorData)

    def validate_data(self) -> None:
        if self.data.max_length < 16:
            raise ConfigError("data.max_length must be at least 16")


# --- labels -------------------------------------------------------------------------------


def _rouge12(cand: list[str], ref_counts: tuple[Counter, Counter], ref_len: tuple[int, int]) -> float:
    """Mean of ROUGE-1 and ROUGE-2 F1 of token list `cand` against the reference's n-gram counts."""
    total = 0.0
    for n, (ref, n_ref) in enumerate(zip(ref_counts, ref_len), start=1):
        c = Counter(ngrams(cand, n))
        overlap = sum((c & ref).values())
        n_c = sum(c.values())
        if overlap and n_c and n_ref:
            p, r = overlap / n_c, overlap / n_ref
            total += 2 * p * r / (p + r)
    return total / 2


def oracle_labels(cluster: Cluster) -> list[dict[str, Any]]:
    """The candidates of a cluster with their ROUGE, oracle membership and training label (module docstring)."""
    cands = candidates(cluster)
    ref = rouge_tokens(strip_markers(cluster.summary or ""), stem=True)
    ref_counts = (Counter(ngrams(ref, 1)), Counter(ngrams(ref, 2)))
    ref_len = (max(0, len(ref)), max(0, len(ref) - 1))
    toks = [rouge_tokens(c.text, stem=True) for c in cands]
    single = [_rouge12(t, ref_counts, ref_len) for t in toks]
    chosen: list[int] = []
    current, length = 0.0, 0
    while length < len(ref):
        gains = [(_rouge12(sum((toks[j] for j in chosen + [i]), []), ref_counts, ref_len), i)
                 for i in range(len(cands)) if i not in chosen]
        if not gains:
            break
        best, i = max(gains)
        if best <= current:
            break
        chosen.append(i)
        current, length = best, length + len(toks[i])
    top = max(single, default=0.0) or 1.0
    return [
        {"article": c.article, "kind": c.kind, "position": c.position, "text": c.text,
         "context": context_text(cands, c.article), "rouge": round(single[i], 4), "oracle": i in chosen,
         "label": round(0.5 * single[i] / top + 0.5 * (i in chosen), 4)}
        for i, c in enumerate(cands)
    ]


def prepare_oracle(data: str | Path, out: str | Path, limit: int | None = None) -> int:
    """Write `evenhand prepare oracle` output: one line per cluster, {"id", "candidates": [...]}."""
    from tqdm.auto import tqdm

    clusters = read_jsonl(data, require_summary=True)[:limit]
    parse_all(article_body(a) for c in clusters for a in c.articles)  # batched parse: several times faster
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for c in tqdm(clusters, desc="oracle labels", unit="cluster"):
            fh.write(json.dumps({"id": c.id, "candidates": oracle_labels(c)}, ensure_ascii=False) + "\n")
    tmp.replace(out)
    return len(clusters)


# --- training -----------------------------------------------------------------------------


def read_oracle(path: str | Path, limit: int | None = None) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: file not found; write it with `evenhand prepare oracle --data CORPUS.jsonl --out {path}`")
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            cands = obj["candidates"]
            rows.extend((c["kind"], c["position"], c["text"], c["context"], float(c["label"])) for c in cands)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise CorpusError(f"not an oracle record ({exc}); expected {{'id', 'candidates': [...]}} from "
                              "`evenhand prepare oracle`", path=str(path), line=lineno) from None
        if limit and lineno >= limit:
            break
    if not rows:
        raise CorpusError(f"{path} holds no candidates")
    return rows


def tokenize_rows(rows, tokenizer, max_length: int):
    from evenhand.inference.selection import Candidate

    pairs = [selector_pair(Candidate(0, "", kind, pos, text, 0, 0), context) for kind, pos, text, context, _ in rows]
    return pair_dataset(pairs, [label for *_, label in rows], tokenizer, max_length)


def train(cfg: SelectorTrainConfig) -> Path | None:
    """Run one training job; returns the final checkpoint folder (None if interrupted)."""
    from evenhand.models.loading import load_tokenizer

    out = start_run(cfg)
    train_rows = read_oracle(cfg.data.train_file, cfg.data.limit_train)
    val_rows = read_oracle(cfg.data.val_file, cfg.data.limit_val) if cfg.data.val_file else []
    tokenizer = load_tokenizer(cfg.base_model)
    train_ds = tokenize_rows(train_rows, tokenizer, cfg.data.max_length)
    val_ds = tokenize_rows(val_rows, tokenizer, cfg.data.max_length) if val_rows else None
    print(f"evenhand: {len(train_ds)} training and {len(val_ds) if val_ds else 0} validation candidates", flush=True)
    return train_encoder(cfg, out, train_ds, val_ds, tokenizer, task="selector", labels=SELECTOR_LABELS,
                         regression=True)


def export_step(src: Path, cfg, out: Path, metrics: dict[str, Any], *, tokenizer) -> Path:
    """Weights on disk (a Trainer step or a checkpoint folder) as an evenhand checkpoint (`evenhand export`)."""
    return export_encoder_step(src, cfg, out, metrics, tokenizer=tokenizer, task="selector", labels=SELECTOR_LABELS)
