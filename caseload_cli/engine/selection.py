"""Pick the workers a report is about: `--team`, `--service-area`, `--worker`.

A team manager reads one team's table from the national exports. The whole
file is still read, validated and accounted for (other teams' cases are
weighed, never rejected); the selection then keeps the chosen workers, the
cases they hold and their reductions, so every figure of the report — loads,
roll-ups, work not held by an FCA — is about the selection. Names are checked
against the staff file, with close matches for a typo.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import UsageError
from caseload_cli.core.suggest import did_you_mean


@dataclass(frozen=True)
class Selection:
    """Teams, service areas and workers to keep. Values of one kind are alternatives
    (team A or team B); kinds narrow each other (team A within service area X)."""

    teams: tuple[str, ...] = ()
    service_areas: tuple[str, ...] = ()
    workers: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.teams or self.service_areas or self.workers)

    def describe(self) -> str:
        parts = [
            f"{label} {', '.join(values)}"
            for label, values in (
                ("service area", self.service_areas),
                ("team", self.teams),
                ("worker", self.workers),
            )
            if values
        ]
        return "; ".join(parts)

    def as_metadata(self) -> dict[str, list[str]]:
        return {
            key: list(values)
            for key, values in (
                ("teams", self.teams),
                ("service_areas", self.service_areas),
                ("workers", self.workers),
            )
            if values
        }


_KINDS = (
    ("teams", "team", "--team"),
    ("service_areas", "service_area", "--service-area"),
    ("workers", "worker_id", "--worker"),
)


def select(valid: ValidInputs, selection: Selection, strict: bool = True) -> ValidInputs:
    """The validated inputs narrowed to `selection` (unchanged when it is empty).

    `strict=False` is for an earlier snapshot: a team or worker it does not have
    yet (a joiner) is not an error, and the selection may match nobody."""
    if not selection:
        return valid
    staff = valid.staff
    keep = _kept(staff, selection, strict)
    if strict and not keep.any():
        raise UsageError(f"no worker matches {selection.describe()} (check the combination)")
    position = np.full(len(staff) + 1, -1, dtype="int64")  # the last slot: held by no one
    position[np.flatnonzero(keep)] = np.arange(int(keep.sum()))
    holder = valid.cases["_staff"].to_numpy().astype("int64")
    new_holder = position[np.where(holder >= 0, holder, len(staff))]
    held = new_holder >= 0
    cases = valid.cases[held].reset_index(drop=True)
    cases["_staff"] = new_holder[held].astype(valid.cases["_staff"].dtype)
    chosen = staff[keep].reset_index(drop=True)
    reductions = valid.reductions[valid.reductions["worker_id"].isin(chosen["worker_id"])]
    activities = valid.activities
    activity_holder = position[activities["_staff"].to_numpy().astype("int64")]
    activities = activities[activity_holder >= 0].reset_index(drop=True)
    activities["_staff"] = activity_holder[activity_holder >= 0]
    outside = len(valid.cases) - len(cases)
    unplaced = valid.accounting.get("unplaced_cases", 0)
    of_unknown = (
        f", including {unplaced:,} whose worker_id is not in the staff file" if unplaced else ""
    )
    note = (
        f"Selection: {selection.describe()}: {len(chosen):,} staff and the {len(cases):,} of "
        f"{len(valid.cases):,} weighed cases they hold; the other {outside:,} (other teams' "
        f"cases and cases held by no one{of_unknown}) are outside the selection, not rejected."
    )
    return dataclasses.replace(
        valid,
        cases=cases,
        staff=chosen,
        reductions=reductions.reset_index(drop=True),
        activities=activities,
        notes=[note, *valid.notes],
        scope=selection.describe(),
    )


def selected_workers(staff: pd.DataFrame, selection: Selection) -> list[str]:
    """The worker IDs of `staff` in `selection` (an earlier snapshot's: nobody is fine),
    to read only the cases they hold."""
    return staff["worker_id"].astype("str")[_kept(staff, selection, strict=False)].tolist()


def _kept(staff: pd.DataFrame, selection: Selection, strict: bool) -> np.ndarray:
    """Which staff rows the selection keeps (strict: every value must be known)."""
    keep = np.ones(len(staff), dtype=bool)
    for field, column, option in _KINDS:
        wanted = getattr(selection, field)
        if not wanted:
            continue
        present = staff[column].astype("str")
        if strict:
            _check_known(wanted, present, option)
        keep &= present.isin(wanted).to_numpy()
    return keep


def _check_known(wanted: tuple[str, ...], present: pd.Series, option: str) -> None:
    known = sorted(present.unique())
    known_set = set(known)
    for value in wanted:
        if value not in known_set:
            hint = did_you_mean(value, known, quote=True)
            shown = hint or f"known: {', '.join(known[:12])}{' …' if len(known) > 12 else ''}"
            raise UsageError(f"{option} {value!r} is not in the staff file ({shown})")
