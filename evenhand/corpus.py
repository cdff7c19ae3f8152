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

import html
import json
import logging
import re
import reprlib
import unicodedata
import warnings
from dataclasses import asdict, dataclass, field
from html.entities import html5
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Mapping, Sequence

from .errors import CorpusError, InputWarning, locate

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


# -- warnings that do not stop the input -----------------------------------------------------

# kind -> how a file-level summary describes the clusters that got this note
NOTE_KINDS = {
    "single_source": "have a single article (neutrality across sources and the balance metrics mean nothing there)",
    "duplicate": "had duplicated articles (the later copies were dropped)",
    "same_text": "have articles with the same text under different titles or sources (kept)",
    "html": "had HTML markup (converted to plain text)",
    "not_english": "have articles that do not look like English (the models are trained on English news)",
}


@dataclass
class _Where:
    """Where a record comes from (for messages) and where its notes go."""

    path: str | None = None
    line: int | None = None
    item: int | None = None  # index of a cluster inside a JSON list
    notes: list[tuple[str, str]] = field(default_factory=list)  # (kind, located message)
    html_fields: list[tuple[str, list[str]]] = field(default_factory=list)

    def error(self, message: str, field_name: str | None = None) -> CorpusError:
        return CorpusError(message, path=self.path, line=self.line, item=self.item, field=field_name)

    def note(self, kind: str, message: str, field_name: str | None = None) -> None:
        self.notes.append((kind, locate(message, path=self.path, line=self.line, item=self.item, field=field_name)))


def _as_where(where: Any) -> _Where:
    if isinstance(where, _Where):
        return where
    return _Where(**dict(where or {}))


def _package_dirs() -> tuple[str, ...]:
    import os
    import sys

    dirs = [os.path.dirname(os.path.abspath(__file__))]
    for name in ("evenhand.inference", "evenhand.models", "evenhand.training", "evenhand.evaluation"):
        module = sys.modules.get(name)
        for d in getattr(module, "__path__", None) or []:
            dirs.append(os.path.abspath(d))
    return tuple(d + os.sep for d in dirs)


def _stacklevel() -> int:
    """A `warnings.warn` stacklevel that points at the caller's code, the first frame outside evenhand."""
    import sys

    roots = _package_dirs()
    level, frame = 1, sys._getframe(1)  # level 1 = our caller, the function that calls warnings.warn
    while frame is not None and frame.f_code.co_filename.startswith(roots):
        frame, level = frame.f_back, level + 1
    return level


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
            messages = [m for _, m in items]
        else:
            words = {label.split(" ", 1)[0] for label in labels}
            if len(words) == 1 and all(" " in label for label in labels):  # "line 4", "line 9" -> "lines 4, 9"
                word = words.pop()
                shown = f"{word}s " + ", ".join(label.split(" ", 1)[1] for label in labels[:8])
            else:
                shown = ", ".join(labels[:8])
            shown += ", ..." if len(labels) > 8 else ""
            head = f"{path}: " if path is not None else ""
            messages = [f"{head}{len(labels)} clusters {NOTE_KINDS.get(kind, kind)} ({shown}); first: {items[0][1]}"]
        for message in messages:
            warnings.warn(message, InputWarning, stacklevel=_stacklevel())


# -- HTML, language and duplicate checks ------------------------------------------------------

_TAG_NAMES = (
    "a|abbr|article|aside|b|blockquote|body|br|caption|center|cite|code|dd|div|dl|dt|em|figcaption|figure|font|"
    "footer|h[1-6]|head|header|hr|html|i|iframe|img|li|link|main|meta|nav|noscript|ol|p|picture|pre|q|s|script|"
    "section|small|source|span|strong|style|sub|sup|svg|table|tbody|td|th|thead|time|title|tr|u|ul|video"
)
_HTML_TAG_RE = re.compile(rf"<(?:/?(?:{_TAG_NAMES})(?=[\s/>])[^<>]*|!--.*?--|!doctype[^<>]*)>", re.I | re.S)
_HTML_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _is_entity(match: re.Match) -> bool:
    text = match.group(0)
    return text[1] == "#" or text[1:] in html5


def html_markup(text: str) -> list[str]:
    """The distinct HTML tags (as `<name>`) and character entities in `text`; empty for plain text."""
    found = []
    for m in _HTML_TAG_RE.finditer(text):
        tag = m.group(0)
        name = re.match(r"</?([A-Za-z0-9]+)", tag)
        found.append(f"<{name.group(1).lower()}>" if name else ("<!--" if tag.startswith("<!--") else "<!doctype>"))
    found += [m.group(0) for m in _HTML_ENTITY_RE.finditer(text) if _is_entity(m)]
    return list(dict.fromkeys(found))


