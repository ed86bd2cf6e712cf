"""The reductions file's row contract: protected hours taken off a worker's capacity.

A reduction is given in hours or as a percent of contracted hours, so it can
only be checked against the staff row it belongs to; and a reason's cap holds
per worker, however many rows the reduction is split over. Reductions outside
the snapshot date are not rejected, just not counted ("inactive").
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from caseload_cli.contract.parsing import parse_date, parse_number, parse_percent
from caseload_cli.contract.rejections import (
    Rejections,
    check_codes,
    code_text,
    column_text,
    reader_problems,
    staff_positions,
)
from caseload_cli.core.model import Table
from caseload_cli.core.vocabulary import TOLERANCE
from caseload_cli.scheme.model import Scheme

REDUCTION_COLUMNS = ("worker_id", "reason")
#: Every reductions column the contract reads.
REDUCTION_READ = (*REDUCTION_COLUMNS, "hours", "percent", "start", "end")


def empty_reductions() -> pd.DataFrame:
    """The accepted-reductions frame when no reductions file is given."""
    return pd.DataFrame(
        {
            "worker_id": pd.Series(dtype="str"),
            "reason": pd.Series(dtype="str"),
            "hours": pd.Series(dtype="float64"),
            "_row": pd.Series(dtype="int64"),
        }
    )


def validate_reductions(
    table: Table,
    rejections: Rejections,
    schemes: list[Scheme],
    staff: pd.DataFrame,
    snapshot: date,
) -> tuple[pd.DataFrame, int]:
    """Reductions turn into hours; a reduction over its reason's cap or over the
    worker's contracted hours is rejected rather than quietly trimmed."""
    reader_problems(table, rejections)
    frame = table.frame
    out = pd.DataFrame(index=frame.index)
    out["worker_id"] = column_text(table, "worker_id")
    out["reason"] = code_text(table, "reason")
    position = staff_positions(table, rejections, out["worker_id"], staff)
    reasons_known = set.intersection(*(set(s.model.reductions) for s in schemes))
    check_codes(
        table, rejections, "reason", out["reason"], sorted(reasons_known), "reduction reason"
    )

    staff_hours = np.append(staff["contracted_hours"].to_numpy(dtype="float64"), np.nan)
    contracted = pd.Series(
        staff_hours[np.where(position < 0, len(staff), position)], index=out.index
    )
    hours = pd.Series(np.nan, index=out.index, dtype="float64")
    given = pd.Series(0, index=out.index)
    if "hours" in frame.columns:
        parsed, bad = parse_number(frame["hours"], decimal=table.decimal)
        rejections.add(table, bad, "hours", "hours is not a number")
        rejections.add(table, parsed.notna() & (parsed < 0), "hours", "hours must be ≥ 0")
        hours = parsed.astype("float64")
        given += (parsed.notna() | bad).astype(int)
    if "percent" in frame.columns:
        parsed, bad = parse_percent(frame["percent"], decimal=table.decimal)
        rejections.add(table, bad, "percent", "percent is not a number")
        rejections.add(
            table,
            parsed.notna() & ((parsed < 0) | (parsed > 100)),
            "percent",
            "percent must be between 0 and 100",
        )
        from_percent = parsed.astype("float64") / 100 * contracted
        hours = hours.fillna(from_percent)
        given += (parsed.notna() | bad).astype(int)
    column = "hours" if "hours" in frame.columns else "percent"
    if "percent" in frame.columns:
        gave_percent = parse_percent(frame["percent"], decimal=table.decimal)[0].notna()
        if "hours" in frame.columns:
            gave_percent &= parse_number(frame["hours"], decimal=table.decimal)[0].isna()
    else:
        gave_percent = pd.Series(False, index=out.index)

    def add_amount(mask: pd.Series, reason: str | pd.Series) -> None:
        """Blame the column the amount was given in."""
        rejections.add(table, mask & ~gave_percent, column, reason)
        rejections.add(table, mask & gave_percent, "percent", reason)

    rejections.add(table, given == 0, column, "give hours or percent")
    rejections.add(table, given > 1, column, "give hours or percent, not both")

    over_contract = hours > contracted
    add_amount(
        over_contract,
        "reduction of "
        + hours.round(2).astype(str)
        + " hours is above contracted hours "
        + contracted.round(2).astype(str),
    )
    caps = pd.Series(
        {
            reason: min(s.model.reductions[reason].max_percent for s in schemes)
            for reason in reasons_known
        },
        dtype="float64",
    )
    cap = out["reason"].map(caps).astype("float64")
    share = (hours / contracted * 100).where(contracted > 0)
    over_cap = share.notna() & cap.notna() & (share > cap + TOLERANCE)
    add_amount(
        over_cap,
        "reduction of "
        + share.round(1).astype(str)
        + "% is above the "
        + cap.map("{:g}".format).astype(str)
        + "% cap for "
        + out["reason"],
    )

    active = pd.Series(True, index=out.index)
    dates: dict[str, pd.Series] = {}
    for column_name, compare in (("start", "le"), ("end", "ge")):
        if column_name in frame.columns:
            parsed, bad = parse_date(frame[column_name])
            rejections.add(
                table,
                bad,
                column_name,
                f"{column_name} is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
            )
            when = pd.Timestamp(snapshot)
            inside = parsed.le(when) if compare == "le" else parsed.ge(when)
            active &= (parsed.isna() | inside).fillna(True).astype(bool)
            dates[column_name] = parsed
    if len(dates) == 2:
        backwards = dates["start"].notna() & dates["end"].notna() & (dates["end"] < dates["start"])
        rejections.add(table, backwards, "end", "end is before start")

    def still_counted() -> pd.Series:
        rejected_so_far = np.zeros(len(out), dtype=bool)
        rejected_so_far[rejections.positions(table)] = True
        return active & ~rejected_so_far

    # A reason's cap holds per worker, however many rows it is split over.
    counted = still_counted()
    per_reason = hours.where(counted, 0.0).groupby([out["worker_id"], out["reason"]]).cumsum()
    reason_share = (per_reason / contracted * 100).where(contracted > 0)
    over_reason_cap = counted & cap.notna() & (reason_share > cap + TOLERANCE)
    add_amount(
        over_reason_cap,
        "reductions for "
        + out["reason"]
        + " add up to "
        + reason_share.round(1).astype(str)
        + "% of contracted hours, above the "
        + cap.map("{:g}".format).astype(str)
        + "% cap",
    )
    counted = still_counted()
    running = hours.where(counted, 0.0).groupby(out["worker_id"]).cumsum()
    over_total = counted & (running > contracted + TOLERANCE)
    add_amount(
        over_total,
        "reductions for this worker add up to more than contracted hours "
        + contracted.round(2).astype(str),
    )
    rejected = np.zeros(len(out), dtype=bool)
    rejected[rejections.positions(table)] = True
    keep = active.to_numpy() & ~rejected
    inactive = int((~active.to_numpy() & ~rejected).sum())
    good = out.loc[keep, ["worker_id", "reason"]].copy()
    good["hours"] = hours[keep].to_numpy()
    good["_row"] = table.row_numbers[keep]
    return good.reset_index(drop=True), inactive
