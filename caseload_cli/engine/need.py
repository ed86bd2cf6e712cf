"""Staff needed for a target load per FTE: the one formula gap and compare share.

    need      = weighted load / target per FTE      (per worker, summed)
    shortfall = Σ over teams of max(0, need − available FTE)

A surplus in one team never offsets a shortfall in another. The target is a
number (the Napo survey's 17.4, say), the scheme's Napo safe level for each
team type, or the scheme's own targets (the Cafcass ceilings in the built-ins).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from caseload_cli.core.errors import UsageError

TARGET_WORDS = ("napo", "ceiling")


# --------------------------------------------------------------------------- who and what target


@dataclass(frozen=True)
class Target:
    """What one full-time worker should carry: a number, Napo's levels or the scheme's targets.

    `by_team_type` overrides the default for named team types, so "everyone
    under 20, EIT under 40" is `--target 20,eit=40`.
    """

    mode: str  # number | napo | ceiling
    value: float | None = None
    by_team_type: tuple[tuple[str, float], ...] = ()

    def describe(self, aggregate: bool = False) -> str:
        if self.mode == "number":
            text = f"{self.value:g} weighted cases per FTE"
        elif self.mode == "napo":
            text = "the scheme's Napo safe level for each team type" + (
                " (napo.safe_cases where the counts give no team type)" if aggregate else ""
            )
        elif aggregate:
            text = (
                "the scheme's FCA target for each team type "
                "(capacity.default_target where the counts give no team type)"
            )
        else:
            text = "the scheme's target for each worker (role, else team type, else default)"
        if self.by_team_type:
            text += "; " + ", ".join(f"{tt}: {value:g}" for tt, value in self.by_team_type)
        return text

    def as_metadata(self) -> Any:
        base: Any = self.value if self.mode == "number" else self.mode
        if not self.by_team_type:
            return base
        return {"default": base, "by_team_type": dict(self.by_team_type)}

    def apply_overrides(self, team_type: pd.Series, values: pd.Series) -> pd.Series:
        """Replace the default target wherever a team type has its own number."""
        if not self.by_team_type:
            return values
        own = team_type.map(dict(self.by_team_type)).astype("float64")
        return own.fillna(values).astype("float64")


def _positive(text: str, whole: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(
            f"--target {whole!r}: give a load per FTE (e.g. 17.4), 'napo' (the scheme's Napo safe "
            "levels) or 'ceiling' (the scheme's targets), optionally followed by per team type "
            "numbers, e.g. 20,eit=40"
        ) from None
    if not math.isfinite(value) or not 0.1 <= value <= 1000:
        raise UsageError(
            f"--target {whole!r}: {text.strip()} must be a load per FTE from 0.1 to 1000"
        )
    return value


def parse_target(text: str) -> Target:
    """`17.4`, `napo`, `ceiling`, each optionally with `,team_type=N` items; else exit 2."""
    items = [item.strip() for item in str(text).split(",")]
    head, rest = items[0].lower(), items[1:]
    if head in TARGET_WORDS:
        mode, value = head, None
    else:
        mode, value = "number", _positive(head, text)
    overrides: dict[str, float] = {}
    for item in rest:
        team_type, sep, number = item.partition("=")
        team_type = team_type.strip().lower()
        if not sep or not team_type:
            raise UsageError(
                f"--target {text!r}: after the first value give TEAM_TYPE=NUMBER items, "
                "e.g. 20,eit=40"
            )
        if team_type in overrides:
            raise UsageError(f"--target {text!r}: {team_type} is given twice")
        overrides[team_type] = _positive(number, text)
    return Target(mode, value, tuple(sorted(overrides.items())))


def worker_targets(workers: pd.DataFrame, target: Target) -> pd.Series:
    """Each worker's target load per FTE under `target` (the columns come from `per_worker`)."""
    if target.mode == "number":
        values = pd.Series(float(target.value), index=workers.index, dtype="float64")
    else:
        column = "napo_level" if target.mode == "napo" else "target"
        values = workers[column].astype("float64")
    return target.apply_overrides(workers["team_type"], values)


def worker_need(workers: pd.DataFrame, target: Target) -> pd.Series:
    """FTE each worker's load needs at the target: load / target (targets are always > 0)."""
    return workers["weighted_load"].astype("float64") / worker_targets(workers, target)


def team_shortfall(workers: pd.DataFrame, keys: list[str], target: Target) -> pd.Series | float:
    """Σ over teams of max(0, need - available FTE), summed to `keys` (a float when no keys).

    Surplus in one team never offsets a shortfall in another: that is the
    staff needed to bring *every* team to its target.
    """
    teams = (
        workers.assign(_need=worker_need(workers, target))
        .groupby(["service_area", "team"], sort=True, observed=True)[["_need", "available_fte"]]
        .sum()
    )
    short = (teams["_need"] - teams["available_fte"]).clip(lower=0.0)
    if not keys:
        return float(short.sum())
    return short.groupby(level=keys, sort=True).sum()
