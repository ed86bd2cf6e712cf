"""Weighting schemes: TOML in, validated pydantic model out, with a fingerprint.

Validation has two phases (as in frictionless): structure (types, unknown
keys, ranges) and then meaning (bands ascending, one open band last, each
modifier multiplies or adds). Every problem carries its dotted path, so a
negotiator editing a TOML file sees `weights.case_type.s31: must be ≥ 0`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
import tomllib
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from caseload_cli.core.errors import SchemeError, UsageError
from caseload_cli.core.files import builtin_schemes_dir
from caseload_cli.core.model import SchemeStamp
from caseload_cli.core.suggest import did_you_mean
from caseload_cli.core.vocabulary import FULL_TIME_HOURS, ROLES
from caseload_cli.scheme.bounds import MAX_CASE_WEIGHT, TOO_DEEP, check_bounds

_CODE = r"^[a-z][a-z0-9_]*$"
_COLOUR = r"^#[0-9A-Fa-f]{6}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


NonNegative = Field(ge=0)


class ChildUplift(_Strict):
    """Each child after the first adds `per_additional`, up to `max_additional` children."""

    per_additional: float = Field(default=0.0, ge=0)
    max_additional: int | None = Field(default=None, ge=0)


class Weights(_Strict):
    case_type: dict[str, float] = Field(min_length=1)
    stage: dict[str, float] = Field(min_length=1)
    children: ChildUplift = ChildUplift()


class Modifier(_Strict):
    """A boolean flag column that multiplies or adds to a case's weight."""

    flag: str = Field(pattern=_CODE)
    multiply: float | None = Field(default=None, ge=0)
    add: float | None = Field(default=None, ge=0)
    description: str = ""


class Capacity(_Strict):
    full_time_hours: float = Field(default=FULL_TIME_HOURS, gt=0, le=60)
    default_target: float = Field(gt=0)
    target_by_team_type: dict[str, float] = {}
    target_by_role: dict[str, float] = {}


class ReductionReason(_Strict):
    max_percent: float = Field(gt=0, le=100)
    label: str = ""


class Band(_Strict):
    name: str = Field(pattern=_CODE)
    colour: str = Field(pattern=_COLOUR)
    up_to: float | None = Field(default=None, ge=0)
    label: str = ""


class Banding(_Strict):
    """Bands are stated as load per FTE at `reference_target` and scale with each
    worker's own target, so EIT (40) uses the same bands as WAFH (25)."""

    reference_target: float = Field(gt=0)
    bands: list[Band] = Field(min_length=1)


class NapoLetters(_Strict):
    team_type: str = "eit"
    per_day: float = Field(gt=0)
    working_days_per_case: float = Field(gt=0)
    source: str = ""


class Napo(_Strict):
    safe_cases: float = Field(gt=0)
    by_team_type: dict[str, float] = {}
    letters: NapoLetters | None = None
    source: str = ""


