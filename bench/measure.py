"""Run one command and report its wall time and its own peak RSS.

    python bench/measure.py RESULT.json -- CMD [ARG ...]

run.py starts every measured command through this small launcher rather than
directly: on Linux a child's ru_maxrss starts from the high-water mark of the
process it was forked from (the kernel keeps it across exec), so a launcher
that has imported pandas or generated data would inflate every reading.
This process imports nothing heavy, so the peak it reports is the command's.
The command's stdout and stderr are inherited.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    result, separator, *cmd = argv
    if separator != "--" or not cmd:
        print(__doc__, file=sys.stderr)
        return 2
    started = time.perf_counter()
    process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    scale = 1 if sys.platform == "darwin" else 1024  # Linux reports KiB, macOS bytes
    with open(result, "w", encoding="utf-8") as handle:
        json.dump(
            {"wall": wall, "maxrss": usage.ru_maxrss * scale, "rc": process.returncode}, handle
        )
    return process.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
