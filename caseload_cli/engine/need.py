"""Staff needed for a target load per FTE: the one formula gap and compare share.

    need      = weighted load / target per FTE      (per worker, summed)
              + individual allowance hours / available working time   (counts only: WISN's IAF)
    shortfall = Σ over teams of max(0, need − available FTE)        every team at its target
    excess    = Σ over workers of max(0, need − available FTE)      everyone at or under it
              = Σ max(0, load − target × available FTE) / target

A surplus in one team never offsets a shortfall in another, and `excess` lets
no one's spare room offset anyone else's excess: it is the FTE that would
absorb every person's load above their own target, so gap ≤ shortfall ≤
excess. Work no FCA holds (unallocated, duty, the hubs) can be counted as
need too, at the target of the team type that would take it (`case_team_type`).
The target is a number (the Napo survey's 17.4, say), the scheme's Napo safe
level for each team type, or the scheme's own targets (the Cafcass ceilings in
the built-ins). From aggregate counts the workload is Σ open cases × weight ×
stage factor, cases received over a period becoming open cases by Little's law
(`count_workload`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.contract.counts import DURATION
from caseload_cli.core.errors import UsageError
from caseload_cli.core.suggest import did_you_mean
from caseload_cli.core.vocabulary import DECIMALS, EIT_TEAM_TYPE
from caseload_cli.engine.aggregate import NOT_HELD_CATEGORIES, holder_category
from caseload_cli.engine.population import in_population
from caseload_cli.scheme.model import Scheme

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

    def describe(self, aggregate: bool = False, unit: str = "cases") -> str:
        if self.mode == "number":
            text = f"{self.value:g} weighted {unit} per FTE"
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


def worker_excess(workers: pd.DataFrame, target: Target) -> pd.Series:
    """FTE each worker's load above their own target needs: max(0, load / target − FTE)."""
    return (worker_need(workers, target) - workers["available_fte"].astype("float64")).clip(
        lower=0.0
    )


#: The team type that would take a case no FCA holds: work to first hearing goes to
#: EIT, other public law cases to public law teams, the rest (private law after first
#: hearing) to WAFH teams.
PUBLIC_LAW_TEAM_TYPE = "public_law"
WAFH_TEAM_TYPE = "wafh"


def case_team_type(cases: pd.DataFrame) -> pd.Series:
    """Each case's team type by `PUBLIC_LAW_TEAM_TYPE`'s rule: stage wtfh → eit, law
    public → public_law, else wafh (vectorised over the codes)."""
    stage = cases["stage"].astype("object").to_numpy()
    law = cases["law"].astype("object").to_numpy()
    chosen = np.where(
        stage == "wtfh",
        EIT_TEAM_TYPE,
        np.where(law == "public", PUBLIC_LAW_TEAM_TYPE, WAFH_TEAM_TYPE),
    )
    return pd.Series(chosen, index=cases.index, dtype="object")


def team_type_targets(
    scheme: Scheme, target: Target, team_type: pd.Series | None, index: pd.Index
) -> pd.Series:
    """Target per FTE for rows that name a team type but no worker (aggregate counts, work
    no FCA holds): the number, else the scheme's FCA level for the team type (its default
    when there is no team type), then any per team type numbers of `target`."""
    if target.mode == "number":
        values = pd.Series(float(target.value), index=index, dtype="float64")
    elif team_type is None:
        default = (
            scheme.model.napo.safe_cases
            if target.mode == "napo" and scheme.model.napo is not None
            else scheme.target_for("", "")
        )
        values = pd.Series(float(default), index=index, dtype="float64")
    else:
        lookup: Any = (
            scheme.napo_level_for
            if target.mode == "napo"
            else (lambda tt: scheme.target_for("fca", tt))
        )
        levels = {value: float(lookup(value)) for value in team_type.unique()}
        values = team_type.map(levels).astype("float64")
    if team_type is None:
        return values
    return target.apply_overrides(team_type, values)


def individual_allowance_fte(
    hours: pd.Series, team_type: pd.Series | None, scheme: Scheme
) -> pd.Series:
    """WISN's individual allowance factor: staff for the time some members spend on work
    only they do, IAF = allowance hours / available working time per FTE. The time is
    the scheme's target before allowances (its `capacity.working_time`), whatever
    `--target` says, because the allowance is time, not load at a target."""
    if team_type is None:
        working = float(scheme.base_target_for("fca", ""))
        return hours.astype("float64") / working
    levels = {value: float(scheme.base_target_for("fca", value)) for value in team_type.unique()}
    return hours.astype("float64") / team_type.map(levels).astype("float64")


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


# --------------------------------------------------------------------------- work no FCA holds

#: The group (every key column) of the rows of work no FCA holds, counted as need.
NOT_HELD_GROUP = "not held by an FCA"


