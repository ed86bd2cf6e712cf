"""`caseload trend`: each group's load, week by week, over a history store's snapshots.

The main table is long: one row per group per snapshot (`snapshot`, the group's
keys, cases, weighted load, capacity, utilisation, band), so scripts and
spreadsheets can pivot it. Each snapshot is weighed once and rolled up with
`engine.aggregate.roll_up` (sums first, utilisation last), so every row equals
what `caseload load --by LEVEL` gives on that week's files. Over a store, every
snapshot is weighed at once (`store.series.load_series` stacks them; the engine
sums, sorts and rolls up within each `SNAPSHOT_POSITION`), giving the very rows
one snapshot at a time gives; a selection, or a snapshot the stacked read does
not cover, is weighed one snapshot at a time. Sections: `overall`
(the national or selected total per snapshot, charted) and `runs` (per group
and band limit, the longest and the current run of consecutive snapshots at or
above it, with the dates they started).
"""

from __future__ import annotations

from datetime import date
from functools import partial

import numpy as np
import pandas as pd

from caseload_cli.contract.activities import no_activities_notes
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import MAIN, Chart, Report
from caseload_cli.core.vocabulary import (
    DEFAULT_POPULATION,
    GROUP_KEYS,
    LEVELS,
    SNAPSHOT_POSITION,
)
from caseload_cli.engine.aggregate import roll_up
from caseload_cli.engine.bands import band_colours, band_limits_pct, band_names
from caseload_cli.engine.population import population_note, population_workers
from caseload_cli.engine.selection import Selection, select
from caseload_cli.engine.suppress import suppress_groups
from caseload_cli.engine.weighed import weigh_workers
from caseload_cli.reports.privacy import blank_matching, check_min_group, suppress_rollup
from caseload_cli.scheme.model import Scheme
from caseload_cli.store import StoreError, load_snapshot, open_store, stored_dates
from caseload_cli.store.layout import parse_day
from caseload_cli.store.series import StoredSeries, load_series

FIGURES = ["cases", "weighted_load", "capacity", "utilisation_pct", "band"]
WORKER_KEYS = ["worker_id", "name", "service_area", "team", "role"]
#: The columns that identify a group across snapshots (a worker who moves team keeps
#: their runs); the other key columns are shown as at the group's latest snapshot.
IDENTITY = {"worker": ["worker_id"], "national": ["level"]}
RUN_COLUMNS = ["at_or_above", "longest_run", "longest_from", "longest_to"]
RUN_COLUMNS += ["current_run", "current_from"]


def trend_report(
    snapshots: list[tuple[date, pd.DataFrame, pd.DataFrame]],
    scheme: Scheme,
    by: str,
    selection: Selection,
    population: str,
    notes: list[str],
    min_group: int | None = None,
) -> Report:
    """The report from each snapshot's group rows and overall row (oldest first);
    `min_group` blanks groups with fewer workers in a snapshot (reports.privacy), and
    their runs."""
    rows = pd.concat([frame for _, frame, _ in snapshots], ignore_index=True)
    overall = pd.concat([total for _, _, total in snapshots], ignore_index=True)
    dates = [day.isoformat() for day, _, _ in snapshots]
    return series_report(rows, overall, dates, scheme, by, selection, population, notes, min_group)


