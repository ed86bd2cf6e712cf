"""The scorecard's published-against-generated table, in README.md and docs/scorecard.md.

    python docs/gen_scorecard_table.py            # rewrite both tables
    python docs/gen_scorecard_table.py --check    # exit 1 if either is stale

Makes the national-size sample (`caseload sample --workers 1700 --seed 7`) in a
scratch folder, runs `caseload scorecard` on it, and writes between the markers
each published measure's national value, then how many areas are above the
levels the board paper counts areas against. tests/cli/test_scorecard.py checks
both tables against the run in which it holds the figures to their tolerances.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ("README.md", "docs/scorecard.md")
START = "<!-- scorecard-vs-published: python docs/gen_scorecard_table.py -->"
END = "<!-- /scorecard-vs-published -->"
SAMPLE = ("--workers", "1700", "--seed", "7")
#: (measure, level, published number of areas above it, row label), April 2022 board paper.
AREAS_ABOVE = (
    ("fca_saturation_pct", 90, 5, "areas above 90% FCA saturation"),
    ("duty_cases", 100, 7, "areas above 100 duty cases"),
    ("days_to_allocation", 20, 7, "areas above 20 days to allocation"),
)


def _published(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


#: The published measures that count cases (the others are means and shares).
COUNTS = ("duty_cases",)


def _generated(key: str, value: float | None) -> str:
    """Counts as whole numbers, means and shares to one decimal."""
    if value is None:
        return "–"
    return f"{value:,.0f}" if key in COUNTS else f"{value:,.1f}"


def table(by_group: list[dict]) -> str:
    """The Markdown table from the scorecard's `by_group` section (json)."""
    sys.path.insert(0, str(ROOT))
    from caseload_cli.engine.scorecard import MEASURES, NATIONAL

    national = next(row for row in by_group if row["service_area"] == NATIONAL)
    areas = [row for row in by_group if row["service_area"] != NATIONAL]
    lines = [
        "| measure | published (April 2022) | generated (1,700 staff, seed 7) |",
        "|---|---:|---:|",
    ]
    for measure in MEASURES:
        if measure.published is not None:
            lines.append(
                f"| {measure.label} (`{measure.key}`) | {_published(measure.published)} "
                f"| {_generated(measure.key, national[measure.key])} |"
            )
    for key, level, published, label in AREAS_ABOVE:
        above = sum(1 for row in areas if (row[key] or 0) > level)
        lines.append(f"| {label} | {published} of 19 | {above} of {len(areas)} |")
    return "\n".join(lines) + "\n"


def generated() -> list[dict]:
    """The `by_group` section of `caseload scorecard` on the national-size sample."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    caseload = [sys.executable, "-m", "caseload_cli"]
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [*caseload, "sample", "--out", folder, *SAMPLE, "--format", "parquet", "-q"],
            check=True,
            env=env,
        )
        files = {name: str(Path(folder) / f"{name}.parquet") for name in ("cases", "staff")}
        done = subprocess.run(
            [*caseload, "scorecard", files["cases"], "--staff", files["staff"], "--reductions",
             str(Path(folder) / "reductions.parquet"), "--format", "json", "-q"],
            check=True, env=env, capture_output=True, text=True,
        )  # fmt: skip
    return json.loads(done.stdout)["sections"]["by_group"]


def between_markers(text: str, source: str) -> str:
    """The text between START and END in `text` (ValueError naming `source` if absent)."""
    try:
        begin = text.index(START) + len(START) + 1
        return text[begin : text.index(END, begin)]
    except ValueError:
        raise ValueError(f"{source}: no {START} … {END} block") from None


def main(argv: list[str]) -> int:
    check = "--check" in argv
    fresh = table(generated())
    stale = []
    for name in FILES:
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        current = between_markers(text, name)
        if current == fresh:
            continue
        stale.append(name)
        if not check:
            path.write_text(text.replace(f"{START}\n{current}", f"{START}\n{fresh}"), "utf-8")
    if check and stale:
        print(f"stale: {', '.join(stale)} (run python docs/gen_scorecard_table.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
