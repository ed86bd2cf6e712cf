"""Files the toolkit writes or ships: atomic writes, reproducible xlsx bytes,
where the bundled schemes and sample data live, and the hash that cites an input.

One home for these so every output (reports, rejects, samples, survey
workbooks) is written the same safe way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import tempfile
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

from caseload_cli.core.errors import CaseloadError, InputError
from caseload_cli.core.formats import input_format_from_path

#: Fixed timestamp for xlsx document properties and zip entries: equal data, equal bytes.
FIXED_TIMESTAMP = dt.datetime(2000, 1, 1)

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- bundled data


def _bundled(package: str, folder: str, probe: str) -> Path:
    """An installed package-data folder, else the source checkout's folder."""
    try:
        path = Path(str(resources.files(package)))
        if (path / probe).exists():
            return path
    except ModuleNotFoundError:
        pass
    return _PACKAGE_ROOT / folder


def sample_data_dir() -> Path:
    """The shipped synthetic sample, so commands work straight after install."""
    return _bundled("caseload_cli.sample_data", "sample_data", "cases.csv")


def builtin_schemes_dir() -> Path:
    """The shipped weighting schemes (TOML)."""
    return _bundled("caseload_cli.weights", "weights", "flat.toml")


# --------------------------------------------------------------------------- input hashes


def file_sha256(path: str) -> str:
    """SHA-256 of an input file's bytes, so an output can cite exactly what it was made from.

    For a Parquet directory: of its part files' names and hashes, in name order
    (hidden and `_`-prefixed files skipped, as the reader skips them).
    """
    target = Path(path)
    try:
        if target.is_dir():
            combined = hashlib.sha256()
            for part in sorted(target.iterdir()):
                if input_format_from_path(part.name) == "parquet" and not part.name.startswith(
                    (".", "_")
                ):
                    combined.update(f"{part.name}\0{file_sha256(str(part))}\n".encode())
            return combined.hexdigest()
        with target.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as problem:
        raise InputError(f"{path}: cannot read ({problem.strerror or problem})") from None


# --------------------------------------------------------------------------- atomic write


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write `data` to `path` via a temporary file in the same directory and `os.replace`.

    Text is written as UTF-8 exactly as given ("\\n" newlines). The target is
    either the complete new content or untouched; the temporary file never
    survives. A symlink keeps pointing where it did (the file it names is
    replaced); pipes and devices are written through. Problems the user can
    fix raise `CaseloadError` naming the path.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    shown = path = os.fspath(path)
    if os.path.isdir(path):
        raise CaseloadError(f"cannot write {path}: it is a directory")
    if os.path.exists(path) and not os.path.isfile(path):
        _write_through(path, payload)
        return
    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise CaseloadError(f"cannot write {shown}: directory {directory} does not exist")
    mode = _new_file_mode(path)
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, kept on failure)
            mode="wb",
            delete=False,
            dir=directory,
            prefix="." + os.path.basename(path) + ".",
            suffix=".tmp",
        )
    except OSError as problem:
        raise CaseloadError(f"cannot write {shown}: {_reason(problem)}") from problem
    temp_name = handle.name
    try:
        with handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException as problem:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(problem, OSError):
            raise CaseloadError(f"cannot write {shown}: {_reason(problem)}") from problem
        raise
    _fsync_directory(directory)


def _write_through(path: str, payload: bytes) -> None:
    try:
        with open(path, "wb") as handle:
            handle.write(payload)
    except OSError as problem:
        raise CaseloadError(f"cannot write {path}: {_reason(problem)}") from problem


def _reason(problem: OSError) -> str:
    return problem.strerror or str(problem)


def _new_file_mode(path: str) -> int:
    """Keep an existing file's permissions; new files get 0o666 minus the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory: str) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- reproducible xlsx


class _FixedTimeZipFile(zipfile.ZipFile):
    """A ZipFile whose entries all carry one fixed timestamp."""

    _stamp = FIXED_TIMESTAMP.timetuple()[:6]

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=self._stamp)
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        """openpyxl writes worksheets through temporary files: stamp those too."""
        with open(filename, "rb") as source:
            data = source.read()
        self.writestr(arcname or os.path.basename(filename), data, compress_type, compresslevel)


def new_workbook(title: str | None = None, write_only: bool = True) -> Any:
    """An openpyxl Workbook whose document properties never say when it was made."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=write_only)
    workbook.properties.created = FIXED_TIMESTAMP
    workbook.properties.modified = FIXED_TIMESTAMP
    workbook.properties.creator = "caseload_cli"
    workbook.properties.title = title or None
    return workbook


def workbook_bytes(workbook: Any) -> bytes:
    """The xlsx bytes of an openpyxl workbook: equal content gives equal bytes."""
    from openpyxl.writer.excel import ExcelWriter

    buffer = io.BytesIO()
    with _FixedTimeZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        # ExcelWriter directly: openpyxl's save_workbook() would stamp "modified" with now().
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()
