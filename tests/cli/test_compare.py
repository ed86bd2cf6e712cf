"""`caseload compare`: schemes side by side, labels, --set N., metrics, transitions, formats."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import CASES_CSV
from helpers import as_json, tiny_args

from caseload_cli.reports import inputs as reports_inputs
from caseload_cli.reports.scenarios import (
    resolve_scenarios,
    short_override,
    split_set_options,
)
from caseload_cli.scheme.model import load_scheme


def args_for(tiny, *extra):
    return tiny_args("compare", tiny, *extra)


def metric(data, name, label, **where):
    for row in data["rows"]:
        if row["metric"] == name and all(row[k] == v for k, v in where.items()):
            return row[label]
    raise AssertionError(f"no metric {name} {where}")


def test_summary_metrics_by_hand(run, tiny):
    """Tiny fixture, flat: FCAs W001 (3 cases, 0.9 FTE), W002 (2, 0.5), W003 (1 EIT, 0.8), W005 (1, 1.0)."""
    data = as_json(
        run(*args_for(tiny, "--scheme", "flat", "--scheme", "weighted-example", "--format", "json"))
    )
    assert [s["name"] for s in data["schemes"]] == ["flat", "weighted-example"]
    assert data["schemes"][1]["fingerprint"] == load_scheme("weighted-example").fingerprint
    assert metric(data, "workers", "flat") == 4  # the practice supervisor W004 is not an FCA
    assert metric(data, "total_weighted_load", "flat") == 10  # every case, hubs included
    assert metric(data, "weighted_load", "flat") == 7
    assert metric(data, "available_fte", "flat") == pytest.approx(0.9 + 0.5 + 0.8 + 1.0)
    assert metric(data, "mean_load_per_fte", "flat") == pytest.approx((3 / 0.9 + 4 + 1.25 + 1) / 4)
    assert metric(data, "mean_load_per_fte_non_eit", "flat") == pytest.approx((3 / 0.9 + 4 + 1) / 3)
    assert metric(data, "mean_load_per_fte_eit", "flat") == pytest.approx(1.25)
    assert metric(data, "median_load_per_fte", "flat") == pytest.approx((1.25 + 3 / 0.9) / 2)
    assert metric(data, "band_green", "flat") == 4
    assert metric(data, "band_green_pct", "flat") == pytest.approx(100)
    assert metric(data, "saturation_pct", "flat") == pytest.approx(
        100 * 7 / (22.5 + 12.5 + 32 + 25)
    )
    assert metric(data, "over_napo", "flat") == 0
    assert metric(data, "fte_needed", "flat") == 0
    # W002 s7 + addendum 0.5; W003 wtfh with 2 children 1.25; W005 s31 (1.25 + 3 × 0.25) × 1.1 + 0.1
    assert metric(data, "weighted_load", "weighted-example") == pytest.approx(
        4.55 + 1.5 + 1.25 + 2.3
    )
    assert isinstance(metric(data, "workers", "flat"), int)


def test_thresholds_napo_and_fte_needed(run, tiny):
    """s7 at 10 puts W001 at 21 (0.9 FTE: 23.3 per FTE) and W002 at 11 (0.5 FTE: 22 per FTE)."""
    data = as_json(
        run(
            *args_for(
                tiny,
                "--scheme",
                "flat",
                "--scheme",
                "flat",
                "--set",
                "2.weights.case_type.s7=10",
                "--format",
                "json",
            )
        )
    )
    label = "flat#2 (s7=10)"
    assert metric(data, "above_20", label) == 2
    assert metric(data, "above_20_pct", label) == pytest.approx(100 * 2 / 3)
    assert metric(data, "above_25", label) == 0
    assert metric(data, "over_napo", label) == 2  # 21 > 15.66 and 11 > 8.7
    assert metric(data, "band_amber", label) == 2
    # Team A: load 32 at target 25 needs 1.28 FTE and has 1.4: no shortfall.
    assert metric(data, "fte_needed", label) == 0
    worse = as_json(
        run(
            *args_for(
                tiny, "--scheme", "flat", "--set", "weights.case_type.s7=20", "--format", "json"
            )
        )
    )
    # Team A: 20 + 1 + 20 + 20 + 1 = 62 at 25 per FTE = 2.48 FTE needed, 1.4 available.
    assert metric(worse, "fte_needed", "flat (s7=20)") == pytest.approx(2.48 - 1.4)


def test_same_scheme_twice_labels_fingerprints_and_changes(run, tiny):
    data = as_json(
        run(
            *args_for(
                tiny,
                "--scheme",
                "flat",
                "--scheme",
                "flat",
                "--set",
                "2.weights.case_type.r16_4=1.5",
                "--format",
                "json",
                "--view",
                "workers",
            )
        )
    )
    labels = [s["label"] for s in data["metadata"]["scenarios"]]
    assert labels == ["flat", "flat#2 (r16_4=1.5)"]
    changed = load_scheme("flat", ["weights.case_type.r16_4=1.5"]).fingerprint
    assert [s["fingerprint"] for s in data["schemes"]] == [load_scheme("flat").fingerprint, changed]
    assert data["metadata"]["scenarios"][1]["overrides"] == ["weights.case_type.r16_4=1.5"]
    ada = next(r for r in data["rows"] if r["worker_id"] == "W001")
    assert ada["flat load"] == 3
    assert ada["flat#2 (r16_4=1.5) load"] == 3.5
    assert ada["flat#2 (r16_4=1.5) change"] == 0.5
    assert ada["flat#2 (r16_4=1.5) band"] == "green"
    assert "flat change" not in ada
    assert {r["worker_id"] for r in data["rows"]} == {"W001", "W002", "W003", "W005"}


def test_set_without_number_changes_every_scheme(run, tiny):
    data = as_json(
        run(
            *args_for(
                tiny,
                "--scheme",
                "flat",
                "--scheme",
                "per-child",
                "--set",
                "weights.case_type.r16_4=2",
                "--format",
                "json",
            )
        )
    )
    assert [s["label"] for s in data["metadata"]["scenarios"]] == [
        "flat (r16_4=2)",
        "per-child (r16_4=2)",
    ]
    expected = [
        load_scheme(n, ["weights.case_type.r16_4=2"]).fingerprint for n in ("flat", "per-child")
    ]
    assert [s["fingerprint"] for s in data["schemes"]] == expected


def test_transition_matrix(run, tiny):
    data = as_json(
        run(
            *args_for(
                tiny,
                "--scheme",
                "flat",
                "--scheme",
                "flat",
                "--set",
                "2.weights.case_type.s7=10",
                "--format",
                "json",
            )
        )
    )
    rows = data["sections"]["transitions"]
    assert [r["from_band"] for r in rows] == ["green", "amber", "red"]
    green = rows[0]
    assert green["to_scheme"] == "flat#2 (s7=10)" and green["from_scheme"] == "flat"
    assert (green["green"], green["amber"], green["red"], green["total"]) == (2, 2, 0, 4)
    assert sum(r["total"] for r in rows) == 4


def test_by_service_area_reconciles_with_national(run, tiny):
    national = as_json(run(*args_for(tiny, "--scheme", "weighted-example", "--format", "json")))
    areas = as_json(
        run(
            *args_for(
                tiny, "--scheme", "weighted-example", "--by", "service_area", "--format", "json"
            )
        )
    )
    label = "weighted-example"
    loads = [r[label] for r in areas["rows"] if r["metric"] == "weighted_load"]
    assert len(loads) == 2
    assert sum(loads) == pytest.approx(metric(national, "weighted_load", label))
    assert {r["service_area"] for r in areas["rows"]} == {"A3 Greater Manchester", "A12 Birmingham"}
    groups = areas["sections"]["by_service_area"]
    assert sum(g["weighted-example load"] for g in groups) == pytest.approx(sum(loads))
    assert list(groups[0]) == [
        "service_area",
        "workers",
        "available_fte",
        "weighted-example load",
        "weighted-example band",
    ]


def test_population_all_counts_managers(run, tiny):
    data = as_json(
        run(*args_for(tiny, "--scheme", "flat", "--population", "all", "--format", "json"))
    )
    assert metric(data, "workers", "flat") == 5
    assert metric(data, "weighted_load", "flat") == 8


def test_no_case_identifiers_in_any_table(run, tiny):
    data = as_json(
        run(*args_for(tiny, "--scheme", "flat", "--scheme", "weighted-example", "--format", "json"))
    )
    case_ids = {line.split(",")[0] for line in CASES_CSV.splitlines()[1:]}
    tables = [data["rows"], *data["sections"].values()]
    for table in tables:
        for row in table:
            assert "case_id" not in row
            assert not case_ids & {str(v) for v in row.values()}


def test_prepare_runs_once_for_many_schemes(run, tiny, monkeypatch):
    calls = []
    real = reports_inputs.prepare

    def counting(inputs, schemes, **options):
        calls.append(len(schemes))
        return real(inputs, schemes, **options)

    monkeypatch.setattr(reports_inputs, "prepare", counting)
    result = run(
        *args_for(
            tiny, *(("--scheme", "flat") * 5), "--scheme", "weighted-example", "--format", "csv"
        )
    )
    assert result.exit_code == 0, result.stderr
    assert calls == [6]


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "ndjson", "markdown", "html"])
def test_text_formats(run, tiny, fmt):
    result = run(
        *args_for(tiny, "--scheme", "flat", "--scheme", "weighted-example", "--format", fmt)
    )
    assert result.exit_code == 0, result.stderr
    assert "saturation_pct" in result.stdout
    assert "weighted-example" in result.stdout
    if fmt in ("table", "markdown", "html"):
        assert "Transitions" in result.stdout and "W001" in result.stdout
        assert load_scheme("weighted-example").fingerprint[:12] in result.stdout
    if fmt == "csv":
        frame = pd.read_csv(io.StringIO(result.stdout))
        assert list(frame.columns[:4]) == ["metric", "description", "flat", "weighted-example"]
        assert frame["scheme"].iat[0] == "flat | weighted-example"


def test_xlsx_has_one_sheet_per_table(run, tiny, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "compare.xlsx"
    result = run(
        *args_for(tiny, "--scheme", "flat", "--scheme", "weighted-example", "--output", out)
    )
    assert result.exit_code == 0, result.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["summary", "Workers", "Transitions", "Schemes", "about"]
    about = {r[0]: r[1] for r in book["about"].iter_rows(values_only=True)}
    assert about["scheme_fingerprint"] in {
        load_scheme(n).fingerprint for n in ("flat", "weighted-example")
    }


def test_parquet_and_view(run, tiny, tmp_path):
    out = tmp_path / "workers.parquet"
    result = run(
        *args_for(
            tiny,
            "--scheme",
            "flat",
            "--scheme",
            "weighted-example",
            "--view",
            "workers",
            "--output",
            out,
        )
    )
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(out)
    assert "weighted-example change" in table.column_names
    assert b"caseload.scheme" in table.schema.metadata
    stamps = json.loads(table.schema.metadata[b"caseload.scheme"])
    assert [s["name"] for s in stamps] == ["flat", "weighted-example"]


@pytest.mark.parametrize(
    "extra,code,message",
    [
        (("--scheme", "nope"), 2, "unknown scheme 'nope'"),
        ((), 2, "give at least one --scheme"),
        (
            ("--scheme", "flat", "--scheme", "flat", "--set", "3.weights.case_type.s7=2"),
            2,
            "there is no --scheme number 3",
        ),
        (("--scheme", "flat", "--set", "1.weights.case_type.s7"), 2, "expected PATH=VALUE"),
        (
            ("--scheme", "flat", "--scheme", "flat", "--set", "2.weights.case_typo.s7=2"),
            1,
            "weights.case_typo: unknown key",
        ),
        (
            ("--scheme", "flat", "--set", "weights.case_type.s7=-2"),
            1,
            "weights.case_type.s7: must be ≥ 0",
        ),
        (("--scheme", "flat", "--set", "2.weights.case_type.s7=x"), 2, "no --scheme number 2"),
        (("--scheme", "flat", "--set", "1.weights.case_type.s7=x"), 1, "must be a number"),
        (("--scheme", "flat", "--view", "transitions"), 2, "needs at least two --scheme"),
    ],
)
def test_errors(run, tiny, extra, code, message):
    result = run(*args_for(tiny, *extra))
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_added_key_is_noted(run, tiny):
    result = run(*args_for(tiny, "--scheme", "flat", "--set", "weights.case_type.r16_44=2"))
    assert result.exit_code == 0
    assert (
        "flat has no weights.case_type.r16_44; the change adds it (did you mean "
        "weights.case_type.r16_4?)" in result.stderr
    )


def test_setting_at_its_default_is_not_a_new_key(run, tiny):
    """The canonical form leaves some settings out while at their defaults (older
    fingerprints stay the same); changing one must not be reported as adding a key."""
    result = run(*args_for(tiny, "--scheme", "flat", "--set", "capacity.allowance_percent=5"))
    assert result.exit_code == 0, result.stderr
    assert "the change adds it" not in result.stderr


def test_help_has_examples(run):
    for args in (["compare"], ["explain"], ["sweep"], ["gap"], ["schemes", "diff"]):
        result = run(*args, "--help")
        assert result.exit_code == 0, args
        assert "Example" in result.stdout, args


def test_split_set_options_and_labels():
    assert split_set_options(["a.b=1", "2.c.d=2", "1.e=3"], 2) == [
        ("a.b=1", "e=3"),
        ("a.b=1", "c.d=2"),
    ]
    assert short_override("banding.bands.0.up_to=18") == "bands.0.up_to=18"
    assert short_override("weights.children.per_additional = 0.25") == "per_additional=0.25"
    scenarios, _ = resolve_scenarios(["flat", "flat", "flat"])
    assert [s.label for s in scenarios] == ["flat", "flat#2", "flat#3"]


def test_sample_data_matches_load_and_gap(run):
    """On the bundled sample: the summary agrees with `load` and with `gap --by team`."""
    data = as_json(
        run("compare", "--scheme", "flat", "--scheme", "weighted-example", "--format", "json")
    )
    assert data["accounting"]["rows_read"] > 3000
    for name in ("flat", "weighted-example"):
        workers = as_json(run("load", "--scheme", name, "--format", "json"))["rows"]
        fcas = [w for w in workers if w["role"] in ("fca", "locum_fca")]
        assert metric(data, "workers", name) == len(fcas)
        assert metric(data, "weighted_load", name) == pytest.approx(
            sum(w["weighted_load"] for w in fcas)
        )
        assert metric(data, "over_napo", name) == sum(w["over_napo"] for w in fcas)
        red = sum(w["band"] == "red" for w in fcas)
        assert metric(data, "band_red", name) == red
        assert metric(data, "band_red_pct", name) == pytest.approx(100 * red / len(fcas))
        gap = as_json(run("gap", "--scheme", name, "--by", "team", "--format", "json"))["rows"]
        leaves = [r for r in gap if r["team_type"] != "all"]
        assert metric(data, "fte_needed", name) == pytest.approx(
            sum(r["shortfall_fte"] for r in leaves), abs=1e-5
        )
