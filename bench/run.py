#!/usr/bin/env python
"""Benchmark `caseload load` end to end against the bare minimum and DuckDB.

    python bench/run.py                      # 1M and 10M Parquet cases, 200k-row xlsx
    python bench/run.py --quick              # small smoke sizes, a minute or so
    python bench/run.py --sizes 1000000 --xlsx-rows 0 --only load
    python bench/run.py --only load --sizes 1000000,10000000,30000000 --runs 1   # memory in rows
    python bench/run.py --workdir /tmp/clbench --keep   # keep the data to re-measure later

Everything is generated into a temporary folder (or --workdir) and deleted
afterwards unless --keep or --workdir is given; nothing is written into the
repository. Each measurement runs in a fresh process started by
bench/measure.py, which records wall time around it and its own peak RSS
(ru_maxrss from os.wait4). Runs are interleaved (load, bare, duckdb, load, ...) so CPU noise
from other work on the machine spreads over all of them; the table shows
medians, and the ratios are ratios of medians from the same run.

See docs/performance.md for the targets and the findings.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_baselines import NEEDED  # noqa: E402
from bench_data import LOAD_READS, VALIDATION_COLUMNS  # noqa: E402
from missed import missed_section  # noqa: E402

SCHEME = "flat"
SCHEME_FILE = REPO / "weights" / f"{SCHEME}.toml"
DEFAULT_SIZES = (1_000_000, 10_000_000)
QUICK_SIZES = (20_000,)
DEFAULT_XLSX_ROWS = 200_000
QUICK_XLSX_ROWS = 5_000
TARGETS = {
    "load_vs_duckdb_validated": 1.0,
    "load_vs_duckdb": 1.5,
    "load_vs_bare": 2.0,
    "rss_vs_arrow": 3.0,
    "help_vs_click": 1.5,
    "xlsx_vs_calamine": 1.3,
    "csv_vs_duckdb_validated": 1.5,
    "compare_vs_one": 2.0,
    "trend_vs_duckdb": 1.5,
}
DEFAULT_CSV_ROWS = 10_000_000
QUICK_CSV_ROWS = 20_000
DEFAULT_COMPARE_ROWS = 1_000_000
QUICK_COMPARE_ROWS = 20_000
COMPARE_SCHEMES = 10
DEFAULT_TREND_WEEKS = 260  # five years of weekly national snapshots (about 9M case rows)
HISTORY_ADD_SECONDS = 2.0  # the weekly-table issue: `history add` of a national snapshot
DEFAULT_WEEKS = 52  # snapshots in the store `week` reads (the target size is 260)
QUICK_WEEKS = 26
#: `load` weighs every holder's cases, managers included, as the baselines count them, so
#: the "totals agree" note compares like with like (the work is the same as for FCAs only).
POPULATION = ("--population", "all")
SUITES = ("load", "csv", "compare", "help", "xlsx", "history", "week", "trend")


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    wall: float
    maxrss: int  # bytes
    inner: dict = field(default_factory=dict)  # JSON a baseline printed


class CommandFailed(RuntimeError):
    pass


def run_once(cmd: list[str], log_dir: Path, name: str) -> Run:
    """Run `cmd` in a fresh process (via measure.py): wall time, its own peak RSS, its JSON."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    result = log_dir / f"{name}.measure.json"
    launcher = [sys.executable, str(HERE / "measure.py"), str(result), "--"]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        done = subprocess.run([*launcher, *cmd], stdout=out, stderr=err, check=False)
    if done.returncode != 0:
        tail = err_path.read_text(errors="replace")[-2000:]
        raise CommandFailed(f"{' '.join(cmd)} exited {done.returncode}:\n{tail}")
    measured = json.loads(result.read_text())
    text = out_path.read_text(errors="replace").strip()
    inner = {}
    if text.startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            inner = json.loads(text.splitlines()[-1])
    return Run(measured["wall"], measured["maxrss"], inner)


def generate(kind: str, workdir: Path, rows: int) -> dict:
    """Generate (or reuse) benchmark data in a subprocess so this process stays small."""
    print(f"[data] {kind} {rows:,} rows in {workdir} ...", file=sys.stderr)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(HERE / "bench_data.py"), kind, str(workdir), str(rows)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    print(f"[data] ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def caseload_cmd() -> list[str]:
    """The installed console script next to this interpreter, else `python -m caseload_cli`.

    (A pyenv shim on PATH would add a bash + pyenv start-up to every run.)
    """
    script = Path(sys.executable).parent / "caseload"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "caseload_cli"]