def series_report(
    rows: pd.DataFrame,
    overall: pd.DataFrame,
    dates: list[str],
    scheme: Scheme,
    by: str,
    selection: Selection,
    population: str,
    notes: list[str],
    min_group: int | None = None,
) -> Report:
    """The report from every snapshot's group rows and overall rows, one snapshot after
    the other (oldest first), and the snapshots' dates."""
    check_min_group(min_group, by)
    keys = _keys(by)
    runs = _runs(rows, keys, by, dates, scheme)
    if min_group is not None:
        rows, hide, text = suppress_rollup(rows, by, min_group, within=["snapshot"])
        runs = blank_matching(runs, rows[hide], keys, [*keys, "at_or_above"])
        overall, _, _, _ = suppress_groups(overall, min_group, ["snapshot", "workers"], [])
        notes = [*notes, text + " A group blank in any snapshot has its runs blank too."]
    scope = selection.describe() or "every team"
    first, last = dates[0], dates[-1]
    unit = "national total" if by == "national" else by.replace("_", " ")
    return Report(
        title=f"Caseload trend by {by.replace('_', ' ')} ({scope}), {first} to {last}",
        rows=rows,
        schemes=[scheme.stamp],
        sections={"overall": overall, "runs": runs},
        band_column="band",
        band_colours=band_colours(scheme),
        notes=[
            f"{len(dates)} snapshots from {first} to {last}; one row per "
            f"{unit} per snapshot. Roll-ups sum loads and capacities "
            "first and divide last. runs: consecutive snapshots in band at_or_above or "
            "a worse one (a snapshot without the group ends a run).",
            population_note(population),
            *notes,
        ],
        metadata={
            "by": by,
            "population": population,
            "from": first,
            "to": last,
            "snapshots": dates,
            **({"selection": selection.describe()} if selection else {}),
            "sheet": "trend",
            **({"min_group": min_group} if min_group is not None else {}),
            **scheme.provenance,
        },
        charts=[
            Chart(
                section=MAIN,
                kind="lines",
                category="snapshot",
                value="utilisation_pct",
                series=None if by == "national" else ("name" if by == "worker" else keys[-1]),
                references=band_limits_pct(scheme),
                title=f"Utilisation by {by.replace('_', ' ')}, {first} to {last} ({scope})",
                x_title="snapshot",
                y_title="utilisation %",
                description=f"Line chart of utilisation per {unit} per snapshot, {first} to {last}",
            ),
            Chart(
                section="overall",
                category="snapshot",
                value="utilisation_pct",
                title=f"Utilisation by snapshot ({scope})",
                x_title="snapshot",
                y_title="utilisation %",
                description=f"Bar chart of {scope} utilisation per snapshot, {first} to {last}",
                text_columns=("snapshot", "utilisation_pct", "band"),
            ),
        ],
    )


def _keys(by: str) -> list[str]:
    return WORKER_KEYS if by == "worker" else list(GROUP_KEYS[by]) or ["level"]


def _runs(
    rows: pd.DataFrame, keys: list[str], by: str, dates: list[str], scheme: Scheme
) -> pd.DataFrame:
    """Per group and band limit above the first: longest and current run of snapshots
    at or above it. One pass over the snapshots, vectorised over the groups."""
    identity = IDENTITY.get(by, keys)
    names = band_names(scheme)
    position = pd.Index(dates).get_indexer(rows["snapshot"])
    latest = rows.assign(_at=position).sort_values("_at", kind="stable")
    groups = latest.drop_duplicates(identity, keep="last").sort_values(keys, kind="stable")
    groups = groups[keys].reset_index(drop=True)
    row_of = pd.MultiIndex.from_frame(groups[identity]).get_indexer(
        pd.MultiIndex.from_frame(rows[identity])
    )
    codes = np.full((len(groups), len(dates)), -1, dtype="int64")
    codes[row_of, position] = rows["band"].cat.codes.to_numpy()
    out = []
    for level, name in enumerate(names[1:], start=1):
        at = codes >= level
        ending = np.zeros(at.shape, dtype="int64")  # length of the run ending at each snapshot
        for column in range(len(dates)):
            before = ending[:, column - 1] if column else 0
            ending[:, column] = (before + 1) * at[:, column]
        longest, end = ending.max(axis=1), ending.argmax(axis=1)  # first longest run
        current = ending[:, -1]
        day = np.array([*dates, None], dtype=object)  # the last slot: no run
        none = len(dates)
        out.append(
            groups.assign(
                at_or_above=name,
                longest_run=longest,
                longest_from=day[np.where(longest > 0, end - longest + 1, none)],
                longest_to=day[np.where(longest > 0, end, none)],
                current_run=current,
                current_from=day[np.where(current > 0, none - current, none)],
            )
        )
    frame = pd.concat(out, ignore_index=True)
    return frame.sort_values(keys, kind="stable")[[*keys, *RUN_COLUMNS]].reset_index(drop=True)


def _weigh(valid, scheme: Scheme, by: str, population: str, day: date):
    """One weighing of one snapshot: its group rows and its overall row."""
    from caseload_cli.reports.load import build_load  # the store's path never needs it

    result = build_load(valid, scheme, by, population)
    stamp = {"snapshot": day.isoformat()}
    return _columns(result.report.rows.assign(**stamp), by), _overall(
        roll_up(result.workers, "national", scheme).assign(**stamp)
    )


