"""The parts a scheme is made of (weights, modifiers, activities, capacity, bands, Napo
levels), each a strict pydantic model that checks its own values.

`scheme.model.SchemeModel` puts them together and checks what needs more than one
part (codes a table refers to, bands in order); problems found there carry dotted
paths, as pydantic's own do.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from caseload_cli.core.suggest import did_you_mean
from caseload_cli.core.vocabulary import DECIMALS, FULL_TIME_HOURS

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
    """Per case type, a stage factor, a child uplift, and optionally a table of
    case type × stage whose entries replace base × stage factor for that pair.

    Any case-type or cross weight may be written as a time standard spread over an
    expected duration, `{ total = 30, weeks = 12 }` (an s7 report: 30 hours over 12
    weeks), which weighs `total / weeks` per week; `stated` keeps what was written,
    so explain can show the conversion (it is not part of the canonical text: two
    schemes that weigh alike have one fingerprint)."""

    case_type: dict[str, float] = Field(min_length=1)
    stage: dict[str, float] = Field(min_length=1)
    children: ChildUplift = ChildUplift()
    cross: dict[str, dict[str, float]] = {}
    stated: dict[str, str] = Field(default={}, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _spread_time_standards(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        raw = dict(raw)
        stated: dict[str, str] = {}
        problems: list[tuple[str, str]] = []
        tables: list[tuple[str, dict[str, Any]]] = []
        if isinstance(raw.get("case_type"), dict):
            raw["case_type"] = dict(raw["case_type"])
            tables.append(("weights.case_type", raw["case_type"]))
        if isinstance(raw.get("cross"), dict):
            raw["cross"] = {
                k: dict(v) if isinstance(v, dict) else v for k, v in raw["cross"].items()
            }
            tables.extend(
                (f"weights.cross.{k}", v) for k, v in raw["cross"].items() if isinstance(v, dict)
            )
        for prefix, table in tables:
            for code, value in table.items():
                if isinstance(value, dict):
                    spread = spread_standard(value, f"{prefix}.{code}", problems)
                    if spread is not None:
                        table[code], stated[f"{prefix}.{code}"] = spread
        if problems:
            raise _MeaningProblems(problems)
        raw["stated"] = stated
        return raw


class Modifier(_Strict):
    """A boolean flag column that multiplies or adds to a case's weight."""

    flag: str = Field(pattern=_CODE)
    multiply: float | None = Field(default=None, ge=0)
    add: float | None = Field(default=None, ge=0)
    description: str = ""
    #: Only cases of these types (and stages) are changed; empty means every case.
    case_types: list[str] = []
    stages: list[str] = []


class Allowance(_Strict):
    """Time every worker spends on work no case or activity row records (supervision,
    travel, reading), in hours per full-time week; scaled by each worker's available FTE."""

    hours: float = Field(ge=0)
    label: str = ""


class WorkingTime(_Strict):
    """Available working time per FTE (WHO WISN): the days a full-time worker is at
    work in a year, times the hours in a day."""

    days: float = Field(gt=0, le=366)
    leave_days: float = Field(default=0.0, ge=0)
    public_holidays: float = Field(default=0.0, ge=0)
    training_days: float = Field(default=0.0, ge=0)
    sickness_days: float = Field(default=0.0, ge=0)
    other_days: float = Field(default=0.0, ge=0)
    hours_per_day: float = Field(gt=0, le=24)
    #: What the target is per: a year of this working time, or one week of it.
    per: Literal["year", "week"] = "year"
    weeks_per_year: float = Field(default=52.0, gt=0, le=53)

    @property
    def days_at_work(self) -> float:
        return self.days - (
            self.leave_days
            + self.public_holidays
            + self.training_days
            + self.sickness_days
            + self.other_days
        )

    @property
    def hours(self) -> float:
        """Hours per FTE per year (or per week: the year's hours over weeks_per_year)."""
        yearly = self.days_at_work * self.hours_per_day
        return yearly if self.per == "year" else yearly / self.weeks_per_year


