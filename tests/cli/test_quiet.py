"""-q and --log through the installed console script, as cron runs it.

README's "For scripts" promises that `-q` prints nothing when all is well, so each
command that has -q runs here as `caseload …` in a fresh process (with this checkout
first on PYTHONPATH, so the console script runs the code under test): exit 0,
empty stderr. Warnings and rejections still reach stderr under -q; --log FILE
keeps a copy of every line stderr would have carried, appended.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT, tiny_args

SAMPLE = ROOT / "sample_data"
WEEKS = SAMPLE / "weeks"
TEAM = "Greater Manchester WAFH 1"
ACCOUNTING = [
    "staff: 150 rows read: 150 accepted, 0 rejected",
    "reductions: 10 rows read: 8 applied, 2 not active on the snapshot date, 0 rejected",
    "3,308 rows read: 3,308 weighed, 0 rejected",
]
#: What a run without -q says first: the snapshot date and how it was chosen.
SNAPSHOT_NOTE = "note: snapshot date 2022-04-29 (from the cases' snapshot column)"
LOUD = [SNAPSHOT_NOTE, *ACCOUNTING]


def caseload(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`caseload ARGS` as a script runs it: the console script, no terminal."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "CASELOAD_DEBUG": "",
        "NO_COLOR": "1",
    }
    env.pop("COLUMNS", None)
    return subprocess.run(
        ["caseload", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_the_console_script_runs_this_checkout():
    done = caseload("load", "--help")
    assert done.returncode == 0, done.stderr
    assert "--log FILE" in done.stdout


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A two-week history store of the bundled weekly sample, added with -q."""
    folder = tmp_path_factory.mktemp("quiet") / "history"
    for day in ("2022-04-29", "2022-05-06"):
        week = WEEKS / day
        done = caseload(
            "history", "add", week / "cases.parquet", "--staff", week / "staff.parquet",
            "--reductions", week / "reductions.parquet", "--store", folder, "--scheme", "flat",
            "-q",
        )  # fmt: skip
        assert (done.returncode, done.stderr) == (0, "")
    return folder


