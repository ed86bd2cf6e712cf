"""Public weighting models reproduced through scheme files and input files alone.

Each test runs the CLI on a scheme file shipped in docs/peer-models/ (or on that file
changed with --set, as a negotiator would) and on input files written here, and checks
the figure the source prints. No code in the package knows about any of these models;
docs/peer-models.md lists every figure's source.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import as_json

ROOT = Path(__file__).resolve().parents[2]
WMT = ROOT / "docs" / "peer-models" / "wmt-seed.toml"
WISN_KENYA = ROOT / "docs" / "peer-models" / "wisn-kenya-clinicians.toml"

CASE_HEADER = "case_id,worker_id,law,case_type,stage,children,opened,snapshot"
STAFF_HEADER = "worker_id,name,team,service_area,role,team_type,contracted_hours,grade"


def write(folder: Path, name: str, header: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def cases_rows(worker: str, spec: list[tuple[str, str, int]], extra: str = "") -> list[str]:
    """`count` case rows of each (tier, location) for `worker`."""
    rows = []
    for tier, location, count in spec:
        for _ in range(count):
            number = len(rows) + 1
            rows.append(
                f"{worker}-{number},{worker},public,{tier},{location},1,2026-01-05,2026-03-31"
                + extra
            )
    return rows


def worker_figures(run, *args) -> dict[str, dict]:
    result = run("load", *args, "--scheme", WMT, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {row["worker_id"]: row for row in as_json(result)["rows"]}


def staff(folder: Path, *rows: str) -> Path:
    return write(folder, "staff.csv", STAFF_HEADER, list(rows))


def test_wmt_points_available_points_and_capacity_end_to_end(run, tmp_path):
    """A probation officer on 37 hours with 3.7 reduction hours: tier points by location,
    court reports, and contacts (negative when done by others). Expected figures worked
    from the seed points and the formulas of WorkloadCalculator.kt / CapacityCalculator.kt:
    1,164 case points + 471 report points + 17 contact points = 1,652; available points
    trunc(2176 × 33.3 / 37) = 1,958; capacity 1,652 / 1,958 = 84.4%."""
    spec = [
        ("b2", "community", 2),
        ("c1", "community", 5),
        ("d1", "community", 10),
        ("c2", "custody", 3),
        ("b3", "licence", 2),
    ]
    cases = write(tmp_path, "cases.csv", CASE_HEADER, cases_rows("P1", spec))
    people = staff(tmp_path, "P1,Pat Officer,Team 1,North,fca,community,37,po")
    reductions = write(tmp_path, "reductions.csv", "worker_id,reason,hours", ["P1,other,3.7"])
    activities = write(
        tmp_path,
        "activities.csv",
        "worker_id,activity,count",
        [
            "P1,standard_court_report,2",
            "P1,fast_court_report,3",
            "P1,cms02_outside_caseload,2",
            "P1,cms04_by_others,1",
        ],
    )
    args = ["--staff", people, "--reductions", reductions, "--activities", activities]
    figures = worker_figures(run, cases, *args)["P1"]
    assert figures["case_load"] == 1164
    assert figures["activity_load"] == 471 + 26 - 9
    assert figures["weighted_load"] == 1652
    assert figures["capacity"] == 1958
    assert figures["utilisation_pct"] == 84.4
    assert figures["band"] == "within"
    assert figures["grade"] == "po"


@pytest.mark.parametrize(("hours", "available"), [(37.0, 2070), (30.0, 1658)])
def test_wmt_available_points_are_truncated(run, tmp_path, hours, available):
    """hmpps-workload CapacityCalculatorTest: 2,176 points at 37 default hours, 1.8
    reduction hours: 2,070 available at 37 hours, 1,658 at 30."""
    cases = write(tmp_path, "cases.csv", CASE_HEADER, cases_rows("P1", [("d0", "community", 1)]))
    people = staff(tmp_path, f"P1,Pat Officer,Team 1,North,fca,community,{hours:g},po")
    reductions = write(tmp_path, "reductions.csv", "worker_id,reason,hours", ["P1,other,1.8"])
    figures = worker_figures(run, cases, "--staff", people, "--reductions", reductions)["P1"]
    assert figures["capacity"] == available


def test_wmt_capacity_is_half_up_to_one_decimal_and_teams_divide_sums(run, tmp_path):
    """hmpps-workload GetOffenderManagerServiceTest: 15 points of 102 available is 14.7%;
    wmt-web get-capacity-view: 90 of 100 and 35 of 70 are 90% and 50%, and their team is
    125 / 170 = 73.5% (a ratio of sums, never a mean of percentages)."""
    spec = [("a0", "community", 1)]  # 110 points each; --set makes a0 worth what we need
    rows = [
        *cases_rows("P1", spec),
        *cases_rows("P2", spec),
        *cases_rows("P3", spec),
    ]
    cases = write(tmp_path, "cases.csv", CASE_HEADER, rows)
    people = staff(
        tmp_path,
        "P1,Pat One,Team 1,North,fca,community,37,po",
        "P2,Pat Two,Team 2,North,fca,community,37,pso",
        "P3,Pat Three,Team 2,North,fca,community,37,spo",
    )
    activities = write(
        tmp_path,
        "activities.csv",
        "worker_id,activity,count",
        ["P1,fast_court_report,15", "P2,fast_court_report,90", "P3,fast_court_report,35"],
    )
    settings = [
        "--set",
        "weights.case_type.a0=0",
        "--set",
        "activities.fast_court_report.weight=1",
        "--set",
        "grades.po.target=102",
        "--set",
        "grades.pso.target=100",
        "--set",
        "grades.spo.target=70",
    ]
    args = ["--staff", people, "--activities", activities, *settings]
    figures = worker_figures(run, cases, *args)
    assert [figures[w]["utilisation_pct"] for w in ("P1", "P2", "P3")] == [14.7, 90.0, 50.0]
    result = run("load", cases, *args, "--scheme", WMT, "--by", "team", "--format", "json")
    teams = {row["team"]: row for row in as_json(result)["rows"]}
    assert (teams["Team 2"]["weighted_load"], teams["Team 2"]["capacity"]) == (125, 170)
    assert teams["Team 2"]["utilisation_pct"] == 73.5


def test_wmt_spo_has_no_available_points_and_zero_capacity(run, tmp_path):
    """wmt-probation-rules: an SPO's default contracted hours are 0, so no available
    points; capacity is then 0 (CapacityCalculator returns ZERO), not blank."""
    cases = write(tmp_path, "cases.csv", CASE_HEADER, cases_rows("P1", [("d1", "community", 1)]))
    people = staff(tmp_path, "P1,Sam Senior,Team 1,North,fca,community,37,spo")
    figures = worker_figures(run, cases, "--staff", people)["P1"]
    assert (figures["weighted_load"], figures["capacity"], figures["utilisation_pct"]) == (
        29,
        0,
        0.0,
    )


def test_wmt_inactive_t2a_cases_keep_their_weighting_percentage(run, tmp_path):
    """wmt-probation-rules test-calculate-points-for-tier: 10 T2A cases at 1 point with
    one warrant (weighting 75), one unpaid-work-only (50) and one overdue termination
    (50) give 10 − 1 × 0.25 − 1 × 0.5 − 1 × 0.5 = 8.75 points."""
    header = CASE_HEADER + ",warrant,upw_only,overdue_termination"
    plain = cases_rows("P1", [("t2a_d1", "community", 7)], ",false,false,false")
    inactive = [
        "W,P1,public,t2a_d1,community,1,2026-01-05,2026-03-31,true,false,false",
        "U,P1,public,t2a_d1,community,1,2026-01-05,2026-03-31,false,true,false",
        "O,P1,public,t2a_d1,community,1,2026-01-05,2026-03-31,false,false,true",
    ]
    cases = write(tmp_path, "cases.csv", header, [*plain, *inactive])
    people = staff(tmp_path, "P1,Pat Officer,Team 1,North,fca,community,37,po")
    settings = ["--set", "weights.case_type.t2a_d1=1"]
    settings += ["--set", "modifiers.0.multiply=0.75", "--set", "modifiers.1.multiply=0.5"]
    settings += ["--set", "modifiers.2.multiply=0.5"]
    figures = worker_figures(run, cases, "--staff", people, *settings)["P1"]
    assert figures["weighted_load"] == 8.75
    # The same flags on a non-T2A tier change nothing: inactive cases are already out.
    other = [
        "X,P1,public,d1,community,1,2026-01-05,2026-03-31,true,false,false",
    ]
    cases = write(tmp_path, "cases.csv", header, other)
    assert worker_figures(run, cases, "--staff", people, *settings)["P1"]["weighted_load"] == 29


@pytest.mark.parametrize(("percent", "hours"), [(40, 14.8), (47, 17.39), (50, 18.5)])
def test_wmt_reduction_percent_becomes_hours_of_a_37_hour_contract(run, tmp_path, percent, hours):
    """wmt-web reduction-hours-calculator: 40%, 47% and the 50% facility-time cap of 37
    contracted hours are 14.8, 17.39 and 18.5 hours."""
    cases = write(tmp_path, "cases.csv", CASE_HEADER, cases_rows("P1", [("d1", "community", 1)]))
    people = staff(tmp_path, "P1,Pat Officer,Team 1,North,fca,community,37,po")
    reductions = write(
        tmp_path,
        "reductions.csv",
        "worker_id,reason,percent",
        [f"P1,trade_union_facility_time,{percent}"],
    )
    figures = worker_figures(run, cases, "--staff", people, "--reductions", reductions)["P1"]
    assert figures["reduction_hours"] == pytest.approx(hours)


HOURS_SCHEME = """
name = "{name}"
title = "{title}"
version = "1"
unit = "hours"

