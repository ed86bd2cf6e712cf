"""core.files output safety: outputs never replace inputs, planted symlinks are not
followed, temporary files do not survive SIGTERM/SIGHUP, and closed standard
streams end a run cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from caseload_cli.core.errors import CaseloadError, UsageError
from caseload_cli.core.files import atomic_write, check_output_paths
from tests.helpers import ROOT


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "CASELOAD_DEBUG": "", "NO_COLOR": "1"}


# --------------------------------------------------------------------------- check_output_paths


def test_same_path_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("cases.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        check_output_paths({"--output": "./cases.csv"}, {"cases input": "cases.csv"})
    assert str(caught.value) == (
        "--output ./cases.csv is the cases input (cases.csv); choose another path"
    )
    assert caught.value.exit_code == 2


def test_symlink_and_hard_link_are_the_same_file(tmp_path):
    source = tmp_path / "staff.csv"
    source.write_text("x\n", encoding="utf-8")
    (tmp_path / "soft.csv").symlink_to(source)
    os.link(source, tmp_path / "hard.csv")
    for name in ("soft.csv", "hard.csv"):
        out = str(tmp_path / name)
        with pytest.raises(UsageError, match="is the same file as the staff input"):
            check_output_paths({"--output": out}, {"staff input": str(source)})


def test_a_path_that_does_not_exist_yet_compares_by_name(tmp_path):
    out = str(tmp_path / "new.csv")
    with pytest.raises(UsageError) as caught:
        check_output_paths({"--output": out, "--rejects": out}, {})
    assert str(caught.value) == f"--rejects {out} is the --output path ({out}); choose another path"


def test_a_folder_input_holds_the_output(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    out = str(folder / "part-9.parquet")
    with pytest.raises(UsageError) as caught:
        check_output_paths({"--output": out}, [("cases input", str(folder))])
    assert str(caught.value) == (
        f"--output {out} is inside the cases input ({folder}); choose another path"
    )


def test_stdout_devices_and_unrelated_paths_pass(tmp_path):
    (tmp_path / "cases.csv").write_text("x\n", encoding="utf-8")
    check_output_paths(
        {"--output": "-", "--rejects": os.devnull, "--log": None},
        {"cases input": str(tmp_path / "cases.csv"), "staff input": "-"},
    )
    check_output_paths({"--output": os.devnull, "--rejects": os.devnull}, {})
    check_output_paths({"--output": str(tmp_path / "out.csv")}, {"cases": str(tmp_path / "c")})


# --------------------------------------------------------------------------- planted symlinks


def test_own_symlink_is_written_through(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    atomic_write(link, "new\n")
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == "new\n"


def test_another_users_symlink_is_refused(tmp_path, monkeypatch):
    victim = tmp_path / "victim.csv"
    victim.write_text("precious\n", encoding="utf-8")
    link = tmp_path / "out.csv"
    link.symlink_to(victim)
    owner = os.lstat(link).st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)
    with pytest.raises(CaseloadError) as caught:
        atomic_write(link, "attack\n")
    assert str(caught.value) == (
        f"cannot write {link}: {link} is a symbolic link owned by another user "
        f"(uid {owner}); remove it or choose another path"
    )
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_a_chain_of_links_is_checked_link_by_link(tmp_path, monkeypatch):
    victim = tmp_path / "victim.csv"
    victim.write_text("precious\n", encoding="utf-8")
    theirs = tmp_path / "theirs.csv"
    theirs.symlink_to(victim)
    mine = tmp_path / "mine.csv"
    mine.symlink_to(theirs)
    real_lstat = os.lstat

    class Faked:
        def __init__(self, info, uid):
            self._info, self.st_uid = info, uid

        def __getattr__(self, name):
            return getattr(self._info, name)

    def lstat(path, *args, **kwargs):
        info = real_lstat(path, *args, **kwargs)
        return Faked(info, 4242) if str(path) == str(theirs) else info

    monkeypatch.setattr(os, "lstat", lstat)
    with pytest.raises(CaseloadError, match=f"{theirs} is a symbolic link owned by another user"):
        atomic_write(mine, "attack\n")
    assert victim.read_text(encoding="utf-8") == "precious\n"


# --------------------------------------------------------------------------- signals

_INTERRUPTED_WRITE = textwrap.dedent(
    """
    import os, signal, sys
    from caseload_cli.core import files

    if sys.argv[3] == "ignore":
        signal.signal(getattr(signal, sys.argv[2]), signal.SIG_IGN)
    real_fsync = os.fsync

    def fsync(fd):
        os.kill(os.getpid(), getattr(signal, sys.argv[2]))
        real_fsync(fd)

    os.fsync = fsync
    files.atomic_write(sys.argv[1], "new\\n")
    print("handlers", signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP))
    """
)


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGHUP", 129)])
def test_signal_during_a_write_removes_the_temporary_file(tmp_path, name, code):
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED_WRITE, str(target), name, "default"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Re-delivered with the default action: the process ends by the signal itself
    # (a shell reports 128+N: 143 for SIGTERM, 129 for SIGHUP).
    assert done.returncode == -getattr(signal, name) == 128 - code
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert target.read_text(encoding="utf-8") == "old\n"
    assert "Traceback" not in done.stderr


def test_an_ignored_signal_stays_ignored_and_handlers_are_restored(tmp_path):
    target = tmp_path / "out.csv"
    done = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED_WRITE, str(target), "SIGHUP", "ignore"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8") == "new\n"
    assert done.stdout.strip() == f"handlers {int(signal.SIG_DFL)} {int(signal.SIG_IGN)}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_python_handler_sees_the_signal_and_the_run_still_stops(tmp_path):
    script = textwrap.dedent(
        """
        import signal, sys, os
        from caseload_cli.core import files
        seen = []
        signal.signal(signal.SIGTERM, lambda n, f: seen.append(n))
        real_fsync = os.fsync
        os.fsync = lambda fd: (os.kill(os.getpid(), signal.SIGTERM), real_fsync(fd))
        try:
            files.atomic_write(sys.argv[1], "new\\n")
        except SystemExit as stop:
            print("stopped", stop.code, seen)
        """
    )
    target = tmp_path / "out.csv"
    done = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == f"stopped 143 [{int(signal.SIGTERM)}]"
    assert list(tmp_path.iterdir()) == []


def test_outside_the_main_thread_no_handler_is_installed(tmp_path):
    import threading

    before = signal.getsignal(signal.SIGTERM)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            atomic_write(tmp_path / "t.csv", "x\n")
        except BaseException as problem:  # pragma: no cover - reported below
            errors.append(problem)

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()
    assert errors == []
    assert signal.getsignal(signal.SIGTERM) is before
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == "x\n"


# --------------------------------------------------------------------------- closed streams


def _caseload(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "caseload_cli", *args], env=_env(), cwd=ROOT, **popen
    )


def test_broken_pipe_is_a_quiet_exit_1():
    process = _caseload("load", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # like `| head -0`: the reader is gone before the report
    _, err = process.communicate(timeout=300)
    assert process.returncode == 1
    assert b"Traceback" not in err
    assert b"BrokenPipeError" not in err
    assert b"Exception ignored" not in err


def test_closed_stdout_says_so_and_exits_1():
    done = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -m caseload_cli load -q >&-'],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert done.stderr.decode().splitlines()[-1] == (
        "Error: cannot write output: standard output is closed"
    )


def test_closed_stdout_with_output_file_is_fine(tmp_path):
    out = tmp_path / "loads.csv"
    done = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -m caseload_cli load -q -o "{out}" >&-'],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith("worker_id,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loads.csv"]


def test_closed_stderr_keeps_the_exit_code(tmp_path):
    done = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -m caseload_cli load missing.csv --staff x.csv 2>&-'],
        env=_env(),
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert done.stdout == b""


def test_closed_stdin_reads_as_empty(tmp_path):
    staff = tmp_path / "staff.csv"
    staff.write_text("worker_id\n", encoding="utf-8")
    done = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -m caseload_cli validate - --staff "{staff}" <&-'],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert done.stderr.decode() == "Error: <stdin>: file is empty (no header row)\n"
