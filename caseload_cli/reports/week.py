"""`caseload week`: a team manager's weekly table, this snapshot against the last.

One row per counted worker of the selection: cases by case type, load against
capacity and band, and what changed since the previous snapshot, with
`weeks_over` (consecutive snapshots in the scheme's worst band, like the
probation tool's "weeks over 110%"). Sections below it: team totals, every
case that is new, closed or moved (case IDs, since managers work with them;
pseudonyms with a key), the work not held by an FCA, and staff who joined or
left. The counts reconcile: previous + change = current for every worker, and
the case changes explain every change in case counts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import MAIN, Chart, InputOptions, Report
from caseload_cli.core.pseudonym import pseudonymise
from caseload_cli.core.vocabulary import DECIMALS, DEFAULT_POPULATION, PUBLISHED_THRESHOLDS
from caseload_cli.engine.bands import band_colours, band_names
from caseload_cli.engine.hubs import apply_what_if
from caseload_cli.engine.selection import Selection, select, selected_workers
from caseload_cli.reports.inputs import bundled_weeks, prepare, resolve_inputs
from caseload_cli.reports.load import build_load
from caseload_cli.scheme.model import Scheme

ROW_COLUMNS = ["worker_id", "name", "team", "role"]
FIGURES = ["children", "weighted_load", "capacity", "utilisation_pct", "band", "over_napo"]
CHANGE_COLUMNS = [
    "cases_previous",
    "cases_change",
    "weighted_load_previous",
    "load_change",
    "band_previous",
    "weeks_over",
]
CHANGES = ("new", "moved_in", "moved", "moved_out", "closed")


def week_report(
    current: ValidInputs,
    previous: ValidInputs,
    scheme: Scheme,
    selection: Selection | None = None,
    population: str = DEFAULT_POPULATION,
    earlier: Sequence[ValidInputs] = (),
    key: bytes | None = None,
) -> Report:
    """The weekly table of `selection` at `current`, against `previous`.

    The inputs are whole (unselected) snapshots, so a case that moved to or
    from another team is told apart from one that opened or closed. `earlier`
    snapshots (oldest first, before `previous`) lengthen the `weeks_over` run.
    """
    selection = selection or Selection()
    chosen_now = select(current, selection)
    chosen_before = select(previous, selection, strict=False)
    now = build_load(chosen_now, scheme, "worker", population)
    before = build_load(chosen_before, scheme, "worker", population)
    rows = _with_case_types(now.workers, chosen_now)
    rows = _with_changes(rows, before.workers)
    worst = band_names(scheme)[-1]
    history = [
        build_load(select(valid, selection, strict=False), scheme, "worker", population).workers
        for valid in earlier
    ]
    rows["weeks_over"] = _weeks_in_band(
        rows["worker_id"], [*history, before.workers, now.workers], worst
    )
    changes = case_changes(current, previous, chosen_now.staff, chosen_before.staff, key)
    as_at, last = current.snapshot.isoformat(), previous.snapshot.isoformat()
    scope = selection.describe() or "every team"
    return Report(
        title=(
            ("Weekly caseload" if scheme.unit == "cases" else f"Weekly load in {scheme.unit}")
            + f": {scope}, as at {as_at} (previous {last}); scheme "
            f"{scheme.model.name} v{str(scheme.model.version).lstrip('vV')}, "
            f"sha256:{scheme.fingerprint[:12]}…"
        ),
        rows=rows,
        schemes=[scheme.stamp],
        accounting=dict(current.accounting),
        sections={
            "team_totals": _totals(rows, scheme),
            "case_changes": changes,
            "not_held_by_fca": now.report.sections["not_held_by_fca"],
            "staff_changes": staff_changes(chosen_now.staff, chosen_before.staff),
        },
        band_column="band",
        band_colours=band_colours(scheme),
        charts=[load_chart(scope, as_at, scheme.unit)],
        split_by="team",
        notes=[
            f"As at {as_at}; changes since {last}. weeks_over counts consecutive snapshots "
            f"in band {worst} up to this one ({len(earlier) + 2} snapshots available).",
            *now.report.notes,
        ],
        metadata={
            "as_at": as_at,
            "previous": last,
            "selection": selection.describe(),
            "population": population,
            **current.snapshot_metadata(),
            "previous_snapshot_source": previous.snapshot_source,
            "sheet": "week",
            "pseudonymised": key is not None,
            **scheme.provenance,
        },
    )


#: The per-FTE levels the published figures count workers above, as chart lines.
REFERENCE_LINES = tuple(
    (level, f"{level:g}" + (" (EIT)" if eit_only else ""))
    for _, level, eit_only in PUBLISHED_THRESHOLDS
)


def load_chart(scope: str, as_at: str, unit: str = "cases") -> Chart:
    """Each worker's weighted load as a bar in band colour, ticked at their capacity,
    with the published per-FTE levels (20, 25, and 40 in EIT) as lines: those count
    cases, so a points or hours scheme's chart has none."""
    in_cases = unit == "cases"
    load = "weighted load" if in_cases else f"weighted load in {unit}"
    return Chart(
        section=MAIN,
        kind="load",
        category="name",
        value="weighted_load",
        marker="capacity",
        references=REFERENCE_LINES if in_cases else (),
        title=f"{load[0].upper()}{load[1:]} against capacity, {scope}, as at {as_at}",
        x_title=f"{load} (lines: published per-FTE levels 20, 25 and 40 in EIT)"
        if in_cases
        else f"{load} (tick: the worker's capacity)",
        description=f"Bar chart of each worker's {load} with their capacity, {as_at}",
    )


