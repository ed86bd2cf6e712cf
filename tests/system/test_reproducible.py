"""Same files, same bytes: every command in every format, whatever the machine's time
zone and locale (issue 11, "dates without surprises").

Each command runs twice through the installed console script, once under
TZ=Pacific/Kiritimati (UTC+14) and LC_ALL=C.UTF-8, once under TZ=America/Adak
(UTC-10) and LC_ALL=C: the two are a day apart for most of every day, so a
local `date.today()` anywhere would show. stdout, stderr and any file written
must be byte-identical. Inputs without a snapshot column fall back to today in
CASELOAD_TIMEZONE (the same in both runs), never the machine's date.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import CASES_CSV, REDUCTIONS_CSV, STAFF_CSV

ZONES = (
    {"TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8"},
    {"TZ": "America/Adak", "LC_ALL": "C"},
)
TINY = ("cases.csv", "--staff", "staff.csv", "--reductions", "reductions.csv")
RESPONSES = "respondent_id,team_type,role,law,safe_cases\n" + "".join(
    f"R{i:03d},wafh,fca,private,{14 + i % 7}\n" for i in range(12)
)

#: (command line, file it writes or None): every command, and every format at least once.
RUNS = [
    (["load", *TINY, "--by", "team", "--format", "pdf", "-o", "out.pdf"], "out.pdf"),
    (["validate", *TINY], None),  # table
    (
        ["compare", *TINY, "--scheme", "flat", "--scheme", "weighted-example", "--format", "json"],
        None,
    ),
    (["explain", "W001", *TINY, "--format", "ndjson"], None),
    (["sweep", *TINY, "--vary", "weights.case_type.s7=1:2:0.5", "--format", "markdown"], None),
    (["gap", *TINY, "--by", "team", "--format", "html"], None),
    (
        [
            "week",
            "cases.csv",
            "--previous",
            "previous.csv",
            "--staff",
            "staff.csv",
            "-o",
            "week.xlsx",
        ],
        "week.xlsx",
    ),
    (["hubs", *TINY, "--format", "csv"], None),
    (["survey", "responses.csv", "--format", "parquet", "-o", "survey.parquet"], "survey.parquet"),
    (["trend", "--to", "2022-05-13", "--format", "json"], None),
    (["history", "add", *TINY, "--store", "store"], None),
    (["schemes", "list", "--format", "json"], None),
    (
        ["sample", "--out", "made", "--workers", "12", "--seed", "3", "--format", "csv"],
        "made/cases.csv",
    ),
]

#: Cases without a snapshot column: the date is today in CASELOAD_TIMEZONE.
NO_SNAPSHOT = (
    "\n".join(
        ",".join(line.split(",")[:7] + line.split(",")[8:]) for line in CASES_CSV.splitlines()
    )
    + "\n"
)


def _folder(root: Path) -> Path:
    root.mkdir()
    (root / "cases.csv").write_text(CASES_CSV, encoding="utf-8")
    (root / "undated.csv").write_text(NO_SNAPSHOT, encoding="utf-8")
    previous = CASES_CSV.replace("2022-04-30", "2022-04-23")
    (root / "previous.csv").write_text(previous, encoding="utf-8")
    (root / "staff.csv").write_text(STAFF_CSV, encoding="utf-8")
    (root / "reductions.csv").write_text(REDUCTIONS_CSV, encoding="utf-8")
    (root / "responses.csv").write_text(RESPONSES, encoding="utf-8")
    return root


def _run(args: list[str], written: str | None, folder: Path, zone: dict[str, str]) -> tuple:
    caseload = shutil.which("caseload")
    assert caseload, "the caseload console script is not installed"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LANG", "LC_ALL")},
        "CASELOAD_DEBUG": "",
        "NO_COLOR": "1",
        "CASELOAD_TIMEZONE": "Europe/London",
        "CASELOAD_PSEUDONYM_KEY": "a-key-long-enough-for-tests",
        **zone,
    }
    done = subprocess.run([caseload, *args], cwd=folder, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, (args, done.stderr.decode())
    return done.stdout, done.stderr, (folder / written).read_bytes() if written else b""


def test_every_command_and_format_gives_the_same_bytes_in_any_time_zone(tmp_path):
    formats = {"table", "csv", "json", "ndjson", "xlsx", "parquet", "markdown", "html", "pdf"}
    covered = {
        a[a.index("--format") + 1] if "--format" in a else (w or "x.table").rsplit(".", 1)[1]
        for a, w in RUNS
        if a[0] != "sample"
    }
    assert formats <= covered
    jobs = [
        (args, written, _folder(tmp_path / f"{n}-{z}"), zone)
        for n, (args, written) in enumerate(RUNS)
        for z, zone in enumerate(ZONES)
    ]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda job: _run(*job), jobs))
    for n, (args, _) in enumerate(RUNS):
        first, second = results[2 * n], results[2 * n + 1]
        assert first == second, f"caseload {' '.join(args)} differs between time zones"


def test_the_fallback_date_is_today_in_the_configured_zone_not_the_machines(tmp_path):
    from caseload_cli.core import clock

    folders = [_folder(tmp_path / f"{i}") for i in range(len(ZONES))]
    args = ["load", "undated.csv", "--staff", "staff.csv", "--format", "json"]
    runs = [_run(args, None, folder, zone) for folder, zone in zip(folders, ZONES, strict=True)]
    assert runs[0] == runs[1]
    metadata = json.loads(runs[0][0])["metadata"]
    assert metadata["snapshot_source"] == "today in Europe/London"
    assert metadata["snapshot"] == clock.today("Europe/London").isoformat()
    note = f"note: snapshot date {metadata['snapshot']} (today in Europe/London)"
    assert note in runs[0][1].decode()
