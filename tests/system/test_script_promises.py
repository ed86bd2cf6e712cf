"""README's "For scripts" promises, through the installed `caseload` console script as a
scheduled job runs it: no terminal, a standard input nobody writes to, this checkout
first on PYTHONPATH.

-q (nothing on stderr when all is well) and --log are asserted the same way in
tests/cli/test_quiet.py, and byte-identical outputs under other time zones and locales
for every command and format in tests/system/test_reproducible.py; the rest is here:
the exit codes, no prompts, atomic writes, the same bytes wherever and whenever a run
writes, the columns each export's JSON Schema pins, the stamp columns that end every
row, and `verify`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import jsonschema
import pyarrow.parquet as pq
import pytest
from conftest import CASES_CSV, REDUCTIONS_CSV, STAFF_CSV
from helpers import ROOT

from caseload_cli import schemas
from caseload_cli.core import errors
from caseload_cli.render.stamps import STAMP_FIELDS
from caseload_cli.scheme.model import load_scheme

TINY = ("cases.csv", "--staff", "staff.csv", "--reductions", "reductions.csv")


def caseload(*args: object, cwd: Path, stdin: int | None = subprocess.DEVNULL):
    """`caseload ARGS` as cron runs it; with `stdin=subprocess.PIPE` the input stays open
    and unwritten, so a prompt would wait (and time out) instead of reading end-of-file."""
    assert shutil.which("caseload"), "the caseload console script is not installed"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "CASELOAD_DEBUG": "",
        "NO_COLOR": "1",
    }
    env.pop("COLUMNS", None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        with subprocess.Popen(
            ["caseload", *map(str, args)], cwd=cwd, env=env, stdin=stdin, stdout=out, stderr=err
        ) as process:
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                raise AssertionError(f"caseload {args} waited for input") from None
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(
            process.args, process.returncode, out.read(), err.read().decode()
        )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "cases.csv").write_text(CASES_CSV, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF_CSV, encoding="utf-8")
    (tmp_path / "reductions.csv").write_text(REDUCTIONS_CSV, encoding="utf-8")
    return tmp_path


def scripts_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## For scripts")
    return text[start : text.index("\n## ", start + 3)]


# --------------------------------------------------------------------------- exit codes


def test_the_readme_lists_the_exit_codes_core_errors_defines():
    listed = re.findall(
        r"(\d)\s+(ok|error|usage|rows rejected|`--fail-on`|`verify`)", scripts_section()
    )
    codes = {name: value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    assert [int(code) for code, _ in listed] == sorted(codes.values()) == [0, 1, 2, 3, 4, 5]


def test_every_exit_code_as_documented(folder):
    """0 to 4 from `load`, then verify's 0 and 5; --fail-on still writes the report."""
    (folder / "bad_staff.csv").write_text(STAFF_CSV.replace(",37\n", ",37h\n", 1), "utf-8")
    runs = [
        (("load", *TINY, "-o", "loads.json", "-q"), 0, ""),
        (("load", "missing.csv", "--staff", "staff.csv"), 1, "Error: missing.csv: file not found\n"),
        (("load", *TINY, "--format", "xlsx"), 2, "Error: --format xlsx needs --output FILE\n"),
        (("load", "cases.csv", "--staff", "bad_staff.csv", "--strict", "-q"), 3, None),
        (("load", *TINY, "--fail-on", "green", "-q", "-o", "loads.csv"), 4,
         "Error: --fail-on green: 5 workers in band green or above\n"),
        (("verify", "loads.json"), 0, ""),
    ]  # fmt: skip
    for args, code, stderr in runs:
        done = caseload(*args, cwd=folder)
        assert done.returncode == code, (args, done.stderr)
        assert stderr is None or done.stderr == stderr, args
        if code == 3:
            assert done.stderr.endswith("Error: --strict: 4 rows rejected\n")
    assert (folder / "loads.csv").read_text(encoding="utf-8").startswith("worker_id,")  # 4: written
    (folder / "cases.csv").write_text(CASES_CSV.replace(",W002,", ",W001,", 1), encoding="utf-8")
    differs = caseload("verify", "loads.json", cwd=folder)
    assert differs.returncode == errors.EXIT_DIFFERS == 5
    assert differs.stdout.decode().startswith("differs: loads.json\n  input cases cases.csv: ")


# --------------------------------------------------------------------------- no prompts


def test_nothing_ever_prompts(folder, run):
    """Replacing an output, a sample's files and a stored snapshot, and removing one: each
    finishes with standard input open and unwritten."""
    (folder / "loads.csv").write_text("yesterday's export\n", encoding="utf-8")
    (folder / "made").mkdir()
    (folder / "made" / "cases.csv").write_text("an earlier sample\n", encoding="utf-8")
    store = ("--store", folder / "store", "--scheme", "flat", "-q")
    files = [folder / arg if arg.endswith(".csv") else arg for arg in TINY]
    assert run("history", "add", *files, *store).exit_code == 0  # in-process: the first add
    runs = [
        ("load", *TINY, "--format", "csv", "-o", "loads.csv", "-q"),
        ("sample", "--out", "made", "--workers", "6", "--format", "csv", "-q"),
        ("history", "add", *TINY, *store),
        ("history", "remove", "2022-04-30", "--store", "store"),
    ]
    for args in runs:
        done = caseload(*args, cwd=folder, stdin=subprocess.PIPE)
        assert done.returncode == 0, (args, done.stderr)
    assert (folder / "loads.csv").read_text(encoding="utf-8").startswith("worker_id,")
    assert (folder / "made" / "cases.csv").read_text(encoding="utf-8").startswith("case_id,")


