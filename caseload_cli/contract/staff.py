"""The staff file's row contract: who the workers are and the hours they work.

Cases and reductions point at staff rows by worker_id, so staff are checked
first and on their own; a staff row rejected here is named again by every case
that points at it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseload_cli.contract.parsing import parse_number
from caseload_cli.contract.rejections import (
    Rejections,
    check_codes,
    column_text,
    first_rows,
    reader_problems,
)
from caseload_cli.core.model import Table
from caseload_cli.core.vocabulary import MAX_CONTRACTED_HOURS, ROLES

STAFF_COLUMNS = ("worker_id", "name", "team", "service_area", "role", "team_type")
#: Every staff column the contract reads: the required ones and the hours (or FTE).
STAFF_READ = (*STAFF_COLUMNS, "contracted_hours", "fte")


#: Optional staff columns read when present: a grade a scheme may declare.
STAFF_OPTIONAL = ("grade",)


def validate_staff(
    table: Table,
    rejections: Rejections,
    full_time: float,
    max_hours: float = MAX_CONTRACTED_HOURS,
    grades: tuple[str, ...] = (),
    grade_hours: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Every staff row, typed; bad rows are only recorded in `rejections`, not dropped.

    `max_hours` is the longest contract the schemes allow; `grades` the grades they
    declare (a `grade` column is then checked against them; blank is no grade);
    `grade_hours` the hours a grade has when a row gives neither hours nor fte."""
    reader_problems(table, rejections)
    out = pd.DataFrame(index=table.frame.index)
    for column in STAFF_COLUMNS:
        out[column] = column_text(table, column)
    for column in ("worker_id", "name", "team", "service_area", "team_type"):
        rejections.add(table, out[column] == "", column, f"{column} is blank")
    duplicate = out["worker_id"].ne("") & out["worker_id"].duplicated(keep="first")
    if duplicate.any():
        first_row = first_rows(table, out["worker_id"])
        reasons = "duplicate worker_id (first at row " + first_row.astype(str) + ")"
        rejections.add(table, duplicate, "worker_id", reasons)
    out["role"] = out["role"].str.lower()
    check_codes(table, rejections, "role", out["role"], ROLES, "role")
    out["team_type"] = out["team_type"].str.lower()
    out["grade"] = ""
    if "grade" in table.frame.columns:
        out["grade"] = column_text(table, "grade").str.lower()
        if grades:
            check_codes(table, rejections, "grade", out["grade"], grades, "grade", blank_ok=True)

    hours = pd.Series(np.nan, index=out.index, dtype="Float64")
    if "contracted_hours" in table.frame.columns:
        parsed, bad = parse_number(table.frame["contracted_hours"], decimal=table.decimal)
        rejections.add(table, bad, "contracted_hours", "contracted_hours is not a number")
        out_of_range = parsed.notna() & ((parsed < 0) | (parsed > max_hours))
        rejections.add(
            table,
            out_of_range,
            "contracted_hours",
            f"contracted_hours must be between 0 and {max_hours:g}",
        )
        hours = parsed.astype("Float64")
    if "fte" in table.frame.columns:
        fte, bad = parse_number(table.frame["fte"], decimal=table.decimal)
        rejections.add(table, bad, "fte", "fte is not a number")
        rejections.add(
            table, fte.notna() & ((fte < 0) | (fte > 1)), "fte", "fte must be between 0 and 1"
        )
        from_fte = hours.isna() & fte.notna()
        # Kept so each scheme turns fte into hours with its own full-time hours.
        out["fte_given"] = fte.astype("float64").where(from_fte)
        hours = hours.fillna(fte.astype("Float64") * full_time)
    if grade_hours:
        by_grade = out["grade"].map(grade_hours).astype("Float64")
        hours = hours.fillna(by_grade)
    missing = hours.isna() & ~_bad_any(table, ("contracted_hours", "fte"))
    rejections.add(
        table,
        missing,
        "contracted_hours" if "contracted_hours" in table.frame.columns else "fte",
        "contracted_hours (or fte) is blank"
        + (" and the grade sets no default_hours" if grade_hours else ""),
    )
    out["contracted_hours"] = hours.astype("float64")
    if "fte_given" not in out.columns:
        out["fte_given"] = np.nan
    out["_row"] = table.row_numbers
    return out


def _bad_any(table: Table, columns: tuple[str, ...]) -> pd.Series:
    bad = pd.Series(False, index=table.frame.index)
    for column in columns:
        if column in table.frame.columns:
            bad |= parse_number(table.frame[column], decimal=table.decimal)[1].fillna(False)
    return bad
