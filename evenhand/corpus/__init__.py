"""The corpus format: one event cluster per JSONL line.

    {"id": "neus-val-0013",
     "articles": [{"source": "Outlet A", "title": "...", "text": "..."}, ...],
     "summary": "neutral reference (optional at inference)",
     "stances": {"Russia": "supports", ...},            # optional
     "topic": "Russia-North Korea defence pact"}        # optional

Every record goes through validation once (errors name the file, line and field), then
through the fix-up passes of cleaning; the rest of the package works on `Cluster`.

    schema.py      Article, Cluster, STANCE_LABELS
    validation.py  the checks and their messages; parse_cluster, to_cluster
    cleaning.py    HTML to plain text, duplicate articles, language and single-source notes
    io.py          read_jsonl, write_jsonl, read_clusters, load_dataset
"""

from .cleaning import html_markup, html_to_text, non_english_reason
from .io import clusters_from_json, iter_jsonl, load_dataset, read_clusters, read_jsonl, write_jsonl
from .schema import MAX_ARTICLE_CHARS, STANCE_LABELS, Article, Cluster
from .validation import parse_cluster, to_cluster

__all__ = [
    "MAX_ARTICLE_CHARS", "STANCE_LABELS", "Article", "Cluster",
    "parse_cluster", "to_cluster",
    "html_markup", "html_to_text", "non_english_reason",
    "clusters_from_json", "iter_jsonl", "load_dataset", "read_clusters", "read_jsonl", "write_jsonl",
]
