"""Scheme settings for points and hours: unit, time standards, case type × stage tables,
restricted modifiers, activities, allowances, working time, grades and rounding.

Each setting is checked for what it does and for its validation errors, by path."""

from __future__ import annotations

import pandas as pd
import pytest

from caseload_cli.core.errors import SchemeError
from caseload_cli.engine.capacity import staff_capacity
from caseload_cli.engine.weigh import weigh_cases
from caseload_cli.scheme.model import load_scheme, scheme_from_dict

#: Fingerprints published before points and hours existed: they must not move.
FLAT_FINGERPRINT = "0aa6096a451d83476aab6db9c8f4334d04f672076b3fe2d2e7e3e3f7830577dc"


def raw(**changes) -> dict:
    import tomllib

    data = tomllib.loads(load_scheme("flat").to_toml())
    data.update(changes)
    return data


def problems(data: dict) -> str:
    with pytest.raises(SchemeError) as caught:
        scheme_from_dict(data, "mine.toml")
    return str(caught.value)


def test_schemes_without_the_new_settings_keep_their_fingerprints():
    flat = load_scheme("flat")
    assert flat.fingerprint == FLAT_FINGERPRINT
    assert flat.unit == "cases"
    assert '"unit"' not in flat.canonical  # left out while at its default
    assert load_scheme("flat", ["unit='cases'"]).fingerprint == FLAT_FINGERPRINT
    assert load_scheme("flat", ["unit='hours'"]).fingerprint != FLAT_FINGERPRINT


def test_unit_must_be_cases_points_or_hours():
    assert "unit: must be one of 'cases', 'points' or 'hours'" in problems(raw(unit="minutes"))


def test_a_time_standard_weighs_its_total_over_its_weeks():
    scheme = load_scheme("flat", ["weights.case_type.s7={ total = 30, weeks = 12 }"])
    assert scheme.model.weights.case_type["s7"] == 2.5
    assert scheme.model.weights.stated == {"weights.case_type.s7": "30 over 12 weeks"}
    # The same weights written as a number fingerprint alike: the numbers are the scheme.
    assert scheme.fingerprint == load_scheme("flat", ["weights.case_type.s7=2.5"]).fingerprint


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{ total = 30, weeks = 0 }", "weights.case_type.s7.weeks: must be > 0"),
        ("{ total = -1, weeks = 4 }", "weights.case_type.s7.total: must be ≥ 0"),
        ("{ weeks = 4 }", "weights.case_type.s7.total: required (a time standard has total"),
        ("{ total = 'x', weeks = 4 }", "weights.case_type.s7.total: must be a number"),
        (
            "{ total = 3, weeks = 4, hours = 2 }",
            "weights.case_type.s7.hours: unknown key (a time standard has total and weeks)",
        ),
    ],
)
def test_time_standard_errors_name_their_path(value, message):
    with pytest.raises(SchemeError) as caught:
        load_scheme("flat", [f"weights.case_type.s7={value}"])
    assert message in str(caught.value)


def test_cross_entries_replace_base_and_stage_factor_for_their_pair():
    scheme = load_scheme(
        "weighted-example",
        ["weights.cross.s31.wafh=3.0", "weights.cross.s7.wtfh={ total = 10, weeks = 5 }"],
    )
    cases = pd.DataFrame(
        {
            "case_type": pd.Categorical(["s31", "s31", "s7", "s7"]),
            "stage": pd.Categorical(["wafh", "duty", "wtfh", "wafh"]),
            "children": [1, 1, 1, 1],
            "domestic_abuse": [False] * 4,
            "interpreter": [False] * 4,
        }
    )
    parts = weigh_cases(cases, scheme)
    # s31 at wafh: the table's 3.0; s31 on duty: 1.25 × duty factor 0.5; s7 at wtfh: 2.
    assert parts["weight"].tolist() == [3.0, 0.625, 2.0, 1.0]
    assert parts["stage_factor"].tolist() == [1.0, 0.5, 1.0, 1.0]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("weights.cross.s99.wafh=1", "weights.cross.s99: not a case type in weights.case_type"),
        ("weights.cross.s31.wafhh=1", "weights.cross.s31.wafhh: not a stage in weights.stage"),
        ("weights.cross.s31.wafh=-1", "weights.cross.s31.wafh: must be ≥ 0"),
        (
            "modifiers.0.case_types=['s8']",
            "modifiers.0.case_types: unknown code 's8'",
        ),
        ("modifiers.0.stages=['nowhere']", "modifiers.0.stages: unknown code 'nowhere'"),
    ],
)
def test_cross_and_restriction_errors_name_their_path(override, message):
    with pytest.raises(SchemeError) as caught:
        load_scheme("weighted-example", [override])
    assert message in str(caught.value)


