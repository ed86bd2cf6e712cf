"""`caseload gap`: FTE need and gap from cases and from aggregate counts."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from helpers import DOCS, as_json, tiny_args

from caseload_cli.core.errors import UsageError
from caseload_cli.engine.need import Target, parse_target


def args_for(tiny, *extra):
    return tiny_args("gap", tiny, *extra)


def row(rows, **where):
    found = [r for r in rows if all(r[k] == v for k, v in where.items())]
    assert len(found) == 1, (where, rows)
    return found[0]


def test_number_target_by_hand(run, tiny):
    """FCAs: W001 3 cases 0.9 FTE + W002 2 cases 0.5 FTE (wafh), W003 1 (eit, 0.8), W005 1 (1.0)."""
    data = as_json(run(*args_for(tiny, "--target", "17.4", "--format", "json")))
    rows = data["rows"]
    assert [r["team_type"] for r in rows] == ["eit", "public_law", "wafh", "all"]
    wafh = row(rows, team_type="wafh")
    assert wafh["weighted_load"] == 5 and wafh["workers"] == 2 and wafh["cases"] == 5
    assert wafh["fte_needed"] == pytest.approx(5 / 17.4, abs=1e-6)
    assert wafh["available_fte"] == pytest.approx(1.4)
    assert wafh["gap_fte"] == pytest.approx(5 / 17.4 - 1.4, abs=1e-6)
    assert wafh["shortfall_fte"] == 0
    assert wafh["target_per_fte"] == pytest.approx(17.4)
    total = row(rows, team_type="all")
    assert total["weighted_load"] == 7 and total["workers"] == 4
    assert total["fte_needed"] == pytest.approx(7 / 17.4, abs=1e-6)
    assert total["gap_fte"] == pytest.approx(7 / 17.4 - 3.2, abs=1e-6)
    assert total["load_per_fte"] == pytest.approx(7 / 3.2, abs=1e-6)
    assert data["metadata"]["target"] == 17.4
    assert [s["category"] for s in data["sections"]["not_held_by_fca"]][:1] == ["unallocated"]


def test_ceiling_and_napo_targets_per_team_type(run, tiny):
    ceiling = as_json(run(*args_for(tiny, "--format", "json")))["rows"]  # default: ceiling
    assert row(ceiling, team_type="eit")["fte_needed"] == pytest.approx(1 / 40)
    assert row(ceiling, team_type="wafh")["fte_needed"] == pytest.approx(5 / 25)
    total = row(ceiling, team_type="all")
    assert total["fte_needed"] == pytest.approx(1 / 40 + 5 / 25 + 1 / 25)
    assert total["target_per_fte"] == pytest.approx(7 / (1 / 40 + 5 / 25 + 1 / 25), abs=1e-5)
    napo = as_json(run(*args_for(tiny, "--target", "napo", "--format", "json")))["rows"]
    assert row(napo, team_type="public_law")["target_per_fte"] == pytest.approx(16.5)
    assert row(napo, team_type="eit")["target_per_fte"] == pytest.approx(40)  # 1.6 a day × 25 days
    assert row(napo, team_type="wafh")["fte_needed"] == pytest.approx(5 / 17.4, abs=1e-6)


def test_shortfall_is_not_offset_by_surplus(run, tiny):
    data = as_json(run(*args_for(tiny, "--target", "1", "--format", "json")))
    rows = data["rows"]
    # eit: 1 case needs 1 FTE, 0.8 there (+0.2); wafh 5 need 5, 1.4 there (+3.6); public law 1 vs 1.
    assert row(rows, team_type="eit")["gap_fte"] == pytest.approx(0.2)
    total = row(rows, team_type="all")
    assert total["shortfall_fte"] == pytest.approx(0.2 + 3.6)
    assert total["gap_fte"] == pytest.approx(7 - 3.2)


def test_by_service_area_rows_and_totals(run, tiny):
    rows = as_json(run(*args_for(tiny, "--by", "service_area", "--format", "json")))["rows"]
    keys = [(r["service_area"], r["team_type"]) for r in rows]
    assert keys == [
        ("A12 Birmingham", "public_law"),  # one team type: no separate total row
        ("A3 Greater Manchester", "eit"),
        ("A3 Greater Manchester", "wafh"),
        ("A3 Greater Manchester", "all"),
        ("all", "all"),
    ]
    leaves = [r for r in rows if r["team_type"] != "all"]
    assert rows[-1]["weighted_load"] == sum(r["weighted_load"] for r in leaves)
    assert rows[-1]["fte_needed"] == pytest.approx(sum(r["fte_needed"] for r in leaves))


def test_population_all_includes_managers(run, tiny):
    rows = as_json(run(*args_for(tiny, "--population", "all", "--format", "json")))["rows"]
    assert row(rows, team_type="all")["workers"] == 5
    assert row(rows, team_type="all")["weighted_load"] == 8


def test_parse_target():
    assert parse_target("17.4") == Target("number", 17.4)
    assert parse_target(" NAPO ") == Target("napo")
    assert parse_target("ceiling") == Target("ceiling")
    for bad in ("lots", "0", "-3", "nan", "inf"):
        with pytest.raises(UsageError):
            parse_target(bad)


COUNTS = """service_area,case_type,stage,count
A3 Greater Manchester,s7,wafh,10
A3 Greater Manchester,r16_4,wafh,4
A3 Greater Manchester,s7,post_assessment_hub,8
A12 Birmingham,s31,wafh,20
A12 Birmingham,s7,allocation_hub,5
"""
FTE = """service_area,fte
A3 Greater Manchester,0.5
A12 Birmingham,1.5
"""


@pytest.fixture
def counts(tmp_path):
    paths = {"counts": tmp_path / "counts.csv", "fte": tmp_path / "fte.csv"}
    paths["counts"].write_text(COUNTS, encoding="utf-8")
    paths["fte"].write_text(FTE, encoding="utf-8")
    return paths


def counts_args(paths, *extra):
    return [
        "gap",
        "--counts",
        paths["counts"],
        "--fte",
        paths["fte"],
        "--scheme",
        "weighted-example",
        *extra,
    ]


def test_counts_by_hand(run, counts):
    """A3: 10 × 1 + 4 × 1.5 + 8 × 1 × 0.25 = 18; A12: 20 × 1.25 + 5 × 1 × 0 = 25 (target 25)."""
    data = as_json(run(*counts_args(counts, "--by", "service_area", "--format", "json")))
    rows = data["rows"]
    assert [r["service_area"] for r in rows] == ["A12 Birmingham", "A3 Greater Manchester", "all"]
    assert "team_type" not in rows[0]
    a3 = row(rows, service_area="A3 Greater Manchester")
    assert a3["weighted_load"] == 18
    assert a3["fte_needed"] == pytest.approx(18 / 25)
    assert a3["gap_fte"] == pytest.approx(18 / 25 - 0.5)
    a12 = row(rows, service_area="A12 Birmingham")
    assert a12["weighted_load"] == 25 and a12["gap_fte"] == pytest.approx(1 - 1.5)
    total = row(rows, service_area="all")
    assert total["gap_fte"] == pytest.approx(43 / 25 - 2.0)
    assert total["shortfall_fte"] == pytest.approx(18 / 25 - 0.5)
    workload = data["sections"]["workload"]
    hub = row(workload, service_area="A3 Greater Manchester", stage="post_assessment_hub")
    assert (hub["count"], hub["weight"], hub["stage_factor"], hub["weighted_workload"]) == (
        8,
        1,
        0.25,
        2,
    )
    assert data["accounting"] == {"rows_read": 5, "weighed": 5, "rejected": 0}


def test_counts_with_team_types_and_napo(run, tmp_path):
    counts = tmp_path / "c.csv"
    fte = tmp_path / "f.csv"
    counts.write_text(
        "service_area,team_type,case_type,count\nA1,eit,wtfh,80\nA1,public_law,s31,33\n",
        encoding="utf-8",
    )
    fte.write_text("service_area,team_type,fte\nA1,eit,1.5\nA1,public_law,2\n", encoding="utf-8")
    rows = as_json(
        run(
            "gap",
            "--counts",
            counts,
            "--fte",
            fte,
            "--scheme",
            "flat",
            "--target",
            "napo",
            "--format",
            "json",
        )
    )["rows"]
    eit = row(rows, team_type="eit")
    assert eit["fte_needed"] == pytest.approx(80 / 40) and eit["gap_fte"] == pytest.approx(0.5)
    public = row(rows, team_type="public_law")
    assert public["fte_needed"] == pytest.approx(33 / 16.5) and public["gap_fte"] == pytest.approx(
        0
    )
    assert row(rows, team_type="all")["fte_needed"] == pytest.approx(4)


def test_counts_rejections(run, counts, tmp_path):
    counts["counts"].write_text(
        COUNTS + "A3 Greater Manchester,s8,wafh,3\nA3 Greater Manchester,s7,wafh,many\n"
        "A3 Greater Manchester,s7,court,1\n,s7,wafh,2\nA3 Greater Manchester,s7,wafh,-1\n",
        encoding="utf-8",
    )
    counts["fte"].write_text(FTE + "A12 Birmingham,2\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = run(*counts_args(counts, "--rejects", rejects, "--format", "json"))
    data = as_json(result)
    assert data["accounting"] == {"rows_read": 10, "weighed": 5, "rejected": 5}
    frame = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    reasons = set(zip(frame["row"], frame["column"], frame["reason"], strict=True))
    assert (
        "7",
        "case_type",
        "case type 's8' is not in the scheme (did you mean s7? known: "
        "addendum, adoption, dols, epo, r16_4, s31, s7, wtfh)",
    ) in reasons
    assert (
        "8",
        "count",
        "count is not a whole number (fractional counts: --count-basis average or received)",
    ) in reasons
    assert (
        "9",
        "stage",
        "stage 'court' is not in the scheme (known: allocation_hub, duty, "
        "post_assessment_hub, wafh, wtfh)",
    ) in reasons
    assert ("10", "service_area", "service_area is blank") in reasons
    assert ("11", "count", "count must be ≥ 0") in reasons
    assert ("4", "service_area", "duplicate service_area (first at row 3)") in reasons
    assert "5 rejected" in result.stderr
    strict = run(*counts_args(counts, "--strict"))
    assert strict.exit_code == 3


@pytest.mark.parametrize(
    "extra,code,message",
    [
        (("--by", "team"), 2, "--by must be national or service_area"),
        (("--target", "lots"), 2, "give a load per FTE"),
        (("--staff", "staff.csv"), 2, "leave out --staff"),
    ],
)
def test_counts_usage_errors(run, counts, extra, code, message):
    result = run(*counts_args(counts, *extra))
    assert result.exit_code == code, result.output
    assert message in result.stderr


def test_counts_file_errors(run, counts, tmp_path):
    assert run("gap", "--counts", counts["counts"]).exit_code == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("service_area,case_type,n\nA1,s7,3\n", encoding="utf-8")
    result = run("gap", "--counts", bad, "--fte", counts["fte"])
    assert result.exit_code == 1 and "missing required header 'count'" in result.stderr
    typed = tmp_path / "typed.csv"
    typed.write_text("service_area,team_type,case_type,count\nA1,eit,wtfh,3\n", encoding="utf-8")
    result = run("gap", "--counts", typed, "--fte", counts["fte"])
    assert result.exit_code == 1 and "needs a team_type column too" in result.stderr
    missing = run("gap", "--counts", tmp_path / "nowhere.csv", "--fte", counts["fte"])
    assert missing.exit_code == 1 and "file not found" in missing.stderr


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "ndjson", "markdown", "html"])
def test_text_formats(run, tiny, counts, fmt):
    for args in (args_for(tiny, "--format", fmt), counts_args(counts, "--format", fmt)):
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        assert "gap_fte" in result.stdout and "fte_needed" in result.stdout
    if fmt == "csv":
        frame = pd.read_csv(io.StringIO(result.stdout))
        assert frame["scheme"].iat[0] == "weighted-example"


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_binary_formats(run, tiny, tmp_path, fmt):
    out = tmp_path / f"gap.{fmt}"
    assert run(*args_for(tiny, "--output", out)).exit_code == 0
    if fmt == "parquet":
        assert "gap_fte" in pd.read_parquet(out).columns
    else:
        from openpyxl import load_workbook

        assert load_workbook(out).sheetnames == ["gap", "Not held by FCA", "about"]


def test_case_errors(run, tiny):
    assert run(*args_for(tiny, "--scheme", "nope")).exit_code == 2
    assert run(*args_for(tiny, "--target", "0")).exit_code == 2
    assert run("gap", tiny["cases"]).exit_code == 2  # no --staff


def test_per_team_type_targets(run, tiny, counts):
    assert parse_target("20, EIT=40,wafh=18") == Target(
        "number", 20.0, (("eit", 40.0), ("wafh", 18.0))
    )
    assert parse_target("napo,public_law=15").by_team_type == (("public_law", 15.0),)
    for bad in ("20,eit", "20,eit=0", "20,eit=1,eit=2", "20,=3"):
        with pytest.raises(UsageError):
            parse_target(bad)
    data = as_json(run(*args_for(tiny, "--target", "1,eit=0.5", "--format", "json")))
    rows = data["rows"]
    assert row(rows, team_type="eit")["fte_needed"] == pytest.approx(2)
    assert row(rows, team_type="wafh")["fte_needed"] == pytest.approx(5)
    assert data["metadata"]["target"] == {"default": 1.0, "by_team_type": {"eit": 0.5}}
    result = run(*counts_args(counts, "--target", "20,eit=40"))
    assert result.exit_code == 2 and "no team_type column" in result.stderr


def test_docs_worked_example_is_real_output(run, tmp_path):
    """docs/gap.md pastes real output; rerun its example and compare."""
    import re

    text = (DOCS / "gap.md").read_text(encoding="utf-8")
    for name in ("area_counts.csv", "area_fte.csv"):
        block = re.search(rf"`{name}`:\n\n```\n(.*?)```", text, re.S).group(1)
        (tmp_path / name).write_text(block, encoding="utf-8")
    result = run(
        "gap",
        "--counts",
        tmp_path / "area_counts.csv",
        "--fte",
        tmp_path / "area_fte.csv",
        "--scheme",
        "weighted-example",
        "--target",
        "napo",
        "--by",
        "service_area",
    )
    assert result.exit_code == 0, result.stderr
    table = result.stdout.split("\n\nWorkload")[0].split("\n\n", 1)[1]
    assert table in text
    csv = run(
        "gap",
        "--counts",
        tmp_path / "area_counts.csv",
        "--fte",
        tmp_path / "area_fte.csv",
        "--scheme",
        "flat",
        "--target",
        "20,eit=40",
        "--format",
        "csv",
    ).stdout
    first = "\n".join(",".join(line.split(",")[:8]) for line in csv.splitlines())
    assert first in text


def test_single_number_target_warns_that_eit_shares_it(run):
    plain = run("gap", "--scheme", "flat", "--target", "17.4")
    assert "17.4 applies to every team type, EIT included" in plain.stdout
    own = run("gap", "--scheme", "flat", "--target", "17.4,eit=40")
    assert "EIT included" not in own.stdout


@pytest.mark.parametrize("target", ["0", "1e-300", "5000", "nan"])
def test_implausible_numeric_targets_are_usage_errors(run, target):
    result = run("gap", "--target", target)
    assert result.exit_code == 2
    assert "must be a load per FTE from 0.1 to 1000" in result.stderr


# --------------------------------------------------------------------------- everyone at target


def test_excess_is_each_workers_own_excess_by_hand(run, tiny):
    """Target 3.5, WAFH: W001 3 cases on 0.9 FTE needs 0.857 (no excess), W002 2 cases on
    0.5 FTE needs 0.571 (0.071 over). The team as a whole is only 0.029 short: W001's
    spare room offsets W002 in shortfall_fte, never in excess_fte."""
    data = as_json(run(*args_for(tiny, "--target", "3.5", "--format", "json")))
    wafh = row(data["rows"], team_type="wafh")
    assert wafh["excess_fte"] == pytest.approx(2 / 3.5 - 0.5, abs=1e-6)
    assert wafh["shortfall_fte"] == pytest.approx(5 / 3.5 - 1.4, abs=1e-6)
    total = row(data["rows"], team_type="all")
    assert total["excess_fte"] == pytest.approx(2 / 3.5 - 0.5, abs=1e-6)  # nobody else is over
    assert list(data["rows"][0])[-1] == "excess_fte"  # added at the end of the table
    assert any("excess_fte = Σ over workers of max(0, load / target" in n for n in data["notes"])


def test_gap_shortfall_excess_order_on_the_sample(run):
    for by in ("national", "service_area", "team"):
        rows = as_json(run("gap", "--by", by, "--target", "20,eit=40", "--format", "json"))["rows"]
        for r in rows:
            assert r["gap_fte"] <= r["shortfall_fte"] + 1e-6 <= r["excess_fte"] + 2e-6, r


# --------------------------------------------------------------------------- work not held


def test_count_not_held_by_hand(run, tiny):
    """Target 1: the allocation hub, post-assessment hub and PS-held s7 cases each need
    1 FTE; every case of the file is then in the national row."""
    data = as_json(
        run(*args_for(tiny, "--scheme", "flat", "--target", "1", "--count-not-held", "all",
                      "--format", "json"))
    )  # fmt: skip
    rows = data["rows"]
    assert [r["team_type"] for r in rows] == [
        "eit",
        "public_law",
        "wafh",
        "allocation_hub",
        "post_assessment_hub",
        "manager_held",
        "all",
    ]
    for kind in ("allocation_hub", "post_assessment_hub", "manager_held"):
        found = row(rows, team_type=kind)
        assert (found["workers"], found["cases"], found["available_fte"]) == (0, 1, 0)
        assert found["fte_needed"] == found["gap_fte"] == found["shortfall_fte"] == 1
        assert found["excess_fte"] == 1
    total = row(rows, team_type="all")
    assert total["cases"] == 10 and total["weighted_load"] == 10  # every case in the file
    assert total["fte_needed"] == pytest.approx(10)
    assert total["shortfall_fte"] == pytest.approx(0.2 + 3.6 + 3)
    assert data["metadata"]["count_not_held"] == [
        "unallocated",
        "duty",
        "allocation_hub",
        "post_assessment_hub",
        "manager_held",
    ]
    assert any(n.startswith("Counted as need (--count-not-held): unallocated 0 cases") for n in
               data["notes"])  # fmt: skip


def test_count_not_held_by_area_has_its_own_group_and_targets_by_team_type(run, tiny):
    data = as_json(
        run(*args_for(tiny, "--scheme", "weighted-example", "--count-not-held",
                      "allocation_hub,post_assessment_hub", "--by", "service_area",
                      "--format", "json"))
    )  # fmt: skip
    rows = data["rows"]
    assert [(r["service_area"], r["team_type"]) for r in rows][-4:] == [
        ("not held by an FCA", "allocation_hub"),
        ("not held by an FCA", "post_assessment_hub"),
        ("not held by an FCA", "all"),
        ("all", "all"),
    ]
    hub = row(rows, service_area="not held by an FCA", team_type="post_assessment_hub")
    # weighted-example: s7 2 children = 1.25, × 0.25 in the hub; private law: WAFH's 25
    assert hub["weighted_load"] == pytest.approx(0.3125)
    assert hub["fte_needed"] == pytest.approx(0.3125 / 25)
    allocation = row(rows, service_area="not held by an FCA", team_type="allocation_hub")
    assert allocation["weighted_load"] == 0  # allocation hub × 0: counted, weighs nothing


def test_count_not_held_never_counts_a_case_twice(run, tiny):
    """With --population all the practice supervisor's case is already in the workload."""
    result = run(*args_for(tiny, "--population", "all", "--count-not-held", "manager_held",
                           "--format", "json"))  # fmt: skip
    data = as_json(result)
    assert [r["team_type"] for r in data["rows"]] == ["eit", "public_law", "wafh", "all"]
    assert row(data["rows"], team_type="all")["cases"] == 8
    assert any("1 case(s) of these kinds are in the loads of the workers counted" in n
               for n in data["notes"])  # fmt: skip


