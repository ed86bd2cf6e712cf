"""`caseload scorecard`: every measure on a hand-made area whose answers are worked
out below, RAG ordering, triggers from a settings file, and every format."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import as_json

STAFF = """worker_id,name,team,service_area,role,team_type,contracted_hours
S1,Ann,Team A,X,fca,wafh,37
S2,Bea,Team A,X,fca,wafh,18.5
S3,Cyd,Team B,X,fca,eit,37
S4,Dot,Team A,X,practice_supervisor,wafh,37
S5,Eli,Team A,X,service_manager,wafh,37
S6,Fay,Team C,Y,fca,wafh,37
S7,Gus,Team D,Y,fca,public_law,37
S8,Hal,Team C,Y,practice_supervisor,wafh,37
"""
SNAPSHOT = "2022-04-30"


def _cases() -> pd.DataFrame:
    rows = []

    def add(worker, n, stage="wafh", case_type="s7", children=1, allocated_after=None,
            opened="2022-01-01", **more):  # fmt: skip
        for _ in range(n):
            opened = pd.Timestamp(opened)
            allocated = opened + pd.Timedelta(days=allocated_after) if allocated_after else None
            rows.append(
                {"worker_id": worker, "law": "private", "case_type": case_type, "stage": stage,
                 "children": children, "opened": opened.date(), "snapshot": SNAPSHOT,
                 "allocated": allocated.date() if allocated is not None else None, **more}
            )  # fmt: skip

    # Area X
    add("S1", 22, allocated_after=10)
    add("S2", 12, allocated_after=30)
    add("S3", 42, stage="wtfh", case_type="wtfh", children=2)
    add("S4", 13)
    add("S5", 2, stage="duty", children=3)
    # Area Y
    add("S6", 10)
    add("S6", 2, case_type="r16_4", children=3, opened="2020-06-01")  # 698 days open
    add("S7", 4, law="public", case_type="s31", children=2, opened="2021-06-01")  # 333 days
    add("S7", 1, law="public", case_type="epo", opened="2022-04-16")  # 14 days
    add("S8", 12)
    # Held by no one: national figures only
    for weeks, children in ((4, 2), (6, 3), (22, 1)):
        entered = (pd.Timestamp(SNAPSHOT) - pd.Timedelta(weeks=weeks)).date()
        add("", 1, stage="allocation_hub", children=children, hub_entered=entered,
            opened="2021-06-01")  # fmt: skip
    add("", 1, stage="post_assessment_hub", children=4)
    frame = pd.DataFrame(rows)
    frame.insert(0, "case_id", [f"{i:07d}" for i in range(len(frame))])
    return frame


@pytest.fixture
def files(tmp_path):
    _cases().to_csv(tmp_path / "cases.csv", index=False)
    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    return [str(tmp_path / "cases.csv"), "--staff", str(tmp_path / "staff.csv")]


def wide(data: dict) -> dict[str, dict]:
    return {row["service_area"]: row for row in data["sections"]["by_group"]}


#: Every measure of area X, worked out by hand (flat scheme: each case weighs 1).
AREA_X = {
    # FCAs S1 (WAFH, 1 FTE, 22 cases), S2 (WAFH, 0.5 FTE, 12), S3 (EIT, 1 FTE, 42).
    "fca_saturation_pct": 100 * (22 + 12 + 42) / (25 * 1 + 25 * 0.5 + 40 * 1),  # 98.06
    "wafh_cases_per_fte": (22 / 1 + 12 / 0.5) / 2,  # per FCA: 22 and 24
    "wafh_above_20_pct": 100.0,  # both
    "wafh_above_25_pct": 0.0,  # neither
    "eit_cases_per_fte": 42.0,
    "eit_above_40_pct": 100.0,
    "duty_cases": 2,  # the service manager S5's
    "duty_children": 6,  # 3 each
    "duty_cases_per_service_manager": 2.0,  # 2 duty cases, 1 service manager
    "manager_held_cases": 15,  # the practice supervisor's 13 and the service manager's 2
    "allocation_hub_cases": 0,  # hub cases are held by no one: national only
    "allocation_hub_children": 0,
    "post_assessment_hub_cases": 0,
    "post_assessment_hub_children": 0,
    "allocation_hub_weeks": None,
    "allocation_hub_within_20_weeks_pct": None,
    "days_to_allocation": (22 * 10 + 12 * 30) / 34,  # S1's cases after 10 days, S2's 30
    "days_to_allocation_over_20_pct": 100 * 12 / 34,  # S2's
    "ps_cases": 13.0,
    "ps_over_12_pct": 100.0,  # S4 holds 13
    "children_per_case": (22 + 12 + 42 * 2 + 13 + 2 * 3) / (22 + 12 + 42 + 13 + 2),
    "public_law_weeks_open": None,  # none in X
    "private_wafh_weeks_open": 119 / 7,  # 2022-01-01 to 2022-04-30: 17 weeks
    "r16_4_weeks_open": None,
}
#: Every measure nationally: X, Y (S6: 10 s7 and 2 R16.4; S7: public law; S8: a practice
#: supervisor holding exactly 12) and the hub cases held by no one.
NATIONAL = {
    # FCAs: X's three, S6 (WAFH, 1 FTE, 12 cases), S7 (public law, 1 FTE, 5).
    "fca_saturation_pct": 100 * (76 + 12 + 5) / (77.5 + 25 + 25),  # 72.94
    "wafh_cases_per_fte": (22 + 24 + 12) / 3,
    "wafh_above_20_pct": 100 * 2 / 3,  # S1 and S2, not S6
    "wafh_above_25_pct": 0.0,
    "eit_cases_per_fte": 42.0,
    "eit_above_40_pct": 100.0,
    "duty_cases": 2,
    "duty_children": 6,
    "duty_cases_per_service_manager": 2.0,
    "manager_held_cases": 15 + 12,  # and S8's 12
    "allocation_hub_cases": 3,
    "allocation_hub_children": 2 + 3 + 1,
    "post_assessment_hub_cases": 1,
    "post_assessment_hub_children": 4,
    "allocation_hub_weeks": (4 + 6 + 22) / 3,
    "allocation_hub_within_20_weeks_pct": 100 * 2 / 3,  # not the one waiting 22 weeks
    "days_to_allocation": (22 * 10 + 12 * 30) / 34,  # only S1's and S2's carry `allocated`
    "days_to_allocation_over_20_pct": 100 * 12 / 34,
    "ps_cases": (13 + 12) / 2,
    "ps_over_12_pct": 50.0,  # S4's 13 is over 12, S8's 12 is not
    # 124 cases: X's 91, S6's 12, S7's 5, S8's 12, 4 in hubs.
    "children_per_case": (137 + (10 + 2 * 3) + (4 * 2 + 1) + 12 + (2 + 3 + 1 + 4)) / 124,
    "public_law_weeks_open": (4 * 333 / 7 + 14 / 7) / 5,  # S7's 4 s31 and the EPO
    "private_wafh_weeks_open": 119 / 7,  # every s7 held opened 2022-01-01
    "r16_4_weeks_open": 698 / 7,  # 2020-06-01 to 2022-04-30
}


@pytest.mark.parametrize(("group", "expected"), [("X", AREA_X), ("national", NATIONAL)])
def test_every_measure_on_a_hand_made_set(run, files, group, expected):
    from caseload_cli.engine.scorecard import MEASURE_KEYS

    assert list(expected) == list(MEASURE_KEYS)  # every measure has a worked answer
    got = wide(as_json(run("scorecard", *files, "--format", "json")))[group]
    for key, value in expected.items():
        if value is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(value, rel=1e-6), key


def test_groups_crossing_a_trigger_come_first_and_settings_move_triggers(run, files, tmp_path):
    rows = as_json(run("scorecard", *files, "--format", "json"))["rows"]
    areas = list(dict.fromkeys(r["service_area"] for r in rows))
    assert areas == ["X", "Y", "national"]  # X has reds; Y none
    rated = {(r["service_area"], r["measure"]): r["rag"] for r in rows}
    assert (
        rated[("X", "fca_saturation_pct")] == "red"
        and rated[("Y", "fca_saturation_pct")] == "green"
    )
    assert rated[("national", "allocation_hub_within_20_weeks_pct")] == "red"  # lower is worse
    settings = tmp_path / "triggers.toml"
    settings.write_text("[triggers.fca_saturation_pct]\namber = 99\nred = 99.5\n")
    relaxed = as_json(run("scorecard", *files, "--settings", settings, "--format", "json"))
    again = {(r["service_area"], r["measure"]): r["rag"] for r in relaxed["rows"]}
    assert again[("X", "fca_saturation_pct")] == "green"


def test_bad_settings_name_the_path(run, files, tmp_path):
    settings = tmp_path / "triggers.toml"
    settings.write_text("[triggers.saturation]\nred = 90\n")
    result = run("scorecard", *files, "--settings", settings)
    assert result.exit_code == 1 and "triggers.saturation: no such measure" in result.stderr
    settings.write_text('[triggers.duty_cases]\nred = "many"\n')
    result = run("scorecard", *files, "--settings", settings)
    assert result.exit_code == 1 and "triggers.duty_cases.red: must be a number" in result.stderr


def test_by_team(run, files):
    data = as_json(run("scorecard", *files, "--by", "team", "--format", "json"))
    teams = [r["team"] for r in data["sections"]["by_group"]]
    assert teams == ["Team A", "Team B", "Team C", "Team D", "national"]


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "html", "xlsx", "parquet"])
def test_every_format(run, files, tmp_path, fmt):
    out = tmp_path / f"scorecard.{fmt}"
    result = run("scorecard", *files, "--format", fmt, "--output", out)
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_size > 0


def test_docs_define_every_measure_with_its_published_figure():
    from helpers import DOCS

    from caseload_cli.engine.scorecard import MEASURES

    text = (DOCS / "scorecard.md").read_text(encoding="utf-8")
    for measure in MEASURES:
        (line,) = [row for row in text.splitlines() if row.startswith(f"| `{measure.key}` |")]
        published = "–" if measure.published is None else f"{measure.published:g}"
        assert f"| {published} |" in line and measure.definition in line, measure.key


def test_from_a_store_the_latest_week_with_its_change_and_series(run, tmp_path):
    from helpers import ROOT

    weeks = ROOT / "sample_data" / "weeks"
    dates = sorted(p.name for p in weeks.iterdir() if p.is_dir())[:3]
    store = tmp_path / "history"
    for date in dates:
        w = weeks / date
        added = run("history", "add", w / "cases.parquet", "--staff", w / "staff.parquet",
                    "--store", store, "-q")  # fmt: skip
        assert added.exit_code == 0, added.stderr
    data = as_json(run("scorecard", "--store", store, "--weeks", "2", "--format", "json"))
    assert data["metadata"]["snapshots"] == dates[1:]
    series = data["sections"]["series"]
    assert {r["snapshot"] for r in series} == set(dates[1:])
    value = {(r["snapshot"], r["service_area"], r["measure"]): r["value"] for r in series}
    for row in data["rows"]:
        before = value[(dates[1], row["service_area"], row["measure"])]
        if row["value"] is not None and before is not None:
            assert row["change"] == pytest.approx(row["value"] - before, abs=1e-6)
    single = as_json(run("scorecard", weeks / dates[2] / "cases.parquet", "--staff",
                         weeks / dates[2] / "staff.parquet", "--format", "json"))  # fmt: skip
    assert [r["value"] for r in single["rows"]] == [r["value"] for r in data["rows"]]
    html = tmp_path / "sc.html"
    assert run("scorecard", "--store", store, "--output", html).exit_code == 0
    assert html.read_text(encoding="utf-8").count('<figure class="chart">') == 3  # grid + 2 pages
    both = run("scorecard", weeks / dates[2] / "cases.parquet", "--store", store)
    assert both.exit_code == 2


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The hand-made area at two snapshots a week apart, in a history store."""
    from click.testing import CliRunner

    from caseload_cli.cli import cli

    folder = tmp_path_factory.mktemp("scorecard")
    (folder / "staff.csv").write_text(STAFF, encoding="utf-8")
    for day in ("2022-04-23", SNAPSHOT):
        _cases().assign(snapshot=day).to_csv(folder / f"{day}.csv", index=False)
        added = CliRunner().invoke(cli, ["history", "add", str(folder / f"{day}.csv"), "--staff",
                                         str(folder / "staff.csv"), "--store",
                                         str(folder / "history"), "-q"])  # fmt: skip
        assert added.exit_code == 0, added.stderr
    return folder / "history"


