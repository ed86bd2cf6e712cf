"""The input data contract: turn read tables into typed, trusted frames.

Every row ends up either in a valid frame or in the rejections with file,
row, column and reason; nothing is dropped silently. Checks are vectorised
masks, so ten million rows cost a few passes, not ten million Python calls.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from caseload_cli.contract.parsing import (
    clean_text,
    parse_bool,
    parse_date,
    parse_int,
    parse_number,
)
from caseload_cli.core.errors import InputError
from caseload_cli.core.model import Table
from caseload_cli.scheme.model import ROLES, Scheme

LAWS = ("public", "private")
CASE_COLUMNS = ("case_id", "worker_id", "law", "case_type", "stage", "children", "opened")
OPTIONAL_CASE_DATES = ("first_hearing", "next_hearing", "snapshot")
STAFF_COLUMNS = ("worker_id", "name", "team", "service_area", "role", "team_type")
REDUCTION_COLUMNS = ("worker_id", "reason")
MAX_CONTRACTED_HOURS = 37.5
MAX_CHILDREN = 20  # more children in one set of proceedings is a data error
REJECT_COLUMNS = ["file", "row", "column", "value", "reason"]


class Rejections:
    """Collects rejected cells; a row may be rejected for several reasons."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(
        self,
        table: Table,
        mask: pd.Series,
        column: str,
        reason: str | pd.Series,
        values: pd.Series | None = None,
    ) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        where = np.flatnonzero(mask.to_numpy())
        shown = values if values is not None else table.frame.get(column)
        shown_values = (
            clean_text(shown.iloc[where]).to_numpy() if shown is not None else [""] * len(where)
        )
        reasons = reason.iloc[where].to_numpy() if isinstance(reason, pd.Series) else reason
        self._parts.append(
            pd.DataFrame(
                {
                    "file": table.source,
                    "row": table.row_numbers[where],
                    "column": column,
                    "value": shown_values,
                    "reason": reasons,
                    "_kind": id(table),
                    "_position": where,
                }
            )
        )

    def positions(self, table: Table) -> np.ndarray:
        """Frame positions of the rows of `table` rejected so far."""
        found = [p["_position"].to_numpy() for p in self._parts if p["_kind"].iat[0] == id(table)]
        return np.unique(np.concatenate(found)) if found else np.array([], dtype=int)

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in REJECT_COLUMNS})
        every = pd.concat(self._parts, ignore_index=True)
        every = every.sort_values(["file", "row"], kind="stable")
        return every[REJECT_COLUMNS].reset_index(drop=True)


@dataclass
class ValidInputs:
    """Typed frames that passed the contract, plus what was rejected and why."""

    cases: pd.DataFrame
    staff: pd.DataFrame
    reductions: pd.DataFrame
    rejects: pd.DataFrame
    accounting: dict[str, int]
    snapshot: date
    notes: list[str] = field(default_factory=list)


def require_columns(
    table: Table, required: tuple[str, ...], *, any_of: tuple[str, ...] = ()
) -> None:
    """Missing headers stop the run: no row of such a file could be weighed."""
    present = list(table.frame.columns)
    problems = []
    for name in required:
        if name not in present:
            problems.append(_missing_header(table.source, name, present))
    if any_of and not any(name in present for name in any_of):
        problems.append(_missing_header(table.source, " or ".join(any_of), present, any_of[0]))
    if problems:
        raise InputError("\n".join(problems))


def _missing_header(source: str, name: str, present: list[str], probe: str | None = None) -> str:
    close = difflib.get_close_matches(probe or name, present, n=3, cutoff=0.5)
    hint = f"; close matches: {', '.join(close)}" if close else ""
    found = ", ".join(present)
    return (
        f"{source}: missing required header '{name}'{hint} "
        f"(headers found: {found}; a --mapping file can rename headers)"
    )