class SchemeModel(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str
    version: str = Field(min_length=1)
    effective_from: date | None = None
    source: str = ""
    description: str = ""
    weights: Weights
    modifiers: list[Modifier] = []
    capacity: Capacity
    reductions: dict[str, ReductionReason] = {}
    banding: Banding
    napo: Napo

    @model_validator(mode="after")
    def _meaning(self) -> SchemeModel:
        problems: list[tuple[str, str]] = []
        for table in ("case_type", "stage"):
            for code, value in getattr(self.weights, table).items():
                path = f"weights.{table}.{code}"
                if not re.match(_CODE, code):
                    problems.append((path, "codes are lower-case letters, digits and _"))
                if value < 0:
                    problems.append((path, "must be ≥ 0"))
        for code, value in [
            *(
                ("capacity.target_by_team_type." + k, v)
                for k, v in self.capacity.target_by_team_type.items()
            ),
            *(("capacity.target_by_role." + k, v) for k, v in self.capacity.target_by_role.items()),
            *(("napo.by_team_type." + k, v) for k, v in self.napo.by_team_type.items()),
        ]:
            if value <= 0:
                problems.append((code, "must be > 0"))
        for role in self.capacity.target_by_role:
            if role not in ROLES:
                problems.append(
                    (f"capacity.target_by_role.{role}", f"unknown role {_hint(role, ROLES)}")
                )
        seen_flags: set[str] = set()
        for i, modifier in enumerate(self.modifiers):
            path = f"modifiers.{i}"
            if (modifier.multiply is None) == (modifier.add is None):
                problems.append((path, "give exactly one of multiply or add"))
            if modifier.flag in seen_flags:
                problems.append((f"{path}.flag", f"flag {modifier.flag!r} is used twice"))
            seen_flags.add(modifier.flag)
        names: set[str] = set()
        previous: float | None = None
        bands = self.banding.bands
        for i, band in enumerate(bands):
            path = f"banding.bands.{i}"
            if band.name in names:
                problems.append((f"{path}.name", f"band {band.name!r} is named twice"))
            names.add(band.name)
            last = i == len(bands) - 1
            if band.up_to is None and not last:
                problems.append((f"{path}.up_to", "only the last band may be open-ended"))
            if band.up_to is not None and last:
                problems.append((f"{path}.up_to", "the last band must be open-ended (no up_to)"))
            if band.up_to is not None:
                if previous is not None and band.up_to <= previous:
                    problems.append(
                        (
                            f"{path}.up_to",
                            f"bands overlap: {band.up_to:g} is not above {previous:g}",
                        )
                    )
                previous = band.up_to
        largest = self._largest_case_weight()
        if not math.isfinite(largest) or largest > MAX_CASE_WEIGHT:
            problems.append(
                (
                    "weights",
                    "together the weights and modifiers could weigh one case more than "
                    f"{MAX_CASE_WEIGHT:,.0f}; lower them",
                )
            )
        if problems:
            raise _MeaningProblems(problems)
        return self

    def _largest_case_weight(self) -> float:
        """An upper bound on one case's weight: the largest base weight with the
        largest child uplift (up to 100 more children when unlimited), every multiplier
        above 1 and every addition, times the largest stage factor."""
        weights = self.weights
        more = weights.children.max_additional
        running = max(weights.case_type.values(), default=0.0) + weights.children.per_additional * (
            100 if more is None else more
        )
        for modifier in self.modifiers:
            running *= max(modifier.multiply or 1.0, 1.0)
        running += sum(modifier.add or 0.0 for modifier in self.modifiers)
        return running * max(max(weights.stage.values(), default=1.0), 1.0)


class _MeaningProblems(ValueError):
    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


class Scheme:
    """A validated scheme plus where it came from and its fingerprint."""

    def __init__(self, model: SchemeModel, origin: str, overrides: tuple[str, ...] = ()):
        self.model = model
        self.origin = origin
        self.overrides = overrides

    @cached_property
    def canonical(self) -> str:
        """Sorted-key JSON of every value after defaults: key order in the TOML never matters."""
        return json.dumps(
            self.model.model_dump(mode="json"),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @cached_property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.canonical.encode()).hexdigest()

    @property
    def stamp(self) -> SchemeStamp:
        return SchemeStamp(
            self.model.name,
            self.model.version,
            self.fingerprint,
            self.model.title,
            tuple(self.overrides),
            self.canonical,
        )

    @property
    def provenance(self) -> dict[str, Any]:
        """Where the scheme came from, for every report's metadata: the name or file
        given, and the --set changes applied on top of it."""
        return {"scheme_origin": self.origin, "scheme_overrides": list(self.overrides)}

    @property
    def label(self) -> str:
        return f"{self.model.name} v{self.model.version}"

    def target_for(self, role: str, team_type: str) -> float:
        capacity = self.model.capacity
        if role in capacity.target_by_role:
            return capacity.target_by_role[role]
        return capacity.target_by_team_type.get(team_type, capacity.default_target)

    def napo_level_for(self, team_type: str) -> float:
        napo = self.model.napo
        if team_type in napo.by_team_type:
            return napo.by_team_type[team_type]
        if napo.letters is not None and napo.letters.team_type == team_type:
            return napo.letters.per_day * napo.letters.working_days_per_case
        return napo.safe_cases

    def to_toml(self) -> str:
        """The canonical scheme as TOML (what `schemes show --format toml` prints)."""
        return _to_toml(self.model.model_dump(mode="json", exclude_none=True))


# --------------------------------------------------------------------------- loading


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_schemes_dir().glob("*.toml"))