def _with_case_types(workers: pd.DataFrame, valid: ValidInputs) -> pd.DataFrame:
    """Worker rows with one `cases_<type>` column per case type present, then figures."""
    cases = valid.cases
    held = cases[cases["_staff"] >= 0]
    ids = valid.staff["worker_id"].to_numpy()[held["_staff"].to_numpy()]
    types = held["case_type"].astype("str")
    by_type = pd.crosstab(pd.Series(ids, name="worker_id"), types.to_numpy())
    by_type = by_type.reindex(columns=sorted(by_type.columns)).add_prefix("cases_")
    out = workers[[*ROW_COLUMNS, "cases"]].merge(
        by_type, left_on="worker_id", right_index=True, how="left"
    )
    type_columns = list(by_type.columns)
    out[type_columns] = out[type_columns].fillna(0).astype("int64")
    for column in FIGURES:
        out[column] = workers[column].to_numpy()
    return out


def _with_changes(rows: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    last = before.set_index("worker_id")
    rows["cases_previous"] = rows["worker_id"].map(last["cases"]).astype("Int64")
    rows["cases_change"] = (rows["cases"] - rows["cases_previous"]).astype("Int64")
    rows["weighted_load_previous"] = rows["worker_id"].map(last["weighted_load"])
    rows["load_change"] = np.round(rows["weighted_load"] - rows["weighted_load_previous"], DECIMALS)
    rows["band_previous"] = rows["worker_id"].map(last["band"].astype("str"))
    return rows


def _weeks_in_band(
    workers: pd.Series, per_snapshot: Sequence[pd.DataFrame], band: str
) -> np.ndarray:
    """Consecutive snapshots, ending with the last, in which each worker was in `band`
    (`per_snapshot`: each snapshot's per-worker table, oldest first)."""
    inside = np.zeros((len(workers), len(per_snapshot)), dtype=bool)
    for column, per_worker in enumerate(per_snapshot):  # one column per snapshot
        in_band = per_worker.set_index("worker_id")["band"].astype("str").eq(band)
        inside[:, column] = workers.map(in_band).fillna(False).to_numpy(dtype=bool)
    # trailing run of True per row: position of the last False from the right
    flipped = ~inside[:, ::-1]
    return np.where(flipped.any(axis=1), flipped.argmax(axis=1), inside.shape[1])


def _totals(rows: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """One row per team: sums first, utilisation last (never a mean of percentages)."""
    sums = [c for c in rows.columns if c.startswith("cases")] + [
        "children",
        "weighted_load",
        "capacity",
        "weighted_load_previous",
    ]
    totals = rows.groupby("team", sort=True, observed=True)[sums].sum(min_count=1).reset_index()
    totals.insert(1, "workers", rows.groupby("team", sort=True).size().to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(totals["capacity"] > 0, totals["weighted_load"] / totals["capacity"], np.nan)
    totals["utilisation_pct"] = np.round(pct * 100, 2)
    totals["load_change"] = np.round(
        totals["weighted_load"] - totals["weighted_load_previous"], DECIMALS
    )
    return totals


def case_changes(
    current: ValidInputs,
    previous: ValidInputs,
    staff_now: pd.DataFrame,
    staff_before: pd.DataFrame,
    key: bytes | None = None,
) -> pd.DataFrame:
    """Every case that changed hands or opened or closed for the selected workers
    (`staff_now`, `staff_before`: the selection's staff in each snapshot)."""
    now = _holders(current, staff_now["worker_id"])
    before = _holders(previous, staff_before["worker_id"])
    both = now.merge(before, on="case_id", how="outer", suffixes=("", "_previous"))
    mine_now = both["selected"].fillna(False).astype(bool)
    mine_before = both["selected_previous"].fillna(False).astype(bool)
    in_now, in_before = both["held"].notna(), both["held_previous"].notna()
    change = np.select(
        [
            mine_now & ~in_before,
            mine_now & in_before & ~mine_before,
            mine_now & mine_before & (both["worker_id"] != both["worker_id_previous"]),
            ~mine_now & mine_before & in_now,
            mine_before & ~in_now,
        ],
        list(CHANGES),
        default="",
    )
    out = pd.DataFrame(
        {
            "change": change,
            "case_id": both["case_id"],
            "case_type": both["case_type"].fillna(both["case_type_previous"]),
            "from_worker": both["worker_id_previous"],
            "to_worker": both["worker_id"],
        }
    )
    out = out[out["change"] != ""]
    out["order"] = out["change"].map({c: i for i, c in enumerate(CHANGES)})
    out = out.sort_values(["order", "case_id"], kind="stable").drop(columns="order")
    if key is not None:
        out["case_id"] = pseudonymise(out["case_id"], key)
    return out.reset_index(drop=True)


def _holders(valid: ValidInputs, selected: pd.Series) -> pd.DataFrame:
    """Each case's holder in a whole snapshot and whether that holder is selected."""
    cases = valid.cases
    position = cases["_staff"].to_numpy().astype("int64")
    staff_ids = np.append(valid.staff["worker_id"].to_numpy(dtype=object), None)
    holder = staff_ids[np.where(position >= 0, position, len(valid.staff))]
    return pd.DataFrame(
        {
            "case_id": cases["case_id"].astype("str").to_numpy(),
            "worker_id": holder,
            "held": True,
            "selected": pd.Series(holder).isin(selected).to_numpy(),
            "case_type": cases["case_type"].astype("str").to_numpy(),
        }
    )


def staff_changes(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Who joined or left the selection's staff between the two snapshots."""
    joined = now[~now["worker_id"].isin(before["worker_id"])].assign(change="joined")
    left = before[~before["worker_id"].isin(now["worker_id"])].assign(change="left")
    columns = ["change", "worker_id", "name", "team", "role"]
    return pd.concat([joined[columns], left[columns]], ignore_index=True)


@dataclass(frozen=True)
class WeekFiles:
    """`caseload week` from files: this week's CASES and last week's exports."""

    cases: str | None
    previous_cases: str | None
    previous_staff: str | None = None
    previous_reductions: str | None = None
    as_at: str | None = None


def run_week_from_files(
    files: WeekFiles,
    source: InputOptions,
    scheme: Scheme,
    selection: Selection | None = None,
    population: str = DEFAULT_POPULATION,
    key: bytes | None = None,
    on_validated: Callable[[ValidInputs], None] | None = None,
) -> Report:
    """Both weeks are validated in full (`on_validated` sees each, this week's first: the
    CLI reports their rejections); the selection is checked against this week's staff."""
    if files.as_at is not None:
        raise UsageError("--as-at picks a week from --store; with files, give that week's CASES")
    if files == WeekFiles(None, None) and not (source.staff or source.reductions):
        return _bundled_week(scheme, selection, population, key, on_validated, source.what_if)
    if files.cases is None or files.previous_cases is None:
        raise UsageError(
            "give CASES and --previous LAST_WEEKS_CASES (with --staff), or --store DIR"
        )
    last = dataclasses.replace(
        source,
        staff=files.previous_staff or source.staff,
        reductions=files.previous_reductions or source.reductions,
        snapshot=None,
    )
    snapshots = []
    for cases, options in ((files.cases, source), (files.previous_cases, last)):
        valid = prepare(resolve_inputs(cases, options), [scheme], narrowed_later=bool(selection))
        if on_validated is not None:
            on_validated(valid)
        snapshots.append(valid)
    now, before = snapshots
    if before.snapshot >= now.snapshot:
        raise UsageError(
            f"--previous is as at {before.snapshot.isoformat()}, not before "
            f"{now.snapshot.isoformat()}: give last week's export"
        )
    return week_report(now, before, scheme, selection, population, key=key)


#: Earlier snapshots read for `weeks_over`, beyond the two compared: a run longer than
#: this shows as its cap (a quarter of a year of weekly snapshots).
MAX_RUN_SNAPSHOTS = 13


def run_week_from_store(
    store: str,
    scheme: Scheme,
    as_at: str | None = None,
    selection: Selection | None = None,
    population: str = DEFAULT_POPULATION,
    key: bytes | None = None,
    what_if: str | None = None,
) -> Report:
    """`caseload week --store`: the snapshot `as_at` (default the latest) against the one
    stored before it, with up to MAX_RUN_SNAPSHOTS earlier ones for `weeks_over`; each
    as `what_if` would leave it."""
    from caseload_cli.store import load_snapshot, load_staff, open_store, stored_dates

    folder = open_store(store)
    dates = stored_dates(folder)
    if not dates:
        raise UsageError(
            f"the store {store} holds no snapshots: add one with `caseload history add`"
        )
    current = (
        load_snapshot(folder, as_at, [scheme])
        if as_at
        else load_snapshot(folder, dates[-1], [scheme])
    )
    before = [day for day in dates if day < current.snapshot]
    if not before:
        raise UsageError(
            f"the store holds no snapshot before {current.snapshot.isoformat()} to compare "
            "with: add last week's with `caseload history add`"
        )
    # weeks_over needs only the selected workers' loads: read only the cases they held.
    earlier = []
    for day in before[-MAX_RUN_SNAPSHOTS - 1 : -1]:
        staff = load_staff(folder, day)
        held = selected_workers(staff, selection) if selection else None
        earlier.append(load_snapshot(folder, day, [scheme], held, staff if selection else None))
    previous = load_snapshot(folder, before[-1], [scheme])
    current, previous, *earlier = (
        apply_what_if(valid, what_if, [scheme]) for valid in (current, previous, *earlier)
    )
    return week_report(current, previous, scheme, selection, population, earlier, key)


def _bundled_week(
    scheme: Scheme,
    selection: Selection | None,
    population: str,
    key: bytes | None,
    on_validated: Callable[[ValidInputs], None] | None,
    what_if: str | None = None,
) -> Report:
    """The last week of the bundled synthetic series against the one before, so
    `caseload week` works straight after install."""
    snapshots = [
        apply_what_if(valid, what_if, [scheme])
        for valid in bundled_weeks([scheme], MAX_RUN_SNAPSHOTS + 2)
    ]
    if on_validated is not None:
        on_validated(snapshots[-1])
    current, previous, earlier = snapshots[-1], snapshots[-2], snapshots[:-2]
    return week_report(current, previous, scheme, selection, population, earlier, key)
