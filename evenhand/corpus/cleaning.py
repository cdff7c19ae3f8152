"""Fix-up passes that run after validation: HTML to plain text, duplicate articles dropped,
and notes for input that is usable but weakens the result (one article, not English).

Nothing here rejects a record. Each pass returns notes as (kind, message, field); the
caller says where the record came from and turns them into InputWarnings.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import replace
from html.entities import html5
from html.parser import HTMLParser

from .schema import Article, Cluster

Note = tuple[str, str, "str | None"]  # (kind, message, field)

# kind -> how a file-level summary describes the clusters that got this note
NOTE_KINDS = {
    "single_source": "have a single article (neutrality across sources and the balance metrics mean nothing there)",
    "duplicate": "had duplicated articles (the later copies were dropped)",
    "same_text": "have articles with the same text under different titles or sources (kept)",
    "html": "had HTML markup (converted to plain text)",
    "not_english": "have articles that do not look like English (the models are trained on English news)",
}


# -- HTML -------------------------------------------------------------------------------------

# Only known tag names and real entities count as markup, so `x < y` and `R&D` stay as they are.
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


def plain_text(value: str) -> tuple[str, list[str]]:
    """(the text the models see, the markup found): HTML converted, NFC, stripped.

    NFC so that the same word typed two ways counts once in metrics and budgets; it comes
    after the HTML conversion because decoded entities can form new combining sequences.
    """
    markup = html_markup(value)
    if markup:
        value = html_to_text(value)
    return unicodedata.normalize("NFC", value).strip(), markup


def to_plain_text(cluster: Cluster, bare: frozenset[int] = frozenset()) -> tuple[Cluster, list[Note]]:
    """Every text field as plain_text; one note naming the fields that held HTML. Messages name an
    article given as a plain string (its index in `bare`) `articles[i]`, as the user wrote it."""
    found: list[tuple[str, list[str]]] = []

    def plain(value: str, name: str) -> str:
        text, markup = plain_text(value)
        if markup:
            found.append((name, markup))
        return text

    articles = []
    for i, a in enumerate(cluster.articles):
        text = plain(a.text, f"articles[{i}]" if i in bare else f"articles[{i}].text")
        title = plain(a.title, f"articles[{i}].title")
        source = plain(a.source, f"articles[{i}].source") or None if a.source is not None else None
        articles.append(Article(text=text, title=title, source=source))
    summary = plain(cluster.summary, "summary") if cluster.summary is not None else None
    topic = plain(cluster.topic, "topic") or None if cluster.topic is not None else None
    notes: list[Note] = []
    if found:
        fields = ", ".join(name for name, _ in found)
        seen = list(dict.fromkeys(m for _, markup in found for m in markup))
        shown = ", ".join(seen[:4]) + (", ..." if len(seen) > 4 else "")
        notes.append(("html", f"{fields} contained HTML markup ({shown}); converted to plain text", None))
    return replace(cluster, articles=articles, summary=summary, topic=topic), notes


# -- duplicates -------------------------------------------------------------------------------


def _dedupe_key(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def drop_duplicates(articles: list[Article]) -> tuple[list[int], list[Note]]:
    """Indexes of the articles to keep: a later copy of an earlier one (text, title and source, after
    normalisation) is dropped. The same text under another title or source (one wire story run by two
    outlets) is kept, with a note."""
    kept: list[int] = []
    first: dict[str, int] = {}
    dropped: list[str] = []
    same_text: list[str] = []
    for i, article in enumerate(articles):
        j = first.setdefault(_dedupe_key(article.text), i)
        if j != i:
            other = articles[j]
            if _dedupe_key(article.title) == _dedupe_key(other.title) and _dedupe_key(article.source) == _dedupe_key(other.source):
                dropped.append(f"articles[{i}] duplicates articles[{j}]")
                continue
            same_text.append(f"articles[{i}] repeats articles[{j}]")
        kept.append(i)
    notes: list[Note] = []
    if dropped:
        notes.append(("duplicate", f"{'; '.join(dropped)} (same text, title and source after whitespace, Unicode and "
                      f"case normalisation); dropped the later cop{'y' if len(dropped) == 1 else 'ies'}, "
                      f"{len(kept)} article(s) left", "articles"))
    if same_text:
        notes.append(("same_text", f"the same text under a different title or source: {'; '.join(same_text)} (e.g. "
                      "one wire story run by two outlets); kept them all, so that text gets more than one share of "
                      "the input", "articles"))
    return kept, notes


# -- language ---------------------------------------------------------------------------------

# Function words that make up about a third of the words of English news (median 36% on NeuS; the lowest
# NeuS article has 8%); French, German, Spanish, Italian, Dutch or Portuguese news has 0-4%.
ENGLISH_STOPWORDS = frozenset(
    "the of and to a in is that for on was with he it as at by said from his be has have are were an this not "
    "but they had which will been their after who its or would she her we also more than about over into up out "
    "there new i you our what when can one if all so just last two says".split()
)
MIN_WORDS_FOR_LANGUAGE_CHECK = 20
MIN_ENGLISH_STOPWORD_SHARE = 0.06
LANGUAGE_SAMPLE_CHARS = 3000  # the heuristic reads the start of each article only
_WORD_RE = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]+")
_NOT_ASCII_LETTER = bytes(b for b in range(128) if not chr(b).isalpha())


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


# -- all passes -------------------------------------------------------------------------------


def clean_cluster(cluster: Cluster, bare: frozenset[int] = frozenset()) -> tuple[Cluster, list[Note]]:
    """The fix-up passes, in order, on a validated cluster; returns the cleaned copy and its notes.
    `bare`: indexes of articles given as plain strings (for messages)."""
    cluster, notes = to_plain_text(cluster, bare)
    kept, dup_notes = drop_duplicates(cluster.articles)
    notes += dup_notes
    if len(kept) == 1:
        notes.append(("single_source", "has only one article"
                      + (" once duplicates are dropped" if len(cluster.articles) > 1 else "")
                      + ": the summary can only restate that source, so neutrality across sources and the "
                      "source-balance metrics mean nothing for it (summarizing anyway)", "articles"))
    foreign = [f"articles[{i}] ({reason})" for i in kept if (reason := non_english_reason(cluster.articles[i].text))]
    if foreign:
        notes.append(("not_english", f"{', '.join(foreign)} do{'es' if len(foreign) == 1 else ''} not look like "
                      "English; the models are trained on English news, so expect a weaker summary and stances "
                      "(summarizing anyway)", None))
    return replace(cluster, articles=[cluster.articles[i] for i in kept]), notes
