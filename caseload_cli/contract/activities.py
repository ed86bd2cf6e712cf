"""The activities file's row contract: work that is not a case.

Letters written, court duty days, reports filed, contacts, training: each row
says how much of one activity a worker did (`count` items, days or hours, or
`hours` for an activity the scheme measures per hour) and, optionally, over
how long (`weeks`, or `from` and `to` dates), so a month of letters becomes a
weekly figure for a scheme whose loads are per week. The scheme says what one
item, day or hour of each activity weighs; a row whose activity no scheme
knows is rejected with a suggestion, never silently weighed as 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from caseload_cli.contract.parsing import parse_date, parse_number
from caseload_cli.contract.rejections import (
    Rejections,
    check_codes,
    code_text,
    column_text,
    reader_problems,
    staff_positions,
)
from caseload_cli.core.model import Table
from caseload_cli.scheme.model import Scheme

ACTIVITY_COLUMNS = ("worker_id", "activity")
#: Every activities column the contract reads.
ACTIVITY_READ = (*ACTIVITY_COLUMNS, "count", "hours", "weeks", "from", "to")
DAYS_PER_WEEK = 7.0


def empty_activities() -> pd.DataFrame:
    """The accepted-activities frame when no activities file is given."""
    return pd.DataFrame(
        {
            "worker_id": pd.Series(dtype="str"),
            "activity": pd.Series(dtype="str"),
            "quantity": pd.Series(dtype="float64"),
            "weeks": pd.Series(dtype="float64"),
            "_row": pd.Series(dtype="int64"),
            "_staff": pd.Series(dtype="int64"),
        }
    )


def validate_activities(
    table: Table,
    rejections: Rejections,
    schemes: list[Scheme],
    staff: pd.DataFrame,
    snapshot: date,
) -> pd.DataFrame:
    """Accepted activity rows: worker, activity code, quantity and the weeks it covers.

    `staff` is the accepted staff; a row of a worker not in it is rejected (the
    staff row's own rejection is named by `Rejections.blame`)."""
    reader_problems(table, rejections)
    frame = table.frame
    out = pd.DataFrame(index=frame.index)
    out["worker_id"] = column_text(table, "worker_id")
    out["activity"] = code_text(table, "activity")
    position = staff_positions(table, rejections, out["worker_id"], staff)
    # Only schemes that weigh activities judge them (a case-count scheme beside an hours
    # one in `compare` leaves them out of its loads); those must all know a code.
    weighing = [s for s in schemes if s.model.activities]
    if weighing:
        known = set.intersection(*(set(s.model.activities) for s in weighing))
        check_codes(table, rejections, "activity", out["activity"], sorted(known), "activity")
    else:
        names = ", ".join(s.model.name for s in schemes)
        rejections.add(
            table,
            out["activity"] == out["activity"],
            "activity",
            f"no scheme given weighs activities ({names} has no [activities])",
        )

    quantity = _amount(table, rejections, out, schemes)
    out["quantity"] = quantity
    out["weeks"] = _weeks(table, rejections, snapshot)
    rejected = np.zeros(len(out), dtype=bool)
    rejected[rejections.positions(table)] = True
    keep = ~rejected
    good = out.loc[keep, ["worker_id", "activity", "quantity", "weeks"]].copy()
    good["_row"] = table.row_numbers[keep]
    good["_staff"] = position[keep].astype("int64")
    return good.reset_index(drop=True)


def _amount(
    table: Table, rejections: Rejections, out: pd.DataFrame, schemes: list[Scheme]
) -> pd.Series:
    """`count` (items, days or hours, as the activity is measured) or `hours` (only for
    an activity measured per hour): exactly one of them, a number ≥ 0."""
    frame = table.frame
    amount = pd.Series(np.nan, index=out.index, dtype="float64")
    given = pd.Series(0, index=out.index)
    gave_hours = pd.Series(False, index=out.index)
    for column in ("count", "hours"):
        if column not in frame.columns:
            continue
        parsed, bad = parse_number(frame[column], decimal=table.decimal)
        if column == "hours":
            gave_hours = parsed.notna()
        rejections.add(table, bad, column, f"{column} is not a number")
        rejections.add(table, parsed.notna() & (parsed < 0), column, f"{column} must be ≥ 0")
        amount = amount.fillna(parsed.astype("float64"))
        given += (parsed.notna() | bad).astype(int)
    column = "count" if "count" in frame.columns else "hours"
    rejections.add(table, given == 0, column, "give count or hours")
    rejections.add(table, given > 1, column, "give count or hours, not both")
    if "hours" in frame.columns:
        measured = {
            code: activity.per
            for scheme in schemes
            for code, activity in scheme.model.activities.items()
            if activity.per != "hour"
        }
        per = out["activity"].map(measured).astype("object")
        wrong = gave_hours & per.notna() & (given == 1)
        rejections.add(
            table,
            wrong,
            "hours",
            "activity " + out["activity"] + " is counted per " + per.fillna("") + ": give count",
        )
    return amount


def _weeks(table: Table, rejections: Rejections, snapshot: date) -> pd.Series:
    """The weeks each row's amount covers: `weeks`, else the days from `from` to `to`
    (both included) over 7, else 1 (the amount is already per week, or a scheme that
    does not count time takes it as it is)."""
    frame = table.frame
    weeks = pd.Series(np.nan, index=frame.index, dtype="float64")
    if "weeks" in frame.columns:
        parsed, bad = parse_number(frame["weeks"], decimal=table.decimal)
        rejections.add(table, bad, "weeks", "weeks is not a number")
        rejections.add(table, parsed.notna() & (parsed <= 0), "weeks", "weeks must be > 0")
        weeks = parsed.astype("float64")
    dates: dict[str, pd.Series] = {}
    for column in ("from", "to"):
        if column in frame.columns:
            parsed, bad = parse_date(frame[column])
            rejections.add(
                table, bad, column, f"{column} is not a date (use YYYY-MM-DD or DD/MM/YYYY)"
            )
            late = parsed.notna() & (parsed > pd.Timestamp(snapshot))
            if late.any():
                reason = (
                    f"{column} "
                    + parsed.dt.strftime("%Y-%m-%d").fillna("")
                    + f" is after the snapshot date ({snapshot.isoformat()})"
                )
                rejections.add(table, late, column, reason)
            dates[column] = parsed
    if len(dates) == 2:
        start, end = dates["from"], dates["to"]
        both = start.notna() & end.notna()
        rejections.add(table, both & (end < start), "to", "to is before from")
        rejections.add(
            table,
            both & weeks.notna(),
            "weeks",
            "give weeks or from and to, not both",
        )
        span = ((end - start).dt.days + 1) / DAYS_PER_WEEK
        weeks = weeks.fillna(span.where(both & (end >= start)).astype("float64"))
        one_date = start.notna() ^ end.notna()
        rejections.add(table, one_date, "to", "give both from and to, or neither")
    elif dates:
        (column,) = dates
        rejections.add(table, dates[column].notna(), column, "give both from and to, or neither")
    return weeks.fillna(1.0)


def no_activities_notes(schemes: Sequence[Scheme], given: bool) -> list[str]:
    """Say so when a scheme weighs activities but the run has none: its loads are then
    cases only, which a reader comparing hours would otherwise not know."""
    if given:
        return []
    return [
        f"Scheme {scheme.model.name} weighs activities "
        f"({', '.join(sorted(scheme.model.activities))}) but no --activities file was given: "
        "its loads count cases only."
        for scheme in schemes
        if scheme.model.activities
    ]