def tree_cmd(tree: str) -> list[str]:
    """`caseload` from another checkout's `caseload_cli` (e.g. `git archive OLD caseload_cli`
    unpacked into TREE), put first on sys.path, so an older version runs interleaved
    with this one and "before" and "after" come from the same run."""
    start = f"import sys; sys.path.insert(0, {tree!r}); from caseload_cli.cli import main; main()"
    return [sys.executable, "-c", start]


#: `--before TREE`: also time `load` with the code in TREE (None: not asked for).
BEFORE: str | None = None


def interleaved(
    commands: dict[str, list[str]],
    runs: int,
    log_dir: Path,
    warmup: bool = True,
    before: Callable[[str], None] | None = None,
) -> dict[str, list[Run]]:
    """Run each command `runs` times, round-robin, after one untimed warm-up round.

    `before(name)`, if given, runs (untimed) before every run of that command.
    """
    if warmup:
        for name, cmd in commands.items():
            if before is not None:
                before(name)
            run_once(cmd, log_dir, f"{name}.warmup")
    results: dict[str, list[Run]] = {name: [] for name in commands}
    for i in range(runs):
        for name, cmd in commands.items():
            if before is not None:
                before(name)
            results[name].append(run_once(cmd, log_dir, f"{name}.{i}"))
            print(f"  {name} run {i + 1}/{runs}: {results[name][-1].wall:.2f} s", file=sys.stderr)
    return results


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --------------------------------------------------------------------------- suites


@dataclass
class Row:
    what: str
    size: str
    runs: list[Run]
    seconds: list[float]  # what the median is taken over (wall, or in-process seconds)
    note: str = ""

    @property
    def median(self) -> float:
        return median(self.seconds)

    @property
    def rss(self) -> float:
        return median([r.maxrss for r in self.runs])


@dataclass
class Check:
    what: str
    size: str
    value: float
    target: float | None  # None: measured, no target
    detail: str = ""
    unit: str = "×"
    key: str = ""  # the TARGETS key, for what docs/performance.md says was tried
    command: list[str] | None = None  # the slow side's command, profiled if the goal is missed

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.value <= self.target


