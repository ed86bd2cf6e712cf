"""`caseload verify OUTPUT`: recompute an output from its inputs and say whether it is identical."""

from __future__ import annotations

from typing import Any

import click

from caseload_cli.cli.options import debug_option

#: For an output made from the bundled sample: the parameter that names each input.
_BUNDLED_PARAMS = {"cases": "cases", "staff": "staff_path", "reductions": "reductions_path"}
#: Options whose survey replaces the scheme's safe levels: the recorded fingerprint is
#: the derived scheme's, so it is compared after recomputing, not before.
_DERIVED = ("safe_levels_from", "against")


@click.command(
    epilog="""\b
Examples:
  caseload load cases.csv --staff staff.csv --format json -o loads.json
  caseload verify loads.json                      # the recorded files, if unchanged
  caseload verify loads.json --cases cases.csv --staff staff.csv
  caseload verify loads.xlsx --inputs-dir received/   # find the inputs by their hashes
  caseload verify week.json --input store=history/    # a store that has moved
  caseload verify loads.csv --command "caseload load cases.csv --staff staff.csv --format csv"

\b
OUTPUT is a json, xlsx or Parquet file written by any command that weighs inputs
(load, compare, gap, week, trend, scorecard, hubs, explain, sweep, survey,
validate). Its provenance names the command line, each input file with its
SHA-256 (a history store with a digest of its snapshots), and the scheme's
canonical text. The command is run again, with the recorded scheme text if the
scheme it names has changed since, and every table is compared. A csv or ndjson
output holds rows but no command line: give the command that wrote it with
--command, and its rows (scheme fingerprint and snapshot date included) are
compared with that command's. Exit 0 and `identical: OUTPUT` when nothing
differs; exit 5 and one line per difference (an input whose SHA-256 is not the
recorded one, a scheme whose fingerprint changed, each row that differs)
otherwise.""",
)
@click.argument("output", type=click.Path(exists=True, dir_okay=False))
@click.option("--cases", help="The cases file to recompute from (default: the recorded one).")
@click.option("--staff", "staff_path", help="The staff file (default: the recorded one).")
@click.option(
    "--reductions", "reductions_path", help="The reductions file (default: the recorded one)."
)
@click.option(
    "--input",
    "named",
    multiple=True,
    metavar="KIND=FILE",
    help="Any other recorded input by its kind (mapping, responses, store, cases_2 for "
    "week's --previous, …); repeatable.",
)
@click.option(
    "--inputs-dir",
    metavar="DIR",
    type=click.Path(exists=True, file_okay=False),
    help="Look in DIR for each input that is not where it was, by its recorded SHA-256.",
)
@click.option(
    "--command",
    "command_line",
    metavar='"caseload …"',
    help="For a csv or ndjson OUTPUT (which records no command line): the command that "
    "wrote it, quoted as one argument; its inputs are the files it names.",
)
@debug_option
def verify(
    output: str,
    cases: str | None,
    staff_path: str | None,
    reductions_path: str | None,
    named: tuple[str, ...],
    inputs_dir: str | None,
    command_line: str | None,
) -> None:
    """Recompute OUTPUT from its inputs and say whether it is identical."""
    from caseload_cli.core.errors import EXIT_DIFFERS

    given = {"cases": cases, "staff": staff_path, "reductions": reductions_path}
    given = {kind: path for kind, path in given.items() if path}
    differences = _differences(output, {**given, **_named(named)}, inputs_dir, command_line)
    if not differences:
        click.echo(_one_line(f"identical: {output}"))
        return
    click.echo(_one_line(f"differs: {output}"))
    for line in differences:
        click.echo(_one_line(f"  {line}"))
    click.get_current_context().exit(EXIT_DIFFERS)


def _one_line(text: str) -> str:
    """A line of verify's verdict, terminal-safe (`render.cells.terminal_text`) and one
    line however the output's cells or paths were crafted (a newline shows as `\\n`)."""
    from caseload_cli.render.cells import terminal_text

    return terminal_text(text).replace("\n", "\\n")


