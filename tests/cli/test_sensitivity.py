"""`caseload sensitivity`: one setting at a time over its range, ranked by swing (a tornado)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from helpers import as_json, tiny_args

from caseload_cli.core.errors import UsageError
from caseload_cli.reports import inputs as reports_inputs
from caseload_cli.reports.sensitivity import DISPUTED, parse_range, sensitivity_settings
from caseload_cli.scheme.model import load_scheme

R16 = "weights.case_type.r16_4"
S7 = "weights.case_type.s7"
CHILD = "weights.children.per_additional"


def args_for(tiny, *extra):
    return tiny_args("sensitivity", tiny, "--scheme", "weighted-example", *extra)


def test_swing_by_hand_and_ranked(run, tiny):
    """FCAs' load: W001's R16.4 case weighs (r16_4 + 0.5) × 1.1, so 1 → 2 moves it 1.1;
    three s7 cases (W001 twice, W002) move 3 × 0.5 = 1.5 from s7 0.5 to 1: s7 ranks first."""
    data = as_json(
        run(
            *args_for(
                tiny,
                "--vary",
                f"{R16}=1:2",
                "--vary",
                f"{S7}=0.5:1",
                "--metric",
                "weighted_load",
                "--format",
                "json",
            )
        )
    )
    rows = data["rows"]
    assert [(r["rank"], r["setting"]) for r in rows] == [(1, S7), (2, R16)]
    s7, r16 = rows
    assert r16["scheme_value"] == 1.5 and (r16["low"], r16["high"]) == (1, 2)
    assert r16["change_low"] == pytest.approx(-0.55) and r16["change_high"] == pytest.approx(0.55)
    assert r16["swing"] == pytest.approx(1.1)
    assert s7["swing"] == pytest.approx(1.5) and s7["change_high"] == 0
    assert s7["at_scheme"] == r16["at_scheme"]  # the scheme as written, weighed once
    assert s7["at_low"] == pytest.approx(s7["at_scheme"] - 1.5)
    settings = {r["setting"]: r for r in data["sections"]["settings"]}
    assert (
        settings[R16]["low_fingerprint"]
        == load_scheme("weighted-example", [f"{R16}=1"]).fingerprint
    )
    assert settings[S7]["high_fingerprint"] == load_scheme("weighted-example").fingerprint  # s7 = 1
    assert data["metadata"]["vary"] == [f"{R16}=1:2", f"{S7}=0.5:1"]
    assert data["metadata"]["metrics"] == ["weighted_load"]
    assert data["scheme"]["fingerprint"] == load_scheme("weighted-example").fingerprint


def test_ends_agree_with_sweep(run, tiny):
    """The same scheme at the same value gives sweep's figures: one engine, one metric list."""
    metrics = ("--metric", "band_red_pct", "--metric", "fte_needed")
    tornado = as_json(
        run(*args_for(tiny, "--vary", f"{CHILD}=0:0.5", *metrics, "--format", "json"))
    )
    sweep = as_json(
        run(
            *tiny_args("sweep", tiny, "--scheme", "weighted-example"),
            "--vary",
            f"{CHILD}=0,0.5",
            *metrics,
            "--format",
            "json",
        )
    )
    for row in tornado["rows"]:
        assert row["at_low"] == pytest.approx(sweep["rows"][0][row["metric"]], abs=1e-6)
        assert row["at_high"] == pytest.approx(sweep["rows"][1][row["metric"]], abs=1e-6)


def test_default_settings_and_metrics(run, tiny):
    result = run(*args_for(tiny, "--format", "json"))
    data = as_json(result)
    assert data["metadata"]["metrics"] == ["band_red_pct", "fte_needed"]
    assert [s["setting"] for s in data["sections"]["settings"]] == [p for p, _ in DISPUTED]
    assert data["metadata"]["vary"] == [f"{p}={s}" for p, s in DISPUTED]  # as given
    assert "note: No --vary: the default disputed settings, weights.case_type.r16_4 1:2;" in (
        result.stderr
    )
    for metric in ("band_red_pct", "fte_needed"):
        ranks = [r["rank"] for r in data["rows"] if r["metric"] == metric]
        swings = [r["swing"] for r in data["rows"] if r["metric"] == metric]
        assert ranks == [1, 2, 3, 4, 5] and swings == sorted(swings, reverse=True)


