"""`caseload sample`: write synthetic, calibrated caseload exports.

Only click, the shared options and the generator's pandas-free limits are
imported here; numpy, pandas and the generator load inside the callback so
that listing commands stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from caseload_cli.cli.options import debug_option, quiet_option
from caseload_cli.synth.limits import (
    DEFAULT_PROFILE,
    FORMATS,
    MAX_RESPONDENTS,
    MAX_WEEKS,
    MAX_WORKERS,
    PROFILE_NAMES,
)


def _check_workers(_ctx: click.Context, _param: click.Parameter, value: int) -> int:
    if not 1 <= value <= MAX_WORKERS:
        raise click.BadParameter(f"must be from 1 to {MAX_WORKERS:,} (got {value}).")
    return value


@click.command(
    "sample",
    epilog="""\b
Examples:
  caseload sample --out sample_data/ --workers 150 --seed 7
  caseload sample --out /tmp/big --workers 50000 --format parquet
  caseload sample --profile april-2022 --out demo/
  caseload sample --out sample_data/ --workers 150 --seed 7 --mapped --survey
  caseload sample --out sample_data/weeks/ --workers 150 --seed 7 --weeks 8 --format parquet

\b
Writes cases, staff and reductions as CSV, xlsx and Parquet. The same seed
gives byte-identical files. Profiles reproduce published Cafcass snapshots
(see docs/sample-data.md). All names are synthetic.""",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write into (created if missing; files are replaced).",
)
@click.option(
    "--workers",
    type=int,
    default=150,
    show_default=True,
    callback=_check_workers,
    help="Staff to generate, managers included (about 12 per team, 4 teams per area).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=7,
    show_default=True,
    help="Random seed; the same seed gives the same files.",
)
@click.option(
    "--profile",
    type=click.Choice(PROFILE_NAMES),
    default=DEFAULT_PROFILE,
    show_default=True,
    help="Published snapshot to calibrate to ('default' is april-2022).",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice((*FORMATS, "all")),
    multiple=True,
    default=("all",),
    show_default=True,
    help="File format to write (repeatable).",
)
@click.option(
    "--mapped/--no-mapped",
    default=False,
    show_default=True,
    help="Also write mapping.toml and cases/staff files with an organisation's own headers.",
)
@click.option(
    "--dirty/--no-dirty",
    default=False,
    show_default=True,
    help="Also write dirty/ variants (BOM, cp1252, semicolons, bad rows) for validation demos.",
)
@click.option(
    "--survey/--no-survey",
    default=False,
    show_default=True,
    help="Also write responses.csv/.xlsx/.parquet, a safe-caseload survey that reproduces "
    "Napo's 2021 figures (see docs/survey.md).",
)
@click.option(
    "--respondents",
    type=click.IntRange(1, MAX_RESPONDENTS),
    default=600,
    show_default=True,
    help="Survey rows to write with --survey (0.5% of them deliberately implausible).",
)
@click.option(
    "--weeks",
    type=click.IntRange(1, MAX_WEEKS),
    default=None,
    help="Write a weekly series of this many snapshots, one folder per week "
    "(OUT/<date>/, week 0 is the single snapshot), and OUT/weeks.json with each "
    "week's opened, closed and moved cases, joiners and leavers.",
)
@quiet_option
@debug_option
def sample(out_dir: Path, workers: int, seed: int, quiet: bool, **options: Any) -> None:
    """Generate synthetic, calibrated caseload exports."""
    from caseload_cli.cli.common import note, say
    from caseload_cli.synth.sample import make_sample

    options["formats"] = tuple(options["formats"])
    run = make_sample(out_dir, workers, seed, **options)
    for text in run.notes:
        note(text, quiet=quiet)
    say(f"sample: {run.summary()}", quiet=quiet)
