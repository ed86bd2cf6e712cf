"""Provenance in every output, and `caseload verify`: recompute an output from its
inputs and say `identical` (exit 0) or list what differs (exit 5)."""

from __future__ import annotations

import hashlib
import json
import shutil

import pyarrow.parquet as pq
import pytest
from helpers import ROOT

from caseload_cli.core.errors import EXIT_DIFFERS
from caseload_cli.core.files import file_sha256
from caseload_cli.scheme.model import load_scheme

SAMPLE = ROOT / "sample_data"


@pytest.fixture
def files(tiny):
    """The tiny hand-checked cases, staff and reductions, in a folder of their own."""
    return tiny["cases"].parent


def inputs_args(folder):
    return [
        folder / "cases.csv",
        "--staff",
        folder / "staff.csv",
        "--reductions",
        folder / "reductions.csv",
    ]


def test_json_carries_the_full_provenance(run, files):
    out = files / "loads.json"
    result = run("load", *inputs_args(files), "--by", "team", "--format", "json", "-o", out)
    assert result.exit_code == 0, result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    facts = document["provenance"]
    assert list(facts) == [
        "export_schema_version",
        "tool",
        "argv",
        "snapshot",
        "snapshot_source",
        "inputs",
        "schemes",
    ]
    assert facts["export_schema_version"] == document["export_schema_version"] == "1"
    assert facts["tool"]["name"] == "caseload_cli"
    # as given, without where it was written (the same command elsewhere: the same bytes)
    assert facts["argv"] == ["caseload", "load", *map(str, inputs_args(files)), "--by", "team",
                             "--format", "json"]  # fmt: skip
    assert facts["snapshot"] == document["metadata"]["snapshot"]
    assert facts["snapshot_source"]
    kinds = {entry["kind"]: entry for entry in facts["inputs"]}
    assert list(kinds) == ["cases", "staff", "reductions"]
    for kind, entry in kinds.items():
        assert entry["path"] == str(files / f"{kind}.csv")
        assert entry["bundled"] is False
        assert entry["sha256"] == file_sha256(str(files / f"{kind}.csv"))
    assert kinds["cases"]["rows"] == document["accounting"]["rows_read"]
    assert kinds["staff"]["rows"] == document["accounting"]["staff_rows_read"]
    (scheme,) = facts["schemes"]
    assert scheme["fingerprint"] == document["scheme"]["fingerprint"]
    assert hashlib.sha256(scheme["text"].encode()).hexdigest() == scheme["fingerprint"]


def test_bundled_inputs_are_named_relative_to_the_sample(run):
    document = json.loads(run("load", "--by", "national", "--format", "json").stdout)
    paths = [(e["kind"], e["path"], e["bundled"]) for e in document["provenance"]["inputs"]]
    assert paths == [
        ("cases", "cases.csv", True),
        ("staff", "staff.csv", True),
        ("reductions", "reductions.csv", True),
    ]


def test_the_recorded_command_line_leaves_out_where_outputs_go():
    from caseload_cli.cli.options import recorded_argv

    given = ("caseload", "load", "c.csv", "-o", "x.json", "--output=y", "-oz", "--log", "l",
             "--rejects", "r.csv", "--by", "team")  # fmt: skip
    assert recorded_argv(given) == ("caseload", "load", "c.csv", "--by", "team")


