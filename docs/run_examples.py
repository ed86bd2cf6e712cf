"""Re-run the `$ caseload ...` examples in the docs and paste their real output.

    python docs/run_examples.py            # rewrite the docs in place
    python docs/run_examples.py --check    # exit 1 if any pasted output is stale (tests run this)

A fenced block whose first line starts with `$ ` is an example: each `$`
line is run with bash in one scratch folder shared by the whole document (so
a file made by one example can be used by the next), and the lines after it,
up to the next `$` line, are replaced by what it printed. A fenced block right
after a line "`name.csv`:" is written to that file first, so documents can
show their input files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["cookbook-negotiators.md", "gap.md", "survey.md", "cookbook-managers.md"]
FENCE = re.compile(r"^```[^\n]*\n(\$ .*?)^```$", re.S | re.M)
INPUT_FILE = re.compile(r"^`([\w.-]+)`:\n\n```[^\n]*\n(.*?)^```$", re.S | re.M)


def _environment(scratch: Path) -> dict[str, str]:
    shim = scratch / "bin" / "caseload"
    shim.parent.mkdir(exist_ok=True)
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m caseload_cli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    # No COLUMNS: examples show what a script or a pipe gets (every column), the
    # same wherever the docs are rebuilt; the terminal's manager view is in the README.
    inherited = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return {
        **inherited,
        "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
        "CASELOAD_DEBUG": "",
    }


def _run_block(block: str, scratch: Path, env: dict[str, str]) -> str:
    out: list[str] = []
    for line in block.splitlines():
        if not line.startswith("$ "):
            continue
        command = line[2:]
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=scratch,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if command.startswith("export "):
            name, _, value = command[len("export ") :].partition("=")
            env[name] = value.split("#")[0].strip()
        out.append(line)
        out.extend(done.stdout.rstrip("\n").splitlines())
    return "\n".join(out) + "\n"


def refresh(text: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        env = _environment(scratch)
        for name, content in INPUT_FILE.findall(text):
            (scratch / name).write_text(content, encoding="utf-8")
        return FENCE.sub(
            lambda m: m.group(0).replace(m.group(1), _run_block(m.group(1), scratch, env)), text
        )


def main() -> int:
    stale = []
    chosen = [name for name in sys.argv[1:] if not name.startswith("--")] or DOCS
    texts = {name: (ROOT / "docs" / name).read_text(encoding="utf-8") for name in chosen}
    # One document per worker: each runs its examples in order in its own scratch folder.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        fresh_texts = dict(zip(chosen, pool.map(refresh, texts.values()), strict=True))
    for name in chosen:
        path = ROOT / "docs" / name
        text, fresh = texts[name], fresh_texts[name]
        if fresh != text:
            stale.append(name)
            if "--check" not in sys.argv:
                path.write_text(fresh, encoding="utf-8")
    if stale and "--check" in sys.argv:
        print("stale examples in " + ", ".join(stale) + ": run python docs/run_examples.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
