"""--format pdf (render/pdf.py): one team's report printed to A4 landscape by
xhtml2pdf, every worker on it, the same bytes every run, and one clear line
when the optional pdf extra is not installed."""

from __future__ import annotations

import builtins
import io
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from caseload_cli.cli import cli
from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.formats import BINARY_FORMATS, OUTPUT_FORMATS, output_format_from_path
from caseload_cli.core.model import Report
from caseload_cli.render import pdf as pdf_renderer
from caseload_cli.render import report as writers

TEAM = "Greater Manchester WAFH 1"
A4_LANDSCAPE = (841.89, 595.28)  # points

needs_extra = pytest.mark.skipif(
    not pdf_renderer.pdf_extra_installed(), reason="pdf extra not installed"
)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def team_rows(tmp_path: Path) -> pd.DataFrame:
    """Every worker the team's report lists: its FCAs and managers holding cases
    (W0001-W0013; W0013 is the area's service manager, holding duty cases)."""
    out = tmp_path / "team.json"
    result = run("load", "--team", TEAM, "--output", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    frames = [pd.DataFrame(data["rows"])]
    frames += [pd.DataFrame(s) for s in data.get("sections", {}).values() if isinstance(s, list)]
    return pd.concat([f for f in frames if "worker_id" in f], ignore_index=True)


@pytest.fixture(scope="module")
def team_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "team.pdf"
    if pdf_renderer.pdf_extra_installed():
        result = run("load", "--team", TEAM, "--output", str(out))
        assert result.exit_code == 0, result.output
    return out


def test_pdf_is_a_binary_output_format():
    assert "pdf" in OUTPUT_FORMATS
    assert "pdf" in BINARY_FORMATS
    assert output_format_from_path("week.PDF") == "pdf"
    assert writers.RENDERERS["pdf"] is pdf_renderer.render_pdf


def test_pdf_needs_output_file():
    result = run("load", "--format", "pdf")
    assert result.exit_code == 2
    assert "--format pdf needs --output FILE" in result.output


@needs_extra
def test_team_pdf_is_a4_landscape(team_pdf):
    pypdf = pytest.importorskip("pypdf")
    data = team_pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    assert len(pages) >= 2  # sections start on a new page
    for page in pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width, 2), round(height, 2)) == pytest.approx(A4_LANDSCAPE, abs=0.1)


@needs_extra
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext not installed")
def test_team_pdf_shows_every_worker_and_page_numbers(team_pdf, tmp_path):
    text = subprocess.run(
        ["pdftotext", "-layout", str(team_pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    workers = sorted(set(team_rows(tmp_path)["worker_id"]))
    assert len(workers) == 13
    missing = [w for w in workers if w not in text]
    assert not missing, missing
    assert f"Weighted caseload by worker (team {TEAM})" in text
    assert "Page 1 of " in text
    assert "sha256:" in text  # the scheme stamp


@needs_extra
def test_pdf_is_reproducible(team_pdf):
    first = team_pdf.read_bytes()  # the same command again (its line is in the footer)
    assert run("load", "--team", TEAM, "--output", str(team_pdf)).exit_code == 0
    assert team_pdf.read_bytes() == first
    assert b"D:20000101000000" in first  # fixed creation date


@needs_extra
def test_empty_report_renders():
    data = pdf_renderer.render_pdf(Report(title="empty", rows=pd.DataFrame(), schemes=[]))
    assert data.startswith(b"%PDF-")


def test_pdf_html_keeps_the_html_and_replaces_only_page_setup():
    report = Report(title="Team <A>", rows=pd.DataFrame({"worker_id": ["W1"]}), schemes=[])
    page = pdf_renderer.pdf_html(report)
    style = page[page.index("<style>") : page.index("</style>")]
    assert style.count("@page") == 1
    assert "@bottom-right" not in style
    assert "size:a4 landscape" in style
    assert "<td>W1</td>" in page
    assert "Team &lt;A&gt;" in page and "<pdf:pagenumber>" in page


def _without_xhtml2pdf(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "xhtml2pdf" or name.startswith(("xhtml2pdf.", "reportlab")):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_missing_extra_is_one_clear_error(monkeypatch, tmp_path):
    _without_xhtml2pdf(monkeypatch)
    assert not pdf_renderer.pdf_extra_installed()
    with pytest.raises(CaseloadError, match=r"pip install 'caseload-cli\[pdf\]'"):
        pdf_renderer.render_pdf(Report(title="t", rows=pd.DataFrame(), schemes=[]))
    out = tmp_path / "team.pdf"
    result = run("load", "--team", TEAM, "--output", str(out))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: --format pdf needs the pdf extra: pip install 'caseload-cli[pdf]'"
    )
    assert "Traceback" not in result.output
    assert not out.exists()
