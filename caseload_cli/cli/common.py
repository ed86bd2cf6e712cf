"""Glue every command shares: option values to core arguments, and the
stderr accounting that tells a user what happened to every row.

Every line for stderr goes through `say`: it is made safe for a terminal
(`render.cells.terminal_text`), appended to `--log FILE` when given, and shown
unless it is chatter (notes, accounting, progress news) under `-q`. Warnings
and rejections are not chatter: they reach stderr under `-q` too.

Nothing heavy is imported at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from caseload_cli.core.errors import FailOnBand, StrictRejection

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.contract.validate import ValidInputs
    from caseload_cli.core.model import InputOptions
    from caseload_cli.reports.inputs import Inputs
    from caseload_cli.scheme.model import Scheme
    from caseload_cli.survey.figures import SurveySettings
    from caseload_cli.survey.levels import SafeLevels

SHOWN_REJECTIONS = 10


def say(line: str, *, always: bool = False, quiet: bool = False) -> None:
    """One line that stderr carries: appended to --log FILE (UTF-8, never truncated) and
    shown unless it is chatter (`always=False`) and the run is quiet (`quiet` or -q)."""
    from caseload_cli.cli.options import LOG_KEY, QUIET_KEY
    from caseload_cli.render.cells import terminal_text

    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    line = terminal_text(line)
    log_path = meta.get(LOG_KEY)
    if log_path:
        append_log(log_path, line)
    if always or not (quiet or meta.get(QUIET_KEY)):
        click.echo(line, err=True)


def append_log(path: str, line: str) -> None:
    """Append one line to the --log file (created if missing, never truncated)."""
    from caseload_cli.core.errors import CaseloadError

    try:
        with open(path, "a", encoding="utf-8", newline="\n") as log:
            log.write(line + "\n")
    except OSError as problem:
        raise CaseloadError(f"--log {path}: cannot append ({problem.strerror})") from None


def note(text: str, *, quiet: bool = False) -> None:
    """`note: …` on stderr unless -q (and always in --log)."""
    say(f"note: {text}", quiet=quiet)


def warn(text: str) -> None:
    """`warning: …` on stderr even under -q (and in --log)."""
    say(f"warning: {text}", always=True)


def inputs_from_options(cases: str | None, source: InputOptions) -> Inputs:
    """The files a command reads: CASES (else the bundled sample) and the bundled options."""
    from caseload_cli.reports.inputs import resolve_inputs

    return resolve_inputs(cases, source)


def report_rejections(valid: ValidInputs, rejects_path: str | None, strict: bool, **show) -> None:
    """`report_problems` for validated inputs (cases, staff, reductions), led by the
    snapshot date and how it was chosen."""
    kinds = getattr(valid, "row_kinds", None)
    first = [valid.snapshot_note()] if hasattr(valid, "snapshot_note") else []
    report_problems(
        valid.rejects,
        [*first, *valid.notes],
        valid.accounting,
        rejects_path,
        strict,
        kinds=kinds,
        **show,
    )


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
    kinds: dict[str, str] | None = None,
) -> None:
    """Show notes, the rejections grouped by cause and the accounting; write every
    rejection if asked, and enforce --strict.

    `notes=False` (-q) keeps the notes and the accounting off stderr (they still go
    to --log); the rejections are shown whatever it says. `listed=False` when the
    rejections are already the command's own output; `show_values=False` keeps cell
    values (case IDs) off the terminal; `kinds` names what each file's rows are.
    """
    if rejects_path:
        from caseload_cli.core.files import atomic_write

        atomic_write(rejects_path, _rejects_csv(rejects))
    for found in notes_found:
        note(found, quiet=not notes)
    if listed and len(rejects):
        from caseload_cli.contract.rejections import rejection_summary

        summary = rejection_summary(rejects, kinds, shown=SHOWN_REJECTIONS, show_values=show_values)
        for line in summary:
            say(line, always=True)
    from caseload_cli.core.accounting import accounting_lines

    for line in accounting_lines(accounting, rejects_path):
        say(line, quiet=not notes)
    if strict and len(rejects):
        rows = rejects[["file", "row"]].drop_duplicates().shape[0]
        raise StrictRejection(f"--strict: {rows:,} rows rejected")


def _rejects_csv(rejects: pd.DataFrame) -> str:
    from caseload_cli.render.cells import neutralise_frame

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
        noun = "worker" if hit == 1 else "workers"
        raise FailOnBand(f"--fail-on {band}: {hit:,} {noun} in band {band} or above")


def scheme_from_options(scheme: str, overrides: tuple[str, ...]) -> Scheme:
    """--scheme and --set as a Scheme; a --set that adds a key is likely a typo, so it is
    warned about even under -q."""
    from caseload_cli.reports.scenarios import set_option_notes
    from caseload_cli.scheme.model import load_scheme

    chosen = load_scheme(scheme, overrides)
    for text in set_option_notes(scheme, overrides) if overrides else []:
        warn(text)
    return chosen


def survey_levels(
    responses: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    statistic: str | None,
    source: InputOptions,
    quiet: bool,
    cases: str | None,
    settings: SurveySettings | None = None,
) -> SafeLevels | None:
    """Survey-derived Napo levels for `load --safe-levels-from` and `survey --against`.

    Reads RESPONSES with the command's read options and --mapping (its
    `responses` section), prints the levels with their source, and returns
    them; the responses' accounting line is printed with the others once
    merged. The computation is `caseload_cli.survey.levels.derive_levels`.
    """
    from caseload_cli.contract.responses import check_stdin, read_responses
    from caseload_cli.core.errors import UsageError
    from caseload_cli.core.vocabulary import DEFAULT_STATISTIC
    from caseload_cli.survey.figures import SurveySettings
    from caseload_cli.survey.levels import derive_levels

    if responses is None and statistic is None:
        return None
    if responses is None:
        raise UsageError("--statistic only applies with --safe-levels-from RESPONSES")
    check_stdin(responses, cases, source.staff, source.reductions)
    if settings is None:
        settings = SurveySettings(statistic=statistic or DEFAULT_STATISTIC)
    data = read_responses(responses, source.reading, source.mapping)
    levels = derive_levels(data, scheme, overrides, settings)
    for line in levels.lines:
        say(line, quiet=quiet)
    return levels


def pseudonym_key(pseudonymise: bool) -> bytes | None:
    """The key for --pseudonymise (from CASELOAD_PSEUDONYM_KEY), warning about a weak one."""
    if not pseudonymise:
        return None
    from caseload_cli.core.pseudonym import key_from_env, key_warning

    key = key_from_env()
    if warning := key_warning(key):
        warn(warning)
    return key


def privacy_key(pseudonymise: bool, min_group: int | None = None, by: str = "") -> bytes | None:
    """Check --min-group against --by before any work, and return the --pseudonymise key."""
    from caseload_cli.reports.privacy import check_min_group

    check_min_group(min_group, by)
    return pseudonym_key(pseudonymise)


def private(report: Any, key: bytes | None, selection: Any = None) -> Any:
    """The report with worker IDs and names pseudonymised when --pseudonymise gave a key
    (the IDs --worker named included, wherever the title or metadata repeat them)."""
    if key is None:
        return report
    from caseload_cli.reports.privacy import pseudonymise_workers

    return pseudonymise_workers(report, key, tuple(getattr(selection, "workers", ()) or ()))


def refuse_with_store(cases: str | None, previous: str | None, source: InputOptions) -> None:
    """--store replaces every input file: say which were given as well."""
    from caseload_cli.core.errors import UsageError

    given = [
        name
        for name, value in (
            ("CASES", cases),
            ("--previous", previous),
            ("--staff", source.staff),
            ("--reductions", source.reductions),
        )
        if value
    ]
    if given:
        raise UsageError(f"--store replaces the input files: leave out {', '.join(given)}")


def refuse_reading_with_store(source: InputOptions, rejects_path: str | None, strict: bool) -> None:
    """A command that only reads a store reads no file: say which read options were given."""
    from dataclasses import asdict

    from caseload_cli.core.errors import UsageError

    named = {"input_format": "--input-format", "mapping": "--mapping"}
    given = [
        named.get(key, f"--{key}")
        for key, value in (("mapping", source.mapping), *asdict(source.reading).items())
        if value
    ] + [option for option, value in (("--rejects", rejects_path), ("--strict", strict)) if value]
    if given:
        raise UsageError(
            f"--store holds validated snapshots: {', '.join(given)} apply only to input files"
        )