def bench_load(
    workdir: Path, rows: int, runs: int, log_dir: Path, csv: bool = False
) -> tuple[list[Row], list[Check]]:
    info = generate("parquet", workdir, rows)
    label = human(info["rows"])
    print(
        f"[load {label}] {info['rows']:,} cases in {info['chunks']} file(s), "
        f"{info['file_bytes'] / 2**20:.0f} MiB Parquet, {info['staff_rows']:,} staff",
        file=sys.stderr,
    )
    out_dir = workdir / "out"
    out_dir.mkdir(exist_ok=True)
    output = out_dir / f"load_{rows}.parquet"
    commands = {
        "load": [
            *caseload_cmd(),
            "load",
            info["cases"],
            "--staff",
            info["staff"],
            "--reductions",
            info["reductions"],
            "--scheme",
            SCHEME,
            *POPULATION,
            "--format",
            "parquet",
            "--output",
            str(output),
        ],
        "bare": [
            sys.executable,
            str(HERE / "bench_baselines.py"),
            "bare",
            info["cases"],
            str(SCHEME_FILE),
        ],
        "duckdb": [
            sys.executable,
            str(HERE / "bench_baselines.py"),
            "duckdb",
            info["cases"],
            str(SCHEME_FILE),
        ],
        "duckdb_valid": [
            sys.executable,
            str(HERE / "bench_baselines.py"),
            "duckdb-validated",
            info["cases"],
            info["staff"],
            str(SCHEME_FILE),
        ],
    }
    if BEFORE:
        commands["load_before"] = [
            *tree_cmd(BEFORE),
            *commands["load"][len(caseload_cmd()) :],
        ]
        commands["load_before"][commands["load_before"].index(str(output))] = str(
            output.with_name(output.stem + "_before.parquet")
        )
    if csv:  # the same job rendered as CSV (the writer's per-cell Python shows at scale)
        at = commands["load"].index("parquet")
        commands["load_csv"] = [*commands["load"][:at], "csv", "--output", os.devnull]
    results = interleaved(commands, runs, log_dir / f"load_{rows}", warmup=rows <= 2_000_000)
    agreement = check_totals(output, results)
    rows_out = [
        Row(
            "`caseload load` (→ parquet)",
            label,
            results["load"],
            [r.wall for r in results["load"]],
            agreement,
        ),
        Row(
            "bare minimum (pyarrow + pandas group-by)",
            label,
            results["bare"],
            [r.wall for r in results["bare"]],
        ),
        Row("DuckDB SQL", label, results["duckdb"], [r.wall for r in results["duckdb"]]),
        Row(
            "DuckDB SQL with the contract's checks",
            label,
            results["duckdb_valid"],
            [r.wall for r in results["duckdb_valid"]],
        ),
    ]
    load, bare, duck, duck_valid = rows_out
    if BEFORE:
        rows_out.append(
            Row(
                f"`caseload load` (→ parquet), code in {BEFORE}",
                label,
                results["load_before"],
                [r.wall for r in results["load_before"]],
            )
        )
    if csv:
        rows_out.append(
            Row(
                "`caseload load` (→ csv, /dev/null)",
                label,
                results["load_csv"],
                [r.wall for r in results["load_csv"]],
            )
        )
    arrow = info["arrow_bytes_validation"]

    def per_round(name: str) -> str:
        """Each round's own ratio (load and baseline ran back to back): steadier than the
        ratio of medians when the load on the machine changes between rounds."""
        pairs = zip(results["load"], results[name], strict=False)
        ratios = [a.wall / b.wall for a, b in pairs]
        return f"per round: {', '.join(f'{r:.2f}×' for r in ratios)}"

    checks = []
    if BEFORE:
        before = rows_out[4]
        checks.append(
            Check(
                "load before / after (wall)",
                label,
                before.median / load.median,
                None,
                f"{before.median:.2f} s / {load.median:.2f} s; peak RSS {mib(before.rss)} / "
                f"{mib(load.rss)}",
            )
        )
    checks += [
        Check(
            "load / DuckDB with the checks (wall)",
            label,
            load.median / duck_valid.median,
            TARGETS["load_vs_duckdb_validated"],
            per_round("duckdb_valid"),
            key="load_vs_duckdb_validated",
            command=commands["load"],
        ),
        Check(
            "load / DuckDB without the checks (wall)",
            label,
            load.median / duck.median,
            TARGETS["load_vs_duckdb"],
            per_round("duckdb"),
            key="load_vs_duckdb",
            command=commands["load"],
        ),
        Check(
            "load / bare minimum (wall)",
            label,
            load.median / bare.median,
            TARGETS["load_vs_bare"],
            per_round("bare"),
            key="load_vs_bare",
            command=commands["load"],
        ),
        Check(
            "load peak RSS / Arrow size of needed columns",
            label,
            load.rss / arrow,
            TARGETS["rss_vs_arrow"],
            f"{mib(load.rss)} / {mib(arrow)} (the {len(VALIDATION_COLUMNS)} columns the contract "
            f"checks; the {len(NEEDED)} the bare minimum reads: "
            f"{mib(info['arrow_bytes_needed'])}; the {len(LOAD_READS)} columns load reads: "
            f"{mib(info['arrow_bytes_load_reads'])})",
            key="rss_vs_arrow",
        ),
    ]
    return rows_out, checks


def check_totals(output: Path, results: dict[str, list[Run]]) -> str:
    """Do load, bare minimum and DuckDB agree on cases and total weighted load?"""
    import pyarrow.parquet as pq

    table = pq.read_table(output, columns=["cases", "weighted_load"])
    cases = sum(table.column("cases").to_pylist())
    total = sum(table.column("weighted_load").to_pylist())
    for name in ("bare", "duckdb", "duckdb_valid"):
        if name not in results:
            continue
        inner = results[name][-1].inner
        if inner.get("cases") != cases or abs(inner.get("total", 0) - total) > 1e-6 * max(
            1.0, total
        ):
            return f"MISMATCH: load {cases:,} cases / {total:,.1f}; {name} {inner}"
    return f"totals agree ({cases:,} allocated cases)"