class Rounding(_Strict):
    """Rounding an official figure depends on. `capacity`: `none`, or `truncate` (the
    probation tool's whole available points); `utilisation_decimals` with
    `utilisation_method` half_up (the printed percentage) or `none`."""

    capacity: Literal["none", "truncate"] = "none"
    utilisation_decimals: int = Field(default=2, ge=0, le=6)
    utilisation_method: Literal["half_even", "half_up"] = "half_even"
    #: What utilisation is when a worker has no capacity: blank (unknown) or 0.
    no_capacity_utilisation: Literal["blank", "zero"] = "blank"


class Capacity(_Strict):
    """The load a worker can carry: a target per FTE, scaled by available FTE.

    For hours, the target is the hours a full-time worker has for casework; for
    points, a nominal target at full-time hours (the probation tool: 2,176 at 37 h).
    `working_time` makes the target the available working time instead of a number;
    `allowances` (hours per full-time week) and `allowance_percent` (WISN's category
    allowance, CAF = 1 / (1 − allowance_percent/100)) then take time off it."""

    full_time_hours: float = Field(default=FULL_TIME_HOURS, gt=0, le=60)
    default_target: float | None = Field(default=None, gt=0)
    target_by_team_type: dict[str, float] = {}
    target_by_role: dict[str, float] = {}
    working_time: WorkingTime | None = None
    allowances: dict[str, Allowance] = {}
    allowance_percent: float = Field(default=0.0, ge=0, lt=100)
    #: Contracts may exceed the contract's 37.5 hours up to this (a scheme's choice).
    max_contracted_hours: float | None = Field(default=None, gt=0, le=80)
    rounding: Rounding = Rounding()


class Grade(_Strict):
    """A grade the scheme declares (the probation tool's PO, PSO, SPO): its own full-time
    hours and target, which take precedence over the role's and team type's."""

    full_time_hours: float | None = Field(default=None, gt=0, le=80)
    target: float | None = Field(default=None, ge=0)
    #: The hours a worker of this grade has when the staff file gives none (the
    #: probation tool's default contracted hours for the band).
    default_hours: float | None = Field(default=None, ge=0, le=80)
    label: str = ""


class Activity(_Strict):
    """Work that is not a case (safeguarding letters, court duty days, reports written),
    weighed per item, per day or per hour from the activities input."""

    weight: float
    per: Literal["item", "day", "hour"] = "item"
    label: str = ""
    #: Negative weights only where the scheme says so (the probation tool's contacts
    #: done by others, which take points off).
    allow_negative: bool = False


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


def spread_standard(
    value: dict[str, Any], path: str, problems: list[tuple[str, str]]
) -> tuple[float, str] | None:
    """`{ total = 30, weeks = 12 }` as (2.5, "30 over 12 weeks"), or a problem at `path`."""
    unknown = sorted(set(value) - {"total", "weeks"})
    if unknown:
        problems.append(
            (f"{path}.{unknown[0]}", "unknown key (a time standard has total and weeks)")
        )
        return None
    numbers: dict[str, float] = {}
    for key in ("total", "weeks"):
        given = value.get(key)
        if given is None:
            problems.append((f"{path}.{key}", "required (a time standard has total and weeks)"))
        elif (
            isinstance(given, bool)
            or not isinstance(given, int | float)
            or not math.isfinite(given)
        ):
            problems.append((f"{path}.{key}", "must be a number"))
        else:
            numbers[key] = float(given)
    if len(numbers) < 2:
        return None
    if numbers["total"] < 0:
        problems.append((f"{path}.total", "must be ≥ 0"))
        return None
    if numbers["weeks"] <= 0:
        problems.append((f"{path}.weeks", "must be > 0"))
        return None
    per_week = round(numbers["total"] / numbers["weeks"], DECIMALS)
    return per_week, f"{numbers['total']:g} over {numbers['weeks']:g} weeks"


class _MeaningProblems(ValueError):
    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


def _hint(word: str, choices: list[str] | tuple[str, ...]) -> str:
    hint = did_you_mean(word, choices, quote=True)
    return f"({hint})" if hint else ""
