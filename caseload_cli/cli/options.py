"""Option decorators shared by every command, defined once (csvkit style).

Only click is imported here: commands must stay cheap to list. This module is
long because each shared option lives here with the code that bundles and checks
its values (the input bundle, --encoding per input, outputs that must not be inputs).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from caseload_cli.core.formats import INPUT_FORMATS, OUTPUT_FORMATS
from caseload_cli.core.vocabulary import DEFAULT_POPULATION, POPULATIONS, WHAT_IFS

DEBUG_KEY = "caseload.debug"
#: The command line as given (`caseload` and every argument), kept by the group.
ARGV_KEY = "caseload.argv"


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[DEBUG_KEY] = True
    return value


def debug_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_debug,
        help="Show the full traceback for errors (also CASELOAD_DEBUG=1).",
    )(command)


def _compose(*decorators: Callable[..., Any]) -> Callable[..., Any]:
    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


#: The inputs `--encoding INPUT=ENCODING` can name, and the parameter holding each path.
ENCODING_INPUTS = {
    "cases": "cases",
    "staff": "staff_path",
    "reductions": "reductions_path",
    "activities": "activities_path",
    "responses": "responses",
    "previous": "previous_cases",
    "previous-staff": "previous_staff",
    "previous-reductions": "previous_reductions",
    "against": "against",
    "safe-levels-from": "safe_levels_from",
    "counts": "counts_path",
    "fte": "fte_path",
}


read_options = _compose(
    click.option(
        "--input-format",
        type=click.Choice(INPUT_FORMATS),
        help="Read every input file as this format instead of guessing from its extension "
        "(for '-' the content is sniffed when this is not given).",
    ),
    click.option(
        "--encoding",
        "encoding",
        multiple=True,
        metavar="[INPUT=]ENCODING",
        help="Text encoding of CSV inputs (default: a UTF-16/UTF-32 byte-order mark, else "
        "UTF-8 with or without BOM, else cp1252). INPUT=ENCODING sets one input's, e.g. "
        "cases=utf-16 (repeatable; inputs: " + ", ".join(ENCODING_INPUTS) + ").",
    ),
    click.option(
        "--delimiter",
        help="CSV delimiter (default: sniffed among , ; tab |). Use 'tab' for a tab.",
    ),
    click.option(
        "--decimal",
        type=click.Choice([".", ","]),
        help="Decimal mark in CSV numbers (default: ',' when the delimiter is ';', else '.').",
    ),
    click.option("--sheet", help="xlsx sheet name or 1-based index (default: first visible)."),
    click.option(
        "--mapping",
        type=click.Path(exists=True, dir_okay=False),
        help="TOML file that renames your headers and recodes values (see docs).",
    ),
)

_READ_KEYS = ("input_format", "delimiter", "decimal", "sheet")
_SOURCE_KEYS = {
    "staff_path": "staff",
    "reductions_path": "reductions",
    "activities_path": "activities",
    "snapshot": "snapshot",
}


def _bundle_inputs(command: Callable[..., Any]) -> Callable[..., Any]:
    """Hand the callback one `source: InputOptions` instead of nine loose values."""

    @functools.wraps(command)
    def bundled(*args: Any, **kwargs: Any) -> Any:
        from caseload_cli.core.model import InputOptions, ReadOptions

        encoding, encodings = _encodings(kwargs.pop("encoding"), kwargs)
        reading = ReadOptions(
            **{key: kwargs.pop(key) for key in _READ_KEYS},
            encoding=encoding,
            encodings=encodings,
        )
        named = {field: kwargs.pop(key) for key, field in _SOURCE_KEYS.items() if key in kwargs}
        kwargs["source"] = InputOptions(
            **named,
            mapping=kwargs.pop("mapping"),
            reading=reading,
            what_if=kwargs.pop("what_if", None),
        )
        return command(*args, **kwargs)

    return bundled


def _encodings(
    given: tuple[str, ...] | str | None, params: dict[str, Any]
) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """`--encoding cp1252 --encoding cases=utf-16` (or `cases=utf-16,staff=cp1252`) ->
    the encoding of every input, and (path, encoding) for the inputs named. Unknown
    encodings and inputs are usage errors; an input this run does not read is ignored."""
    import codecs

    values = (given,) if isinstance(given, str) else given or ()
    default: str | None = None
    chosen: list[tuple[str, str]] = []
    for value in values:
        for part in value.split(","):
            name, equals, encoding = part.strip().rpartition("=")
            name, encoding = name.strip().lower(), encoding.strip()
            if not encoding:
                raise click.BadParameter(
                    f"{part.strip()!r}: give ENCODING or INPUT=ENCODING, e.g. cases=utf-16",
                    param_hint="'--encoding'",
                )
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise click.BadParameter(
                    f"unknown encoding {encoding!r}", param_hint="'--encoding'"
                ) from None
            if not equals:
                default = encoding
                continue
            if name not in ENCODING_INPUTS:
                from caseload_cli.core.suggest import did_you_mean

                hint = did_you_mean(name, list(ENCODING_INPUTS), quote=True)
                raise click.BadParameter(
                    f"unknown input {name!r}{' (' + hint + ')' if hint else ''}; "
                    f"use one of {', '.join(ENCODING_INPUTS)}",
                    param_hint="'--encoding'",
                )
            path = params.get(ENCODING_INPUTS[name])
            if path:
                chosen.append((path, encoding))
    return default, tuple(chosen)


def input_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The read options (--input-format … --mapping), bundled with --staff, --reductions
    and --snapshot where the command has them, as `source: InputOptions`."""
    return read_options(_bundle_inputs(command))


