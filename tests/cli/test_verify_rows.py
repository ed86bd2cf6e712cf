"""`caseload verify` of CSV and NDJSON outputs: they hold rows, not a command line, so
the command that wrote them is given with --command and its rows (stamp columns
included) are compared with the output's."""

from __future__ import annotations

import shlex

import pytest
from helpers import tiny_args

NOTE = (
    "note: {out} records no inputs ({fmt}): recomputed from the files the command names, "
    "whose SHA-256 the output cannot confirm\n"
)


def command_line(tiny, *extra) -> str:
    return shlex.join(["caseload", *map(str, tiny_args("load", tiny, *extra))])


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_verify_with_the_command_says_identical(run, tiny, tmp_path, fmt):
    out = tmp_path / f"loads.{fmt}"
    written = run(*tiny_args("load", tiny, "--by", "team", "--format", fmt))
    out.write_text(written.stdout, encoding="utf-8")  # a cron job's `… > loads.csv`
    result = run("verify", out, "--command", command_line(tiny, "--by", "team", "--format", fmt))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"identical: {out}\n"
    assert result.stderr == NOTE.format(out=out, fmt=fmt)


def test_the_leading_caseload_may_be_left_out(run, tiny, tmp_path):
    out = tmp_path / "loads.csv"
    assert run(*tiny_args("load", tiny, "-o", out)).exit_code == 0
    given = command_line(tiny).removeprefix("caseload ")
    assert run("verify", out, "--command", given).stdout == f"identical: {out}\n"


def test_a_changed_input_shows_as_the_rows_it_changes(run, tiny, tmp_path):
    out = tmp_path / "loads.csv"
    assert run(*tiny_args("load", tiny, "-o", out)).exit_code == 0
    text = tiny["cases"].read_text(encoding="utf-8").replace("0000004,W002", "0000004,W001")
    tiny["cases"].write_text(text, encoding="utf-8")
    result = run("verify", out, "--command", command_line(tiny))
    assert result.exit_code == 5
    shown = result.stdout.splitlines()
    assert shown[0] == f"differs: {out}"
    assert shown[1].startswith("  table rows row 2 (worker_id W001): cases '3' → '4';")
    assert shown[2].startswith("  table rows row 3 (worker_id W002): cases '2' → '1';")


def test_another_scheme_is_one_line_not_a_column_in_every_row(run, tiny, tmp_path):
    out = tmp_path / "loads.ndjson"
    assert run(*tiny_args("load", tiny, "-o", out)).exit_code == 0
    given = command_line(tiny, "--scheme", "weighted-example")
    result = run("verify", out, "--command", given)
    assert result.exit_code == 5
    shown = result.stdout.splitlines()
    assert shown[1].startswith(
        "  scheme: the output's rows carry flat 1.0 (0aa6096a451d…), the command now gives "
        "weighted-example "
    )
    assert shown[1].endswith("(the scheme changed since, or another was named)")
    assert not any("scheme_fingerprint" in line or "'flat'" in line for line in shown[2:])


def test_another_snapshot_date_says_how_to_pin_it(run, tiny, tmp_path):
    out = tmp_path / "loads.csv"
    assert run(*tiny_args("load", tiny, "--by", "national", "-o", out)).exit_code == 0
    given = command_line(tiny, "--by", "national", "--snapshot", "2022-05-01")
    result = run("verify", out, "--command", given)
    assert result.exit_code == 5
    assert result.stdout.splitlines()[1] == (
        "  snapshot: the output was counted at 2022-04-30, the recomputation at 2022-05-01 "
        "(cases without a snapshot column are counted at today's date unless the command "
        "gives --snapshot 2022-04-30)"
    )


def test_command_is_refused_where_the_output_records_one(run, tiny, tmp_path):
    out = tmp_path / "loads.json"
    assert run(*tiny_args("load", tiny, "-o", out)).exit_code == 0
    result = run("verify", out, "--command", command_line(tiny))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {out} records the command that wrote it ({command_line(tiny)}): "
        "leave out --command\n"
    )


def test_with_command_the_inputs_are_named_in_it(run, tiny, tmp_path):
    out = tmp_path / "loads.csv"
    assert run(*tiny_args("load", tiny, "-o", out)).exit_code == 0
    result = run("verify", out, "--command", command_line(tiny), "--cases", tiny["cases"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {out} records no inputs to look for: name the files in --command instead "
        "of --cases, --staff, --reductions, --input or --inputs-dir\n"
    )


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ("caseload frob x", "--command 'caseload frob x' is not a caseload command line"),
        ("caseload load 'cases.csv", "--command: No closing quotation"),
    ],
)
def test_a_command_that_is_not_caseloads_is_a_usage_error(run, tiny, tmp_path, given, error):
    out = tmp_path / "loads.csv"
    assert run(*tiny_args("load", tiny, "-o", out)).exit_code == 0
    result = run("verify", out, "--command", given)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {error}")
