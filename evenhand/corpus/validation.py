"""Validation: is a record usable, and if not, what exactly is wrong and where.

A record is checked field by field in the order it is written, and the first problem
raises a CorpusError naming path, line (or item) and field. Validation changes nothing;
`parse_cluster` then runs the fix-up passes of cleaning.py on the checked record.
"""

from __future__ import annotations

import reprlib
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from ..errors import CorpusError, locate, warn_input
from .cleaning import clean_cluster, plain_text
from .schema import MAX_ARTICLE_CHARS, STANCE_LABELS, Article, Cluster

CLUSTER_KEYS = ("id", "articles", "summary", "stances", "topic", "meta")
ARTICLE_KEYS = ("text", "title", "source", "url", "date")  # url and date are accepted and not kept


@dataclass
class Where:
    """Where a record comes from, for messages."""

    path: str | None = None
    line: int | None = None
    item: int | None = None  # index of a cluster inside a JSON list

    def error(self, message: str, field_name: str | None = None) -> CorpusError:
        return CorpusError(message, path=self.path, line=self.line, item=self.item, field=field_name)

    def locate(self, message: str, field_name: str | None = None) -> str:
        return locate(message, path=self.path, line=self.line, item=self.item, field=field_name)


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 40
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = 4


def describe(value: Any) -> str:
    """A short repr for messages: a 5 MB string must not end up in an error."""
    return _REPR.repr(value)