def test_every_measure_is_charted_week_by_week_in_html_xlsx_and_pdf(run, store, tmp_path):
    """Small multiples: a panel per measure (12 to a page), a line per group in each."""
    import io

    import numpy as np
    import openpyxl
    from PIL import Image

    from caseload_cli.engine.scorecard import MEASURE_KEYS
    from caseload_cli.render.figures import facet_parts, figure_png
    from caseload_cli.reports.scorecard import series_chart

    html = tmp_path / "sc.html"
    assert run("scorecard", "--store", store, "--output", html).exit_code == 0
    figures = html.read_text(encoding="utf-8").split('<figure class="chart">')[1:]
    series = [f for f in figures if "Each measure by service area, 2022-04-23 to 2022-04-30" in f]
    assert len(series) == 2 and "(1 of 2)" in series[0] and "(2 of 2)" in series[1]
    for key in MEASURE_KEYS:  # each panel is titled with its measure (SVG text stays text)
        assert sum(f">{key}<" in figure for figure in series) == 1, key

    book = tmp_path / "sc.xlsx"
    assert run("scorecard", "--store", store, "--output", book).exit_code == 0
    sheet = openpyxl.load_workbook(book)["Series chart"]
    titles = [chart.title.tx.rich.p[0].r[0].t for chart in sheet._charts]
    assert titles == list(MEASURE_KEYS)  # a native line chart per measure
    assert [c.value for c in sheet[1]] == ["measure", "service_area", "2022-04-23", "2022-04-30"]

    from caseload_cli.render.pdf import pdf_extra_installed

    if not pdf_extra_installed():
        return
    import pypdf

    pdf = tmp_path / "sc.pdf"
    assert run("scorecard", "--store", store, "--output", pdf).exit_code == 0
    pictures = [
        np.asarray(image.image.convert("RGB"))
        for page in pypdf.PdfReader(pdf).pages
        for image in page.images
    ]
    frame = pd.DataFrame(as_json(run("scorecard", "--store", store, "--format", "json"))[
        "sections"]["series"])  # fmt: skip
    chart = series_chart("service_area", "2022-04-23 to 2022-04-30")
    parts = facet_parts(chart, frame)
    assert [set(part["measure"]) for part in parts] == [set(MEASURE_KEYS[:12]),
                                                        set(MEASURE_KEYS[12:])]  # fmt: skip
    for part in parts:  # the pdf holds exactly these pictures, pixel for pixel
        drawn = np.asarray(Image.open(io.BytesIO(figure_png(chart, part))).convert("RGB"))
        assert any(p.shape == drawn.shape and np.array_equal(p, drawn) for p in pictures)