def bench_csv(workdir: Path, rows: int, runs: int, log_dir: Path) -> tuple[list[Row], list[Check]]:
    """`caseload load` of the same cases as one CSV file against DuckDB reading that CSV
    (as text) and doing the contract's checks and the totals in SQL."""
    info = generate("csv", workdir, rows)
    label = human(info["rows"]) + " CSV"
    print(f"[csv {label}] {info['csv_bytes'] / 2**20:.0f} MiB", file=sys.stderr)
    output = workdir / "out" / f"load_csv_{rows}.parquet"
    output.parent.mkdir(exist_ok=True)
    commands = {
        "load": [
            *caseload_cmd(), "load", info["csv"], "--staff", info["staff"], "--reductions",
            info["reductions"], "--scheme", SCHEME, *POPULATION, "--format", "parquet", "--output",
            str(output), "-q",
        ],
        "duckdb_valid": [
            sys.executable, str(HERE / "bench_baselines.py"), "duckdb-validated", info["csv"],
            info["staff"], str(SCHEME_FILE),
        ],
    }  # fmt: skip
    results = interleaved(commands, runs, log_dir / f"csv_{rows}", warmup=rows <= 2_000_000)
    load = Row(
        "`caseload load` of a CSV (→ parquet)",
        label,
        results["load"],
        [r.wall for r in results["load"]],
        check_totals(output, results),
    )
    duck = Row(
        "DuckDB SQL with the contract's checks, same CSV",
        label,
        results["duckdb_valid"],
        [r.wall for r in results["duckdb_valid"]],
    )
    checks = [
        Check(
            "CSV load / DuckDB with the checks (wall)",
            label,
            load.median / duck.median,
            TARGETS["csv_vs_duckdb_validated"],
            key="csv_vs_duckdb_validated",
            command=commands["load"],
        )
    ]
    return [load, duck], checks


def bench_compare(
    workdir: Path, rows: int, runs: int, log_dir: Path
) -> tuple[list[Row], list[Check]]:
    """`caseload compare` of ten schemes (the flat scheme with ten default targets) against
    the same command with one: reading and validating happen once, so ten should cost
    little more than one."""
    info = generate("parquet", workdir, rows)
    label = human(info["rows"])
    out = workdir / "out"
    out.mkdir(exist_ok=True)
    base = [
        *caseload_cmd(), "compare", info["cases"], "--staff", info["staff"], "--reductions",
        info["reductions"], "--format", "parquet", "-q",
    ]  # fmt: skip
    many = []
    for n in range(1, COMPARE_SCHEMES + 1):
        many += ["--scheme", SCHEME, "--set", f"{n}.capacity.default_target={20 + n}"]
    commands = {
        "one": [*base, "--scheme", SCHEME, "--output", str(out / "compare_1.parquet")],
        "ten": [*base, *many, "--output", str(out / f"compare_{COMPARE_SCHEMES}.parquet")],
    }
    results = interleaved(commands, runs, log_dir / f"compare_{rows}", warmup=rows <= 2_000_000)
    one = Row(
        "`caseload compare`, one scheme", label, results["one"], [r.wall for r in results["one"]]
    )
    ten = Row(
        f"`caseload compare`, {COMPARE_SCHEMES} schemes",
        label,
        results["ten"],
        [r.wall for r in results["ten"]],
    )
    checks = [
        Check(
            f"compare of {COMPARE_SCHEMES} schemes / one scheme (wall)",
            label,
            ten.median / one.median,
            TARGETS["compare_vs_one"],
            key="compare_vs_one",
            command=commands["ten"],
        )
    ]
    return [one, ten], checks


