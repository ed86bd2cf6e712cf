"""The benchmark scripts in bench/ still run (tiny data, no timing assertions)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from helpers import BENCH

sys.path.insert(0, str(BENCH))

import bench_baselines
import bench_data

SCHEME = BENCH.parent / "weights" / "flat.toml"


def _run_module():
    spec = importlib.util.spec_from_file_location("caseload_bench_run", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while run.py loads
    spec.loader.exec_module(module)
    return module


def test_tiled_data_has_exact_rows_and_unique_ids(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    monkeypatch.setattr(bench_data, "CHUNK_ROWS", 800)
    info = bench_data.make_parquet(tmp_path, 1500)
    assert info["rows"] == 1500 and info["chunks"] == 2
    cases = pq.read_table(info["cases"], columns=["case_id", "worker_id"])
    ids = cases.column("case_id").to_pylist()
    assert len(set(ids)) == len(ids)
    staff = set(pq.read_table(info["staff"]).column("worker_id").to_pylist())
    assert {w for w in cases.column("worker_id").to_pylist() if w} <= staff
    assert info["arrow_bytes_needed"] > 0
    assert bench_data.make_parquet(tmp_path, 1500) == info  # reused, not regenerated


def test_baselines_agree(tmp_path):
    info = bench_data.make_parquet(tmp_path, 1200)
    weights = bench_baselines.scheme_weights(SCHEME)
    bare = bench_baselines.bare_minimum(info["cases"], weights)
    assert bare["cases"].sum() > 0
    if importlib.util.find_spec("duckdb") is None:
        pytest.skip("duckdb (the bench extra) is not installed")
    duck = bench_baselines.duckdb_totals(info["cases"], weights).to_pandas()
    assert int(duck["cases"].sum()) == int(bare["cases"].sum())
    assert float(duck["weighted_load"].sum()) == pytest.approx(float(bare["weighted_load"].sum()))


def test_measure_and_render(tmp_path):
    run = _run_module()
    script = "import json; print(json.dumps({'seconds': 0.5}))"
    measured = run.run_once([sys.executable, "-c", script], tmp_path, "probe")
    assert measured.wall > 0 and measured.maxrss > 0 and measured.inner == {"seconds": 0.5}
    row = run.Row("probe", "1k", [measured], [measured.wall])
    check = run.Check("probe / itself", "1k", 1.0, 1.5)
    text = run.render([row], [check], "## Results")
    assert "| probe | 1k | 1 |" in text and "| probe / itself | 1k | 1.00× | ≤ 1.5× | yes |" in text
    assert json.loads((tmp_path / "probe.measure.json").read_text())["rc"] == 0


def test_history_and_week_baselines(tmp_path, monkeypatch, run):
    if importlib.util.find_spec("duckdb") is None:
        pytest.skip("duckdb (the bench extra) is not installed")
    import pyarrow.parquet as pq

    def in_process(*args):  # the same commands bench_data runs, without a process each
        assert run(*args).exit_code == 0

    monkeypatch.setattr(bench_data, "_caseload", in_process)
    info = bench_data.make_store(tmp_path, 2, workers=40)
    assert info["weeks"] == 2 and bench_baselines.store_dates(info["store"]) == info["dates"]
    codes = json.loads(Path(info["codes"]).read_text())
    added = bench_baselines.duckdb_history_add(
        info["cases"], info["staff"], info["reductions"], codes, tmp_path / "duck"
    )
    assert added["cases_written"] == info["case_rows"] and added["duplicate_case_ids"] == 0
    assert added["workers_missing_from_staff"] == 0 and added["unknown_codes"] == 0
    week = bench_baselines.duckdb_week(info["store"], info["team"])
    assert (week["as_at"], week["previous"]) == (info["dates"][1], info["dates"][0])
    now = pq.read_table(f"{info['store']}/cases/snapshot={info['dates'][1]}").to_pandas()
    for worker, cases, _ in week["rows"]:
        assert cases == int((now["worker_id"] == worker).sum())


def test_validated_baseline_reads_parquet_and_csv_alike(tmp_path):
    if importlib.util.find_spec("duckdb") is None:
        pytest.skip("duckdb (the bench extra) is not installed")
    info = bench_data.make_csv(tmp_path, 1200)
    weights = bench_baselines.scheme_weights(SCHEME)
    bare = bench_baselines.bare_minimum(info["cases"], weights)
    from_parquet = bench_baselines.duckdb_validated(info["cases"], info["staff"], weights)
    from_csv = bench_baselines.duckdb_validated(info["csv"], info["staff"], weights)
    assert from_parquet == from_csv
    assert from_parquet["rejected"] == 0 and from_parquet["cases"] == int(bare["cases"].sum())
    assert info["arrow_bytes_validation"] > info["arrow_bytes_needed"] > 0


def test_trend_baseline_counts_every_stored_case(tmp_path, monkeypatch, run):
    if importlib.util.find_spec("duckdb") is None:
        pytest.skip("duckdb (the bench extra) is not installed")
    import pyarrow.parquet as pq

    def in_process(*args):
        assert run(*args).exit_code == 0

    monkeypatch.setattr(bench_data, "_caseload", in_process)
    info = bench_data.make_store(tmp_path, 2, workers=40)
    weights = bench_baselines.scheme_weights(SCHEME)
    capacity = bench_baselines.scheme_capacity(SCHEME)
    trend = bench_baselines.duckdb_trend(info["store"], weights, capacity)
    assert trend["snapshots"] == 2 and trend["rows"] > 0 and trend["capacity"] > 0
    stored = pq.read_table(f"{info['store']}/cases").num_rows
    assert 0 < trend["cases"] <= stored


def test_run_knows_every_suite():
    run = _run_module()
    args = run.parse_args(
        ["--only", ",".join(run.SUITES), "--csv-rows", "10", "--trend-weeks", "2"]
    )
    assert {"load", "csv", "compare", "trend"} <= set(run.SUITES)
    assert args.csv_rows == 10 and args.trend_weeks == 2


def test_missed_goals_are_profiled_once_per_command_and_point_to_what_was_tried(tmp_path):
    run = _run_module()
    import missed

    if importlib.util.find_spec("pyinstrument") is None:
        pytest.skip("pyinstrument (the bench extra) is not installed")
    script = tmp_path / "slow.py"
    script.write_text("def spin():\n    return sum(i * i for i in range(300_000))\n\nspin()\n")
    command = [sys.executable, str(script)]
    checks = [
        run.Check("slow / fast (wall)", "1k", 3.0, 1.5, key="load_vs_duckdb", command=command),
        run.Check("slow / bare (wall)", "1k", 4.0, 2.0, key="load_vs_bare", command=command),
        run.Check("met (wall)", "1k", 1.0, 2.0, key="compare_vs_one", command=command),
    ]
    text = missed.missed_section(checks, tmp_path / "profiles")
    assert "slow / fast (wall), 1k** (3.00×, goal ≤ 1.5×)" in text
    assert "met (wall)" not in text
    assert "docs/performance.md#goals-missed-and-what-it-would-take" in text
    assert "spin" in text and "slow.py" in text  # the profile names the slow function
    assert "The same command as above" in text  # profiled once
    assert len(list((tmp_path / "profiles").glob("*.txt"))) == 1
    assert missed.missed_section(checks[2:], tmp_path / "profiles") == ""
