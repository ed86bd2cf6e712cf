"""Synthetic benchmark data, generated outside the repository.

    python bench/bench_data.py parquet WORKDIR ROWS  # WORKDIR/rows_<ROWS>/cases/, staff, ...
    python bench/bench_data.py csv     WORKDIR ROWS  # the same cases as one CSV (rows_<ROWS>/)
    python bench/bench_data.py xlsx    WORKDIR ROWS  # WORKDIR/xlsx_<ROWS>/cases.xlsx
    python bench/bench_data.py series  WORKDIR WEEKS # WORKDIR/weeks_1700_<WEEKS>/series/<date>/
    python bench/bench_data.py store   WORKDIR WEEKS # ... and store/, one `history add` per week

Both reuse what an earlier call left in WORKDIR. run.py calls this in a
subprocess so the measuring process stays small.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from bench_baselines import NEEDED  # the sibling module (bench/ is on sys.path)

CHUNK_ROWS = 5_000_000  # synth caps workers at 250,000 (7-digit case ids): tile above this
CASES_PER_WORKER = 22.0  # april-2022 profile gives about 22.1; a margin is added and cut off
#: The columns the case contract checks and weighing needs (contract.cases.CASE_COLUMNS):
#: the memory target is 3x their Arrow size.
VALIDATION_COLUMNS = ["case_id", "worker_id", "law", "case_type", "stage", "children", "opened"]
LOAD_READS = [  # what `caseload load --scheme flat` reads from a Parquet cases file
    "case_id",
    "worker_id",
    "law",
    "case_type",
    "stage",
    "children",
    "opened",
    "first_hearing",
    "next_hearing",
    "snapshot",
    "allocated",
    "report_filed",
    "hub_entered",
]


def _parquet_options() -> dict:
    # The settings `caseload sample --format parquet` uses (caseload_cli/synth/encode.py).
    return {
        "compression": "zstd",
        "compression_level": 3,
        "use_dictionary": True,
        "write_statistics": True,
        "version": "2.6",
        "data_page_version": "1.0",
        "row_group_size": 1_000_000,
    }


def make_parquet(workdir: Path, rows: int, seed: int = 7, profile: str = "april-2022") -> dict:
    """Exactly `rows` synthetic cases as a directory of Parquet files, plus staff and reductions.

    Up to 5M rows come from one `synth.generate` call. Above that the data is
    tiled: one call per 5M-row chunk with its own seed, worker ids prefixed
    `T<k>-` and case ids prefixed `<k>` so ids stay unique across chunks, one
    Parquet file per chunk in the cases directory. Reuses earlier output in
    the same folder.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from caseload_cli.synth.encode import to_arrow
    from caseload_cli.synth.generate import generate
    from caseload_cli.synth.limits import MAX_WORKERS

    out = workdir / f"rows_{rows}"
    info_path = out / "info.json"
    if info_path.exists():
        return _with_sizes(info_path)
    if out.exists():
        shutil.rmtree(out)
    cases_dir = out / "cases"
    cases_dir.mkdir(parents=True)
    chunks = max(1, math.ceil(rows / CHUNK_ROWS))
    per_chunk = [rows // chunks + (1 if k < rows % chunks else 0) for k in range(chunks)]
    staff_parts, reduction_parts = [], []
    started = time.perf_counter()
    for k, wanted in enumerate(per_chunk):
        workers = min(MAX_WORKERS, math.ceil(wanted / CASES_PER_WORKER * 1.05) + 20)
        frames = generate(workers, seed + k, profile)
        cases = to_arrow(frames["cases"].iloc[:wanted], "cases")
        staff = to_arrow(frames["staff"], "staff")
        reductions = to_arrow(frames["reductions"], "reductions")
        del frames
        if cases.num_rows < wanted:
            raise RuntimeError(f"chunk {k}: synth gave {cases.num_rows:,} cases, wanted {wanted:,}")
        if chunks > 1:
            prefix = pa.scalar(f"T{k}-")

            def tag(table: pa.Table, name: str, with_prefix: pa.Scalar) -> pa.Table:
                i = table.schema.get_field_index(name)
                column = pc.binary_join_element_wise(with_prefix, table.column(name), "")
                return table.set_column(i, name, column)

            cases = tag(tag(cases, "worker_id", prefix), "case_id", pa.scalar(str(k)))
            staff = tag(staff, "worker_id", prefix)
            reductions = tag(reductions, "worker_id", prefix)
        pq.write_table(cases, cases_dir / f"part-{k:02d}.parquet", **_parquet_options())
        staff_parts.append(staff)
        reduction_parts.append(reductions)
        del cases
    pq.write_table(pa.concat_tables(staff_parts), out / "staff.parquet", **_parquet_options())
    pq.write_table(
        pa.concat_tables(reduction_parts), out / "reductions.parquet", **_parquet_options()
    )
    needed = pq.read_table(sorted(str(p) for p in cases_dir.glob("*.parquet")), columns=NEEDED)
    load_cols = pq.read_table(
        sorted(str(p) for p in cases_dir.glob("*.parquet")), columns=LOAD_READS
    )
    info = {
        "rows": needed.num_rows,
        "cases": str(cases_dir),
        "staff": str(out / "staff.parquet"),
        "reductions": str(out / "reductions.parquet"),
        "staff_rows": sum(t.num_rows for t in staff_parts),
        "chunks": chunks,
        "arrow_bytes_needed": needed.nbytes,
        "arrow_bytes_load_reads": load_cols.nbytes,
        "file_bytes": sum(p.stat().st_size for p in cases_dir.glob("*.parquet")),
        "generate_seconds": time.perf_counter() - started,
    }
    info_path.write_text(json.dumps(info, indent=1))
    return _with_sizes(info_path)


def _with_sizes(info_path: Path) -> dict:
    """The info, with the Arrow sizes of the column sets the memory checks use (added to
    data generated before they were recorded)."""
    import pyarrow.parquet as pq

    info = json.loads(info_path.read_text())
    files = sorted(str(p) for p in Path(info["cases"]).glob("*.parquet"))
    changed = False
    for key, columns in (
        ("arrow_bytes_validation", VALIDATION_COLUMNS),
        ("arrow_bytes_load_reads", LOAD_READS),
    ):
        if info.get(f"{key}_columns") != columns:
            present = set(pq.read_schema(files[0]).names)
            wanted = [c for c in columns if c in present]
            info[key] = pq.read_table(files, columns=wanted).nbytes
            info[f"{key}_columns"] = columns
            changed = True
    if changed:
        info_path.write_text(json.dumps(info, indent=1))
    return info


def make_csv(workdir: Path, rows: int) -> dict:
    """The Parquet cases of `make_parquet` as one CSV file (codes and dates as text, the
    way an export from a case management system looks), next to them."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    info = make_parquet(workdir, rows)
    path = Path(info["cases"]).parent / "cases.csv"
    if not path.exists():
        partial = path.with_suffix(".csv.part")
        writer = None
        for file in sorted(Path(info["cases"]).glob("*.parquet")):
            for batch in pq.ParquetFile(file).iter_batches(batch_size=500_000):
                plain = pa.Table.from_batches([batch])
                plain = plain.cast(
                    pa.schema(
                        [
                            pa.field(f.name, f.type.value_type)
                            if pa.types.is_dictionary(f.type)
                            else f
                            for f in plain.schema
                        ]
                    )
                )
                if writer is None:
                    writer = pcsv.CSVWriter(str(partial), plain.schema)
                writer.write_table(plain)
        if writer is not None:
            writer.close()
        partial.rename(path)
    return info | {"csv": str(path), "csv_bytes": path.stat().st_size}


def make_xlsx(workdir: Path, rows: int, seed: int = 11, profile: str = "april-2022") -> Path:
    """Exactly `rows` synthetic cases as an xlsx workbook written by `synth.write_sample`."""
    from caseload_cli.synth.generate import generate
    from caseload_cli.synth.limits import MAX_WORKERS
    from caseload_cli.synth.write import write_sample

    out = workdir / f"xlsx_{rows}"
    path = out / "cases.xlsx"
    if path.exists():
        return path
    workers = min(MAX_WORKERS, math.ceil(rows / CASES_PER_WORKER * 1.05) + 20)
    frames = dict(generate(workers, seed, profile))
    frames["cases"] = frames["cases"].iloc[:rows]
    write_sample(frames, out, formats=("xlsx",))
    return path


WEEK_WORKERS = 1700  # a national-size snapshot: about 36,800 cases, 1,700 staff
WEEK_TEAM = "Greater Manchester WAFH 2"  # the team `week` is asked about (if it exists)


def _caseload(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "caseload_cli", *args], capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"caseload {' '.join(args)} exited {done.returncode}:\n{done.stderr}")


def make_series(workdir: Path, weeks: int, workers: int = WEEK_WORKERS, seed: int = 7) -> dict:
    """`caseload sample --weeks WEEKS --workers WORKERS --format parquet` (reused if present).

    Also writes codes.json: the codes `history add` accepts (every built-in scheme
    shares them), which the DuckDB baseline checks the rows against.
    """
    import pyarrow.parquet as pq

    from caseload_cli.core.vocabulary import LAWS, MAX_CHILDREN, MAX_CONTRACTED_HOURS, ROLES

    out = workdir / f"weeks_{workers}_{weeks}"
    info_path = out / "series.json"
    if info_path.exists():
        return json.loads(info_path.read_text())
    series = out / "series"
    if series.exists():
        shutil.rmtree(series)
    started = time.perf_counter()
    _caseload(
        "sample", "--out", str(series), "--workers", str(workers), "--seed", str(seed),
        "--format", "parquet", "--weeks", str(weeks),
    )  # fmt: skip
    dates = sorted(p.name for p in series.iterdir() if p.is_dir())
    with open(Path(__file__).resolve().parent.parent / "weights" / "flat.toml", "rb") as handle:
        scheme = tomllib.load(handle)
    codes = {
        "case_type": sorted(scheme["weights"]["case_type"]),
        "stage": sorted(scheme["weights"]["stage"]),
        "law": list(LAWS),
        "role": list(ROLES),
        "reason": sorted(scheme["reductions"]),
        "max_children": MAX_CHILDREN,
        "max_hours": MAX_CONTRACTED_HOURS,
    }
    (out / "codes.json").write_text(json.dumps(codes, indent=1))
    first = series / dates[0]
    teams = set(pq.read_table(series / dates[-1] / "staff.parquet").column("team").to_pylist())
    info = {
        "weeks": len(dates),
        "workers": workers,
        "dates": dates,
        "series": str(series),
        "codes": str(out / "codes.json"),
        "cases": str(first / "cases.parquet"),
        "staff": str(first / "staff.parquet"),
        "reductions": str(first / "reductions.parquet"),
        "case_rows": pq.read_metadata(first / "cases.parquet").num_rows,
        "staff_rows": pq.read_metadata(first / "staff.parquet").num_rows,
        "team": WEEK_TEAM if WEEK_TEAM in teams else sorted(teams)[0],
        "sample_seconds": time.perf_counter() - started,
    }
    info_path.write_text(json.dumps(info, indent=1))
    return info


def make_store(workdir: Path, weeks: int, workers: int = WEEK_WORKERS, seed: int = 7) -> dict:
    """The series of `make_series` stored with one `caseload history add` per week."""
    info = make_series(workdir, weeks, workers, seed)
    out = Path(info["series"]).parent
    info_path = out / "store.json"
    if info_path.exists():
        return json.loads(info_path.read_text())
    store = out / "store"
    if store.exists():
        shutil.rmtree(store)
    started = time.perf_counter()
    for day in info["dates"]:
        week = Path(info["series"]) / day
        _caseload(
            "history", "add", str(week / "cases.parquet"), "--staff", str(week / "staff.parquet"),
            "--reductions", str(week / "reductions.parquet"), "--store", str(store), "-q",
        )  # fmt: skip
    info = info | {"store": str(store), "store_seconds": time.perf_counter() - started}
    info_path.write_text(json.dumps(info, indent=1))
    return info


def main(argv: list[str]) -> int:
    kind, workdir, rows = argv
    if kind == "parquet":
        print(json.dumps(make_parquet(Path(workdir), int(rows))))
    elif kind == "csv":
        print(json.dumps(make_csv(Path(workdir), int(rows))))
    elif kind == "xlsx":
        print(json.dumps({"path": str(make_xlsx(Path(workdir), int(rows)))}))
    elif kind == "series":
        print(json.dumps(make_series(Path(workdir), int(rows))))
    elif kind == "store":
        print(json.dumps(make_store(Path(workdir), int(rows))))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main(sys.argv[1:]))
