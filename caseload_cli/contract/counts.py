"""The aggregate-counts input contract: case counts and FTE per service area.

Negotiators are often given only counts per service area (and case type,
maybe stage or team type) and the FTE in post, not case-level exports. Those
two files are checked like any other input: each bad row is rejected with
file, row, column and reason, so `gap --counts` reports them the same way.

What a count means is the run's `basis` (`--count-basis`): cases `open` at a
date (whole numbers, the default), the `average` number open over a period
(fractional counts, e.g. averages over several years), or cases `received`
over a period of `--period-weeks` weeks, which also needs each row's
`duration_weeks` (how long such a case stays open) to be turned into open
cases (engine/need.py `count_workload`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from caseload_cli.contract.mapping import apply_mapping
from caseload_cli.contract.parsing import clean_text, parse_int, parse_number
from caseload_cli.contract.rejections import (
    Rejections,
    check_codes,
    first_rows,
    require_columns,
    without_rows,
)
from caseload_cli.core.errors import InputError, UsageError
from caseload_cli.core.model import InputOptions, ReadOptions, Table
from caseload_cli.core.suggest import did_you_mean
from caseload_cli.read.table import read_table
from caseload_cli.scheme.model import Scheme

COUNT_COLUMNS = ("service_area", "case_type", "count")
FTE_COLUMNS = ("service_area", "fte")
#: WISN's individual allowance: hours a year some of an area's staff spend on work only
#: they do (supervision, a clinic manager's duties); an optional FTE-file column.
INDIVIDUAL_ALLOWANCE = "individual_allowance_hours"
#: What a count is: open at a date, the average open over a period, received over a period.
COUNT_BASES = ("open", "average", "received")
#: The longest period received counts may cover (ten years).
MAX_PERIOD_WEEKS = 520
DURATION = "duration_weeks"


@dataclass
class CountInputs:
    """Validated aggregate counts and FTE, plus what was rejected and why.

    Carries `rejects`, `accounting` and `notes` like `ValidInputs`, so the
    commands report rejections the same way for both kinds of input.
    """

    counts: pd.DataFrame  # service_area, [team_type], case_type, [stage], count[, duration_weeks]
    fte: pd.DataFrame  # service_area, [team_type], fte[, individual_allowance_hours]
    rejects: pd.DataFrame
    accounting: dict[str, int]
    notes: list[str] = field(default_factory=list)
    basis: str = "open"  # one of COUNT_BASES
    period_weeks: float | None = None  # basis "received": the weeks the counts cover


def _read(path: str, options: ReadOptions) -> Table:
    """A counts or FTE file, headers normalised (--counts takes no --mapping)."""
    return apply_mapping(read_table(path, options), None, "cases")


def _not_in_scheme(what: str, value: str, known: Sequence[str]) -> str:
    """The counts' wording for an unknown code: the known codes are always listed."""
    hint = did_you_mean(value, known)
    hint = f"{hint} " if hint else ""
    return f"{what} {value!r} is not in the scheme ({hint}known: {', '.join(known)})"


def check_count_options(
    counts_path: str | None,
    fte_path: str | None,
    cases: str | None,
    by: str,
    source: InputOptions,
) -> None:
    """--counts and --fte go together and replace every case-level input."""
    if not counts_path or not fte_path:
        raise UsageError("--counts FILE and --fte FILE go together (workload and current FTE)")
    clashing = [
        name
        for name, value in (
            ("CASES", cases),
            ("--staff", source.staff),
            ("--reductions", source.reductions),
            ("--snapshot", source.snapshot),
            ("--mapping", source.mapping),
        )
        if value
    ]
    if clashing:
        raise UsageError(f"--counts replaces case-level inputs: leave out {', '.join(clashing)}")
    if by == "team":
        raise UsageError(
            "with --counts, --by must be national or service_area (counts have no teams)"
        )


def check_count_basis(basis: str, period_weeks: float | None, counts_path: str | None) -> str:
    """`--count-basis` and `--period-weeks`: known, together when counts are received over a
    period, and only with --counts. Returns the basis in lower case."""
    chosen = basis.strip().lower()
    if chosen not in COUNT_BASES:
        hint = did_you_mean(chosen, COUNT_BASES)
        raise UsageError(
            f"--count-basis {basis!r} is not a basis ({hint + ' ' if hint else ''}"
            f"known: {', '.join(COUNT_BASES)})"
        )
    if not counts_path and (chosen != "open" or period_weeks is not None):
        raise UsageError(
            "--count-basis and --period-weeks say what a --counts file holds: give --counts FILE "
            "--fte FILE"
        )
    if chosen == "received" and period_weeks is None:
        raise UsageError(
            "--count-basis received needs --period-weeks N: the weeks the counts were received "
            "over (52 for a year)"
        )
    if chosen != "received" and period_weeks is not None:
        raise UsageError("--period-weeks goes with --count-basis received")
    if period_weeks is not None and not 0 < period_weeks <= MAX_PERIOD_WEEKS:
        raise UsageError(
            f"--period-weeks {period_weeks:g}: give a number of weeks above 0 and at most "
            f"{MAX_PERIOD_WEEKS}"
        )
    return chosen


