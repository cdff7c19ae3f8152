"""Labels for a learned deleter: which optional phrases of an outlet's sentence a neutral roundup leaves out.

    evenhand prepare deletion --src data/neus/train.jsonl --out data/neus/train.deletion.jsonl

Each body sentence's optional phrases (inference/compress.optional_subtrees: prepositional phrases, adverbial
clauses, conjuncts, appositives, ...; only those compress() may delete) get label 1 ("delete") when fewer than `share` of their content words (alphabetic, not stop words; word form
or lemma) occur in the cluster's reference roundup, else 0. `scripts/selection_sweep.py --oracle-deletion`
applies the same rule to measure the ceiling: what a deleter that predicted these labels perfectly would buy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evenhand.corpus import Cluster, read_jsonl
from evenhand.evaluation.data import reference_text
from evenhand.inference.compress import OPTIONAL_DEPS, optional_subtrees
from evenhand.inference.selection import candidates
from evenhand.text import article_body, parse, parse_all, span_at

SHARE = 0.5  # the ceiling's best threshold on val (README, "How far deletion can go")


def reference_words(reference: str) -> set[str]:
    """Lower-cased word forms and lemmas of a reference as scored (evaluation.data.reference_text)."""
    return {w for t in parse(reference) for w in (t.lower_, t.lemma_.lower())}


def deletable(toks, group: set[int], reference: set[str], share: float = SHARE) -> bool:
    """The oracle's label: the phrase has content words and under `share` of them are the reference's."""
    words = [toks[k] for k in group if toks[k].is_alpha and not toks[k].is_stop]
    return bool(words) and sum(w.lower_ in reference or w.lemma_.lower() in reference for w in words) < share * len(words)


def deletion_labels(cluster: Cluster, share: float = SHARE) -> list[dict[str, Any]]:
    """Every candidate phrase of every body sentence, with its character span in the sentence and its label."""
    reference = reference_words(reference_text(cluster) or "")
    bodies = [article_body(a) for a in cluster.articles]
    rows = []
    for c in candidates(cluster):
        span = span_at(bodies[c.article], c.start, c.end) if c.kind == "sentence" else None
        if span is None:
            continue
        toks = list(span)
        origin = toks[0].idx
        for group in optional_subtrees(span):
            first, last = toks[min(group)], toks[max(group)]
            rows.append({"article": c.article, "position": c.position, "sentence": span.text,
                         "start": first.idx - origin, "end": last.idx + len(last.text) - origin,
                         "dep": next((toks[k].dep_ for k in sorted(group) if toks[k].dep_ in OPTIONAL_DEPS
                                      and toks[k].head.i - span.start not in group), ""),
                         "label": int(deletable(toks, group, reference, share))})
    return rows


def prepare_deletion(data: str | Path, out: str | Path, limit: int | None = None) -> tuple[int, int, int]:
    """Write `evenhand prepare deletion` output, one line per cluster: {"id", "phrases": [...]}.
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
            rows = deletion_labels(c)
            n_phrases += len(rows)
            n_delete += sum(r["label"] for r in rows)
            fh.write(json.dumps({"id": c.id, "phrases": rows}, ensure_ascii=False) + "\n")
    tmp.replace(out)  # a crash leaves the old file, never half a new one
    return len(clusters), n_phrases, n_delete