[weights.case_type]
{weights}

[weights.stage]
open = 1.0

[capacity]
allowance_percent = {allowance}

[capacity.working_time]
{working_time}

[banding]
reference_target = 100.0

[[banding.bands]]
name = "within"
colour = "#2E7D32"
up_to = 100.0

[[banding.bands]]
name = "over"
colour = "#C62828"
"""


def gap_from_counts(
    run, folder: Path, scheme: str | Path, counts: list[str], *args, fte: str = "Unit,1"
) -> dict:
    """The national row of `gap --counts` on these counts and an FTE file (`fte` is its
    rows after the header `service_area,fte[,individual_allowance_hours]`)."""
    if isinstance(scheme, str):
        (folder / "model.toml").write_text(scheme, encoding="utf-8")
        scheme = folder / "model.toml"
    counts_file = write(folder, "counts.csv", "service_area,case_type,count", counts)
    header = "service_area,fte" + (",individual_allowance_hours" if fte.count(",") > 1 else "")
    fte_file = write(folder, "fte.csv", header, fte.splitlines())
    result = run(
        "gap",
        "--counts",
        counts_file,
        "--fte",
        fte_file,
        "--scheme",
        scheme,
        "--format",
        "json",
        *args,
    )
    assert result.exit_code == 0, result.stderr
    return as_json(result)["rows"][0]


def need_from_counts(run, folder: Path, scheme: str, counts: list[str]) -> float:
    return gap_from_counts(run, folder, scheme, counts)["fte_needed"]


def test_wisn_kenya_clinicians_need_17_46_staff(run, tmp_path):
    """Burmen et al. 2017, Table 3: 100,000 consultations a year × 0.25 h = 25,000 h
    (3,125 days of 8 h); available working time 52 × 4.5 = 234 days − 10 public
    holidays − 30 leave − 15 sick = 179 days (1,432 h); baseline staff 3,125 / 179 =
    17.46. The scheme file is docs/peer-models/wisn-kenya-clinicians.toml."""
    row = gap_from_counts(
        run, tmp_path, WISN_KENYA, ["Clinic,consultation,100000"], fte="Clinic,12"
    )
    assert row["weighted_load"] == 25_000
    assert row["target_per_fte"] == 1_432
    assert round(row["fte_needed"], 2) == 17.46
    assert row["gap_fte"] == pytest.approx(17.4581 - 12, abs=1e-4)


def test_wisn_kenya_category_allowance_of_10_training_days(run, tmp_path):
    """Table 3 goes on: the category allowance is 10 days a year of training, a share
    10/179 of the available time. The rest of the table (its CAF and total) could not be
    read, so the figure here is WISN's formula on the published inputs, not a printed
    result: CAS 5.5866%, CAF = 1 / (1 − 10/179) = 179/169, baseline × CAF = 25,000 /
    (169 × 8) = 18.49 staff. The allowance is given as a negotiator would, with --set."""
    row = gap_from_counts(
        run,
        tmp_path,
        WISN_KENYA,
        ["Clinic,consultation,100000"],
        "--set",
        f"capacity.allowance_percent={10 / 179 * 100!r}",
        fte="Clinic,12",
    )
    assert row["fte_needed"] == pytest.approx(25_000 / (169 * 8), abs=1e-5)
    assert round(row["fte_needed"], 2) == 18.49


def test_wisn_individual_allowance_factor_adds_staff_for_hours_over_working_time(run, tmp_path):
    """WISN: required staff = baseline × CAF + IAF, IAF = individual allowance hours /
    AWT. Made-up allowance (not from the paper): 477.33 h of a manager's duties a year
    over 1,432 h is 0.3333 staff, added after the CAF and not scaled by it."""
    row = gap_from_counts(
        run,
        tmp_path,
        WISN_KENYA,
        ["Clinic,consultation,100000"],
        "--set",
        f"capacity.allowance_percent={10 / 179 * 100!r}",
        fte="Clinic,12,477.33",
    )
    assert row["individual_allowance_fte"] == pytest.approx(477.33 / 1432, abs=1e-5)
    assert row["fte_needed"] == pytest.approx(25_000 / 1352 + 477.33 / 1432, abs=1e-5)
    assert row["target_per_fte"] == 1352  # the load's target: allowance staff carry none


def test_wisn_staff_need_is_workload_over_working_time_times_caf(run, tmp_path):
    """WISN's formula (manual, 2010): AWT = (260 − 45 days) × 8 h = 1,720 h; staff for the
    service = Σ volume × time / AWT; × CAF = 1 / (1 − 17.5%). Made-up volumes (the
    manual's own example could not be obtained): 20,000 visits of 15 minutes and 5,000 of
    10 minutes need 3.3914729 × 1.2121212 = 4.1108763 staff."""
    scheme = HOURS_SCHEME.format(
        name="wisn-check",
        title="WISN formula check (made-up volumes)",
        weights="visit = 0.25\nimmunisation = 0.166667  # 10 minutes",
        allowance=17.5,
        working_time="days = 260\npublic_holidays = 10\nleave_days = 20\n"
        "sickness_days = 10\ntraining_days = 5\nhours_per_day = 8",
    )
    needed = need_from_counts(run, tmp_path, scheme, ["Unit,visit,20000", "Unit,immunisation,5000"])
    assert needed == pytest.approx(4.1108763, abs=1e-5)


def test_court_weighted_caseload_is_filings_times_weights_over_the_year_value(run, tmp_path):
    """NCSC method: judges needed = Σ filings × case weight / year value. Published Texas
    2007 case weights (felony A 186, felony B 39, misdemeanour 12, divorce 47, contract 53
    minutes) and its 215 days a year, at 6 case-related hours a day (77,400 minutes), with
    made-up filings: 231,300 minutes / 77,400 = 2.99 judges."""
    minutes = {"felony_a": 186, "felony_b": 39, "misdemeanour": 12, "divorce": 47, "contract": 53}
    scheme = HOURS_SCHEME.format(
        name="court-check",
        title="Weighted caseload check (made-up filings)",
        weights="\n".join(f"{code} = {m / 60:.6f}" for code, m in minutes.items()),
        allowance=0,
        working_time="days = 215\nhours_per_day = 6",
    )
    filings = {
        "felony_a": 400,
        "felony_b": 1200,
        "misdemeanour": 3000,
        "divorce": 900,
        "contract": 600,
    }
    counts = [f"Unit,{code},{count}" for code, count in filings.items()]
    needed = need_from_counts(run, tmp_path, scheme, counts)
    assert round(needed, 2) == 2.99
    assert needed == pytest.approx(231_300 / 77_400, abs=1e-5)


def test_wmt_available_points_use_the_grades_default_hours(run, tmp_path):
    """wmt-probation-rules test-calculate-available-points: a nominal target of 7 with
    default contracted hours 12 (PSO) and 7 (PO): 40 hours give trunc(7 × 40 / 12) = 23
    for a PSO and 40 for a PO; a PSO with no contracted hours gets the band's 12: 7."""
    rows = [
        *cases_rows("P1", [("d1", "community", 1)]),
        *cases_rows("P2", [("d1", "community", 1)]),
        *cases_rows("P3", [("d1", "community", 1)]),
    ]
    cases = write(tmp_path, "cases.csv", CASE_HEADER, rows)
    people = staff(
        tmp_path,
        "P1,Pat One,Team 1,North,fca,community,40,pso",
        "P2,Pat Two,Team 1,North,fca,community,40,po",
        "P3,Pat Three,Team 1,North,fca,community,,pso",
    )
    settings = []
    for change in (
        "grades.pso.target=7",
        "grades.pso.full_time_hours=12",
        "grades.pso.default_hours=12",
        "grades.po.target=7",
        "grades.po.full_time_hours=7",
    ):
        settings += ["--set", change]
    figures = worker_figures(run, cases, "--staff", people, *settings)
    assert [figures[w]["capacity"] for w in ("P1", "P2", "P3")] == [23, 40, 7]
    assert figures["P3"]["contracted_hours"] == 12
    without = worker_figures(run, cases, "--staff", people, *settings[:-6])
    assert "P3" not in without  # no default hours: the row is rejected, not guessed
