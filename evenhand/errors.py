"""Error types that users see.

Every error raised on bad input is an EvenhandError with a message that says what
was wrong, where (file, line, field) and what was expected; the CLI prints the
message without a traceback.
"""

from __future__ import annotations


class EvenhandError(Exception):
    """Base class for errors caused by the user's input or environment."""


class CorpusError(EvenhandError, ValueError):
    """A corpus record (JSONL line, dict, list of articles) is malformed."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, field: str | None = None):
        self.path, self.line, self.field = path, line, field
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ConfigError(EvenhandError, ValueError):
    """A configuration file or override is invalid."""


class CheckpointError(EvenhandError, OSError):
    """A checkpoint folder is missing, incomplete, tampered with or incompatible."""


class ModelResolutionError(EvenhandError, OSError):
    """A base model name, path or hub id could not be resolved offline."""
