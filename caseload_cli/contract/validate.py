"""Apply the input data contract: turn read tables into typed, trusted frames.

Every row ends up either in a valid frame or in the rejections with file,
row, column and reason; nothing is dropped silently. Checks are vectorised
masks, so ten million rows cost a few passes, not ten million Python calls.

Each input kind has its own row contract (`staff`, `cases`, `reductions`);
this module runs them in order and does what needs more than one file: a
case's worker must be an accepted staff row, reductions are counted at the
snapshot date the cases carry, and a team type no scheme names is pointed out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import partial

import numpy as np
import pandas as pd

from caseload_cli.contract.activities import (
    ACTIVITY_COLUMNS,
    empty_activities,
    validate_activities,
)
from caseload_cli.contract.cases import (
    CASE_COLUMNS,
    WorkerLink,
    code_column,
    reject_opened_after,
    validate_cases,
)
from caseload_cli.contract.reductions import (
    REDUCTION_COLUMNS,
    empty_reductions,
    validate_reductions,
)
from caseload_cli.contract.rejections import Rejections, require_columns, without_rows
from caseload_cli.contract.staff import STAFF_COLUMNS, validate_staff
from caseload_cli.core import clock
from caseload_cli.core.model import Table
from caseload_cli.core.suggest import did_you_mean
from caseload_cli.core.vocabulary import LAWS
from caseload_cli.scheme.model import Scheme

#: How the snapshot date was chosen (`ValidInputs.snapshot_source`), when not today's.
SNAPSHOT_GIVEN = "--snapshot"
SNAPSHOT_FROM_CASES = "from the cases' snapshot column"


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
    #: How `snapshot` was chosen: "--snapshot", "from the cases' snapshot column" (or
    #: "…, the latest of N dates"), "today in Europe/London" (the fallback, in the zone
    #: of `core.clock`), or "from the history store" for a stored snapshot.
    snapshot_source: str = ""
    #: Which part of the validated files these frames hold ("" for all of them), e.g.
    #: "team Greater Manchester WAFH 1" after `engine.selection.select`.
    scope: str = ""
    #: What each file's rows are ("case", "staff", "reduction"), by the name the rejects
    #: carry, so a summary can say "32 case rows" rather than "32 cases.csv rows".
    row_kinds: dict[str, str] = field(default_factory=dict)
    #: Accepted activity rows (work that is not a case): worker_id, activity, quantity,
    #: weeks, _row, _staff (`contract.activities`); empty without an activities file.
    activities: pd.DataFrame = field(default_factory=empty_activities)

    def snapshot_metadata(self) -> dict[str, str]:
        """`snapshot` and `snapshot_source` for a report's metadata (one helper for every
        report, so the date and how it was chosen always travel together)."""
        return {"snapshot": self.snapshot.isoformat(), "snapshot_source": self.snapshot_source}

    def snapshot_note(self) -> str:
        """The line stderr starts with, e.g. `snapshot date 2022-04-29 (from the cases'
        snapshot column)` (not one of `notes`: the output says it in its metadata)."""
        source = f" ({self.snapshot_source})" if self.snapshot_source else ""
        return f"snapshot date {self.snapshot.isoformat()}{source}"


def validate(
    cases: Table,
    staff: Table,
    reductions: Table | None,
    schemes: list[Scheme],
    snapshot: date | None = None,
    unplaced_outside: bool = False,
    activities: Table | None = None,
    keep: tuple[str, ...] | None = None,
) -> ValidInputs:
    """Apply the data contract. Codes must be known to every scheme given, so
    that side-by-side scenarios always weigh the very same rows.

    `keep` (None: all) names the accepted cases' columns the caller uses; every column
    is still read and checked, but the others are let go once the checks are done, so
    a caller that only weighs (`caseload load`) does not carry ten million dates on.

    `unplaced_outside` (a run narrowed to some teams): a case whose worker is not
    in the staff file at all is held by no one, so outside any selection, rather
    than rejected; a team-only staff file then does not reject the other teams'
    cases. They are counted (`unplaced_cases`) and the selection's note says so."""
    require_columns(cases, CASE_COLUMNS)
    require_columns(staff, STAFF_COLUMNS, any_of=("contracted_hours", "fte"))
    if reductions is not None:
        require_columns(reductions, REDUCTION_COLUMNS, any_of=("hours", "percent"))
    if activities is not None:
        require_columns(activities, ACTIVITY_COLUMNS, any_of=("count", "hours"))
    rejections = Rejections()
    notes: list[str] = []
    full_time = schemes[0].model.capacity.full_time_hours

    staff_frame = validate_staff(
        staff,
        rejections,
        full_time,
        min(s.max_contracted_hours for s in schemes),
        tuple(sorted(set().union(*(s.model.grades for s in schemes)))),
        {
            code: grade.default_hours
            for code, grade in schemes[0].model.grades.items()
            if grade.default_hours is not None
        },
    )
    staff_rejected = rejections.positions(staff)
    good_staff = without_rows(staff_frame, staff_rejected)
    # Cases' `_staff` positions point into good_staff; rows must stay in this order.

    first = ~staff_frame["worker_id"].duplicated(keep="first").to_numpy()
    link_workers = WorkerLink(
        # Most case rows name a staff member: look them up among the staff's IDs.
        encode=partial(
            code_column, likely=pd.Index(staff_frame["worker_id"].to_numpy()[first], dtype="str")
        ),
        link=partial(
            _link_workers,
            cases,
            rejections,
            all_staff=staff_frame,
            staff_rejected=staff_rejected,
            good_staff=good_staff,
            unplaced_outside=unplaced_outside,
        ),
    )
    case_notes: list[str] = []
    case_frame = validate_cases(cases, rejections, schemes, link_workers, case_notes, keep)
    snapshot, snapshot_source = _snapshot(case_frame, snapshot)
    notes.extend(case_notes)
    reject_opened_after(cases, rejections, case_frame, snapshot)
    case_rejected = rejections.positions(cases)
    good_cases = without_rows(case_frame, case_rejected)
    unplaced = 0
    if unplaced_outside:
        unplaced = int(((good_cases["_staff"] < 0) & (good_cases["worker_id"] != "")).sum())

    reduction_rows = 0
    inactive = 0
    good_reductions = empty_reductions()
    if reductions is not None:
        reduction_rows = len(reductions.frame)
        good_reductions, inactive = validate_reductions(
            reductions, rejections, schemes, good_staff, snapshot
        )

    for column in ("case_type", "stage"):
        codes = sorted(set().union(*(getattr(s.model.weights, column).keys() for s in schemes)))
        good_cases[column] = _recode(good_cases[column], codes)
    good_cases["law"] = _recode(good_cases["law"], list(LAWS))
    if keep is not None:
        good_cases = good_cases[[c for c in good_cases.columns if c in keep]]
    del case_frame

    # A case or reduction whose worker's staff row was rejected names that row.
    causes = _rejected_staff_rows(staff, staff_frame, staff_rejected)
    rejections.blame(cases, "worker_id", causes)
    if reductions is not None:
        rejections.blame(reductions, "worker_id", causes)
    good_activities = empty_activities()
    if activities is not None:
        good_activities = validate_activities(activities, rejections, schemes, good_staff, snapshot)
        rejections.blame(activities, "worker_id", causes)

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
        **({"unplaced_cases": unplaced} if unplaced else {}),
        **(
            {
                "activity_rows_read": len(activities.frame),
                "activities_rejected": len(rejections.positions(activities)),
            }
            if activities is not None
            else {}
        ),
    }
    return ValidInputs(
        cases=good_cases,
        staff=good_staff,
        reductions=good_reductions,
        rejects=rejections.frame(),
        accounting=accounting,
        snapshot=snapshot,
        snapshot_source=snapshot_source,
        activities=good_activities,
        notes=[
            *cases.notes,
            *staff.notes,
            *(reductions.notes if reductions else []),
            *(activities.notes if activities else []),
            *notes,
        ],
        row_kinds={
            **({activities.source: "activity"} if activities is not None else {}),
            **({reductions.source: "reduction"} if reductions is not None else {}),
            staff.source: "staff",
            cases.source: "case",
        },
    )


