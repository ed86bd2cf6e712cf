"""`caseload week`: this week's caseload table for a team, against last week."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from caseload_cli.cli.options import (
    population_option,
    run_options,
    scheme_option,
    selection_options,
    staff_options,
    what_if_option,
)

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.core.model import InputOptions
    from caseload_cli.engine.selection import Selection


@click.command(
    epilog="""\b
Examples:
  caseload week --store history/ --team "Greater Manchester WAFH 2"
  caseload week --store history/ --team "Greater Manchester WAFH 2" --as-at 2022-05-13
  caseload week cases_wk19.csv --previous cases_wk18.csv --staff staff.csv --team "..."
  caseload week --store history/ --service-area "A3 Greater Manchester" --format xlsx -o week.xlsx

\b
One row per worker: cases by case type, weighted load against capacity, band
and the Napo comparison, then last week's cases, load and band, the change,
and weeks_over (consecutive snapshots in the scheme's worst band). Below it:
team totals, the cases that are new, closed or moved (with case IDs, or keyed
pseudonyms with --pseudonymise), work not held by an FCA, joiners and leavers.
From a store (`caseload history add`) the latest snapshot is compared with the
one before; from files, CASES with --previous (last week's cases export, with
--previous-staff/--previous-reductions when those changed).""",
)
@click.argument("cases", required=False)
@staff_options
@click.option("--previous", "previous_cases", help="Last week's cases export (with CASES).")
@click.option("--previous-staff", help="Last week's staff export (default: --staff).")
@click.option("--previous-reductions", help="Last week's reductions (default: --reductions).")
@click.option("--store", "store_path", help="A history store instead of files.")
@click.option("--as-at", "as_at", metavar="DATE", help="With --store: the week to show.")
@scheme_option
@what_if_option
@population_option
@selection_options
@click.option(
    "--pseudonymise/--no-pseudonymise",
    default=False,
    help="Replace case IDs (C-…), worker IDs and names (W-…) with keyed pseudonyms "
    "(key from CASELOAD_PSEUDONYM_KEY; same key, same pseudonym every week).",
)
@run_options
def week(
    cases: str | None,
    previous_cases: str | None,
    previous_staff: str | None,
    previous_reductions: str | None,
    store_path: str | None,
    as_at: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    population: str,
    selection: Selection,
    pseudonymise: bool,
    source: InputOptions,
    run: RunOptions,
) -> None:
    """This week's caseload table for a team, and what changed since last week."""
    from caseload_cli.cli import common
    from caseload_cli.reports.week import WeekFiles, run_week_from_files, run_week_from_store

    chosen = common.scheme_from_options(scheme, overrides)
    key = common.pseudonym_key(pseudonymise)
    if store_path is not None:
        common.refuse_with_store(cases, previous_cases, source)
        report = run_week_from_store(
            store_path, chosen, as_at, selection, population, key, source.what_if
        )
    else:
        files = WeekFiles(cases, previous_cases, previous_staff, previous_reductions, as_at)
        report = run_week_from_files(
            files, source, chosen, selection, population, key, run.on_validated()
        )
    run.write(common.private(report, key, selection))
