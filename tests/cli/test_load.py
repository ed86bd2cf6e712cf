"""`caseload load` and `caseload validate` through the CLI: exit codes, rejections, formats."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from conftest import CASES_CSV, STAFF_CSV
from helpers import ROOT, as_json, tiny_args

from caseload_cli.scheme.model import load_scheme


def args_for(tiny, *extra):
    return tiny_args("load", tiny, *extra)


def test_load_table_shows_workers_footer_and_accounting(run, tiny):
    result = run(*args_for(tiny))
    assert result.exit_code == 0, result.output
    assert "W001" in result.stdout and "Ada Example" in result.stdout
    assert f"sha256:{load_scheme('flat').fingerprint[:12]}" in result.stdout
    assert "Not held by FCA" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "10 rows read: 10 weighed, 0 rejected"


def test_json_has_scheme_accounting_rows(run, tiny):
    result = run(*args_for(tiny, "--format", "json", "--scheme", "weighted-example"))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data)[:5] == ["export_schema_version", "title", "scheme", "accounting", "metadata"]
    assert data["scheme"]["name"] == "weighted-example"
    assert data["scheme"]["fingerprint"] == load_scheme("weighted-example").fingerprint
    assert data["accounting"]["rows_read"] == 10
    ada = next(r for r in data["rows"] if r["worker_id"] == "W001")
    assert ada["weighted_load"] == pytest.approx(4.55)
    assert ada["band"] == "green"
    assert ada["over_napo"] is False
    assert data["sections"]["not_held_by_fca"]


def test_ndjson_one_record_per_worker(run, tiny):
    result = run(*args_for(tiny, "--format", "ndjson", "--population", "all"))
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5
    assert all(json.loads(line)["scheme"] == "flat" for line in lines)


def test_csv_output_to_file_is_atomic_and_complete(run, tiny, tmp_path):
    out = tmp_path / "week47.csv"
    result = run(*args_for(tiny, "--output", out))
    assert result.exit_code == 0
    assert result.stdout == ""
    frame = pd.read_csv(out, dtype={"worker_id": str})
    for column in (
        "worker_id",
        "name",
        "team",
        "service_area",
        "role",
        "team_type",
        "fte",
        "cases",
        "children",
        "weighted_load",
        "capacity",
        "utilisation_pct",
        "band",
        "napo_safe_load",
        "over_napo",
        "scheme",
        "scheme_version",
        "scheme_fingerprint",
    ):
        assert column in frame.columns
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["cases.csv", "staff.csv", "reductions.csv", "week47.csv"]
    )


@pytest.mark.parametrize(
    "by,key", [("team", "team"), ("service_area", "service_area"), ("national", "level")]
)
def test_by_levels_reconcile_with_workers(run, tiny, by, key):
    workers = json.loads(run(*args_for(tiny, "--format", "json")).stdout)["rows"]
    rolled = json.loads(run(*args_for(tiny, "--format", "json", "--by", by)).stdout)["rows"]
    assert key in rolled[0]
    assert sum(r["weighted_load"] for r in rolled) == pytest.approx(
        sum(w["weighted_load"] for w in workers)
    )
    assert sum(r["workers"] for r in rolled) == len(workers)


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_binary_formats_need_output(run, tiny, fmt):
    result = run(*args_for(tiny, "--format", fmt))
    assert result.exit_code == 2
    assert f"--format {fmt} needs --output FILE" in result.stderr


def test_format_from_output_extension(run, tiny, tmp_path):
    out = tmp_path / "w.xlsx"
    assert run(*args_for(tiny, "--output", out)).exit_code == 0
    from openpyxl import load_workbook

    book = load_workbook(out)
    assert book.sheetnames[0] == "load" and book.sheetnames[-1] == "about"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


DIRTY_CASES = (
    CASES_CSV
    + "\n".join(
        [
            "0000001,W001,private,s7,wafh,1,2022-01-10,2022-04-30,false,false",  # row 12 duplicate
            "0000012,W999,private,s7,wafh,1,2022-01-10,2022-04-30,false,false",  # row 13 unknown worker
            "0000013,W001,private,s8,wafh,1,2022-01-10,2022-04-30,false,false",  # row 14 unknown type
            "0000014,W001,private,s7,wafh,0,2022-01-10,2022-04-30,false,false",  # row 15 children 0
            "0000015,W001,private,s7,wafh,1,31/02/2022,2022-04-30,false,false",  # row 16 bad date
            "0000016,W001,Private Law,s7,wafh,1,2022-01-10,2022-04-30,false,false",  # row 17 law
            "0000017,W001,private,s7,court,1,2022-01-10,2022-04-30,false,false",  # row 18 stage
            "0000018,W001,private,s7,wafh,two,2022-01-10,2022-04-30,false,false",  # row 19
            "0000019,W001,private,s7,wafh,1,2022-01-10,2022-04-30,maybe,false",  # row 20 flag
            "0000020,W006,private,s7,wafh,1,2022-01-10,2022-04-30,false,false",  # row 21 rejected worker
            ",W001,private,s7,wafh,1,2022-01-10,2022-04-30,false,false",  # row 22 blank id
        ]
    )
    + "\n"
)
DIRTY_STAFF = STAFF_CSV + "W006,Fay Example,Team C,A12 Birmingham,fca,wafh,40\n"
DIRTY_REDUCTIONS = """worker_id,reason,hours,percent,start,end
W001,union_facility_time,,60,,
W002,phased_return,20,,,
W003,gardening_leave,1,,,
W005,other_duties,5,,,
W005,union_facility_time,,50,,
W005,phased_return,,40,,
W004,other_duties,2,10,,
"""

EXPECTED = [
    ("cases.csv", 12, "case_id", "duplicate case_id (first at row 2)"),
    ("cases.csv", 13, "worker_id", "worker_id is not in the staff file"),
    ("cases.csv", 14, "case_type", "case type 's8' is not known (did you mean s7?)"),
    ("cases.csv", 15, "children", "children must be at least 1"),
    ("cases.csv", 16, "opened", "opened is not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
    ("cases.csv", 17, "law", "law 'private law' is not known (did you mean private?)"),
    (
        "cases.csv",
        18,
        "stage",
        "stage 'court' is not known (known: allocation_hub, duty, post_assessment_hub, wafh, wtfh)",
    ),
    ("cases.csv", 19, "children", "children is not a whole number"),
    ("cases.csv", 20, "domestic_abuse", "domestic_abuse must be true or false"),
    ("cases.csv", 21, "worker_id", "worker_id was rejected in the staff file (row 7)"),
    ("cases.csv", 22, "case_id", "case_id is blank"),
    ("staff.csv", 7, "contracted_hours", "contracted_hours must be between 0 and 37.5"),
    (
        "reductions.csv",
        2,
        "percent",
        "reduction of 60.0% is above the 50% cap for union_facility_time",
    ),
    ("reductions.csv", 3, "hours", "reduction of 20.0 hours is above contracted hours 18.5"),
    ("reductions.csv", 3, "hours", "reduction of 108.1% is above the 50% cap for phased_return"),
    (
        "reductions.csv",
        4,
        "reason",
        "reduction reason 'gardening_leave' is not known (known: newly_qualified, other_duties, phased_return, reasonable_adjustment, union_facility_time)",
    ),
    (
        "reductions.csv",
        7,
        "percent",
        "reductions for this worker add up to more than contracted hours 37.0",
    ),
    ("reductions.csv", 8, "hours", "give hours or percent, not both"),
]


@pytest.fixture
def dirty(tmp_path):
    tmp_path = tmp_path / "dirty"
    tmp_path.mkdir()
    return {
        "cases": write(tmp_path, "cases.csv", DIRTY_CASES),
        "staff": write(tmp_path, "staff.csv", DIRTY_STAFF),
        "reductions": write(tmp_path, "reductions.csv", DIRTY_REDUCTIONS),
    }


def test_every_rejection_reason_exactly(run, dirty, tmp_path):
    rejects = tmp_path / "rejects.csv"
    result = run(
        *args_for(dirty, "--scheme", "weighted-example", "--rejects", rejects, "--format", "csv")
    )
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    found = [
        (r.file.rsplit("/", 1)[-1], int(r.row), r.column, r.reason) for r in frame.itertuples()
    ]
    assert sorted(found) == sorted(EXPECTED)
    assert result.stderr.strip().splitlines()[-1] == (
        f"21 rows read: 10 weighed, 11 rejected (written to {rejects})"
    )
    assert "staff: 6 rows read: 5 accepted, 1 rejected" in result.stderr
    assert (
        "reductions: 7 rows read: 2 applied, 0 not active on the snapshot date, 5 rejected"
        in result.stderr
    )


def test_rejections_are_summarised_on_stderr(run, dirty):
    result = run(*args_for(dirty, "--scheme", "weighted-example"))
    assert "rejected: " in result.stderr
    assert "and 7 more problems" in result.stderr
    assert result.stderr.strip().endswith(
        "21 rows read: 10 weighed, 11 rejected (see --rejects FILE)"
    )


def test_strict_exits_3_and_writes_nothing(run, dirty, tmp_path):
    out = tmp_path / "out.csv"
    result = run(*args_for(dirty, "--scheme", "weighted-example", "--strict", "--output", out))
    assert result.exit_code == 3
    assert "--strict" in result.stderr
    assert not out.exists()


def test_validate_lists_problems_and_exit_codes(run, dirty, tiny):
    result = run(
        "validate",
        dirty["cases"],
        "--staff",
        dirty["staff"],
        "--reductions",
        dirty["reductions"],
        "--scheme",
        "weighted-example",
        "--format",
        "csv",
    )
    assert result.exit_code == 0
    assert "duplicate case_id (first at row 2)" in result.stdout
    assert run("validate", dirty["cases"], "--staff", dirty["staff"], "--strict").exit_code == 3
    clean = run("validate", tiny["cases"], "--staff", tiny["staff"], "--strict")
    assert clean.exit_code == 0
    assert clean.stderr.strip().splitlines()[-1] == "10 rows read: 10 weighed, 0 rejected"


def test_fail_on_band(run, tiny):
    assert run(*args_for(tiny, "--fail-on", "red")).exit_code == 0
    hit = run(*args_for(tiny, "--fail-on", "green", "--format", "csv"))
    assert hit.exit_code == 4
    assert "5 workers in band green or above" in hit.stderr  # the PS too: managers have rows
    assert "W001" in hit.stdout  # the report is still written
    unknown = run(*args_for(tiny, "--fail-on", "purple"))
    assert unknown.exit_code == 2
    assert "green, amber, red" in unknown.stderr


def test_missing_header_names_close_matches(run, tiny, tmp_path):
    cases = write(tmp_path, "bad.csv", CASES_CSV.replace("worker_id", "workr_id", 1))
    result = run("load", cases, "--staff", tiny["staff"])
    assert result.exit_code == 1
    assert "bad.csv: missing required header 'worker_id'; close matches: workr_id" in result.stderr
    assert "Traceback" not in result.output


def test_duplicate_header_is_an_error(run, tiny, tmp_path):
    staff = write(tmp_path, "staff2.csv", STAFF_CSV.replace("team_type", "team", 1))
    result = run("load", tiny["cases"], "--staff", staff)
    assert result.exit_code == 1
    assert "duplicate header 'team'" in result.stderr


def test_usage_errors_exit_2(run, tiny):
    assert run("load", tiny["cases"]).exit_code == 2  # no --staff
    assert run("load", tiny["cases"], "--staff", tiny["staff"], "--scheme", "nope").exit_code == 2
    assert run("load", "--by", "planet").exit_code == 2
    result = run(
        "load", tiny["cases"], "--staff", tiny["staff"], "--set", "weights.case_type.r16_4"
    )
    assert result.exit_code == 2 and "expected PATH=VALUE" in result.stderr


def test_bad_set_value_is_a_scheme_error_with_path(run, tiny):
    result = run(
        "load", tiny["cases"], "--staff", tiny["staff"], "--set", "weights.case_type.s7=-2"
    )
    assert result.exit_code == 1
    assert "weights.case_type.s7: must be ≥ 0" in result.stderr


def test_missing_file_is_a_clear_error(run, tiny):
    result = run("load", "nowhere.csv", "--staff", tiny["staff"])
    assert result.exit_code == 1
    assert "nowhere.csv" in result.stderr
    assert "Traceback" not in result.output


def test_debug_shows_traceback_and_keeps_exit_codes(tiny):
    from click.testing import CliRunner

    from caseload_cli.cli import cli

    runner = CliRunner()
    missing = runner.invoke(cli, ["load", "nowhere.csv", "--staff", str(tiny["staff"]), "--debug"])
    assert missing.exit_code == 1
    assert "Traceback" in missing.stderr and "InputError" in missing.stderr
    usage = runner.invoke(cli, ["--debug", "load", "--scheme", "nope"])
    assert usage.exit_code == 2 and "Traceback" in usage.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_failed_write_is_one_error_line():
    code = "import sys; from caseload_cli.cli import main; sys.argv=['caseload', 'load']; main()"
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-c", code], stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert done.returncode == 1
    assert done.stderr.strip().endswith("Error: cannot write output: No space left on device")
    assert "Traceback" not in done.stderr


def test_snapshot_option_changes_active_reductions(run, tiny):
    before = json.loads(run(*args_for(tiny, "--format", "json", "--snapshot", "15/07/2022")).stdout)
    cal = next(r for r in before["rows"] if r["worker_id"] == "W003")
    assert cal["reduction_hours"] == 0  # the phased return ended on 30 June 2022
    assert run(*args_for(tiny, "--snapshot", "2022-13-01")).exit_code == 2


def test_stdin_input(run, tiny):
    result = run(
        "load",
        "-",
        "--staff",
        tiny["staff"],
        "--input-format",
        "csv",
        "--format",
        "csv",
        input=CASES_CSV,
    )
    assert result.exit_code == 0, result.stderr
    assert "W001" in result.stdout


def test_help_does_not_import_pandas():
    code = (
        "import sys; from caseload_cli.cli import main; sys.argv=['caseload','--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nassert 'pandas' not in sys.modules, 'pandas imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "load" in done.stdout and "schemes" in done.stdout


def test_version_and_module_entry():
    done = subprocess.run(
        [sys.executable, "-m", "caseload_cli", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "caseload, version" in done.stdout


def test_every_command_has_examples_in_help(run):
    for args in (
        ["load"],
        ["validate"],
        ["schemes"],
        ["schemes", "list"],
        ["schemes", "show"],
        ["schemes", "check"],
        ["sample"],
    ):
        result = run(*args, "--help")
        assert result.exit_code == 0
        assert "Example" in result.stdout, args


def test_reason_cap_holds_across_rows_and_dates_must_be_ordered(run, tiny, tmp_path):
    reductions = write(
        tmp_path,
        "split.csv",
        "worker_id,reason,hours,percent,start,end\n"
        "W001,phased_return,,30,,\n"
        "W001,phased_return,,30,,\n"
        "W002,other_duties,1,,2022-05-01,2022-01-01\n",
    )
    rejects = tmp_path / "rejects.csv"
    result = run(
        "load",
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--reductions",
        reductions,
        "--rejects",
        rejects,
    )
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    found = sorted((int(r.row), r.column, r.reason) for r in frame.itertuples())
    assert found == [
        (
            3,
            "percent",
            "reductions for phased_return add up to 60.0% of contracted hours, above the 50% cap",
        ),
        (4, "end", "end is before start"),
    ]


def test_modifier_order_does_not_change_weights(tiny):
    import tomllib

    from caseload_cli.core.files import builtin_schemes_dir
    from caseload_cli.scheme.model import scheme_from_dict

    data = tomllib.loads(
        (builtin_schemes_dir() / "weighted-example.toml").read_text(encoding="utf-8")
    )
    swapped = dict(data, modifiers=list(reversed(data["modifiers"])))
    from caseload_cli.engine.weighed import weigh
    from caseload_cli.reports.inputs import Inputs, prepare

    inputs = Inputs(str(tiny["cases"]), str(tiny["staff"]))
    first, second = load_scheme("weighted-example"), scheme_from_dict(swapped, "swapped")
    valid = prepare(inputs, [first])
    assert list(weigh(valid, first).parts["weight"]) == list(weigh(valid, second).parts["weight"])


def test_view_not_held_by_fca_reaches_machine_formats(run, tiny):
    result = run(
        *args_for(
            tiny, "--format", "csv", "--view", "not_held_by_fca", "--scheme", "weighted-example"
        )
    )
    assert result.exit_code == 0
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert list(frame["category"]) == [
        "unallocated",
        "duty",
        "allocation_hub",
        "post_assessment_hub",
        "manager_held",
    ]
    assert frame.set_index("category").loc["post_assessment_hub", "weighted_load"] == pytest.approx(
        0.3125
    )


def test_set_changes_are_visible_in_every_output(run, tiny):
    change = "weights.case_type.r16_4=1.5"
    table = run(*args_for(tiny, "--set", change))
    assert f"changed by --set {change}" in table.stdout
    assert load_scheme("flat", [change]).fingerprint in table.stdout
    document = json.loads(run(*args_for(tiny, "--set", change, "--format", "json")).stdout)
    assert document["scheme"]["overrides"] == [change]


def test_contract_edge_cases(run, tiny, tmp_path):
    cases = write(
        tmp_path,
        "edge.csv",
        CASES_CSV + "0000011,W001,private,s7,wafh,21,2022-01-10,2022-04-30,false,false\n",
    )
    staff = write(
        tmp_path,
        "staff_edge.csv",
        STAFF_CSV.replace(
            "W005,Eve Example,Team C,A12 Birmingham,locum_fca,public_law",
            "W005,Eve Example,Team C,A12 Birmingham,locum_fca,eitt",
        ),
    )
    reductions = write(
        tmp_path,
        "red_edge.csv",
        "worker_id,reason,hours,percent\nW001,Phased Return,3.7,\nW002,other_duties,lots,\n",
    )
    rejects = tmp_path / "rejects.csv"
    result = run("load", cases, "--staff", staff, "--reductions", reductions, "--rejects", rejects)
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    found = sorted(
        (r.file.rsplit("/", 1)[-1], int(r.row), r.column, r.reason) for r in frame.itertuples()
    )
    assert found == [
        ("edge.csv", 12, "children", "children must be at most 20"),
        ("red_edge.csv", 3, "hours", "hours is not a number"),
    ]
    assert "team_type 'eitt' (1 workers) is not in scheme flat (did you mean eit?)" in result.stderr
    assert "reductions: 2 rows read: 1 applied" in result.stderr


def test_options_are_checked_before_any_work(run, tiny):
    result = run(*args_for(tiny, "--fail-on", "purple"))
    assert result.exit_code == 2 and result.stdout == ""
    assert "rows read" not in result.stderr


def test_scheme_file_and_name_errors(run, tiny):
    missing = run(*args_for(tiny, "--scheme", "nowhere.toml"))
    assert missing.exit_code == 1
    assert "invalid scheme nowhere.toml:\n  file not found" in missing.stderr
    unknown = run(*args_for(tiny, "--scheme", "zzz"))
    assert unknown.exit_code == 2
    assert (
        "Error: unknown scheme 'zzz'; built-ins: flat, hours-example, per-child, points-example, weighted-example"
        in unknown.stderr
    )


def test_set_typo_warns_even_when_quiet(run, tiny):
    result = run(*args_for(tiny, "--quiet", "--set", "weights.case_type.r16_44=1.5"))
    assert result.exit_code == 0
    assert (
        "warning: --set weights.case_type.r16_44=1.5: flat has no weights.case_type.r16_44"
        in result.stderr
    )


def test_validate_says_when_everything_is_fine(run, tiny):
    result = run("validate", tiny["cases"], "--staff", tiny["staff"])
    assert result.stdout == "No rejected rows: every row meets the data contract.\n"


def test_explain_pseudonymised_keeps_case_ids_off_stderr(run, dirty):
    key = {"CASELOAD_PSEUDONYM_KEY": "a-long-enough-secret-key-for-tests-0123456789"}
    result = run(
        "explain", "W001", dirty["cases"], "--staff", dirty["staff"], "--pseudonymise", env=key
    )
    assert result.exit_code == 0, result.stderr
    assert "duplicate case_id" in result.stderr
    assert "0000001" not in result.stderr and "0000001" not in result.stdout


def test_blank_rows_are_counted_in_a_note(run, tiny, tmp_path):
    cases = write(tmp_path, "gaps.csv", CASES_CSV.replace("\n0000003", "\n,,,,,,,,,\n\n0000003"))
    result = run("load", cases, "--staff", tiny["staff"])
    assert "gaps.csv: 2 empty rows skipped" in result.stderr


def test_a_ragged_csv_row_is_rejected_not_fatal(run, tiny, tmp_path):
    lines = CASES_CSV.splitlines()
    lines[3] += ",EXTRA,MORE"
    cases = write(tmp_path, "ragged.csv", "\n".join(lines) + "\n")
    rejects = tmp_path / "rejects.csv"
    result = run("load", cases, "--staff", tiny["staff"], "--rejects", rejects)
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert frame[["row", "column", "reason"]].values.tolist() == [
        ["4", "(row)", "row has 12 fields but the header has 10; check the delimiter and quoting"]
    ]
    assert result.stderr.strip().endswith(
        f"10 rows read: 9 weighed, 1 rejected (written to {rejects})"
    )


def test_staff_and_blank_field_reasons_exactly(run, tmp_path):
    staff = write(
        tmp_path,
        "staff.csv",
        "worker_id,name,team,service_area,role,team_type,contracted_hours,fte\n"
        "W001,Ada Example,Team A,A3,fca,wafh,37,\n"
        "W001,Ada Again,Team A,A3,fca,wafh,37,\n"  # row 3
        "W002,,Team A,A3,fca,wafh,37,\n"  # row 4
        "W003,Cal Example,Team A,A3,fca,wafh,lots,\n"  # row 5
        "W004,Dee Example,Team A,A3,fca,wafh,,1.5\n"  # row 6
        "W005,Eve Example,Team A,A3,fca,wafh,,\n"  # row 7
        "W006,Fay Example,Team A,A3,boss,wafh,37,\n",  # row 8
    )
    cases = write(
        tmp_path,
        "cases.csv",
        "case_id,worker_id,law,case_type,stage,children,opened\n"
        "0001,W001,private,s7,wafh,,2022-01-01\n"  # row 2
        "0002,W001,private,s7,wafh,1,\n",  # row 3
    )
    rejects = tmp_path / "rejects.csv"
    result = run("load", cases, "--staff", staff, "--rejects", rejects, "--snapshot", "2022-04-30")
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    found = sorted(
        (r.file.rsplit("/", 1)[-1], int(r.row), r.column, r.reason) for r in frame.itertuples()
    )
    assert found == [
        ("cases.csv", 2, "children", "children is blank"),
        ("cases.csv", 3, "opened", "opened is blank"),
        ("staff.csv", 3, "worker_id", "duplicate worker_id (first at row 2)"),
        ("staff.csv", 4, "name", "name is blank"),
        ("staff.csv", 5, "contracted_hours", "contracted_hours is not a number"),
        ("staff.csv", 6, "fte", "fte must be between 0 and 1"),
        ("staff.csv", 7, "contracted_hours", "contracted_hours (or fte) is blank"),
        (
            "staff.csv",
            8,
            "role",
            "role 'boss' is not known (known: fca, locum_fca, practice_supervisor, assistant_service_manager, service_manager)",
        ),
    ]
    assert "staff: 7 rows read: 1 accepted, 6 rejected" in result.stderr
    assert result.stderr.strip().endswith(
        f"2 rows read: 0 weighed, 2 rejected (written to {rejects})"
    )


@pytest.mark.parametrize("by", ["worker", "team", "national"])
def test_header_only_inputs_give_empty_reports_not_tracebacks(run, tmp_path, tiny, by):
    staff = write(tmp_path, "staff0.csv", STAFF_CSV.splitlines()[0] + "\n")
    cases = write(tmp_path, "cases0.csv", CASES_CSV.splitlines()[0] + "\n")
    for case_file in (cases, tiny["cases"]):
        result = run("load", case_file, "--staff", staff, "--by", by, "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["accounting"]["weighed"] == 2 * (
            case_file == tiny["cases"]
        )


def test_default_population_counts_fcas_and_lists_managers_apart(run, tiny):
    """W004 (a practice supervisor holding one case) is in its own section, not Team B."""
    data = as_json(run(*args_for(tiny, "--format", "json")))
    assert [r["worker_id"] for r in data["rows"]] == ["W005", "W001", "W002", "W003"]
    managers = data["sections"]["managers_holding_cases"]
    assert [(m["worker_id"], m["role"], m["cases"]) for m in managers] == [
        ("W004", "practice_supervisor", 1)
    ]
    assert any("FCAs and locum FCAs" in note for note in data["notes"])
    teams = as_json(run(*args_for(tiny, "--by", "team", "--format", "json")))["rows"]
    team_b = next(t for t in teams if t["team"] == "Team B")
    cal = next(r for r in data["rows"] if r["worker_id"] == "W003")
    assert team_b["workers"] == 1
    assert team_b["capacity"] == pytest.approx(cal["capacity"])
    assert team_b["weighted_load"] == pytest.approx(cal["weighted_load"])


def test_population_all_counts_everyone_and_has_no_managers_section(run, tiny):
    data = as_json(run(*args_for(tiny, "--population", "all", "--format", "json")))
    assert len(data["rows"]) == 5
    assert "managers_holding_cases" not in data["sections"]
    national = as_json(
        run(*args_for(tiny, "--population", "all", "--by", "national", "--format", "json"))
    )["rows"][0]
    assert national["workers"] == 5


def test_view_managers_holding_cases(run, tiny):
    result = run(*args_for(tiny, "--view", "managers_holding_cases", "--format", "csv"))
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(io.StringIO(result.stdout), dtype={"worker_id": str})
    assert frame["worker_id"].tolist() == ["W004"]


# --------------------------------------------------------------------------- terminal width, --wide, --columns


def header_of(text: str) -> list[str]:
    """The header row of the first table in a terminal table output."""
    return text.split("\n\n")[1].splitlines()[0].split()


@pytest.mark.parametrize("width", [80, 120])
def test_columns_env_gives_the_manager_view_that_fits(run, tiny, width):
    result = run(*args_for(tiny), env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= width
    shown = header_of(result.stdout)
    assert {"worker", "name", "load", "util%", "band"} <= set(shown)
    assert f"hidden to fit {width} characters: " in result.stdout
    assert "--wide shows all, --columns chooses" in result.stdout
    assert "W001" in result.stdout and "Ada Example" in result.stdout
    assert f"sha256:{load_scheme('flat').fingerprint}" in result.stdout  # never broken


def test_wide_terminal_or_wide_option_shows_every_column(run, tiny):
    piped = run(*args_for(tiny), env={"COLUMNS": None}).stdout  # not a terminal: as before
    assert "hidden to fit" not in piped
    assert header_of(piped)[:3] == ["worker_id", "name", "team"] and "napo_level" in piped
    assert run(*args_for(tiny), env={"COLUMNS": "400"}).stdout == piped
    assert run(*args_for(tiny, "--wide"), env={"COLUMNS": "80"}).stdout == piped


def test_markdown_is_the_manager_view_too_unless_wide(run, tiny):
    narrow = run(*args_for(tiny, "--format", "markdown"), env={"COLUMNS": "80"}).stdout
    assert "| worker " in narrow and "hidden to fit 80 characters" in narrow
    wide = run(*args_for(tiny, "--format", "markdown", "--wide"), env={"COLUMNS": "80"}).stdout
    assert "| worker_id " in wide and "hidden to fit" not in wide


def test_columns_option_chooses_columns_in_every_format(run, tiny, tmp_path):
    chosen = ("--columns", "name,band,weighted_load")
    table = run(*args_for(tiny, *chosen), env={"COLUMNS": "80"}).stdout
    assert header_of(table) == ["name", "band", "weighted_load"]
    assert "hidden to fit" not in table.split("Not held by FCA")[0]
    csv_text = run(*args_for(tiny, *chosen, "--format", "csv")).stdout
    assert csv_text.splitlines()[0] == (
        "name,band,weighted_load,scheme,scheme_version,scheme_fingerprint,unit,snapshot"
    )
    data = as_json(run(*args_for(tiny, *chosen, "--format", "json")))
    assert list(data["rows"][0]) == ["name", "band", "weighted_load"]
    assert list(data["sections"]["managers_holding_cases"][0]) == ["name", "band", "weighted_load"]
    record = json.loads(run(*args_for(tiny, *chosen, "--format", "ndjson")).stdout.splitlines()[0])
    assert list(record)[:3] == ["name", "band", "weighted_load"] and record["scheme"] == "flat"
    for name in ("out.parquet", "out.xlsx", "out.html", "out.md"):
        result = run(*args_for(tiny, *chosen, "--output", tmp_path / name))
        assert result.exit_code == 0, result.stderr
    assert list(pd.read_parquet(tmp_path / "out.parquet").columns) == [
        "name",
        "band",
        "weighted_load",
        "scheme",
        "scheme_version",
        "scheme_fingerprint",
        "unit",
        "snapshot",
    ]
    sheet = pd.read_excel(tmp_path / "out.xlsx", sheet_name=0, engine="openpyxl")
    assert list(sheet.columns) == ["name", "band", "weighted_load"]
    assert (
        "<th" in (tmp_path / "out.html").read_text()
        and "team_type" not in (tmp_path / "out.html").read_text().split("<h2>")[0]
    )


def test_unknown_column_is_a_usage_error_before_writing(run, tiny, tmp_path):
    out = tmp_path / "loads.csv"
    result = run(*args_for(tiny, "--columns", "worker_id,utilisation", "--output", out))
    assert result.exit_code == 2
    assert "no column 'utilisation'" in result.stderr
    assert "did you mean 'utilisation_pct'?" in result.stderr
    assert not out.exists()
    repeated = run(*args_for(tiny, "--columns", "band,band"))
    assert repeated.exit_code == 2 and "more than once" in repeated.stderr


def test_csv_is_unchanged_by_terminal_width_without_columns(run, tiny):
    plain = run(*args_for(tiny, "--format", "csv"), env={"COLUMNS": None}).stdout
    for width in ("80", "120", "400"):
        assert run(*args_for(tiny, "--format", "csv"), env={"COLUMNS": width}).stdout == plain
    assert run(*args_for(tiny, "--format", "csv", "--wide")).stdout == plain
    assert plain.splitlines()[0].startswith("worker_id,name,team,service_area,role,team_type")


def test_fail_on_sees_managers_in_their_own_rows(run, tmp_path):
    """Only a practice supervisor is red: --fail-on red still exits 4 (they have a row)."""
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "worker_id,name,team,service_area,role,team_type,contracted_hours\n"
        "F1,Fay,T,A,fca,wafh,37\n"
        "M1,Mo,T,A,practice_supervisor,wafh,3.7\n",
        encoding="utf-8",
    )
    rows = [f"{i:07d},M1,private,s7,wafh,1,2022-01-10,2022-04-30" for i in range(1, 11)]
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "case_id,worker_id,law,case_type,stage,children,opened,snapshot\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    result = run("load", cases, "--staff", staff, "--fail-on", "red", "--format", "csv")
    assert result.exit_code == 4, result.stderr
    assert "1 worker in band red or above" in result.stderr


def test_view_managers_with_population_all_is_refused_before_work(run, tiny):
    result = run(*args_for(tiny, "--population", "all", "--view", "managers_holding_cases"))
    assert result.exit_code == 2
    assert "needs --population fca" in result.stderr
    assert "rows read" not in result.stderr  # refused before reading


def test_binary_format_to_the_terminal_is_refused_before_work(run, tiny):
    for command in ("compare", "sweep", "gap", "load"):
        extra = ("--vary", "weights.case_type.s7=1") if command == "sweep" else ()
        result = run(*tiny_args(command, tiny, *extra, "--format", "xlsx"))
        assert result.exit_code == 2, (command, result.stderr)
        assert "needs --output" in result.stderr
        assert "rows read" not in result.stderr


def test_team_filter_reports_one_team_without_rejecting_others(run):
    team = "Greater Manchester WAFH 1"
    whole = as_json(run("load", "--by", "team", "--format", "json"))["rows"]
    result = run("load", "--team", team, "--by", "team", "--format", "json")
    data = as_json(result)
    assert data["rows"] == [r for r in whole if r["team"] == team]
    assert data["metadata"]["selection"] == f"team {team}"
    assert team in data["title"]
    assert "0 rejected" in result.stderr and "outside the selection, not rejected" in result.stderr
    workers = as_json(run("load", "--team", team, "--format", "json"))["rows"]
    assert {w["team"] for w in workers} == {team}


def test_unknown_team_is_a_usage_error_with_close_matches(run):
    result = run("load", "--team", "Greater Manchester WAFH1")
    assert result.exit_code == 2
    assert "did you mean 'Greater Manchester WAFH 1'" in result.stderr


def test_filters_apply_to_compare_gap_and_sweep(run):
    area = ("--service-area", "A3 Greater Manchester")
    national = as_json(run("load", *area, "--by", "national", "--format", "json"))["rows"][0]
    compare = as_json(run("compare", "--scheme", "flat", *area, "--format", "json"))["rows"]
    assert next(r for r in compare if r["metric"] == "workers")["flat"] == national["workers"]
    gap = as_json(run("gap", *area, "--format", "json"))["rows"]
    assert next(r for r in gap if r["team_type"] == "all")["workers"] == national["workers"]
    sweep = as_json(run("sweep", *area, "--vary", "weights.case_type.s7=1", "--format", "json"))
    assert sweep["rows"][0]["workers"] == national["workers"]
    counts = run("gap", "--team", "x", "--counts", "c.csv", "--fte", "f.csv")
    assert counts.exit_code == 2


def test_a_team_only_staff_file_with_team_rejects_no_other_teams_cases(run, tmp_path):
    team = "Greater Manchester WAFH 1"
    staff = pd.read_csv(ROOT / "sample_data" / "staff.csv", dtype=str, keep_default_na=False)
    own = tmp_path / "team_staff.csv"
    staff[staff["team"] == team].to_csv(own, index=False)
    cases = str(ROOT / "sample_data" / "cases.csv")
    national = as_json(run("load", "--team", team, "--format", "json"))
    narrowed = run("load", cases, "--staff", own, "--team", team, "--format", "json")
    assert narrowed.exit_code == 0, narrowed.stderr
    data = as_json(narrowed)
    assert data["rows"] == national["rows"]  # the same team figures as with every team's staff
    unplaced = data["accounting"]["unplaced_cases"]
    assert unplaced > 2000 and data["accounting"]["rejected"] == 0
    weighed = data["accounting"]["weighed"] - unplaced
    assert (
        f"3,308 rows read: {weighed:,} weighed, {unplaced:,} of workers not in the staff file "
        "(outside the selection), 0 rejected"
    ) in narrowed.stderr
    whole = run("load", cases, "--staff", own, "--format", "json")  # no selection: rejected
    assert as_json(whole)["accounting"]["rejected"] == unplaced