def test_a_modifier_can_be_limited_to_some_case_types_and_stages():
    scheme = load_scheme(
        "weighted-example", ["modifiers.0.case_types=['s7']", "modifiers.0.stages=['wafh']"]
    )
    cases = pd.DataFrame(
        {
            "case_type": pd.Categorical(["s7", "s7", "s31"]),
            "stage": pd.Categorical(["wafh", "wtfh", "wafh"]),
            "children": [1, 1, 1],
            "domestic_abuse": [True, True, True],
            "interpreter": [False, False, False],
        }
    )
    parts = weigh_cases(cases, scheme)
    assert parts["mod_domestic_abuse"].tolist() == pytest.approx([0.1, 0.0, 0.0])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "activities.letter={ weight = -1 }",
            "activities.letter.weight: must be ≥ 0 (set allow_negative = true",
        ),
        ("activities.Letter={ weight = 1 }", "activities.Letter: codes are lower-case"),
        (
            "activities.letter={ weight = 1, per = 'month' }",
            "activities.letter.per: must be one of",
        ),
        ("activities.letter={ per = 'item' }", "activities.letter.weight: required"),
    ],
)
def test_activity_errors_name_their_path(override, message):
    with pytest.raises(SchemeError) as caught:
        load_scheme("flat", [override])
    assert message in str(caught.value)


def test_negative_and_zero_activities_are_allowed_where_the_scheme_says():
    scheme = load_scheme(
        "flat",
        [
            "activities.contact_by_others={ weight = -9, allow_negative = true }",
            "activities.training={ weight = 0, per = 'hour' }",
        ],
    )
    assert scheme.model.activities["contact_by_others"].weight == -9
    assert scheme.model.activities["training"].weight == 0


def test_allowances_take_time_off_the_target():
    scheme = load_scheme("hours-example")
    # 37 × (1 − 4 / 37) × (1 − 8 / 100) = 33 × 0.92
    assert scheme.allowance_factor == pytest.approx(33 / 37 * 0.92)
    assert scheme.target_for("fca", "wafh") == pytest.approx(30.36)
    with pytest.raises(SchemeError, match=r"capacity\.allowance_percent: must be < 100"):
        load_scheme("hours-example", ["capacity.allowance_percent=100"])


def test_working_time_is_the_available_hours_per_fte():
    """WISN's available working time: (260 − 45 days off) × 8 h = 1,720 h a year."""
    scheme = load_scheme(
        "flat",
        [
            "unit='hours'",
            "capacity.working_time={ days = 260, public_holidays = 10, leave_days = 20, "
            "sickness_days = 10, training_days = 5, hours_per_day = 8 }",
        ],
    )
    assert scheme.model.capacity.working_time.hours == 1720
    data = raw(unit="hours")
    del data["capacity"]["default_target"]
    data["capacity"]["working_time"] = {"days": 260, "hours_per_day": 7.4, "per": "week"}
    assert scheme_from_dict(data, "x").default_target == pytest.approx(260 * 7.4 / 52)
    data["capacity"]["working_time"]["leave_days"] = 300
    assert "capacity.working_time: leave, holidays and other days leave no working days" in (
        problems(data)
    )
    del data["capacity"]["working_time"]
    assert "capacity.default_target: required (or give capacity.working_time)" in problems(data)


def test_napo_levels_are_required_for_cases_only():
    data = raw()
    del data["napo"]
    assert "napo: required (Napo's safe levels are counted in cases)" in problems(data)
    data["unit"] = "points"
    scheme = scheme_from_dict(data, "x")
    assert scheme.napo_level_for("wafh") == scheme.target_for("fca", "wafh")
    assert "over_napo means above 100% of capacity" in scheme.napo_note


def test_grades_set_full_time_hours_and_targets_and_contracts_may_be_longer():
    scheme = load_scheme(
        "flat",
        [
            "grades.pso={ full_time_hours = 12, target = 7 }",
            "grades.po={ target = 7 }",
            "capacity.max_contracted_hours=40",
            "capacity.full_time_hours=7",
            "capacity.rounding.capacity='truncate'",
        ],
    )
    staff = pd.DataFrame(
        {
            "worker_id": ["A", "B"],
            "role": ["fca", "fca"],
            "team_type": ["wafh", "wafh"],
            "contracted_hours": [40.0, 40.0],
            "fte_given": [float("nan")] * 2,
            "grade": ["pso", "po"],
        }
    )
    reductions = pd.DataFrame({"worker_id": pd.Series(dtype="str"), "hours": []})
    out = staff_capacity(staff, reductions, scheme)
    # wmt-probation-rules test-calculate-available-points: 7 × 40 / 12 → 23; 7 × 40 / 7 → 40
    assert out["capacity"].tolist() == [23, 40]
    assert scheme.max_contracted_hours == 40
    with pytest.raises(SchemeError, match=r"grades\.Po: codes are lower-case"):
        load_scheme("flat", ["grades.Po={ target = 1 }"])


def test_rounding_settings_are_validated():
    with pytest.raises(SchemeError, match=r"capacity\.rounding\.capacity: must be one of"):
        load_scheme("flat", ["capacity.rounding.capacity='floor'"])
    with pytest.raises(SchemeError, match=r"capacity\.rounding\.utilisation_decimals: must be ≤ 6"):
        load_scheme("flat", ["capacity.rounding.utilisation_decimals=7"])