def test_the_rag_grid_is_drawn_in_html_pdf_and_xlsx(run, files, tmp_path):
    import openpyxl

    html = tmp_path / "sc.html"
    assert run("scorecard", *files, "--output", html).exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert "RAG grid by service area" in page and page.count("<svg") == 1
    assert ">fca_saturation_pct<" in page and ">98.1<" in page  # a cell: X's saturation
    book = tmp_path / "sc.xlsx"
    assert run("scorecard", *files, "--output", book).exit_code == 0
    assert len(openpyxl.load_workbook(book)["scorecard"]._images) == 1
    from caseload_cli.render.pdf import pdf_extra_installed

    if pdf_extra_installed():
        pdf = tmp_path / "sc.pdf"
        assert run("scorecard", *files, "--output", pdf).exit_code == 0
        assert pdf.read_bytes()[:5] == b"%PDF-"


#: The April 2022 figures a national-size generated set must land near, with the
#: tolerance each is held to (absolute, in the measure's unit).
PUBLISHED = {
    "fca_saturation_pct": (86.2, 2.5),
    "wafh_cases_per_fte": (21.7, 0.5),
    "wafh_above_20_pct": (65.4, 3.0),
    "wafh_above_25_pct": (23.5, 3.0),
    "eit_cases_per_fte": (45.5, 1.5),
    "ps_cases": (15.9, 1.0),
    "ps_over_12_pct": (57.9, 3.0),
    "duty_cases": (1316.0, 66.0),  # 5%
    "duty_cases_per_service_manager": (15.6, 1.0),
    "children_per_case": (1.6, 0.05),
    "days_to_allocation": (20.8, 1.5),
    "allocation_hub_weeks": (6.1, 0.6),
    "allocation_hub_within_20_weeks_pct": (98.0, 1.5),
    "public_law_weeks_open": (45.0, 3.0),
    "private_wafh_weeks_open": (54.0, 4.0),
    "r16_4_weeks_open": (96.0, 5.0),
}


