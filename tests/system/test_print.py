"""What a team manager gets on paper: the HTML printed from Chromium and the
xlsx printed from LibreOffice, read back from the PDF with poppler.

Each test prints the bundled sample (`caseload load --by worker`) or one team
(`caseload load --team ...`) and checks the printed pages: A4 landscape, every
column header of the table and every worker of the team on them, and the header
row repeated on page 2. Skipped when chromium, libreoffice or poppler-utils
(pdftotext, pdfinfo) are not installed (CI installs them: .ci/run).
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from caseload_cli.cli import cli

TEAM = "Greater Manchester WAFH 1"
TIMEOUT = 120  # seconds per conversion; each takes a few


def _tool(*names: str) -> str | None:
    return next((found for name in names if (found := shutil.which(name))), None)


CHROMIUM = _tool("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LIBREOFFICE = _tool("libreoffice", "soffice")
POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")

needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="pdftotext/pdfinfo not installed (apt-get install poppler-utils)"
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (apt-get install chromium)"
)
needs_libreoffice = pytest.mark.skipif(
    LIBREOFFICE is None, reason="libreoffice not installed (apt-get install libreoffice-calc)"
)


def caseload(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def write(tmp: Path, name: str, *args: str) -> Path:
    out = tmp / name
    caseload(*args, "--output", str(out))
    return out


def chromium_pdf(source: Path) -> Path:
    pdf = source.with_suffix(".pdf")
    profile = source.parent / f"chromium-{source.stem}"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            source.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    assert pdf.stat().st_size > 0
    return pdf


def libreoffice_pdf(source: Path) -> Path:
    profile = source.parent / f"lo-{source.stem}"
    subprocess.run(
        [
            str(LIBREOFFICE),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(source.parent),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    pdf = source.with_suffix(".pdf")
    assert pdf.stat().st_size > 0
    return pdf


def pages(pdf: Path) -> list[str]:
    """The text of each printed page."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    ).stdout
    return text.split("\f")[: page_count(pdf)]


def pdfinfo(pdf: Path) -> str:
    return subprocess.run(
        ["pdfinfo", str(pdf)], check=True, capture_output=True, text=True, timeout=TIMEOUT
    ).stdout