def test_defaults_leave_out_settings_the_scheme_lacks(tmp_path):
    text = load_scheme("flat").to_toml()
    assert "addendum = 1.0\n" in text
    path = tmp_path / "no-addendum.toml"
    path.write_text(text.replace("addendum = 1.0\n", ""), encoding="utf-8")
    _, settings, notes = sensitivity_settings(str(path), (), ())
    assert "weights.case_type.addendum" not in [s.path for s in settings]
    assert "(weights.case_type.addendum: not in" in notes[0]


def test_by_service_area_ranks_within_each_area_and_nationally(run, tiny):
    data = as_json(
        run(
            *args_for(
                tiny,
                "--vary",
                f"{R16}=1:2",
                "--vary",
                f"{S7}=0.5:1",
                "--metric",
                "weighted_load",
                "--by",
                "service_area",
                "--format",
                "json",
            )
        )
    )
    rows = data["rows"]
    assert [(r["service_area"], r["rank"], r["setting"]) for r in rows] == [
        ("A12 Birmingham", 1, R16),  # no R16.4 or s7 there: both swing 0, in the order given
        ("A12 Birmingham", 2, S7),
        ("A3 Greater Manchester", 1, S7),
        ("A3 Greater Manchester", 2, R16),
        ("all", 1, S7),
        ("all", 2, R16),
    ]
    assert rows[0]["swing"] == 0
    areas = [r for r in rows if r["service_area"] != "all" and r["setting"] == S7]
    national = next(r for r in rows if r["service_area"] == "all" and r["setting"] == S7)
    assert sum(r["swing"] for r in areas) == pytest.approx(national["swing"])  # loads add up


def test_exact_values_shown(run, tiny):
    result = run(*args_for(tiny, "--vary", f"{CHILD}=0.125:0.375", "--metric", "fte_needed"))
    assert result.exit_code == 0, result.stderr
    assert "0.125" in result.stdout and "0.375" in result.stdout
    assert " 0.13 " not in result.stdout and " 0.38 " not in result.stdout


def test_validated_once(run, tiny, monkeypatch):
    calls = []
    real = reports_inputs.prepare
    monkeypatch.setattr(
        reports_inputs, "prepare", lambda i, s, **kw: calls.append(len(s)) or real(i, s, **kw)
    )
    import caseload_cli.reports.sensitivity as sensitivity

    monkeypatch.setattr(sensitivity, "prepare", reports_inputs.prepare)
    assert run(*args_for(tiny, "--vary", f"{R16}=1:2", "--vary", f"{S7}=0.5:1")).exit_code == 0
    assert calls == [5]  # once, with the scheme as written and both ends of both ranges


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "ndjson", "markdown", "html"])
def test_text_formats(run, tiny, fmt):
    result = run(*args_for(tiny, "--vary", f"{R16}=1:2", "--format", fmt))
    assert result.exit_code == 0, result.stderr
    assert R16 in result.stdout and "swing" in result.stdout
    if fmt == "csv":
        frame = pd.read_csv(io.StringIO(result.stdout))
        assert list(frame["metric"]) == ["band_red_pct", "fte_needed"]
        assert frame["scheme_fingerprint"].iat[0] == load_scheme("weighted-example").fingerprint
    if fmt == "html":
        assert result.stdout.count('<figure class="chart">') == 1
        assert 'aria-label="Tornado chart' in result.stdout


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_binary_formats(run, tiny, tmp_path, fmt):
    out = tmp_path / f"tornado.{fmt}"
    by = ("--by", "service_area")
    assert run(*args_for(tiny, "--vary", f"{R16}=1:2", *by, "--output", out)).exit_code == 0
    if fmt == "parquet":
        frame = pd.read_parquet(out)
        assert len(frame) == 6 and list(frame["service_area"].unique())[-1] == "all"
    else:
        from openpyxl import load_workbook

        book = load_workbook(out)
        assert book.sheetnames == [
            "A12 Birmingham",
            "A3 Greater Manchester",
            "all",
            "Settings",
            "about",
        ]
        assert [len(book[name]._charts) for name in book.sheetnames[:3]] == [2, 2, 2]