@pytest.mark.slow
def test_a_national_size_generated_set_lands_near_the_published_figures(run, tmp_path):
    made = run("sample", "--out", tmp_path, "--workers", "1700", "--seed", "7", "--format",
               "parquet", "-q")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    data = as_json(
        run("scorecard", tmp_path / "cases.parquet", "--staff", tmp_path / "staff.parquet",
            "--reductions", tmp_path / "reductions.parquet", "--format", "json")
    )  # fmt: skip
    national = wide(data)["national"]
    for key, (published, tolerance) in PUBLISHED.items():
        assert national[key] == pytest.approx(published, abs=tolerance), key
    assert national["eit_above_40_pct"] > 50  # "more than half above 40"
    areas = [row for name, row in wide(data).items() if name != "national"]
    assert len(areas) == 19
    assert 6 <= sum(area["duty_cases"] > 100 for area in areas) <= 8  # published: 7 of 19
    # The published-against-generated tables in the docs are this run's output.
    import runpy

    from helpers import ROOT

    tables = runpy.run_path(str(ROOT / "docs" / "gen_scorecard_table.py"))
    expected = tables["table"](data["sections"]["by_group"])
    for name in tables["FILES"]:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert tables["between_markers"](text, name) == expected, (
            f"{name}: run python docs/gen_scorecard_table.py"
        )


