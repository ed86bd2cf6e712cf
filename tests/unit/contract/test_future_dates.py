"""Cases opened after the snapshot date are rejected with file, row, column and reason
(01/03/99 reads as 2099); hearing dates and reduction dates may lie ahead. Percent
columns accept "10%", which is what a percent-formatted xlsx cell showing 10% reads as."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from caseload_cli.contract.cases import reject_opened_after
from caseload_cli.contract.parsing import parse_number, parse_percent
from caseload_cli.contract.rejections import Rejections
from caseload_cli.core.model import Table
from caseload_cli.read.table import read_table
from tests.conftest import CASES_CSV, STAFF_CSV
from tests.helpers import as_json

HEADER = "case_id,worker_id,law,case_type,stage,children,opened,next_hearing,snapshot"


def _cases(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "cases.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF_CSV, encoding="utf-8")
    return path


def _rejects(result) -> list[dict]:
    return as_json(result)["rows"]


def test_opened_after_the_rows_snapshot_is_rejected(run, tmp_path):
    cases = _cases(
        tmp_path,
        [
            "1,W001,private,s7,wafh,1,01/03/99,2022-06-01,2022-04-30",
            "2,W001,private,s7,wafh,1,2099-01-01,2022-06-01,2022-04-30",
            "3,W001,private,s7,wafh,1,2022-04-30,2030-01-01,2022-04-30",  # same day: fine
            "4,W001,private,s7,wafh,1,2022-05-01,2022-06-01,2022-04-30",
        ],
    )
    result = run("validate", cases, "--staff", tmp_path / "staff.csv", "--format", "json")
    rows = [(r["row"], r["column"], r["value"], r["reason"]) for r in _rejects(result)]
    assert rows == [
        (2, "opened", "01/03/99", "opened 2099-03-01 is after the snapshot date (2022-04-30)"),
        (3, "opened", "2099-01-01", "opened 2099-01-01 is after the snapshot date (2022-04-30)"),
        (5, "opened", "2022-05-01", "opened 2022-05-01 is after the snapshot date (2022-04-30)"),
    ]
    assert all(r["file"] == str(cases) for r in _rejects(result))


def test_without_a_snapshot_column_opened_after_today_is_rejected(run, tmp_path):
    header = HEADER.rsplit(",", 1)[0]
    cases = _cases(
        tmp_path,
        ["1,W001,private,s7,wafh,1,01/03/99,2022-06-01", "2,W001,private,s7,wafh,1,2022-01-01,"],
        header,
    )
    today = dt.date.today().isoformat()
    result = run("validate", cases, "--staff", tmp_path / "staff.csv", "--format", "json")
    assert [(r["row"], r["reason"]) for r in _rejects(result)] == [
        (2, f"opened 2099-03-01 is after today ({today})")
    ]


def test_load_weighs_only_cases_opened_by_the_snapshot(run, tmp_path):
    cases = _cases(
        tmp_path,
        [
            "1,W001,private,s7,wafh,1,2022-01-01,2099-01-01,2022-04-30",  # hearing ahead: fine
            "2,W001,private,s7,wafh,1,2099-01-01,,2022-04-30",
        ],
    )
    result = run("load", cases, "--staff", tmp_path / "staff.csv", "--format", "json")
    (ada,) = [r for r in as_json(result)["rows"] if r["worker_id"] == "W001"]
    assert ada["cases"] == 1
    assert "2 rows read: 1 weighed, 1 rejected" in result.stderr


def test_the_runs_snapshot_for_rows_without_their_own():
    frame = pd.DataFrame({"opened": ["2022-05-01", "2022-04-01", "2099-01-01"]})
    table = Table(frame=frame, source="cases.csv", row_numbers=np.array([2, 3, 4]))
    cases = pd.DataFrame({"opened": pd.to_datetime(frame["opened"])})
    rejections = Rejections()
    reject_opened_after(table, rejections, cases)  # first pass: against today
    reject_opened_after(table, rejections, cases, dt.date(2022, 4, 30))  # the run's date
    rejected = rejections.frame()
    assert rejected[["row", "reason"]].values.tolist() == [
        [2, "opened 2022-05-01 is after the snapshot date (2022-04-30)"],
        [4, f"opened 2099-01-01 is after today ({dt.date.today().isoformat()})"],
    ]


def test_reductions_may_start_after_the_snapshot(run, tiny):
    tiny["reductions"].write_text(
        "worker_id,reason,hours,percent,start,end\n"
        "W001,union_facility_time,,10,2099-01-01,2099-12-31\n",
        encoding="utf-8",
    )
    result = run(
        "validate", tiny["cases"], "--staff", tiny["staff"], "--reductions", tiny["reductions"]
    )
    assert result.exit_code == 0
    assert "1 not active on the snapshot date, 0 rejected" in result.stderr


# --------------------------------------------------------------------------- percent cells


def test_parse_percent_reads_the_sign():
    values, bad = parse_percent(pd.Series(["10%", "10", "12.5 %", "%", "ten", ""]))
    assert values.tolist()[:3] == [10.0, 10.0, 12.5]
    assert bad.tolist() == [False, False, False, True, True, False]
    # elsewhere "10%" is the number a percent-formatted cell holds
    assert parse_number(pd.Series(["100%", "50 %"]))[0].tolist() == [1.0, 0.5]


def _percent_workbook(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["worker_id", "reason", "hours", "percent", "start", "end"])
    sheet.append(["W001", "union_facility_time", None, 0.1, "2022-01-01", None])
    sheet.append(["W002", "phased_return", None, 0.125, "2022-01-01", None])
    sheet.cell(2, 4).number_format = "0%"
    sheet.cell(3, 4).number_format = "0.0%"
    workbook.save(path)


def test_percent_formatted_xlsx_cells_read_as_shown(tmp_path):
    path = tmp_path / "reductions.xlsx"
    _percent_workbook(path)
    table = read_table(str(path))
    assert table.frame["percent"].tolist() == ["10%", "12.5%"]


def test_percent_formatted_reductions_weigh_as_percentages(run, tiny, tmp_path):
    path = tmp_path / "reductions.xlsx"
    _percent_workbook(path)
    csv_path = tmp_path / "reductions.csv"
    csv_path.write_text(
        "worker_id,reason,hours,percent,start,end\n"
        "W001,union_facility_time,,10,2022-01-01,\n"
        "W002,phased_return,,12.5,2022-01-01,\n",
        encoding="utf-8",
    )
    args = ("load", tiny["cases"], "--staff", tiny["staff"], "--format", "json", "--reductions")
    from_xlsx = as_json(run(*args, path))["rows"]
    from_csv = as_json(run(*args, csv_path))["rows"]
    assert from_xlsx == from_csv
    (ada,) = [r for r in from_xlsx if r["worker_id"] == "W001"]
    assert ada["reduction_hours"] == 3.7


def test_the_tiny_cases_are_not_in_the_future():
    assert "2099" not in CASES_CSV