@pytest.mark.parametrize(
    "extra,message",
    [
        (
            ("--count-not-held", "hubs"),
            "--count-not-held 'hubs' is not a kind of work outside FCAs' caseloads (known: "
            "unallocated, duty, allocation_hub, post_assessment_hub, manager_held, all)",
        ),
        (("--count-not-held", "dutty"), "(did you mean duty? known:"),
        (
            ("--count-not-held", "all", "--min-group", "3", "--by", "service_area"),
            "--count-not-held and --min-group do not go together",
        ),
        (
            ("--count-not-held", "all", "--team", "Team A"),
            "--count-not-held counts work no team holds: leave out --team, --service-area and "
            "--worker",
        ),
    ],
)
def test_count_not_held_errors(run, tiny, extra, message):
    result = run(*args_for(tiny, *extra))
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_count_not_held_needs_case_level_data(run, counts):
    result = run(*counts_args(counts, "--count-not-held", "all"))
    assert result.exit_code == 2
    assert "--count-not-held needs case-level data" in result.stderr


# --------------------------------------------------------------------------- what a count is


AVERAGE = """service_area,case_type,stage,count
A3 Greater Manchester,s7,wafh,10.5
A3 Greater Manchester,r16_4,wafh,4.25
A12 Birmingham,s31,wafh,20
"""
RECEIVED = """service_area,case_type,stage,count,duration_weeks
A3 Greater Manchester,s7,wafh,52,54
A3 Greater Manchester,s7,wafh,26,26
A3 Greater Manchester,r16_4,wafh,13,96
A12 Birmingham,s31,wafh,104,45
"""