# --------------------------------------------------------------------------- atomic writes


def test_outputs_are_replaced_whole_and_a_failed_run_leaves_them_as_they_were(folder):
    out = folder / "loads.csv"
    out.write_text("yesterday's export\n", encoding="utf-8")
    before = out.stat().st_ino
    assert caseload("load", *TINY, "-o", out, "-q", cwd=folder).returncode == 0
    assert out.stat().st_ino != before  # a new file renamed over the old one, not rewritten
    written = out.read_bytes()
    (folder / "bad_staff.csv").write_text(STAFF_CSV.replace(",37\n", ",37h\n", 1), "utf-8")
    for args, code in [
        (("load", "cases.csv", "--staff", "bad_staff.csv", "--strict", "-o", out, "-q"), 3),
        (("load", *TINY, "-o", out, "--rejects", out), 2),
    ]:
        assert caseload(*args, cwd=folder).returncode == code, args
        assert out.read_bytes() == written, args
    assert sorted(p.name for p in folder.iterdir()) == [
        "bad_staff.csv",
        "cases.csv",
        "loads.csv",
        "reductions.csv",
        "staff.csv",
    ]  # fmt: skip  (no temporary file left behind)


# --------------------------------------------------------------------------- same bytes


def test_the_same_inputs_give_the_same_bytes_wherever_written(folder, tmp_path_factory):
    """Parquet, whose writer could most easily embed a time or a path (every command and
    format, under other time zones and locales: tests/system/test_reproducible.py)."""
    fmt = "parquet"
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    for name in ("cases.csv", "staff.csv", "reductions.csv"):
        shutil.copy(folder / name, elsewhere / name)
    first = caseload("load", *TINY, "--by", "team", "-o", f"a.{fmt}", "-q", cwd=folder)
    second = caseload("load", *TINY, "--by", "team", "-o", f"b.{fmt}", "-q", cwd=elsewhere)
    assert first.returncode == second.returncode == 0
    assert (folder / f"a.{fmt}").read_bytes() == (elsewhere / f"b.{fmt}").read_bytes()


# --------------------------------------------------------------------------- columns and stamps


def test_columns_follow_the_export_schema_and_end_with_the_stamp(folder):
    """Per worker in csv and ndjson, per team in Parquet: the columns the export's JSON
    Schema pins, in its order, ending with scheme, scheme_version, scheme_fingerprint, unit
    and snapshot (plain text in Parquet); every ndjson record valid against the schema."""
    stamp = load_scheme("flat").stamp
    expected = ["flat", str(stamp.version), stamp.fingerprint, "cases", "2022-04-30"]
    assert list(STAMP_FIELDS) == [
        "scheme",
        "scheme_version",
        "scheme_fingerprint",
        "unit",
        "snapshot",
    ]

    def pinned(name: str, columns: list[str]) -> list[str]:
        schema = schemas.schema(name)
        varying = set(schema.get("x-varying", []))
        return [c for c in schema["x-columns"] if c not in varying or c in columns]

    done = caseload("load", *TINY, "--format", "csv", "-q", cwd=folder)
    rows = list(csv.reader(io.StringIO(done.stdout.decode())))
    assert rows[0] == pinned("load_worker", rows[0])
    assert rows[0][-5:] == list(STAMP_FIELDS)
    assert all(row[-5:] == expected for row in rows[1:])

    done = caseload("load", *TINY, "--format", "ndjson", "-q", cwd=folder)
    validator = jsonschema.Draft202012Validator(schemas.schema("load_worker"))
    for line in done.stdout.decode().splitlines():
        record = json.loads(line)
        validator.validate(record)
        assert list(record) == rows[0]
        assert list(record.items())[-5:] == list(zip(STAMP_FIELDS, expected, strict=True))

    assert (
        caseload("load", *TINY, "--by", "team", "-o", "t.parquet", "-q", cwd=folder).returncode == 0
    )
    table = pq.read_table(folder / "t.parquet")
    assert table.schema.names == pinned("load_team", table.schema.names)
    assert all(str(table.schema.field(name).type) == "string" for name in STAMP_FIELDS)
    first = table.select(list(STAMP_FIELDS)).to_pylist()[0]
    assert first == dict(zip(STAMP_FIELDS, expected, strict=True))


# --------------------------------------------------------------------------- verify


def test_verify_checks_a_csv_export_with_the_command_that_wrote_it(folder):
    """(A json export's verify, identical and differing, is in the exit codes above.)"""
    command = "caseload load " + " ".join(TINY) + " --format csv"
    with (folder / "loads.csv").open("wb") as out:  # a cron job's `caseload … > loads.csv`
        out.write(caseload(*command.split()[1:], "-q", cwd=folder).stdout)
    done = caseload("verify", "loads.csv", "--command", command, cwd=folder)
    assert (done.returncode, done.stdout) == (0, b"identical: loads.csv\n")
