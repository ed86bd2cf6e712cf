"""Validation problems in the users' words: every pydantic error, and every problem the
scheme's own checks find, as `dotted.path: what is wrong` (with "did you mean" for an
unknown key), so a negotiator editing a TOML file knows exactly what to change."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from caseload_cli.scheme.parts import _hint, _MeaningProblems

_MESSAGES = {
    "extra_forbidden": lambda e: "unknown key",
    "missing": lambda e: "required",
    "greater_than_equal": lambda e: f"must be ≥ {e['ctx']['ge']}",
    "greater_than": lambda e: f"must be > {e['ctx']['gt']}",
    "less_than_equal": lambda e: f"must be ≤ {e['ctx']['le']}",
    "less_than": lambda e: f"must be < {e['ctx']['lt']}",
    "float_parsing": lambda e: "must be a number",
    "finite_number": lambda e: "must be a finite number (not nan or inf)",
    "float_type": lambda e: "must be a number",
    "int_parsing": lambda e: "must be a whole number",
    "int_type": lambda e: "must be a whole number",
    "int_from_float": lambda e: "must be a whole number",
    "string_type": lambda e: "must be text",
    "string_pattern_mismatch": lambda e: "has the wrong form",
    "too_short": lambda e: "must not be empty",
    "dict_type": lambda e: "must be a table",
    "list_type": lambda e: "must be a list of tables",
    "model_type": lambda e: "must be a table",
    "date_from_datetime_parsing": lambda e: "must be a date (YYYY-MM-DD)",
    "date_parsing": lambda e: "must be a date (YYYY-MM-DD)",
    "date_type": lambda e: "must be a date (YYYY-MM-DD)",
    "literal_error": lambda e: f"must be one of {e['ctx']['expected']}",
    "bool_type": lambda e: "must be true or false",
    "bool_parsing": lambda e: "must be true or false",
}


def describe(problem: ValidationError, root: type[BaseModel]) -> list[str]:
    """Each pydantic problem as `dotted.path: what is wrong`, in the users' words."""
    lines: list[str] = []
    for error in problem.errors(include_url=False):
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, _MeaningProblems):
            lines.extend(f"{path}: {message}" for path, message in cause.problems)
            continue
        path = ".".join(str(part) for part in error["loc"]) or "(top level)"
        explain = _MESSAGES.get(error["type"])
        message = explain(error) if explain else error["msg"]
        if error["type"] == "extra_forbidden":
            message += _unknown_key_hint(error["loc"], root)
        if error["type"] == "string_pattern_mismatch" and error["loc"][-1] == "colour":
            message = "must be a colour like #2E7D32"
        lines.append(f"{path}: {message}")
    return lines


def _unknown_key_hint(loc: tuple[Any, ...], root: type[BaseModel]) -> str:
    model: Any = root
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part) if isinstance(part, str) else None
        if field is None:
            if isinstance(part, int):
                continue
            return ""
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [a for a in (annotation, *args) if hasattr(a, "model_fields")]
        if not candidates:
            return ""
        model = candidates[0]
    known = list(getattr(model, "model_fields", {}))
    return f" {_hint(str(loc[-1]), known)}".rstrip() if known else ""
