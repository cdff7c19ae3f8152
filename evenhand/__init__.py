"""evenhand: neutral multi-source summaries and per-country stance."""

__version__ = "0.1.0"

__all__ = ["__version__", "summarize", "Pipeline", "Summarizer", "SummaryResult"]


def __getattr__(name):
    # Lazy: `import evenhand` (and the CLI's --help) should not pay for importing torch.
    if name == "summarize":
        from .api import summarize

        return summarize
    if name == "Pipeline":
        from .pipeline import Pipeline

        return Pipeline
    if name in ("Summarizer", "SummaryResult"):
        from .inference import summarizer

        return getattr(summarizer, name)
    raise AttributeError(f"module 'evenhand' has no attribute {name!r}")
