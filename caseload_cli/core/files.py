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
import signal
import stat
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from caseload_cli.core.errors import CaseloadError, InputError, UsageError
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
    _check_symlink_owner(path)
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
    with _signals_raise():
        _write_replace(path, shown, directory, payload, mode)
    _fsync_directory(directory)


def _write_replace(path: str, shown: str, directory: str, payload: bytes, mode: int) -> None:
    """The temporary file, written, synced and renamed over `path`; removed on any
    failure or interruption (Ctrl-C, and SIGTERM/SIGHUP turned into `_Signalled`)."""
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


#: Signals that end the process by default and so would leave a temporary file behind.
_CLEANUP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class _Signalled(BaseException):
    """SIGTERM or SIGHUP arrived during an atomic write (a BaseException, like
    KeyboardInterrupt, so no `except Exception` swallows it)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_signalled(signum: int, _frame: Any) -> None:
    raise _Signalled(signum)


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise `_Signalled` (so the temporary file
    is removed as on Ctrl-C); afterwards the previous handlers are back and the signal
    is delivered again to them (by default: the process ends by that signal, exit
    status 128+N in a shell: 143 for SIGTERM, 129 for SIGHUP).

    Only in the main thread (Python delivers signals there), and a signal that was
    ignored (`nohup`) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}
    try:
        for signum in _CLEANUP_SIGNALS:
            handler = signal.getsignal(signum)
            if handler in (signal.SIG_IGN, None):
                continue
            previous[signum] = signal.signal(signum, _raise_signalled)
        yield
    except _Signalled as arrived:
        _restore(previous)
        previous = {}
        signal.raise_signal(arrived.signum)
        # The previous handler returned instead of ending the process: still stop here.
        raise SystemExit(128 + arrived.signum) from None
    finally:
        _restore(previous)


def _restore(previous: Mapping[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


# --------------------------------------------------------------------------- output safety


def _check_symlink_owner(path: str) -> None:
    """Refuse to follow a symlink at `path` (or a chain of them) that the invoking user
    does not own: another user's link planted in a shared folder must not redirect
    the write to a file of theirs choosing."""
    if not hasattr(os, "geteuid"):
        return
    me = os.geteuid()
    current = path
    for _ in range(40):  # the kernel's own limit on a symlink chain
        try:
            info = os.lstat(current)
        except OSError:
            return
        if not stat.S_ISLNK(info.st_mode):
            return
        if info.st_uid != me:
            raise CaseloadError(
                f"cannot write {path}: {current} is a symbolic link owned by another user "
                f"(uid {info.st_uid}); remove it or choose another path"
            )
        target = os.readlink(current)
        current = os.path.join(os.path.dirname(current), target)


def check_output_paths(
    outputs: Mapping[str, str | None],
    inputs: Mapping[str, str | None] | Iterable[tuple[str, str | None]],
) -> None:
    """Refuse a run whose output would replace one of its inputs or another output.

    `outputs` maps an option (`--output`, `--rejects`, `--store`) to its path;
    `inputs` maps (or pairs) what each input is (`cases input`, `scheme file`) with its path.
    Two paths clash when they resolve to the same path or, when both exist, are the
    same file (same device and inode: a symlink or hard link); or when one is a
    folder holding the other. Standard input/output (`-`), pipes and devices are
    never compared. Raises `UsageError` (exit 2) naming both.
    """
    chosen = [(label, path) for label, path in outputs.items() if _comparable(path)]
    pairs = inputs.items() if isinstance(inputs, Mapping) else inputs
    read = [(label, path) for label, path in pairs if _comparable(path)]
    for index, (label, path) in enumerate(chosen):
        others = [(f"{other} path", p) for other, p in chosen[:index]]
        for other_label, other_path in [*read, *others]:
            relation = _relation(path, other_path)
            if relation:
                raise UsageError(
                    f"{label} {path} {relation} the {other_label} ({other_path}); "
                    "choose another path"
                )


def _comparable(path: str | None) -> bool:
    if not path or path == "-":
        return False
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return True  # not there yet: compared by resolved path
    return stat.S_ISREG(mode) or stat.S_ISDIR(mode)


def _relation(output: str, other: str) -> str | None:
    """How `output` clashes with `other`: "is", "is the same file as" (a link),
    "is inside" (a folder holding it) or "holds" (it is a folder holding other)."""
    mine, theirs = os.path.realpath(output), os.path.realpath(other)
    if os.path.abspath(output) == os.path.abspath(other):
        return "is"
    if mine == theirs or _same_inode(output, other):
        return "is the same file as"
    if os.path.isdir(other) and (_inside(mine, theirs) or _linked_inside(output, other)):
        return "is inside"
    if os.path.isdir(output) and (_inside(theirs, mine) or _linked_inside(other, output)):
        return "holds"
    return None


def _same_inode(one: str, two: str) -> bool:
    try:
        first, second = os.stat(one), os.stat(two)
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


#: How many entries of an input folder are looked at for a hard link to an output.
_MAX_LINK_SEARCH = 100_000


def _linked_inside(path: str, folder: str) -> bool:
    """Whether `path` is a hard link to a file somewhere in `folder` (only searched when
    the file has more than one link, and only so far)."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_nlink < 2:
        return False
    seen = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            seen += 1
            if seen > _MAX_LINK_SEARCH:
                return False
            if _same_inode(path, os.path.join(root, name)):
                return True
    return False


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder and path != folder
    except ValueError:  # different drives
        return False


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
