"""`caseload scorecard`: the service-area pressure measures at one snapshot, RAG-rated.

Main table (long, so a script can filter and pivot): one row per group and measure
with its value, RAG rating, the triggers it was rated against and the published
national figure it mirrors; groups crossing a trigger come first (most reds, then
most ambers), the total row last (`national`, or under a selection named for it).
Sections: `by_group` (one row per group, one column per measure) and `definitions`
(how each measure is computed, and its source).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.model import MAIN, Chart, InputOptions, Report
from caseload_cli.engine.scorecard import (
    MEASURES,
    Measure,
    measures,
    rag,
    total_label,
    triggers_from,
    worker_inputs,
)
from caseload_cli.engine.selection import Selection, select
from caseload_cli.engine.weighed import weigh
from caseload_cli.reports.inputs import prepare, resolve_inputs
from caseload_cli.scheme.model import Scheme

RAG_COLOURS = {"green": "#2E7D32", "amber": "#F9A825", "red": "#C62828"}
SOURCE = (
    "Published figures: Cafcass board paper, 20 April 2022 (balanced scorecard), and "
    "published case durations. Triggers are this tool's illustrative defaults taken from "
    "those figures, not Cafcass policy; change them with --settings FILE.toml "
    "([triggers.<measure>] amber = …, red = …)."
)


def load_settings(path: str | None) -> tuple[Measure, ...]:
    """The measures with any triggers a settings file sets (defaults without one)."""
    if path is None:
        return MEASURES
    try:
        settings = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as problem:
        raise CaseloadError(f"{path}: cannot read ({problem.strerror})") from None
    except (tomllib.TOMLDecodeError, RecursionError) as problem:
        raise CaseloadError(f"{path}: invalid TOML ({problem})") from None
    return triggers_from(settings, path)


def scorecard_report(
    valid: ValidInputs,
    scheme: Scheme,
    by: str = "service_area",
    rated: tuple[Measure, ...] = MEASURES,
) -> Report:
    """Every measure for every group and national, rated against `rated`'s triggers."""
    workers = weigh(valid, scheme).workers
    if by == "worker":
        return _worker_report(valid, scheme, workers)
    wide = measures(valid, workers, by)
    total = total_label(valid)
    long = _long(wide, by, rated, total)
    as_at = valid.snapshot.isoformat()
    scope = f" ({valid.scope})" if valid.scope else ""
    flagged = long[long["rag"].isin(["amber", "red"]) & (long[by] != total)]
    counted = (
        f"The last row, {total!r}, is the selection's: its staff and the cases they hold."
        if valid.scope
        else "A case counts in its holder's group; cases held by no one count nationally only."
    )
    notes = [
        SOURCE,
        f"{flagged[by].nunique()} of {len(wide) - 1} groups cross a trigger; they come first.",
        counted,
        *valid.notes,
    ]
    missing = [c for c in ("allocated", "hub_entered") if c not in valid.cases.columns]
    if missing:
        notes.append(
            f"The cases carry no {' or '.join(missing)} column: the measures built on "
            "them are blank."
        )
    return Report(
        title=f"Scorecard by {by.replace('_', ' ')}{scope}, as at {as_at}",
        rows=long,
        schemes=[scheme.stamp],
        accounting=dict(valid.accounting),
        sections={"by_group": wide, "definitions": _definitions(rated)},
        band_column="rag",
        band_colours=RAG_COLOURS,
        charts=[grid_chart(by, as_at)],
        notes=notes,
        metadata={
            **valid.snapshot_metadata(),
            "by": by,
            "total_row": total,
            "sheet": "scorecard",
            **({"selection": valid.scope} if valid.scope else {}),
            **scheme.provenance,
        },
    )


def run_scorecard(
    cases: str | None,
    source: InputOptions,
    scheme: Scheme,
    by: str = "service_area",
    rated: tuple[Measure, ...] = MEASURES,
    store: str | None = None,
    weeks: int = 12,
    selection: Selection | None = None,
    on_validated: Callable[[ValidInputs], None] | None = None,
) -> Report:
    """`caseload scorecard`: one snapshot's files (CASES, else the bundled sample), or a
    store's latest snapshot with its weekly series."""
    if store is not None:
        return run_scorecard_store(store, scheme, by, rated, weeks, selection)
    valid = prepare(resolve_inputs(cases, source), [scheme], selection=selection)
    if on_validated is not None:
        on_validated(valid)
    return scorecard_report(valid, scheme, by, rated)


