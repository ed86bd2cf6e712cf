"""`caseload validate`: the data contract on its own, for checking an export before a run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from caseload_cli.cli.options import (
    debug_option,
    input_options,
    output_options,
    quiet_option,
    recorded_run,
    scheme_option,
    staff_options,
)

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.core.model import InputOptions


@click.command(
    epilog="""\b
Examples:
  caseload validate cases.csv --staff staff.csv
  caseload validate cases.xlsx --staff staff.xlsx --reductions reductions.csv --strict
  caseload validate cases.csv --staff staff.csv --format csv --output problems.csv

\b
Prints one line per problem (file, row, column, value, reason) in the chosen
format; the accounting goes to stderr. Exit 0 when the inputs can be read,
3 with --strict if any row is rejected.""",
)
@click.argument("cases", required=False)
@staff_options
@scheme_option
@click.option("--strict", is_flag=True, help="Exit 3 if any row is rejected.")
@input_options
@output_options
@quiet_option
@debug_option
@recorded_run
def validate(
    cases: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    source: InputOptions,
    run: RunOptions,
) -> None:
    """Check CASES, staff and reductions against the data contract and a scheme's codes."""
    from caseload_cli.cli.common import inputs_from_options, report_rejections, scheme_from_options
    from caseload_cli.reports.validate import run_validate

    chosen = scheme_from_options(scheme, overrides)
    valid, report = run_validate(inputs_from_options(cases, source), chosen)
    if valid.rejects.empty and run.output_path is None and run.output_format in (None, "table"):
        if not run.quiet:  # -q: a clean export prints nothing at all
            click.echo("No rejected rows: every row meets the data contract.")
    else:
        run.write(report)
    report_rejections(valid, None, run.strict, listed=False, notes=not run.quiet)
