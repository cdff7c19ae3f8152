"""A learned deleter: which optional phrases of an outlet's sentence a neutral roundup leaves out.

    evenhand prepare deletion --src data/neus/train.jsonl --out data/neus/train.deletion.jsonl
    evenhand prepare deletion --src data/neus/val.jsonl --out data/neus/val.deletion.jsonl
    evenhand train configs/deleter_minilm.yaml

Each body sentence's optional phrases (inference/compress.optional_subtrees: prepositional phrases, adverbial
clauses, conjuncts, appositives, ...; only those compress() may delete) get label 1 ("delete") when fewer
than `share` of their content words (alphabetic, not stop words; word form
or lemma) occur in the cluster's reference roundup, else 0. `scripts/selection_sweep.py --oracle-deletion`
applies the same rule to measure the ceiling: what a deleter that predicted these labels perfectly would buy.

The recipe fine-tunes all-MiniLM-L6-v2 (task "deleter", models/selector.PhraseDeleter) as a two-way classifier
of (the sentence with the phrase in [brackets], what the other outlets lead with): the selector's context, so
it can see whether other outlets report the phrase.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from evenhand.corpus import Cluster, read_jsonl
from evenhand.errors import ConfigError, CorpusError
from evenhand.evaluation.data import reference_text
from evenhand.inference.compress import OPTIONAL_DEPS
from evenhand.inference.selection import candidates, context_text, deletion_pair, sentence_phrases
from evenhand.models.selector import DELETER_LABELS
from evenhand.text import article_body, parse, parse_all

from .common import export_encoder_step, pair_dataset, start_run, train_encoder
from .config import BaseTrainConfig

SHARE = 0.5  # the ceiling's best threshold on val (README, "How far deletion can go")


def reference_words(reference: str) -> set[str]:
    """Lower-cased word forms and lemmas of a reference as scored (evaluation.data.reference_text)."""
    return {w for t in parse(reference) for w in (t.lower_, t.lemma_.lower())}


def deletable(toks, group: set[int], reference: set[str], share: float = SHARE) -> bool:
    """The oracle's label: the phrase has content words and under `share` of them are the reference's."""
    words = [toks[k] for k in group if toks[k].is_alpha and not toks[k].is_stop]
    return bool(words) and sum(w.lower_ in reference or w.lemma_.lower() in reference for w in words) < share * len(words)


def deletion_labels(cluster: Cluster, share: float = SHARE, cands: list | None = None) -> list[dict[str, Any]]:
    """Every candidate phrase of every body sentence, with its character span in the sentence and its label
    (`cands`: the cluster's candidates, when the caller has them already)."""
    reference = reference_words(reference_text(cluster) or "")
    rows = []
    for c, span, group, start, end in sentence_phrases(cluster, candidates(cluster) if cands is None else cands):
        toks = list(span)
        rows.append({"article": c.article, "position": c.position, "sentence": span.text, "start": start, "end": end,
                     "dep": next((toks[k].dep_ for k in sorted(group) if toks[k].dep_ in OPTIONAL_DEPS
                                  and toks[k].head.i - span.start not in group), ""),
                     "label": int(deletable(toks, group, reference, share))})
    return rows


def prepare_deletion(data: str | Path, out: str | Path, limit: int | None = None) -> tuple[int, int, int]:
    """Write `evenhand prepare deletion` output, one line per cluster: {"id", "contexts", "phrases": [...]}
    (contexts: per article, what the other outlets lead with, as the deleter reads it).
    Returns (clusters, phrases, phrases labelled delete)."""
    from tqdm.auto import tqdm

    clusters = read_jsonl(data, require_summary=True)[:limit]
    parse_all(article_body(a) for c in clusters for a in c.articles)  # batched parse: several times faster
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    n_phrases = n_delete = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for c in tqdm(clusters, desc="deletion labels", unit="cluster"):
            cands = candidates(c)
            rows = deletion_labels(c, cands=cands)
            n_phrases += len(rows)
            n_delete += sum(r["label"] for r in rows)
            contexts = [context_text(cands, a) for a in range(len(c.articles))]
            fh.write(json.dumps({"id": c.id, "contexts": contexts, "phrases": rows}, ensure_ascii=False) + "\n")
    tmp.replace(out)  # a crash leaves the old file, never half a new one
    return len(clusters), n_phrases, n_delete


# --- training -----------------------------------------------------------------------------


@dataclass
class DeleterData:
    train_file: str = "data/neus/train.deletion.jsonl"  # written by `evenhand prepare deletion`
    val_file: str | None = "data/neus/val.deletion.jsonl"
    max_length: int = 128  # tokens of the marked sentence plus the other outlets' leads
    limit_train: int | None = None  # first N clusters only
    limit_val: int | None = None


@dataclass
class DeleterTrainConfig(BaseTrainConfig):
    task: Literal["deleter"] = "deleter"
    base_model: str = "all-minilm-l6-v2"
    output_dir: str = "runs/deleter_minilm"
    data: DeleterData = field(default_factory=DeleterData)

    def validate_data(self) -> None:
        if self.data.max_length < 16:
            raise ConfigError("data.max_length must be at least 16")


def read_deletion(path: str | Path, limit: int | None = None) -> list[tuple[tuple[str, str], int]]:
    """((marked sentence, context), label) for every phrase of the first `limit` clusters of a deletion file."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: file not found; write it with "
                          f"`evenhand prepare deletion --src CORPUS.jsonl --out {path}`")
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if limit and lineno > limit:
                break
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                contexts = obj["contexts"]
                rows.extend((deletion_pair(r["sentence"], r["start"], r["end"], contexts[r["article"]]),
                             int(r["label"])) for r in obj["phrases"])
            except (json.JSONDecodeError, KeyError, IndexError, TypeError, ValueError) as exc:
                raise CorpusError(f"not a deletion record ({exc!r}); expected {{'id', 'contexts', 'phrases': [...]}} "
                                  "from `evenhand prepare deletion` (rerun it: older files lack 'contexts')",
                                  path=str(path), line=lineno) from None
    if not rows:
        raise CorpusError(f"{path} holds no phrases")
    return rows


def _metrics(pred) -> dict[str, float]:
    """Precision and recall of "delete" at P >= 0.5 (argmax): a wrong deletion costs more than a missed one."""
    import numpy as np

    guess = np.argmax(pred.predictions, axis=-1)
    gold = np.asarray(pred.label_ids)
    tp = int(((guess == 1) & (gold == 1)).sum())
    return {"delete_precision": tp / max(1, int((guess == 1).sum())),
            "delete_recall": tp / max(1, int((gold == 1).sum())),
            "accuracy": float((guess == gold).mean())}


def train(cfg: DeleterTrainConfig) -> Path | None:
    """Run one training job; returns the final checkpoint folder (None if interrupted)."""
    from evenhand.models.loading import load_tokenizer

    out = start_run(cfg)
    tokenizer = load_tokenizer(cfg.base_model)

    def dataset(path, limit):
        pairs, labels = zip(*read_deletion(path, limit))
        return pair_dataset(pairs, labels, tokenizer, cfg.data.max_length)

    train_ds = dataset(cfg.data.train_file, cfg.data.limit_train)
    val_ds = dataset(cfg.data.val_file, cfg.data.limit_val) if cfg.data.val_file else None
    print(f"evenhand: {len(train_ds)} training and {len(val_ds) if val_ds else 0} validation phrases", flush=True)
    return train_encoder(cfg, out, train_ds, val_ds, tokenizer, task="deleter", labels=DELETER_LABELS,
                         metrics=_metrics)


def export_step(src: Path, cfg, out: Path, metrics: dict[str, Any], *, tokenizer) -> Path:
    """Weights on disk (a Trainer step or a checkpoint folder) as an evenhand checkpoint (`evenhand export`)."""
    return export_encoder_step(src, cfg, out, metrics, tokenizer=tokenizer, task="deleter", labels=DELETER_LABELS)
