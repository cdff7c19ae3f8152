"""Error types that users see.

Every error raised on bad input is an EvenhandError with a message that says what
was wrong, where (file, line, field) and what was expected; the CLI prints the
message without a traceback.
"""

from __future__ import annotations

import contextlib
import sys
import warnings


class EvenhandError(Exception):
    """Base class for errors caused by the user's input or environment."""


def locate(message: str, *, path: str | None = None, line: int | None = None, field: str | None = None,
           item: int | None = None) -> str:
    """`message` prefixed with where it happened: "data/x.jsonl, line 7, field 'articles[1].text': ...".

    `item` is the index of a cluster inside a JSON list ("x.json, item [2], field 'articles[0]': ...").
    """
    where = []
    if path is not None:
        where.append(str(path))
    if line is not None:
        where.append(f"line {line}")
    if item is not None:
        where.append(f"item [{item}]")
    if field is not None:
        where.append(f"field '{field}'")
    prefix = ", ".join(where)
    return f"{prefix}: {message}" if prefix else message


class CorpusError(EvenhandError, ValueError):
    """A corpus record (JSONL line, dict, list of articles) is malformed."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, field: str | None = None,
                 item: int | None = None):
        self.path, self.line, self.field, self.item = path, line, field, item
        self.message = message  # without the location prefix
        super().__init__(locate(message, path=path, line=line, field=field, item=item))


class InputWarning(UserWarning):
    """Input that evenhand accepts but that may hurt the result (one source, duplicates, HTML, not English).

    Raised with `warnings.warn`, so `warnings.simplefilter("error", InputWarning)` turns them into errors
    and `warnings.simplefilter("ignore", InputWarning)` silences them.
    """


def _package_dirs() -> tuple[str, ...]:
    import os

    dirs = [os.path.dirname(os.path.abspath(__file__))]
    for name in ("evenhand.inference", "evenhand.models", "evenhand.training", "evenhand.evaluation"):
        module = sys.modules.get(name)
        for d in getattr(module, "__path__", None) or []:
            dirs.append(os.path.abspath(d))
    return tuple(d + os.sep for d in dirs)


def warn_input(message: str) -> None:
    """Warn (InputWarning), pointing at the caller's code: the first frame outside evenhand, so
    that the warning names the user's line, not a corpus internal."""
    roots = _package_dirs()
    level, frame = 2, sys._getframe(1)  # level 2 = our caller's caller
    while frame is not None and frame.f_code.co_filename.startswith(roots):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, InputWarning, stacklevel=level)


class ConfigError(EvenhandError, ValueError):
    """A configuration file or override is invalid."""


class CheckpointError(EvenhandError, OSError):
    """A checkpoint folder is missing, incomplete, tampered with or incompatible."""


class ModelResolutionError(EvenhandError, OSError):
    """A base model name, path or hub id could not be resolved offline."""


@contextlib.contextmanager
def input_warnings_as_lines(prefix: str = "evenhand"):
    """Inside this block, each InputWarning is printed to stderr as one line, `{prefix}: warning: ...`,
    every time (not once per location), instead of Python's two-line `file:line: InputWarning:` format.
    Other warnings are shown as usual. The CLI wraps commands that read user input in it."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", InputWarning)
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if isinstance(category, type) and issubclass(category, InputWarning):
                print(f"{prefix}: warning: {message}", file=sys.stderr, flush=True)
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield
