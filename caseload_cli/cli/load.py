"""`caseload load`: the main job."""

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
    staff_options,
    view_option,
    what_if_option,
)
from caseload_cli.core.vocabulary import LEVELS, STATISTICS

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.core.model import InputOptions
    from caseload_cli.engine.selection import Selection


@click.command(
    epilog="""\b
Examples:
  caseload load                                   # bundled sample data, flat scheme
  caseload load cases.xlsx --staff staff.csv --scheme flat --by team
  caseload load cases.parquet --staff staff.parquet --format xlsx --output week47.xlsx
  caseload load cases.csv --staff staff.csv --reductions reductions.csv \\
      --scheme weighted-example --set weights.case_type.r16_4=1.75
  caseload load cases.csv --staff staff.csv --format csv --strict --fail-on red
  caseload load cases.csv --staff staff.csv --view not_held_by_fca --format csv
  caseload load cases.csv --staff staff.csv --safe-levels-from responses.csv --statistic median

\b
Without CASES the bundled synthetic sample is used. Rows that break the data
contract are rejected with file, row, column and reason; the last line on
stderr accounts for every case row.""",
)
@click.argument("cases", required=False)
@staff_options
@scheme_option
@by_option(
    LEVELS, "worker", "Level to report at; roll-ups sum loads and capacities before dividing."
)
@click.option(
    "--fail-on",
    "fail_on",
    metavar="BAND",
    help="Exit 4 if any worker is in this band or a worse one (e.g. red).",
)
@click.option(
    "--safe-levels-from",
    "safe_levels_from",
    metavar="RESPONSES",
    help="Replace the scheme's Napo safe levels by a safe-caseload survey's figures, per team "
    "type where the group is large enough, else overall (see docs/survey.md).",
)
@click.option(
    "--statistic",
    type=click.Choice(STATISTICS),
    default=None,
    help="With --safe-levels-from: the survey figure used as the level (default: mean).",
)
@view_option(
    ("load", "not_held_by_fca", "managers_holding_cases"),
    "Main table: the loads, the work not held by an FCA, or the managers who hold cases",
)
@what_if_option
@population_option
@pseudonymise_option
@min_group_option
@selection_options
@run_options
def load(
    cases: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    by: str,
    fail_on: str | None,
    safe_levels_from: str | None,
    statistic: str | None,
    view: str,
    population: str,
    pseudonymise: bool,
    min_group: int | None,
    selection: Selection,
    source: InputOptions,
    run: RunOptions,
) -> None:
    """Weigh CASES and report each worker's load against capacity and Napo safe levels."""
    from caseload_cli.cli import common
    from caseload_cli.core.progress import progress_for
    from caseload_cli.engine.bands import band_names
    from caseload_cli.reports.load import run_load
    from caseload_cli.reports.provenance import record_input

    key = common.privacy_key(pseudonymise, min_group, by)
    chosen = common.scheme_from_options(scheme, overrides)
    common.check_fail_on_band(fail_on, band_names(chosen))
    levels = common.survey_levels(
        safe_levels_from, scheme, overrides, statistic, source, run.quiet, cases
    )
    inputs = common.inputs_from_options(cases, source)
    progress = progress_for([inputs.cases, inputs.staff, inputs.reductions], run.quiet)
    how = (by, population, view, levels, progress, run.on_validated(), selection, min_group)
    result = run_load(inputs, chosen, *how)
    if levels is not None:  # the survey behind the safe levels is an input too
        survey = levels.responses
        record_input("responses", safe_levels_from, survey.rows_read, survey.sha256)
    run.write(common.private(result.report, key, selection))
    common.check_fail_on(result.reported, fail_on, band_names(chosen))