class _HTMLText(HTMLParser):
    BLOCK = {"p", "div", "br", "li", "ul", "ol", "dd", "dt", "dl", "tr", "table", "blockquote", "section", "article",
             "header", "footer", "figure", "figcaption", "hr", "title", "pre", "main", "nav", "aside",
             "h1", "h2", "h3", "h4", "h5", "h6"}
    SKIP = {"script", "style", "noscript", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(text: str) -> str:
    """Plain text from HTML: tags dropped (script/style with their content), entities decoded,
    block elements on their own lines. Text with entities but no tags only has the entities decoded."""
    if not _HTML_TAG_RE.search(text):
        return _HTML_ENTITY_RE.sub(lambda m: html.unescape(m.group(0)) if _is_entity(m) else m.group(0), text)
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    lines = [re.sub(r"[^\S\n]+", " ", line).strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Function words that make up about a third of the words of English news (median 36% on NeuS; the lowest
# NeuS article has 8%); French, German, Spanish, Italian, Dutch or Portuguese news has 0-4%.
ENGLISH_STOPWORDS = frozenset(
    "the of and to a in is that for on was with he it as at by said from his be has have are were an this not "
    "but they had which will been their after who its or would she her we also more than about over into up out "
    "there new i you our what when can one if all so just last two says".split()
)
MIN_WORDS_FOR_LANGUAGE_CHECK = 20
MIN_ENGLISH_STOPWORD_SHARE = 0.06
_WORD_RE = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


_NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]+")
_NOT_ASCII_LETTER = bytes(b for b in range(128) if not chr(b).isalpha())
LANGUAGE_SAMPLE_CHARS = 3000  # the heuristic reads the start of each article only


def non_english_reason(text: str) -> str | None:
    """Why `text` does not look like English, or None. A cheap heuristic that only ever warns:
    mostly non-Latin letters, or (with enough words) almost no common English function words."""
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    ascii_letters = len(sample.encode("ascii", "ignore").translate(None, _NOT_ASCII_LETTER))
    other_letters = sum(1 for run in _NON_ASCII_RUN_RE.findall(sample) for ch in run if ch.isalpha())
    letters = ascii_letters + other_letters
    if letters >= 20 and ascii_letters / letters < 0.5:
        return f"{other_letters / letters:.0%} of its letters are not Latin"
    words = _WORD_RE.findall(sample.lower())
    if len(words) >= MIN_WORDS_FOR_LANGUAGE_CHECK:
        share = sum(1 for w in words if w in ENGLISH_STOPWORDS) / len(words)
        if share < MIN_ENGLISH_STOPWORD_SHARE:
            return f"only {share:.0%} of its words are common English words, against about 35% in English news"
    return None


def _dedupe_key(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


# -- validation ---------------------------------------------------------------------------------

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 40
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = 4


def _describe(value: Any) -> str:
    return _REPR.repr(value)


def _type_message(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return f"expected a string, got {type(value).__name__}; decode it to str first (e.g. value.decode('utf-8'))"
    if value is None:
        return "expected a string, got null (None)"
    if isinstance(value, (list, tuple)):
        return f"expected a string, got a {type(value).__name__} ({_describe(value)}); join its parts into one string first"
    if isinstance(value, Mapping):
        return f"expected a string, got an object ({_describe(value)})"
    return f"expected a string, got {type(value).__name__} ({_describe(value)})"


def _clean_text(value: Any, *, field_name: str, where: Any, allow_empty: bool, expected: str = "article text",
                need_visible: bool = False) -> str:
    where = _as_where(where)
    if value is None and allow_empty:
        return ""
    if not isinstance(value, str):
        raise where.error(_type_message(value), field_name)
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
    markup = html_markup(value)
    if markup:
        value = html_to_text(value)
        where.html_fields.append((field_name, markup))
    # NFC so that the same word typed two ways counts once in metrics and budgets.
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        if allow_empty:
            return ""
        after = " after removing its HTML markup" if markup else ""
        raise where.error(f"is empty or only whitespace{after}; expected {expected}", field_name)
    if need_visible and not any(unicodedata.category(ch)[0] not in "CZ" for ch in text):
        raise where.error(
            f"has only invisible characters ({_describe(text)}: zero-width, control or format characters); "
            f"expected {expected}",
            field_name,
        )
    return text


def parse_article(obj: Any, *, index: int, where: Any) -> Article:
    where = _as_where(where)
    fname = f"articles[{index}]"
    if isinstance(obj, Article):
        obj = obj.to_dict()
    if isinstance(obj, str):
        return Article(text=_clean_text(obj, field_name=fname, where=where, allow_empty=False, need_visible=True))
    if not isinstance(obj, Mapping):
        hint = ""
        if isinstance(obj, (list, tuple, Cluster)):
            hint = "; to summarize several clusters, call Summarizer.summarize_many(clusters)"
        elif isinstance(obj, (bytes, bytearray)):
            hint = "; decode it to str first (e.g. value.decode('utf-8'))"
        raise where.error(
            f"expected a string or an object with 'text' (and optional 'title', 'source'), "
            f"got {type(obj).__name__} ({_describe(obj)}){hint}",
            fname,
        )
    unknown = set(obj) - {"text", "title", "source", "url", "date"}
    if unknown:
        raise where.error(f"unknown key(s) {sorted(map(str, unknown))}; expected 'text', 'title', 'source'", fname)
    if "text" not in obj:
        raise where.error("missing 'text'; expected the article body as a string", fname)
    text = _clean_text(obj["text"], field_name=f"{fname}.text", where=where, allow_empty=False, need_visible=True)
    title = _clean_text(obj.get("title"), field_name=f"{fname}.title", where=where, allow_empty=True)
    source = obj.get("source")
    if source is not None:
        source = _clean_text(source, field_name=f"{fname}.source", where=where, allow_empty=True) or None
    return Article(text=text, title=title, source=source)


def _dedupe(parsed: list[Article], where: _Where) -> tuple[list[Article], list[int]]:
    """Drop articles identical to an earlier one (text, title and source, after normalisation).

    Returns the kept articles and their indexes in the input. The same text under another
    title or source (one wire story run by two outlets) is kept, with a note.
    """
    kept: list[Article] = []
    kept_index: list[int] = []
    first: dict[str, int] = {}
    dropped: list[str] = []
    same_text: list[str] = []
    for i, article in enumerate(parsed):
        key = _dedupe_key(article.text)
        j = first.get(key)
        if j is None:
            first[key] = i
        else:
            other = parsed[j]
            if _dedupe_key(article.title) == _dedupe_key(other.title) and _dedupe_key(article.source) == _dedupe_key(other.source):
                dropped.append(f"articles[{i}] duplicates articles[{j}]")
                continue
            same_text.append(f"articles[{i}] repeats articles[{j}]")
        kept.append(article)
        kept_index.append(i)
    if dropped:
        where.note(
            "duplicate",
            f"{'; '.join(dropped)} (same text, title and source after whitespace, Unicode and case normalisation); "
            f"dropped the later cop{'y' if len(dropped) == 1 else 'ies'}, {len(kept)} article(s) left",
            "articles",
        )
    if same_text:
        where.note(
            "same_text",
            f"the same text under a different title or source: {'; '.join(same_text)} (e.g. one wire story run "
            "by two outlets); kept them all, so that text gets more than one share of the input",
            "articles",
        )
    return kept, kept_index


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
    """Validate one cluster record (a dict as read from JSON) into a Cluster.

    Problems that make the record unusable raise CorpusError (naming path, line, field). Problems
    that only weaken the result (one article, duplicated articles, HTML, text that does not look
    like English) are fixed where possible and reported: appended to `notes` as (kind, message)
    when a list is given, else warned at once as `InputWarning`.
    """
    where = _Where(path=path, line=line, item=item)
    if not isinstance(obj, Mapping):
        raise where.error(
            f"expected a JSON object (one cluster with 'articles'), got {type(obj).__name__} ({_describe(obj)})"
        )
    unknown = set(obj) - {"id", "articles", "summary", "stances", "topic", "meta"}
    if unknown:
        raise where.error(
            f"unknown key(s) {sorted(map(str, unknown))}; expected 'id', 'articles', 'summary', 'stances', 'topic'"
        )
    cid = obj.get("id")
    if cid is not None:
        if isinstance(cid, bool) or not isinstance(cid, (str, int)):
            raise where.error(f"expected a string, got {type(cid).__name__} ({_describe(cid)})", "id")
        if not str(cid).strip():
            raise where.error("is empty; expected a unique id (or leave 'id' out)", "id")
    articles = obj.get("articles")
    if articles is None:
        raise where.error("missing; expected a list of articles", "articles")
    if not isinstance(articles, list):
        raise where.error(f"expected a list of articles, got {type(articles).__name__} ({_describe(articles)})", "articles")
    if len(articles) < min_articles:
        raise where.error(
            f"has {len(articles)} article(s); at least {min_articles} expected (nothing to summarize)", "articles"
        )
    parsed = [parse_article(a, index=i, where=where) for i, a in enumerate(articles)]
    summary = obj.get("summary")
    if summary is not None or require_summary:
        if summary is None:
            raise where.error("missing; training and evaluation need a reference summary", "summary")
        summary = _clean_text(summary, field_name="summary", where=where, allow_empty=False,
                              expected="a reference summary", need_visible=True)
    stances = obj.get("stances")
    if stances is not None:
        if not isinstance(stances, Mapping):
            raise where.error(
                f"expected an object mapping country -> label, got {type(stances).__name__} ({_describe(stances)})",
                "stances",
            )
        for country, label in stances.items():
            if not isinstance(country, str) or not country.strip():
                raise where.error(f"country names must be non-empty strings, got {country!r}", "stances")
            if not isinstance(label, str) or label not in STANCE_LABELS:
                raise where.error(
                    f"unknown stance label {label!r} for {country!r}; expected one of {list(STANCE_LABELS)}",
                    "stances",
                )
        stances = dict(stances)
    topic = obj.get("topic")
    if topic is not None:
        topic = _clean_text(topic, field_name="topic", where=where, allow_empty=True, expected="a topic") or None
    meta = obj.get("meta")
    if meta is not None and not isinstance(meta, Mapping):
        raise where.error(f"expected an object, got {type(meta).__name__} ({_describe(meta)})", "meta")

    # Nothing below rejects the record; it only fixes and reports.
    if where.html_fields:
        fields = ", ".join(name for name, _ in where.html_fields)
        seen = list(dict.fromkeys(m for _, found in where.html_fields for m in found))
        shown = ", ".join(seen[:4]) + (", ..." if len(seen) > 4 else "")
        where.note("html", f"{fields} contained HTML markup ({shown}); converted to plain text")
    kept, kept_index = _dedupe(parsed, where)
    if len(kept) == 1:
        where.note(
            "single_source",
            "has only one article" + (" once duplicates are dropped" if len(parsed) > 1 else "")
            + ": the summary can only restate that source, so neutrality across sources and the "
            "source-balance metrics mean nothing for it (summarizing anyway)",
            "articles",
        )
    foreign = []
    for i, article in zip(kept_index, kept):
        reason = non_english_reason(article.text)
        if reason:
            foreign.append(f"articles[{i}] ({reason})")
    if foreign:
        where.note(
            "not_english",
            f"{', '.join(foreign)} do{'es' if len(foreign) == 1 else ''} not look like English; the models are trained "
            "on English news, so expect a weaker summary and stances (summarizing anyway)",
        )
    cluster = Cluster(
        articles=kept,
        id=str(cid) if cid is not None else None,
        summary=summary,
        stances=stances,
        topic=topic,
        meta=dict(meta or {}),
    )
    if notes is not None:
        notes.extend(where.notes)
    else:
        for _, message in where.notes:
            warnings.warn(message, InputWarning, stacklevel=_stacklevel())
    return cluster


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
                    path=str(path),
                    line=lineno,
                )
            except (ValueError, RecursionError) as exc:  # e.g. an integer of 5,000 digits, nesting 100,000 deep
                yield lineno, None, CorpusError(
                    f"is not usable JSON ({type(exc).__name__}: {str(exc)[:80] or 'nested too deeply'}); "
                    "expected one cluster object per line",
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
            cluster = parse_cluster(
                obj, path=str(path), line=lineno, require_summary=require_summary, min_articles=min_articles,
                notes=line_notes,
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
        notes.extend((kind, f"line {lineno}", message) for kind, message in line_notes)
    if skipped:
        msg = f"evenhand: skipped {len(skipped)} bad line(s) in {path}; first: {skipped[0]}"
        logger.warning(msg)
        print(msg)
    emit_notes(notes, path)
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


def _check_cluster_object(cluster: Cluster) -> None:
    """A Cluster built in code skips parse_cluster; check the types the model code relies on."""
    if not isinstance(cluster.articles, list) or not cluster.articles:
        raise CorpusError(f"Cluster.articles must be a non-empty list of Article, got {_describe(cluster.articles)}")
    for i, article in enumerate(cluster.articles):
        if not isinstance(article, Article):
            raise CorpusError(f"Cluster.articles[{i}]: expected an Article, got {type(article).__name__}")
        for name in ("text", "title"):
            if not isinstance(getattr(article, name), str):
                raise CorpusError(f"Cluster.articles[{i}].{name}: {_type_message(getattr(article, name))}")


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
    hint = ""
    if isinstance(inputs, Iterable):
        hint = " (make it a list first: list(...))"
    raise CorpusError(
        f"expected a list of articles or a cluster dict, got {type(inputs).__name__}{hint}"
    )


INPUT_EXPECTED = 'one cluster object {"articles": [...]}, a list of clusters, or a list of articles'


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
        raise CorpusError(f"holds {kind} ({_describe(data)}); expected {INPUT_EXPECTED}", **where)
    emit_notes(notes, path)
    return clusters


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