def _rejected_staff_rows(
    staff: Table, staff_frame: pd.DataFrame, staff_rejected: np.ndarray
) -> dict[str, str]:
    """worker_id -> "staff.csv row 7" for each worker whose (first) staff row was rejected:
    the rejection that every case and reduction of that worker follows from."""
    if len(staff_rejected) == 0:
        return {}
    first = ~staff_frame["worker_id"].duplicated(keep="first").to_numpy()
    rejected = np.zeros(len(staff_frame), dtype=bool)
    rejected[staff_rejected] = True
    chosen = first & rejected & (staff_frame["worker_id"] != "").to_numpy()
    ids = staff_frame["worker_id"].to_numpy()[chosen]
    rows = staff_frame["_row"].to_numpy()[chosen]
    return {str(worker): f"{staff.source} row {row}" for worker, row in zip(ids, rows, strict=True)}


def _link_workers(
    table: Table,
    rejections: Rejections,
    worker: pd.Series,
    *,
    all_staff: pd.DataFrame,
    staff_rejected: np.ndarray,
    good_staff: pd.DataFrame,
    unplaced_outside: bool = False,
) -> np.ndarray:
    """A case's worker must be an accepted staff row; say which staff row failed.

    `worker` is the categorical `WorkerLink.encode` made. Returns each case's position
    in the accepted staff (-1: none).
    """
    first = ~all_staff["worker_id"].duplicated(keep="first").to_numpy()
    staff_ids = pd.Index(all_staff["worker_id"].to_numpy()[first], dtype="str")
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
    if not unplaced_outside:
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
    # Gathered as int32: 4 bytes a case row, not 8.
    if len(staff_rejected) == 0:  # the accepted staff are all staff, each ID once
        return position.astype(np.int32)[codes]
    return pd.Index(good_staff["worker_id"]).get_indexer(categories).astype(np.int32)[codes]


