"""Atomic writes: the target is complete or untouched, temp files never survive,
symlinks keep pointing where they did, pipes are written through."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.files import atomic_write, new_workbook, workbook_bytes


def test_atomic_write_success_leaves_no_temp_file(tmp_path):
    target = tmp_path / "out.csv"
    atomic_write(str(target), "a,b\nZoë,1\n")
    assert target.read_bytes() == "a,b\nZoë,1\n".encode()
    atomic_write(str(target), b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_atomic_write_failure_keeps_target_and_removes_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("old\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(CaseloadError, match=r"out\.csv"):
        atomic_write(str(target), "new content\n")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_atomic_write_failure_without_existing_target(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError("boom")))
    with pytest.raises(CaseloadError):
        atomic_write(str(tmp_path / "new.json"), "{}\n")
    assert os.listdir(tmp_path) == []


def test_atomic_write_missing_directory(tmp_path):
    target = tmp_path / "nope" / "out.csv"
    with pytest.raises(CaseloadError, match=r"out\.csv"):
        atomic_write(str(target), "x")


def test_atomic_write_follows_symlinks_and_writes_through_pipes(tmp_path):

    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    atomic_write(str(link), "new\n")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new\n"

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    atomic_write(str(fifo), "through\n")
    reader.join(timeout=10)
    assert received == ["through\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a pipe, not replaced by a file


def test_workbook_bytes_are_reproducible():
    def make() -> bytes:
        workbook = new_workbook("t")
        sheet = workbook.create_sheet("s")
        sheet.append(["a", 1])
        return workbook_bytes(workbook)

    assert make() == make()