staff_options = _compose(
    click.option(
        "--staff",
        "staff_path",
        help="Staff export (CSV, xlsx, Parquet). Required with a cases file.",
    ),
    click.option(
        "--reductions",
        "reductions_path",
        help="Optional reductions export (hours or percent, with reasons).",
    ),
    click.option(
        "--activities",
        "activities_path",
        help="Optional activities export: work that is not a case (worker_id, activity, "
        "count or hours, optional weeks or from/to), weighed by the scheme's [activities].",
    ),
    click.option(
        "--snapshot",
        help="Date the caseload is taken at (YYYY-MM-DD or DD/MM/YYYY); "
        "default: the cases' snapshot column, else today in --timezone.",
    ),
    click.option(
        "--timezone",
        metavar="ZONE",
        expose_value=False,
        callback=lambda ctx, _param, value: _use_timezone(ctx, value),
        help="Time zone whose today is the snapshot date when neither --snapshot nor the "
        "cases give one (an IANA name; default: CASELOAD_TIMEZONE, else Europe/London; "
        "never the machine's own).",
    ),
)


def _use_timezone(ctx: click.Context, value: str | None) -> str | None:
    """--timezone (else a set CASELOAD_TIMEZONE), checked at once and used for this
    command's "today" (`core.clock`); a bad zone is a usage error with close names."""
    import os

    from caseload_cli.core import clock

    if value is None:
        if os.environ.get(clock.ZONE_VARIABLE, "").strip():
            clock.zone_name()  # a bad CASELOAD_TIMEZONE fails now, not only on the fallback
        return value
    ctx.with_resource(clock.choose_zone(value))
    return value


#: --pseudonymise on every command that exports worker IDs (reports.privacy).
pseudonymise_option = click.option(
    "--pseudonymise/--no-pseudonymise",
    default=False,
    help="Replace worker IDs and names with keyed pseudonyms (W- + 12 hex characters of "
    "HMAC-SHA256 keyed with CASELOAD_PSEUDONYM_KEY): the same key gives the same pseudonym "
    "in every command and week.",
)

#: --min-group N on roll-ups (reports.privacy, engine.suppress).
min_group_option = click.option(
    "--min-group",
    "min_group",
    type=int,
    default=None,
    metavar="N",
    help="Blank the figures of roll-up groups with fewer than N workers, and of one more "
    "group where only one would be blank, so it cannot be worked out from the total "
    "(default: off; see docs/security.md).",
)

