"""`caseload sensitivity`: rank the disputed settings by how much they move the headline."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from caseload_cli.cli.options import (
    by_option,
    population_option,
    run_options,
    scheme_option,
    selection_options,
    staff_options,
)
from caseload_cli.core.vocabulary import GAP_LEVELS

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.core.model import InputOptions
    from caseload_cli.engine.selection import Selection


@click.command(
    epilog="""\b
Examples:
  caseload sensitivity --scheme weighted-example      # bundled sample, default settings
  caseload sensitivity cases.csv --staff staff.csv --scheme flat \\
      --vary weights.case_type.r16_4=0.8:1.5 --vary weights.children.per_additional=0:0.5
  caseload sensitivity --scheme flat --vary weights.case_type.r16_4=1:2 --by service_area
  caseload sensitivity --scheme weighted-example --metric over_napo_pct --metric fte_needed
  caseload sensitivity --scheme weighted-example --format html -o tornado.html

\b
Each --vary PATH=LOW:HIGH is varied alone, every other value as the scheme
(with any --set) says; the scheme is weighed as written and at each end of
each range, on inputs read and validated once. For each metric (default: the
share in the scheme's top band and fte_needed, the metrics of `caseload
compare`) the rows are ranked by swing = |figure at HIGH - figure at LOW|,
largest first; change_low and change_high are the changes from the scheme as
written. Without --vary the default disputed settings are varied:
weights.case_type.r16_4 1:2, weights.case_type.s31 1:1.5,
weights.case_type.addendum 0.5:1, weights.children.per_additional 0:0.5 and
weights.stage.post_assessment_hub 0:1 (those the scheme has). html, pdf and
xlsx draw a tornado chart (a page or sheet per group with --by).""",
)
@click.argument("cases", required=False)
@staff_options
@scheme_option
@click.option(
    "--vary",
    "ranges",
    multiple=True,
    metavar="PATH=LOW:HIGH",
    help="A setting and the range it is disputed over (repeatable; default: the disputed weights).",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="NAME",
    help="A headline metric, e.g. over_napo_pct (repeatable; default: top band share, fte_needed).",
)
@by_option(GAP_LEVELS, "national", "Rank within each group at this level too.")
@population_option
@selection_options
@run_options
def sensitivity(
    cases: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    ranges: tuple[str, ...],
    metrics: tuple[str, ...],
    by: str,
    population: str,
    selection: Selection,
    source: InputOptions,
    run: RunOptions,
) -> None:
    """Rank scheme settings by how much each moves the headline over its range (a tornado)."""
    from caseload_cli.cli.common import note
    from caseload_cli.reports.sensitivity import run_sensitivity

    report = run_sensitivity(
        cases,
        source,
        scheme,
        overrides,
        ranges,
        by=by,
        population=population,
        metrics=metrics,
        selection=selection,
        on_validated=run.on_validated(),
        say=note,
    )
    run.write(report)
