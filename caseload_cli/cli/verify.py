"""`caseload verify OUTPUT`: recompute an output from its inputs and say whether it is identical."""

from __future__ import annotations

from typing import Any

import click

from caseload_cli.cli.options import debug_option

#: For an output made from the bundled sample: the parameter that names each input.
_BUNDLED_PARAMS = {"cases": "cases", "staff": "staff_path", "reductions": "reductions_path"}


@click.command(
    epilog="""\b
Examples:
  caseload load cases.csv --staff staff.csv --format json -o loads.json
  caseload verify loads.json                      # the recorded files, if unchanged
  caseload verify loads.json --cases cases.csv --staff staff.csv
  caseload verify loads.xlsx --inputs-dir received/   # find the inputs by their hashes

\b
OUTPUT is a json, xlsx or Parquet file written by load, compare, gap or week
(csv and ndjson hold no command line, so cannot be verified). Its provenance names
the command line, each input file with its SHA-256, and the scheme's canonical text.
The command is run again, with the recorded scheme text if the scheme it names has
changed since, and every table is compared. Exit 0 and `identical: OUTPUT` when
nothing differs; exit 5 and one line per difference (an input whose SHA-256 is not
the recorded one, a scheme whose fingerprint changed, each row that differs)
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
    help="Any other recorded input by its kind (mapping, responses, cases_2 for week's "
    "--previous, …); repeatable.",
)
@click.option(
    "--inputs-dir",
    metavar="DIR",
    type=click.Path(exists=True, file_okay=False),
    help="Look in DIR for each input that is not where it was, by its recorded SHA-256.",
)
@debug_option
def verify(
    output: str,
    cases: str | None,
    staff_path: str | None,
    reductions_path: str | None,
    named: tuple[str, ...],
    inputs_dir: str | None,
) -> None:
    """Recompute OUTPUT from its inputs and say whether it is identical."""
    from caseload_cli.core.errors import EXIT_DIFFERS

    given = {"cases": cases, "staff": staff_path, "reductions": reductions_path}
    given = {kind: path for kind, path in given.items() if path}
    differences = _differences(output, {**given, **_named(named)}, inputs_dir)
    if not differences:
        click.echo(f"identical: {output}")
        return
    click.echo(f"differs: {output}")
    for line in differences:
        click.echo(f"  {line}")
    click.get_current_context().exit(EXIT_DIFFERS)


def _differences(output: str, given: dict[str, str], inputs_dir: str | None) -> list[str]:
    """Every difference between OUTPUT and the recorded command run again (none: identical)."""
    import tempfile

    from caseload_cli.core.errors import CaseloadError, UsageError
    from caseload_cli.reports.verify import (
        VERIFIABLE,
        check_inputs,
        check_scheme_texts,
        compare_tables,
        read_output,
    )

    recorded = read_output(output)
    argv = recorded.argv
    if argv is None:
        raise UsageError(
            f"{output} records no command line (csv and ndjson hold none): verify a json, "
            "xlsx or parquet output, written by caseload 0.1.0 or later"
        )
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
        try:
            differences += _rerun(name, args, recorded, located, again, folder)
            differences += compare_tables(recorded.tables, read_output(again).tables)
        except CaseloadError as problem:
            if not differences:
                raise
            differences.append(f"recomputing failed: {problem}")  # the changed inputs said why
    return differences


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
    import importlib

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
    differences = _schemes(params, facts.get("schemes") or [], folder)
    source = facts.get("snapshot_source") or ""
    if params.get("snapshot") is None and facts.get("snapshot") and source.startswith("today"):
        params["snapshot"] = facts["snapshot"]  # today's date then is not today's now
    params.update(
        output_path=output, output_format=recorded.fmt, rejects_path=None, strict=False, quiet=True
    )
    if "fail_on" in params:
        params["fail_on"] = None
    with ctx:
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
