"""Shared fixtures: a tiny hand-checked caseload whose every number is known."""

from __future__ import annotations

import os

# Before any test module imports openpyxl: xlsx bytes must not depend on lxml being
# installed (caseload_cli/__init__.py pins the same for every caseload process).
os.environ.setdefault("OPENPYXL_LXML", "False")
from pathlib import Path

import pytest
from click.testing import CliRunner

from caseload_cli.cli import cli

STAFF_CSV = """worker_id,name,team,service_area,role,team_type,contracted_hours
W001,Ada Example,Team A,A3 Greater Manchester,fca,wafh,37
W002,Ben Example,Team A,A3 Greater Manchester,fca,wafh,18.5
W003,Cal Example,Team B,A3 Greater Manchester,fca,eit,37
W004,Dee Example,Team B,A3 Greater Manchester,practice_supervisor,eit,37
W005,Eve Example,Team C,A12 Birmingham,locum_fca,public_law,37
"""

# W001: 3 cases (s7 1 child, r16_4 3 children + domestic abuse, s7 2 children)
# W002: 2 cases; W003: 1 EIT case; W004 (PS) 1 case; W005 1 public law case
# plus unallocated and hub work.
CASES_CSV = """case_id,worker_id,law,case_type,stage,children,opened,snapshot,domestic_abuse,interpreter
0000001,W001,private,s7,wafh,1,2022-01-10,2022-04-30,false,false
0000002,W001,private,r16_4,wafh,3,03/02/2021,2022-04-30,true,false
0000003,W001,private,s7,wafh,2,2022-02-01,2022-04-30,false,true
0000004,W002,private,s7,wafh,1,2022-03-01,2022-04-30,false,false
0000005,W002,private,addendum,wafh,1,2022-03-15,2022-04-30,false,false
0000006,W003,private,wtfh,wtfh,2,2022-04-01,2022-04-30,false,false
0000007,W004,private,s7,wafh,1,2022-01-20,2022-04-30,false,false
0000008,W005,public,s31,wafh,4,2021-11-01,2022-04-30,true,true
0000009,,private,s7,allocation_hub,1,2022-04-10,2022-04-30,false,false
0000010,,private,s7,post_assessment_hub,2,2021-06-01,2022-04-30,false,false
"""

REDUCTIONS_CSV = """worker_id,reason,hours,percent,start,end
W001,union_facility_time,,10,2022-01-01,
W003,phased_return,7.4,,2022-04-01,2022-06-30
W003,other_duties,3.7,,2021-01-01,2021-12-31
"""


@pytest.fixture
def tiny(tmp_path: Path) -> dict[str, Path]:
    files = {
        "cases": tmp_path / "cases.csv",
        "staff": tmp_path / "staff.csv",
        "reductions": tmp_path / "reductions.csv",
    }
    files["cases"].write_text(CASES_CSV, encoding="utf-8")
    files["staff"].write_text(STAFF_CSV, encoding="utf-8")
    files["reductions"].write_text(REDUCTIONS_CSV, encoding="utf-8")
    return files


@pytest.fixture
def run():
    """Invoke the CLI like a user, with stdout and stderr kept apart."""

    def invoke(*args: str, input: str | bytes | None = None, env: dict | None = None):
        runner = CliRunner()
        merged = {"CASELOAD_DEBUG": "", "NO_COLOR": "1", **(env or {})}
        return runner.invoke(
            cli, [str(a) for a in args], input=input, env=merged, catch_exceptions=False
        )

    return invoke


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch):
    monkeypatch.delenv("CASELOAD_DEBUG", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)  # output as a script sees it, whatever the shell
    monkeypatch.setenv("NO_COLOR", "1")
    yield
    os.environ.pop("CASELOAD_DEBUG", None)
