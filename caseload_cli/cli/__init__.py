"""The `caseload` command group.

Sub-commands live one per module in `caseload_cli.cli` and are imported
only when named, so `caseload --help` stays fast and never imports pandas
(command modules import the core lazily inside their callbacks).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import traceback

import click

from caseload_cli import __version__
from caseload_cli.cli.options import DEBUG_KEY, debug_option
from caseload_cli.core.errors import CaseloadError

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

    def invoke(self, ctx: click.Context):
        """Show user mistakes as one line and a documented exit code, not a traceback."""
        try:
            return super().invoke(ctx)
        except CaseloadError as problem:
            if ctx.meta.get(DEBUG_KEY) or _debug_from_env():
                traceback.print_exc()  # and still the documented exit code
            else:
                click.echo(f"Error: {problem}", err=True)
            ctx.exit(problem.exit_code)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(0)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, COMMANDS[n][2]) for n in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


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
4 --fail-on band met. Set CASELOAD_DEBUG=1 or pass --debug for tracebacks.""",
)
@click.version_option(__version__, "--version", prog_name="caseload")
@debug_option
def cli() -> None:
    """Weigh family-court caseload exports with a citable weighting scheme."""


def main() -> None:
    """Console entry point: a failed write (disk full, closed terminal) is one
    line and exit 1, not a traceback."""
    try:
        cli(prog_name="caseload")
    except OSError as problem:
        if "--debug" in sys.argv[1:] or _debug_from_env():
            raise
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.close()
        sys.stderr.write(f"Error: cannot write output: {problem.strerror or problem}\n")
        sys.exit(1)


def _debug_from_env() -> bool:
    return os.environ.get("CASELOAD_DEBUG", "") not in ("", "0")
