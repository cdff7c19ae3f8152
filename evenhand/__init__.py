"""evenhand: neutral multi-source summaries and per-country stance."""

__version__ = "0.1.0"