def test_average_counts_may_be_fractional(run, counts):
    counts["counts"].write_text(AVERAGE, encoding="utf-8")
    data = as_json(run(*counts_args(counts, "--count-basis", "average", "--format", "json")))
    total = data["rows"][-1]  # the national row (no team_type column in these counts)
    assert total["weighted_load"] == pytest.approx(10.5 + 4.25 * 1.5 + 20 * 1.25)
    workload = data["sections"]["workload"]
    assert sum(r["weighted_workload"] for r in workload) == pytest.approx(total["weighted_load"])
    assert data["metadata"]["count_basis"] == "average"
    assert any(n.startswith("Counts are the average number open") for n in data["notes"])


def test_received_counts_become_open_cases_by_littles_law(run, counts):
    """52 s7 a year open 54 weeks keep 54 open; 26 more open 26 weeks keep 13: 67 in all,
    shown with the effective duration 67 × 52 / 78; R16.4 13 × 96 / 52 = 24 open × 1.5."""
    counts["counts"].write_text(RECEIVED, encoding="utf-8")
    data = as_json(run(*counts_args(counts, "--count-basis", "received", "--period-weeks", "52",
                                    "--by", "service_area", "--format", "json")))  # fmt: skip
    workload = data["sections"]["workload"]
    s7 = row(workload, case_type="s7")
    assert (s7["count"], s7["open_cases"]) == (78, 67)
    assert s7["duration_weeks"] == pytest.approx(67 * 52 / 78, abs=1e-6)
    assert list(s7)[:6] == ["service_area", "case_type", "stage", "count", "duration_weeks",
                            "open_cases"]  # fmt: skip
    r16 = row(workload, case_type="r16_4")
    assert r16["open_cases"] == 24 and r16["weighted_workload"] == 36
    a3 = row(data["rows"], service_area="A3 Greater Manchester")
    assert a3["weighted_load"] == pytest.approx(67 + 36)
    total = row(data["rows"], service_area="all")
    assert total["weighted_load"] == pytest.approx(sum(r["weighted_workload"] for r in workload))
    assert data["metadata"]["period_weeks"] == 52
    assert any("open cases = count × duration_weeks / period_weeks" in n for n in data["notes"])