def not_held_need(
    cases: pd.DataFrame,
    staff: pd.DataFrame,
    weights: pd.Series,
    scheme: Scheme,
    target: Target,
    categories: Sequence[str],
    population: str,
    keys: Sequence[str] = (),
) -> pd.DataFrame:
    """Work in `categories` that no counted worker holds, as gap leaf rows: one per
    category, in the group `NOT_HELD_GROUP`, with no workers and no FTE, its need at the
    target of the team type that would take each case (`case_team_type`). Cases already
    in a counted worker's load (a manager's, with --population all; an FCA's case in a
    hub stage) are left out, so nothing is counted twice."""
    category = pd.Series(holder_category(cases, staff), index=cases.index)
    position = cases["_staff"].to_numpy()
    counted = np.append(in_population(staff, population).to_numpy(dtype=bool), False)
    held_by_counted = counted[np.where(position < 0, len(staff), position)]
    chosen = category.isin(categories).to_numpy() & ~held_by_counted
    part = cases[chosen]
    team_type = case_team_type(part)
    weights = pd.Series(np.asarray(weights, dtype="float64"), index=cases.index)
    targets = team_type_targets(scheme, target, team_type, part.index)
    frame = pd.DataFrame(
        {
            "team_type": category[chosen].astype("str"),
            "cases": 1,
            "weighted_load": weights[chosen],
            "fte_needed": weights[chosen] / targets,
            "_target": targets,
        }
    )
    leaf = (
        frame.groupby("team_type", sort=False)
        .agg(
            cases=("cases", "sum"),
            weighted_load=("weighted_load", "sum"),
            fte_needed=("fte_needed", "sum"),
            _target=("_target", "mean"),
        )
        .reindex([c for c in NOT_HELD_CATEGORIES if c in categories])
        .dropna(subset=["cases"])
        .reset_index()
    )
    leaf = leaf.assign(workers=0, available_fte=0.0, excess_fte=leaf["fte_needed"], _tail=1)
    for key in keys:
        leaf[key] = NOT_HELD_GROUP
    return leaf


def parse_not_held(texts: Sequence[str]) -> tuple[str, ...]:
    """`--count-not-held` values (comma lists, repeatable; `all` = every category) as
    categories of `engine.aggregate.NOT_HELD_CATEGORIES`, in that order; else exit 2."""
    known = [*NOT_HELD_CATEGORIES, "all"]
    chosen: set[str] = set()
    for text in texts:
        for item in (i.strip().lower() for i in text.split(",")):
            if item not in known:
                hint = did_you_mean(item, known)
                raise UsageError(
                    f"--count-not-held {item!r} is not a kind of work outside FCAs' caseloads "
                    f"({hint + ' ' if hint else ''}known: {', '.join(known)})"
                )
            chosen |= set(NOT_HELD_CATEGORIES) if item == "all" else {item}
    return tuple(c for c in NOT_HELD_CATEGORIES if c in chosen)


# --------------------------------------------------------------------------- aggregate counts


def count_workload(
    counts: pd.DataFrame, scheme: Scheme, period_weeks: float | None = None
) -> pd.DataFrame:
    """Σ count × weight(case_type) × stage factor, per area [× team type] × case type [× stage].

    Counts received over `period_weeks` (with each row's `duration_weeks`) are first turned
    into the cases open on an average day, by Little's law:

        open cases = received × duration_weeks / period_weeks

    (a steady flow of 52 cases a year, each open 26 weeks, keeps 26 open), so the weights
    and targets, which are per open case, apply to them unchanged.
    """
    weights = scheme.model.weights
    keys = [c for c in ("service_area", "team_type", "case_type", "stage") if c in counts.columns]
    received = period_weeks is not None
    if received:
        counts = counts.assign(open_cases=counts["count"] * counts[DURATION] / period_weeks)
    summed = (
        counts.groupby(keys, sort=True, observed=True)[
            ["count", *(["open_cases"] if received else [])]
        ]
        .sum()
        .reset_index()
    )
    open_cases = summed["count"]
    if received:
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 received: no duration to show
            weeks = summed["open_cases"] * period_weeks / summed["count"].where(summed["count"] > 0)
        summed.insert(summed.columns.get_loc("count") + 1, DURATION, np.round(weeks, DECIMALS))
        summed["open_cases"] = np.round(summed.pop("open_cases"), DECIMALS)
        open_cases = summed["open_cases"]
    summed["weight"] = summed["case_type"].map(weights.case_type).astype("float64")
    if "stage" in summed.columns:
        summed["stage_factor"] = summed["stage"].map(weights.stage).astype("float64")
    else:
        summed["stage_factor"] = 1.0
    summed["weighted_workload"] = np.round(
        open_cases * summed["weight"] * summed["stage_factor"], DECIMALS
    )
    return summed
