"""The `caseload` command group.

Sub-commands live one per module in `caseload_cli.cli` and are imported
only when named, so `caseload --help` stays fast and never imports pandas
(command modules import the core lazily inside their callbacks).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import io
import os
import sys
import traceback

import click

from caseload_cli import __version__
from caseload_cli.cli.options import ARGV_KEY, DEBUG_KEY, debug_option
from caseload_cli.core.errors import EXIT_ERROR, CaseloadError

# name -> (module, attribute, one-line help shown by `caseload --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "load": ("caseload_cli.cli.load", "load", "Weigh cases and report load against capacity."),
    "validate": (
        "caseload_cli.cli.validate",
        "validate",
        "Check inputs against the data contract without reporting.",
    ),
    "schemes": (
        "caseload_cli.cli.schemes",
        "schemes",
        "List, show and check weighting schemes.",
    ),
    "sample": (
        "caseload_cli.cli.sample",
        "sample",
        "Generate synthetic, calibrated caseload exports.",
    ),
    "scorecard": (
        "caseload_cli.cli.scorecard",
        "scorecard",
        "Service-area pressure measures (saturation, duty, hubs, …), RAG-rated.",
    ),
    "verify": (
        "caseload_cli.cli.verify",
        "verify",
        "Recompute an output from its inputs and say whether it is identical.",
    ),
    "hubs": (
        "caseload_cli.cli.hubs",
        "hubs",
        "Cases eligible for the post-assessment hub, and the load each FCA would shed.",
    ),
    "compare": (
        "caseload_cli.cli.compare",
        "compare",
        "Compare weighting schemes side by side on the same data.",
    ),
    "explain": (
        "caseload_cli.cli.explain",
        "explain",
        "Show how one worker's load and capacity are made up.",
    ),
    "sweep": (
        "caseload_cli.cli.sweep",
        "sweep",
        "Vary scheme values over a range and summarise each.",
    ),
    "gap": ("caseload_cli.cli.gap", "gap", "FTE needed for a target load, and the gap."),
    "sensitivity": (
        "caseload_cli.cli.sensitivity",
        "sensitivity",
        "Rank disputed scheme settings by how much each moves the headline (a tornado).",
    ),
    "week": (
        "caseload_cli.cli.week",
        "week",
        "A team's caseload table this week, and what changed since last week.",
    ),
    "history": (
        "caseload_cli.cli.history",
        "history",
        "Keep weekly snapshots of validated inputs in a history store.",
    ),
    "trend": (
        "caseload_cli.cli.trend",
        "trend",
        "Each group's weekly load and band over a history store's snapshots.",
    ),
    "survey": (
        "caseload_cli.cli.survey",
        "survey",
        "Safe-caseload survey figures, and actual loads against them.",
    ),
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attribute)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Keep the command line as given, for the provenance every output carries."""
        ctx.meta.setdefault(ARGV_KEY, ("caseload", *args))
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        """Show user mistakes as one line and a documented exit code, not a traceback."""
        try:
            return super().invoke(ctx)
        except CaseloadError as problem:
            if ctx.meta.get(DEBUG_KEY) or _debug_from_env():
                traceback.print_exc()  # and still the documented exit code
            else:
                _say_error(problem)
            ctx.exit(problem.exit_code)
        except BrokenPipeError:
            _discard_stdout()
            ctx.exit(EXIT_ERROR)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, COMMANDS[n][2]) for n in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _say_error(problem: CaseloadError) -> None:
    """`Error: ...` on stderr made safe for a terminal (a did-you-mean can echo data) and
    copied to --log; if the log cannot take it, stderr still gets the error."""
    from caseload_cli.cli.common import say

    try:
        say(f"Error: {problem}", always=True)
    except CaseloadError:
        from caseload_cli.render.cells import terminal_text

        click.echo(terminal_text(f"Error: {problem}"), err=True)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  caseload load                                  # bundled sample data, flat scheme
  caseload load cases.xlsx --staff staff.csv --scheme weighted-example --by team
  caseload load cases.parquet --staff staff.parquet --format xlsx --output week47.xlsx
  caseload validate cases.csv --staff staff.csv
  caseload schemes list

Exit codes: 0 ok, 1 error, 2 usage, 3 rows rejected under --strict,
4 --fail-on band met, 5 verify found differences. Set CASELOAD_DEBUG=1
or pass --debug for tracebacks.""",
)
@click.version_option(__version__, "--version", prog_name="caseload")
@debug_option
def cli() -> None:
    """Weigh family-court caseload exports with a citable weighting scheme."""


def main() -> None:
    """Console entry point: a failed write (disk full, closed terminal) is one
    line and exit 1, not a traceback; a reader that stops early (`| head`) is a
    quiet exit 1 (docs/exit-codes.md)."""
    _guard_standard_streams()
    try:
        cli(prog_name="caseload")
    except OSError as problem:
        if "--debug" in sys.argv[1:] or _debug_from_env():
            raise
        if problem.errno == errno.EPIPE:
            _discard_stdout()
            sys.exit(EXIT_ERROR)
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.close()
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"Error: cannot write output: {problem.strerror or problem}\n")
            sys.stderr.flush()
        sys.exit(EXIT_ERROR)


class _ClosedStream(io.TextIOBase):
    """Stands for a standard stream the shell closed (`>&-`): writing to it fails with
    EBADF and a clear reason instead of being silently dropped."""

    def __init__(self, name: str):
        super().__init__()
        self._name = name

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._name

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, _text: str) -> int:
        raise OSError(errno.EBADF, f"{self._name} is closed")

    def flush(self) -> None:
        return None


def _guard_standard_streams() -> None:
    """Reopen closed descriptors 0-2 on the null device, so no file this run opens
    lands on them (a report written to fd 1 by accident); a closed stdout then fails
    the first write with "standard output is closed", a closed stderr stays silent and
    a closed stdin reads as empty."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if name == "stdout":
            sys.stdout = _ClosedStream("standard output")
        elif name == "stderr":
            sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        else:  # reading "-" then finds an empty input, and says so
            sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115


def _discard_stdout() -> None:
    """After a broken pipe: point stdout at the null device so the interpreter's final
    flush cannot fail again (Python's documented recipe for SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def _debug_from_env() -> bool:
    return os.environ.get("CASELOAD_DEBUG", "") not in ("", "0")