def test_received_counts_reject_bad_durations(run, counts, tmp_path):
    counts["counts"].write_text(
        RECEIVED + "A3 Greater Manchester,s7,wafh,5,\nA3 Greater Manchester,s7,wafh,5,0\n"
        "A3 Greater Manchester,s7,wafh,5,long\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    result = run(*counts_args(counts, "--count-basis", "received", "--period-weeks", "52",
                              "--rejects", rejects))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    reasons = set(zip(frame["row"], frame["column"], frame["reason"], strict=True))
    assert reasons >= {
        ("6", "duration_weeks", "duration_weeks is blank"),
        ("7", "duration_weeks", "duration_weeks must be above 0"),
        ("8", "duration_weeks", "duration_weeks is not a number"),
    }


@pytest.mark.parametrize(
    "extra,code,message",
    [
        (
            ("--count-basis", "recieved", "--period-weeks", "52"),
            2,
            "--count-basis 'recieved' is not a basis (did you mean received? known: open, "
            "average, received)",
        ),
        (
            ("--count-basis", "received"),
            2,
            "--count-basis received needs --period-weeks N: the weeks the counts were received "
            "over (52 for a year)",
        ),
        (("--period-weeks", "52"), 2, "--period-weeks goes with --count-basis received"),
        (
            ("--count-basis", "received", "--period-weeks", "0"),
            2,
            "--period-weeks 0: give a number of weeks above 0 and at most 520",
        ),
        (
            ("--count-basis", "received", "--period-weeks", "52"),
            1,
            "missing required header 'duration_weeks'",
        ),
    ],
)
def test_count_basis_errors(run, counts, extra, code, message):
    result = run(*counts_args(counts, *extra))
    assert result.exit_code == code, result.output
    assert message in result.stderr


