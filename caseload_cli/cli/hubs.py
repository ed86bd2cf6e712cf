"""`caseload hubs`: cases eligible for the post-assessment hub, per worker."""

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

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.core.model import InputOptions
    from caseload_cli.engine.selection import Selection


@click.command(
    epilog="""\b
Examples:
  caseload hubs                                      # bundled sample, flat scheme
  caseload hubs cases.csv --staff staff.csv --team "Greater Manchester WAFH 1"
  caseload hubs cases.csv --staff staff.csv --scheme weighted-example --output hubs.xlsx
  CASELOAD_PSEUDONYM_KEY=... caseload hubs --pseudonymise --format csv

\b
Eligible, as published: held by an FCA, the report filed (`report_filed`), and
the next hearing 6 or more weeks after the snapshot or not listed. The table
shows each FCA's eligible cases, the load they would shed, and load,
utilisation and band before and after; the eligible_cases section lists the
cases (case IDs, or keyed pseudonyms with --pseudonymise).""",
)
@click.argument("cases", required=False)
@staff_options
@scheme_option
@population_option
@click.option(
    "--pseudonymise/--no-pseudonymise",
    default=False,
    show_default=True,
    help="Replace case IDs with keyed pseudonyms (key from CASELOAD_PSEUDONYM_KEY).",
)
@selection_options
@run_options
def hubs(
    cases: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    population: str,
    pseudonymise: bool,
    selection: Selection,
    source: InputOptions,
    run: RunOptions,
) -> None:
    """Show the cases eligible for the post-assessment hub and what each FCA would shed."""
    from caseload_cli.cli.common import inputs_from_options, pseudonym_key, scheme_from_options
    from caseload_cli.reports.hubs import hubs_report
    from caseload_cli.reports.inputs import prepare

    key = pseudonym_key(pseudonymise)
    chosen = scheme_from_options(scheme, overrides)
    valid = prepare(inputs_from_options(cases, source), [chosen], selection=selection)
    run.on_validated(show_values=key is None)(valid)
    run.write(hubs_report(valid, chosen, population, key))
