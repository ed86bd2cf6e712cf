"""The layout keeps its plan: layers import only downward, modules stay short,
and `caseload --help` stays cheap."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys

from helpers import ROOT

PACKAGE = ROOT / "caseload_cli"
MAX_MODULE_LINES = 500
MAX_CALLBACK_LINES = 25


def lint_imports(folder) -> subprocess.CompletedProcess:
    """import-linter on the package in `folder` (its pyproject.toml holds the contracts)."""
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"],
        cwd=folder,
        capture_output=True,
        text=True,
    )


def test_import_linter_contracts_are_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_an_upward_import_is_caught(tmp_path):
    """The contract can fail: a core module importing the CLI breaks it."""
    shutil.copytree(
        PACKAGE, tmp_path / "caseload_cli", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    errors = tmp_path / "caseload_cli" / "core" / "errors.py"
    errors.write_text(errors.read_text() + "\nfrom caseload_cli.cli import options  # noqa\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "caseload_cli.core is not allowed to import caseload_cli.cli" in done.stdout


def test_no_module_is_long_without_a_reason():
    long = []
    for path in PACKAGE.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_MODULE_LINES and "long because" not in "\n".join(lines[:30]):
            long.append(f"{path.relative_to(ROOT)}: {len(lines)} lines")
    assert not long


def test_click_callbacks_are_short():
    """Callbacks parse, call one library function and write."""
    long = []
    for path in (PACKAGE / "cli").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            commands = [
                d
                for d in node.decorator_list
                if isinstance(d, ast.Call) and getattr(d.func, "attr", "") in ("command", "group")
            ]
            if not commands:
                continue
            body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
            length = node.end_lineno - body[0].lineno + 1 if body else 0
            if length > MAX_CALLBACK_LINES:
                long.append(f"{path.name}:{node.name} has {length} lines")
    assert not long


def test_help_does_not_import_pandas():
    code = (
        "import sys\n"
        "from caseload_cli.cli import cli\n"
        "try:\n    cli(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "for name in ('load', 'compare', 'survey', 'gap', 'sample'):\n"
        "    cli.get_command(None, name)\n"
        "assert not {'pandas', 'numpy', 'matplotlib'} & set(sys.modules), sorted(sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
