"""`caseload compare`: several weighting schemes side by side on the same data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from caseload_cli.cli.options import (
    by_option,
    min_group_option,
    population_option,
    pseudonymise_option,
    run_options,
    selection_options,
    staff_options,
    what_if_option,
)
from caseload_cli.core.vocabulary import COMPARE_LEVELS, COMPARE_VIEWS

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.core.model import InputOptions
    from caseload_cli.engine.selection import Selection


@click.command(
    epilog="""\b
Examples:
  caseload compare --scheme flat --scheme weighted-example       # bundled sample
  caseload compare cases.csv --staff staff.csv --scheme flat \\
      --scheme napo-proposal.toml --scheme weighted-example
  caseload compare cases.csv --staff staff.csv --scheme flat --scheme flat \\
      --set 2.weights.case_type.r16_4=1.5                         # change scheme 2 only
  caseload compare --scheme flat --scheme weighted-example --by service_area
  caseload compare --scheme flat --scheme weighted-example --format xlsx -o compare.xlsx
  caseload compare --scheme flat --scheme weighted-example --view workers --format csv

\b
--set N.PATH=VALUE changes the Nth --scheme (1-based); without N it changes
every scheme. The same scheme may be given twice (labelled flat, flat#2).
The inputs are read and validated once for every scheme, with the codes of
all of them, so each column weighs exactly the same rows. The summary, the
per-worker (or per-group) table and the band transitions are one table each
in table/markdown/html/json and one sheet each in xlsx; csv, ndjson and
parquet hold the --view table (default: summary).""",
)
@click.argument("cases", required=False)
@staff_options
@click.option(
    "--scheme",
    "schemes",
    multiple=True,
    metavar="NAME|FILE",
    help="A built-in scheme or a TOML file; repeat to compare (first = baseline).",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="[N.]PATH=VALUE",
    help="Change a value in scheme N (1-based), or in every scheme without N (repeatable).",
)
@by_option(
    COMPARE_LEVELS,
    "worker",
    "Per-worker table and national summary, or both per team / service area.",
)
@what_if_option
@population_option
@selection_options
@click.option(
    "--view",
    type=click.Choice(COMPARE_VIEWS),
    default="summary",
    show_default=True,
    help="Which table comes first (and is the one csv/ndjson/parquet hold).",
)
@pseudonymise_option
@min_group_option
@run_options
def compare(
    cases: str | None,
    schemes: tuple[str, ...],
    overrides: tuple[str, ...],
    by: str,
    population: str,
    selection: Selection,
    view: str,
    pseudonymise: bool,
    min_group: int | None,
    source: InputOptions,
    run: RunOptions,
) -> None:
    """Compare weighting schemes side by side on the same CASES."""
    from caseload_cli.cli.common import inputs_from_options, note, privacy_key, private
    from caseload_cli.reports.compare import compare_report
    from caseload_cli.reports.inputs import prepare
    from caseload_cli.reports.scenarios import resolve_scenarios

    key = privacy_key(pseudonymise, min_group, by)
    scenarios, notes = resolve_scenarios(schemes, overrides)
    for text in notes:
        note(text)
    valid = prepare(
        inputs_from_options(cases, source), [s.scheme for s in scenarios], selection=selection
    )
    run.on_validated()(valid)
    report = compare_report(valid, scenarios, by, population, view, notes, min_group)
    run.write(private(report, key, selection))