def _differences(
    output: str, given: dict[str, str], inputs_dir: str | None, command_line: str | None
) -> list[str]:
    """Every difference between OUTPUT and the recorded (or given) command run again
    (none: identical)."""
    import tempfile

    from caseload_cli.core.errors import CaseloadError, UsageError
    from caseload_cli.reports.provenance import STORE
    from caseload_cli.reports.verify import (
        VERIFIABLE,
        check_inputs,
        check_scheme_texts,
        compare_stamps,
        compare_tables,
        read_output,
        store_as_recorded,
    )

    recorded = read_output(output)
    argv = _command_line(recorded, command_line, bool(given or inputs_dir))
    name, args = _command(argv)
    if name not in VERIFIABLE:
        raise UsageError(
            f"verify supports {', '.join(VERIFIABLE)}; {output} was written by "
            f"`caseload {name or '?'}`"
        )
    facts = recorded.provenance or {}
    located, differences = check_inputs(facts.get("inputs") or [], given, inputs_dir)
    differences += check_scheme_texts(facts.get("schemes") or [])
    with tempfile.TemporaryDirectory(prefix="caseload-verify-") as folder:
        again = f"{folder}/again.{recorded.fmt}"
        for entry in facts.get("inputs") or []:
            if entry["kind"] == STORE:  # later snapshots added since do not count
                located[STORE] = store_as_recorded(located[STORE], entry["rows"] or 0, folder)
        try:
            differences += _rerun(name, args, recorded, located, again, folder)
            now = read_output(again)
            skip: set[str] = set()
            if recorded.provenance is None:
                stamps, skip = compare_stamps(recorded.tables.get("rows", []), now.tables["rows"])
                differences += stamps
            else:
                differences += _fingerprints_changed(facts.get("schemes") or [], now.fingerprints())
            differences += compare_tables(recorded.tables, now.tables, skip)
        except CaseloadError as problem:
            if not differences:
                raise
            differences.append(f"recomputing failed: {problem}")  # the changed inputs said why
    return differences


def _command_line(recorded: Any, command_line: str | None, finding_inputs: bool) -> list[str]:
    """The command to run again: the one OUTPUT records, else the one given with
    --command (only for an output that records none, and then naming its own inputs)."""
    import shlex

    from caseload_cli.cli import COMMANDS
    from caseload_cli.core.errors import UsageError
    from caseload_cli.reports.verify import ROWS_ONLY

    output, argv = recorded.path, recorded.argv
    if argv is not None:
        if command_line is not None:
            raise UsageError(
                f"{output} records the command that wrote it ({shlex.join(argv)}): "
                "leave out --command"
            )
        return argv
    if command_line is None:
        holds = (
            "csv and ndjson hold rows, not a command line"
            if recorded.fmt in ROWS_ONLY
            else "it was made by library code"
        )
        raise UsageError(
            f"{output} records no command line ({holds}): give the command that wrote it, "
            f'e.g. --command "caseload load cases.csv --staff staff.csv --format {recorded.fmt}"'
        )
    if finding_inputs:
        raise UsageError(
            f"{output} records no inputs to look for: name the files in --command instead "
            "of --cases, --staff, --reductions, --input or --inputs-dir"
        )
    try:
        argv = shlex.split(command_line)
    except ValueError as problem:
        raise UsageError(f"--command: {problem}") from None
    if argv and argv[0] in COMMANDS:
        argv = ["caseload", *argv]
    if len(argv) < 2 or argv[1] not in COMMANDS:
        raise UsageError(
            f"--command {command_line!r} is not a caseload command line "
            '(e.g. "caseload load cases.csv --staff staff.csv --format csv")'
        )
    from caseload_cli.cli.common import note

    note(
        f"{output} records no inputs ({recorded.fmt}): recomputed from the files the command "
        "names, whose SHA-256 the output cannot confirm"
    )
    return argv


def _fingerprints_changed(recorded: list[dict[str, Any]], now: list[str]) -> list[str]:
    """Schemes whose fingerprint differs in the recomputation although none was replaced
    by its recorded text: safe levels derived from a survey (--safe-levels-from,
    --against) whose base scheme or responses changed."""
    lines = []
    for scheme, today in zip(recorded, now, strict=False):
        if today != scheme.get("fingerprint"):
            lines.append(
                f"scheme {scheme.get('name')}: fingerprint differs (recorded "
                f"{str(scheme.get('fingerprint'))[:12]}…, recomputed {today[:12]}…)"
            )
    return lines


def _command(argv: list[str]) -> tuple[str | None, list[str]]:
    """The sub-command of a recorded `caseload …` command line, and its arguments."""
    from caseload_cli.cli import COMMANDS

    for position, arg in enumerate(argv[1:], start=1):
        if arg in COMMANDS:
            return arg, argv[position + 1 :]
        if not arg.startswith("-"):
            return arg, argv[position + 1 :]
    return None, []


