"""For every goal the benchmark misses: where the time goes, and what was tried.

Issue 12 asks that `bench/run.py` either meets each goal or shows, for a goal
it misses, the profile of the slow side and what has been tried. So each
missed check's measured command is run once more under pyinstrument (in a
fresh process, like the timed runs) and its heaviest functions by own time are
printed under the results, with the path of the full call tree and the
section of docs/performance.md that records what was tried and measured.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

TOP_LINES = 12
PERFORMANCE = "docs/performance.md"
#: Where docs/performance.md says what was tried for each goal (by TARGETS key).
TRIED = {
    "load_vs_duckdb_validated": "#goals-missed-and-what-it-would-take",
    "load_vs_duckdb": "#goals-missed-and-what-it-would-take",
    "load_vs_bare": "#goals-missed-and-what-it-would-take",
    "rss_vs_arrow": "#goals-missed-and-what-it-would-take",
    "csv_vs_duckdb_validated": "#goals-missed-and-what-it-would-take",
    "xlsx_vs_calamine": "#goals-missed-and-what-it-would-take",
    "trend_vs_duckdb": "#goals-missed-and-what-it-would-take",
    "compare_vs_one": "#goals-missed-and-what-it-would-take",
    "help_vs_click": "#--help-met",
}
_PERCENT = re.compile(r"^\s*\d+(\.\d+)?%")


@dataclass
class Profile:
    tree: Path  # pyinstrument's call tree (text)
    top: list[str]  # the heaviest functions by own time, as "12.3% name  file:line"


def profile_command(command: list[str], folder: Path, name: str) -> Profile | None:
    """One profiled run of `command` (a console script or `python script.py …`); None when
    pyinstrument is not installed or the run fails (the timed runs already passed)."""
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        return None
    target = command[1:] if command[0] == sys.executable else ["-m", "caseload_cli", *command[1:]]
    folder.mkdir(parents=True, exist_ok=True)
    session = folder / f"{name}.pyisession"
    tree = folder / f"{name}.txt"
    profiler = [sys.executable, "-m", "pyinstrument"]
    try:
        subprocess.run(
            [*profiler, "-r", "pyisession", "-o", str(session), *target],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        subprocess.run([*profiler, "--load", str(session), "-r", "text", "-o", str(tree)],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        flat = subprocess.run(
            [*profiler, "--load", str(session), "-r", "text", "-p", "flat",
             "-p", "time=percent_of_total", "-p", "color=false", "-p", "unicode=false"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    except subprocess.CalledProcessError:
        return None
    top = [line.strip() for line in flat.splitlines() if _PERCENT.match(line)][:TOP_LINES]
    return Profile(tree, top)


def missed_section(checks: list, folder: Path, profile: bool = True) -> str:
    """Markdown for the checks that missed their goal: each measured command's profile
    (once per command) and where docs/performance.md records what was tried."""
    missed = [check for check in checks if check.met is False]
    if not missed:
        return ""
    lines = ["", "### Goals missed: where the time goes and what was tried", ""]
    profiles: dict[tuple[str, ...], Profile | None] = {}
    for number, check in enumerate(missed, start=1):
        lines.append(f"**{check.what}, {check.size}** ({check.value:.2f}{check.unit}, goal ≤ "
                     f"{check.target:g}{check.unit})")  # fmt: skip
        tried = TRIED.get(check.key)
        if tried:
            lines.append(f"What was tried and measured: {PERFORMANCE}{tried}")
        if check.command and profile:
            key = tuple(check.command)
            repeated = key in profiles
            if not repeated:
                profiles[key] = profile_command(check.command, folder, f"missed_{number}")
            found = profiles[key]
            if repeated and found is not None:
                lines.append(f"The same command as above: `{found.tree}`.")
            elif found is None:
                lines.append("(no profile: `pip install pyinstrument`, or the profiled run failed)")
            else:
                lines.append(f"Own time of the slowest functions (full call tree: `{found.tree}`):")
                lines += ["", "```", *found.top, "```"]
        elif check.unit == "×" and "RSS" in check.what:
            lines.append("Memory has no time profile; see the memory notes there.")
        lines.append("")
    return "\n".join(lines)
