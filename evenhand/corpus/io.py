"""Corpus files: read and write JSONL (one cluster per line), read the .json inputs of
`evenhand summarize`, and turn a corpus into a `datasets.Dataset`.

Readers validate every record (validation.py) and collect the notes of a whole file, so
that a file gets one InputWarning per kind naming its lines, not one per line.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Mapping, Sequence

from ..errors import CorpusError, warn_input
from .cleaning import NOTE_KINDS
from .schema import Cluster
from .validation import describe, parse_cluster

logger = logging.getLogger(__name__)

INPUT_EXPECTED = 'one cluster object {"articles": [...]}, a list of clusters, or a list of articles'


def emit_notes(notes: Sequence[tuple[str, str, str]], path: str | Path | None = None) -> None:
    """Warn (InputWarning) about `notes` = [(kind, where label, message)]: one warning per kind.

    A kind that several clusters share becomes one summary line naming them and quoting the first.
    """
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for kind, label, message in notes:
        by_kind.setdefault(kind, []).append((label, message))
    for kind, items in by_kind.items():
        labels = list(dict.fromkeys(label for label, _ in items))
        if len(items) == 1 or len(labels) <= 1:
            for _, message in items:
                warn_input(message)
            continue
        words = {label.split(" ", 1)[0] for label in labels}
        if len(words) == 1 and all(" " in label for label in labels):  # "line 4", "line 9" -> "lines 4, 9"
            shown = f"{words.pop()}s " + ", ".join(label.split(" ", 1)[1] for label in labels[:8])
        else:
            shown = ", ".join(labels[:8])
        shown += ", ..." if len(labels) > 8 else ""
        head = f"{path}: " if path is not None else ""
        warn_input(f"{head}{len(labels)} clusters {NOTE_KINDS.get(kind, kind)} ({shown}); first: {items[0][1]}")


def _check_file(path: Path, expected: str) -> None:
    if not path.exists():
        raise CorpusError(f"file not found; expected {expected}", path=str(path))
    if path.is_dir():
        raise CorpusError(f"is a directory; expected {expected}", path=str(path))


def _decode_error(raw: bytes, exc: UnicodeDecodeError) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "is UTF-16 (it starts with a UTF-16 byte-order mark); save the file as UTF-8"
    return f"is not valid UTF-8 (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); save the file as UTF-8"


def _iter_lines(path: Path) -> Iterator[tuple[int, Any, CorpusError | None]]:
    """Yield (1-based line number, parsed JSON or None, error or None) for each non-blank line."""
    _check_file(path, "a .jsonl file with one cluster object per line")
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a UTF-8 byte-order mark (Windows editors write one)
            if not raw.strip():
                continue
            try:
                yield lineno, json.loads(raw.decode("utf-8")), None
            except UnicodeDecodeError as exc:
                yield lineno, None, CorpusError(_decode_error(raw, exc), path=str(path), line=lineno)
            except json.JSONDecodeError as exc:
                yield lineno, None, CorpusError(
                    f"is not valid JSON ({exc.msg} at column {exc.colno}); expected one cluster object per line",
                    path=str(path), line=lineno,
                )
            except (ValueError, RecursionError) as exc:  # e.g. an integer of 5,000 digits, nesting 100,000 deep
                yield lineno, None, CorpusError(
                    f"is not usable JSON ({type(exc).__name__}: {str(exc)[:80] or 'nested too deeply'}); "
                    "expected one cluster object per line",
                    path=str(path), line=lineno,
                )


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, Any]]:
    """Yield (1-based line number, parsed JSON) for each non-blank line; errors name the line."""
    for lineno, obj, error in _iter_lines(Path(path)):
        if error is not None:
            raise error
        yield lineno, obj


def read_jsonl(
    path: str | Path,
    *,
    require_summary: bool = False,
    on_error: Literal["raise", "skip"] = "raise",
    min_articles: int = 1,
) -> list[Cluster]:
    """Read and validate a corpus JSONL file.

    With on_error="skip", bad lines are dropped and counted: the count and the first
    error are printed, so nothing disappears silently. Fixable problems (duplicated
    articles, HTML, one article, text that is not English) are warned about once per
    kind for the whole file (`InputWarning`), naming the lines.
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    path = Path(path)
    clusters: list[Cluster] = []
    skipped: list[str] = []
    seen_ids: dict[str, int] = {}
    notes: list[tuple[str, str, str]] = []
    for lineno, obj, error in _iter_lines(path):
        line_notes: list[tuple[str, str]] = []
        try:
            if error is not None:
                raise error
            cluster = parse_cluster(obj, path=str(path), line=lineno, require_summary=require_summary,
                                    min_articles=min_articles, notes=line_notes)
            cluster.id = cluster.id if cluster.id is not None else f"{path.stem}-{lineno}"
            if cluster.id in seen_ids:
                raise CorpusError(
                    f"duplicate id {cluster.id!r} (first seen on line {seen_ids[cluster.id]}); ids must be unique",
                    path=str(path), line=lineno, field="id",
                )
        except CorpusError as exc:
            if on_error == "raise":
                raise
            skipped.append(str(exc))
            continue
        seen_ids[cluster.id] = lineno
        clusters.append(cluster)
        notes.extend((kind, f"line {lineno}", message) for kind, message in line_notes)
    if skipped:
        msg = f"evenhand: skipped {len(skipped)} bad line(s) in {path}; first: {skipped[0]}"
        logger.warning(msg)
        print(msg)
    emit_notes(notes, path)
    return clusters


