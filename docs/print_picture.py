"""Regenerate docs/images/week-printed.png: the first printed page of a team's week.

    python docs/print_picture.py

Runs `caseload week --team TEAM --output week.html` on the bundled series,
prints it with headless Chromium (A4 landscape, as File > Print does) and turns
the first page into a PNG with poppler's pdftoppm: the picture in
docs/cookbook-managers.md is what a manager's printer gets.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PICTURE = HERE / "images" / "week-printed.png"
TEAM = "Greater Manchester WAFH 1"


def main() -> int:
    chromium = next(
        (p for n in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(n))),
        None,
    )
    if chromium is None or shutil.which("pdftoppm") is None:
        print("needs chromium and poppler-utils (pdftoppm)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        page = work / "week.html"
        subprocess.run(
            [sys.executable, "-m", "caseload_cli", "week", "--team", TEAM, "--output", str(page),
             "-q"],
            check=True,
        )  # fmt: skip
        pdf = work / "week.pdf"
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-pdf-header-footer",
             f"--user-data-dir={work / 'profile'}", f"--print-to-pdf={pdf}", page.as_uri()],
            check=True,
            capture_output=True,
        )  # fmt: skip
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
             str(work / "page")],
            check=True,
        )  # fmt: skip
        PICTURE.parent.mkdir(exist_ok=True)
        shutil.copyfile(work / "page.png", PICTURE)
    print(f"wrote {PICTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
