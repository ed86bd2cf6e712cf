"""FTE needed for a target load per FTE, and the gap to the FTE there is.

    need = weighted workload / target per FTE
    gap  = need - current available FTE          (positive: more staff needed)

This is how court and public-defence workload standards are used: weigh the
work, divide by what one full-time person can safely carry, and compare with
the people in post. The target is a number (the Napo survey's 17.4, say),
the scheme's Napo safe level for each team type, or the scheme's own targets
(the Cafcass ceilings in the built-ins). It works from case-level exports
(each worker's load at that worker's target) or from aggregate counts per
service area, which is often all a negotiator is given.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.contract.mapping import apply_mapping
from caseload_cli.contract.parsing import clean_text, parse_int, parse_number
from caseload_cli.contract.validate import Rejections, ValidInputs, require_columns
from caseload_cli.core.errors import InputError, UsageError
from caseload_cli.core.model import ReadOptions, Report, Table
from caseload_cli.engine.aggregate import not_held_by_fca
from caseload_cli.read.table import read_table
from caseload_cli.reports.pipeline import Weighed
from caseload_cli.scheme.model import CASE_HOLDING_ROLES, Scheme

POPULATIONS = ("fca", "all")
GAP_LEVELS = ("national", "service_area", "team")
GROUP_KEYS: dict[str, list[str]] = {
    "national": [],
    "worker": [],
    "service_area": ["service_area"],
    "team": ["service_area", "team"],
}
TOTAL = "all"
TARGET_WORDS = ("napo", "ceiling")
COUNT_COLUMNS = ("service_area", "case_type", "count")
FTE_COLUMNS = ("service_area", "fte")
DECIMALS = 6


# --------------------------------------------------------------------------- who and what target


def population_workers(workers: pd.DataFrame, population: str) -> pd.DataFrame:
    """The staff a scenario figure is about.

    "fca" (FCAs and locum FCAs, the roles that hold caseloads) matches the
    published figures, which are about FCAs; "all" adds managers who hold
    cases themselves.
    """
    if population not in POPULATIONS:
        raise UsageError(f"--population must be one of {', '.join(POPULATIONS)}")
    if population == "all":
        return workers
    return workers[workers["role"].isin(CASE_HOLDING_ROLES)]


def population_text(population: str) -> str:
    return "FCAs and locum FCAs" if population == "fca" else "all staff (managers included)"


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


# --------------------------------------------------------------------------- from case-level data


def gap_from_workers(
    workers: pd.DataFrame, target: Target, by: str = "national", population: str = "fca"
) -> pd.DataFrame:
    """Need and gap per group × team type, with group and national totals."""
    if by not in GAP_LEVELS:
        raise UsageError(f"--by must be one of {', '.join(GAP_LEVELS)}")
    keys = GROUP_KEYS[by]
    chosen = population_workers(workers, population)
    frame = chosen.assign(
        workers=1,
        fte_needed=worker_need(chosen, target),
        _target=worker_targets(chosen, target),
    )
    leaf = (
        frame.groupby([*keys, "team_type"], sort=True, observed=True)
        .agg(
            workers=("workers", "sum"),
            cases=("cases", "sum"),
            weighted_load=("weighted_load", "sum"),
            fte_needed=("fte_needed", "sum"),
            available_fte=("available_fte", "sum"),
            _target=("_target", "mean"),
        )
        .reset_index()
    )
    return finish_gap(leaf, keys, sums=["workers", "cases"])


def finish_gap(
    leaf: pd.DataFrame, keys: list[str], sums: list[str] | None = None, team_types: bool = True
) -> pd.DataFrame:
    """Add gap columns, per-group totals (team_type "all") and a national total row.

    `leaf` has the keys, team_type, weighted_load, fte_needed, available_fte
    and `_target` (the plain target, used where there is no load to divide).
    Totals add needs and FTE and divide last; `shortfall_fte` adds only the
    leaves' shortfalls, so a surplus elsewhere never hides one.
    """
    sums = list(sums or [])
    additive = [*sums, "weighted_load", "fte_needed", "available_fte"]
    leaf = leaf.copy()
    leaf["shortfall_fte"] = (leaf["fte_needed"] - leaf["available_fte"]).clip(lower=0.0)
    pieces = [leaf.assign(_order=0)]
    if keys and team_types:
        grouped = leaf.groupby(keys, sort=True, observed=True)
        group_totals = grouped[[*additive, "shortfall_fte"]].sum()
        group_totals["_target"] = grouped["_target"].mean()
        mixed = (grouped.size() > 1).to_numpy()  # one team type: its row is already the total
        pieces.append(group_totals[mixed].reset_index().assign(team_type=TOTAL, _order=1))
    body = pd.concat(pieces, ignore_index=True)
    if keys:
        body = body.sort_values([*keys, "_order", "team_type"], kind="stable")
    if keys or team_types:
        national = {column: float(leaf[column].sum()) for column in [*additive, "shortfall_fte"]}
        national["_target"] = float(leaf["_target"].mean()) if len(leaf) else float("nan")
        national.update({key: TOTAL for key in keys})
        national["team_type"] = TOTAL
        body = pd.concat([body, pd.DataFrame([national])], ignore_index=True)
    out = body.reset_index(drop=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        need = out["fte_needed"].to_numpy(dtype="float64")
        load = out["weighted_load"].to_numpy(dtype="float64")
        fte = out["available_fte"].to_numpy(dtype="float64")
        out["target_per_fte"] = np.where(
            need > 0, load / np.where(need > 0, need, 1), out["_target"]
        )
        out["load_per_fte"] = np.where(fte > 0, load / np.where(fte > 0, fte, 1), np.nan)
    out["gap_fte"] = out["fte_needed"] - out["available_fte"]
    for column in (
        "weighted_load",
        "fte_needed",
        "available_fte",
        "gap_fte",
        "shortfall_fte",
        "target_per_fte",
        "load_per_fte",
    ):
        out[column] = np.round(out[column].astype("float64"), DECIMALS)
    for column in sums:
        out[column] = out[column].astype("int64")
    if not team_types:
        out = out.drop(columns="team_type")
    order = [
        *keys,
        *(["team_type"] if team_types else []),
        *sums,
        "weighted_load",
        "target_per_fte",
        "fte_needed",
        "available_fte",
        "gap_fte",
        "shortfall_fte",
        "load_per_fte",
    ]
    return out[order]


# --------------------------------------------------------------------------- from aggregate counts


@dataclass
class CountInputs:
    """Validated aggregate counts and FTE, plus what was rejected and why.

    Carries `rejects`, `accounting` and `notes` like `ValidInputs`, so the
    commands report rejections the same way for both kinds of input.
    """

    counts: pd.DataFrame  # service_area, [team_type], case_type, [stage], count
    fte: pd.DataFrame  # service_area, [team_type], fte
    rejects: pd.DataFrame
    accounting: dict[str, int]
    notes: list[str] = field(default_factory=list)


def _read(path: str, options: ReadOptions) -> Table:
    return apply_mapping(read_table(path, options), None, "cases")


def _known(
    table: Table,
    rejections: Rejections,
    column: str,
    values: pd.Series,
    known: list[str],
    what: str,
) -> pd.Series:
    """Reject blank and unknown codes, suggesting close matches; returns the good mask."""
    blank = values == ""
    rejections.add(table, blank, column, f"{column} is blank")
    unknown = ~blank & ~values.isin(known)
    if unknown.any():
        listing = ", ".join(known)

        def reason(value: str) -> str:
            close = difflib.get_close_matches(value, known, n=2, cutoff=0.5)
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            return f"{what} {value!r} is not in the scheme ({hint}known: {listing})"

        reasons = pd.Series("", index=values.index, dtype=object)
        distinct = {value: reason(value) for value in values[unknown].unique()}
        reasons[unknown] = values[unknown].map(distinct)
        rejections.add(table, unknown, column, reasons)
    return ~blank & ~unknown


def check_count_options(
    counts_path: str | None,
    fte_path: str | None,
    cases: str | None,
    by: str,
    population: str,
    options: dict[str, Any],
) -> None:
    """--counts and --fte go together and replace every case-level input."""
    if not counts_path or not fte_path:
        raise UsageError("--counts FILE and --fte FILE go together (workload and current FTE)")
    clashing = [
        name
        for name, value in (
            ("CASES", cases),
            ("--staff", options.get("staff_path")),
            ("--reductions", options.get("reductions_path")),
            ("--snapshot", options.get("snapshot")),
            ("--mapping", options.get("mapping")),
        )
        if value
    ]
    if clashing:
        raise UsageError(f"--counts replaces case-level inputs: leave out {', '.join(clashing)}")
    if by == "team":
        raise UsageError(
            "with --counts, --by must be national or service_area (counts have no teams)"
        )


def read_counts(
    counts_path: str, fte_path: str, options: ReadOptions, scheme: Scheme
) -> CountInputs:
    """Read and check the counts and FTE files; bad rows are rejected with reasons, not dropped."""
    counts_table = _read(counts_path, options)
    fte_table = _read(fte_path, options)
    require_columns(counts_table, COUNT_COLUMNS)
    require_columns(fte_table, FTE_COLUMNS)
    rejections = Rejections()
    notes: list[str] = []
    weights = scheme.model.weights

    frame = counts_table.frame
    counts = pd.DataFrame(index=frame.index)
    counts["service_area"] = clean_text(frame["service_area"])
    rejections.add(
        counts_table, counts["service_area"] == "", "service_area", "service_area is blank"
    )
    has_team_type = "team_type" in frame.columns
    if has_team_type:
        counts["team_type"] = clean_text(frame["team_type"]).str.lower()
        rejections.add(counts_table, counts["team_type"] == "", "team_type", "team_type is blank")
    counts["case_type"] = clean_text(frame["case_type"]).str.lower()
    _known(
        counts_table,
        rejections,
        "case_type",
        counts["case_type"],
        sorted(weights.case_type),
        "case type",
    )
    has_stage = "stage" in frame.columns
    if has_stage:
        counts["stage"] = clean_text(frame["stage"]).str.lower()
        _known(counts_table, rejections, "stage", counts["stage"], sorted(weights.stage), "stage")
    number, bad = parse_int(frame["count"], decimal=counts_table.decimal)
    rejections.add(counts_table, bad, "count", "count is not a whole number")
    rejections.add(counts_table, number.isna() & ~bad, "count", "count is blank")
    rejections.add(counts_table, number.notna() & (number < 0), "count", "count must be ≥ 0")
    counts["count"] = number.fillna(0).astype("int64")
    counts_rejected = rejections.positions(counts_table)

    frame = fte_table.frame
    fte = pd.DataFrame(index=frame.index)
    fte["service_area"] = clean_text(frame["service_area"])
    rejections.add(fte_table, fte["service_area"] == "", "service_area", "service_area is blank")
    fte_keys = ["service_area"]
    if "team_type" in frame.columns:
        fte["team_type"] = clean_text(frame["team_type"]).str.lower()
        rejections.add(fte_table, fte["team_type"] == "", "team_type", "team_type is blank")
        fte_keys.append("team_type")
    elif has_team_type:
        raise InputError(
            f"{fte_table.source}: the counts give a team_type, so the FTE file needs a team_type "
            "column too (or leave it out of both)"
        )
    value, bad = parse_number(frame["fte"], decimal=fte_table.decimal)
    rejections.add(fte_table, bad, "fte", "fte is not a number")
    rejections.add(fte_table, value.isna() & ~bad, "fte", "fte is blank")
    rejections.add(fte_table, value.notna() & (value < 0), "fte", "fte must be ≥ 0")
    fte["fte"] = value.fillna(0.0).astype("float64")
    key_text = fte[fte_keys].astype("str").agg(" / ".join, axis=1)
    duplicate = fte["service_area"].ne("") & key_text.duplicated(keep="first")
    if duplicate.any():
        rows = pd.Series(fte_table.row_numbers, index=fte.index)
        first_row = rows.groupby(key_text.to_numpy(), sort=False).transform("first")
        what = " and ".join(fte_keys)
        rejections.add(
            fte_table,
            duplicate,
            "service_area",
            f"duplicate {what} (first at row " + first_row.astype(str) + ")",
        )
    fte_rejected = rejections.positions(fte_table)

    good_counts = counts.drop(index=counts.index[counts_rejected]).reset_index(drop=True)
    good_fte = fte.drop(index=fte.index[fte_rejected]).reset_index(drop=True)
    if "team_type" in good_fte.columns and not has_team_type:
        notes.append(
            f"{fte_table.source}: the counts have no team_type, so FTE is added up per service area"
        )
        good_fte = good_fte.groupby("service_area", sort=True, as_index=False)["fte"].sum()
    missing = sorted(set(good_counts["service_area"]) - set(good_fte["service_area"]))
    if missing:
        notes.append(
            f"{len(missing)} service area(s) have counts but no FTE row, so their current FTE "
            f"is 0: {', '.join(missing)}"
        )
    notes.append(
        f"{fte_table.source}: {len(fte_table.frame):,} FTE rows read: "
        f"{len(fte_table.frame) - len(fte_rejected):,} accepted, {len(fte_rejected):,} rejected"
    )
    accounting = {
        "rows_read": len(counts_table.frame),
        "weighed": len(good_counts),
        "rejected": len(counts_rejected),
    }
    return CountInputs(
        counts=good_counts,
        fte=good_fte,
        rejects=rejections.frame(),
        accounting=accounting,
        notes=[*counts_table.notes, *fte_table.notes, *notes],
    )


def count_target(
    scheme: Scheme, target: Target, team_type: pd.Series | None, index: pd.Index
) -> pd.Series:
    """Target per FTE for aggregate rows: the number, or the scheme's FCA level per team type."""
    if target.mode == "number":
        values = pd.Series(float(target.value), index=index, dtype="float64")
    elif team_type is None:
        default = (
            scheme.model.napo.safe_cases
            if target.mode == "napo"
            else scheme.model.capacity.default_target
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


def count_workload(counts: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Σ count × weight(case_type) × stage factor, per area [× team type] × case type [× stage]."""
    weights = scheme.model.weights
    keys = [c for c in ("service_area", "team_type", "case_type", "stage") if c in counts.columns]
    summed = counts.groupby(keys, sort=True, observed=True)["count"].sum().reset_index()
    summed["weight"] = summed["case_type"].map(weights.case_type).astype("float64")
    if "stage" in summed.columns:
        summed["stage_factor"] = summed["stage"].map(weights.stage).astype("float64")
    else:
        summed["stage_factor"] = 1.0
    summed["weighted_workload"] = np.round(
        summed["count"] * summed["weight"] * summed["stage_factor"], DECIMALS
    )
    return summed


def gap_from_counts(
    inputs: CountInputs, scheme: Scheme, target: Target, by: str = "national"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The gap table and the workload behind it, from aggregate counts and FTE."""
    if by not in ("national", "service_area"):
        raise UsageError(
            "with --counts, --by must be national or service_area (counts have no teams)"
        )
    workload = count_workload(inputs.counts, scheme)
    team_types = "team_type" in workload.columns
    if target.by_team_type and not team_types:
        raise UsageError(
            "--target gives numbers per team type, but the counts have no team_type column"
        )
    keys = GROUP_KEYS[by]
    leaf_keys = [*keys, *(["team_type"] if team_types else [])]
    target_values = count_target(
        scheme, target, workload["team_type"] if team_types else None, workload.index
    )
    rows = workload.assign(
        weighted_load=workload["weighted_workload"],
        fte_needed=workload["weighted_workload"] / target_values,
        _target=target_values,
    )
    fte = inputs.fte
    if leaf_keys:
        need = rows.groupby(leaf_keys, sort=True, observed=True)[
            ["weighted_load", "fte_needed", "_target"]
        ].agg({"weighted_load": "sum", "fte_needed": "sum", "_target": "mean"})
        current = fte.groupby(leaf_keys, sort=True, observed=True)["fte"].sum()
        leaf = need.join(current.rename("available_fte"), how="outer").reset_index()
        plain = count_target(scheme, target, leaf["team_type"] if team_types else None, leaf.index)
        leaf["_target"] = leaf["_target"].fillna(plain)
    else:
        leaf = pd.DataFrame(
            {
                "weighted_load": [float(rows["weighted_load"].sum())],
                "fte_needed": [float(rows["fte_needed"].sum())],
                "available_fte": [float(fte["fte"].sum())],
                "_target": [float(count_target(scheme, target, None, pd.RangeIndex(1)).iat[0])],
            }
        )
    for column in ("weighted_load", "fte_needed", "available_fte"):
        leaf[column] = leaf[column].fillna(0.0)
    if not team_types:
        leaf["team_type"] = TOTAL
    table = finish_gap(leaf, keys, team_types=team_types)
    return table, workload


# --------------------------------------------------------------------------- reports


def _level_title(by: str) -> str:
    return "nationally" if by == "national" else f"by {by.replace('_', ' ')}"


def gap_notes(target: Target, population: str | None) -> list[str]:
    lines = [
        f"Target: {target.describe(aggregate=population is None)}.",
        "need = weighted workload / target per FTE; gap = need - available FTE "
        "(positive: more FTE needed); shortfall adds only positive gaps.",
    ]
    if target.mode == "number" and "eit" not in dict(target.by_team_type):
        lines.append(
            f"{target.value:g} applies to every team type, EIT included (EIT's Cafcass ceiling "
            f"is 40 cases); to give EIT its own target use e.g. --target {target.value:g},eit=40."
        )
    if population is not None:
        lines.append(
            f"Workload and FTE of {population_text(population)} (--population {population}); "
            "work not held by them is listed separately."
        )
    return lines


def gap_report_from_workers(
    valid: ValidInputs, weighed: Weighed, target: Target, by: str, population: str
) -> Report:
    """`caseload gap` on case-level data: the gap table plus the work outside it."""

    table = gap_from_workers(weighed.workers, target, by, population)
    scheme = weighed.scheme
    section = not_held_by_fca(valid.cases, weighed.parts["weight"], valid.staff)
    return Report(
        title=f"FTE needed and gap {_level_title(by)}",
        rows=table,
        schemes=[scheme.stamp],
        accounting=dict(valid.accounting),
        sections={"not_held_by_fca": section},
        band_column=None,
        notes=[*gap_notes(target, population), *valid.notes],
        metadata={
            "by": by,
            "target": target.as_metadata(),
            "population": population,
            "snapshot": valid.snapshot.isoformat(),
            "sheet": "gap",
            "scheme_origin": scheme.origin,
            "scheme_overrides": list(scheme.overrides),
        },
    )


def gap_report_from_counts(inputs: CountInputs, scheme: Scheme, target: Target, by: str) -> Report:
    """`caseload gap --counts`: the gap table plus the workload each count contributes."""
    table, workload = gap_from_counts(inputs, scheme, target, by)
    notes = [
        *gap_notes(target, None),
        "Aggregate counts: weighted workload = Σ count × case-type weight × stage factor "
        "(no stage column: factor 1); child uplifts and modifiers need case-level data and are "
        "not applied.",
    ]
    return Report(
        title=f"FTE needed and gap {_level_title(by)} (aggregate counts)",
        rows=table,
        schemes=[scheme.stamp],
        accounting=dict(inputs.accounting),
        sections={"workload": workload},
        band_column=None,
        notes=[*notes, *inputs.notes],
        metadata={
            "by": by,
            "target": target.as_metadata(),
            "sheet": "gap",
            "scheme_origin": scheme.origin,
            "scheme_overrides": list(scheme.overrides),
        },
    )