def run_scorecard_store(
    store: str,
    scheme: Scheme,
    by: str = "service_area",
    rated: tuple[Measure, ...] = MEASURES,
    weeks: int = 12,
    selection: Selection | None = None,
) -> Report:
    """The scorecard of the store's latest snapshot, with each value's change since the
    snapshot before, and the weekly series of the last `weeks` snapshots."""
    from caseload_cli.reports.trend import pick_dates
    from caseload_cli.store import load_snapshot, open_store, stored_dates
    from caseload_cli.store.layout import StoreError

    folder = open_store(store)
    stored = stored_dates(folder)
    if not stored:
        raise StoreError(
            f"the store at {store} holds no snapshots: add some with `caseload history add`"
        )
    days = pick_dates(stored, None, None, store)[-weeks:]
    if by == "worker":  # one snapshot's inputs: the latest
        latest = load_snapshot(folder, days[-1], [scheme])
        latest = select(latest, selection) if selection else latest
        return scorecard_report(latest, scheme, by, rated)
    span = f"{days[0].isoformat()} to {days[-1].isoformat()}"
    series, report = [], None
    for day in reversed(days):  # the latest first: an unknown team fails before any work
        valid = load_snapshot(folder, day, [scheme])
        valid = select(valid, selection, strict=day == days[-1]) if selection else valid
        if report is None:  # the latest: weighed once, for the report and its series
            report = scorecard_report(valid, scheme, by, rated)
            long = report.rows
        else:
            wide = measures(valid, weigh(valid, scheme).workers, by)
            long = _long(wide, by, rated, total_label(valid))
        series.append(long.assign(snapshot=day.isoformat()))
    series = series[::-1]
    report.rows = _with_change(report.rows, series[-2] if len(series) > 1 else None, by)
    frames = pd.concat(series, ignore_index=True)[["snapshot", by, "measure", "value", "rag"]]
    report.sections = {**report.sections, "series": frames}
    report.charts.append(series_chart(by, span))
    report.title += f" (series of {len(days)} snapshots from {days[0].isoformat()})"
    report.metadata["snapshots"] = [d.isoformat() for d in days]
    return report


def _with_change(rows: pd.DataFrame, before: pd.DataFrame | None, by: str) -> pd.DataFrame:
    """`change`: this value less the same group's and measure's at the snapshot before."""
    if before is None:
        return rows.assign(change=None)
    last = before.set_index([by, "measure"])["value"]
    previous = pd.MultiIndex.from_frame(rows[[by, "measure"]]).map(last.to_dict().get)
    change = pd.to_numeric(rows["value"], errors="coerce") - pd.to_numeric(
        pd.Series(list(previous), index=rows.index), errors="coerce"
    )
    out = rows.copy()
    out.insert(out.columns.get_loc("rag") + 1, "change", change.round(6))
    return out


def _long(wide: pd.DataFrame, by: str, rated: tuple[Measure, ...], total: str) -> pd.DataFrame:
    records = []
    for row in wide.to_dict("records"):
        for measure in rated:
            value = row[measure.key]
            value = None if value is None or pd.isna(value) else value
            records.append(
                {
                    by: row[by],
                    "measure": measure.key,
                    "value": value,
                    "rag": rag(value, measure),
                    "amber_from": measure.amber,
                    "red_from": measure.red,
                    "lower_is_worse": measure.lower_is_worse,
                    "published": measure.published,
                }
            )
    long = pd.DataFrame.from_records(records)
    worst = (
        long.assign(
            red=long["rag"].eq("red"), amber=long["rag"].eq("amber"), last=long[by].eq(total)
        )
        .groupby(by, sort=False)[["red", "amber", "last"]]
        .agg({"red": "sum", "amber": "sum", "last": "max"})
    )
    order = worst.sort_values(
        ["last", "red", "amber"], ascending=[True, False, False], kind="stable"
    )
    rank = {group: i for i, group in enumerate(order.index)}
    long = long.assign(_rank=long[by].map(rank)).sort_values("_rank", kind="stable")
    return long.drop(columns="_rank").reset_index(drop=True)


def _definitions(rated: tuple[Measure, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure": [m.key for m in rated],
            "label": [m.label for m in rated],
            "definition": [m.definition for m in rated],
            "published": [m.published for m in rated],
            "amber_from": [m.amber for m in rated],
            "red_from": [m.red for m in rated],
        }
    )


def _worker_report(valid: ValidInputs, scheme: Scheme, workers: pd.DataFrame) -> Report:
    """`--by worker`: the inputs behind every area figure, one row per accepted staff row."""
    as_at = valid.snapshot.isoformat()
    scope = f" ({valid.scope})" if valid.scope else ""
    return Report(
        title=f"Scorecard inputs by worker{scope}, as at {as_at}",
        rows=worker_inputs(valid, workers),
        schemes=[scheme.stamp],
        accounting=dict(valid.accounting),
        band_column=None,
        notes=[
            "The per-worker inputs of the area measures (docs/scorecard.md): cases per FTE "
            "uses contracted FTE; days_to_allocation and weeks_open are means over the "
            "worker's cases.",
            *valid.notes,
        ],
        metadata={
            **valid.snapshot_metadata(),
            "by": "worker",
            "sheet": "scorecard",
            **({"selection": valid.scope} if valid.scope else {}),
            **scheme.provenance,
        },
    )


def grid_chart(by: str, as_at: str) -> Chart:
    """Groups down, measures across, each cell in its RAG colour with its value."""
    return Chart(
        section=MAIN,
        kind="grid",
        category=by,
        series="measure",
        value="value",
        title=f"RAG grid by {by.replace('_', ' ')}, as at {as_at} (grey: no trigger)",
        description=f"Grid of every measure per {by.replace('_', ' ')}, coloured by RAG rating",
    )


def series_chart(by: str, span: str) -> Chart:
    """Every measure week by week: a small chart per measure, a line per group in each."""
    groups = by.replace("_", " ")
    return Chart(
        section="series",
        kind="lines",
        category="snapshot",
        value="value",
        series=by,
        facet="measure",
        title=f"Each measure by {groups}, {span}",
        description=f"A small line chart per measure: its value per {groups} at each snapshot",
    )
