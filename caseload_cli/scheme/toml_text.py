"""The canonical scheme as TOML (`schemes show --format toml`): a small writer for the
scheme's shape (tables, arrays of tables, scalars), so no TOML-writing dependency is
needed for one shape."""

from __future__ import annotations

import json
import re
from typing import Any


def to_toml(data: dict[str, Any]) -> str:
    """A small TOML writer for the scheme's shape (tables, arrays of tables, scalars)."""
    lines: list[str] = []
    _emit_table(data, [], lines)
    return "\n".join(lines).strip() + "\n"


def _key(k: str) -> str:
    return k if re.match(r"^[A-Za-z0-9_-]+$", k) else json.dumps(k)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _emit_table(data: dict[str, Any], prefix: list[str], lines: list[str]) -> None:
    for k, v in data.items():
        if isinstance(v, list) and not _is_table_array(v):
            lines.append(f"{_key(k)} = [{', '.join(_scalar(item) for item in v)}]")
        elif not isinstance(v, dict | list):
            lines.append(f"{_key(k)} = {_scalar(v)}")
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append("")
            lines.append("[" + ".".join(_key(p) for p in [*prefix, k]) + "]")
            _emit_table(v, [*prefix, k], lines)
        elif _is_table_array(v):
            for item in v:
                lines.append("")
                lines.append("[[" + ".".join(_key(p) for p in [*prefix, k]) + "]]")
                _emit_table(item, [*prefix, k], lines)
