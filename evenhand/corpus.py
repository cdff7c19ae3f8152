"""The corpus format: one event cluster per JSONL line.

    {"id": "neus-val-0013",
     "articles": [{"source": "Outlet A", "title": "...", "text": "..."}, ...],
     "summary": "neutral reference (optional at inference)",
     "stances": {"Russia": "supports", ...},            # optional
     "topic": "Russia-North Korea defence pact"}        # optional

Validation happens here, once, so that errors name the file, line and field; the
rest of the package works on the `Cluster` dataclass.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Mapping, Sequence

from .errors import CorpusError

logger = logging.getLogger(__name__)

STANCE_LABELS = ("supports", "opposes", "neutral", "mixed", "not_stated")

# A single article bigger than this is almost certainly a wrong file (a whole
# dump, a binary); the fair token budget keeps only a few thousand tokens anyway.
MAX_ARTICLE_CHARS = 1_000_000


@dataclass
class Article:
    text: str
    title: str = ""
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "title": self.title, "text": self.text}


@dataclass
class Cluster:
    articles: list[Article]
    id: str | None = None
    summary: str | None = None
    stances: dict[str, str] | None = None
    topic: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "articles": [a.to_dict() for a in self.articles]}
        for key in ("summary", "stances", "topic"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        return d

    @property
    def sources(self) -> list[str]:
        return [a.source or f"article {i + 1}" for i, a in enumerate(self.articles)]


def _clean_text(value: Any, *, field_name: str, where: dict[str, Any], allow_empty: bool) -> str:
    if value is None and allow_empty:
        return ""
    if not isinstance(value, str):
        raise CorpusError(f"expected a string, got {type(value).__name__}", field=field_name, **where)
    # NFC so that the same word typed two ways counts once in metrics and budgets.
    text = unicodedata.normalize("NFC", value).strip()
    if not text and not allow_empty:
        raise CorpusError("is empty or only whitespace; expected article text", field=field_name, **where)
    if len(text) > MAX_ARTICLE_CHARS:
        raise CorpusError(
            f"is {len(text):,} characters long; at most {MAX_ARTICLE_CHARS:,} are accepted "
            "(split the file into articles, or trim it)",
            field=field_name,
            **where,
        )
    return text


def parse_article(obj: Any, *, index: int, where: dict[str, Any]) -> Article:
    fname = f"articles[{index}]"
    if isinstance(obj, str):
        return Article(text=_clean_text(obj, field_name=fname, where=where, allow_empty=False))
    if not isinstance(obj, Mapping):
        raise CorpusError(
            f"expected a string or an object with 'text' (and optional 'title', 'source'), got {type(obj).__name__}",
            field=fname,
            **where,
        )
    unknown = set(obj) - {"text", "title", "source", "url", "date"}
    if unknown:
        raise CorpusError(
            f"unknown key(s) {sorted(unknown)}; expected 'text', 'title', 'source'", field=fname, **where
        )
    if "text" not in obj:
        raise CorpusError("missing 'text'", field=fname, **where)
    text = _clean_text(obj["text"], field_name=f"{fname}.text", where=where, allow_empty=False)
    title = _clean_text(obj.get("title"), field_name=f"{fname}.title", where=where, allow_empty=True)
    source = obj.get("source")
    if source is not None:
        source = _clean_text(source, field_name=f"{fname}.source", where=where, allow_empty=True) or None
    return Article(text=text, title=title, source=source)


def parse_cluster(
    obj: Any,
    *,
    path: str | None = None,
    line: int | None = None,
    require_summary: bool = False,
    min_articles: int = 1,
) -> Cluster:
    """Validate one cluster record (a dict as read from JSON) into a Cluster."""
    where = {"path": path, "line": line}
    if not isinstance(obj, Mapping):
        raise CorpusError(f"expected a JSON object (one cluster), got {type(obj).__name__}", **where)
    unknown = set(obj) - {"id", "articles", "summary", "stances", "topic", "meta"}
    if unknown:
        raise CorpusError(
            f"unknown key(s) {sorted(unknown)}; expected 'id', 'articles', 'summary', 'stances', 'topic'", **where
        )
    cid = obj.get("id")
    if cid is not None and not isinstance(cid, (str, int)):
        raise CorpusError(f"expected a string, got {type(cid).__name__}", field="id", **where)
    articles = obj.get("articles")
    if articles is None:
        raise CorpusError("missing; expected a list of articles", field="articles", **where)
    if not isinstance(articles, list):
        raise CorpusError(f"expected a list of articles, got {type(articles).__name__}", field="articles", **where)
    if len(articles) < min_articles:
        raise CorpusError(f"has {len(articles)} article(s); at least {min_articles} expected", field="articles", **where)
    parsed = [parse_article(a, index=i, where=where) for i, a in enumerate(articles)]
    summary = obj.get("summary")
    if summary is not None or require_summary:
        if summary is None:
            raise CorpusError("missing; training and evaluation need a reference summary", field="summary", **where)
        summary = _clean_text(summary, field_name="summary", where=where, allow_empty=False)
    stances = obj.get("stances")
    if stances is not None:
        if not isinstance(stances, Mapping):
            raise CorpusError("expected an object mapping country -> label", field="stances", **where)
        for country, label in stances.items():
            if label not in STANCE_LABELS:
                raise CorpusError(
                    f"unknown stance label {label!r} for {country!r}; expected one of {list(STANCE_LABELS)}",
                    field="stances",
                    **where,
                )
        stances = dict(stances)
    topic = obj.get("topic")
    if topic is not None:
        topic = _clean_text(topic, field_name="topic", where=where, allow_empty=True) or None
    meta = obj.get("meta") or {}
    return Cluster(
        articles=parsed,
        id=str(cid) if cid is not None else None,
        summary=summary,
        stances=stances,
        topic=topic,
        meta=dict(meta),
    )


def _iter_lines(path: Path) -> Iterator[tuple[int, Any, CorpusError | None]]:
    """Yield (1-based line number, parsed JSON or None, error or None) for each non-blank line."""
    if not path.exists():
        raise CorpusError(f"file not found: {path}")
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                yield lineno, json.loads(raw.decode("utf-8")), None
            except UnicodeDecodeError as exc:
                yield lineno, None, CorpusError(
                    f"is not valid UTF-8 (byte {exc.start}); save the file as UTF-8", path=str(path), line=lineno
                )
            except json.JSONDecodeError as exc:
                yield lineno, None, CorpusError(
                    f"is not valid JSON ({exc.msg} at column {exc.colno}); expected one cluster object per line",
                    path=str(path),
                    line=lineno,
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
    error are printed, so nothing disappears silently.
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    path = Path(path)
    clusters: list[Cluster] = []
    skipped: list[str] = []
    seen_ids: dict[str, int] = {}
    for lineno, obj, error in _iter_lines(path):
        try:
            if error is not None:
                raise error
            cluster = parse_cluster(
                obj, path=str(path), line=lineno, require_summary=require_summary, min_articles=min_articles
            )
            if cluster.id is None:
                cluster.id = f"{path.stem}-{lineno}"
            if cluster.id in seen_ids:
                raise CorpusError(
                    f"duplicate id {cluster.id!r} (first seen on line {seen_ids[cluster.id]}); ids must be unique",
                    path=str(path),
                    line=lineno,
                    field="id",
                )
        except CorpusError as exc:
            if on_error == "raise":
                raise
            skipped.append(str(exc))
            continue
        seen_ids[cluster.id] = lineno
        clusters.append(cluster)
    if skipped:
        msg = f"evenhand: skipped {len(skipped)} bad line(s) in {path}; first: {skipped[0]}"
        logger.warning(msg)
        print(msg)
    return clusters


def write_jsonl(clusters: Iterable[Cluster | Mapping[str, Any]], path: str | Path) -> int:
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


def to_cluster(inputs: Any, *, min_articles: int = 1) -> Cluster:
    """Accept what users pass to summarize(): a Cluster, a cluster dict, a list of strings or article dicts."""
    if isinstance(inputs, Cluster):
        return inputs
    if isinstance(inputs, str):
        raise CorpusError(
            "got a single string; pass a list of article texts (or of {'source','title','text'} dicts), "
            "or a cluster dict with 'articles'"
        )
    if isinstance(inputs, Mapping):
        return parse_cluster(inputs, min_articles=min_articles)
    if isinstance(inputs, Sequence):
        return parse_cluster({"articles": list(inputs)}, min_articles=min_articles)
    raise CorpusError(
        f"expected a list of articles or a cluster dict, got {type(inputs).__name__}"
    )


def load_dataset(path: str | Path, *, require_summary: bool = False, on_error: Literal["raise", "skip"] = "raise"):
    """Validate a corpus file and return it as a `datasets.Dataset` (columns: id, articles, summary, ...)."""
    import datasets

    clusters = read_jsonl(path, require_summary=require_summary, on_error=on_error)
    rows = []
    for c in clusters:
        rows.append(
            {
                "id": c.id,
                "articles": [asdict(a) for a in c.articles],
                "summary": c.summary,
                "topic": c.topic,
                "stances": json.dumps(c.stances) if c.stances is not None else None,
            }
        )
    return datasets.Dataset.from_list(rows)


def cluster_from_row(row: Mapping[str, Any]) -> Cluster:
    stances = row.get("stances")
    return Cluster(
        articles=[Article(**a) for a in row["articles"]],
        id=row.get("id"),
        summary=row.get("summary"),
        stances=json.loads(stances) if isinstance(stances, str) else stances,
        topic=row.get("topic"),
    )