def _weigh_series(series: StoredSeries, scheme: Scheme, by: str, population: str):
    """Every snapshot of `series` weighed at once: the group rows and the overall rows of
    all of them, equal to `_weigh`'s one snapshot after the other."""
    workers = weigh_workers(series.valid, scheme, snapshots=True)
    counted = population_workers(workers, population).reset_index(drop=True)
    dates = np.array([day.isoformat() for day in series.days], dtype=object)

    def stamped(frame: pd.DataFrame) -> pd.DataFrame:
        """With the snapshot's date, and the stacked staff's coded text as text."""
        at = frame[SNAPSHOT_POSITION].to_numpy()
        text = {
            name: frame[name].astype("str")
            for name in frame.columns
            if name != "band" and isinstance(frame[name].dtype, pd.CategoricalDtype)
        }
        return frame.assign(snapshot=pd.Series(dates[at], index=frame.index, dtype="str"), **text)

    rows = roll_up(counted, by, scheme, snapshots=len(dates))
    total = roll_up(counted, "national", scheme, snapshots=len(dates))
    return _columns(stamped(rows), by), _overall(stamped(total))


def _columns(rows: pd.DataFrame, by: str) -> pd.DataFrame:
    counts = ["workers"] if by != "worker" else []
    return rows[["snapshot", *_keys(by), *counts, *FIGURES]].reset_index(drop=True)


def _overall(total: pd.DataFrame) -> pd.DataFrame:
    total = total[["snapshot", "workers", *FIGURES]].reset_index(drop=True)
    total["band"] = total["band"].where(total["workers"] > 0)  # nobody selected: no band
    return total


def pick_dates(stored: list[date], start: str | None, end: str | None, store: str) -> list[date]:
    """The stored snapshot dates from `start` to `end` (both included)."""
    low = parse_day(start) if start else None
    high = parse_day(end) if end else None
    if low and high and low > high:
        raise UsageError(f"--from {low.isoformat()} is after --to {high.isoformat()}")
    picked = [d for d in stored if (low is None or d >= low) and (high is None or d <= high)]
    if not picked:
        asked = f"from {low or 'the first'} to {high or 'the last'}"
        raise StoreError(
            f"no snapshot {asked} in the store at {store} (it holds "
            f"{len(stored)}: {stored[0].isoformat()} to {stored[-1].isoformat()})"
        )
    return picked


def run_trend(
    store: str | None,
    scheme: Scheme,
    by: str = "team",
    start: str | None = None,
    end: str | None = None,
    selection: Selection | None = None,
    population: str = DEFAULT_POPULATION,
    min_group: int | None = None,
) -> Report:
    """`caseload trend`: weigh every snapshot of the store from `start` to `end` once
    (`selection` checked strictly against the latest) and report the series. Without
    a store, the bundled synthetic weekly series (so it works straight after install)."""
    if by not in LEVELS:
        raise UsageError(f"--by must be one of {', '.join(LEVELS)}")
    check_min_group(min_group, by)
    selection = selection or Selection()
    if store is None:
        from caseload_cli.reports.inputs import bundled_weeks  # reads files: only here

        bundled = {valid.snapshot: valid for valid in bundled_weeks([scheme])}
        days = pick_dates(sorted(bundled), start, end, "the bundled sample series")
        load = bundled.__getitem__
        notes = ["No --store: the bundled synthetic weekly series (sample_data/weeks)."]
    else:
        folder = open_store(store)
        stored = stored_dates(folder)
        if not stored:
            raise StoreError(
                f"the store at {store} holds no snapshots: add some with `caseload history add`"
            )
        days = pick_dates(stored, start, end, store)
        # Every snapshot at once, unless a selection or a snapshot needs one at a time.
        series = None if selection else load_series(folder, days, scheme)
        if series is not None:
            rows, overall = _weigh_series(series, scheme, by, population)
            notes = [
                *no_activities_notes([scheme], given=False),  # a store holds none
                *(
                    f"{day.isoformat()}: {note}"
                    for day, day_notes in zip(days, series.notes, strict=True)
                    for note in day_notes
                ),
            ]
            dates = [day.isoformat() for day in days]
            return series_report(
                rows, overall, dates, scheme, by, selection, population, notes, min_group
            )
        load = partial(load_snapshot, folder, schemes=[scheme])
        notes = []
    weighed, per_day = [], []
    once = no_activities_notes([scheme], given=False)  # said once, not for every snapshot
    for day in reversed(days):  # the latest first: an unknown team fails before any work
        valid = load(day)
        per_day.append([f"{day.isoformat()}: {n}" for n in valid.notes if n not in once])
        notes += [n for n in once if n in valid.notes and n not in notes]
        valid = select(valid, selection, strict=day == days[-1])
        weighed.append((day, *_weigh(valid, scheme, by, population, day)))
    notes += [note for day_notes in per_day[::-1] for note in day_notes]
    return trend_report(weighed[::-1], scheme, by, selection, population, notes, min_group)
