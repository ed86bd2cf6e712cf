"""Validate → weigh → aggregate on the tiny data set, with hand-computed numbers."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pandas as pd
import pytest
from conftest import CASES_CSV, REDUCTIONS_CSV, STAFF_CSV

from caseload_cli.contract.validate import validate
from caseload_cli.core.model import Table
from caseload_cli.engine.aggregate import not_held_by_fca, roll_up
from caseload_cli.engine.weighed import weigh
from caseload_cli.reports.load import load_report
from caseload_cli.scheme.model import load_scheme


def table(text: str, source: str) -> Table:
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return Table(frame=frame, source=source, row_numbers=np.arange(2, len(frame) + 2))


@pytest.fixture
def valid():
    scheme = load_scheme("weighted-example")
    return validate(
        table(CASES_CSV, "cases.csv"),
        table(STAFF_CSV, "staff.csv"),
        table(REDUCTIONS_CSV, "reductions.csv"),
        [scheme],
    )


def test_everything_valid_and_accounted(valid):
    assert valid.accounting == {
        "rows_read": 10,
        "weighed": 10,
        "rejected": 0,
        "staff_rows_read": 5,
        "staff_rejected": 0,
        "reduction_rows_read": 3,
        "reductions_rejected": 0,
        "reductions_inactive": 1,
    }
    assert valid.snapshot == date(2022, 4, 30)
    assert valid.rejects.empty


def test_case_weights_by_hand(valid):
    parts = weigh(valid, load_scheme("weighted-example")).parts
    weights = dict(zip(valid.cases["case_id"], parts["weight"], strict=True))
    assert weights["0000001"] == 1.0  # s7, one child
    # r16_4 1.5 + 2 extra children × 0.25 = 2.0, domestic abuse × 1.1 = 2.2
    assert weights["0000002"] == pytest.approx(2.2)
    # s7 1 + 1 extra child 0.25 = 1.25, interpreter + 0.1
    assert weights["0000003"] == pytest.approx(1.35)
    assert weights["0000005"] == 0.5  # addendum
    # s31 1.25 + min(3, 3) × 0.25 = 2.0 × 1.1 = 2.2 + 0.1 = 2.3
    assert weights["0000008"] == pytest.approx(2.3)
    assert weights["0000009"] == 0.0  # allocation hub counts 0
    # post-assessment hub: (1 + 0.25) × 0.25
    assert weights["0000010"] == pytest.approx(0.3125)
    additive = parts.drop(columns=["stage_factor", "weight"]).sum(axis=1)
    assert np.allclose(additive, parts["weight"], atol=1e-9)


def test_worker_loads_capacity_and_bands(valid):
    scheme = load_scheme("weighted-example")
    workers = weigh(valid, scheme).workers.set_index("worker_id")
    ada = workers.loc["W001"]
    assert ada["cases"] == 3 and ada["children"] == 6
    assert ada["weighted_load"] == pytest.approx(1.0 + 2.2 + 1.35)
    # 10% union facility time of 37 h: available 0.9 FTE; target 25
    assert ada["reduction_hours"] == pytest.approx(3.7)
    assert ada["capacity"] == pytest.approx(22.5)
    assert ada["napo_safe_load"] == pytest.approx(17.4 * 0.9)
    assert ada["band"] == "green"
    ben = workers.loc["W002"]
    assert ben["fte"] == pytest.approx(0.5)
    assert ben["capacity"] == pytest.approx(12.5)
    cal = workers.loc["W003"]
    # only the phased return is active on 30 April 2022: 37 - 7.4 = 29.6 h
    assert cal["available_fte"] == pytest.approx(0.8)
    assert cal["capacity"] == pytest.approx(32.0)
    assert cal["napo_level"] == pytest.approx(40.0)
    dee = workers.loc["W004"]
    assert dee["target"] == 10.0  # practice supervisors by role in this scheme
    eve = workers.loc["W005"]
    assert eve["napo_level"] == 16.5


def test_band_edges_are_inclusive(valid):
    scheme = load_scheme("flat")
    from caseload_cli.engine.bands import assign_bands

    load = pd.Series([0, 20, 20.0000001, 25, 25.01, 32, 3])
    capacity = pd.Series([25, 25, 25, 25, 25, 40, 0])
    assert list(assign_bands(load, capacity, scheme)) == [
        "green",
        "green",
        "amber",
        "amber",
        "red",
        "green",
        "red",
    ]


def test_roll_ups_reconcile(valid):
    scheme = load_scheme("weighted-example")
    workers = weigh(valid, scheme).workers
    teams = roll_up(workers, "team", scheme)
    areas = roll_up(workers, "service_area", scheme)
    nation = roll_up(workers, "national", scheme)
    for frame in (teams, areas, nation):
        assert frame["weighted_load"].sum() == pytest.approx(workers["weighted_load"].sum())
        assert frame["capacity"].sum() == pytest.approx(workers["capacity"].sum())
        assert frame["workers"].sum() == len(workers)
    team_a = teams.set_index("team").loc["Team A"]
    assert team_a["utilisation_pct"] == pytest.approx(round((4.55 + 1.5) / (22.5 + 12.5) * 100, 2))
    assert (
        nation["band_green"].iat[0] + nation["band_amber"].iat[0] + nation["band_red"].iat[0] == 5
    )


def test_work_not_held_by_fcas_is_reported(valid):
    scheme = load_scheme("weighted-example")
    weighed = weigh(valid, scheme)
    section = not_held_by_fca(valid.cases, weighed.parts["weight"], valid.staff).set_index(
        "category"
    )
    assert section.loc["allocation_hub", "cases"] == 1
    assert section.loc["post_assessment_hub", "weighted_load"] == pytest.approx(0.3125)
    assert section.loc["manager_held", "cases"] == 1
    assert section.loc["unallocated", "cases"] == 0
    total = weighed.parts["weight"].sum()
    in_workers = weighed.workers["weighted_load"].sum()
    unallocated = section.loc[["allocation_hub", "post_assessment_hub"], "weighted_load"].sum()
    assert in_workers + unallocated == pytest.approx(total)


def test_report_carries_scheme_and_accounting(valid):
    scheme = load_scheme("flat")
    report = load_report(valid, scheme, "worker")
    assert report.schemes[0].fingerprint == scheme.fingerprint
    assert report.accounting["weighed"] == 10
    assert list(report.rows.columns[:6]) == [
        "worker_id",
        "name",
        "team",
        "service_area",
        "role",
        "team_type",
    ]
    for column in (
        "fte",
        "cases",
        "children",
        "weighted_load",
        "capacity",
        "utilisation_pct",
        "band",
        "napo_safe_load",
        "over_napo",
    ):
        assert column in report.rows.columns


def test_fte_only_staff_use_each_schemes_full_time_hours():
    staff = (
        STAFF_CSV.replace("contracted_hours", "fte")
        .replace(",37\n", ",1\n")
        .replace(",18.5\n", ",0.5\n")
    )
    long_week = load_scheme("flat", ["capacity.full_time_hours=40"])
    schemes = [load_scheme("flat"), long_week]
    valid = validate(table(CASES_CSV, "cases.csv"), table(staff, "staff.csv"), None, schemes)
    for scheme, hours in ((schemes[0], 18.5), (long_week, 20.0)):
        ben = weigh(valid, scheme).workers.set_index("worker_id").loc["W002"]
        assert ben["fte"] == pytest.approx(0.5)
        assert ben["contracted_hours"] == pytest.approx(hours)
