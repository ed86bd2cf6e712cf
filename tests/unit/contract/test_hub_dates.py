"""The optional case dates the scorecard and hubs read (allocated, report_filed,
hub_entered): blank allowed; after the snapshot, or before the case opened, rejected
with file, row, column and reason."""

from __future__ import annotations

from helpers import as_json

from tests.conftest import STAFF_CSV

HEADER = "case_id,worker_id,law,case_type,stage,children,opened,snapshot,allocated,report_filed,hub_entered"


def test_hub_dates_must_lie_between_opened_and_the_snapshot(run, tmp_path):
    rows = [
        "1,W001,private,s7,wafh,1,2022-01-10,2022-04-30,2022-01-31,2022-04-01,",  # fine
        "2,W001,private,s7,wafh,1,2022-01-10,2022-04-30,,,",  # blanks are fine
        "3,W001,private,s7,wafh,1,2022-01-10,2022-04-30,2022-05-02,,",
        "4,W001,private,s7,wafh,1,2022-01-10,2022-04-30,2022-01-03,,",
        "5,W001,private,s7,wafh,1,2022-01-10,2022-04-30,,2022-05-01,",
        "6,W001,private,s7,wafh,1,2022-01-10,2022-04-30,,,2021-12-01",
        "7,W001,private,s7,wafh,1,2022-01-10,2022-04-30,,,not a date",
    ]
    cases = tmp_path / "cases.csv"
    cases.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF_CSV, encoding="utf-8")
    result = run("validate", cases, "--staff", tmp_path / "staff.csv", "--format", "json")
    found = [(r["row"], r["column"], r["reason"]) for r in as_json(result)["rows"]]
    assert sorted(found) == [
        (4, "allocated", "allocated 2022-05-02 is after the snapshot date (2022-04-30)"),
        (5, "allocated", "allocated 2022-01-03 is before opened (2022-01-10)"),
        (6, "report_filed", "report_filed 2022-05-01 is after the snapshot date (2022-04-30)"),
        (7, "hub_entered", "hub_entered 2021-12-01 is before opened (2022-01-10)"),
        (8, "hub_entered", "hub_entered is not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
    ]