def validate(
    cases: Table,
    staff: Table,
    reductions: Table | None,
    schemes: list[Scheme],
    snapshot: date | None = None,
) -> ValidInputs:
    """Apply the data contract. Codes must be known to every scheme given, so
    that side-by-side scenarios always weigh the very same rows."""
    require_columns(cases, CASE_COLUMNS)
    require_columns(staff, STAFF_COLUMNS, any_of=("contracted_hours", "fte"))
    if reductions is not None:
        require_columns(reductions, REDUCTION_COLUMNS, any_of=("hours", "percent"))
    rejections = Rejections()
    notes: list[str] = []
    full_time = schemes[0].model.capacity.full_time_hours

    staff_frame = _validate_staff(staff, rejections, full_time)
    staff_rejected = rejections.positions(staff)
    good_staff = _without(staff_frame, staff_rejected)
    # Cases' `_staff` positions point into good_staff; rows must stay in this order.

    case_frame, snapshot = _validate_cases(
        cases, rejections, schemes, staff_frame, staff_rejected, good_staff, snapshot, notes
    )
    case_rejected = rejections.positions(cases)
    good_cases = _without(case_frame, case_rejected)

    reduction_rows = 0
    inactive = 0
    good_reductions = _empty_reductions()
    if reductions is not None:
        reduction_rows = len(reductions.frame)
        good_reductions, inactive = _validate_reductions(
            reductions, rejections, schemes, good_staff, snapshot
        )

    for column in ("case_type", "stage"):
        codes = sorted(set().union(*(getattr(s.model.weights, column).keys() for s in schemes)))
        good_cases[column] = _recode(good_cases[column], codes)
    good_cases["law"] = _recode(good_cases["law"], list(LAWS))

    notes.extend(_unknown_team_types(good_staff, schemes))
    accounting = {
        "rows_read": len(cases.frame),
        "weighed": len(good_cases),
        "rejected": len(case_rejected),
        "staff_rows_read": len(staff.frame),
        "staff_rejected": len(staff_rejected),
        "reduction_rows_read": reduction_rows,
        "reductions_rejected": len(rejections.positions(reductions))
        if reductions is not None
        else 0,
        "reductions_inactive": inactive,
    }
    return ValidInputs(
        cases=good_cases,
        staff=good_staff,
        reductions=good_reductions,
        rejects=rejections.frame(),
        accounting=accounting,
        snapshot=snapshot,
        notes=[*cases.notes, *staff.notes, *(reductions.notes if reductions else []), *notes],
    )