def test_by_worker_lists_the_inputs_behind_the_area_figures(run, files):
    data = as_json(run("scorecard", *files, "--by", "worker", "--format", "json"))
    rows = {r["worker_id"]: r for r in data["rows"]}
    area = wide(as_json(run("scorecard", *files, "--format", "json")))["X"]
    wafh_fcas = [r for r in rows.values() if r["service_area"] == "X" and r["role"] == "fca"
                 and r["team_type"] == "wafh"]  # fmt: skip
    assert area["wafh_cases_per_fte"] == pytest.approx(
        sum(r["cases_per_fte"] for r in wafh_fcas) / len(wafh_fcas)
    )
    assert rows["S5"]["duty_cases"] == 2 and rows["S1"]["days_to_allocation"] == 10
    assert rows["S2"]["cases_per_fte"] == 24


def test_under_a_selection_the_total_row_is_named_for_the_selection(run, files, tmp_path):
    import openpyxl

    args = (*files, "--service-area", "X", "--by", "team")
    data = as_json(run(*("scorecard", *args), "--format", "json"))
    groups = [r["team"] for r in data["sections"]["by_group"]]
    assert groups == ["Team A", "Team B", "service area X"]  # not "national"
    assert data["metadata"]["total_row"] == "service area X"
    assert data["rows"][-1]["team"] == "service area X"
    # The selection's total: X's staff and the cases they hold (no unheld hub cases).
    total = data["sections"]["by_group"][-1]
    assert total["allocation_hub_cases"] == 0 and total["duty_cases"] == 2
    assert total["fca_saturation_pct"] == pytest.approx(100 * 76 / (25 + 12.5 + 40))
    assert any("'service area X', is the selection's" in note for note in data["notes"])
    for fmt in ("csv", "markdown", "html", "xlsx"):
        out = tmp_path / f"sc.{fmt}"
        assert run(*("scorecard", *args), "--output", out).exit_code == 0
        if fmt == "xlsx":
            cells = {c.value for row in openpyxl.load_workbook(out)["scorecard"] for c in row}
            assert "service area X" in cells and "national" not in cells
        else:
            text = out.read_text(encoding="utf-8")
            assert "service area X" in text and "national" not in text.replace(
                "national figure", ""
            ), fmt
    unselected = as_json(run("scorecard", *files, "--by", "team", "--format", "json"))
    assert unselected["sections"]["by_group"][-1]["team"] == "national"
