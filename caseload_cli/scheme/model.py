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
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from caseload_cli.core.errors import SchemeError, UsageError
from caseload_cli.core.files import builtin_schemes_dir
from caseload_cli.core.model import SchemeStamp
from caseload_cli.core.vocabulary import DECIMALS, MAX_CONTRACTED_HOURS, ROLES, UNITS
from caseload_cli.scheme.bounds import MAX_CASE_WEIGHT, TOO_DEEP, check_bounds
from caseload_cli.scheme.messages import describe
from caseload_cli.scheme.parts import (
    _CODE,
    Activity,
    Banding,
    Capacity,
    Grade,
    Modifier,
    Napo,
    ReductionReason,
    Rounding,
    Weights,
    _hint,
    _MeaningProblems,
    _Strict,
)
from caseload_cli.scheme.toml_text import to_toml


class SchemeModel(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str
    version: str = Field(min_length=1)
    #: What a load is counted in: cases (sets of proceedings), points or hours.
    unit: Literal[UNITS] = "cases"  # type: ignore[valid-type]
    effective_from: date | None = None
    source: str = ""
    description: str = ""
    weights: Weights
    modifiers: list[Modifier] = Field(default_factory=list)
    activities: dict[str, Activity] = Field(default_factory=dict)
    capacity: Capacity
    #: Grades staff may carry in an optional `grade` column (not a fixed list).
    grades: dict[str, Grade] = Field(default_factory=dict)
    reductions: dict[str, ReductionReason] = Field(default_factory=dict)
    banding: Banding
    #: Napo's safe levels are counted in cases; a points or hours scheme may leave them
    #: out, and each worker's safe load is then their capacity.
    napo: Napo | None = None

    @model_validator(mode="after")
    def _meaning(self) -> SchemeModel:
        problems: list[tuple[str, str]] = []
        if self.napo is None and self.unit == "cases":
            problems.append(("napo", "required (Napo's safe levels are counted in cases)"))
        if self.capacity.default_target is None and self.capacity.working_time is None:
            problems.append(("capacity.default_target", "required (or give capacity.working_time)"))
        problems.extend(self._cross_and_activity_problems())
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
            *(
                ("napo.by_team_type." + k, v)
                for k, v in (self.napo.by_team_type.items() if self.napo else ())
            ),
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

    def _cross_and_activity_problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        weights = self.weights
        for case_type, stages in weights.cross.items():
            path = f"weights.cross.{case_type}"
            if case_type not in weights.case_type:
                hint = _hint(case_type, list(weights.case_type))
                problems.append((path, f"not a case type in weights.case_type {hint}".rstrip()))
            for stage, value in stages.items():
                if stage not in weights.stage:
                    hint = _hint(stage, list(weights.stage))
                    problems.append(
                        (f"{path}.{stage}", f"not a stage in weights.stage {hint}".rstrip())
                    )
                if value < 0:
                    problems.append((f"{path}.{stage}", "must be ≥ 0"))
        for i, modifier in enumerate(self.modifiers):
            for key, known in (("case_types", weights.case_type), ("stages", weights.stage)):
                for code in getattr(modifier, key):
                    if code not in known:
                        problems.append(
                            (
                                f"modifiers.{i}.{key}",
                                f"unknown code {code!r} {_hint(code, list(known))}".rstrip(),
                            )
                        )
        for code, activity in self.activities.items():
            path = f"activities.{code}"
            if not re.match(_CODE, code):
                problems.append((path, "codes are lower-case letters, digits and _"))
            if activity.weight < 0 and not activity.allow_negative:
                problems.append(
                    (
                        f"{path}.weight",
                        "must be ≥ 0 (set allow_negative = true for work that takes load off)",
                    )
                )
        for code in self.grades:
            if not re.match(_CODE, code):
                problems.append((f"grades.{code}", "codes are lower-case letters, digits and _"))
        for code in self.capacity.allowances:
            if not re.match(_CODE, code):
                problems.append(
                    (f"capacity.allowances.{code}", "codes are lower-case letters, digits and _")
                )
        working_time = self.capacity.working_time
        if working_time is not None and working_time.days_at_work <= 0:
            problems.append(
                ("capacity.working_time", "leave, holidays and other days leave no working days")
            )
        return problems

    def _largest_case_weight(self) -> float:
        """An upper bound on one case's weight: the largest base weight with the
        largest child uplift (up to 100 more children when unlimited), every multiplier
        above 1 and every addition, times the largest stage factor."""
        weights = self.weights
        more = weights.children.max_additional
        largest_base = max(
            [*weights.case_type.values(), *(v for t in weights.cross.values() for v in t.values())],
            default=0.0,
        )
        running = largest_base + weights.children.per_additional * (100 if more is None else more)
        for modifier in self.modifiers:
            running *= max(modifier.multiply or 1.0, 1.0)
        running += sum(modifier.add or 0.0 for modifier in self.modifiers)
        return running * max(max(weights.stage.values(), default=1.0), 1.0)


#: Settings added after schemes were first fingerprinted, with their defaults: left out
#: of the canonical text while at the default, so a scheme that does not use them keeps
#: the fingerprint it always had (and a history store its scheme records).
_LATER_DEFAULTS: dict[tuple[str, ...], Any] = {
    ("unit",): "cases",
    ("activities",): {},
    ("grades",): {},
    ("weights", "cross"): {},
    ("capacity", "working_time"): None,
    ("capacity", "allowances"): {},
    ("capacity", "allowance_percent"): 0.0,
    ("capacity", "max_contracted_hours"): None,
    ("capacity", "rounding"): Rounding().model_dump(mode="json"),
    ("modifiers", "*", "case_types"): [],
    ("modifiers", "*", "stages"): [],
}


def _without_later_defaults(data: dict[str, Any]) -> dict[str, Any]:
    for path, default in _LATER_DEFAULTS.items():
        _drop_default(data, path, default)
    return data


def _drop_default(node: Any, path: tuple[str, ...], default: Any) -> None:
    head, rest = path[0], path[1:]
    if head == "*":
        for item in node if isinstance(node, list) else ():
            _drop_default(item, rest, default)
    elif isinstance(node, dict) and head in node:
        if rest:
            _drop_default(node[head], rest, default)
        elif node[head] == default:
            del node[head]


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
            _without_later_defaults(self.model.model_dump(mode="json")),
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
            self.model.unit,
        )

    @property
    def provenance(self) -> dict[str, Any]:
        """Where the scheme came from, for every report's metadata: the name or file
        given, and the --set changes applied on top of it."""
        return {"scheme_origin": self.origin, "scheme_overrides": list(self.overrides)}

    @property
    def label(self) -> str:
        return f"{self.model.name} v{self.model.version}"

    @property
    def unit(self) -> str:
        return self.model.unit

    @property
    def load_title(self) -> str:
        """What a report of this scheme's loads is called: "Weighted caseload" when it
        counts cases, else "Weighted load in hours" (or points)."""
        return "Weighted caseload" if self.unit == "cases" else f"Weighted load in {self.unit}"

    @property
    def napo_note(self) -> str | None:
        """Said wherever Napo columns appear for a scheme without Napo levels."""
        if self.model.napo is not None:
            return None
        return (
            f"Scheme {self.model.name} weighs in {self.unit} and sets no Napo safe levels "
            "(they are counted in cases): napo_safe_load is each worker's capacity, so "
            "over_napo means above 100% of capacity."
        )

    @property
    def default_target(self) -> float:
        """The target per FTE where no role or team type sets one: stated, or the
        available working time."""
        capacity = self.model.capacity
        if capacity.default_target is not None:
            return capacity.default_target
        assert capacity.working_time is not None  # validated
        return round(capacity.working_time.hours, DECIMALS)

    @property
    def allowance_factor(self) -> float:
        """The share of a target left for casework once allowances are taken:
        (1 − Σ allowance hours / full_time_hours) × (1 − allowance_percent / 100)."""
        capacity = self.model.capacity
        hours = sum(a.hours for a in capacity.allowances.values())
        return max(0.0, 1.0 - hours / capacity.full_time_hours) * (
            1.0 - capacity.allowance_percent / 100.0
        )

    @property
    def max_contracted_hours(self) -> float:
        """The most hours a contract may have: 37.5, or more where the scheme allows it."""
        return self.model.capacity.max_contracted_hours or MAX_CONTRACTED_HOURS

    def full_time_hours_for(self, grade: str = "") -> float:
        setting = self.model.grades.get(grade)
        if setting is not None and setting.full_time_hours is not None:
            return setting.full_time_hours
        return self.model.capacity.full_time_hours

    def base_target_for(self, role: str, team_type: str, grade: str = "") -> float:
        capacity = self.model.capacity
        setting = self.model.grades.get(grade)
        if setting is not None and setting.target is not None:
            return setting.target
        if role in capacity.target_by_role:
            return capacity.target_by_role[role]
        return capacity.target_by_team_type.get(team_type, self.default_target)

    def target_for(self, role: str, team_type: str, grade: str = "") -> float:
        """Load per FTE a worker of this role and team type can carry, after allowances."""
        base = self.base_target_for(role, team_type, grade)
        return round(base * self.allowance_factor, DECIMALS)

    def napo_level_for(self, team_type: str) -> float:
        napo = self.model.napo
        if napo is None:
            return self.target_for("fca", team_type)
        if team_type in napo.by_team_type:
            return napo.by_team_type[team_type]
        if napo.letters is not None and napo.letters.team_type == team_type:
            return napo.letters.per_day * napo.letters.working_days_per_case
        return napo.safe_cases

    def to_toml(self) -> str:
        """The canonical scheme as TOML (what `schemes show --format toml` prints)."""
        return to_toml(self.model.model_dump(mode="json", exclude_none=True))


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
        raise SchemeError(origin, describe(problem, SchemeModel)) from None
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