def _individual_allowance(fte_table: Table, rejections: Rejections, scheme: Scheme) -> pd.Series:
    """Hours a year of individual allowances per FTE row: blank is none. They are time, so
    only a scheme that weighs in hours can turn them into staff (IAF = hours / AWT)."""
    if scheme.unit != "hours":
        raise UsageError(
            f"{fte_table.source} has an {INDIVIDUAL_ALLOWANCE} column, which needs a scheme "
            f"that weighs in hours (scheme {scheme.model.name} weighs in {scheme.unit}): give "
            "an hours scheme with capacity.working_time, or leave the column out"
        )
    hours, bad = parse_number(fte_table.frame[INDIVIDUAL_ALLOWANCE], decimal=fte_table.decimal)
    rejections.add(fte_table, bad, INDIVIDUAL_ALLOWANCE, f"{INDIVIDUAL_ALLOWANCE} is not a number")
    rejections.add(
        fte_table,
        hours.notna() & (hours < 0),
        INDIVIDUAL_ALLOWANCE,
        f"{INDIVIDUAL_ALLOWANCE} must be ≥ 0",
    )
    return hours.fillna(0.0).astype("float64")


def read_counts(
    counts_path: str,
    fte_path: str,
    options: ReadOptions,
    scheme: Scheme,
    basis: str = "open",
    period_weeks: float | None = None,
) -> CountInputs:
    """Read and check the counts and FTE files; bad rows are rejected with reasons, not
    dropped. `basis` says what a count is (`COUNT_BASES`, checked by `check_count_basis`)."""
    counts_table = _read(counts_path, options)
    fte_table = _read(fte_path, options)
    received = basis == "received"
    require_columns(counts_table, (*COUNT_COLUMNS, *((DURATION,) if received else ())))
    if not received and DURATION in counts_table.frame.columns:
        raise UsageError(
            f"{counts_table.source} has a {DURATION} column, which only counts received over a "
            "period use: give --count-basis received --period-weeks N, or leave the column out"
        )
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
    check_codes(
        counts_table,
        rejections,
        "case_type",
        counts["case_type"],
        sorted(weights.case_type),
        "case type",
        unknown=_not_in_scheme,
    )
    has_stage = "stage" in frame.columns
    if has_stage:
        counts["stage"] = clean_text(frame["stage"]).str.lower()
        check_codes(
            counts_table,
            rejections,
            "stage",
            counts["stage"],
            sorted(weights.stage),
            "stage",
            unknown=_not_in_scheme,
        )
    if basis == "open":
        number, bad = parse_int(frame["count"], decimal=counts_table.decimal)
        why = "count is not a whole number (fractional counts: --count-basis average or received)"
    else:
        number, bad = parse_number(frame["count"], decimal=counts_table.decimal)
        why = "count is not a number"
    rejections.add(counts_table, bad, "count", why)
    rejections.add(counts_table, number.isna() & ~bad, "count", "count is blank")
    rejections.add(counts_table, number.notna() & (number < 0), "count", "count must be ≥ 0")
    counts["count"] = number.fillna(0).astype("int64" if basis == "open" else "float64")
    if received:
        weeks, bad = parse_number(frame[DURATION], decimal=counts_table.decimal)
        rejections.add(counts_table, bad, DURATION, f"{DURATION} is not a number")
        rejections.add(counts_table, weeks.isna() & ~bad, DURATION, f"{DURATION} is blank")
        rejections.add(
            counts_table, weeks.notna() & (weeks <= 0), DURATION, f"{DURATION} must be above 0"
        )
        counts[DURATION] = weeks.fillna(0.0).astype("float64")
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
    if INDIVIDUAL_ALLOWANCE in frame.columns:
        fte[INDIVIDUAL_ALLOWANCE] = _individual_allowance(fte_table, rejections, scheme)
    key_text = fte[fte_keys].astype("str").agg(" / ".join, axis=1)
    duplicate = fte["service_area"].ne("") & key_text.duplicated(keep="first")
    if duplicate.any():
        first_row = first_rows(fte_table, key_text)
        what = " and ".join(fte_keys)
        rejections.add(
            fte_table,
            duplicate,
            "service_area",
            f"duplicate {what} (first at row " + first_row.astype(str) + ")",
        )
    fte_rejected = rejections.positions(fte_table)

    good_counts = without_rows(counts, counts_rejected)
    good_fte = without_rows(fte, fte_rejected)
    if "team_type" in good_fte.columns and not has_team_type:
        notes.append(
            f"{fte_table.source}: the counts have no team_type, so FTE is added up per service area"
        )
        summed = [column for column in good_fte.columns if column not in fte_keys]
        good_fte = good_fte.groupby("service_area", sort=True, as_index=False)[summed].sum()
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
        basis=basis,
        period_weeks=period_weeks,
    )