def bench_trend(
    workdir: Path, weeks: int, runs: int, log_dir: Path
) -> tuple[list[Row], list[Check]]:
    """`caseload trend --by team` over a store of `weeks` national snapshots against
    DuckDB computing each team's FCAs, cases, weighted load and capacity per snapshot
    over the same hive-partitioned Parquet."""
    info = generate("store", workdir, weeks)
    label = f"{info['weeks']} weeks"
    print(f"[trend] store of {info['weeks']} national snapshots", file=sys.stderr)
    output = workdir / "out" / f"trend_{weeks}.csv"
    output.parent.mkdir(exist_ok=True)
    commands = {
        "trend": [
            *caseload_cmd(), "trend", "--store", info["store"], "--by", "team", "--scheme",
            SCHEME, "--format", "csv", "--output", str(output), "-q",
        ],
        "duckdb": [
            sys.executable, str(HERE / "bench_baselines.py"), "duckdb-trend", info["store"],
            str(SCHEME_FILE),
        ],
    }  # fmt: skip
    results = interleaved(commands, runs, log_dir / f"trend_{weeks}")
    import csv as csv_module

    with output.open(newline="") as handle:
        got = list(csv_module.DictReader(handle))
    inner = results["duckdb"][-1].inner
    cases = sum(int(r["cases"]) for r in got)
    capacity = sum(float(r["capacity"]) for r in got)
    same = (
        len(got) == inner.get("rows")
        and cases == inner.get("cases")
        and abs(capacity - inner.get("capacity", 0)) <= 1e-3 * max(1.0, capacity)
    )
    note = (
        f"agree: {len(got):,} team-weeks, {cases:,} cases, capacity {capacity:,.1f}"
        if same
        else f"MISMATCH: trend {len(got)} / {cases} / {capacity:.1f}; DuckDB {inner}"
    )
    trend = Row(
        "`caseload trend --by team` (→ csv)",
        label,
        results["trend"],
        [r.wall for r in results["trend"]],
        note,
    )
    duck = Row(
        "DuckDB: per team and snapshot, FCAs, cases, load, capacity",
        label,
        results["duckdb"],
        [r.wall for r in results["duckdb"]],
    )
    checks = [
        Check(
            "`trend --by team` / DuckDB (wall)",
            label,
            trend.median / duck.median,
            TARGETS["trend_vs_duckdb"],
            key="trend_vs_duckdb",
            command=commands["trend"],
        )
    ]
    return [trend, duck], checks


def bench_help(runs: int, log_dir: Path) -> tuple[list[Row], list[Check]]:
    print("[help]", file=sys.stderr)
    commands = {
        "help": [*caseload_cmd(), "--help"],
        "click": [sys.executable, "-c", "import click"],
        "python": [sys.executable, "-c", "pass"],
    }
    results = interleaved(commands, runs, log_dir / "help")
    rows = [
        Row("`caseload --help`", "-", results["help"], [r.wall for r in results["help"]]),
        Row(
            '`python -c "import click"`', "-", results["click"], [r.wall for r in results["click"]]
        ),
        Row(
            '`python -c "pass"` (interpreter start)',
            "-",
            results["python"],
            [r.wall for r in results["python"]],
        ),
    ]
    checks = [
        Check(
            "`--help` / import click (wall)",
            "-",
            rows[0].median / rows[1].median,
            TARGETS["help_vs_click"],
            key="help_vs_click",
            command=commands["help"],
        ),
    ]
    return rows, checks


def bench_xlsx(workdir: Path, rows: int, runs: int, log_dir: Path) -> tuple[list[Row], list[Check]]:
    path = Path(generate("xlsx", workdir, rows)["path"])
    label = human(rows) + " xlsx"
    print(f"[xlsx {label}] {path.stat().st_size / 2**20:.1f} MiB", file=sys.stderr)
    base = [sys.executable, str(HERE / "bench_baselines.py")]
    commands = {
        "caseload": [*base, "xlsx-caseload", str(path)],
        "calamine": [*base, "xlsx-calamine", str(path)],
    }
    results = interleaved(commands, runs, log_dir / f"xlsx_{rows}")
    seconds = {n: [r.inner["seconds"] for r in rs] for n, rs in results.items()}
    out = [
        Row(
            "`readers.read_table` on xlsx (read only)",
            label,
            results["caseload"],
            seconds["caseload"],
            f"process wall {median([r.wall for r in results['caseload']]):.2f} s",
        ),
        Row(
            "bare python-calamine `to_python()`",
            label,
            results["calamine"],
            seconds["calamine"],
            f"process wall {median([r.wall for r in results['calamine']]):.2f} s",
        ),
    ]
    checks = [
        Check(
            "xlsx read_table / bare calamine (in-process)",
            label,
            out[0].median / out[1].median,
            TARGETS["xlsx_vs_calamine"],
            key="xlsx_vs_calamine",
            command=commands["caseload"],
        ),
    ]
    return out, checks


