"""A plain (non-editable) install must carry the schemes and sample data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

from helpers import ROOT

# What the `caseload` console script runs (not `python -m`, whose runpy
# imports importlib.util and so hides a missing import).
ENTRY_POINT = "import sys; from caseload_cli.cli import main; sys.argv[0] = 'caseload'; main()"


def test_wheel_runs_load_and_survey_outside_the_source_tree(tmp_path):
    # A clean copy: setuptools would otherwise reuse a stale build/ folder.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "__pycache__", ".*cache"
        ),
    )
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    for name in (
        "weights/flat.toml",
        "weights/weighted-example.toml",
        "sample_data/cases.csv",
        "sample_data/staff.parquet",
        "sample_data/responses.csv",
        "sample_data/mapping.toml",
    ):
        assert f"caseload_cli/{name}" in names
    # -S skips .pth files: editable installs' import hooks (which pre-import
    # importlib machinery) must not hide what a clean install lacks.
    import site as site_module

    paths = [str(site), *site_module.getsitepackages()]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    for args, expected in (
        (["load", "--by", "national", "--format", "csv"], "national"),
        (["schemes", "list"], "weighted-example"),
        (["survey", "--format", "json"], "respondents"),
    ):
        done = subprocess.run(
            [sys.executable, "-S", "-c", ENTRY_POINT, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert expected in done.stdout