def test_duration_column_needs_received_basis(run, counts):
    counts["counts"].write_text(RECEIVED, encoding="utf-8")
    result = run(*counts_args(counts))
    assert result.exit_code == 2
    assert "has a duration_weeks column, which only counts received over a period use" in (
        result.stderr
    )


def test_count_basis_needs_counts(run, tiny):
    result = run(*args_for(tiny, "--count-basis", "average"))
    assert result.exit_code == 2
    assert (
        "--count-basis and --period-weeks say what a --counts file holds: give --counts FILE "
        "--fte FILE"
    ) in result.stderr


WISN_KENYA = DOCS / "peer-models" / "wisn-kenya-clinicians.toml"


def test_individual_allowance_hours_are_checked_and_added_per_area(run, tmp_path):
    """IAF = hours / 1,432 h of working time; blank is none; bad values reject the FTE
    row; with no team_type in the counts, FTE rows and their hours add up per area."""
    counts = tmp_path / "counts.csv"
    counts.write_text(
        "service_area,case_type,count\nNorth,consultation,14320\nSouth,consultation,5728\n"
        "East,consultation,100\n",
        encoding="utf-8",
    )
    fte = tmp_path / "fte.csv"
    fte.write_text(
        "service_area,team_type,fte,individual_allowance_hours\n"
        "North,clinic,1,716\nNorth,outreach,1,716\nSouth,clinic,2,\n"
        "East,clinic,1,lots\nEast,outreach,1,-3\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    result = run(
        "gap", "--counts", counts, "--fte", fte, "--scheme", WISN_KENYA,
        "--by", "service_area", "--rejects", rejects, "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = {row["service_area"]: row for row in as_json(result)["rows"]}
    assert rows["North"]["individual_allowance_fte"] == 1.0  # 1,432 h / 1,432 h
    assert rows["North"]["fte_needed"] == 2.5 + 1.0  # 3,580 h / 1,432 h + IAF
    assert rows["North"]["target_per_fte"] == 1432
    assert rows["South"]["individual_allowance_fte"] == 0.0
    assert rows["South"]["fte_needed"] == 1.0
    assert rows["all"]["individual_allowance_fte"] == 1.0
    frame = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert list(zip(frame["row"], frame["column"], frame["reason"], strict=True)) == [
        ("5", "individual_allowance_hours", "individual_allowance_hours is not a number"),
        ("6", "individual_allowance_hours", "individual_allowance_hours must be ≥ 0"),
    ]


def test_individual_allowance_hours_need_an_hours_scheme(run, counts):
    counts["fte"].write_text(
        "service_area,fte,individual_allowance_hours\nA3 Greater Manchester,1,10\n",
        encoding="utf-8",
    )
    result = run(*counts_args(counts))
    assert result.exit_code == 2
    assert "individual_allowance_hours column, which needs a scheme that weighs in hours" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
