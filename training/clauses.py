"""Holder-clause stance labels: one holder sentence of a NeuS cluster, labelled for the holder's stance
toward the cluster's event (not toward another entity).

A label file (`labels/neus_stance/clauses_{train,dev}.jsonl`) holds keys and labels only, never article
text (the NeuS texts stay in ../shared/data):

    {"id": "neus-train-0012", "article": 1, "sentence_sha": "3f2a9c01d7", "country": "Russia",
     "holder": "the Kremlin", "holder_span": [0, 11], "label": "opposes"}

`article` is the 0-based article index in the cluster, `sentence_sha` the first 10 hex digits of the
SHA-1 of the sentence as the text layer splits it (`evenhand.text.parse`, one article line at a time),
`holder_span` the holder's character offsets in that sentence. Labels:

    supports | opposes | neutral   the holder's stance toward the event (docs/stance_guideline.md §4)
    unrelated                       the sentence is not about the event (background)
    not_holder                      the country is not the holder (an error of the holder finder)

The classifier learns the last two as one output, "none" (no stance on the event shown): the analyzer
meets exactly such sentences, and must not count them as evidence.

The event is what the analyzer reads in real use: `inference.stance.event_description` (the first outlet
title). `clause_examples` joins labels to the texts; `candidates` lists the holder sentences to label.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from evenhand.corpus import Cluster
from evenhand.errors import CorpusError

CLAUSE_LABELS = ("supports", "opposes", "neutral", "unrelated", "not_holder")
# The classifier's outputs (models.stance_classifier.EVENT_LABELS), in the directed-sentiment head's names.
TO_SENTENCE_LABEL = {"supports": "positive", "opposes": "negative", "neutral": "neutral", "unrelated": "none",
                     "not_holder": "none"}


def sentence_sha(sentence: str) -> str:
    return hashlib.sha1(sentence.encode("utf-8")).hexdigest()[:10]


@dataclass
class ClauseLabel:
    id: str
    article: int
    sentence_sha: str
    country: str
    holder: str
    holder_span: tuple[int, int]
    label: str


@dataclass
class ClauseExample:
    """A label joined to its text: what the classifier reads, and the gold answer."""

    key: ClauseLabel
    event: str
    sentence: str  # as written
    label: str  # one of CLAUSE_LABELS

    @property
    def marked(self) -> str:
        from evenhand.models.stance_classifier import mark_span

        return mark_span(self.sentence, *self.key.holder_span)


def read_clause_labels(path: str | Path) -> list[ClauseLabel]:
    from evenhand.corpus.io import iter_jsonl

    path = Path(path)
    if not path.exists():
        raise CorpusError(f"clause label file not found: {path}")
    out = []
    for lineno, obj in iter_jsonl(path):
        where = {"path": str(path), "line": lineno}
        if not isinstance(obj, dict):
            raise CorpusError("expected a JSON object with id, article, sentence_sha, country, holder_span, label",
                              **where)
        missing = [k for k in ("id", "article", "sentence_sha", "country", "holder_span", "label") if k not in obj]
        if missing:
            raise CorpusError(f"missing {', '.join(missing)}", **where)
        if obj["label"] not in CLAUSE_LABELS:
            raise CorpusError(f"unknown label {obj['label']!r}; expected one of {list(CLAUSE_LABELS)}",
                              field="label", **where)
        span = obj["holder_span"]
        if not (isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) for x in span)
                and 0 <= span[0] < span[1]):
            raise CorpusError(f"expected [start, end] character offsets, got {span!r}", field="holder_span", **where)
        out.append(ClauseLabel(str(obj["id"]), int(obj["article"]), str(obj["sentence_sha"]), str(obj["country"]),
                               str(obj.get("holder", "")), (span[0], span[1]), obj["label"]))
    if not out:
        raise CorpusError(f"{path} holds no clause labels")
    return out


def labels_by_key(*paths: str | Path) -> dict[tuple[str, int, str, str], str]:
    """(id, article, sentence_sha, country) -> label over clause label files (`read_clause_labels` checks them)."""
    return {(x.id, x.article, x.sentence_sha, x.country): x.label for path in paths for x in read_clause_labels(path)}


def article_sentences(cluster: Cluster, article: int) -> dict[str, str]:
    """sha -> sentence for every sentence of one article, split as `holder_sentences` splits it."""
    from evenhand.inference.holders import parse_line
    from evenhand.text import article_body

    out = {}
    for line in (x.strip() for x in article_body(cluster.articles[article]).split("\n")):
        if line:
            for sent in parse_line(line).sents:
                text = sent.text.strip()
                out.setdefault(sentence_sha(text), text)
    return out


def neus_clusters(ids: Iterable[str], neus_dir: str | Path) -> dict[str, Cluster]:
    """The NeuS clusters with these ids (`neus-{split}-{i:04d}` = line i of {split}.source)."""
    from evenhand.prepare import read_neus_split

    wanted = set(ids)
    out: dict[str, Cluster] = {}
    for split in sorted({i.split("-")[1] for i in wanted}):
        out.update({c.id: c for c in read_neus_split(neus_dir, split) if c.id in wanted})
    return out


def clause_examples(labels: Sequence[ClauseLabel], neus_dir: str | Path, *, path: str = "") -> list[ClauseExample]:
    """Labels joined with their sentences and events. A label whose sentence is no longer in the text
    (the sentence layer changed) is an error that names it, not a silent drop."""
    from evenhand.inference.stance import event_description

    clusters = neus_clusters((x.id for x in labels), neus_dir)
    cache: dict[tuple[str, int], dict[str, str]] = {}
    out, lost = [], []
    for x in labels:
        cluster = clusters.get(x.id)
        if cluster is None or not 0 <= x.article < len(cluster.articles):
            lost.append(f"{x.id} article {x.article}")
            continue
        key = (x.id, x.article)
        if key not in cache:
            cache[key] = article_sentences(cluster, x.article)
        sentence = cache[key].get(x.sentence_sha)
        if sentence is None or x.holder_span[1] > len(sentence):
            lost.append(f"{x.id} article {x.article} sentence {x.sentence_sha}")
            continue
        out.append(ClauseExample(x, event_description(cluster), sentence, x.label))
    if lost:
        raise CorpusError(f"{len(lost)} clause labels do not match the texts in {neus_dir} (first: {lost[0]}); "
                          "the NeuS files or the sentence splitter differ from the ones the labels were made with",
                          path=path or None)
    return out


def candidates(cluster: Cluster, per_cluster: int, rng: random.Random,
               rank: Callable[[list, str], list[float]] | None = None, min_rank: float = 0.0) -> list[dict[str, Any]]:
    """Up to `per_cluster` holder sentences of a cluster for labelling, spread over its countries
    (round robin, a random order within each country). With `rank(holders, event)` (a score per
    sentence, e.g. a model's P(negative), to over-sample a rare label), only sentences scoring at least
    `min_rank` are drawn, the highest first within each country."""
    from evenhand.inference.holders import holder_sentences
    from evenhand.inference.stance import event_description

    holders, _ = holder_sentences(cluster)
    event = event_description(cluster)
    scores = rank(holders, event) if rank is not None and holders else [0.0] * len(holders)
    by_country: dict[str, list] = {}
    for h, score in zip(holders, scores):
        if rank is None or score >= min_rank:
            by_country.setdefault(h.country, []).append((score, h))
    for items in by_country.values():
        rng.shuffle(items)
        if rank is not None:
            items.sort(key=lambda x: x[0])  # pop() takes the highest
    by_country = {c: [h for _, h in items] for c, items in by_country.items()}
    chosen = []
    while len(chosen) < per_cluster and any(by_country.values()):
        for country in sorted(by_country):
            if by_country[country] and len(chosen) < per_cluster:
                chosen.append(by_country[country].pop())
    titles = [a.title for a in cluster.articles if a.title]
    return [{"id": cluster.id, "article": h.article_index, "sentence_sha": sentence_sha(h.plain),
             "country": h.country, "holder": h.holder, "holder_span": list(h.span), "event": event,
             "titles": titles, "sentence": h.sentence, "clause": h.clause} for h in chosen]


def write_labels(rows: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Keys and labels only (no article text) to a label file; returns the row count."""
    keys = ("id", "article", "sentence_sha", "country", "holder", "holder_span", "label")
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({k: row[k] for k in keys}, ensure_ascii=False) + "\n")
            n += 1
    return n