def _snapshot(cases: pd.DataFrame, given: date | None) -> tuple[date, str]:
    """The date the caseload is counted at and how it was chosen: given (--snapshot), else
    the cases' own, else today in the configured time zone (`core.clock`, never the
    machine's local date). Both go into every report's metadata (`snapshot_metadata`)
    and the command's first note on stderr (`snapshot_note`)."""
    if given is not None:
        day, source = given, SNAPSHOT_GIVEN
    else:
        dates = cases["snapshot"].dropna().unique() if "snapshot" in cases.columns else []
        if len(dates) == 1:
            day, source = pd.Timestamp(dates[0]).date(), SNAPSHOT_FROM_CASES
        elif len(dates) > 1:
            day = pd.Timestamp(max(dates)).date()
            source = f"{SNAPSHOT_FROM_CASES}, the latest of {len(dates)} dates"
        else:
            zone = clock.zone_name()
            day, source = clock.today(zone), f"today in {zone}"
    return day, source


def _unknown_team_types(staff: pd.DataFrame, schemes: list[Scheme]) -> list[str]:
    """A team type no scheme names gets the default target and Napo level: say so,
    because it is usually a typo ('eitt') that would silently change capacity."""
    notes = []
    for team_type in sorted(staff["team_type"].astype("str").unique()):
        for scheme in schemes:
            model = scheme.model
            napo = model.napo
            named = {
                *model.capacity.target_by_team_type,
                *(napo.by_team_type if napo else ()),
                *([napo.letters.team_type] if napo and napo.letters else []),
            }
            if named and team_type not in named:
                workers = int((staff["team_type"] == team_type).sum())
                close = did_you_mean(team_type, sorted(named))
                hint = f" ({close})" if close else ""
                notes.append(
                    f"team_type '{team_type}' ({workers:,} workers) is not in scheme "
                    f"{model.name}{hint}: default target {scheme.default_target:g}"
                    + (f" and Napo level {napo.safe_cases:g}" if napo else "")
                    + " apply"
                )
    return notes


def _recode(series: pd.Series, categories: list[str]) -> pd.Series:
    """Re-base a categorical on the scheme's codes with integer work only."""
    remap = np.append(pd.Index(categories).get_indexer(series.cat.categories), -1)
    # The smallest codes the categorical keeps anyway, so no 8-byte copy of every row.
    remap = remap.astype(np.int8 if len(categories) < 127 else np.int32)
    codes = series.cat.codes.to_numpy()
    new_codes = remap[np.where(codes < 0, len(remap) - 1, codes)]
    return pd.Series(
        pd.Categorical.from_codes(new_codes, categories=categories, validate=False),
        index=series.index,
    )