def write_jsonl(clusters: Iterable[Cluster | Mapping[str, Any]], path: str | Path) -> int:
    """Write clusters one per line (through a temporary file, so a crash leaves the old file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for c in clusters:
            d = c.to_dict() if isinstance(c, Cluster) else dict(c)
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(path)
    return n


def read_clusters(path: str | Path) -> list[Cluster]:
    """Clusters to summarize from a file: a corpus .jsonl, or a .json holding one cluster object,
    a list of cluster objects, or a list of articles (one cluster). What `evenhand summarize FILE` reads."""
    path = Path(path)
    if path.suffix.lower() == ".jsonl":
        _check_file(path, "a .jsonl file with one cluster object per line")
        clusters = read_jsonl(path)
        if not clusters:
            raise CorpusError("holds no clusters (it is empty or blank); expected one cluster object per line", path=str(path))
        return clusters
    _check_file(path, f"a .json file with {INPUT_EXPECTED}, or a .jsonl corpus")
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(_decode_error(raw, exc), path=str(path)) from None
    if not text.strip():
        raise CorpusError(f"is empty; expected {INPUT_EXPECTED}", path=str(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = ""
        if exc.msg == "Extra data":
            hint = " (it holds more than one JSON value: a file with one cluster per line should be named .jsonl)"
        raise CorpusError(
            f"is not valid JSON ({exc.msg} at column {exc.colno}){hint}; expected {INPUT_EXPECTED}",
            path=str(path), line=exc.lineno,
        ) from None
    except (ValueError, RecursionError) as exc:
        raise CorpusError(f"is not usable JSON ({type(exc).__name__}); expected {INPUT_EXPECTED}", path=str(path)) from None
    return clusters_from_json(data, path=str(path))


def clusters_from_json(data: Any, *, path: str | None = None) -> list[Cluster]:
    """Clusters from a parsed JSON value: one cluster object, a list of them, or a list of articles."""
    where = {"path": path}
    notes: list[tuple[str, str, str]] = []

    def parse(obj: Any, item: int | None) -> Cluster:
        found: list[tuple[str, str]] = []
        cluster = parse_cluster(obj, path=path, item=item, notes=found)
        notes.extend((kind, f"item [{item}]" if item is not None else "", message) for kind, message in found)
        return cluster

    if isinstance(data, Mapping):
        if "articles" in data:
            clusters = [parse(data, None)]
        elif "text" in data:
            raise CorpusError(f"holds a single article (an object with 'text'); expected {INPUT_EXPECTED}", **where)
        else:
            keys = sorted(map(str, data))[:8]
            raise CorpusError(f"holds an object without 'articles' (keys: {keys}); expected {INPUT_EXPECTED}", **where)
    elif isinstance(data, list):
        if not data:
            raise CorpusError(f"holds an empty list; expected {INPUT_EXPECTED}", **where)
        is_cluster = [isinstance(x, Mapping) and "articles" in x for x in data]
        if all(is_cluster):
            clusters = [parse(x, i) for i, x in enumerate(data)]
        elif any(is_cluster):
            raise CorpusError(
                f"item [{is_cluster.index(False)}] is not a cluster (no 'articles') but item [{is_cluster.index(True)}] "
                "is; expected a list of clusters, or a list of articles", **where,
            )
        else:
            clusters = [parse({"articles": data}, None)]
    else:
        kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}.get(type(data), "null")
        raise CorpusError(f"holds {kind} ({describe(data)}); expected {INPUT_EXPECTED}", **where)
    emit_notes(notes, path)
    return clusters


def load_dataset(path: str | Path, *, require_summary: bool = False, on_error: Literal["raise", "skip"] = "raise"):
    """Validate a corpus file and return it as a `datasets.Dataset` (columns: id, articles, summary, ...)."""
    import datasets

    rows = [
        {
            "id": c.id,
            "articles": [asdict(a) for a in c.articles],
            "summary": c.summary,
            "topic": c.topic,
            "stances": json.dumps(c.stances) if c.stances is not None else None,
        }
        for c in read_jsonl(path, require_summary=require_summary, on_error=on_error)
    ]
    return datasets.Dataset.from_list(rows)