set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Change one scheme value inline, e.g. weights.case_type.r16_4=1.5 (repeatable).",
)

scheme_option = _compose(
    click.option(
        "--scheme",
        default="flat",
        show_default=True,
        help="Built-in scheme name (see `caseload schemes list`) or a TOML file.",
    ),
    set_option,
)

population_option = click.option(
    "--population",
    type=click.Choice(POPULATIONS),
    default=DEFAULT_POPULATION,
    show_default=True,
    help="Who is counted: FCAs and locum FCAs (as published; managers holding cases are "
    "listed apart, never in team capacity), or all staff. See docs/population.md.",
)


#: `--what-if post-assessment-hub`: read into `source: InputOptions` by `_bundle_inputs`,
#: so every library function that reads inputs applies it.
what_if_option = click.option(
    "--what-if",
    "what_if",
    type=click.Choice(WHAT_IFS),
    default=None,
    help="Report as if every case eligible for the post-assessment hub (report filed, "
    "next hearing 6+ weeks away or not listed) had moved there (see `caseload hubs`).",
)


QUIET_KEY = "caseload.quiet"
LOG_KEY = "caseload.log"


def _remember(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A callback keeping an option's value in ctx.meta, where `cli.common.say` reads it."""

    def remember(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value:
            ctx.meta[key] = value
        return value

    return remember


#: -q and --log: what stderr carries, and where a copy of it goes (cli/common.py `say`).
quiet_option = _compose(
    click.option(
        "--quiet",
        "-q",
        is_flag=True,
        callback=_remember(QUIET_KEY),
        help="Nothing on stderr when all is well: no progress, notes or accounting "
        "(warnings and rejected rows still print; --log keeps every line).",
    ),
    click.option(
        "--log",
        "log_path",
        metavar="FILE",
        type=click.Path(dir_okay=False, writable=True),
        expose_value=False,
        callback=_remember(LOG_KEY),
        help="Append every line stderr would carry (notes, rejections, accounting) to FILE "
        "(UTF-8), with or without -q.",
    ),
)

#: Parameters that name a file or folder a command reads, and what to call it in an error.
_INPUT_PARAMS = {
    "cases": "cases input",
    "responses": "survey responses",
    "staff_path": "staff input",
    "reductions_path": "reductions input",
    "activities_path": "activities input",
    "mapping": "mapping file",
    "previous_cases": "--previous cases input",
    "previous_staff": "--previous-staff input",
    "previous_reductions": "--previous-reductions input",
    "safe_levels_from": "--safe-levels-from survey responses",
    "against": "--against cases input",
    "counts_path": "--counts input",
    "fte_path": "--fte input",
    "store_path": "history store",
    "left": "scheme file",
    "right": "scheme file",
}
#: Parameters that name a file or folder a command writes, by their option.
_OUTPUT_PARAMS = {
    "output_path": "--output",
    "rejects_path": "--rejects",
    "log_path": "--log",
    "store": "--store",
}
_SCHEME_PARAMS = ("scheme", "schemes")
_CHECKED_KEY = "caseload.outputs_checked"


def _check_outputs(command: Callable[..., Any]) -> Callable[..., Any]:
    """Before any work: refuse an output path that is (or links to) an input or another
    output of the same run (`core.files.check_output_paths`). `history add`'s --store
    is an output folder; every other --store is read."""

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if not ctx.meta.get(_CHECKED_KEY):
            ctx.meta[_CHECKED_KEY] = True
            from caseload_cli.core.files import check_output_paths

            log = ctx.meta.get(LOG_KEY) or ctx.params.get("log_path")  # --log: not a param
            outputs, inputs = _run_paths({**ctx.params, "log_path": log})
            try:
                check_output_paths(outputs, inputs)
            except Exception:
                ctx.meta.pop(
                    LOG_KEY, None
                )  # a refused --log path is never written, not even the error
                raise
        return command(*args, **kwargs)

    return checked


def _run_paths(params: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The run's outputs by option and inputs by what they are, from the command's
    parameters (scheme arguments count only when they name a file)."""
    import os

    outputs = {label: params.get(name) for name, label in _OUTPUT_PARAMS.items()}
    if outputs["--store"] and not _may_hold_snapshots(outputs["--store"]):
        del outputs["--store"]  # a folder that is no store: its own error says so
    inputs = [(label, params.get(name)) for name, label in _INPUT_PARAMS.items()]
    inputs = [
        (label, path)
        for label, path in inputs
        if path and (label != "scheme file" or os.path.isfile(path))
    ]
    for name in _SCHEME_PARAMS:
        value = params.get(name)
        for scheme in (value,) if isinstance(value, str) else value or ():
            if os.path.isfile(scheme):
                inputs.append(("scheme file", scheme))
    return outputs, inputs


def _may_hold_snapshots(folder: str) -> bool:
    """A history store, or a folder that is not there yet: what `history add` writes into
    (any other folder is refused by the store itself, exit 1, before anything is written)."""
    import os

    from caseload_cli.store.layout import MARKER

    return not os.path.exists(folder) or os.path.isfile(os.path.join(folder, MARKER))


validation_options = _compose(
    click.option(
        "--rejects",
        "rejects_path",
        type=click.Path(dir_okay=False, writable=True),
        help="Write rejected rows with file, row, column and reason to this CSV.",
    ),
    click.option("--strict", is_flag=True, help="Exit 3 if any row is rejected."),
    _check_outputs,
)

output_options = _compose(
    click.option(
        "--format",
        "output_format",
        type=click.Choice(OUTPUT_FORMATS),
        default=None,
        help="Output format (default: table, or from --output's extension).",
    ),
    click.option(
        "--output",
        "-o",
        "output_path",
        type=click.Path(dir_okay=False, writable=True),
        help="Write to this file (atomically) instead of standard output.",
    ),
    _check_outputs,
)


def _parse_columns(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[str, ...] | None:
    """`a, b,c` -> ("a", "b", "c"); empty or repeated names are usage errors at once
    (names the table lacks are found when the report is written, before any output)."""
    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(","))
    if not any(names):
        raise click.BadParameter("give at least one column name, e.g. worker_id,name,band")
    if "" in names:
        raise click.BadParameter(f"empty column name in {value!r}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise click.BadParameter(f"{', '.join(repeated)} named more than once")
    return names


column_options = _compose(
    click.option(
        "--wide",
        is_flag=True,
        help="Every column in the terminal table and Markdown. By default, on a terminal "
        "(or with COLUMNS set) they show a manager view that fits the width and name "
        "what it hides; pipes and files get every column.",
    ),
    click.option(
        "--columns",
        metavar="A,B,…",
        callback=_parse_columns,
        help="Exactly these columns of the main table, in this order, in every format "
        "(e.g. worker_id,name,weighted_load,band). CSV, NDJSON and Parquet keep the stamp columns.",
    ),
)


def view_option(views: tuple[str, ...], help: str) -> Callable[..., Any]:
    """`--view TABLE`: which of a report's tables comes first (and is the one csv, ndjson
    and parquet hold); the first view is the default."""
    return click.option(
        "--view",
        type=click.Choice(views),
        default=views[0],
        show_default=True,
        help=f"{help} (for csv/ndjson/parquet, which hold one table).",
    )


def by_option(levels: tuple[str, ...], default: str, help: str) -> Callable[..., Any]:
    """`--by LEVEL`: the levels a command can group by, from core.vocabulary."""
    return click.option(
        "--by", type=click.Choice(levels), default=default, show_default=True, help=help
    )


@dataclass(frozen=True)
class RunOptions:
    """--format, --output, --wide, --columns, --rejects, --strict and --quiet as one
    value: what a command does with its rejected rows and its report. (--log, and -q
    again, live in ctx.meta, where `cli.common.say` reads them for every stderr line.)"""

    output_format: str | None = None
    output_path: str | None = None
    rejects_path: str | None = None
    strict: bool = False
    quiet: bool = False
    wide: bool = False
    columns: tuple[str, ...] | None = None
    #: The command line as given (`caseload load …`), recorded in the output's provenance.
    argv: tuple[str, ...] | None = None
    #: The history store the command reads (--store), hashed into the provenance.
    store: str | None = None

    def checked_format(self) -> str:
        """The format to write, checked before any work (xlsx needs --output …)."""
        from caseload_cli.render.report import output_format

        return output_format(self.output_format, self.output_path)

    def on_validated(self, **show: bool) -> Callable[[Any], None]:
        """The hook report builders call with validated inputs: show and write the
        rejections, then enforce --strict."""
        from caseload_cli.cli.common import report_rejections

        def report(valid: Any) -> None:
            report_rejections(valid, self.rejects_path, self.strict, notes=not self.quiet, **show)

        return report

    def write(self, report: Any) -> None:
        """Write `report` with the run's provenance: the input files read while the
        command ran (`reports.provenance`), the store it read, and the command line."""
        from caseload_cli.render.report import write_report
        from caseload_cli.reports.provenance import attach_run

        report = attach_run(report, self.argv, self.store)
        write_report(
            report, self.output_format, self.output_path, wide=self.wide, columns=self.columns
        )


#: Options naming where a run writes: left out of the recorded command line, so the same
#: command writing elsewhere gives the same bytes (verify writes where it likes).
_WRITTEN = ("--output", "-o", "--rejects", "--log")


def recorded_argv(argv: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The command line as given, without the output options and their values."""
    if argv is None:
        return None
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in _WRITTEN:
            skip = True
            continue
        if arg.startswith(tuple(f"{name}=" for name in _WRITTEN if name.startswith("--"))):
            continue
        if arg.startswith("-o") and not arg.startswith("--") and len(arg) > 2:
            continue  # -oFILE
        kept.append(arg)
    return tuple(kept)


_RUN_KEYS = ("output_format", "output_path", "rejects_path", "strict", "quiet", "wide", "columns")


def recorded_run(command: Callable[..., Any]) -> Callable[..., Any]:
    """Hand the callback `run: RunOptions` (from whichever of --format, --output,
    --rejects, --strict, -q, --wide and --columns the command has, its command line and
    its --store) and record the input files it reads, so `run.write` gives the report
    the same provenance as every other command's."""

    @functools.wraps(command)
    def bundled(*args: Any, **kwargs: Any) -> Any:
        argv = recorded_argv(click.get_current_context().meta.get(ARGV_KEY))
        given = {key: kwargs.pop(key) for key in _RUN_KEYS if key in kwargs}
        store = kwargs.get("store_path") or kwargs.get("store")
        run = RunOptions(**given, argv=argv, store=store)
        run.checked_format()  # before any work: an xlsx to the terminal fails at once
        from caseload_cli.reports.provenance import recording

        with recording():  # the input files the command reads, for `run.write`
            return command(*args, **{**kwargs, "run": run})

    return bundled


#: What every command that reads a caseload ends with: how to read it (`source`), what
#: to do with rejected rows, where to write and how quietly (`run`), and --debug.
run_options = _compose(
    input_options,
    validation_options,
    output_options,
    column_options,
    quiet_option,
    debug_option,
    recorded_run,
)


def selection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--team, --service-area and --worker (each repeatable) as one `selection: Selection`:
    the whole file is still validated; the report is about the selection."""

    @functools.wraps(command)
    def bundled(*args: Any, **kwargs: Any) -> Any:
        from caseload_cli.engine.selection import Selection

        chosen = Selection(kwargs.pop("teams"), kwargs.pop("service_areas"), kwargs.pop("workers"))
        return command(*args, **kwargs, selection=chosen)

    return _compose(
        click.option(
            "--team",
            "teams",
            multiple=True,
            metavar="TEAM",
            help="Report on this team only (repeatable); other teams' cases are not rejected.",
        ),
        click.option(
            "--service-area",
            "service_areas",
            multiple=True,
            metavar="AREA",
            help="Report on this service area only (repeatable).",
        ),
        click.option(
            "--worker",
            "workers",
            multiple=True,
            metavar="ID",
            help="Report on this worker only (repeatable).",
        ),
    )(bundled)
