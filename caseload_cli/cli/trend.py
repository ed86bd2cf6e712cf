"""`caseload trend`: each group's weekly series over the snapshots of a history store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from caseload_cli.cli.options import (
    by_option,
    min_group_option,
    population_option,
    pseudonymise_option,
    run_options,
    scheme_option,
    selection_options,
    view_option,
)
from caseload_cli.core.vocabulary import LEVELS

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.core.model import InputOptions
    from caseload_cli.engine.selection import Selection


@click.command(
    epilog="""\b
Examples:
  caseload trend                                             # the bundled 8-week sample
  caseload trend --store history/                            # every team, every snapshot
  caseload trend --store history/ --by national --format csv -o national.csv
  caseload trend --store history/ --by worker --team "Greater Manchester WAFH 1"
  caseload trend --store history/ --from 2022-05-06 --to 2022-06-03 --scheme weighted-example
  caseload trend --store history/ --by service_area --format xlsx -o trend.xlsx

\b
One row per group per snapshot (long format: snapshot, the group's keys,
cases, weighted load, capacity, utilisation and band), so a script or a
spreadsheet can pivot it. Each snapshot is weighed once with the scheme;
roll-ups sum first and divide last. Sections: overall (the national or
selected total per snapshot, charted in html, xlsx, the table and Markdown)
and runs (per group and band above the first: the longest and the current
run of consecutive snapshots at or above it, with the dates they started).
--team/--service-area/--worker are checked against the latest snapshot.""",
)
@click.option(
    "--store",
    "store_path",
    help="The history store to read (default: the bundled synthetic 8-week series).",
)
@by_option(LEVELS, "team", "Group by worker, team, service area or one national row.")
@click.option("--from", "start", metavar="DATE", help="First snapshot date (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Last snapshot date (YYYY-MM-DD).")
@view_option(("trend", "overall", "runs"), "Main table: the series, the overall series or the runs")
@scheme_option
@population_option
@pseudonymise_option
@min_group_option
@selection_options
@run_options
def trend(
    store_path: str | None,
    by: str,
    start: str | None,
    end: str | None,
    view: str,
    scheme: str,
    overrides: tuple[str, ...],
    population: str,
    pseudonymise: bool,
    min_group: int | None,
    selection: Selection,
    source: InputOptions,
    run: RunOptions,
) -> None:
    """Each group's cases, load, capacity, utilisation and band over the stored snapshots."""
    from caseload_cli.cli import common
    from caseload_cli.reports.trend import run_trend

    common.refuse_reading_with_store(source, run.rejects_path, run.strict)
    key = common.privacy_key(pseudonymise, min_group, by)
    chosen = common.scheme_from_options(scheme, overrides)
    report = run_trend(store_path, chosen, by, start, end, selection, population, min_group)
    report = report if view == "trend" else report.viewing(view, "trend")
    run.write(common.private(report, key, selection))
