"""`caseload sweep`: ranges, lists, grids, fingerprints per point, limits and errors."""

from __future__ import annotations

import io
import itertools

import pandas as pd
import pytest
from helpers import as_json, tiny_args

from caseload_cli.core.errors import UsageError
from caseload_cli.core.vocabulary import MAX_GRID_POINTS
from caseload_cli.reports import inputs as reports_inputs
from caseload_cli.reports.sweep import Vary, parse_vary, sweep_grid
from caseload_cli.scheme.model import load_scheme

R16 = "weights.case_type.r16_4"


def args_for(tiny, *extra):
    return tiny_args("sweep", tiny, "--scheme", "weighted-example", *extra)


def test_range_by_hand(run, tiny):
    """W001's R16.4 case (3 children, domestic abuse) weighs (r16_4 + 0.5) × 1.1."""
    data = as_json(run(*args_for(tiny, "--vary", f"{R16}=1:2:0.25", "--format", "json")))
    rows = data["rows"]
    assert [r[R16] for r in rows] == [1.0, 1.25, 1.5, 1.75, 2.0]
    assert [r["point"] for r in rows] == [1, 2, 3, 4, 5]
    loads = [r["weighted_load"] for r in rows]
    assert [round(b - a, 9) for a, b in itertools.pairwise(loads)] == [0.275] * 4
    assert loads[2] == pytest.approx(4.55 + 1.5 + 1.25 + 2.3)
    for row in rows:
        assert (
            row["fingerprint"] == load_scheme("weighted-example", [f"{R16}={row[R16]}"]).fingerprint
        )
    assert (
        rows[2]["fingerprint"] == load_scheme("weighted-example").fingerprint
    )  # 1.5 is the file's
    assert len({r["fingerprint"] for r in rows}) == 5
    assert data["scheme"]["fingerprint"] == load_scheme("weighted-example").fingerprint


def test_grid_is_the_cartesian_product(run, tiny):
    data = as_json(
        run(
            *args_for(
                tiny,
                "--vary",
                f"{R16}=1,2",
                "--vary",
                "weights.children.per_additional=0:0.5:0.25",
                "--format",
                "json",
            )
        )
    )
    pairs = [(r[R16], r["weights.children.per_additional"]) for r in data["rows"]]
    assert pairs == [(1, 0), (1, 0.25), (1, 0.5), (2, 0), (2, 0.25), (2, 0.5)]
    assert len({r["fingerprint"] for r in data["rows"]}) == 6


def test_metric_selection_and_fixed_set(run, tiny):
    data = as_json(
        run(
            *args_for(
                tiny,
                "--vary",
                f"{R16}=1,2",
                "--metric",
                "band_red_pct",
                "--metric",
                "weighted_load",
                "--set",
                "weights.case_type.s7=2",
                "--format",
                "json",
            )
        )
    )
    assert list(data["rows"][0]) == ["point", R16, "band_red_pct", "weighted_load", "fingerprint"]
    expected = load_scheme("weighted-example", ["weights.case_type.s7=2", f"{R16}=2"]).fingerprint
    assert data["rows"][1]["fingerprint"] == expected
    assert (
        data["scheme"]["fingerprint"]
        == load_scheme("weighted-example", ["weights.case_type.s7=2"]).fingerprint
    )


def test_whole_number_range_stays_whole(run, tiny):
    data = as_json(
        run(*args_for(tiny, "--vary", "weights.children.max_additional=0:3:1", "--format", "json"))
    )
    assert [r["weights.children.max_additional"] for r in data["rows"]] == [0, 1, 2, 3]


def test_parse_vary():
    assert parse_vary("a.b=0:0.3:0.1").values == (0.0, 0.1, 0.2, 0.3)  # stop kept despite floats
    assert parse_vary("a.b=1:2:0.3").values == (1.0, 1.3, 1.6, 1.9)
    assert parse_vary("a.b=2:1:-0.5").values == (2.0, 1.5, 1.0)
    assert parse_vary("a.b = 0.5, 1,true").values == (0.5, 1, True)
    assert parse_vary("a.b=7").values == (7,)
    for bad in (
        "a.b",
        "=1,2",
        "a.b=1:2",
        "a.b=1:2:0",
        "a.b=2:1:0.5",
        "a.b=1:x:1",
        "a.b=1,,2",
        "a.b=1:inf:1",
    ):
        with pytest.raises(UsageError):
            parse_vary(bad)


def test_grid_limit():
    assert MAX_GRID_POINTS == 200
    grid = sweep_grid([Vary("a", tuple(range(10))), Vary("b", tuple(range(20)))])
    assert len(grid) == 200
    with pytest.raises(UsageError, match="201 points"):
        sweep_grid([Vary("a", tuple(range(201)))])
    with pytest.raises(UsageError, match="more than once"):
        sweep_grid([Vary("a", (1,)), Vary("a", (2,))])