def _without(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """The frame less the rejected rows, renumbered; no copy when nothing was rejected."""
    if len(positions) == 0:
        return frame.reset_index(drop=True)
    keep = np.ones(len(frame), dtype=bool)
    keep[positions] = False
    return frame[keep].reset_index(drop=True)


def _recode(series: pd.Series, categories: list[str]) -> pd.Series:
    """Re-base a categorical on the scheme's codes with integer work only."""
    remap = np.append(pd.Index(categories).get_indexer(series.cat.categories), -1)
    codes = series.cat.codes.to_numpy()
    new_codes = remap[np.where(codes < 0, len(remap) - 1, codes)]
    return pd.Series(
        pd.Categorical.from_codes(new_codes, categories=categories, validate=False),
        index=series.index,
    )


def _codes(series: pd.Series, lower: bool = False) -> pd.Series:
    """Codes and IDs as a categorical of cleaned text ("" for blank).

    Every later check (blank, known, lookups) then costs one pass over the
    distinct values plus integer work, instead of string work on every row.
    """
    if not isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype("category")
    cleaned = clean_text(pd.Series(series.cat.categories.to_numpy(dtype=object)))
    if lower:
        cleaned = cleaned.str.lower()
    codes = series.cat.codes.to_numpy()
    original = series.cat.categories
    if cleaned.tolist() == list(original) and "" not in original and (codes >= 0).all():
        # Already clean and complete (typical typed Parquet): add "" without touching rows.
        return series.cat.add_categories([""])
    categories = pd.Index(pd.unique(np.append(cleaned.to_numpy(dtype=object), "")), dtype="str")
    remap = categories.get_indexer(cleaned.to_numpy(dtype=object))
    blank = categories.get_loc("")
    new_codes = np.where(codes < 0, blank, remap[np.maximum(codes, 0)])
    return pd.Series(
        pd.Categorical.from_codes(new_codes, categories=categories), index=series.index
    )


def _problems_from_reader(table: Table, rejections: Rejections) -> None:
    problems = getattr(table, "cell_problems", []) or []
    grouped: dict[tuple[str, str], list[int]] = {}
    for position, column, reason in problems:
        grouped.setdefault((column, reason), []).append(position)
    for (column, reason), positions in grouped.items():
        mask = np.zeros(len(table.frame), dtype=bool)
        mask[positions] = True
        rejections.add(table, pd.Series(mask, index=table.frame.index), column, reason)


def _text(table: Table, column: str) -> pd.Series:
    return clean_text(table.frame[column])


def check_codes(
    table: Table,
    rejections: Rejections,
    column: str,
    values: pd.Series,
    known: list[str] | tuple[str, ...],
    what: str | None = None,
    *,
    blank_ok: bool = False,
) -> None:
    """Blank or unknown codes are rejected with a suggestion, one per distinct value."""
    what = what or column
    blank = values == ""
    if not blank_ok:
        rejections.add(table, blank, column, f"{column} is blank")
    unknown = ~blank & ~values.isin(list(known))
    if unknown.any():
        distinct = pd.unique(values[unknown].astype("str"))
        reason_for = {v: f"{what} {v!r} {_suggest(v, known)}" for v in distinct}
        full = pd.Series("", index=values.index, dtype=object)
        full[unknown] = values[unknown].astype("str").map(reason_for)
        rejections.add(table, unknown, column, full)


def _suggest(value: str, known: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(value).lower(), list(known), n=2, cutoff=0.5)
    if close:
        return f"is not known (did you mean {' or '.join(close)}?)"
    return f"is not known (known: {', '.join(known)})"


def _validate_staff(table: Table, rejections: Rejections, full_time: float) -> pd.DataFrame:
    _problems_from_reader(table, rejections)
    out = pd.DataFrame(index=table.frame.index)
    for column in STAFF_COLUMNS:
        out[column] = _text(table, column)
    for column in ("worker_id", "name", "team", "service_area", "team_type"):
        rejections.add(table, out[column] == "", column, f"{column} is blank")
    duplicate = out["worker_id"].ne("") & out["worker_id"].duplicated(keep="first")
    if duplicate.any():
        first_row = _first_rows(table, out["worker_id"])
        reasons = "duplicate worker_id (first at row " + first_row.astype(str) + ")"
        rejections.add(table, duplicate, "worker_id", reasons)
    out["role"] = out["role"].str.lower()
    check_codes(table, rejections, "role", out["role"], ROLES, "role")
    out["team_type"] = out["team_type"].str.lower()

    hours = pd.Series(np.nan, index=out.index, dtype="Float64")
    if "contracted_hours" in table.frame.columns:
        parsed, bad = parse_number(table.frame["contracted_hours"], decimal=table.decimal)
        rejections.add(table, bad, "contracted_hours", "contracted_hours is not a number")
        out_of_range = parsed.notna() & ((parsed < 0) | (parsed > MAX_CONTRACTED_HOURS))
        rejections.add(
            table,
            out_of_range,
            "contracted_hours",
            f"contracted_hours must be between 0 and {MAX_CONTRACTED_HOURS:g}",
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
    missing = hours.isna() & ~_bad_any(table, ("contracted_hours", "fte"))
    rejections.add(
        table,
        missing,
        "contracted_hours" if "contracted_hours" in table.frame.columns else "fte",
        "contracted_hours (or fte) is blank",
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


def _first_rows(table: Table, keys: pd.Series) -> pd.Series:
    rows = pd.Series(table.row_numbers, index=keys.index)
    return rows.groupby(keys.to_numpy(), sort=False).transform("first")


def _validate_cases(
    table: Table,
    rejections: Rejections,
    schemes: list[Scheme],
    all_staff: pd.DataFrame,
    staff_rejected: np.ndarray,
    good_staff: pd.DataFrame,
    snapshot: date | None,
    notes: list[str],
) -> tuple[pd.DataFrame, date]:
    _problems_from_reader(table, rejections)
    frame = table.frame
    out = pd.DataFrame(index=frame.index)
    out["case_id"] = _text(table, "case_id")
    rejections.add(table, out["case_id"] == "", "case_id", "case_id is blank")
    if not pd.Index(out["case_id"]).is_unique:
        duplicate = out["case_id"].ne("") & out["case_id"].duplicated(keep="first")
        first_row = _first_rows(table, out["case_id"])
        reasons = "duplicate case_id (first at row " + first_row.astype(str) + ")"
        rejections.add(table, duplicate, "case_id", reasons)

    worker = _codes(frame["worker_id"])
    out["worker_id"] = worker
    _check_workers(table, rejections, worker, all_staff, staff_rejected)
    # Position of each case's worker in the accepted staff (-1: none), so that
    # per-worker sums are integer bin counts rather than string group-bys.
    good_positions = pd.Index(good_staff["worker_id"]).get_indexer(worker.cat.categories)
    codes = worker.cat.codes.to_numpy()
    out["_staff"] = good_positions[codes].astype("int32")

    out["law"] = _codes(frame["law"], lower=True)
    check_codes(table, rejections, "law", out["law"], LAWS, "law")
    for column in ("case_type", "stage"):
        out[column] = _codes(frame[column], lower=True)
        known_everywhere = set.intersection(
            *(set(getattr(s.model.weights, column)) for s in schemes)
        )
        check_codes(
            table,
            rejections,
            column,
            out[column],
            sorted(known_everywhere),
            column.replace("_", " "),
        )

    children, bad = parse_int(frame["children"], decimal=table.decimal)
    rejections.add(table, bad, "children", "children is not a whole number")
    rejections.add(table, children.isna() & ~bad, "children", "children is blank")
    rejections.add(
        table, children.notna() & (children < 1), "children", "children must be at least 1"
    )
    rejections.add(
        table,
        children.notna() & (children > MAX_CHILDREN),
        "children",
        f"children must be at most {MAX_CHILDREN}",
    )
    out["children"] = children.fillna(1).astype("int64")

    for column in ("opened", *OPTIONAL_CASE_DATES):
        if column not in frame.columns:
            continue
        parsed, bad = parse_date(frame[column])
        rejections.add(table, bad, column, f"{column} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
        if column == "opened":
            rejections.add(table, parsed.isna() & ~bad, column, "opened is blank")
        out[column] = parsed

    snapshot = _snapshot(out, snapshot, notes)
    for flag in _flags(schemes):
        if flag not in frame.columns:
            notes.append(
                f"{table.source}: no '{flag}' column; the '{flag}' modifier applies to no case"
            )
            out[flag] = False
            continue
        parsed, bad = parse_bool(frame[flag])
        rejections.add(table, bad, flag, f"{flag} must be true or false")
        out[flag] = parsed.fillna(False).astype(bool)
    out["_row"] = table.row_numbers
    return out, snapshot


def _check_workers(
    table: Table,
    rejections: Rejections,
    worker: pd.Series,
    all_staff: pd.DataFrame,
    staff_rejected: np.ndarray,
) -> None:
    """A case's worker must be an accepted staff row; say which staff row failed."""
    first = ~all_staff["worker_id"].duplicated(keep="first").to_numpy()
    staff_ids = pd.Index(all_staff["worker_id"].to_numpy()[first])
    staff_rows = all_staff["_row"].to_numpy()[first]
    rejected = np.zeros(len(all_staff), dtype=bool)
    rejected[staff_rejected] = True
    rejected = np.append(rejected[first], False)  # last: "not in staff"

    categories = worker.cat.categories
    position = staff_ids.get_indexer(categories)
    blank = np.asarray(categories == "")
    unknown_category = (position < 0) & ~blank
    rejected_category = rejected[np.where(position < 0, len(rejected) - 1, position)] & ~blank
    codes = worker.cat.codes.to_numpy()
    rejections.add(
        table,
        pd.Series(unknown_category[codes], index=worker.index),
        "worker_id",
        "worker_id is not in the staff file",
    )
    if rejected_category.any():
        reason_by_category = np.array(
            [
                f"worker_id was rejected in the staff file (row {staff_rows[p]})" if bad else ""
                for p, bad in zip(position, rejected_category, strict=True)
            ],
            dtype=object,
        )
        rejections.add(
            table,
            pd.Series(rejected_category[codes], index=worker.index),
            "worker_id",
            pd.Series(reason_by_category[codes], index=worker.index),
        )


def _unknown_team_types(staff: pd.DataFrame, schemes: list[Scheme]) -> list[str]:
    """A team type no scheme names gets the default target and Napo level: say so,
    because it is usually a typo ('eitt') that would silently change capacity."""
    notes = []
    for team_type in sorted(set(staff["team_type"].astype("str"))):
        for scheme in schemes:
            model = scheme.model
            named = {
                *model.capacity.target_by_team_type,
                *model.napo.by_team_type,
                *([model.napo.letters.team_type] if model.napo.letters else []),
            }
            if team_type not in named:
                workers = int((staff["team_type"] == team_type).sum())
                close = difflib.get_close_matches(team_type, sorted(named), n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]}?)" if close else ""
                notes.append(
                    f"team_type '{team_type}' ({workers:,} workers) is not in scheme "
                    f"{model.name}{hint}: default target {model.capacity.default_target:g} and "
                    f"Napo level {model.napo.safe_cases:g} apply"
                )
    return notes


def _flags(schemes: list[Scheme]) -> list[str]:
    return list(dict.fromkeys(m.flag for s in schemes for m in s.model.modifiers))


def _snapshot(cases: pd.DataFrame, given: date | None, notes: list[str]) -> date:
    if given is not None:
        return given
    if "snapshot" in cases.columns:
        dates = cases["snapshot"].dropna().unique()
        if len(dates) == 1:
            return pd.Timestamp(dates[0]).date()
        if len(dates) > 1:
            latest = pd.Timestamp(max(dates)).date()
            notes.append(f"cases carry {len(dates)} snapshot dates; using the latest, {latest}")
            return latest
    today = date.today()
    notes.append(f"no snapshot date given or in the cases; using today, {today}")
    return today


def _empty_reductions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "worker_id": pd.Series(dtype="str"),
            "reason": pd.Series(dtype="str"),
            "hours": pd.Series(dtype="float64"),
            "_row": pd.Series(dtype="int64"),
        }
    )


