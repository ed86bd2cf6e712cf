"""One `caseload sample` run: generate, check the request fits, write, summarise.

The command's callback only parses options and prints; the decisions (which
formats "all" means, when a too-long table is an error rather than a note,
whether the survey is added) live here, where they can be called and tested
without click.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from caseload_cli.core.errors import UsageError
from caseload_cli.synth import responses, write
from caseload_cli.synth.activities import write_activities
from caseload_cli.synth.generate import generate
from caseload_cli.synth.limits import DEFAULT_PROFILE, FORMATS, MIN_DIRTY_CASES
from caseload_cli.synth.weeks import WeeklySeries

__all__ = ["SampleRun", "chosen_formats", "make_sample", "write_weeks"]


@dataclass(frozen=True)
class SampleRun:
    """What one run wrote, for the summary line."""

    out_dir: Path
    paths: list[Path]
    notes: list[str]
    rows: dict[str, int]  # cases, staff, reductions (and responses with the survey)
    profile: str
    seed: int
    weeks: list[str] | None = None  # snapshot dates of a weekly series

    def summary(self) -> str:
        """'wrote 21 files to out (3,248 cases, ...; profile april-2022, seed 7)'."""
        counts = ", ".join(
            f"{self.rows[name]:,} {label}"
            for name, label in (
                ("cases", "cases"),
                ("staff", "staff"),
                ("reductions", "reductions"),
                ("responses", "survey responses"),
            )
            if name in self.rows
        )
        series = ""
        if self.weeks:
            series = (
                f"{len(self.weeks)} weekly snapshots {self.weeks[0]} to {self.weeks[-1]}, week 0: "
            )
        return (
            f"wrote {len(self.paths)} files to {self.out_dir} "
            f"({series}{counts}; profile {self.profile}, seed {self.seed})"
        )


def chosen_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The formats to write, in FORMATS order; none given or "all" means every one."""
    if not formats or "all" in formats:
        return FORMATS
    write.check_formats(formats)
    return tuple(f for f in FORMATS if f in formats)


def make_sample(
    out_dir: str | os.PathLike[str],
    workers: int,
    seed: int,
    profile: str = DEFAULT_PROFILE,
    formats: Sequence[str] = ("all",),
    *,
    mapped: bool = False,
    dirty: bool = False,
    survey: bool = False,
    respondents: int = 600,
    weeks: int | None = None,
) -> SampleRun:
    """Generate a sample and write it to `out_dir`, as `caseload sample` does.

    Asking for xlsx by name when the cases do not fit in a worksheet, or for
    the dirty variants with fewer than 30 cases, raises `UsageError` before
    anything is written; with "all" a too-long table just gets no xlsx file
    and a note. With `weeks`, the snapshots go to one folder per week (see
    `write_weeks`); the survey, if asked for, stays in `out_dir`.
    """
    chosen = chosen_formats(formats)
    frames = generate(workers, seed, profile)
    rows = {name: len(frame) for name, frame in frames.items()}
    if "xlsx" in formats and rows["cases"] > write.XLSX_MAX_ROWS:
        raise UsageError(
            f"--format xlsx: {rows['cases']:,} cases do not fit in an xlsx sheet "
            f"({write.XLSX_MAX_ROWS:,} rows); use --format csv or parquet, or fewer --workers."
        )
    if dirty and rows["cases"] < MIN_DIRTY_CASES:
        raise UsageError(f"--dirty needs at least {MIN_DIRTY_CASES} cases; use more --workers.")
    notes: list[str] = []
    dates = None
    if weeks:
        try:
            series = WeeklySeries(frames, seed, weeks, profile)
        except ValueError as problem:
            raise UsageError(f"--weeks {weeks}: {problem}.") from problem
        paths, dates = write_weeks(series, out_dir, chosen, mapped=mapped, dirty=dirty, notes=notes)
    else:
        paths = write.write_sample(frames, out_dir, chosen, mapped=mapped, dirty=dirty, notes=notes)
        paths += write_activities(frames, seed, Path(out_dir), chosen, notes)
    if survey:
        answers = responses.generate_responses(respondents, seed)
        paths += responses.write_responses(answers, out_dir, chosen)
        rows["responses"] = len(answers)
    return SampleRun(Path(out_dir), paths, notes, rows, profile, seed, dates)


def write_weeks(
    series: WeeklySeries,
    out_dir: str | os.PathLike[str],
    formats: Sequence[str],
    *,
    mapped: bool = False,
    dirty: bool = False,
    notes: list[str] | None = None,
) -> tuple[list[Path], list[str]]:
    """Write each week to `out_dir/<YYYY-MM-DD>/` as it is made, then `out_dir/weeks.json`.

    `weeks.json` lists every week's date and counts (cases, staff,
    reductions, opened, closed, moved, joiners, leavers, and who joined or
    left), so a reader can check that last week's cases + opened - closed =
    this week's cases. Returns the paths written and the dates.
    """
    paths: list[Path] = []
    rows = []
    for week in series:
        folder = Path(out_dir) / week.date
        paths += write.write_sample(
            week.frames, folder, formats, mapped=mapped, dirty=dirty, notes=notes
        )
        rows.append({"week": week.index, "snapshot": week.date, **week.counts})
        rows[-1] |= {"joined": week.joined, "left": week.left}
    index = {"seed": series.seed, "profile": series.profile, "weeks": rows}
    paths.append(write.write_weeks_index(out_dir, index))
    return paths, [row["snapshot"] for row in rows]