@pytest.mark.parametrize(
    "extra,code,message",
    [
        (("--vary", f"{R16}=1:201:1"), 2, "gives 201 values, more than the limit of 200"),
        (
            ("--vary", f"{R16}=1:11:1", "--vary", "weights.case_type.s7=1:20:1"),
            2,
            "the --vary grid has 220 points (11 × 20), more than the limit of 200",
        ),
        ((), 2, "give at least one --vary"),
        (("--vary", f"{R16}=1:2"), 2, "three numbers"),
        (("--vary", f"{R16}=1,2", "--metric", "band_reed_pct"), 2, "did you mean band_red_pct"),
        (("--vary", "weights.case_typo.r16_4=1,2"), 1, "weights.case_typo: unknown key"),
        (("--vary", f"{R16}=-1,1"), 1, "weights.case_type.r16_4: must be ≥ 0"),
        (("--vary", f"{R16}=1,2", "--scheme", "nope"), 2, "unknown scheme 'nope'"),
        (("--vary", f"{R16}=1,2", "--set", "weights.case_type"), 2, "expected PATH=VALUE"),
    ],
)
def test_errors(run, tiny, extra, code, message):
    result = run(*args_for(tiny, *extra))
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_misspelt_code_is_noted(run, tiny):
    result = run(*args_for(tiny, "--vary", "weights.case_type.r16_44=1,2"))
    assert result.exit_code == 0
    assert "did you mean weights.case_type.r16_4?" in result.stderr


def test_prepare_runs_once(run, tiny, monkeypatch):
    calls = []
    real = reports_inputs.prepare
    monkeypatch.setattr(
        reports_inputs, "prepare", lambda i, s, **kw: calls.append(1) or real(i, s, **kw)
    )
    assert run(*args_for(tiny, "--vary", f"{R16}=1:2:0.1", "--format", "csv")).exit_code == 0
    assert calls == [1]


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "ndjson", "markdown", "html"])
def test_text_formats(run, tiny, fmt):
    result = run(
        *args_for(tiny, "--vary", f"{R16}=1,2", "--metric", "band_red_pct", "--format", fmt)
    )
    assert result.exit_code == 0, result.stderr
    assert R16 in result.stdout and "band_red_pct" in result.stdout
    assert load_scheme("weighted-example", [f"{R16}=2"]).fingerprint in result.stdout
    if fmt == "csv":
        frame = pd.read_csv(io.StringIO(result.stdout))
        assert list(frame[R16]) == [1, 2]


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_binary_formats(run, tiny, tmp_path, fmt):
    out = tmp_path / f"sweep.{fmt}"
    assert run(*args_for(tiny, "--vary", f"{R16}=1,2", "--output", out)).exit_code == 0
    if fmt == "parquet":
        frame = pd.read_parquet(out)
        assert len(frame) == 2 and "fingerprint" in frame.columns
    else:
        from openpyxl import load_workbook

        assert load_workbook(out).sheetnames == ["sweep", "about"]


def test_sample_red_share_moves_with_r16_4(run):
    data = as_json(
        run(
            "sweep",
            "--scheme",
            "weighted-example",
            "--vary",
            f"{R16}=1:2:0.5",
            "--metric",
            "band_red_pct",
            "--metric",
            "weighted_load",
            "--format",
            "json",
        )
    )
    loads = [r["weighted_load"] for r in data["rows"]]
    assert loads == sorted(loads) and loads[0] < loads[-1]
    reds = [r["band_red_pct"] for r in data["rows"]]
    assert reds == sorted(reds)


CHILD = "weights.children.per_additional"


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_varied_values_are_shown_exactly(run, tiny, fmt):
    """0.125 is shown as 0.125 (never 0.13) in every format people read."""
    result = run(*args_for(tiny, "--vary", f"{CHILD}=0:0.5:0.125", "--format", fmt))
    assert result.exit_code == 0, result.stderr
    for value in ("0.125", "0.375"):
        assert value in result.stdout
    assert " 0.13 " not in result.stdout and ">0.13<" not in result.stdout


def test_varied_values_exact_in_xlsx(run, tiny, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "sweep.xlsx"
    assert run(*args_for(tiny, "--vary", f"{CHILD}=0.125,0.0625", "--output", out)).exit_code == 0
    sheet = load_workbook(out)["sweep"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index(CHILD) + 1)
    assert cell.value == 0.125 and cell.number_format == "0.0000"


def test_more_than_six_places_is_refused(run, tiny):
    result = run(*args_for(tiny, "--vary", f"{CHILD}=0,0.1234567"))
    assert result.exit_code == 2
    assert (
        f"Error: --vary '{CHILD}=0,0.1234567': 0.1234567 has more than 6 decimal places "
        "(weights and loads are kept to 6)"
    ) in result.stderr
