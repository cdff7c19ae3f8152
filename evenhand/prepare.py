"""The one NeuS reader, and `evenhand prepare`, which converts NeuS into evenhand's JSONL corpus.

    evenhand prepare neus --src ../shared/data/neus --out data/neus

NeuS split files hold one cluster per line: `.source` = outlet snippets joined by
` [SEP] `, each `TITLE=> ... ARTICLE=> ...`; `.target` = the neutral roundup in the
same form. Cluster ids are `neus-<split>-<0-based line index>`, the join key for
labels stored elsewhere (e.g. labels/neus_stance/).

`prepare`, `evenhand eval` on a raw `.source` file and `evenhand stance-eval` all read
NeuS through `read_neus_file`, so every command gives the models the same text.
"""

from __future__ import annotations

from pathlib import Path

from .corpus import Article, Cluster, write_jsonl
from .errors import CorpusError
from .text import strip_markers

SPLITS = ("train", "val", "test")
SEP = " [SEP] "


def read_lines(path: str | Path) -> list[str]:
    """Lines of a UTF-8 file, one record per `\\n` (not str.splitlines, which also breaks at U+2028 and
    friends that can occur inside a snippet); a final newline is optional."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def parse_snippet(snippet: str) -> Article | None:
    """`TITLE=> t ARTICLE=> body` as an Article; a snippet with a title but no body keeps the title as its
    text (the outlet still reported the event); None for an empty snippet."""
    head, _, body = snippet.partition("ARTICLE=>") if "ARTICLE=>" in snippet else ("", "", snippet)
    title, text = strip_markers(head).replace("\n", " "), strip_markers(body).replace("\n", " ")
    if not text:
        return Article(text=title) if title else None
    return Article(text=text, title=title)


def neus_summary(target_line: str) -> str | None:
    """The roundup as 'headline\\nbody' (ROUGE-Lsum splits on the newline)."""
    art = parse_snippet(target_line)
    if art is None:
        return None
    return f"{art.title}\n{art.text}" if art.title else art.text


def neus_id(split: str, index: int) -> str:
    return f"neus-{split}-{index:04d}"


def read_neus_file(source_file: str | Path, target_file: str | Path | None = None) -> list[Cluster]:
    """Clusters of one NeuS split file; the `.target` beside it (if any) gives the references."""
    source_file = Path(source_file)
    if target_file is None and source_file.with_suffix(".target").is_file():
        target_file = source_file.with_suffix(".target")
    sources = read_lines(source_file)
    targets = read_lines(target_file) if target_file is not None else [""] * len(sources)
    if len(sources) != len(targets):
        raise CorpusError(
            f"{target_file} has {len(targets)} lines but {source_file} has {len(sources)}; "
            "they must be the two halves of the same NeuS split"
        )
    clusters = []
    for i, (src_line, tgt_line) in enumerate(zip(sources, targets)):
        articles = [a for a in (parse_snippet(s) for s in src_line.split(SEP)) if a is not None]
        if not articles:
            raise CorpusError("no article text found; expected snippets joined by ' [SEP] '",
                              path=str(source_file), line=i + 1)
        clusters.append(Cluster(articles=articles, id=neus_id(source_file.stem, i), summary=neus_summary(tgt_line)))
    return clusters


def read_neus_split(src: str | Path, split: str) -> list[Cluster]:
    source_file = Path(src) / f"{split}.source"
    if not source_file.exists():
        raise CorpusError(f"{source_file} not found; expected the NeuS split files {{train,val,test}}.source/.target")
    return read_neus_file(source_file)


def prepare_neus(src: str | Path, out: str | Path, splits=SPLITS) -> dict[str, int]:
    counts = {}
    for split in splits:
        clusters = read_neus_split(src, split)
        counts[split] = write_jsonl(clusters, Path(out) / f"{split}.jsonl")
    return counts
