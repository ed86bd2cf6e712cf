"""`caseload hubs`: post-assessment hub eligibility as published (report filed; next
hearing 6+ weeks after the snapshot or not listed), on hand-made cases."""

from __future__ import annotations

import pytest
from helpers import ROOT, as_json

from tests.conftest import STAFF_CSV

# Snapshot 2022-04-30; 6 weeks later is 2022-06-11.
CASES = """case_id,worker_id,law,case_type,stage,children,opened,snapshot,report_filed,next_hearing
0000001,W001,private,s7,wafh,1,2022-01-10,2022-04-30,2022-04-01,2022-06-11
0000002,W001,private,s7,wafh,3,2022-01-10,2022-04-30,2022-04-01,2022-06-10
0000003,W001,private,s7,wafh,2,2022-01-10,2022-04-30,2022-04-20,
0000004,W002,private,s7,wafh,1,2022-01-10,2022-04-30,,
0000005,W002,private,addendum,wafh,1,2022-01-10,2022-04-30,2022-03-01,2022-09-01
0000006,W004,private,s7,wafh,1,2022-01-10,2022-04-30,2022-03-01,
0000007,,private,s7,post_assessment_hub,2,2021-06-01,2022-04-30,2022-01-01,
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "cases.csv").write_text(CASES, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF_CSV, encoding="utf-8")
    return [str(tmp_path / "cases.csv"), "--staff", str(tmp_path / "staff.csv")]


def test_eligible_cases_and_what_each_fca_sheds(run, files):
    data = as_json(run("hubs", *files, "--format", "json"))
    # 1: hearing exactly 6 weeks away; 3: not listed; 5: September. Not 2 (5 weeks 6 days),
    # 4 (no report), 6 (a practice supervisor's), 7 (already in the hub).
    assert [c["case_id"] for c in data["sections"]["eligible_cases"]] == [
        "0000001", "0000003", "0000005",
    ]  # fmt: skip
    rows = {r["worker_id"]: r for r in data["rows"]}
    assert (rows["W001"]["eligible"], rows["W001"]["load_shed"]) == (2, 2.0)
    assert rows["W001"]["load_after"] == rows["W001"]["weighted_load"] - 2
    assert (rows["W002"]["eligible"], rows["W002"]["load_shed"]) == (1, 1.0)
    assert "W004" not in rows  # the default population counts FCAs only
    assert data["metadata"]["eligible"] == 3
    weeks = {c["case_id"]: c["weeks_to_hearing"] for c in data["sections"]["eligible_cases"]}
    assert weeks == {"0000001": 6, "0000003": None, "0000005": 17}


def test_the_weighted_scheme_weighs_the_shed_cases_at_their_own_weight(run, files):
    data = as_json(run("hubs", *files, "--scheme", "weighted-example", "--format", "json"))
    cases = data["sections"]["eligible_cases"]
    shed = sum(c["weight"] for c in cases if c["worker_id"] == "W001")
    (ada,) = [r for r in data["rows"] if r["worker_id"] == "W001"]
    assert ada["load_shed"] == pytest.approx(shed) and shed > 2  # children weigh extra


def test_without_report_dates_nothing_is_eligible_and_it_says_why(run, tiny):
    result = run("hubs", tiny["cases"], "--staff", tiny["staff"], "--format", "json")
    data = as_json(result)
    assert data["sections"]["eligible_cases"] == [] and data["metadata"]["eligible"] == 0
    assert "no report_filed column" in data["notes"][0]


def test_pseudonymised_case_ids(run, files, monkeypatch):
    monkeypatch.setenv("CASELOAD_PSEUDONYM_KEY", "k" * 32)
    data = as_json(run("hubs", *files, "--pseudonymise", "--format", "json"))
    ids = [c["case_id"] for c in data["sections"]["eligible_cases"]]
    assert all(i.startswith("C-") for i in ids) and "0000001" not in str(data)


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "html", "xlsx"])
def test_every_format(run, files, tmp_path, fmt):
    out = tmp_path / f"hubs.{fmt}"
    result = run("hubs", *files, "--format", fmt, "--output", out)
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_size > 0


def test_the_bundled_sample_has_eligible_cases(run):
    data = as_json(run("hubs", "--format", "json"))
    assert data["metadata"]["eligible"] > 50
    shed = sum(r["load_shed"] for r in data["rows"])
    assert shed == pytest.approx(sum(c["weight"] for c in data["sections"]["eligible_cases"]))


def test_what_if_moves_the_eligible_cases_in_load(run, files):
    before = as_json(run("load", *files, "--format", "json"))
    after = as_json(run("load", *files, "--what-if", "post-assessment-hub", "--format", "json"))
    loads = {r["worker_id"]: r["weighted_load"] for r in before["rows"]}
    moved = {r["worker_id"]: r["weighted_load"] for r in after["rows"]}
    assert (loads["W001"] - moved["W001"], loads["W002"] - moved["W002"]) == (2, 1)
    hub = {r["category"]: r["cases"] for r in after["sections"]["not_held_by_fca"]}
    was = {r["category"]: r["cases"] for r in before["sections"]["not_held_by_fca"]}
    assert hub["post_assessment_hub"] == was["post_assessment_hub"] + 3
    assert any("What-if post-assessment hub: 3 cases" in note for note in after["notes"])


@pytest.mark.parametrize(
    "command",
    [["compare", "--scheme", "flat", "--scheme", "weighted-example"], ["gap"], ["week"]],
)
def test_what_if_on_compare_gap_and_week(run, command):
    result = run(*command, "--what-if", "post-assessment-hub", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert any("What-if post-assessment hub:" in note for note in as_json(result)["notes"])


def test_what_if_errors(run, files, tmp_path):
    counts = run("gap", "--counts", tmp_path / "c.csv", "--fte", tmp_path / "f.csv",
                 "--what-if", "post-assessment-hub")  # fmt: skip
    assert counts.exit_code == 2 and "--what-if needs case-level data" in counts.stderr
    scheme = tmp_path / "nohub.toml"
    text = (ROOT / "weights" / "flat.toml").read_text(encoding="utf-8")
    scheme.write_text(text.replace("post_assessment_hub = 1.0\n", ""), encoding="utf-8")
    result = run("load", *files, "--scheme", scheme, "--what-if", "post-assessment-hub")
    assert result.exit_code == 1
    assert "has no weight for the post_assessment_hub stage" in result.stderr
    unknown = run("load", *files, "--what-if", "hub")
    assert unknown.exit_code == 2