def page_count(pdf: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", pdfinfo(pdf), re.M).group(1))


def assert_landscape(pdf: Path) -> None:
    width, height = map(
        float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", pdfinfo(pdf)).groups()
    )
    assert width > height, f"portrait pages ({width} x {height} pt)"
    assert (round(width), round(height)) == (842, 595), "not A4"


def words(text: str) -> set[str]:
    return set(text.split())


def main_headers(page: str) -> list[str]:
    """The column headers of the HTML page's first (main) table."""
    thead = re.search(r"<thead><tr>(.*?)</tr></thead>", page).group(1)
    cells = re.findall(r"<th[^>]*>(.*?)</th>", thead)
    return [html.unescape(h.replace("<wbr>", "")) for h in cells]


def header_printed(header: str, printed: set[str]) -> bool:
    """A squeezed header may wrap after any of its underscores (`<wbr>`) or none: is it
    printed as runs of its pieces ("cases_" "r16_4", or "cases_" "r16_" "4")?"""
    pieces = re.findall(r"[^_]+_?|_", header)
    reached = {0}  # how many pieces are printed so far, along some way of wrapping
    for end in range(1, len(pieces) + 1):
        if any("".join(pieces[start:end]) in printed for start in reached if start < end):
            reached.add(end)
    return len(pieces) in reached


def workers(*args: str) -> list[str]:
    """The worker_ids in the main table of `caseload load ARGS`."""
    frame = pd.read_csv(io.StringIO(caseload("load", *args, "--format", "csv")))
    return list(frame["worker_id"])


def assert_printed(pdf: Path, headers: list[str], workers: list[str]) -> list[int]:
    """Landscape A4; every header and worker printed; every page holding rows of
    the main table starts with its header row. Returns those pages (1-based)."""
    assert_landscape(pdf)
    printed = pages(pdf)
    everything = words("\n".join(printed))
    missing = [h for h in headers if h not in everything]
    assert not missing, f"column headers cut off the printed pages: {missing}"
    lost = [w for w in workers if w not in everything]
    assert not lost, f"workers missing from the printed pages: {lost}"
    wanted = set(workers)
    table_pages = [n for n, text in enumerate(printed, 1) if words(text) & wanted]
    for n in table_pages:
        absent = [h for h in headers if h not in words(printed[n - 1])]
        assert not absent, f"header row not repeated on page {n}: {absent} missing"
    return table_pages


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("print")


@needs_poppler
@needs_chromium
def test_html_prints_every_column_on_a4_landscape(outputs):
    page = write(outputs, "load.html", "load", "--by", "worker")
    headers = main_headers(page.read_text(encoding="utf-8"))
    assert len(headers) == 20
    pdf = chromium_pdf(page)
    assert assert_printed(pdf, headers, workers("--by", "worker"))[:2] == [1, 2]  # 2+ pages
    text = pages(pdf)
    assert "Page 1 of" in text[0] and "Weighted caseload by worker" in text[0]  # footer
    tops = ["\n".join(t.strip().splitlines()[:3]) for t in text[1:]]
    assert any("Not held by FCA" in top for top in tops), "no page break before a section"


@needs_poppler
@needs_chromium
def test_html_of_a_team_prints_every_worker(outputs):
    page = write(outputs, "team.html", "load", "--team", TEAM)
    headers = main_headers(page.read_text(encoding="utf-8"))
    team = workers("--team", TEAM)
    assert len(team) > 3
    pdf = chromium_pdf(page)
    assert_printed(pdf, headers, team)
    title = html.unescape(re.search(r"<title>(.*)</title>", page.read_text()).group(1))
    assert TEAM in title
    footer = pages(pdf)[0].strip().splitlines()[-1]  # the page footer, exactly
    assert footer.split("   ")[0].strip() == title and re.search(r"Page 1 of \d+$", footer)


@needs_poppler
@needs_libreoffice
def test_xlsx_prints_one_page_wide_on_a4_landscape(outputs):
    book = write(outputs, "load.xlsx", "load", "--by", "worker")
    sheet = openpyxl.load_workbook(book, read_only=True)["load"]
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    pdf = libreoffice_pdf(book)
    assert assert_printed(pdf, headers, workers("--by", "worker"))[:2] == [1, 2]  # 2+ pages
    text = pages(pdf)
    assert "Page 1 of" in text[0] and "Weighted caseload by worker" in text[0]
    assert "%" in text[0]  # utilisation_pct shows as a percentage


@needs_poppler
@needs_libreoffice
def test_xlsx_of_a_team_prints_every_worker(outputs):
    book = write(outputs, "team.xlsx", "load", "--team", TEAM)
    sheet = openpyxl.load_workbook(book, read_only=True)["load"]
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    team = workers("--team", TEAM)
    assert len(team) > 3
    assert_printed(libreoffice_pdf(book), headers, team)


@needs_poppler
@needs_chromium
def test_week_prints_each_worker_with_the_load_chart(outputs):
    page = write(outputs, "week.html", "week", "--team", TEAM)
    text = page.read_text(encoding="utf-8")
    headers = main_headers(text)
    assert "weeks_over" in headers and len(headers) >= 20  # every column
    squeezed = '<table class="squeeze"' in text  # squeezed to fit: headers wrap at underscores
    rows = pd.read_csv(io.StringIO(caseload("week", "--team", TEAM, "--format", "csv")))
    pdf = chromium_pdf(page)
    assert_landscape(pdf)
    first = words(pages(pdf)[0])  # a team fits one page; later pages name workers in changes
    cut = [h for h in headers if not (header_printed(h, first) if squeezed else h in first)]
    assert not cut, "column headers cut off"
    assert not [w for w in rows["worker_id"] if w not in first], "workers cut off"
    printed = "\n".join(pages(pdf))
    assert "Weighted load against capacity" in printed  # the chart's caption
    for name in rows["name"]:  # the chart's bars are labelled with names, printed as text
        assert name in printed, name
    assert "capacity" in printed and "40 (EIT)" in printed


@needs_poppler
def test_week_pdf_holds_the_table_and_the_chart_as_an_image(outputs):
    pytest.importorskip("xhtml2pdf")
    pdf = write(outputs, "week.pdf", "week", "--team", TEAM)
    rows = pd.read_csv(io.StringIO(caseload("week", "--team", TEAM, "--format", "csv")))
    assert_landscape(pdf)
    printed = "\n".join(pages(pdf))
    assert all(worker in printed for worker in rows["worker_id"])
    assert "Weighted load against capacity" in printed
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert [line.split()[2] for line in images].count("image") == 1  # the chart (matplotlib)