COMMANDS = {
    "load": ("load", "--by", "team"),
    "compare": ("compare", "--scheme", "flat", "--scheme", "weighted-example"),
    "explain": ("explain", "W0003"),
    "sweep": ("sweep", "--scheme", "weighted-example", "--vary", "weights.case_type.r16_4=1,2"),
    "gap": ("gap",),
    "week (files)": (
        "week", WEEKS / "2022-05-06" / "cases.parquet",
        "--staff", WEEKS / "2022-05-06" / "staff.parquet",
        "--previous", WEEKS / "2022-04-29" / "cases.parquet",
        "--previous-staff", WEEKS / "2022-04-29" / "staff.parquet",
        "--team", TEAM,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_quiet_prints_nothing_on_stderr_on_clean_input(name):
    done = caseload(*COMMANDS[name], "-q")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout  # the report itself still goes to stdout


@pytest.mark.parametrize("command", ["week", "trend"])
def test_quiet_prints_nothing_reading_a_store(store, command):
    extra = ("--team", TEAM) if command == "week" else ()
    done = caseload(command, "--store", store, *extra, "--quiet")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout


@pytest.fixture(scope="module")
def clean_responses(tmp_path_factory) -> Path:
    """The bundled survey less its three deliberately implausible answers."""
    lines = (SAMPLE / "responses.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path_factory.mktemp("survey") / "responses.csv"
    path.write_text("".join(t for n, t in enumerate(lines, 1) if n not in BAD_ANSWERS), "utf-8")
    return path


BAD_ANSWERS = (152, 326, 434)


def test_quiet_survey_still_shows_the_bundled_surveys_rejections(clean_responses):
    done = caseload("survey", "-q")
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        f"rejected: 2 rows of {SAMPLE / 'responses.csv'}, safe_cases: safe_cases must be more "
        "than 0 and at most 60 (rows 152, 326; values '0', '75')",
        f"rejected: {SAMPLE / 'responses.csv'} row 434, safe_letters_per_day: "
        "safe_letters_per_day must be more than 0 and at most 20 (value '25')",
    ]
    for args in ((), ("--against", SAMPLE / "cases.csv", "--staff", SAMPLE / "staff.csv")):
        done = caseload("survey", clean_responses, *args, "-q")
        assert (done.returncode, done.stderr) == (0, ""), args
        assert done.stdout


def test_quiet_validate_prints_nothing_at_all():
    done = caseload("validate", "-q")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    loud = caseload("validate")
    assert loud.stdout == "No rejected rows: every row meets the data contract.\n"
    assert loud.stderr.splitlines() == LOUD


def test_quiet_history_add_and_sample(tmp_path):
    done = caseload("history", "add", "--store", tmp_path / "h", "-q")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert (tmp_path / "h").is_dir()
    done = caseload("sample", "--out", tmp_path / "s", "--workers", 5, "--format", "csv", "-q")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert (tmp_path / "s" / "cases.csv").exists()


def test_without_quiet_the_accounting_is_on_stderr():
    done = caseload("load", "--by", "national", "--format", "csv")
    assert done.returncode == 0
    assert done.stderr.splitlines() == LOUD


def test_log_appends_what_stderr_would_carry_and_never_truncates(tmp_path):
    log = tmp_path / "nightly.log"
    log.write_text("earlier run\n", encoding="utf-8")
    quiet = caseload("load", "--by", "national", "--format", "csv", "-q", "--log", log)
    assert (quiet.returncode, quiet.stderr) == (0, "")
    loud = caseload("load", "--by", "national", "--format", "csv", "--log", log)
    assert loud.stderr.splitlines() == LOUD
    assert log.read_text(encoding="utf-8").splitlines() == ["earlier run", *LOUD, *LOUD]


def test_log_keeps_notes_and_the_sample_summary(tmp_path):
    log = tmp_path / "log.txt"
    done = caseload("survey", "--format", "json", "-q", "--log", log)
    assert done.returncode == 0
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("note: no RESPONSES given; using the bundled synthetic survey ")
    assert lines[1:3] == done.stderr.splitlines()  # the rejections, on stderr under -q too
    assert lines[3:] == ["600 rows read: 597 used, 3 rejected (see --rejects FILE)"]
    out = tmp_path / "s"
    done = caseload("sample", "--out", out, "--workers", 5, "--format", "csv", "-q", "--log", log)
    assert (done.returncode, done.stderr) == (0, "")
    assert (
        log.read_text(encoding="utf-8")
        .splitlines()[-1]
        .startswith(f"sample: wrote 4 files to {out}")
    )


def test_log_that_cannot_be_written_is_a_usage_error(tmp_path):
    done = caseload("load", "-q", "--log", tmp_path)
    assert done.returncode == 2
    assert "--log" in done.stderr and "is a directory" in done.stderr


# --------------------------------------------------------------------------- rejections


@pytest.fixture
def bad_staff_row(tiny):
    """The tiny caseload with W001's contracted_hours typed as `37h` (its 3 cases and
    1 reduction go with it) and one case of an unknown worker."""
    staff = tiny["staff"].read_text(encoding="utf-8")
    tiny["staff"].write_text(staff.replace("fca,wafh,37\n", "fca,wafh,37h\n", 1), "utf-8")
    cases = tiny["cases"].read_text(encoding="utf-8")
    tiny["cases"].write_text(cases.replace("0000004,W002", "0000004,W999"), "utf-8")
    return tiny


def summary(tiny: dict[str, Path]) -> list[str]:
    return [
        f"rejected: {tiny['staff']} row 2, contracted_hours: contracted_hours is not a number "
        "(value '37h')",
        f"rejected:   3 case rows of worker W001 rejected because their staff row was rejected "
        f"({tiny['cases']} rows 2, 3, 4)",
        "rejected:   1 reduction row of worker W001 rejected because their staff row was "
        f"rejected ({tiny['reductions']} row 2)",
        f"rejected: {tiny['cases']} row 5, worker_id: worker_id is not in the staff file "
        "(value 'W999')",
    ]


def test_rejections_still_print_under_quiet_without_the_accounting(bad_staff_row, tmp_path):
    log = tmp_path / "log"
    done = caseload(*tiny_args("load", bad_staff_row), "--format", "csv", "-q", "--log", log)
    assert done.returncode == 0
    assert done.stderr.splitlines() == summary(bad_staff_row)
    assert log.read_text(encoding="utf-8").splitlines() == [
        "note: snapshot date 2022-04-30 (from the cases' snapshot column)",
        *summary(bad_staff_row),
        "staff: 5 rows read: 4 accepted, 1 rejected",
        "reductions: 3 rows read: 1 applied, 1 not active on the snapshot date, 1 rejected",
        "10 rows read: 6 weighed, 4 rejected (see --rejects FILE)",
    ]


def test_strict_under_quiet_prints_the_summary_and_the_error(bad_staff_row):
    done = caseload(*tiny_args("load", bad_staff_row), "--strict", "-q")
    assert done.returncode == 3
    assert done.stderr.splitlines() == [*summary(bad_staff_row), "Error: --strict: 6 rows rejected"]


def test_quiet_on_clean_tiny_input_is_silent(tiny):
    for command in ("load", "gap", "validate"):
        done = caseload(*tiny_args(command, tiny), "-q")
        assert (done.returncode, done.stderr) == (0, ""), command
