"""The benchmark scripts in bench/ still run (tiny data, no timing assertions)."""

from __future__ import annotations

import importlib.util
import json
import sys

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
