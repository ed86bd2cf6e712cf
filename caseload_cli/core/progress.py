"""Progress on stderr for long runs: only for big inputs, only on a terminal.

It never touches stdout, so machine formats stay clean, and scheduled jobs
(no terminal) never see it.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

BIG_INPUT_BYTES = 20 * 1024 * 1024


class Progress:
    """Rewrites one status line; `enabled=False` makes every call a no-op."""

    def __init__(self, enabled: bool, stream: TextIO | None = None):
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()

    def step(self, message: str) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.started
            self.stream.write(f"\r\x1b[K[{elapsed:6.1f}s] {message}")
            self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def progress_for(paths: list[str | None], quiet: bool) -> Progress:
    """Show progress when reading more than BIG_INPUT_BYTES to an interactive stderr."""
    if quiet or not sys.stderr.isatty():
        return Progress(False)
    return Progress(_total_size(paths) > BIG_INPUT_BYTES)


def _total_size(paths: list[str | None]) -> int:
    total = 0
    for path in paths:
        if not path or path == "-":
            continue
        if os.path.isdir(path):
            total += sum(entry.stat().st_size for entry in os.scandir(path) if entry.is_file())
        elif os.path.exists(path):
            total += os.path.getsize(path)
    return total
