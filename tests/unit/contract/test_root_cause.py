"""Rejections name their root cause: one bad staff row is one problem, not 32.

A staff row that is rejected takes its worker's cases and reductions with it. The
stderr summary leads with that staff row and counts what it took under it; the
rejects file says, for each row taken, which rejection caused it (`caused_by`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from caseload_cli.contract.rejections import REJECT_COLUMNS, Rejections, rejection_summary
from caseload_cli.core.model import Table

STAFF_HEADER = "worker_id,name,team,service_area,role,team_type,contracted_hours\n"
CASES_HEADER = "case_id,worker_id,law,case_type,stage,children,opened,snapshot\n"


def staff_csv() -> str:
    rows = [
        f"W00{n:02d},Worker {n},Team A,A3 Greater Manchester,fca,wafh,37\n" for n in range(36, 48)
    ]
    rows[6] = "W0042,Worker 42,Team A,A3 Greater Manchester,fca,wafh,37h\n"  # file row 8
    return STAFF_HEADER + "".join(rows)


def cases_csv() -> str:
    """32 cases of W0042 (rows 2-33), 14 with `children` = two (rows 34-47), one unknown
    case type (row 48), one case of a worker not in the staff file (row 49) and two good
    cases (rows 50-51)."""
    rows = [f"{n:07d},W0042,private,s7,wafh,1,2022-01-10,2022-04-30\n" for n in range(32)]
    rows += [f"{n:07d},W0036,private,s7,wafh,two,2022-01-10,2022-04-30\n" for n in range(32, 46)]
    rows.append("0000046,W0037,private,s8,wafh,1,2022-01-10,2022-04-30\n")
    rows.append("0000047,W0999,private,s7,wafh,1,2022-01-10,2022-04-30\n")
    rows.append("0000048,W0036,private,s7,wafh,1,2022-01-10,2022-04-30\n")
    rows.append("0000049,W0037,public,s31,wafh,2,2022-01-10,2022-04-30\n")
    return CASES_HEADER + "".join(rows)


REDUCTIONS_CSV = "worker_id,reason,hours,percent,start,end\nW0042,phased_return,3.7,,,\n"

SUMMARY = [
    "rejected: staff.csv row 8, contracted_hours: contracted_hours is not a number (value '37h')",
    "rejected:   32 case rows of worker W0042 rejected because their staff row was rejected "
    "(cases.csv rows 2, 3, 4 and 29 more)",
    "rejected:   1 reduction row of worker W0042 rejected because their staff row was rejected "
    "(reductions.csv row 2)",
    "rejected: 14 rows of cases.csv, children: children is not a whole number "
    "(rows 34, 35, 36 and 11 more; values 'two')",
    "rejected: cases.csv row 48, case_type: case type 's8' is not known (did you mean s7?)",
    "rejected: cases.csv row 49, worker_id: worker_id is not in the staff file (value 'W0999')",
]


@pytest.fixture
def exports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "staff.csv").write_text(staff_csv(), encoding="utf-8")
    (tmp_path / "cases.csv").write_text(cases_csv(), encoding="utf-8")
    (tmp_path / "reductions.csv").write_text(REDUCTIONS_CSV, encoding="utf-8")
    return tmp_path


ARGS = ("cases.csv", "--staff", "staff.csv", "--reductions", "reductions.csv")


def test_the_summary_leads_with_the_staff_row_and_counts_what_it_took(run, exports):
    result = run("load", *ARGS, "--format", "csv", "--rejects", "rejects.csv")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "note: snapshot date 2022-04-30 (from the cases' snapshot column)",
        *SUMMARY,
        "staff: 12 rows read: 11 accepted, 1 rejected",
        "reductions: 1 rows read: 0 applied, 0 not active on the snapshot date, 1 rejected",
        "50 rows read: 2 weighed, 48 rejected (written to rejects.csv)",
    ]


def test_rejects_file_names_the_rejection_that_caused_each_row(run, exports):
    result = run("load", *ARGS, "--format", "csv", "--rejects", "rejects.csv", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == SUMMARY
    found = pd.read_csv(exports / "rejects.csv", dtype=str, keep_default_na=False)
    assert list(found.columns) == ["file", "row", "column", "value", "reason", "caused_by"]
    caused = found[found["caused_by"] != ""]
    assert set(caused["caused_by"]) == {"staff.csv row 8"}
    assert sorted(caused["file"].unique()) == ["cases.csv", "reductions.csv"]
    assert len(caused) == 33
    assert set(caused["value"]) == {"W0042"}
    assert set(caused.loc[caused["file"] == "cases.csv", "reason"]) == {
        "worker_id was rejected in the staff file (row 8)"
    }
    own = found[found["caused_by"] == ""]
    assert len(own) == 17  # the staff row, 14 children, one case type, one unknown worker
    assert "staff.csv" in set(own["file"])


def test_values_stay_off_the_terminal_when_asked():
    frame = pd.DataFrame(
        {
            "file": ["cases.csv", "cases.csv", "staff.csv"],
            "row": [2, 3, 8],
            "column": ["worker_id", "worker_id", "contracted_hours"],
            "value": ["W0042", "W0042", "37h"],
            "reason": ["worker_id was rejected in the staff file (row 8)"] * 2
            + ["contracted_hours is not a number"],
            "caused_by": ["staff.csv row 8", "staff.csv row 8", ""],
        }
    )
    kinds = {"cases.csv": "case", "staff.csv": "staff"}
    assert rejection_summary(frame, kinds, show_values=False) == [
        "rejected: staff.csv row 8, contracted_hours: contracted_hours is not a number",
        "rejected:   2 case rows rejected because their staff row was rejected "
        "(cases.csv rows 2, 3)",
    ]
    # without kinds (a store's rejects, or the survey's) rows are named by their file
    assert rejection_summary(frame)[1] == (
        "rejected:   2 cases.csv rows of worker W0042 rejected because their row was "
        "rejected (cases.csv rows 2, 3)"
    )


def test_more_causes_than_shown_are_counted():
    frame = pd.DataFrame(
        {
            "file": "cases.csv",
            "row": range(2, 16),
            "column": "stage",
            "value": [f"x{n}" for n in range(14)],
            "reason": [f"stage 'x{n}' is not known (known: wafh)" for n in range(14)],
            "caused_by": "",
        }
    )
    lines = rejection_summary(frame, shown=10)
    assert len(lines) == 11
    assert lines[0] == "rejected: cases.csv row 2, stage: stage 'x0' is not known (known: wafh)"
    assert lines[9] == "rejected: cases.csv row 11, stage: stage 'x9' is not known (known: wafh)"
    assert lines[-1] == "rejected: ... and 4 more problems"


def test_a_summary_of_rejects_without_caused_by_still_groups():
    """A history store written before `caused_by` existed has no such column."""
    frame = pd.DataFrame(
        {
            "file": ["cases.csv"] * 2,
            "row": [2, 3],
            "column": ["law"] * 2,
            "value": ["civil"] * 2,
            "reason": ["law 'civil' is not known (known: public, private)"] * 2,
        }
    )
    assert rejection_summary(frame) == [
        "rejected: 2 rows of cases.csv, law: law 'civil' is not known (known: public, private) "
        "(rows 2, 3)"
    ]
    assert rejection_summary(frame.iloc[:0]) == []


def test_blame_sets_caused_by_once_and_only_for_the_named_column():
    cases = Table(pd.DataFrame({"worker_id": ["W1", "W2", "W1"]}), "cases.csv", np.arange(2, 5))
    rejections = Rejections()
    rejections.add(cases, pd.Series([True, True, True]), "worker_id", "no staff row")
    rejections.add(cases, pd.Series([True, False, False]), "law", "law is blank")
    rejections.blame(cases, "worker_id", {"W1": "staff.csv row 7"})
    rejections.blame(cases, "worker_id", {"W1": "staff.csv row 9"})  # the first cause stays
    frame = rejections.frame()
    assert list(frame.columns) == REJECT_COLUMNS
    assert list(zip(frame["row"], frame["column"], frame["caused_by"], strict=True)) == [
        (2, "worker_id", "staff.csv row 7"),
        (2, "law", ""),
        (3, "worker_id", ""),
        (4, "worker_id", "staff.csv row 7"),
    ]
