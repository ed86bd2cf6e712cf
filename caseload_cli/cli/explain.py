"""`caseload explain`: how one worker's load and capacity are made up."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from caseload_cli.cli.options import (
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
  caseload explain W0042                           # bundled sample, flat scheme
  caseload explain W0042 cases.csv --staff staff.csv --scheme weighted-example
  caseload explain W0042 cases.csv --staff staff.csv --reductions reductions.csv \\
      --scheme weighted-example --format xlsx -o W0042.xlsx
  CASELOAD_PSEUDONYM_KEY=... caseload explain W0042 --pseudonymise --format markdown
  caseload explain W0042 cases.csv --staff team_staff.csv --team "Greater Manchester WAFH 1"

\b
Lists every case with its base weight, child uplift, each modifier, the
stage adjustment and the final weight (the parts add up to the weight, and
the weights to the weighted_load `caseload load` reports), then capacity
step by step and the band and Napo comparison. This is the only output with
case identifiers; --pseudonymise replaces them with C- + 12 hex characters
of HMAC-SHA256 keyed with CASELOAD_PSEUDONYM_KEY (same key, same pseudonym).
--team/--service-area/--worker narrow the inputs as in `load`: WORKER must be
in the selection, and other teams' cases are outside it, not rejected.""",
)
@click.argument("worker")
@click.argument("cases", required=False)
@staff_options
@scheme_option
@click.option(
    "--pseudonymise/--no-pseudonymise",
    default=False,
    show_default=True,
    help="Replace case IDs with keyed pseudonyms (key from CASELOAD_PSEUDONYM_KEY).",
)
@selection_options
@run_options
def explain(
    worker: str,
    cases: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    pseudonymise: bool,
    selection: Selection,
    source: InputOptions,
    run: RunOptions,
) -> None:
    """Show how WORKER's load and capacity are made up, case by case and step by step."""
    from caseload_cli.cli.common import inputs_from_options, pseudonym_key
    from caseload_cli.engine.weighed import weigh
    from caseload_cli.reports.explain import explain_report
    from caseload_cli.reports.inputs import prepare
    from caseload_cli.scheme.model import load_scheme

    key = pseudonym_key(pseudonymise)
    chosen = load_scheme(scheme, overrides)
    valid = prepare(inputs_from_options(cases, source), [chosen], selection=selection)
    run.on_validated(show_values=key is None)(valid)
    report = explain_report(valid, weigh(valid, chosen), worker, key)
    run.write(report)