def load_scheme(name_or_path: str, overrides: tuple[str, ...] | list[str] = ()) -> Scheme:
    """Load a built-in scheme by name, or a TOML file, applying `--set` overrides."""
    path = Path(name_or_path)
    if name_or_path in builtin_names():
        path = builtin_schemes_dir() / f"{name_or_path}.toml"
    elif path.suffix == ".toml" and not path.exists():
        raise SchemeError(str(path), ["file not found"])
    elif path.suffix != ".toml" or not path.exists():
        if path.exists():
            raise UsageError(f"scheme {name_or_path}: expected a .toml file")
        hint = _hint(name_or_path, builtin_names())
        raise UsageError(
            f"unknown scheme {name_or_path!r}{' ' + hint if hint else ''}; "
            f"built-ins: {', '.join(builtin_names())}, or give a path to a .toml file"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as problem:
        raise SchemeError(str(path), [f"not valid TOML: {problem}"]) from None
    except RecursionError:
        raise SchemeError(str(path), [f"(top level): {TOO_DEEP}"]) from None
    except (OSError, UnicodeDecodeError) as problem:
        raise SchemeError(str(path), [f"cannot read: {problem}"]) from None
    label = name_or_path if path.parent == builtin_schemes_dir() else str(path)
    check_bounds(raw, str(path))
    return scheme_from_dict(apply_overrides(raw, overrides), label, tuple(overrides))


def scheme_from_dict(raw: dict[str, Any], origin: str, overrides: tuple[str, ...] = ()) -> Scheme:
    check_bounds(raw, origin)
    try:
        model = SchemeModel.model_validate(raw)
    except ValidationError as problem:
        raise SchemeError(origin, _describe(problem)) from None
    return Scheme(model, origin, overrides)


def apply_overrides(raw: dict[str, Any], overrides: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Apply `path=value` changes to raw scheme data; values are read as TOML values."""
    if not overrides:
        return raw
    changed = copy.deepcopy(raw)
    for override in overrides:
        path, sep, text = override.partition("=")
        path = path.strip()
        if not sep or not path:
            raise UsageError(
                f"--set {override!r}: expected PATH=VALUE, e.g. weights.case_type.r16_4=1.5"
            )
        value = _parse_value(text.strip(), path)
        _set_path(changed, path.split("."), value, override)
    return changed


def _parse_value(text: str, path: str = "") -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    except RecursionError:
        raise UsageError(f"--set {path}: value {TOO_DEEP}") from None


def _set_path(data: Any, parts: list[str], value: Any, override: str) -> None:
    node = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise UsageError(
                    f"--set {override!r}: {where}: no item {part} (there are {len(node)})"
                )
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise UsageError(
                f"--set {override!r}: {'.'.join(parts[:depth])} is a value, not a table"
            )


# --------------------------------------------------------------------------- errors

_MESSAGES = {
    "extra_forbidden": lambda e: "unknown key",
    "missing": lambda e: "required",
    "greater_than_equal": lambda e: f"must be ≥ {e['ctx']['ge']}",
    "greater_than": lambda e: f"must be > {e['ctx']['gt']}",
    "less_than_equal": lambda e: f"must be ≤ {e['ctx']['le']}",
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
}


def _describe(problem: ValidationError) -> list[str]:
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
            message += _unknown_key_hint(error["loc"])
        if error["type"] == "string_pattern_mismatch" and error["loc"][-1] == "colour":
            message = "must be a colour like #2E7D32"
        lines.append(f"{path}: {message}")
    return lines


def _unknown_key_hint(loc: tuple[Any, ...]) -> str:
    model: Any = SchemeModel
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


def _hint(word: str, choices: list[str] | tuple[str, ...]) -> str:
    hint = did_you_mean(word, choices, quote=True)
    return f"({hint})" if hint else ""


# --------------------------------------------------------------------------- TOML out


def _to_toml(data: dict[str, Any]) -> str:
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


def _emit_table(data: dict[str, Any], prefix: list[str], lines: list[str]) -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict | list)}
    scalars.update({k: v for k, v in data.items() if isinstance(v, list) and not v})
    for k, v in scalars.items():
        lines.append(f"{_key(k)} = {_scalar(v) if not isinstance(v, list) else '[]'}")
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append("")
            lines.append("[" + ".".join(_key(p) for p in [*prefix, k]) + "]")
            _emit_table(v, [*prefix, k], lines)
        elif isinstance(v, list) and v:
            for item in v:
                lines.append("")
                lines.append("[[" + ".".join(_key(p) for p in [*prefix, k]) + "]]")
                _emit_table(item, [*prefix, k], lines)
