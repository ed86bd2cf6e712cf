"""Docs that are generated or promised stay true."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys

import pytest
from helpers import ROOT


def test_cli_reference_is_current():
    module = runpy.run_path(str(ROOT / "docs" / "gen_cli_reference.py"))
    expected = module["reference"]()
    current = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert current == expected, "run: python docs/gen_cli_reference.py"


def test_readme_quick_start_is_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```(?:bash|sh)?\n(.*?)```", readme, re.S)
    assert block, "README needs a Quick start code block"
    commands = [
        line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")
    ]
    assert len(commands) == 2
    assert "caseload load" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install, _, test = commands[1].partition("&&")
    assert "'.[test]'" in install and test.strip()
    assert "python3 -m pytest" in ci or test.strip() in ci


def test_required_docs_exist():
    for name in ("input-contract.md", "schemes.md", "export-schema.md", "exit-codes.md"):
        assert (ROOT / "docs" / name).stat().st_size > 500, name


def test_exit_codes_doc_matches_code():
    from caseload_cli.core import errors

    text = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    for code in (
        errors.EXIT_OK,
        errors.EXIT_ERROR,
        errors.EXIT_USAGE,
        errors.EXIT_REJECTED,
        errors.EXIT_FAIL_ON,
    ):
        assert f"| {code} |" in text


def test_lint_is_clean():
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "caseload_cli", "tests", "bench", "docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


EXAMPLE_DOCS = ["cookbook-negotiators.md", "gap.md", "survey.md", "cookbook-managers.md"]


@pytest.mark.parametrize("doc", EXAMPLE_DOCS)  # one test each, so workers share them
def test_pasted_examples_are_real_output(doc):
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "run_examples.py"), "--check", doc],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_managers_cookbook_shows_a_printed_page():
    from helpers import DOCS

    text = (DOCS / "cookbook-managers.md").read_text(encoding="utf-8")
    picture = DOCS / "images" / "week-printed.png"
    assert "](images/week-printed.png)" in text and picture.is_file()
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size < 300_000


def test_every_document_with_examples_is_checked():
    runpy_globals = runpy.run_path(str(ROOT / "docs" / "run_examples.py"), run_name="examples")
    assert runpy_globals["DOCS"] == EXAMPLE_DOCS
