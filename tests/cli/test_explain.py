"""`caseload explain`: parts that add up, capacity step by step, pseudonyms, reconciliation."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import STAFF_CSV
from helpers import as_json

from caseload_cli.core.pseudonym import pseudonym
from caseload_cli.engine.weighed import weigh
from caseload_cli.reports.explain import explain_report
from caseload_cli.reports.inputs import bundled_inputs, prepare
from caseload_cli.scheme.model import load_scheme

KEY = "a-test-key-that-is-long-enough"


def args_for(tiny, worker="W001", *extra):
    return [
        "explain",
        worker,
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--reductions",
        tiny["reductions"],
        *extra,
    ]


def steps(data, section="capacity", key="step"):
    return {row[key]: row["value"] for row in data["sections"][section]}


def test_flat_worker_by_hand(run, tiny):
    """W001: 37 h with 10% union facility time -> 0.9 FTE, capacity 22.5, Napo 15.66."""
    data = as_json(run(*args_for(tiny, "W001", "--format", "json")))
    assert [r["case_id"] for r in data["rows"]] == ["0000001", "0000002", "0000003"]
    assert [r["weight"] for r in data["rows"]] == [1, 1, 1]
    capacity = steps(data)
    assert capacity["contracted_hours"] == 37
    assert capacity["reduction: union_facility_time"] == pytest.approx(3.7)
    assert capacity["reduction_hours"] == pytest.approx(3.7)
    assert capacity["available_fte"] == pytest.approx(0.9)
    assert capacity["target"] == 25
    assert capacity["capacity"] == pytest.approx(22.5)
    assert capacity["napo_level"] == pytest.approx(17.4)
    assert capacity["napo_safe_load"] == pytest.approx(15.66)
    reduction = next(r for r in data["sections"]["capacity"] if r["step"].startswith("reduction:"))
    assert "Union facility time" in reduction["explanation"]
    assert "10.0% of contracted hours" in reduction["explanation"]
    assert "cap 50% = 18.5 h" in reduction["explanation"]
    summary = steps(data, "summary", "item")
    assert summary["weighted_load"] == 3
    assert summary["utilisation_pct"] == pytest.approx(13.33)
    assert summary["band"] == "green"
    assert summary["over_napo"] is False
    assert data["scheme"]["fingerprint"] == load_scheme("flat").fingerprint


def test_weighted_parts_add_up(run, tiny):
    """R16.4 with 3 children and domestic abuse: (1.5 + 0.5) × 1.1 = 2.2."""
    data = as_json(run(*args_for(tiny, "W001", "--scheme", "weighted-example", "--format", "json")))
    r16 = next(r for r in data["rows"] if r["case_id"] == "0000002")
    assert (r16["base"], r16["child_uplift"], r16["mod_domestic_abuse"]) == (
        1.5,
        0.5,
        pytest.approx(0.2),
    )
    assert r16["domestic_abuse"] is True
    assert r16["weight"] == pytest.approx(2.2)
    for row in data["rows"]:
        parts = (
            row["base"]
            + row["child_uplift"]
            + row["mod_domestic_abuse"]
            + row["mod_interpreter"]
            + row["stage_adjustment"]
        )
        assert parts == pytest.approx(row["weight"], abs=1e-9)
    assert steps(data, "summary", "item")["weighted_load"] == pytest.approx(4.55)


def test_role_target_and_letters_napo_level(run, tiny):
    data = as_json(run(*args_for(tiny, "W004", "--scheme", "weighted-example", "--format", "json")))
    capacity = steps(data)
    assert capacity["target"] == 10
    target = next(r for r in data["sections"]["capacity"] if r["step"] == "target")
    assert "capacity.target_by_role.practice_supervisor" in target["explanation"]
    napo = next(r for r in data["sections"]["capacity"] if r["step"] == "napo_level")
    assert (
        capacity["napo_level"] == 40
        and "1.6 letters a day × 25 working days" in napo["explanation"]
    )


def test_worker_without_cases(run, tiny, tmp_path):
    staff = tmp_path / "staff_plus.csv"
    staff.write_text(
        STAFF_CSV + "W006,Fay Example,Team C,A12 Birmingham,fca,wafh,30\n", encoding="utf-8"
    )
    result = run("explain", "W006", tiny["cases"], "--staff", staff, "--format", "json")
    data = as_json(result)
    assert data["rows"] == []
    summary = steps(data, "summary", "item")
    assert summary["cases"] == 0 and summary["weighted_load"] == 0 and summary["band"] == "green"


def test_unknown_worker_suggests_close_matches(run, tiny):
    result = run(*args_for(tiny, "W01"))
    assert result.exit_code == 1
    assert "worker 'W01' is not among the 5 accepted staff" in result.stderr
    assert "did you mean W001 (Ada Example)" in result.stderr
    by_name = run(*args_for(tiny, "ada example"))
    assert by_name.exit_code == 1 and "W001 (Ada Example)" in by_name.stderr
    assert "Traceback" not in result.output


def test_pseudonymise_uses_keyed_hmac(run, tiny):
    env = {"CASELOAD_PSEUDONYM_KEY": KEY}
    first = as_json(run(*args_for(tiny, "W001", "--pseudonymise", "--format", "json"), env=env))
    again = as_json(run(*args_for(tiny, "W001", "--pseudonymise", "--format", "json"), env=env))
    other = as_json(
        run(
            *args_for(tiny, "W001", "--pseudonymise", "--format", "json"),
            env={"CASELOAD_PSEUDONYM_KEY": KEY + "!"},
        )
    )
    ids = [r["case_id"] for r in first["rows"]]
    expected = "C-" + hmac.new(KEY.encode(), b"0000001", hashlib.sha256).hexdigest()[:12]
    assert ids[0] == expected == pseudonym("0000001", KEY.encode())
    assert all(re.fullmatch(r"C-[0-9a-f]{12}", i) for i in ids)
    assert ids == [r["case_id"] for r in again["rows"]]
    assert not set(ids) & {r["case_id"] for r in other["rows"]}
    assert ids[0] != "C-" + hashlib.sha256(b"0000001").hexdigest()[:12]  # never a plain hash
    assert first["metadata"]["pseudonymised"] is True
    text = json.dumps(first)
    assert "0000001" not in text and KEY not in text


@pytest.mark.parametrize("value", [None, "", "   "])
def test_pseudonymise_without_key_is_an_error(run, tiny, monkeypatch, value):
    monkeypatch.delenv("CASELOAD_PSEUDONYM_KEY", raising=False)
    result = run(*args_for(tiny, "W001", "--pseudonymise"), env={"CASELOAD_PSEUDONYM_KEY": value})
    assert result.exit_code == 1
    assert "CASELOAD_PSEUDONYM_KEY" in result.stderr
    assert result.stdout == ""


def test_short_key_warns(run, tiny):
    result = run(*args_for(tiny, "W001", "--pseudonymise"), env={"CASELOAD_PSEUDONYM_KEY": "abc"})
    assert result.exit_code == 0
    assert "shorter than 16 characters" in result.stderr


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "ndjson", "markdown", "html"])
def test_text_formats(run, tiny, fmt):
    result = run(*args_for(tiny, "W001", "--scheme", "weighted-example", "--format", fmt))
    assert result.exit_code == 0, result.stderr
    assert "0000002" in result.stdout and "mod_domestic_abuse" in result.stdout
    if fmt in ("table", "markdown", "html"):
        assert "Capacity" in result.stdout and "napo_safe_load" in result.stdout
        assert "sha256:" + load_scheme("weighted-example").fingerprint[:12] in result.stdout


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_binary_formats(run, tiny, tmp_path, fmt):
    out = tmp_path / f"w001.{fmt}"
    assert run(*args_for(tiny, "W001", "--output", out)).exit_code == 0
    if fmt == "xlsx":
        from openpyxl import load_workbook

        assert load_workbook(out).sheetnames == ["cases", "Capacity", "Summary", "about"]
    else:
        frame = pd.read_parquet(out)
        assert list(frame["case_id"]) == ["0000001", "0000002", "0000003"]


def test_scheme_errors(run, tiny):
    assert run(*args_for(tiny, "W001", "--scheme", "nope")).exit_code == 2
    bad = run(*args_for(tiny, "W001", "--set", "weights.case_type.s7=-1"))
    assert bad.exit_code == 1 and "weights.case_type.s7: must be ≥ 0" in bad.stderr


def test_cli_on_sample_worker_matches_load(run):
    loaded = as_json(run("load", "--scheme", "weighted-example", "--format", "json"))["rows"]
    worker = max(loaded, key=lambda w: w["cases"])
    data = as_json(
        run("explain", worker["worker_id"], "--scheme", "weighted-example", "--format", "json")
    )
    assert len(data["rows"]) == worker["cases"]
    assert sum(r["weight"] for r in data["rows"]) == pytest.approx(
        worker["weighted_load"], abs=1e-9
    )
    assert steps(data)["capacity"] == worker["capacity"]


@pytest.mark.parametrize("scheme", ["weighted-example", "flat"])
def test_every_sample_worker_reconciles_with_load(run, scheme):
    """Σ explained case weights == load's weighted_load (1e-9), capacity and the rest equal."""
    loaded = as_json(run("load", "--scheme", scheme, "--population", "all", "--format", "json"))[
        "rows"
    ]
    chosen = load_scheme(scheme)
    valid = prepare(bundled_inputs(), [chosen])
    weighed = weigh(valid, chosen)
    assert len(loaded) == len(valid.staff) >= 100
    for expected in loaded:
        report = explain_report(valid, weighed, expected["worker_id"])
        rows = report.rows
        additive = [
            c
            for c in rows.columns
            if c in ("base", "child_uplift", "stage_adjustment") or c.startswith("mod_")
        ]
        np.testing.assert_allclose(rows[additive].sum(axis=1), rows["weight"], atol=1e-9)
        assert len(rows) == expected["cases"]
        assert abs(rows["weight"].sum() - expected["weighted_load"]) <= 1e-9, expected["worker_id"]
        capacity = report.sections["capacity"].set_index("step")["value"]
        summary = report.sections["summary"].set_index("item")["value"]
        assert capacity["capacity"] == expected["capacity"], expected["worker_id"]
        assert capacity["napo_safe_load"] == expected["napo_safe_load"]
        assert capacity["available_fte"] == pytest.approx(expected["available_fte"], abs=1e-6)
        assert capacity["target"] == expected["target"]
        assert summary["weighted_load"] == expected["weighted_load"]
        assert summary["utilisation_pct"] == expected["utilisation_pct"]
        assert summary["band"] == expected["band"]
        assert summary["over_napo"] == expected["over_napo"]
        assert summary["children"] == expected["children"]


def test_selection_narrows_the_inputs_and_must_hold_the_worker(run):
    team = "Greater Manchester WAFH 1"
    loaded = as_json(run("load", "--team", team, "--format", "json"))["rows"]
    worker = loaded[0]
    data = as_json(run("explain", worker["worker_id"], "--team", team, "--format", "json"))
    assert len(data["rows"]) == worker["cases"]
    assert sum(r["weight"] for r in data["rows"]) == pytest.approx(worker["weighted_load"])
    assert data["metadata"]["selection"] == f"team {team}"
    everyone = as_json(run("load", "--population", "all", "--format", "json"))["rows"]
    other = next(w["worker_id"] for w in everyone if w["team"] != team)
    in_team = sum(w["team"] == team for w in everyone)  # managers too: explain finds anyone
    outsider = run("explain", other, "--team", team)
    assert outsider.exit_code == 1
    assert f"worker '{other}' is not among the {in_team} accepted staff of team {team}" in (
        outsider.stderr
    )
    unknown = run("explain", worker["worker_id"], "--team", "Greater Manchester WAFH")
    assert unknown.exit_code == 2 and "did you mean" in unknown.stderr
