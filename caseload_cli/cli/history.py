"""`caseload history`: add, list and remove weekly snapshots in a history store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from caseload_cli.cli.options import (
    debug_option,
    input_options,
    output_options,
    quiet_option,
    recorded_run,
    staff_options,
    validation_options,
)

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.core.model import InputOptions

store_option = click.option(
    "--store",
    "store",
    required=True,
    type=click.Path(file_okay=False),
    help="The history store folder (a new or empty folder becomes one on `add`).",
)


@click.group(
    epilog="""\b
Examples:
  caseload history add cases.csv --staff staff.csv --reductions reductions.csv --store history/
  caseload history add all-weeks.parquet --staff staff.parquet --store history/ --split
  caseload history list --store history/
  caseload history remove 2022-04-29 --store history/

\b
A store keeps each snapshot's validated inputs (cases, staff, reductions, and
the rejected rows) as Parquet partitioned by snapshot date, readable by DuckDB
or pandas without this tool. See docs/history.md.""",
)
def history() -> None:
    """Keep weekly snapshots of validated inputs, to compare weeks or reweigh past ones."""


@history.command(
    "add",
    epilog="""\b
Examples:
  caseload history add cases.csv --staff staff.csv --store history/
  caseload history add cases.xlsx --staff staff.xlsx --reductions reductions.csv \\
      --store history/ --strict --rejects rejects.csv
  caseload history add weeks.csv --staff staff.csv --store history/ --split
  caseload history add cases.csv --staff staff.csv --store history/ --scheme our-proposal.toml

\b
Validates exactly as `load` does (same rejections, --rejects, --strict, exit
codes); with --strict and any rejected row nothing is stored. A snapshot
already in the store for that date is replaced as a whole. Each snapshot is
written atomically: an interrupted add leaves the store as it was.""",
)
@click.argument("cases", required=False)
@staff_options
@click.option(
    "--scheme",
    "schemes",
    multiple=True,
    metavar="SCHEME",
    help="Scheme the snapshot must be weighable by (repeatable; codes must be known to "
    "each). Default: every built-in scheme.",
)
@click.option(
    "--split",
    is_flag=True,
    help="Store a cases file holding several snapshot dates as one snapshot per date "
    "(each date's rows validated on their own). Without it such a file is refused.",
)
@store_option
@input_options
@validation_options
@quiet_option
@debug_option
def add(
    cases: str | None,
    schemes: tuple[str, ...],
    split: bool,
    store: str,
    source: InputOptions,
    rejects_path: str | None,
    strict: bool,
    quiet: bool,
) -> None:
    """Validate CASES (with --staff, --reductions) and store them as a snapshot."""
    from caseload_cli.cli import common
    from caseload_cli.core.progress import progress_for
    from caseload_cli.reports.history import add_to_store, default_schemes
    from caseload_cli.scheme.model import load_scheme

    chosen = [load_scheme(s) for s in schemes] if schemes else default_schemes()
    inputs = common.inputs_from_options(cases, source)
    progress = progress_for([inputs.cases, inputs.staff, inputs.reductions], quiet)
    hook = _report_validated(rejects_path, strict, quiet)
    for added in add_to_store(inputs, store, chosen, split, progress, hook):
        _say_added(added, store)


@history.command("list", epilog="Example:\n\n    caseload history list --store history/")
@store_option
@output_options
@debug_option
@recorded_run
def list_history(store: str, run: RunOptions) -> None:
    """List the stored snapshots: date, row counts and the sha256 of each source file."""
    from caseload_cli.reports.history import history_report

    report = history_report(store)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    run.write(report)


@history.command("remove", epilog="Example:\n\n    caseload history remove 2022-04-29 --store h/")
@click.argument("date")
@store_option
@debug_option
def remove(date: str, store: str) -> None:
    """Remove the snapshot of DATE (YYYY-MM-DD) from the store, all tables at once."""
    from caseload_cli.reports.history import remove_from_store

    manifest = remove_from_store(store, date)
    rows = manifest["rows"]
    click.echo(
        f"history: removed snapshot {manifest['snapshot']} ({rows['cases']:,} cases, "
        f"{rows['staff']:,} staff, {rows['reductions']:,} reductions) from {store}",
        err=True,
    )


def _report_validated(rejects_path: str | None, strict: bool, quiet: bool) -> Any:
    """Show each snapshot's notes, rejections and accounting as `load` does; --strict
    fails before anything is stored if any snapshot has a rejected row."""
    from caseload_cli.cli.common import report_problems, report_rejections, say

    def report(every: list[Any]) -> None:
        import pandas as pd

        for valid in every:
            if len(every) > 1:  # under -q only when rejections follow it
                say(f"snapshot {valid.snapshot}:", quiet=quiet and valid.rejects.empty)
            report_rejections(valid, rejects_path, False, notes=not quiet)
        # Split files: one rejects file for every date (staff rows are named once).
        rejects = pd.concat([v.rejects for v in every], ignore_index=True).drop_duplicates()
        written = rejects_path if len(every) > 1 else None
        report_problems(rejects, [], {}, written, strict, notes=False, listed=False)

    return report


def _say_added(added: Any, store: str) -> None:
    from caseload_cli.cli.common import say

    rows = added.manifest["rows"]
    day = added.manifest["snapshot"]
    if added.replaced is not None:  # shown under -q too: stored data was overwritten
        say(
            f"history: replaced snapshot {day} (was {added.replaced['rows']['cases']:,} cases, "
            f"added {added.replaced['added_at']})",
            always=True,
        )
    say(
        f"history: stored snapshot {day} ({rows['cases']:,} cases, {rows['staff']:,} staff, "
        f"{rows['reductions']:,} reductions) in {store}"
    )
