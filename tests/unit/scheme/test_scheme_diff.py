"""`caseload schemes diff`: setting-by-setting differences on the canonical forms."""

from __future__ import annotations

import pytest
from helpers import as_json

from caseload_cli.scheme.diff import ABSENT, diff_schemes, flatten
from caseload_cli.scheme.model import load_scheme


def by_path(data):
    return {d["path"]: d for d in data["rows"]}


def test_flatten_dotted_paths_and_list_indices():
    data = {"a": {"b": 1, "c": [{"d": 2}, {"d": None}]}, "e": []}
    assert flatten(data) == {"a.b": 1, "a.c.0.d": 2, "a.c.1.d": None}


def test_flat_against_weighted_example_json(run):
    data = as_json(run("schemes", "diff", "flat", "weighted-example", "--format", "json"))
    assert data["schemes"][0]["fingerprint"] == load_scheme("flat").fingerprint
    assert data["schemes"][1]["name"] == "weighted-example"
    assert data["metadata"]["identical"] is False
    paths = by_path(data)
    assert paths["weights.case_type.r16_4"] == {
        "path": "weights.case_type.r16_4",
        "left": 1.0,
        "right": 1.5,
        "change": "changed",
        "kind": "setting",
    }
    assert paths["capacity.target_by_role.practice_supervisor"]["change"] == "only_right"
    assert paths["capacity.target_by_role.practice_supervisor"]["left"] is None
    assert paths["weights.children.max_additional"]["left"] is None  # set to null, not absent
    assert paths["weights.children.max_additional"]["change"] == "changed"
    assert paths["modifiers.0.flag"]["right"] == "domestic_abuse"
    assert "modifiers.0.add" not in paths  # unset on the only side that has it
    assert "weights.case_type.s7" not in paths  # equal on both sides
    assert "title" not in paths and data["metadata"]["hidden_text_differences"] > 0
    assert all(d["kind"] == "setting" for d in data["rows"])


def test_all_includes_descriptive_text(run):
    data = as_json(run("schemes", "diff", "flat", "weighted-example", "--all", "--format", "json"))
    paths = by_path(data)
    assert paths["name"]["left"] == "flat" and paths["name"]["kind"] == "text"
    assert "banding.bands.0.label" in paths
    assert data["metadata"]["hidden_text_differences"] == 0


def test_table_output(run):
    result = run("schemes", "diff", "flat", "weighted-example")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Scheme differences: flat (left) → weighted-example (right)"
    row = next(line for line in lines if line.startswith("weights.case_type.r16_4 "))
    assert row.split() == ["weights.case_type.r16_4", "1.00", "1.50", "changed", "setting"]
    role = next(line for line in lines if line.startswith("capacity.target_by_role"))
    assert role.split() == [
        "capacity.target_by_role.practice_supervisor",
        "10.00",
        "only_right",
        "setting",
    ]
    assert "sha256:" + load_scheme("flat").fingerprint in result.stdout
    assert "14 settings differ; 11 descriptive texts differ" in result.stdout
    assert "add --all" in result.stdout


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "markdown", "html"])
def test_every_text_format(run, fmt):
    result = run("schemes", "diff", "flat", "weighted-example", "--format", fmt)
    assert result.exit_code == 0
    assert "weights.case_type.r16_4" in result.stdout


def test_xlsx_and_parquet(run, tmp_path):
    for ext in ("xlsx", "parquet"):
        out = tmp_path / f"diff.{ext}"
        assert run("schemes", "diff", "flat", "weighted-example", "--output", out).exit_code == 0
        assert out.stat().st_size > 0


def test_identical_schemes_exit_0(run):
    result = run("schemes", "diff", "flat", "flat")
    assert result.exit_code == 0
    assert "identical (same fingerprint)" in result.stdout
    data = as_json(run("schemes", "diff", "flat", "flat", "--format", "json"))
    assert data["rows"] == [] and data["metadata"]["identical"] is True


def test_set_on_one_side(run):
    data = as_json(
        run(
            "schemes",
            "diff",
            "flat",
            "flat",
            "--set",
            "2.banding.bands.0.up_to=18",
            "--format",
            "json",
        )
    )
    assert data["rows"] == [
        {
            "path": "banding.bands.0.up_to",
            "left": 20.0,
            "right": 18.0,
            "change": "changed",
            "kind": "setting",
        }
    ]
    assert data["metadata"]["right"] == "flat#2 (bands.0.up_to=18)"
    assert (
        data["schemes"][1]["fingerprint"]
        == load_scheme("flat", ["banding.bands.0.up_to=18"]).fingerprint
    )
    assert data["schemes"][1]["overrides"] == ["banding.bands.0.up_to=18"]


def test_bands_compared_by_index_from_files(run, tmp_path):
    text = load_scheme("flat").to_toml().replace('name = "flat"', 'name = "four-bands"')
    text = text.replace(
        'name = "red"\ncolour = "#C62828"', 'name = "red"\ncolour = "#C62828"\nup_to = 30.0'
    )
    text += '\n[[banding.bands]]\nname = "black"\ncolour = "#000000"\n'
    path = tmp_path / "four-bands.toml"
    path.write_text(text, encoding="utf-8")
    assert run("schemes", "check", path).exit_code == 0
    paths = by_path(as_json(run("schemes", "diff", "flat", path, "--format", "json")))
    assert (
        paths["banding.bands.2.up_to"]["left"] is None
        and paths["banding.bands.2.up_to"]["right"] == 30
    )
    assert paths["banding.bands.3.name"] == {
        "path": "banding.bands.3.name",
        "left": None,
        "right": "black",
        "change": "only_right",
        "kind": "setting",
    }


def test_diff_function_orders_list_indices_numerically():
    left = load_scheme("flat")
    right = load_scheme("flat", [f'banding.bands.{i}.colour="#00000{i}"' for i in range(3)])
    assert [d.path for d in diff_schemes(left, right).differences] == [
        "banding.bands.0.colour",
        "banding.bands.1.colour",
        "banding.bands.2.colour",
    ]
    assert diff_schemes(left, left).identical
    assert repr(ABSENT) == "ABSENT"


@pytest.mark.parametrize(
    "args,code,message",
    [
        (("flat", "nope"), 2, "unknown scheme 'nope'"),
        (
            ("flat", "flat", "--set", "2.weights.case_type.s7=-1"),
            1,
            "weights.case_type.s7: must be ≥ 0",
        ),
        (("flat", "flat", "--set", "3.weights.case_type.s7=1"), 2, "no --scheme number 3"),
        (("flat",), 2, "Missing argument"),
    ],
)
def test_errors(run, args, code, message):
    result = run("schemes", "diff", *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
