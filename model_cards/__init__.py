"""Model-card templates shipped with evenhand (installed as `evenhand.model_cards`).

The templates live beside this file so that a wheel install finds them too; the
training log in this folder is documentation of the repository and is not a template.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES = {
    "summarizer": "template.md",
    "stance": "stance_template.md",
    "selector": "selector_template.md",
}


def template_path(kind: str = "summarizer") -> Path:
    """Path of the bundled Markdown template for a checkpoint `kind` ('summarizer' or 'stance')."""
    try:
        name = TEMPLATES[kind]
    except KeyError:
        raise ValueError(f"no model-card template for {kind!r}; known: {sorted(TEMPLATES)}") from None
    return Path(__file__).resolve().parent / name
