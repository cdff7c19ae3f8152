"""Convert published corpora into evenhand's JSONL corpus format.

    evenhand prepare neus --src ../shared/data/neus --out data/neus

NeuS split files hold one cluster per line: `.source` = outlet snippets joined by
` [SEP] `, each `TITLE=> ... ARTICLE=> ...`; `.target` = the neutral roundup in the
same form. Cluster ids are `neus-<split>-<0-based line index>`, the join key for
labels stored elsewhere (e.g. labels/neus_stance/).
"""

from __future__ import annotations

import re
from pathlib import Path

from .corpus import Article, Cluster, write_jsonl
from .errors import CorpusError

SPLITS = ("train", "val", "test")
_MARKER = re.compile(r"\b[A-Z]+=>\s*")
_TITLE_ARTICLE = re.compile(r"^\s*TITLE=>\s*(?P<title>.*?)\s*ARTICLE=>\s*(?P<text>.*)$", re.S)


def strip_markers(text: str) -> str:
    """Remove every `WORD=>` marker (TITLE=>, ARTICLE=>, TITLEAN=>...), as the NeuS scorers do."""
    return re.sub(r"\s+", " ", _MARKER.sub(" ", text)).strip()


def parse_snippet(snippet: str) -> Article:
    m = _TITLE_ARTICLE.match(snippet)
    if not m:
        return Article(text=strip_markers(snippet))
    title = strip_markers(m.group("title")).rstrip()
    return Article(text=strip_markers(m.group("text")), title=title)


def neus_summary(target_line: str) -> str:
    """The roundup as 'headline\\nbody' (ROUGE-Lsum splits on the newline)."""
    art = parse_snippet(target_line)
    return f"{art.title}\n{art.text}" if art.title else art.text


def neus_id(split: str, index: int) -> str:
    return f"neus-{split}-{index:04d}"


def read_neus_split(src: str | Path, split: str) -> list[Cluster]:
    src = Path(src)
    source_file, target_file = src / f"{split}.source", src / f"{split}.target"
    if not source_file.exists():
        raise CorpusError(f"{source_file} not found; expected the NeuS split files {{train,val,test}}.source/.target")
    sources = source_file.read_text(encoding="utf-8").splitlines()
    targets = target_file.read_text(encoding="utf-8").splitlines() if target_file.exists() else [None] * len(sources)
    if len(sources) != len(targets):
        raise CorpusError(f"{source_file} has {len(sources)} lines but {target_file} has {len(targets)}")
    clusters = []
    for i, (src_line, tgt_line) in enumerate(zip(sources, targets)):
        articles = [parse_snippet(s) for s in src_line.split(" [SEP] ")]
        articles = [a for a in articles if a.text]
        if not articles:
            raise CorpusError("no article text found", path=str(source_file), line=i + 1)
        clusters.append(
            Cluster(
                articles=articles,
                id=neus_id(split, i),
                summary=neus_summary(tgt_line) if tgt_line else None,
            )
        )
    return clusters


def prepare_neus(src: str | Path, out: str | Path, splits=SPLITS) -> dict[str, int]:
    counts = {}
    for split in splits:
        clusters = read_neus_split(src, split)
        counts[split] = write_jsonl(clusters, Path(out) / f"{split}.jsonl")
    return counts
