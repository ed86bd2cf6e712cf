"""Glue every command shares: option values to core arguments, and the
stderr accounting that tells a user what happened to every row.

Nothing heavy is imported at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from caseload_cli.core.errors import FailOnBand, StrictRejection

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.contract.validate import ValidInputs
    from caseload_cli.core.model import ReadOptions
    from caseload_cli.reports.pipeline import Inputs

SHOWN_REJECTIONS = 10


def read_options(
    input_format: str | None,
    encoding: str | None,
    delimiter: str | None,
    decimal: str | None,
    sheet: str | None,
) -> ReadOptions:
    from caseload_cli.core.model import ReadOptions

    return ReadOptions(input_format, encoding, delimiter, decimal, sheet)


def inputs_from_options(cases: str | None, options: dict[str, Any]) -> Inputs:
    from caseload_cli.reports.pipeline import resolve_inputs

    return resolve_inputs(
        cases,
        options["staff_path"],
        options["reductions_path"],
        read_options(
            options["input_format"],
            options["encoding"],
            options["delimiter"],
            options["decimal"],
            options["sheet"],
        ),
        options["mapping"],
        options["snapshot"],
    )


def report_rejections(valid: ValidInputs, rejects_path: str | None, strict: bool, **show) -> None:
    """`report_problems` for validated inputs (cases, staff, reductions)."""
    report_problems(valid.rejects, valid.notes, valid.accounting, rejects_path, strict, **show)


def report_problems(
    rejects: pd.DataFrame,
    notes_found: list[str],
    accounting: dict[str, int],
    rejects_path: str | None,
    strict: bool,
    *,
    notes: bool = True,
    listed: bool = True,
    show_values: bool = True,
) -> None:
    """Show notes and the first rejections, write them all if asked, and enforce --strict.

    `listed=False` when the rejections are already the command's own output;
    `show_values=False` keeps cell values (case IDs) off the terminal.
    """
    if rejects_path:
        from caseload_cli.core.files import atomic_write

        atomic_write(rejects_path, _rejects_csv(rejects))
    if notes:
        for note in notes_found:
            click.echo(f"note: {note}", err=True)
    if listed:
        for record in rejects.head(SHOWN_REJECTIONS).itertuples(index=False):
            click.echo(
                f"rejected: {record.file} row {record.row}, {record.column}: {record.reason}"
                + (f" (value {record.value!r})" if show_values and record.value != "" else ""),
                err=True,
            )
        if len(rejects) > SHOWN_REJECTIONS:
            click.echo(
                f"rejected: ... and {len(rejects) - SHOWN_REJECTIONS:,} more problems", err=True
            )
    from caseload_cli.core.accounting import accounting_lines

    for line in accounting_lines(accounting, rejects_path):
        click.echo(line, err=True)
    if strict and len(rejects):
        rows = rejects[["file", "row"]].drop_duplicates().shape[0]
        raise StrictRejection(f"--strict: {rows:,} rows rejected")


def _rejects_csv(rejects: pd.DataFrame) -> str:
    from caseload_cli.render.report import neutralise_frame

    return neutralise_frame(rejects).to_csv(index=False, lineterminator="\n")


def check_fail_on_band(band: str | None, names: list[str]) -> None:
    """Refuse an unknown --fail-on band before any work is done."""
    if band is not None and band not in names:
        from caseload_cli.core.errors import UsageError

        raise UsageError(f"--fail-on {band!r}: the scheme's bands are {', '.join(names)}")


def check_fail_on(workers: pd.DataFrame, band: str | None, names: list[str]) -> None:
    """--fail-on BAND: exit 4 when any worker sits in that band or a worse one."""
    if band is None:
        return
    check_fail_on_band(band, names)
    worse = set(names[names.index(band) :])
    hit = int(workers["band"].astype("str").isin(worse).sum())
    if hit:
        raise FailOnBand(f"--fail-on {band}: {hit:,} workers in band {band} or above")
