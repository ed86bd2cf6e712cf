"""`caseload sample` and caseload_cli.synth: determinism, calibration, variants."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from helpers import DOCS
from hypothesis import example, given, settings
from hypothesis import strategies as st

from caseload_cli.cli import cli
from caseload_cli.core.vocabulary import ROLES, TEAM_TYPES
from caseload_cli.synth import write
from caseload_cli.synth.calibration import calibration_stats
from caseload_cli.synth.generate import CASE_TYPES, PUBLIC_CASE_TYPES, STAGES, generate
from caseload_cli.synth.organisation import SURNAMES
from caseload_cli.synth.profiles import APRIL_2022, PROFILES, SUMMER_2023
from caseload_cli.synth.reductions import REDUCTION_CAPS
from caseload_cli.synth.variants import MAPPING

NATIONAL = 1700  # staff incl. managers: about 1,400 FCAs, Cafcass's size
TOLERANCE = {  # absolute tolerances, as documented in docs/sample-data.md
    "wafh_average": 1.0,
    "eit_average": 1.0,
    "practice_supervisor_average": 1.0,
    "wafh_share_above_20": 0.05,
    "wafh_share_above_25": 0.05,
    "eit_share_above_40": 0.05,
    "children_per_case": 0.05,
    "saturation": 0.03,
    "practice_supervisor_share_over_12": 0.05,
    "duty_cases": 66,  # 5% of the published 1,316
    "duty_per_service_manager": 1.0,
}
TABLES = ("cases", "staff", "reductions")


def run(*args: str):
    return CliRunner().invoke(cli, ["sample", *args], catch_exceptions=False)


@cache
def national(profile: str, seed: int) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    frames = generate(NATIONAL, seed, profile)
    return frames, calibration_stats(frames["cases"], frames["staff"])


def read_text(path: Path, **kwargs) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    result = run("--out", str(out), "--workers", "60", "--seed", "3", "--mapped", "--dirty")
    assert result.exit_code == 0, result.output
    return out


# --------------------------------------------------------------------------- command


def test_default_profile_is_april_2022():
    assert PROFILES["default"] is PROFILES["april-2022"]


def test_command_module_does_not_import_pandas():
    code = (
        "import sys, caseload_cli.cli.sample; "
        "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_writes_every_table_in_every_format_and_summarises(tmp_path):
    result = run("--out", str(tmp_path), "--workers", "40", "--seed", "1")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    tables = (*TABLES, "activities")
    assert names == sorted(f"{t}.{f}" for t in tables for f in ("csv", "xlsx", "parquet"))
    assert "wrote 12 files" in result.stderr and "cases" in result.stderr
    assert result.stdout == ""


def test_format_option_is_repeatable(tmp_path):
    result = run(
        "--out", str(tmp_path), "--workers", "20", "--format", "csv", "--format", "parquet"
    )
    assert result.exit_code == 0, result.output
    assert {p.suffix for p in tmp_path.iterdir()} == {".csv", ".parquet"}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        assert run("--out", str(tmp_path / name), "--workers", "60", "--seed", seed).exit_code == 0
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    for name in files:  # CSV, Parquet and xlsx are all byte-identical
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    for name in ("cases.csv", "cases.parquet", "staff.csv"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes(), name


def test_generate_is_deterministic():
    one, two = generate(200, 9), generate(200, 9)
    for table in TABLES:
        pd.testing.assert_frame_equal(one[table], two[table])


@pytest.mark.parametrize(
    "args",
    [
        ["--workers", "0"],
        ["--workers", "-3"],
        ["--workers", "999999"],
        ["--profile", "march-1999"],
        ["--seed", "-1"],
        ["--format", "pdf"],
    ],
)
def test_bad_options_exit_2(tmp_path, args):
    result = run("--out", str(tmp_path), *args)
    assert result.exit_code == 2
    assert "Invalid value" in result.stderr
    assert not any(tmp_path.iterdir())


def test_out_is_required():
    assert run("--workers", "5").exit_code == 2


def test_too_many_rows_for_xlsx(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "XLSX_MAX_ROWS", 50)
    asked = run("--out", str(tmp_path / "x"), "--workers", "20", "--format", "xlsx")
    assert asked.exit_code == 2 and "xlsx" in asked.stderr
    default = run("--out", str(tmp_path / "all"), "--workers", "20")
    assert default.exit_code == 0
    assert "cases.xlsx skipped" in default.stderr
    assert not (tmp_path / "all" / "cases.xlsx").exists()
    assert (tmp_path / "all" / "staff.xlsx").exists()


def test_dirty_needs_enough_cases(tmp_path):
    result = run("--out", str(tmp_path), "--workers", "1", "--dirty")
    assert result.exit_code == 2 and "--dirty needs at least 30 cases" in result.stderr
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_help_has_examples():
    result = CliRunner().invoke(cli, ["sample", "--help"])
    assert result.exit_code == 0
    assert "caseload sample --out /tmp/big --workers 50000 --format parquet" in result.output


# --------------------------------------------------------------------------- calibration


@pytest.mark.parametrize("seed", [7, 11])
@pytest.mark.parametrize(
    ("profile", "target"),
    [(p.name, t) for p in (APRIL_2022, SUMMER_2023) for t in p.targets],
    ids=lambda v: getattr(v, "metric", v),
)
def test_national_data_reproduces_published_figures(profile, target, seed):
    _, stats = national(profile, seed)
    value = stats[target.metric]
    if target.kind == "above":
        assert value > target.value
    else:
        assert value == pytest.approx(target.value, abs=TOLERANCE[target.metric])


@pytest.mark.parametrize("profile", ["april-2022", "summer-2023"])
def test_national_data_matches_profile_parameters(profile):
    prof = PROFILES[profile]
    _, stats = national(profile, 7)
    assert 1300 <= stats["fcas"] <= 1500
    assert stats["children_per_case"] == pytest.approx(prof.children_per_case, abs=0.05)
    assert stats["saturation"] == pytest.approx(prof.saturation, abs=0.03)
    assert stats["eit_share_above_40"] == pytest.approx(prof.eit.share_above_lower, abs=0.05)
    assert stats["wafh_share_above_25"] == pytest.approx(prof.wafh.share_above_upper, abs=0.05)
    assert stats["practice_supervisor_average"] == pytest.approx(
        prof.practice_supervisors.mean, abs=1.0
    )
    assert stats["practice_supervisor_share_over_12"] == pytest.approx(
        prof.practice_supervisors.share_above_lower, abs=0.05
    )
    assert stats["duty_per_service_manager"] == pytest.approx(
        prof.duty_per_service_manager, abs=1.0
    )


@pytest.mark.parametrize("profile", ["april-2022", "summer-2023"])
def test_case_ages_follow_published_durations(profile):
    _, stats = national(profile, 7)
    assert stats["public_law_age_weeks"] == pytest.approx(45, abs=2.5)
    assert 54 <= stats["private_wafh_age_weeks"] <= 61
    assert stats["r16_4_age_weeks"] == pytest.approx(96, abs=4)
    assert stats["r16_4_share_over_100_weeks"] == pytest.approx(0.39, abs=0.05)
    assert stats["allocation_hub_age_weeks"] == pytest.approx(6.1, abs=1.0)


def test_calibration_stats_agrees_with_files(written):
    """The figures computed from the written CSVs equal those from the frames."""
    cases = pd.read_csv(written / "cases.csv", dtype={"case_id": str, "worker_id": str})
    staff = pd.read_csv(written / "staff.csv", dtype={"worker_id": str})
    frames = generate(60, 3)
    expected = calibration_stats(frames["cases"], frames["staff"])
    got = calibration_stats(cases, staff)
    assert got == pytest.approx(expected, nan_ok=True)


# --------------------------------------------------------------------------- structure


def test_bundled_scale_structure():
    frames = generate(150, 7)
    staff, cases = frames["staff"], frames["cases"]
    assert len(staff) == 150
    assert staff["team"].nunique() == 12
    assert staff["service_area"].nunique() == 3
    assert set(staff["service_area"]) >= {"A3 Greater Manchester", "A12 Birmingham"}
    roles = staff.groupby("team")["role"].agg(set)
    assert all({"practice_supervisor", "assistant_service_manager"} <= r for r in roles)
    assert set(staff["team_type"]) == set(TEAM_TYPES)
    assert set(staff["role"]) == set(ROLES)
    assert 2800 <= len(cases) <= 3800
    assert set(cases["stage"]) == set(STAGES)
    assert cases["case_id"].str.fullmatch(r"\d{7}").all() and cases["case_id"].is_unique
    assert cases["case_id"].iloc[0].startswith("0")
    assert staff["worker_id"].str.fullmatch(r"W\d{4}").all()
    assert staff["name"].str.contains("|".join(SURNAMES)).all()


def check_invariants(frames: dict[str, pd.DataFrame], workers: int) -> None:
    cases, staff, reductions = frames["cases"], frames["staff"], frames["reductions"]
    assert len(staff) == workers and staff["worker_id"].is_unique
    assert staff["contracted_hours"].between(0, 37.5).all()
    assert set(staff["role"]) <= set(ROLES)
    assert cases["case_id"].is_unique and (cases["case_id"].str.len() == 7).all()
    assert cases["worker_id"].dropna().isin(staff["worker_id"]).all()
    assert (cases["children"] >= 1).all()
    assert cases["snapshot"].nunique() <= 1
    public = cases["case_type"].isin(PUBLIC_CASE_TYPES)
    assert ((cases["law"] == "public") == public).all()
    assert set(cases["case_type"]) <= set(CASE_TYPES)
    off_caseload = cases["stage"].isin(["allocation_hub", "post_assessment_hub"])
    assert cases.loc[off_caseload, "worker_id"].isna().all()
    assert (cases.loc[cases["stage"] == "allocation_hub", "law"] == "private").all()
    # Duty cases are held by managers (by nobody only where no area has one).
    on_duty = cases.merge(staff, on="worker_id", how="left")["stage"].eq("duty")
    duty_roles = cases.merge(staff, on="worker_id", how="left").loc[on_duty, "role"]
    managers = {"service_manager", "assistant_service_manager"}
    if managers & set(staff["role"]):
        assert duty_roles.isin(managers).all()
    else:
        assert duty_roles.isna().all()
    assert cases.loc[cases["stage"] == "duty", "allocated"].isna().all()
    held = cases[cases["stage"] != "duty"].merge(staff, on="worker_id")
    expected_stage = held["team_type"].map({"eit": "wtfh", "wafh": "wafh", "public_law": "wafh"})
    assert (held["stage"] == expected_stage).all()
    eit = held["team_type"] == "eit"
    assert (held.loc[eit, "case_type"] == "wtfh").all()
    assert (
        held.loc[held["team_type"] == "wafh", "case_type"].isin(["s7", "addendum", "r16_4"]).all()
    )
    assert held.loc[held["team_type"] == "public_law", "law"].eq("public").all()
    heard = cases["first_hearing"].notna()
    assert (cases["opened"] <= cases["snapshot"]).all()
    assert (cases.loc[heard, "opened"] <= cases.loc[heard, "first_hearing"]).all()
    assert (cases.loc[heard, "first_hearing"] <= cases.loc[heard, "snapshot"]).all()
    listed = cases["next_hearing"].notna()
    assert (cases.loc[listed, "next_hearing"] > cases.loc[listed, "snapshot"]).all()
    # Reductions: exactly one of hours/percent, within the cap for the reason.
    assert (reductions["hours"].isna() ^ reductions["percent"].isna()).all()
    assert reductions["worker_id"].isin(staff["worker_id"]).all()
    contracted = staff.set_index("worker_id")["contracted_hours"]
    hours = reductions["worker_id"].map(contracted).astype(float)
    percent = reductions["percent"].fillna(reductions["hours"] / hours * 100)
    assert (percent <= reductions["reason"].map(REDUCTION_CAPS).astype(float) + 1e-9).all()
    assert (percent > 0).all()


@settings(max_examples=25, deadline=None, database=None)
@given(
    workers=st.integers(1, 400),
    seed=st.integers(0, 2**32 - 1),
    profile=st.sampled_from(["april-2022", "summer-2023"]),
)
@example(workers=1, seed=204268277, profile="april-2022")  # a lone locum: no reductions
def test_generated_data_keeps_the_contract(workers, seed, profile):
    check_invariants(generate(workers, seed, profile), workers)


def test_reductions_are_mostly_active_with_one_or_two_expired():
    frames = generate(150, 7)
    reductions, snapshot = frames["reductions"], frames["cases"]["snapshot"].iloc[0]
    expired = reductions["end"] < snapshot
    assert 1 <= expired.sum() <= 2
    active = reductions["start"].fillna(snapshot).le(snapshot) & ~expired
    assert active.mean() > 0.7
    assert set(reductions["reason"]) == set(REDUCTION_CAPS)


def test_generate_rejects_bad_arguments():
    with pytest.raises(ValueError, match="workers"):
        generate(0, 1)
    with pytest.raises(ValueError, match="profile"):
        generate(10, 1, "nope")


# --------------------------------------------------------------------------- files


def test_csv_format(written):
    lines = (written / "cases.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "case_id,worker_id,law,case_type,stage,children,opened,first_hearing,"
        "next_hearing,snapshot,domestic_abuse,interpreter,allocated,report_filed,hub_entered"
    )
    first = lines[1].split(",")
    assert first[0].startswith("0") and len(first[0]) == 7
    assert first[6][4] == "-" and first[11] in ("true", "false")
    staff = (written / "staff.csv").read_text(encoding="utf-8").splitlines()
    assert staff[0] == "worker_id,name,team,service_area,role,team_type,contracted_hours"
    reductions = (written / "reductions.csv").read_text(encoding="utf-8").splitlines()
    assert reductions[0] == "worker_id,reason,hours,percent,start,end"


def test_leading_zeros_and_types_survive_xlsx(written):
    csv_ids = read_text(written / "cases.csv")["case_id"].head(20).tolist()
    sheet = openpyxl.load_workbook(written / "cases.xlsx", read_only=True).active
    rows = list(sheet.iter_rows(min_row=1, max_row=21, values_only=True))
    header = rows[0]
    assert [r[header.index("case_id")] for r in rows[1:]] == csv_ids
    first = rows[1]
    assert isinstance(first[header.index("opened")], type(pd.Timestamp(0).to_pydatetime()))
    assert isinstance(first[header.index("children")], int)
    assert isinstance(first[header.index("domestic_abuse")], bool)
    staff = openpyxl.load_workbook(written / "staff.xlsx", read_only=True).active
    assert next(staff.iter_rows(min_row=2, max_row=2, values_only=True))[0] == "W0001"


def test_parquet_is_typed_and_keeps_leading_zeros(written):
    table = pq.read_table(written / "cases.parquet")
    schema = table.schema
    assert schema.field("case_id").type == pa.string()
    assert schema.field("opened").type == pa.date32()
    assert schema.field("domestic_abuse").type == pa.bool_()
    assert pa.types.is_integer(schema.field("children").type)
    assert pa.types.is_dictionary(schema.field("case_type").type)
    ids = table.column("case_id").to_pylist()
    assert ids[:20] == read_text(written / "cases.csv")["case_id"].head(20).tolist()
    assert b"pandas" not in (schema.metadata or {})
    staff = pq.read_table(written / "staff.parquet")
    assert pa.types.is_dictionary(staff.schema.field("role").type)
    assert staff.schema.field("contracted_hours").type == pa.float64()
    reductions = pq.read_table(written / "reductions.parquet")
    assert reductions.schema.field("start").type == pa.date32()


def test_mapped_variant_maps_back_to_the_plain_files(written):
    mapping = tomllib.loads((written / "mapping.toml").read_text(encoding="utf-8"))
    assert mapping == MAPPING
    assert mapping["cases"]["columns"]["Case Reference"] == "case_id"
    assert mapping["cases"]["values"]["law"] == {"Public Law": "public", "Private Law": "private"}
    for table, headers in (
        ("cases", ["Case Reference", "FCA ID", "Law Type", "No. of Children", "Date Opened"]),
        ("staff", ["Employee No", "Full Name", "Team", "Service Area", "Job Role", "Team Type"]),
    ):
        theirs = read_text(written / f"{table}_mapped.csv")
        assert set(headers) <= set(theirs.columns)
        spec = mapping[table]
        ours = theirs.rename(columns=spec["columns"])
        for column, values in spec["values"].items():
            assert ours[column].isin([*values, ""]).all(), column
            ours[column] = ours[column].map(values).fillna("")
        plain = read_text(written / f"{table}.csv")
        pd.testing.assert_frame_equal(ours[plain.columns], plain)
    cases = read_text(written / "cases_mapped.csv")
    assert set(cases["Law Type"]) == {"Public Law", "Private Law"}


def test_dirty_variants(written):
    dirty = written / "dirty"
    plain = (written / "cases.csv").read_bytes()
    bom = (dirty / "cases_bom.csv").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf") and bom[3:] == plain

    cp = (dirty / "staff_cp1252.csv").read_bytes()
    assert b"Zo\xeb Example" in cp
    with pytest.raises(UnicodeDecodeError):
        cp.decode("utf-8")
    assert "Zoë Example" in cp.decode("cp1252")

    semicolon = (dirty / "cases_semicolon.csv").read_text(encoding="utf-8")
    assert semicolon.splitlines()[0].startswith("case_id;worker_id;law;")
    pd.testing.assert_frame_equal(
        read_text(dirty / "cases_semicolon.csv", sep=";"), read_text(written / "cases.csv")
    )
    staff_sc = pd.read_csv(dirty / "staff_semicolon.csv", sep=";", decimal=",")
    staff = pd.read_csv(written / "staff.csv")
    assert staff_sc["contracted_hours"].tolist() == staff["contracted_hours"].tolist()


def test_dirty_cases_have_one_of_each_defect_where_documented(written):
    dirty = written / "dirty"
    cases = read_text(dirty / "cases_dirty.csv")
    staff = read_text(written / "staff.csv")
    plain = read_text(written / "cases.csv")
    assert len(cases) == len(plain)
    row = pd.Series(np.arange(len(cases)) + 2)  # spreadsheet row numbers
    found = {
        "case_id": row[cases["case_id"].duplicated()].tolist(),
        "worker_id": row[(cases["worker_id"] != "") & ~cases["worker_id"].isin(staff["worker_id"])],
        "case_type": row[~cases["case_type"].isin(CASE_TYPES)].tolist(),
        "children": row[cases["children"].astype(int) < 1].tolist(),
        "opened": row[pd.to_datetime(cases["opened"], format="%Y-%m-%d", errors="coerce").isna()],
    }
    found = {k: list(v) for k, v in found.items()}
    assert all(len(rows) == 1 for rows in found.values()), found
    assert cases.loc[found["worker_id"][0] - 2, "worker_id"] == "W9999"
    defects = read_text(dirty / "defects.csv")
    assert dict(zip(defects["column"], defects["row"].astype(int), strict=True)) == {
        k: v[0] for k, v in found.items()
    }
    # Nothing else changed.
    changed = (cases != plain).sum(axis=1)
    assert changed.sum() == 5 and changed.max() == 1


def test_bundled_sample_data_is_exactly_what_the_documented_command_makes(tmp_path):
    """sample_data/ must be regenerable: docs/sample-data.md gives the command."""
    from click.testing import CliRunner

    from caseload_cli.cli import cli
    from caseload_cli.core.files import sample_data_dir

    doc = (DOCS / "sample-data.md").read_text(encoding="utf-8")
    command = "sample --out sample_data/ --workers 150 --seed 7 --mapped --survey"
    assert f"python -m caseload_cli {command}" in doc
    args = command.replace("sample_data/", str(tmp_path)).split()
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    bundled = sample_data_dir()
    for made in sorted(tmp_path.iterdir()):
        if made.is_file():
            assert made.read_bytes() == (bundled / made.name).read_bytes(), made.name


# --------------------------------------------------------------------------- weekly series


def test_weeks_writes_one_folder_per_week_and_weeks_json(tmp_path):
    import json

    result = run("--out", str(tmp_path), "--workers", "60", "--seed", "3", "--weeks", "3")
    assert result.exit_code == 0, result.output
    index = json.loads((tmp_path / "weeks.json").read_text(encoding="utf-8"))
    dates = [w["snapshot"] for w in index["weeks"]]
    assert dates == ["2022-04-29", "2022-05-06", "2022-05-13"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [*dates, "weeks.json"]
    for folder in dates:
        names = sorted(p.name for p in (tmp_path / folder).iterdir())
        assert names == sorted(f"{t}.{f}" for t in TABLES for f in ("csv", "xlsx", "parquet"))
    single = tmp_path / "single"
    assert run("--out", str(single), "--workers", "60", "--seed", "3").exit_code == 0
    for name in ("cases.csv", "staff.parquet", "cases.xlsx"):  # week 0 is the snapshot
        assert (tmp_path / dates[0] / name).read_bytes() == (single / name).read_bytes()
    previous = None
    for week in index["weeks"]:
        cases = read_text(tmp_path / week["snapshot"] / "cases.csv")
        assert len(cases) == week["cases"] and set(cases["snapshot"]) == {week["snapshot"]}
        if previous is not None:
            assert previous + week["opened"] - week["closed"] == week["cases"]
        previous = week["cases"]
    assert "3 weekly snapshots" in result.stderr


@pytest.mark.parametrize("weeks", ["0", "-1", "261", "x"])
def test_invalid_weeks_exit_2(tmp_path, weeks):
    result = run("--out", str(tmp_path), "--workers", "20", "--weeks", weeks)
    assert result.exit_code == 2 and "--weeks" in result.stderr
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_bundled_weekly_series_is_exactly_what_the_documented_command_makes(tmp_path):
    """sample_data/weeks/ must be regenerable: docs/sample-data.md gives the command."""
    from caseload_cli.core.files import sample_data_dir

    doc = (DOCS / "sample-data.md").read_text(encoding="utf-8")
    command = "sample --out sample_data/weeks/ --workers 150 --seed 7 --weeks 8 --format parquet"
    assert f"python -m caseload_cli {command}" in doc
    result = run(*command.replace("sample_data/weeks/", str(tmp_path)).split()[1:])
    assert result.exit_code == 0, result.output
    bundled = sample_data_dir() / "weeks"
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert made == sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
    assert len(made) == 8 * 3 + 1
    for name in made:
        assert (tmp_path / name).read_bytes() == (bundled / name).read_bytes(), name


def test_xlsx_bytes_do_not_depend_on_lxml(tmp_path):
    """A fresh process (no conftest) writes the same workbook bytes as the bundled sample,
    whether or not lxml is installed: caseload_cli pins openpyxl's XML writer."""
    code = (
        "import sys; from click.testing import CliRunner; from caseload_cli.cli import cli;"
        f"r = CliRunner().invoke(cli, ['sample', '--out', {str(tmp_path)!r}, '--workers', '150',"
        " '--seed', '7', '--format', 'xlsx']); sys.exit(r.exit_code)"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENPYXL_LXML"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    from caseload_cli.core.files import sample_data_dir

    assert (tmp_path / "staff.xlsx").read_bytes() == (sample_data_dir() / "staff.xlsx").read_bytes()