def test_pdf(run, tiny, tmp_path):
    pytest.importorskip("xhtml2pdf")
    out = tmp_path / "tornado.pdf"
    assert run(*args_for(tiny, "--vary", f"{R16}=1:2", "--output", out)).exit_code == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_parse_range():
    assert parse_range("a.b=1:2") == ("a.b", 1, 2)
    assert parse_range(" a.b = 0 : 0.125 ") == ("a.b", 0.0, 0.125)
    assert parse_range("a.b=1:2.0") == ("a.b", 1, 2)  # whole numbers stay whole
    assert isinstance(parse_range("a.b=1:2.5")[1], float)
    for bad in ("a.b", "=1:2", "a.b=1", "a.b=1:2:3", "a.b=2:1", "a.b=1:1", "a.b=x:1", "a.b=1:"):
        with pytest.raises(UsageError):
            parse_range(bad)


@pytest.mark.parametrize(
    "extra,code,message",
    [
        (
            ("--vary", R16),
            2,
            f"Error: --vary '{R16}': expected PATH=LOW:HIGH, e.g. weights.case_type.r16_4=1:2",
        ),
        (("--vary", f"{R16}=1:2:0.5"), 2, f"--vary '{R16}=1:2:0.5': a range is LOW:HIGH"),
        (("--vary", f"{R16}=2:1"), 2, f"--vary '{R16}=2:1': LOW (2) must be below HIGH (1)"),
        (("--vary", f"{R16}=1:1"), 2, "LOW (1) must be below HIGH (1)"),
        (("--vary", f"{R16}=1:x"), 2, f"--vary '{R16}=1:x': 'x' is not a number"),
        (("--vary", f"{R16}=1:1.1234567"), 2, "1.1234567 has more than 6 decimal places"),
        (("--vary", f"{R16}=1:2", "--vary", f"{R16}=0:1"), 2, f"--vary names {R16} more than once"),
        (("--metric", "band_reed_pct"), 2, "did you mean band_red_pct"),
        (("--by", "worker"), 2, "Invalid value for '--by'"),
        (("--scheme", "nope"), 2, "unknown scheme 'nope'"),
        (("--vary", "weights.case_typo.r16_4=1:2"), 1, "weights.case_typo: unknown key"),
        (("--vary", f"{R16}=-1:1"), 1, "weights.case_type.r16_4: must be ≥ 0"),
    ],
)
def test_errors(run, tiny, extra, code, message):
    result = run(*args_for(tiny, *extra))
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_strict_exits_3_with_rejected_rows(run, tiny):
    tiny["cases"].write_text(
        tiny["cases"].read_text(encoding="utf-8")
        + "0000011,W001,private,s8,wafh,1,2022-01-10,2022-04-30,false,false\n",
        encoding="utf-8",
    )
    result = run(*args_for(tiny, "--vary", f"{R16}=1:2", "--strict"))
    assert result.exit_code == 3
    assert "1 rejected" in result.stderr


def test_misspelt_code_is_noted(run, tiny):
    result = run(*args_for(tiny, "--vary", "weights.case_type.r16_44=1:2"))
    assert result.exit_code == 0
    assert "did you mean weights.case_type.r16_4?" in result.stderr