def bench_history(
    workdir: Path, weeks: int, runs: int, log_dir: Path
) -> tuple[list[Row], list[Check]]:
    """`caseload history add` of one national snapshot into an empty store, against DuckDB
    doing the contract's main checks in SQL and writing a hive-partitioned Parquet copy."""
    info = generate("series", workdir, weeks)
    label = f"{info['case_rows'] / 1000:.1f}k cases, {info['staff_rows']:,} staff"
    print(f"[history] {label} (week 0 of the series)", file=sys.stderr)
    out = workdir / "out" / "history"
    targets = {"history_add": out / "store", "duckdb": out / "duckdb"}
    commands = {
        "history_add": [
            *caseload_cmd(), "history", "add", info["cases"], "--staff", info["staff"],
            "--reductions", info["reductions"], "--store", str(targets["history_add"]), "-q",
        ],
        "duckdb": [
            sys.executable, str(HERE / "bench_baselines.py"), "duckdb-history", info["cases"],
            info["staff"], info["reductions"], info["codes"], str(targets["duckdb"]),
        ],
    }  # fmt: skip

    def empty(name: str) -> None:  # every run writes into a new, empty store
        shutil.rmtree(targets[name], ignore_errors=True)

    results = interleaved(commands, runs, log_dir / "history", before=empty)
    manifest = json.loads(next((targets["history_add"] / "manifests").glob("*.json")).read_text())[
        "rows"
    ]
    inner = results["duckdb"][-1].inner
    skip = {"seconds", "import_seconds", "snapshot"}
    problems = {k: v for k, v in inner.items() if k not in skip and not k.endswith("_written")}
    if manifest["cases"] == inner.get("cases_written") and manifest["rejects"] == sum(
        problems.values()
    ):
        agreement = (
            f"{manifest['cases']:,} cases stored, {manifest['rejects']} rejected; DuckDB "
            f"finds {sum(problems.values())} problems and writes the same cases"
        )
    else:
        agreement = f"MISMATCH: store {manifest}; DuckDB {inner}"
    rows = [
        Row(
            "`caseload history add` (national snapshot, new store)",
            label,
            results["history_add"],
            [r.wall for r in results["history_add"]],
            agreement,
        ),
        Row(
            "DuckDB: checks in SQL + `COPY … (PARTITION_BY snapshot)`",
            label,
            results["duckdb"],
            [r.wall for r in results["duckdb"]],
        ),
    ]
    add, duck = rows
    checks = [
        Check(
            "`history add` / DuckDB (wall)",
            label,
            add.median / duck.median,
            None,
            f"{add.median:.2f} s / {duck.median:.2f} s",
        ),
        Check(
            "`history add` wall time (the weekly-table issue)",
            label,
            add.median,
            HISTORY_ADD_SECONDS,
            "median wall time on this machine",
            unit=" s",
        ),
    ]
    return rows, checks


def bench_week(
    workdir: Path, weeks: int, runs: int, log_dir: Path
) -> tuple[list[Row], list[Check]]:
    """`caseload week --store STORE --team T` against DuckDB counting the team's cases this
    week and last over the store's hive-partitioned Parquet."""
    info = generate("store", workdir, weeks)
    label = f"{info['weeks']} weeks"
    print(
        f"[week] store of {info['weeks']} national snapshots (built in "
        f"{info['store_seconds']:.0f} s), team {info['team']!r}",
        file=sys.stderr,
    )
    out = workdir / "out"
    out.mkdir(exist_ok=True)
    output = out / f"week_{weeks}.json"
    commands = {
        "week": [
            *caseload_cmd(), "week", "--store", info["store"], "--team", info["team"],
            "--format", "json", "--output", str(output), "-q",
        ],
        "duckdb": [
            sys.executable, str(HERE / "bench_baselines.py"), "duckdb-week", info["store"],
            info["team"],
        ],
    }  # fmt: skip
    results = interleaved(commands, runs, log_dir / f"week_{weeks}")
    report = json.loads(output.read_text())
    inner = results["duckdb"][-1].inner
    cases = sum(r["cases"] for r in report["rows"])
    previous = sum(r.get("cases_previous") or 0 for r in report["rows"])
    same = (len(report["rows"]), cases, previous) == (
        inner.get("workers"),
        inner.get("cases"),
        inner.get("cases_previous"),
    )
    agreement = (
        f"agree: {len(report['rows'])} FCAs, {cases:,} cases, {previous:,} last week"
        if same
        else f"MISMATCH: week {len(report['rows'])} / {cases} / {previous}; DuckDB {inner}"
    )
    rows = [
        Row(
            f"`caseload week --store` ({info['weeks']} snapshots, one team)",
            label,
            results["week"],
            [r.wall for r in results["week"]],
            agreement + "; reads 15 of the snapshots (current, previous, 13 earlier)",
        ),
        Row(
            "DuckDB: the team's per-worker counts this week and last (hive partitions)",
            label,
            results["duckdb"],
            [r.wall for r in results["duckdb"]],
        ),
    ]
    week, duck = rows
    checks = [
        Check(
            "`week --store` / DuckDB (wall)",
            label,
            week.median / duck.median,
            None,
            f"{week.median:.2f} s / {duck.median:.2f} s",
        ),
    ]
    return rows, checks