def test_parquet_and_xlsx_carry_the_provenance(run, files):
    out = files / "loads.parquet"
    assert run("load", *inputs_args(files), "-o", out).exit_code == 0
    metadata = pq.read_table(out).schema.metadata
    facts = json.loads(metadata[b"caseload.provenance"])
    assert facts["inputs"][0]["sha256"] == file_sha256(str(files / "cases.csv"))
    assert metadata[b"caseload.export_schema_version"] == b"1"

    from openpyxl import load_workbook

    book = files / "loads.xlsx"
    assert run("load", *inputs_args(files), "-o", book).exit_code == 0
    about = {
        row[0]: row[1]
        for row in load_workbook(book, read_only=True)["about"].iter_rows(
            min_row=2, values_only=True
        )
    }
    assert about["input.cases"] == str(files / "cases.csv")
    assert about["input.cases.sha256"] == file_sha256(str(files / "cases.csv"))
    assert about["export_schema_version"] == "1"
    assert about["argv"].startswith("caseload load ")
    assert hashlib.sha256(about["scheme_text"].encode()).hexdigest() == about["scheme_fingerprint"]


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_human_formats_show_the_snapshot_and_inputs(run, files, fmt):
    text = run("load", *inputs_args(files), "--by", "national", "--format", fmt).stdout
    assert "Snapshot: 2022-04-30 (" in text
    assert "(export schema 1)" in text
    digest = file_sha256(str(files / "cases.csv"))
    assert f"Input cases: {files / 'cases.csv'}, " in text
    assert f"sha256:{digest}" in text
    assert "Command: caseload load " in text


