"""`caseload schemes`: list, show and check weighting schemes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from caseload_cli.cli.options import debug_option, output_options, recorded_run, set_option

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions


@click.group(
    epilog="""\b
Examples:
  caseload schemes list
  caseload schemes show flat
  caseload schemes show weighted-example --format json
  caseload schemes check my-proposal.toml
  caseload schemes show flat --set weights.case_type.r16_4=1.5 --format toml""",
)
def schemes() -> None:
    """List, show and check weighting schemes (built-in names or TOML files)."""


@schemes.command("list", epilog="Example:\n\n    caseload schemes list --format json")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@debug_option
def list_schemes(output_format: str) -> None:
    """List the built-in schemes with version and fingerprint."""
    import json

    from tabulate import tabulate

    from caseload_cli.scheme.model import builtin_names, load_scheme

    loaded = [load_scheme(name) for name in builtin_names()]
    records = [
        {
            "name": s.model.name,
            "version": s.model.version,
            "unit": s.unit,
            "title": s.model.title,
            "fingerprint": s.fingerprint,
        }
        for s in loaded
    ]
    if output_format == "json":
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    rows = [{**r, "fingerprint": r["fingerprint"][:12]} for r in records]
    click.echo(tabulate(rows, headers="keys", tablefmt="simple", disable_numparse=True))


@schemes.command(
    "show",
    epilog="""\b
Examples:
  caseload schemes show flat
  caseload schemes show weights/my-scheme.toml --format json
  caseload schemes show flat --set weights.children.per_additional=0.25""",
)
@click.argument("scheme")
@set_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["toml", "json"]),
    default="toml",
    show_default=True,
    help="toml is the canonical form; json is what is fingerprinted.",
)
@debug_option
def show(scheme: str, overrides: tuple[str, ...], output_format: str) -> None:
    """Print a scheme in canonical form with its fingerprint."""
    import json

    from caseload_cli.scheme.model import load_scheme

    loaded = load_scheme(scheme, overrides)
    if output_format == "json":
        body = json.loads(loaded.canonical)
        click.echo(
            json.dumps(
                {"fingerprint": loaded.fingerprint, "scheme": body}, indent=2, ensure_ascii=False
            )
        )
        return
    click.echo(f"# fingerprint: sha256:{loaded.fingerprint}")
    click.echo(loaded.to_toml(), nl=False)


@schemes.command("check", epilog="Example:\n\n    caseload schemes check my-proposal.toml")
@click.argument("scheme")
@set_option
@debug_option
def check(scheme: str, overrides: tuple[str, ...]) -> None:
    """Validate a scheme file; exit 1 listing every problem with its path."""
    from caseload_cli.scheme.model import load_scheme

    loaded = load_scheme(scheme, overrides)
    click.echo(f"ok: {loaded.label} sha256:{loaded.fingerprint}")


@schemes.command(
    "diff",
    epilog="""\b
Examples:
  caseload schemes diff flat weighted-example
  caseload schemes diff weighted-example my-proposal.toml --format json
  caseload schemes diff flat flat --set 2.weights.case_type.r16_4=1.5
  caseload schemes diff flat weighted-example --all      # titles, sources, labels too

\b
Compares the canonical (fingerprinted) forms: every weight, threshold,
band and capacity setting that differs, with keys present on one side only
shown as (absent). Lists are compared item by item (bands.0, bands.1 ...).
Exit 0 whether or not the schemes differ.""",
)
@click.argument("left")
@click.argument("right")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="[N.]PATH=VALUE",
    help="Change a value in scheme N (1 = LEFT, 2 = RIGHT), or both without N.",
)
@click.option(
    "--all",
    "include_text",
    is_flag=True,
    help="Also list descriptive text: names, titles, sources, labels.",
)
@output_options
@debug_option
@recorded_run
def diff(
    left: str,
    right: str,
    overrides: tuple[str, ...],
    include_text: bool,
    run: RunOptions,
) -> None:
    """Show every setting that differs between two schemes (names or TOML files)."""
    from caseload_cli.reports.scenarios import resolve_scenarios
    from caseload_cli.scheme.diff import diff_report, diff_schemes

    (a, b), notes = resolve_scenarios([left, right], overrides)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    result = diff_schemes(a.scheme, b.scheme, include_text)
    run.write(diff_report(result, a.label, b.label))
