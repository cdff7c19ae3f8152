"""YAML configs with `key=value` command-line overrides, checked against dataclasses.

    cfg = load_config("configs/summarizer_smollm2.yaml", ["max_steps=2", "lora.r=8"], SummarizerTrainConfig)

Unknown keys and wrong types are errors that name the key, the file and, for a
typo, the closest known key; nothing is silently ignored.
"""

from __future__ import annotations

import dataclasses
import difflib
import sys
import types
import typing
from pathlib import Path
from typing import Any, Mapping, Sequence, TypeVar

import yaml

from .errors import ConfigError

T = TypeVar("T")


def parse_overrides(overrides: Sequence[str]) -> dict[str, Any]:
    """Turn ["a=1", "lora.r=8", "name=foo"] into a nested dict, values parsed as YAML scalars."""
    out: dict[str, Any] = {}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item!r} is not of the form key=value (e.g. max_steps=2, lora.r=8)")
        key, raw = item.split("=", 1)
        key = key.strip().lstrip("-")
        if not key:
            raise ConfigError(f"override {item!r} has an empty key")
        try:
            value = yaml.safe_load(raw) if raw != "" else None
        except yaml.YAMLError:
            value = raw
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {item!r} sets a sub-key of {part!r}, which is not a section")
        node[parts[-1]] = value
    return out


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for k, v in extra.items():
        if isinstance(v, Mapping) and isinstance(merged.get(k), Mapping):
            merged[k] = _deep_merge(dict(merged[k]), v)
        else:
            merged[k] = v
    return merged


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _coerce(value: Any, tp: Any, key: str, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key, where)
            except ConfigError as exc:
                errors.append(exc)
        expected = " or ".join(_type_name(a) for a in args)
        raise ConfigError(f"{where}: '{key}' must be {expected}, got {value!r} ({type(value).__name__})")
    if origin is typing.Literal:
        if value in args:
            return value
        raise ConfigError(f"{where}: '{key}' must be one of {list(args)}, got {value!r}")
    if origin in (list, tuple, Sequence):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: '{key}' must be a list, got {value!r}")
        inner = args[0] if args else Any
        return [_coerce(v, inner, f"{key}[{i}]", where) for i, v in enumerate(value)]
    if origin in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: '{key}' must be a mapping, got {value!r}")
        return dict(value)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: '{key}' must be a section (mapping), got {value!r}")
        return from_dict(tp, value, where=where, prefix=f"{key}.")
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: '{key}' must be true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ConfigError(f"{where}: '{key}' must be an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:  # YAML reads 2e-4 as a string (YAML 1.1); accept it.
                return float(value)
            except ValueError:
                pass
        raise ConfigError(f"{where}: '{key}' must be a number, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise ConfigError(f"{where}: '{key}' must be a string, got {value!r}")
    return value


def from_dict(cls: type[T], data: Mapping[str, Any], *, where: str = "config", prefix: str = "") -> T:
    """Build dataclass `cls` from `data`, rejecting unknown keys with a suggestion."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping of settings, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    kwargs: dict[str, Any] = {}
    extra = cls.passthrough_keys() if hasattr(cls, "passthrough_keys") else set()
    passthrough: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields and key in extra:  # handed over as it is (TrainerSettings -> TrainingArguments)
            passthrough[key] = value
            continue
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields) + sorted(extra), n=1, cutoff=0.6)
            hint = f"; did you mean '{prefix}{close[0]}'?" if close else ""
            known = ", ".join(sorted(fields)) + (" or any transformers.TrainingArguments field" if extra else "")
            if extra and key in getattr(sys.modules.get(cls.__module__), "SET_BY_EVENHAND", ()):
                raise ConfigError(f"{where}: '{prefix}{key}' is set by evenhand from the rest of the config "
                                  "(output_dir and seed at the top level, evaluation and saving by eval_steps, "
                                  "save_steps and early_stopping_patience)")
            raise ConfigError(f"{where}: unknown key '{prefix}{key}'{hint} (known keys: {known})")
        kwargs[key] = _coerce(value, hints[key], f"{prefix}{key}", where)
    if passthrough:
        kwargs["passthrough"] = {**kwargs.get("passthrough", {}), **passthrough}
    try:
        obj = cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    validate = getattr(obj, "validate", None)
    if callable(validate):
        validate()
    return obj


def to_dict(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)


def read_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return data


def _route_shorthand(cls: type, overrides: dict[str, Any]) -> dict[str, Any]:
    """Let `max_steps=2` stand for `trainer.max_steps=2` when exactly one section has that key."""
    hints = typing.get_type_hints(cls)
    top = {f.name for f in dataclasses.fields(cls)}
    routed: dict[str, Any] = {}
    for key, value in overrides.items():
        if key in top:
            routed[key] = _deep_merge(routed.get(key, {}), value) if isinstance(value, dict) else value
            continue
        owners = [
            name
            for name, tp in hints.items()
            if dataclasses.is_dataclass(tp) and (key in {f.name for f in dataclasses.fields(tp)}
                                                 or key in (tp.passthrough_keys() if hasattr(tp, "passthrough_keys") else ()))
        ]
        if len(owners) == 1:
            routed.setdefault(owners[0], {})[key] = value
        else:
            routed[key] = value  # from_dict reports it, with a suggestion
    return routed


def load_config(path: str | Path | None, overrides: Sequence[str], cls: type[T]) -> T:
    data = read_yaml(path) if path is not None else {}
    data = _deep_merge(data, _route_shorthand(cls, parse_overrides(overrides)))
    return from_dict(cls, data, where=str(path) if path is not None else "command line")
