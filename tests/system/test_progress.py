"""Progress goes to a terminal's stderr for big inputs only, never to stdout."""

from __future__ import annotations

import io

from caseload_cli.core import progress as progress_module
from caseload_cli.core.progress import Progress, progress_for


def test_disabled_progress_writes_nothing():
    stream = io.StringIO()
    bar = Progress(False, stream)
    bar.step("reading")
    bar.done()
    assert stream.getvalue() == ""


def test_enabled_progress_rewrites_one_line():
    stream = io.StringIO()
    bar = Progress(True, stream)
    bar.step("reading cases.parquet")
    bar.done()
    text = stream.getvalue()
    assert "reading cases.parquet" in text and text.endswith("\r\x1b[K")


def test_progress_only_for_big_inputs_on_a_terminal(tmp_path, monkeypatch):
    small = tmp_path / "small.csv"
    small.write_text("x\n1\n")
    monkeypatch.setattr(progress_module.sys.stderr, "isatty", lambda: True, raising=False)
    assert not progress_for([str(small)], quiet=False).enabled
    monkeypatch.setattr(progress_module, "BIG_INPUT_BYTES", 1)
    assert progress_for([str(small)], quiet=False).enabled
    assert not progress_for([str(small)], quiet=True).enabled
    monkeypatch.setattr(progress_module.sys.stderr, "isatty", lambda: False, raising=False)
    assert not progress_for([str(small)], quiet=False).enabled


def test_quiet_prints_nothing_and_log_keeps_notes_and_accounting(run, tiny, tmp_path):
    args = ["load", tiny["cases"], "--staff", tiny["staff"]]
    cases = tiny["cases"]
    cases.write_text(cases.read_text().replace(",snapshot", ",taken").replace(",2022-04-30", ",x"))
    noisy = run(*args)
    assert "note: snapshot date " in noisy.stderr and "(today in Europe/London)" in noisy.stderr
    log = tmp_path / "run.log"
    quiet = run(*args, "--quiet", "--log", log)
    assert quiet.exit_code == 0 and quiet.stderr == ""
    kept = log.read_text(encoding="utf-8")
    assert "(today in Europe/London)" in kept
    assert kept.endswith("10 rows read: 10 weighed, 0 rejected\n")


def test_every_input_command_takes_quiet(run):
    for command in ("load", "validate", "compare", "explain", "sweep", "gap", "survey"):
        assert "--quiet" in run(command, "--help").stdout, command