# --------------------------------------------------------------------------- report


def human(n: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size:
            value = n / size
            return f"{value:g}{unit}" if value == int(value) else f"{value:.1f}{unit}"
    return str(n)


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def render(rows: list[Row], checks: list[Check], header: str) -> str:
    lines = [header, "", "### Measurements", ""]
    lines.append("| measurement | size | runs | median s | min–max s | peak RSS (median) | note |")
    lines.append("|---|---|---|---|---|---|---|")
    for row in rows:
        low, high = min(row.seconds), max(row.seconds)
        lines.append(
            f"| {row.what} | {row.size} | {len(row.seconds)} | {row.median:.3f} | "
            f"{low:.3f}–{high:.3f} | {mib(row.rss)} | {row.note} |"
        )
    lines += ["", "### Targets", ""]
    lines.append("| check | size | ratio | target | met | detail |")
    lines.append("|---|---|---|---|---|---|")
    for check in checks:
        target = "–" if check.target is None else f"≤ {check.target:g}{check.unit}"
        met = {None: "–", True: "yes", False: "**no**"}[check.met]
        lines.append(
            f"| {check.what} | {check.size} | {check.value:.2f}{check.unit} | {target} | "
            f"{met} | {check.detail} |"
        )
    return "\n".join(lines) + "\n"


def environment() -> str:
    import pandas
    import pyarrow

    try:
        import duckdb

        duck = duckdb.__version__
    except ImportError:
        duck = "not installed"
    cpus = os.cpu_count()
    memory = ""
    with contextlib.suppress(OSError, ValueError):
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    return (
        f"{time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, "
        f"{cpus} CPUs{memory}, pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, "
        f"duckdb {duck}"
    )


def profile_load(workdir: Path, rows: int) -> Path:
    """One pyinstrument profile of `caseload load` on `rows` cases (text, in the workdir)."""
    info = generate("parquet", workdir, rows)
    report = workdir / f"profile_load_{rows}.txt"
    cmd = [
        sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(report),
        "-m", "caseload_cli", "load", info["cases"], "--staff", info["staff"],
        "--reductions", info["reductions"], "--scheme", SCHEME, "--format", "parquet",
        "--output", str(workdir / "out" / f"profile_{rows}.parquet"),
    ]  # fmt: skip
    (workdir / "out").mkdir(exist_ok=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return report


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--sizes", help="comma-separated case counts (default 1000000,10000000)")
    parser.add_argument("--xlsx-rows", type=int, help="xlsx case rows (default 200000; 0 = skip)")
    parser.add_argument("--runs", type=int, help="runs per measurement (default 3 for ≥1M, else 7)")
    parser.add_argument(
        "--only",
        default=",".join(SUITES),
        help=f"comma-separated suites: {', '.join(SUITES)} (default all)",
    )
    parser.add_argument(
        "--weeks",
        type=int,
        help=f"snapshots in the `week` store (default {DEFAULT_WEEKS}, --quick {QUICK_WEEKS})",
    )
    parser.add_argument("--csv-rows", type=int, help="cases in the CSV `load` (default 10M)")
    parser.add_argument("--compare-rows", type=int, help="cases `compare` weighs (default 1M)")
    parser.add_argument(
        "--trend-weeks",
        type=int,
        help=f"snapshots in the `trend` store (default {DEFAULT_TREND_WEEKS}, --quick "
        f"{QUICK_WEEKS})",
    )
    parser.add_argument(
        "--before",
        metavar="TREE",
        help="also time `load` with the caseload_cli package in TREE (an older version)",
    )
    parser.add_argument("--workdir", help="folder for data and results (kept; data reused)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--profile", action="store_true", help="also pyinstrument load per size")
    parser.add_argument(
        "--no-profile-missed",
        action="store_true",
        help="do not profile the commands of missed goals (by default each is run once more "
        "under pyinstrument and its slowest functions are printed)",
    )
    parser.add_argument("--csv", action="store_true", help="also time load with --format csv")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    global BEFORE
    BEFORE = args.before
    if args.sizes:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    else:
        sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    xlsx_rows = args.xlsx_rows
    if xlsx_rows is None:
        xlsx_rows = QUICK_XLSX_ROWS if args.quick else DEFAULT_XLSX_ROWS
    suites = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = suites - set(SUITES)
    if unknown:
        print(f"unknown suite(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    def runs_for(size: int) -> int:
        return args.runs or (3 if size >= 1_000_000 else 7)

    keep = args.keep or bool(args.workdir)
    workdir = (
        Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="caseload-bench-"))
    )
    workdir.mkdir(parents=True, exist_ok=True)
    log_dir = workdir / "logs"
    rows: list[Row] = []
    checks: list[Check] = []
    profiles: list[Path] = []
    try:
        if "help" in suites:
            r, c = bench_help(args.runs or 7, log_dir)
            rows += r
            checks += c
        if "xlsx" in suites and xlsx_rows:
            r, c = bench_xlsx(workdir, xlsx_rows, runs_for(xlsx_rows), log_dir)
            rows += r
            checks += c
        if "load" in suites:
            for size in sizes:
                r, c = bench_load(workdir, size, runs_for(size), log_dir, csv=args.csv)
                rows += r
                checks += c
                if args.profile:
                    profiles.append(profile_load(workdir, size))
        if "csv" in suites:
            csv_rows = args.csv_rows or (QUICK_CSV_ROWS if args.quick else DEFAULT_CSV_ROWS)
            r, c = bench_csv(workdir, csv_rows, runs_for(csv_rows), log_dir)
            rows += r
            checks += c
        if "compare" in suites:
            compare_rows = args.compare_rows or (
                QUICK_COMPARE_ROWS if args.quick else DEFAULT_COMPARE_ROWS
            )
            r, c = bench_compare(workdir, compare_rows, runs_for(compare_rows), log_dir)
            rows += r
            checks += c
        weeks = args.weeks or (QUICK_WEEKS if args.quick else DEFAULT_WEEKS)
        week_runs = args.runs or (3 if args.quick else 7)
        if "history" in suites:
            r, c = bench_history(workdir, weeks, week_runs, log_dir)
            rows += r
            checks += c
        if "week" in suites:
            r, c = bench_week(workdir, weeks, week_runs, log_dir)
            rows += r
            checks += c
        if "trend" in suites:
            trend_weeks = args.trend_weeks or (QUICK_WEEKS if args.quick else DEFAULT_TREND_WEEKS)
            r, c = bench_trend(workdir, trend_weeks, args.runs or 3, log_dir)
            rows += r
            checks += c
        text = render(rows, checks, f"## Results ({environment()})")
        text += missed_section(checks, workdir / "profiles", profile=not args.no_profile_missed)
        results = workdir / "results.md"
        results.write_text(text)
        (workdir / "results.json").write_text(
            json.dumps(
                {
                    "rows": [
                        {
                            "what": r.what,
                            "size": r.size,
                            "seconds": r.seconds,
                            "maxrss": [x.maxrss for x in r.runs],
                            "note": r.note,
                        }
                        for r in rows
                    ],
                    "checks": [c.__dict__ | {"met": c.met} for c in checks],
                },
                indent=1,
            )
        )
        print(text)
        print(f"results written to {results}", file=sys.stderr)
        for report in profiles:
            print(f"profile: {report}", file=sys.stderr)
    finally:
        if not keep:  # the generated data goes; results, logs and profiles stay (small)
            for child in workdir.iterdir():
                if child.is_dir() and child.name.startswith(("rows_", "xlsx_", "weeks_", "out")):
                    shutil.rmtree(child, ignore_errors=True)
            print(
                f"removed the generated data from {workdir} (--keep or --workdir keeps it)",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
