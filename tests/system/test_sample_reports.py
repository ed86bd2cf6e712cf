"""The bundled sample through the whole CLI: formats agree, workbooks are usable."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from caseload_cli.core.files import sample_data_dir
from caseload_cli.scheme.model import load_scheme

SAMPLE = sample_data_dir()


def report(run, ext: str, *extra: str) -> dict:
    result = run(
        "load",
        SAMPLE / f"cases.{ext}",
        "--staff",
        SAMPLE / f"staff.{ext}",
        "--reductions",
        SAMPLE / f"reductions.{ext}",
        "--format",
        "json",
        *extra,
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("scheme", ["flat", "weighted-example"])
def test_csv_xlsx_parquet_give_identical_reports(run, scheme):
    reports = {ext: report(run, ext, "--scheme", scheme) for ext in ("csv", "xlsx", "parquet")}
    assert reports["csv"]["accounting"]["rejected"] == 0
    assert reports["csv"]["accounting"]["weighed"] > 3000
    for ext in ("xlsx", "parquet"):
        assert reports[ext]["rows"] == reports["csv"]["rows"], ext
        assert reports[ext]["sections"] == reports["csv"]["sections"], ext
        assert reports[ext]["accounting"] == reports["csv"]["accounting"], ext


def test_default_load_is_the_bundled_csv(run):
    default = run("load", "--format", "json")
    assert default.exit_code == 0
    assert json.loads(default.stdout)["rows"] == report(run, "csv")["rows"]


def test_mapped_export_gives_the_same_report(run):
    mapped = run(
        "load",
        SAMPLE / "cases_mapped.csv",
        "--staff",
        SAMPLE / "staff_mapped.csv",
        "--reductions",
        SAMPLE / "reductions.csv",
        "--mapping",
        SAMPLE / "mapping.toml",
        "--format",
        "json",
    )
    assert mapped.exit_code == 0, mapped.stderr
    assert json.loads(mapped.stdout)["rows"] == report(run, "csv")["rows"]


def test_sample_looks_like_the_published_figures(run):
    rows = report(run, "csv")["rows"]
    wafh = [r for r in rows if r["team_type"] == "wafh" and r["role"] in ("fca", "locum_fca")]
    eit = [r for r in rows if r["team_type"] == "eit" and r["role"] in ("fca", "locum_fca")]
    per_fte = lambda rs: sum(r["cases"] / r["fte"] for r in rs) / len(rs)  # noqa: E731
    assert 19 < per_fte(wafh) < 24.5  # published 21.7
    assert 40 < per_fte(eit) < 51  # published 45.5
    teams = {r["team"] for r in rows}
    areas = {r["service_area"] for r in rows}
    assert len(teams) == 12 and len(areas) == 3
    assert {r["role"] for r in rows} == {"fca", "locum_fca"}  # the default population
    everyone = run("load", "--population", "all", "--format", "csv")
    assert len(everyone.stdout.strip().splitlines()) == 151  # header + all 150 staff


def test_xlsx_output_reloads_with_features(run, tmp_path: Path):
    out = tmp_path / "week47.xlsx"
    result = run("load", "--output", out, "--scheme", "weighted-example")
    assert result.exit_code == 0, result.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["load", "Not held by FCA", "Managers holding cases", "about"]
    sheet = book["load"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    header = [c.value for c in sheet[1]]
    band_col = header.index("band") + 1
    colours = {
        b.name: b.colour.upper().lstrip("#")
        for b in load_scheme("weighted-example").model.banding.bands
    }
    seen = set()
    for row in range(2, sheet.max_row + 1):
        cell = sheet.cell(row=row, column=band_col)
        assert isinstance(cell.value, str)
        assert cell.fill.fgColor.rgb[-6:].upper() == colours[cell.value]
        seen.add(cell.value)
    assert len(seen) >= 2
    about = {r[0].value: r[1].value for r in book["about"].iter_rows() if r[0].value}
    assert about["scheme_fingerprint"] == load_scheme("weighted-example").fingerprint


def test_parquet_output_has_scheme_metadata(run, tmp_path: Path):
    out = tmp_path / "teams.parquet"
    assert run("load", "--by", "team", "--output", out).exit_code == 0
    table = pq.read_table(out)
    meta = json.loads(table.schema.metadata[b"caseload.scheme"])
    assert meta["fingerprint"] == load_scheme("flat").fingerprint
    assert table.num_rows == 12


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "ndjson", "markdown", "html"])
def test_every_text_format_renders_the_sample(run, fmt):
    result = run("load", "--format", fmt, "--by", "team")
    assert result.exit_code == 0
    assert load_scheme("flat").fingerprint[:12] in result.stdout


def test_outputs_are_reproducible(run, tmp_path: Path):
    for ext in ("xlsx", "parquet", "csv"):
        first, second = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
        run("load", "--output", first)
        run("load", "--output", second)
        assert first.read_bytes() == second.read_bytes(), ext
