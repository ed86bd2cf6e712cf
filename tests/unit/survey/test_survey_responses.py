"""The responses' row contract (caseload_cli/contract/responses.py): every row used or
rejected with its reason, read from any format or standard input, and hashed."""

from __future__ import annotations

import hashlib

import pandas as pd
from helpers import as_json
from survey_data import BUNDLED, by_label, group_rows, responses_csv, responses_table, write

from caseload_cli.contract.responses import NOT_GIVEN, validate_responses
from caseload_cli.core.files import file_sha256

# --------------------------------------------------------------------------- rejections


DEFECTS = [
    ("R0001,fca,wafh,private,A3,37,18,", None),
    (",fca,wafh,private,A3,37,18,", ("respondent_id", "respondent_id is blank")),
    (
        "R0001,fca,wafh,private,A3,37,18,",
        ("respondent_id", "duplicate respondent_id (first at row 2)"),
    ),
    ("R0004,fcaa,wafh,private,A3,37,18,", ("role", "role 'fcaa' is not known (did you mean fca?)")),
    ("R0005,fca,,private,A3,37,18,", ("team_type", "team_type is blank")),
    ("R0006,fca,wafh,private,A3,37,lots,", ("safe_cases", "safe_cases is not a number")),
    ("R0007,fca,wafh,private,A3,37,,", ("safe_cases", "safe_cases is blank")),
    (
        "R0008,fca,wafh,private,A3,37,0,",
        ("safe_cases", "safe_cases must be more than 0 and at most 60"),
    ),
    (
        "R0009,fca,wafh,private,A3,37,-3,",
        ("safe_cases", "safe_cases must be more than 0 and at most 60"),
    ),
    (
        "R0010,fca,wafh,private,A3,37,61,",
        ("safe_cases", "safe_cases must be more than 0 and at most 60"),
    ),
    (
        "R0011,fca,eit,private,A3,37,18,21",
        ("safe_letters_per_day", "safe_letters_per_day must be more than 0 and at most 20"),
    ),
    (
        "R0012,fca,eit,private,A3,37,18,two",
        ("safe_letters_per_day", "safe_letters_per_day is not a number"),
    ),
    (
        "R0013,fca,wafh,private,A3,40,18,",
        ("contracted_hours", "contracted_hours must be between 0 and 37.5"),
    ),
    (
        "R0014,fca,wafh,civil,A3,37,18,",
        ("law", "law 'civil' is not known (known: public, private)"),
    ),
    ("R0015,FCA,WAFH,Public,A3,37.0,60,20", None),
]


def test_every_implausible_answer_is_rejected_with_its_reason(run, tmp_path):
    path = write(tmp_path / "r.csv", responses_csv([row for row, _ in DEFECTS]))
    rejects = tmp_path / "rejects.csv"
    result = run("survey", path, "--format", "json", "--rejects", rejects)
    data = as_json(result)
    found = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    expected = [(str(i + 2), *problem) for i, (_, problem) in enumerate(DEFECTS) if problem]
    assert list(found[["row", "column", "reason"]].itertuples(index=False, name=None)) == expected
    assert data["accounting"] == {
        "responses_read": 15,
        "responses_used": 2,
        "responses_rejected": 13,
    }
    assert (
        result.stderr.strip().splitlines()[-1]
        == f"15 rows read: 2 used, 13 rejected (written to {rejects})"
    )
    assert "rejected: " in result.stderr and "... and 1 more problem" in result.stderr


def test_strict_exits_3_and_writes_nothing(run, tmp_path):
    path = write(tmp_path / "r.csv", responses_csv(group_rows("wafh", [18] * 5 + [0])))
    out = tmp_path / "out.json"
    result = run("survey", path, "--strict", "--output", out)
    assert result.exit_code == 3
    assert "--strict: 1 rows rejected" in result.stderr
    assert not out.exists()
    clean = write(tmp_path / "clean.csv", responses_csv(group_rows("wafh", [18] * 5)))
    assert run("survey", clean, "--strict", "--output", out).exit_code == 0 and out.exists()


def test_missing_required_header_is_an_input_error(run, tmp_path):
    path = write(tmp_path / "r.csv", "respondent_id,role,team_type,how_many\nR1,fca,wafh,18\n")
    result = run("survey", path)
    assert result.exit_code == 1
    assert (
        "missing required header 'safe_cases'" in result.stderr and "Traceback" not in result.output
    )


def test_missing_file_is_an_input_error(run, tmp_path):
    result = run("survey", tmp_path / "nope.csv")
    assert result.exit_code == 1 and "file not found" in result.stderr


def test_mapping_file_responses_section_renames_and_recodes(run, tmp_path):
    path = write(
        tmp_path / "theirs.csv",
        "Resp No,Job,Team Kind,How Many Cases\n"
        + "".join(f"X{i},FCA,Public Law,{15 + i}\n" for i in range(5)),
    )
    mapping = write(
        tmp_path / "map.toml",
        '[responses.columns]\n"Resp No" = "respondent_id"\n"Job" = "role"\n"Team Kind" = "team_type"\n'
        '"How Many Cases" = "safe_cases"\n[responses.values.team_type]\n"Public Law" = "public_law"\n',
    )
    rows = by_label(
        as_json(run("survey", path, "--mapping", mapping, "--format", "json"))["rows"], "team_type"
    )
    assert rows["public_law"]["respondents"] == 5 and rows["public_law"]["mean"] == 17.0


def test_standard_input_is_read_and_hashed(run):
    data = BUNDLED.read_bytes()
    result = run("survey", "-", "--format", "json", input=data)
    assert as_json(result)["metadata"]["responses_sha256"] == hashlib.sha256(data).hexdigest()
    assert as_json(result)["metadata"]["responses"] == "<stdin>"


def test_file_sha256_of_a_parquet_directory(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a.parquet").write_bytes(b"one")
    (folder / "_skip.parquet").write_bytes(b"ignored")
    first = file_sha256(str(folder))
    (folder / "b.parquet").write_bytes(b"two")
    assert file_sha256(str(folder)) != first


def test_cells_the_reader_could_not_read_are_rejected_with_the_readers_reason():
    table = responses_table(responses_csv(group_rows("wafh", [18, 19, 20])))
    reason = "formula without a cached value; open and save the file in Excel"
    table.cell_problems.append((1, "safe_cases", reason))
    responses = validate_responses(table, "abc")
    assert (responses.rows_read, responses.used, responses.rejected) == (3, 2, 1)
    assert responses.rejects[["row", "column", "reason"]].values.tolist() == [
        [3, "safe_cases", reason]
    ]
    assert responses.sha256 == "abc" and responses.citation == "<stdin> sha256:abc"


def test_optional_columns_may_be_absent():
    table = responses_table("respondent_id,role,team_type,safe_cases\nR1,FCA,WAFH,17.5\n")
    responses = validate_responses(table)
    row = responses.frame.iloc[0]
    assert (row["role"], row["team_type"], row["safe_cases"]) == ("fca", "wafh", 17.5)
    assert row["law"] == row["service_area"] == NOT_GIVEN
    assert row.isna()[["safe_letters_per_day", "contracted_hours"]].all()
