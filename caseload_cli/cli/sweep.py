"""`caseload sweep`: vary scheme values over a range and summarise each point."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from caseload_cli.cli.options import (
    population_option,
    run_options,
    scheme_option,
    selection_options,
    staff_options,
)
from caseload_cli.core.vocabulary import MAX_GRID_POINTS

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.core.model import InputOptions
    from caseload_cli.engine.selection import Selection


@click.command(
    epilog=f"""\b
Examples:
  caseload sweep --scheme weighted-example --vary weights.case_type.r16_4=1:2:0.25
  caseload sweep cases.csv --staff staff.csv --scheme weighted-example \\
      --vary weights.case_type.r16_4=1:2:0.25 --metric band_red_pct --metric over_napo_pct
  caseload sweep --scheme flat --vary weights.stage.post_assessment_hub=0,0.25,0.5,1
  caseload sweep --scheme weighted-example --vary weights.children.per_additional=0:0.5:0.125 \\
      --vary weights.case_type.r16_4=1,1.5,2 --format csv -o grid.csv

\b
A range START:STOP:STEP includes STOP (within float tolerance); a list is
A,B,C. Several --vary options make a grid (every combination), at most
{MAX_GRID_POINTS} points. Each row is one point: its values, the summary metrics of
`caseload compare`, and the fingerprint of the scheme that point makes. The
inputs are read and validated once.""",
)
@click.argument("cases", required=False)
@staff_options
@scheme_option
@click.option(
    "--vary",
    "varies",
    multiple=True,
    metavar="PATH=START:STOP:STEP|A,B,C",
    help="A scheme value to vary (repeat for a grid).",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="NAME",
    help="Only these summary metrics, e.g. band_red_pct (repeatable; default: all).",
)
@population_option
@selection_options
@run_options
def sweep(
    cases: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    varies: tuple[str, ...],
    metrics: tuple[str, ...],
    population: str,
    selection: Selection,
    source: InputOptions,
    run: RunOptions,
) -> None:
    """Vary one or more scheme values and summarise CASES at each point."""
    from caseload_cli.cli.common import inputs_from_options, note
    from caseload_cli.reports.inputs import prepare
    from caseload_cli.reports.sweep import parse_vary, sweep_points, sweep_report

    parsed = [parse_vary(text) for text in varies]
    base, points, notes = sweep_points(scheme, overrides, parsed)
    for text in notes:
        note(text)
    schemes = [base, *(p.scheme for p in points)]
    valid = prepare(inputs_from_options(cases, source), schemes, selection=selection)
    run.on_validated()(valid)
    report = sweep_report(valid, base, points, population, metrics, notes)
    run.write(report)
