"""Scheme loading, two-phase validation with paths, overrides and fingerprints."""

from __future__ import annotations

import random
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseload_cli.core.errors import SchemeError, UsageError
from caseload_cli.core.files import builtin_schemes_dir
from caseload_cli.scheme.model import builtin_names, load_scheme, scheme_from_dict


def raw(name: str = "flat") -> dict:
    return tomllib.loads((builtin_schemes_dir() / f"{name}.toml").read_text(encoding="utf-8"))


def test_builtins_are_the_ones_promised():
    assert builtin_names() == [
        "flat",
        "hours-example",
        "per-child",
        "points-example",
        "weighted-example",
    ]
    for name in builtin_names():
        scheme = load_scheme(name)
        assert scheme.model.name == name
        assert len(scheme.fingerprint) == 64


def test_builtins_know_every_contract_code():
    codes = {"s31", "s7", "r16_4", "wtfh", "adoption", "epo", "dols", "addendum"}
    stages = {"wtfh", "wafh", "post_assessment_hub", "allocation_hub", "duty"}
    for name in builtin_names():
        weights = load_scheme(name).model.weights
        assert codes <= set(weights.case_type)
        assert stages == set(weights.stage)


def test_weighted_example_is_labelled_illustrative():
    scheme = load_scheme("weighted-example")
    assert "ILLUSTRATIVE" in scheme.model.title


def test_napo_levels_published_figures():
    scheme = load_scheme("flat")
    assert scheme.napo_level_for("wafh") == 17.4
    assert scheme.napo_level_for("public_law") == 16.5
    assert scheme.model.napo.letters.per_day == 1.6
    assert scheme.napo_level_for("eit") == pytest.approx(40.0)


def test_targets_by_role_then_team_type_then_default():
    scheme = load_scheme("weighted-example")
    assert scheme.target_for("practice_supervisor", "wafh") == 10.0
    assert scheme.target_for("fca", "eit") == 40.0
    assert scheme.target_for("fca", "unknown_team_type") == 25.0


def _shuffled(value):
    if isinstance(value, dict):
        items = list(value.items())
        random.shuffle(items)
        return {k: _shuffled(v) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v) for v in value]
    return value


def test_fingerprint_stable_under_key_reordering():
    base = raw("weighted-example")
    expected = scheme_from_dict(base, "x").fingerprint
    for seed in range(5):
        random.seed(seed)
        assert scheme_from_dict(_shuffled(base), "x").fingerprint == expected


def test_fingerprint_changes_with_any_value_and_with_set():
    flat = load_scheme("flat")
    changed = load_scheme("flat", ["weights.case_type.r16_4=1.5"])
    assert changed.model.weights.case_type["r16_4"] == 1.5
    assert changed.fingerprint != flat.fingerprint
    assert load_scheme("flat", ["weights.case_type.r16_4=1"]).fingerprint == flat.fingerprint


def test_int_and_float_spellings_fingerprint_alike():
    data = raw()
    data["weights"]["case_type"]["s7"] = 1
    assert scheme_from_dict(data, "x").fingerprint == load_scheme("flat").fingerprint


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("weights.case_type.s31=-1", "weights.case_type.s31: must be ≥ 0"),
        ("weigths.case_type.s31=1", "weigths: unknown key (did you mean 'weights'?)"),
        (
            "capacity.default_targe=3",
            "capacity.default_targe: unknown key (did you mean 'default_target'?)",
        ),
        ("banding.bands.1.up_to=10", "banding.bands.1.up_to: bands overlap: 10 is not above 20"),
        (
            "banding.bands.2.up_to=30",
            "banding.bands.2.up_to: the last band must be open-ended (no up_to)",
        ),
        ("banding.bands.0.colour='green'", "banding.bands.0.colour: must be a colour like #2E7D32"),
        ("napo.safe_cases='lots'", "napo.safe_cases: must be a number"),
        (
            "weights.case_type.r16_4=nan",
            "weights.case_type.r16_4: must be a finite number (not nan or inf)",
        ),
        (
            "capacity.target_by_team_type.wafh=inf",
            "capacity.target_by_team_type.wafh: must be a finite number (not nan or inf)",
        ),
        ("capacity.full_time_hours=0", "capacity.full_time_hours: must be > 0"),
        (
            "reductions.union_facility_time.max_percent=150",
            "reductions.union_facility_time.max_percent: must be ≤ 100",
        ),
        ("weights.children.per_additional=-0.25", "weights.children.per_additional: must be ≥ 0"),
        ("weights.stage.Duty=1", "weights.stage.Duty: codes are lower-case letters, digits and _"),
        ("capacity.target_by_role.manager=5", "capacity.target_by_role.manager: unknown role"),
        ("modifiers=[{flag='x'}]", "modifiers.0: give exactly one of multiply or add"),
        (
            "modifiers=[{flag='x', add=1}, {flag='x', add=2}]",
            "modifiers.1.flag: flag 'x' is used twice",
        ),
    ],
)
def test_errors_name_their_path(override, message):
    with pytest.raises(SchemeError) as caught:
        load_scheme("flat", [override])
    assert message in str(caught.value)


def test_missing_keys_are_reported_with_paths():
    data = raw()
    del data["capacity"]["default_target"]
    del data["napo"]
    with pytest.raises(SchemeError) as caught:
        scheme_from_dict(data, "mine.toml")
    text = str(caught.value)
    assert "capacity.default_target: required" in text
    assert "napo: required" in text
    assert text.startswith("invalid scheme mine.toml")


def test_unknown_scheme_and_bad_set_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="did you mean 'flat'"):
        load_scheme("flatt")
    with pytest.raises(UsageError, match="expected PATH=VALUE"):
        load_scheme("flat", ["weights.case_type.r16_4"])
    with pytest.raises(UsageError, match="no item 9"):
        load_scheme("flat", ["banding.bands.9.up_to=1"])
    with pytest.raises(UsageError, match="is a value, not a table"):
        load_scheme("flat", ["napo.safe_cases.x=1"])


def test_scheme_file_syntax_error(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n", encoding="utf-8")
    with pytest.raises(SchemeError, match="not valid TOML"):
        load_scheme(str(broken))


def test_file_scheme_round_trips_through_toml(tmp_path):
    original = load_scheme("weighted-example")
    path = tmp_path / "copy.toml"
    path.write_text(original.to_toml(), encoding="utf-8")
    assert load_scheme(str(path)).fingerprint == original.fingerprint


weights = st.floats(min_value=0, max_value=10, allow_nan=False).map(lambda v: round(v, 3))


@settings(max_examples=40, deadline=None)
@given(
    case_weights=st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), weights, min_size=1, max_size=6
    ),
    per_child=weights,
    cap=st.none() | st.integers(0, 9),
)
def test_any_valid_scheme_round_trips(case_weights, per_child, cap, tmp_path_factory):
    data = raw()
    data["weights"]["case_type"] = case_weights
    data["weights"]["children"] = {"per_additional": per_child} | (
        {} if cap is None else {"max_additional": cap}
    )
    scheme = scheme_from_dict(data, "x")
    again = scheme_from_dict(tomllib.loads(scheme.to_toml()), "y")
    assert again.canonical == scheme.canonical


def test_negative_modifier_addition_is_an_error():
    with pytest.raises(SchemeError, match=r"modifiers\.1\.add: must be ≥ 0"):
        load_scheme("weighted-example", ["modifiers.1.add=-5"])