def type_message(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return f"expected a string, got {type(value).__name__}; decode it to str first (e.g. value.decode('utf-8'))"
    if value is None:
        return "expected a string, got null (None)"
    if isinstance(value, (list, tuple)):
        return f"expected a string, got a {type(value).__name__} ({describe(value)}); join its parts into one string first"
    if isinstance(value, Mapping):
        return f"expected a string, got an object ({describe(value)})"
    return f"expected a string, got {type(value).__name__} ({describe(value)})"


def check_text(value: Any, field_name: str, where: Where, *, allow_empty: bool, expected: str = "article text",
               need_visible: bool = False) -> None:
    """Raise if `value` cannot be a text field. Emptiness is judged on the plain text the models
    will see (after cleaning), so markup around nothing is empty too."""
    if value is None and allow_empty:
        return
    if not isinstance(value, str):
        raise where.error(type_message(value), field_name)
    if len(value) > MAX_ARTICLE_CHARS and len(value.strip()) > MAX_ARTICLE_CHARS:
        n = len(value.strip())
        raise where.error(
            f"is {n:,} characters long (about {n // 6:,} words); at most {MAX_ARTICLE_CHARS:,} characters are "
            "accepted per field. That is a whole file or dump rather than one article: split it into articles, "
            "or trim it (only the first few thousand tokens of an article reach the model anyway)",
            field_name,
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise where.error(
            f"contains invalid Unicode (a lone surrogate, U+{ord(value[exc.start]):04X}, at character {exc.start}); "
            "the text was decoded wrongly: decode the original bytes as UTF-8 (errors='replace' if need be)",
            field_name,
        ) from None
    text, markup = plain_text(value)
    if not text and not allow_empty:
        after = " after removing its HTML markup" if markup else ""
        raise where.error(f"is empty or only whitespace{after}; expected {expected}", field_name)
    if text and need_visible and not any(unicodedata.category(ch)[0] not in "CZ" for ch in text):
        raise where.error(
            f"has only invisible characters ({describe(text)}: zero-width, control or format characters); "
            f"expected {expected}",
            field_name,
        )


def validate_article(obj: Any, index: int, where: Where) -> Article:
    fname = f"articles[{index}]"
    if isinstance(obj, Article):
        obj = obj.to_dict()
    if isinstance(obj, str):
        check_text(obj, fname, where, allow_empty=False, need_visible=True)
        return Article(text=obj)
    if not isinstance(obj, Mapping):
        hint = ""
        if isinstance(obj, (list, tuple, Cluster)):
            hint = "; to summarize several clusters, call Summarizer.summarize_many(clusters)"
        elif isinstance(obj, (bytes, bytearray)):
            hint = "; decode it to str first (e.g. value.decode('utf-8'))"
        raise where.error(
            f"expected a string or an object with 'text' (and optional 'title', 'source'), "
            f"got {type(obj).__name__} ({describe(obj)}){hint}",
            fname,
        )
    unknown = set(obj) - set(ARTICLE_KEYS)
    if unknown:
        raise where.error(f"unknown key(s) {sorted(map(str, unknown))}; expected 'text', 'title', 'source'", fname)
    if "text" not in obj:
        raise where.error("missing 'text'; expected the article body as a string", fname)
    check_text(obj["text"], f"{fname}.text", where, allow_empty=False, need_visible=True)
    check_text(obj.get("title"), f"{fname}.title", where, allow_empty=True)
    source = obj.get("source")
    if source is not None:
        check_text(source, f"{fname}.source", where, allow_empty=True)
    return Article(text=obj["text"], title=obj.get("title") or "", source=source)


def validate_articles(articles: Any, where: Where, min_articles: int) -> list[Article]:
    if articles is None:
        raise where.error("missing; expected a list of articles", "articles")
    if not isinstance(articles, list):
        raise where.error(f"expected a list of articles, got {type(articles).__name__} ({describe(articles)})", "articles")
    if len(articles) < min_articles:
        raise where.error(
            f"has {len(articles)} article(s); at least {min_articles} expected (nothing to summarize)", "articles"
        )
    return [validate_article(a, i, where) for i, a in enumerate(articles)]


def validate_stances(stances: Any, where: Where) -> dict[str, str] | None:
    if stances is None:
        return None
    if not isinstance(stances, Mapping):
        raise where.error(
            f"expected an object mapping country -> label, got {type(stances).__name__} ({describe(stances)})",
            "stances",
        )
    for country, label in stances.items():
        if not isinstance(country, str) or not country.strip():
            raise where.error(f"country names must be non-empty strings, got {country!r}", "stances")
        if not isinstance(label, str) or label not in STANCE_LABELS:
            raise where.error(
                f"unknown stance label {label!r} for {country!r}; expected one of {list(STANCE_LABELS)}", "stances"
            )
    return dict(stances)


def validate_cluster(obj: Any, where: Where, *, require_summary: bool = False, min_articles: int = 1) -> Cluster:
    """The record as a Cluster, unchanged, or a CorpusError for its first problem."""
    if not isinstance(obj, Mapping):
        raise where.error(
            f"expected a JSON object (one cluster with 'articles'), got {type(obj).__name__} ({describe(obj)})"
        )
    unknown = set(obj) - set(CLUSTER_KEYS)
    if unknown:
        raise where.error(
            f"unknown key(s) {sorted(map(str, unknown))}; expected 'id', 'articles', 'summary', 'stances', 'topic'"
        )
    cid = obj.get("id")
    if cid is not None:
        if isinstance(cid, bool) or not isinstance(cid, (str, int)):
            raise where.error(f"expected a string, got {type(cid).__name__} ({describe(cid)})", "id")
        if not str(cid).strip():
            raise where.error("is empty; expected a unique id (or leave 'id' out)", "id")
    articles = validate_articles(obj.get("articles"), where, min_articles)
    summary = obj.get("summary")
    if summary is None and require_summary:
        raise where.error("missing; training and evaluation need a reference summary", "summary")
    if summary is not None:
        check_text(summary, "summary", where, allow_empty=False, expected="a reference summary", need_visible=True)
    stances = validate_stances(obj.get("stances"), where)
    topic = obj.get("topic")
    if topic is not None:
        check_text(topic, "topic", where, allow_empty=True, expected="a topic")
    meta = obj.get("meta")
    if meta is not None and not isinstance(meta, Mapping):
        raise where.error(f"expected an object, got {type(meta).__name__} ({describe(meta)})", "meta")
    return Cluster(articles=articles, id=str(cid) if cid is not None else None, summary=summary, stances=stances,
                   topic=topic, meta=dict(meta or {}))


def parse_cluster(
    obj: Any,
    *,
    path: str | None = None,
    line: int | None = None,
    require_summary: bool = False,
    min_articles: int = 1,
    item: int | None = None,
    notes: list[tuple[str, str]] | None = None,
) -> Cluster:
    """Validate one cluster record (a dict as read from JSON), then clean it.

    Problems that make the record unusable raise CorpusError (naming path, line, field). Problems
    that only weaken the result (one article, duplicated articles, HTML, text that does not look
    like English) are fixed where possible and reported: appended to `notes` as (kind, message)
    when a list is given, else warned at once as `InputWarning`.
    """
    where = Where(path=path, line=line, item=item)
    cluster = validate_cluster(obj, where, require_summary=require_summary, min_articles=min_articles)
    bare = frozenset(i for i, a in enumerate(obj["articles"]) if isinstance(a, str))
    cluster, found = clean_cluster(cluster, bare)
    located = [(kind, where.locate(message, field_name)) for kind, message, field_name in found]
    if notes is not None:
        notes.extend(located)
    else:
        for _, message in located:
            warn_input(message)
    return cluster


def _check_cluster_object(cluster: Cluster) -> None:
    """A Cluster built in code skips parse_cluster; check the types the model code relies on."""
    if not isinstance(cluster.articles, list) or not cluster.articles:
        raise CorpusError(f"Cluster.articles must be a non-empty list of Article, got {describe(cluster.articles)}")
    for i, article in enumerate(cluster.articles):
        if not isinstance(article, Article):
            raise CorpusError(f"Cluster.articles[{i}]: expected an Article, got {type(article).__name__}")
        for name in ("text", "title"):
            if not isinstance(getattr(article, name), str):
                raise CorpusError(f"Cluster.articles[{i}].{name}: {type_message(getattr(article, name))}")


def to_cluster(inputs: Any, *, min_articles: int = 1) -> Cluster:
    """Accept what users pass to summarize(): a Cluster, a cluster dict, a list of strings or article dicts."""
    if isinstance(inputs, Cluster):
        _check_cluster_object(inputs)
        return inputs
    if isinstance(inputs, (bytes, bytearray)):
        raise CorpusError(
            f"got {type(inputs).__name__}; decode it to str first (e.g. data.decode('utf-8')), "
            "then pass a list of article texts"
        )
    if isinstance(inputs, str):
        raise CorpusError(
            "got a single string; pass a list of article texts (or of {'source','title','text'} dicts), "
            "or a cluster dict with 'articles'"
        )
    if isinstance(inputs, Article):
        raise CorpusError("got a single Article; pass a list of articles")
    if isinstance(inputs, Mapping):
        if "articles" not in inputs and "text" in inputs:
            raise CorpusError(
                "got a single article (a dict with 'text'); pass a list of articles, "
                "or a cluster dict {'articles': [...]}"
            )
        return parse_cluster(inputs, min_articles=min_articles)
    if isinstance(inputs, Sequence):
        return parse_cluster({"articles": list(inputs)}, min_articles=min_articles)
    hint = " (make it a list first: list(...))" if isinstance(inputs, Iterable) else ""
    raise CorpusError(f"expected a list of articles or a cluster dict, got {type(inputs).__name__}{hint}")
