"""Same files, same bytes: every command in every format it writes, whatever the machine's
time zone and locale (issue 11, "dates without surprises").

Every command runs twice: once under TZ=Pacific/Kiritimati (UTC+14) and LC_ALL=C.UTF-8,
once under TZ=America/Adak (UTC-10) and LC_ALL=C, a day apart for most of every day, so
a local `date.today()` anywhere would show. Each zone is one fresh Python process (its
own hash seed too) that runs the whole list in turn (`helpers.run_batch`) on the tiny
hand-checked caseload. A command builds its report the same whatever the format (the
format only chooses the renderer `RunOptions.write` hands the report to), so each
command runs once per zone and writes its report in every format it offers through
the CLI's own writer; `schemes list` and `show`, which print without it, run once per
format. Exit codes, stdout, stderr and every file written must be byte-identical. The
list is checked against the CLI itself: a new command, or a new format of one, fails
here until it is covered. Inputs without a snapshot column fall back to today in
CASELOAD_TIMEZONE (the same in both runs), never the machine's date.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import CASES_CSV, REDUCTIONS_CSV, STAFF_CSV
from helpers import ROOT

from caseload_cli.cli import COMMANDS, cli
from caseload_cli.core.formats import OUTPUT_EXTENSIONS

ZONES = (
    {"TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8"},
    {"TZ": "America/Adak", "LC_ALL": "C"},
)
TINY = ("cases.csv", "--staff", "staff.csv", "--reductions", "reductions.csv")
RESPONSES = "respondent_id,team_type,role,law,safe_cases\n" + "".join(
    f"R{i:03d},wafh,fca,private,{14 + i % 7}\n" for i in range(12)
)
#: The tiny cases plus one row the contract rejects, so validate has a row to write.
BAD_CASES = CASES_CSV + "0000011,W001,private,s7,wafh,two,2022-01-10,2022-04-30,false,false\n"
#: Cases without a snapshot column: the date is today in CASELOAD_TIMEZONE.
NO_SNAPSHOT = (
    "\n".join(
        ",".join(line.split(",")[:7] + line.split(",")[8:]) for line in CASES_CSV.splitlines()
    )
    + "\n"
)

#: Every command that writes a report, as run here; each runs in every format it offers.
REPORTS = [
    ["load", *TINY, "--by", "team"],
    ["validate", "bad.csv", "--staff", "staff.csv"],
    ["compare", *TINY, "--scheme", "flat", "--scheme", "weighted-example"],
    ["explain", "W001", *TINY],
    ["sweep", *TINY, "--vary", "weights.case_type.s7=1:2:0.5"],
    ["sensitivity", *TINY, "--vary", "weights.case_type.s7=1:2"],
    ["gap", *TINY, "--by", "team"],
    ["week", "cases.csv", "--previous", "previous.csv", "--staff", "staff.csv"],
    ["hubs", *TINY],
    ["survey", "responses.csv"],
    ["trend", "--store", "store", "--by", "team"],
    ["scorecard", *TINY, "--by", "team"],
    ["history", "list", "--store", "store"],
    ["schemes", "list"],
    ["schemes", "show", "weighted-example"],
    ["schemes", "diff", "flat", "weighted-example"],
]
#: Other ways in (a store, a survey's levels, today's date) and the commands that write
#: no report; (command line, files or folders it writes).
OTHERS = [
    (["load", "undated.csv", "--staff", "staff.csv", "--format", "json"], []),
    (["load", *TINY, "--safe-levels-from", "responses.csv", "--format", "json"], []),
    (["week", "--store", "store", "--format", "json"], []),
    (["scorecard", "--store", "store", "--by", "team", "--format", "json"], []),
    (["survey", "responses.csv", "--against", "cases.csv", "--staff", "staff.csv"], []),
    (["history", "add", *TINY, "--store", "new-store", "--scheme", "flat"], []),
    (["history", "remove", "2022-04-23", "--store", "spare-store"], []),
    (["schemes", "check", "weighted-example"], []),
    (["sample", "--out", "made", "--workers", "12", "--seed", "3", "--survey"], ["made"]),
    (["load", *TINY, "--by", "team", "-o", "verified.json"], ["verified.json"]),
    (["verify", "verified.json"], []),
    (["load", *TINY, "--format", "csv", "-o", "verified.csv"], ["verified.csv"]),
    (["verify", "verified.csv", "--command", f"caseload load {' '.join(TINY)} --format csv"], []),
]


def _leaves(name: str, command: click.Command) -> dict[str, click.Command]:
    if isinstance(command, click.Group):
        return {
            leaf: found
            for sub, child in command.commands.items()
            for leaf, found in _leaves(f"{name} {sub}", child).items()
        }
    return {name: command}


def _every_command() -> dict[str, tuple[str, ...]]:
    """Each command (`schemes diff` for a group's) and the formats it offers (() for none)."""
    found: dict[str, tuple[str, ...]] = {}
    for name, (module, attribute, _) in COMMANDS.items():
        command = getattr(importlib.import_module(module), attribute)
        for leaf, leaf_command in _leaves(name, command).items():
            choice = [p for p in leaf_command.params if p.name == "output_format"]
            found[leaf] = tuple(choice[0].type.choices) if choice else ()
    return found


def _command_of(args: list[str]) -> str:
    return " ".join(args[:2]) if args[0] in ("history", "schemes") else args[0]


#: Commands that print their own output rather than a report (so run once per format).
PRINTING = ("schemes list", "schemes show")


def runs() -> list[tuple[list[str], list[str], dict[str, str | None] | None]]:
    """(command line, files it writes, {format: output path or None for stdout} when its
    report is written in every format it offers) for every command, then the rest."""
    offered = _every_command()
    extension = {fmt: ext for ext, fmt in reversed(OUTPUT_EXTENSIONS.items())}
    every: list[tuple[list[str], list[str], dict[str, str | None] | None]] = []
    for number, args in enumerate(REPORTS):
        formats = offered[_command_of(args)]
        if _command_of(args) in PRINTING:
            every += [([*args, "--format", fmt], [], {fmt: None}) for fmt in formats]
            continue
        paths = {
            fmt: None if fmt == "table" else f"out{number}{extension.get(fmt, '.' + fmt)}"
            for fmt in formats
        }
        every.append((args, [], paths))
    every += [(args, files, None) for args, files in OTHERS]
    return every


def _batched(args: list[str], files: list[str], formats: dict | None) -> dict:
    """One run as the batch runner takes it (`formats` only where the report is written
    in each; a printing command's format is on its command line)."""
    if formats is None or _command_of(args) in PRINTING:
        return {"args": args, "files": files}
    return {"args": args, "files": files, "formats": formats}


def test_the_list_covers_every_command_in_every_format():
    covered = {(_command_of(args), fmt) for args, _, formats in runs() for fmt in formats or ()}
    named = {_command_of(args) for args, _, _ in runs()}
    for command, formats in _every_command().items():
        assert command in named, f"caseload {command} is not run"
        for fmt in formats:
            assert (command, fmt) in covered, f"caseload {command} --format {fmt} is not written"
    assert len(covered) > 120


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The inputs, and a store of two weekly snapshots (copied, never rebuilt, so each
    zone reads the same manifests)."""
    root = tmp_path_factory.mktemp("inputs")
    (root / "cases.csv").write_text(CASES_CSV, encoding="utf-8")
    (root / "bad.csv").write_text(BAD_CASES, encoding="utf-8")
    (root / "undated.csv").write_text(NO_SNAPSHOT, encoding="utf-8")
    previous = CASES_CSV.replace("2022-04-30", "2022-04-23")
    (root / "previous.csv").write_text(previous, encoding="utf-8")
    (root / "staff.csv").write_text(STAFF_CSV, encoding="utf-8")
    (root / "reductions.csv").write_text(REDUCTIONS_CSV, encoding="utf-8")
    (root / "responses.csv").write_text(RESPONSES, encoding="utf-8")
    for cases in ("previous.csv", "cases.csv"):
        args = ["history", "add", str(root / cases), "--staff", str(root / "staff.csv"),
                "--store", str(root / "store"), "--scheme", "flat", "--scheme",
                "weighted-example", "-q"]  # fmt: skip
        added = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert added.exit_code == 0, added.stderr
    shutil.copytree(root / "store", root / "spare-store")
    return root


def _run_zone(folder: Path, zone: dict[str, str], where: Path) -> list[dict]:
    shutil.copytree(folder, where)
    batch = where.parent / f"{where.name}.batch.json"
    result = where.parent / f"{where.name}.result.json"
    every = [_batched(*run) for run in runs()]
    batch.write_text(json.dumps({"folder": str(where), "runs": every}), encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LANG", "LC_ALL")},
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "tests"), str(ROOT), os.environ.get("PYTHONPATH", "")]
        ),
        "CASELOAD_DEBUG": "",
        "NO_COLOR": "1",
        "CASELOAD_TIMEZONE": "Europe/London",
        "CASELOAD_PSEUDONYM_KEY": "a-key-long-enough-for-tests",
        **zone,
    }
    code = "from helpers import run_batch; run_batch()"
    done = subprocess.run(
        [sys.executable, "-c", code, str(batch), str(result)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(result.read_text(encoding="utf-8"))


def test_every_command_and_format_gives_the_same_bytes_in_any_time_zone(folder, tmp_path):
    with ThreadPoolExecutor(max_workers=len(ZONES)) as pool:
        zones = list(
            pool.map(
                lambda z: _run_zone(folder, ZONES[z], tmp_path / f"zone{z}"), range(len(ZONES))
            )
        )
    missing = hashlib.sha256(b"(missing)").hexdigest()
    for (args, _, _), first, second in zip(runs(), *zones, strict=True):
        line = "caseload " + " ".join(args)
        assert first["exit"] == 0, f"{line}: exit {first['exit']}\n{first['said']}"
        assert missing not in first["files"].values(), f"{line}: a file was not written"
        for part in ("exit", "stdout", "stderr", "files"):
            assert first[part] == second[part], f"{line}: {part} differs between time zones"
    said = {
        tuple(args): result["stdout"] for (args, _, _), result in zip(runs(), zones[0], strict=True)
    }
    for output in ("verified.json", "verified.csv"):  # verify agrees, in either zone
        verify = next(args for args in said if args[:2] == ("verify", output))
        assert said[verify] == hashlib.sha256(f"identical: {output}\n".encode()).hexdigest()


def test_the_fallback_date_is_today_in_the_configured_zone_not_the_machines(folder, tmp_path):
    from caseload_cli.core import clock

    shown = []
    for number, zone in enumerate(ZONES):
        where = tmp_path / f"zone{number}"
        shutil.copytree(folder, where)
        env = {**os.environ, "CASELOAD_TIMEZONE": "Europe/London", "NO_COLOR": "1", **zone}
        env.pop("COLUMNS", None)
        args = ["load", "undated.csv", "--staff", "staff.csv", "--format", "json"]
        done = subprocess.run(
            [shutil.which("caseload") or "caseload", *args],
            cwd=where,
            env=env,
            capture_output=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr.decode()
        shown.append((done.stdout, done.stderr))
    assert shown[0] == shown[1]
    metadata = json.loads(shown[0][0])["metadata"]
    assert metadata["snapshot_source"] == "today in Europe/London"
    assert metadata["snapshot"] == clock.today("Europe/London").isoformat()
    note = f"note: snapshot date {metadata['snapshot']} (today in Europe/London)"
    assert note in shown[0][1].decode()
