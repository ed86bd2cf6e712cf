"""Bounded scheme inputs: deep nesting, numbers beyond 64 bits and weights that would
overflow are one clear error naming the path, never a RecursionError, OverflowError
or a numpy RuntimeWarning."""

from __future__ import annotations

import copy
import tomllib
import warnings

import pytest

from caseload_cli.contract.mapping import load_mapping
from caseload_cli.core.errors import InputError, SchemeError, UsageError
from caseload_cli.core.files import builtin_schemes_dir
from caseload_cli.scheme.bounds import MAX_DEPTH, bounds_problems
from caseload_cli.scheme.model import apply_overrides, load_scheme, scheme_from_dict

DEEP = f"nested too deeply (more than {MAX_DEPTH} levels of tables or arrays)"


def raw(name: str = "flat") -> dict:
    return tomllib.loads((builtin_schemes_dir() / f"{name}.toml").read_text(encoding="utf-8"))


def flat_text() -> str:
    return (builtin_schemes_dir() / "flat.toml").read_text(encoding="utf-8")


def test_deeply_nested_arrays_in_a_scheme_file(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text(flat_text() + "\nx = " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load_scheme(str(path))
    assert str(caught.value) == f"invalid scheme {path}:\n  (top level): {DEEP}"


def test_deeply_nested_tables_in_a_scheme_file(tmp_path):
    path = tmp_path / "deep.toml"
    header = ".".join(["a"] * 10_000)
    path.write_text(flat_text() + f"\n[{header}]\nb = 1\n", encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load_scheme(str(path))
    assert str(caught.value) == f"invalid scheme {path}:\n  a.a: {DEEP}"


def test_integer_beyond_64_bits_names_its_path(tmp_path):
    path = tmp_path / "big.toml"
    text = flat_text().replace("[weights.case_type]", "[weights.case_type]\nx = " + "9" * 40, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load_scheme(str(path))
    assert str(caught.value) == (
        f"invalid scheme {path}:\n  weights.case_type.x: number too large (beyond 64 bits)"
    )


def test_set_with_a_huge_integer_or_float(run):
    for value in ("9" * 40, "1e308"):
        with pytest.raises(SchemeError) as caught:
            load_scheme("flat", [f"weights.case_type.s7={value}"])
        reason = "beyond 64 bits" if value.startswith("9") else "at most 1,000,000"
        assert caught.value.problems == [f"weights.case_type.s7: number too large ({reason})"]
    result = run("load", "--set", "weights.case_type.s7=1e308", "-q")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: invalid scheme flat:\n"
        "  weights.case_type.s7: number too large (at most 1,000,000)\n"
    )
    assert "RuntimeWarning" not in result.stderr


def test_set_with_deeply_nested_value_is_a_usage_error():
    with pytest.raises(UsageError) as caught:
        apply_overrides(raw(), ["weights.x=" + "[" * 10_000 + "]" * 10_000])
    assert str(caught.value) == f"--set weights.x: value {DEEP}"


def test_set_with_a_long_dotted_path():
    with pytest.raises(SchemeError) as caught:
        load_scheme("flat", ["weights" + ".a" * 5_000 + "=1"])
    assert caught.value.problems == [f"weights.a: {DEEP}"]


def test_weights_that_together_would_overflow():
    data = copy.deepcopy(raw())
    data["modifiers"] = [{"flag": f"f{i}", "multiply": 999_999.0} for i in range(60)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SchemeError) as caught:
            scheme_from_dict(data, "mine.toml")
    assert caught.value.problems == [
        "weights: together the weights and modifiers could weigh one case more than "
        "1,000,000,000,000; lower them"
    ]


def test_infinite_weight_keeps_its_finite_message():
    data = copy.deepcopy(raw())
    data["weights"]["case_type"]["s7"] = float("inf")
    with pytest.raises(SchemeError) as caught:
        scheme_from_dict(data, "mine.toml")
    assert "weights.case_type.s7: must be a finite number (not nan or inf)" in caught.value.problems


def test_ordinary_schemes_are_within_bounds():
    for name in ("flat", "per-child", "weighted-example"):
        assert bounds_problems(raw(name)) == []


def test_mapping_file_nested_too_deeply(tmp_path):
    path = tmp_path / "mapping.toml"
    path.write_text("[cases.columns]\nx = " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_mapping(str(path))
    assert str(caught.value) == f"{path}: invalid TOML: tables or arrays nested too deeply"


def test_mapping_file_with_huge_numbers_and_deep_tables(tmp_path):
    path = tmp_path / "mapping.toml"
    header = ".".join(["cases"] + ["a"] * 10_000)
    path.write_text(f"[cases.columns]\nx = {'9' * 40}\n[{header}]\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_mapping(str(path))
    assert str(caught.value) == (
        f"{path}: cases.a: unknown section key (allowed: columns, values)\n"
        f"{path}: cases.columns.x: must be a string"
    )
