"""Helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
DOCS = ROOT / "docs"
BENCH = ROOT / "bench"


def as_json(result: Any) -> dict:
    """A successful CliRunner result's stdout, parsed."""
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def tiny_args(command: str, tiny: dict[str, Path], *extra: Any) -> list[Any]:
    """COMMAND on the hand-checked tiny caseload (cases, staff and reductions)."""
    return [
        command,
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--reductions",
        tiny["reductions"],
        *extra,
    ]


def run_batch() -> None:
    """Run many `caseload` command lines in this one process (argv: a JSON file of
    `{"folder", "runs": [{"args", "files", "formats"}]}` and a result path): each run's
    exit code and the SHA-256 of its stdout, stderr and every file it names (a folder:
    each file in it), written to the result path as JSON. A run with `formats` ({format:
    path, or null for standard output}) writes its report in each of them through the
    CLI's own writer, `render.report.write_report` (what `RunOptions.write` calls),
    instead of the one its command line asks for. `tests/system/test_reproducible.py`
    starts one such process per time zone, so the runs cost one interpreter start."""
    import hashlib
    import os
    import sys

    from click.testing import CliRunner

    from caseload_cli.cli import cli
    from caseload_cli.render import report as rendering

    batch = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    os.chdir(batch["folder"])
    writer = rendering.write_report
    results = []
    for run in batch["runs"]:
        formats = run.get("formats")

        def every_format(report: Any, _fmt: Any, _path: Any, formats=formats, **how: Any) -> str:
            for fmt, path in formats.items():
                writer(report, fmt, path, **how)
            return "every"

        rendering.write_report = every_format if formats else writer
        try:
            done = CliRunner().invoke(cli, run["args"], prog_name="caseload")
        finally:
            rendering.write_report = writer
        written = {}
        for name in [*run["files"], *(path for path in (formats or {}).values() if path)]:
            paths = sorted(p for p in Path(name).rglob("*") if p.is_file()) or [Path(name)]
            for path in paths:
                data = path.read_bytes() if path.is_file() else b"(missing)"
                written[path.as_posix()] = hashlib.sha256(data).hexdigest()
        results.append(
            {
                "exit": done.exit_code,
                "stdout": hashlib.sha256(done.stdout_bytes).hexdigest(),
                "stderr": hashlib.sha256(done.stderr_bytes).hexdigest(),
                "files": written,
                "said": done.stderr_bytes.decode("utf-8", "replace")[-2000:]
                + (repr(done.exception) if done.exit_code not in (0, 5) else ""),
            }
        )
    Path(sys.argv[2]).write_text(json.dumps(results), encoding="utf-8")
