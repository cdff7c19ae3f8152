"""The records the rest of evenhand works on: an event cluster of news articles.

Everything in a Cluster has passed validation and cleaning (see validation.py), so model
code never re-checks types or text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    meta: dict[str, Any] = field(default_factory=dict)  # the user's own fields; evenhand only carries them

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "articles": [a.to_dict() for a in self.articles]}
        for key in ("summary", "stances", "topic"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        if self.meta:
            d["meta"] = self.meta
        return d

    @property
    def sources(self) -> list[str]:
        return [a.source or f"article {i + 1}" for i, a in enumerate(self.articles)]