def _named(values: tuple[str, ...]) -> dict[str, str]:
    chosen = {}
    for value in values:
        kind, equals, path = value.partition("=")
        if not equals or not kind.strip() or not path:
            raise click.BadParameter(
                f"{value!r}: give KIND=FILE, e.g. mapping=mapping.toml", param_hint="'--input'"
            )
        chosen[kind.strip()] = path
    return chosen


def _rerun(
    name: str,
    args: list[str],
    recorded: Any,
    located: dict[str, str],
    output: str,
    folder: str,
) -> list[str]:
    """Run the recorded command again into `output` (the recorded format), from the
    located inputs; returns the scheme differences found on the way."""
    import contextlib
    import importlib
    import io

    from caseload_cli.cli import COMMANDS
    from caseload_cli.cli.options import LOG_KEY, QUIET_KEY
    from caseload_cli.core.errors import UsageError
    from caseload_cli.reports.provenance import input_path

    module, attribute, _ = COMMANDS[name]
    command = getattr(importlib.import_module(module), attribute)
    try:
        ctx = command.make_context(name, list(args))
    except click.ClickException as problem:
        raise UsageError(
            f"the recorded command line no longer parses ({problem.format_message()})"
        ) from None
    ctx.meta.pop(LOG_KEY, None)  # a recorded --log is not appended to
    ctx.meta[QUIET_KEY] = True
    params = ctx.params
    facts = recorded.provenance or {}
    inputs = facts.get("inputs") or []
    by_path = {_where(input_path(entry)): located[entry["kind"]] for entry in inputs}
    named = set()
    for key, value in list(params.items()):
        if isinstance(value, str) and value != "-" and _where(value) in by_path:
            params[key] = by_path[_where(value)]
            named.add(_where(value))
    implied = {entry["kind"] for entry in inputs if _where(input_path(entry)) not in named}
    if implied and implied <= set(_BUNDLED_PARAMS):  # the bundled sample, named by no option
        for kind in implied:
            params[_BUNDLED_PARAMS[kind]] = located[kind]
    derived = any(params.get(name) for name in _DERIVED)
    differences = [] if derived else _schemes(params, facts.get("schemes") or [], folder)
    source = facts.get("snapshot_source") or ""
    dated = "snapshot" in params and params["snapshot"] is None and facts.get("snapshot")
    if dated and source.startswith("today"):
        params["snapshot"] = facts["snapshot"]  # today's date then is not today's now
    forced = {
        "output_path": output,
        "output_format": recorded.fmt,
        "rejects_path": None,
        "strict": False,
        "quiet": True,
        "fail_on": None,
    }
    params.update({key: value for key, value in forced.items() if key in params})
    with ctx, contextlib.redirect_stderr(io.StringIO()):  # its notes and rejections: as before
        command.invoke(ctx)
    return differences


def _where(path: str) -> str:
    """A path as this machine resolves it, to match a recorded input with an option."""
    import os

    return os.path.realpath(path)


def _schemes(params: dict[str, Any], recorded: list[dict[str, Any]], folder: str) -> list[str]:
    """Compare the recorded schemes' fingerprints with what the recorded --scheme and --set
    give today; where they differ (or cannot be loaded), weigh with the recorded text."""
    from caseload_cli.core.errors import CaseloadError
    from caseload_cli.reports.verify import scheme_toml

    many = "schemes" in params
    named = list(params["schemes"] if many else [params.get("scheme")])
    try:
        if many:
            from caseload_cli.reports.scenarios import resolve_scenarios

            scenarios, _ = resolve_scenarios(tuple(named), tuple(params.get("overrides") or ()))
            now = [s.scheme.fingerprint for s in scenarios]
        else:
            from caseload_cli.scheme.model import load_scheme

            now = [load_scheme(named[0], tuple(params.get("overrides") or ())).fingerprint]
    except CaseloadError:
        now = [None] * len(recorded)
    wanted = [s.get("fingerprint") for s in recorded]
    if now == wanted or len(recorded) != len(named) or not all(s.get("text") for s in recorded):
        return []
    lines = []
    files = []
    for number, (scheme, given, today) in enumerate(zip(recorded, named, now, strict=True), 1):
        if today is not None and today != scheme["fingerprint"]:
            lines.append(
                f"scheme {scheme['name']}: fingerprint differs (recorded "
                f"{scheme['fingerprint'][:12]}…, --scheme {given} now gives {today[:12]}…); "
                "recomputed with the recorded scheme text"
            )
        path = f"{folder}/scheme{number}.toml"
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(scheme_toml(scheme["text"]))
        files.append(path)
    if many:
        params["schemes"] = tuple(files)
    else:
        params["scheme"] = files[0]
    params["overrides"] = ()
    return lines