@pytest.mark.parametrize(
    ("args", "fmt"),
    [(("load", "--by", "team"), "xlsx"), (("week",), "json")],
)
def test_verify_says_identical_for_the_bundled_sample(run, tmp_path, args, fmt):
    out = tmp_path / f"out.{fmt}"
    assert run(*args, "-o", out, "-q").exit_code == 0
    result = run("verify", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"identical: {out}\n"


def test_verify_names_a_changed_input_and_the_rows_it_changes(run, files):
    out = files / "teams.json"
    assert run("load", *inputs_args(files), "--by", "team", "-o", out, "-q").exit_code == 0
    recorded = file_sha256(str(files / "cases.csv"))
    lines = (files / "cases.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    first = lines[1].rstrip("\n").split(",")
    first[header.index("children")] = str(int(first[header.index("children")]) + 3)
    lines[1] = ",".join(first) + "\n"
    (files / "cases.csv").write_text("".join(lines), encoding="utf-8")
    now = file_sha256(str(files / "cases.csv"))

    result = run("verify", out)
    assert result.exit_code == EXIT_DIFFERS == 5
    shown = result.stdout.splitlines()
    assert shown[0] == f"differs: {out}"
    assert shown[1] == (
        f"  input cases {files / 'cases.csv'}: sha256 differs "
        f"(recorded {recorded[:12]}…, now {now[:12]}…)"
    )
    assert len(shown) == 3
    assert shown[2].startswith("  table rows row ")
    assert "children " in shown[2] and " → " in shown[2]


def test_verify_lists_an_edited_row(run, tmp_path):
    out = tmp_path / "teams.json"
    assert run("load", "--by", "team", "-o", out, "-q").exit_code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    team = document["rows"][0]["team"]
    cases = document["rows"][0]["cases"]
    document["rows"][0]["cases"] = cases + 1
    out.write_text(json.dumps(document), encoding="utf-8")
    result = run("verify", out)
    assert result.exit_code == 5
    assert result.stdout == (
        f"differs: {out}\n  table rows row 1 (team {team}): cases {cases + 1} → {cases}\n"
    )


def test_verify_detects_a_changed_scheme_and_weighs_with_the_recorded_text(run, files):
    scheme = files / "ours.toml"
    scheme.write_text(load_scheme("flat").to_toml(), encoding="utf-8")
    out = files / "loads.json"
    args = ("load", *inputs_args(files), "--scheme", scheme, "-o", out, "-q")
    assert run(*args).exit_code == 0
    recorded = load_scheme(str(scheme)).fingerprint
    text = scheme.read_text(encoding="utf-8").replace("r16_4 = 1.0", "r16_4 = 1.5")
    scheme.write_text(text, encoding="utf-8")
    now = load_scheme(str(scheme)).fingerprint
    assert now != recorded

    result = run("verify", out)
    assert result.exit_code == 5
    assert result.stdout == (
        f"differs: {out}\n  scheme flat: fingerprint differs (recorded {recorded[:12]}…, "
        f"--scheme {scheme} now gives {now[:12]}…); recomputed with the recorded scheme text\n"
    )


def test_verify_finds_moved_inputs_by_option_or_by_hash(run, files, tmp_path_factory):
    out = files / "loads.parquet"
    assert run("load", *inputs_args(files), "-o", out, "-q").exit_code == 0
    moved = tmp_path_factory.mktemp("received")
    for name in ("cases.csv", "staff.csv", "reductions.csv"):
        shutil.move(files / name, moved / f"copy of {name}")

    result = run("verify", out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: input cases ({files / 'cases.csv'}) cannot be read again: "
        "give it with --cases FILE\n"
    )
    assert run("verify", out, "--inputs-dir", moved).stdout == f"identical: {out}\n"
    given = run(
        "verify",
        out,
        "--cases",
        moved / "copy of cases.csv",
        "--staff",
        moved / "copy of staff.csv",
        "--reductions",
        moved / "copy of reductions.csv",
    )
    assert given.exit_code == 0, given.output
    assert given.stdout == f"identical: {out}\n"


def test_verify_refuses_commands_it_cannot_recompute(run, tmp_path):
    out = tmp_path / "snapshots.json"
    store = tmp_path / "history"
    assert run("history", "add", "--store", store, "--scheme", "flat", "-q").exit_code == 0
    assert run("history", "list", "--store", store, "-o", out).exit_code == 0
    result = run("verify", out)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: verify supports load, compare, gap, week, trend, scorecard, hubs, explain, "
        f"sweep, survey, validate; {out} was written by `caseload history`\n"
    )


def test_verify_refuses_csv_without_a_command_and_other_formats(run, tmp_path):
    out = tmp_path / "loads.csv"
    assert run("load", "-o", out, "-q").exit_code == 0
    result = run("verify", out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {out} records no command line (csv and ndjson hold rows, not a command "
        'line): give the command that wrote it, e.g. --command "caseload load cases.csv '
        '--staff staff.csv --format csv"\n'
    )
    page = tmp_path / "loads.html"
    assert run("load", "-o", page, "-q").exit_code == 0
    refused = run("verify", page)
    assert refused.exit_code == 2
    assert refused.stderr.startswith(
        "Error: verify reads json, xlsx, parquet, csv, ndjson outputs;"
    )


def test_library_calls_record_provenance_when_asked():
    from caseload_cli.render.report import render
    from caseload_cli.reports.inputs import bundled_inputs
    from caseload_cli.reports.load import run_load
    from caseload_cli.reports.provenance import recording

    with recording() as recorded:
        report = run_load(bundled_inputs(), load_scheme("flat")).report
    report = recorded.attach(report, ["my-script"])
    facts = json.loads(render(report, "json"))["provenance"]
    assert facts["argv"] == ["my-script"]
    assert [e["kind"] for e in facts["inputs"]] == ["cases", "staff", "reductions"]
    plain = json.loads(render(run_load(bundled_inputs(), load_scheme("flat")).report, "json"))
    assert plain["provenance"]["inputs"] == [] and plain["provenance"]["argv"] is None


def test_verify_week_from_files_names_last_weeks_cases_and_says_why_it_cannot_recompute(
    run, tmp_path
):
    weeks = SAMPLE / "weeks"
    before, now = sorted(p.name for p in weeks.iterdir() if p.is_dir())[:2]
    for day in (before, now):
        shutil.copy(weeks / day / "cases.parquet", tmp_path / f"cases_{day}.parquet")
    shutil.copy(weeks / now / "staff.parquet", tmp_path / "staff.parquet")
    out = tmp_path / "week.json"
    args = (tmp_path / f"cases_{now}.parquet", "--previous", tmp_path / f"cases_{before}.parquet")
    assert run("week", *args, "--staff", tmp_path / "staff.parquet", "-o", out, "-q").exit_code == 0
    recorded = json.loads(out.read_text(encoding="utf-8"))["provenance"]["inputs"]
    assert [e["kind"] for e in recorded] == ["cases", "staff", "cases_2"]
    shutil.copy(tmp_path / f"cases_{before}.parquet", tmp_path / "old.parquet")
    assert run("verify", out, "--input", f"cases_2={tmp_path / 'old.parquet'}").exit_code == 0

    result = run("verify", out, "--cases", tmp_path / f"cases_{before}.parquet")
    assert result.exit_code == 5
    assert result.stdout.splitlines()[-1] == (
        f"  recomputing failed: --previous is as at {before}, not before {before}: "
        "give last week's export"
    )


# --------------------------------------------------------------------------- validate


def test_validate_outputs_carry_the_same_provenance_as_load(run, files):
    outputs = {}
    for command in ("load", "validate"):
        out = files / f"{command}.json"
        assert run(command, *inputs_args(files), "-o", out, "-q").exit_code == 0
        outputs[command] = json.loads(out.read_text(encoding="utf-8"))["provenance"]
    given = ["caseload", "validate", *map(str, inputs_args(files)), "-q"]
    assert outputs["validate"]["argv"] == given
    for key in ("export_schema_version", "tool", "snapshot", "snapshot_source", "inputs"):
        assert outputs["validate"][key] == outputs["load"][key], key
    assert [e["kind"] for e in outputs["validate"]["inputs"]] == ["cases", "staff", "reductions"]
    assert outputs["validate"]["schemes"] == outputs["load"]["schemes"]


@pytest.mark.parametrize("fmt", ["xlsx", "parquet", "markdown"])
def test_validate_records_inputs_in_every_format(run, files, fmt):
    out = files / f"problems.{fmt}"
    assert run("validate", *inputs_args(files), "-o", out, "-q").exit_code == 0
    digest = file_sha256(str(files / "cases.csv"))
    if fmt == "markdown":
        text = out.read_text(encoding="utf-8")
        assert f"Input cases: {files / 'cases.csv'}, 10 rows, sha256:{digest}" in text
        assert "Command: caseload validate " in text
    else:
        assert run("verify", out).stdout == f"identical: {out}\n"


def test_verify_recomputes_validate_and_lists_a_new_rejection(run, files):
    out = files / "problems.json"
    assert run("validate", *inputs_args(files), "-o", out, "-q").exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["rows"] == []
    lines = (files / "staff.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    first = lines[1].rstrip("\n").split(",")
    first[header.index("contracted_hours")] = "37h"
    lines[1] = ",".join(first) + "\n"
    (files / "staff.csv").write_text("".join(lines), encoding="utf-8")
    result = run("verify", out)
    assert result.exit_code == 5
    shown = result.stdout.splitlines()
    assert shown[1].startswith(f"  input staff {files / 'staff.csv'}: sha256 differs (recorded ")
    assert shown[2].startswith("  table rows: 0 rows in the output, ")


# --------------------------------------------------------------------------- --safe-levels-from


def test_safe_levels_responses_are_an_input_of_load(run, files):
    shutil.copy(SAMPLE / "responses.csv", files / "responses.csv")
    out = files / "loads.json"
    args = ("load", *inputs_args(files), "--safe-levels-from", files / "responses.csv")
    assert run(*args, "-o", out, "-q").exit_code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    kinds = {entry["kind"]: entry for entry in document["provenance"]["inputs"]}
    assert list(kinds) == ["cases", "staff", "reductions", "responses"]
    assert kinds["responses"] == {
        "kind": "responses",
        "path": str(files / "responses.csv"),
        "bundled": False,
        "sha256": file_sha256(str(files / "responses.csv")),
        "rows": 600,
    }
    assert run("verify", out).stdout == f"identical: {out}\n"

    recorded_levels = document["provenance"]["schemes"][0]["fingerprint"]
    with open(files / "responses.csv", "a", encoding="utf-8") as more:
        more.writelines(f"R9{n:02d},fca,wafh,private,A3,37,3,\n" for n in range(40))
    result = run("verify", out)
    assert result.exit_code == 5
    shown = result.stdout.splitlines()
    assert shown[0] == f"differs: {out}"
    assert shown[1].startswith(f"  input responses {files / 'responses.csv'}: sha256 differs ")
    assert shown[2].startswith(
        f"  scheme flat: fingerprint differs (recorded {recorded_levels[:12]}…, recomputed "
    )
    assert any(" napo_safe_load " in line for line in shown[3:])


def test_safe_levels_from_standard_input_record_the_bytes_read(run, files):
    data = (SAMPLE / "responses.csv").read_bytes()
    args = ("load", *inputs_args(files), "--safe-levels-from", "-", "--format", "json", "-q")
    document = json.loads(run(*args, input=data).stdout)
    responses = document["provenance"]["inputs"][-1]
    assert responses == {
        "kind": "responses",
        "path": "-",
        "bundled": False,
        "sha256": hashlib.sha256(data).hexdigest(),
        "rows": 600,
    }


@pytest.mark.parametrize(
    ("args", "fmt"),
    [
        (("load",), "json"),
        (("compare", "--scheme", "flat", "--scheme", "weighted-example"), "xlsx"),
        (("gap", "--by", "service_area"), "parquet"),
        (("sweep", "--vary", "weights.case_type.r16_4=1:2:0.5"), "json"),
        (("hubs",), "parquet"),
        (("explain", "W001"), "xlsx"),
        (("scorecard", "--by", "team"), "json"),
        (("validate",), "parquet"),
    ],
    ids=lambda value: value if isinstance(value, str) else value[0],
)
def test_every_command_that_weighs_inputs_can_be_verified(run, tiny, tmp_path, args, fmt):
    out = tmp_path / f"out.{fmt}"
    given = (tiny["cases"], "--staff", tiny["staff"], "--reductions", tiny["reductions"])
    assert run(*args, *given, "-o", out, "-q").exit_code == 0
    result = run("verify", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"identical: {out}\n"


def test_survey_can_be_verified(run, tmp_path):
    shutil.copy(SAMPLE / "responses.csv", tmp_path / "responses.csv")
    out = tmp_path / "survey.json"
    assert run("survey", tmp_path / "responses.csv", "-o", out, "-q").exit_code == 0
    assert run("verify", out).stdout == f"identical: {out}\n"


def test_verify_lines_cannot_drive_the_terminal_or_forge_a_line(run, tmp_path):
    out = tmp_path / "teams.json"
    assert run("load", "--by", "team", "-o", out, "-q").exit_code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    team = document["rows"][0]["team"]
    document["rows"][0]["team"] = "\x1b[2J\nidentical: all"
    out.write_text(json.dumps(document), encoding="utf-8")
    result = run("verify", out)
    assert result.exit_code == 5
    assert result.stdout == (
        f"differs: {out}\n  table rows row 1 (team \\x1b[2J\\nidentical: all): "
        f"team '\\x1b[2J\\nidentical: all' → {team!r}\n"
    )


def test_verify_never_reads_a_recorded_device_or_pipe(run, files):
    out = files / "loads.json"
    args = ("load", *inputs_args(files), "--mapping", SAMPLE / "mapping.toml", "-o", out, "-q")
    assert run(*args).exit_code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    for entry in document["provenance"]["inputs"]:
        if entry["kind"] in ("reductions", "mapping"):
            entry["path"] = "/dev/zero"  # a crafted output: hashing it would never end
    out.write_text(json.dumps(document), encoding="utf-8")
    result = run("verify", out)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: input reductions (/dev/zero) cannot be read again: give it with --reductions FILE\n"
    )
    given = run("verify", out, "--reductions", files / "reductions.csv")
    assert given.stderr == (
        "Error: input mapping (/dev/zero) cannot be read again: give --input mapping=FILE\n"
    )