def _validate_reductions(
    table: Table,
    rejections: Rejections,
    schemes: list[Scheme],
    staff: pd.DataFrame,
    snapshot: date,
) -> tuple[pd.DataFrame, int]:
    """Reductions turn into hours; a reduction over its reason's cap or over the
    worker's contracted hours is rejected rather than quietly trimmed."""
    _problems_from_reader(table, rejections)
    frame = table.frame
    out = pd.DataFrame(index=frame.index)
    out["worker_id"] = _text(table, "worker_id")
    out["reason"] = _text(table, "reason").str.lower().str.replace(r"[\s\-.]+", "_", regex=True)
    rejections.add(table, out["worker_id"] == "", "worker_id", "worker_id is blank")
    # Accepted staff IDs are unique, so an index lookup replaces a slow string isin.
    position = pd.Index(staff["worker_id"]).get_indexer(out["worker_id"])
    unknown_worker = (out["worker_id"] != "") & pd.Series(position < 0, index=out.index)
    rejections.add(
        table,
        unknown_worker,
        "worker_id",
        "worker_id is not in the staff file (or was rejected there)",
    )
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
        parsed, bad = parse_number(frame["percent"], decimal=table.decimal)
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
        gave_percent = parse_number(frame["percent"], decimal=table.decimal)[0].notna()
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
    over_cap = share.notna() & cap.notna() & (share > cap + 1e-9)
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
    over_reason_cap = counted & cap.notna() & (reason_share > cap + 1e-9)
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
    over_total = counted & (running > contracted + 1e-9)
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
