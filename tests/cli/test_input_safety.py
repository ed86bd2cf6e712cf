"""No input is ever lost: every command that writes refuses an output path that is
(or links to) one of its inputs or another of its outputs, exit 2, before any work."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from caseload_cli.core.files import builtin_schemes_dir, sample_data_dir

TINY = ("--staff", "{staff}", "--reductions", "{reductions}")


def _files(tiny: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    files = dict(tiny)
    files["previous"] = tmp_path / "previous.csv"
    shutil.copy(tiny["cases"], files["previous"])
    files["responses"] = tmp_path / "responses.csv"
    shutil.copy(sample_data_dir() / "responses.csv", files["responses"])
    files["scheme"] = tmp_path / "mine.toml"
    shutil.copy(builtin_schemes_dir() / "flat.toml", files["scheme"])
    return files


#: command -> (its arguments, the input the tests aim --output at, what the error calls it,
#: whether it has --rejects)
COMMANDS = {
    "load": (["load", "{cases}", *TINY], "cases", "cases input", True),
    "compare": (
        ["compare", "{cases}", *TINY, "--scheme", "flat", "--scheme", "{scheme}"],
        "scheme",
        "scheme file",
        True,
    ),
    "explain": (["explain", "W001", "{cases}", *TINY], "staff", "staff input", True),
    "sweep": (
        ["sweep", "{cases}", *TINY, "--vary", "weights.case_type.s7=1:2:0.5"],
        "reductions",
        "reductions input",
        True,
    ),
    "gap": (["gap", "{cases}", *TINY], "cases", "cases input", True),
    "survey": (["survey", "{responses}"], "responses", "survey responses", True),
    "validate": (["validate", "{cases}", *TINY], "cases", "cases input", False),
    "week": (
        ["week", "{cases}", *TINY, "--previous", "{previous}"],
        "previous",
        "--previous cases input",
        True,
    ),
    "schemes diff": (["schemes", "diff", "flat", "{scheme}"], "scheme", "scheme file", False),
}


def _args(template: list[str], files: dict[str, Path]) -> list[str]:
    return [part.format(**{k: str(v) for k, v in files.items()}) for part in template]


def _check_untouched(files: dict[str, Path], before: dict[str, bytes]) -> None:
    for name, content in before.items():
        assert files[name].read_bytes() == content, f"{name} was changed"


def _snapshot(files: dict[str, Path]) -> dict[str, bytes]:
    return {name: path.read_bytes() for name, path in files.items() if path.is_file()}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_output_equal_to_an_input_is_refused(command, run, tiny, tmp_path, monkeypatch):
    files = _files(tiny, tmp_path)
    template, target, label, _ = COMMANDS[command]
    before = _snapshot(files)
    monkeypatch.chdir(tmp_path)
    shown = files[target].name
    given = str(files[target]) if target not in ("scheme",) else shown
    args = [given if a == str(files[target]) else a for a in _args(template, files)]
    result = run(*args, "--output", shown)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"Error: --output {shown} is the {label} ({given}); choose another path\n"
    )
    _check_untouched(files, before)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_output_symlink_to_an_input_is_refused(command, run, tiny, tmp_path):
    files = _files(tiny, tmp_path)
    template, target, label, _ = COMMANDS[command]
    before = _snapshot(files)
    link = tmp_path / "link.out"
    link.symlink_to(files[target])
    result = run(*_args(template, files), "--output", link)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"Error: --output {link} is the same file as the {label} ({files[target]}); "
        "choose another path\n"
    )
    _check_untouched(files, before)
    assert link.is_symlink()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_output_hard_link_to_an_input_is_refused(command, run, tiny, tmp_path):
    files = _files(tiny, tmp_path)
    template, target, label, _ = COMMANDS[command]
    before = _snapshot(files)
    other = tmp_path / "other"
    other.mkdir()
    hard = other / "hard.csv"
    os.link(files[target], hard)
    result = run(*_args(template, files), "--output", hard)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"Error: --output {hard} is the same file as the {label} ({files[target]}); "
        "choose another path\n"
    )
    _check_untouched(files, before)


@pytest.mark.parametrize("command", sorted(c for c, spec in COMMANDS.items() if spec[3]))
def test_rejects_equal_to_output_is_refused(command, run, tiny, tmp_path):
    files = _files(tiny, tmp_path)
    template = COMMANDS[command][0]
    out = tmp_path / "out.csv"
    out.write_text("keep me\n", encoding="utf-8")
    result = run(*_args(template, files), "--output", out, "--rejects", out)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"Error: --rejects {out} is the --output path ({out}); choose another path\n"
    )
    assert out.read_text(encoding="utf-8") == "keep me\n"


def test_rejects_equal_to_an_input_is_refused(run, tiny):
    result = run("load", tiny["cases"], "--staff", tiny["staff"], "--rejects", tiny["staff"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --rejects {tiny['staff']} is the staff input ({tiny['staff']}); "
        "choose another path\n"
    )


def test_output_equal_to_the_mapping_file_is_refused(run, tiny, tmp_path):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text("[cases.columns]\n", encoding="utf-8")
    result = run(
        "load", tiny["cases"], "--staff", tiny["staff"], "--mapping", mapping, "-o", mapping
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --output {mapping} is the mapping file ({mapping}); choose another path\n"
    )
    assert mapping.read_text(encoding="utf-8") == "[cases.columns]\n"


def test_output_equal_to_a_scheme_file_is_refused(run, tiny, tmp_path):
    scheme = tmp_path / "mine.toml"
    shutil.copy(builtin_schemes_dir() / "flat.toml", scheme)
    result = run("load", tiny["cases"], "--staff", tiny["staff"], "--scheme", scheme, "-o", scheme)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --output {scheme} is the scheme file ({scheme}); choose another path\n"
    )


def test_output_equal_to_safe_levels_responses_is_refused(run, tiny, tmp_path):
    responses = tmp_path / "responses.csv"
    shutil.copy(sample_data_dir() / "responses.csv", responses)
    result = run(
        "load",
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--safe-levels-from",
        responses,
        "-o",
        responses,
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --output {responses} is the --safe-levels-from survey responses "
        f"({responses}); choose another path\n"
    )


def test_a_fresh_output_still_works(run, tiny, tmp_path):
    out, rejects = tmp_path / "loads.csv", tmp_path / "rejects.csv"
    result = run(*_args(COMMANDS["load"][0], tiny), "-o", out, "--rejects", rejects, "-q")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("worker_id,")


def test_an_input_symlinked_to_the_output_is_refused(run, tiny, tmp_path):
    """Linked from: the cases input is a link to the file --output names."""
    real = tmp_path / "real.csv"
    shutil.copy(tiny["cases"], real)
    linked = tmp_path / "linked_cases.csv"
    linked.symlink_to(real)
    result = run("load", linked, "--staff", tiny["staff"], "-o", real)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --output {real} is the same file as the cases input ({linked}); "
        "choose another path\n"
    )


# --------------------------------------------------------------------------- history stores


@pytest.fixture
def store(run, tiny, tmp_path) -> Path:
    folder = tmp_path / "history"
    result = run("history", "add", *_args(["{cases}", *TINY], tiny), "--store", folder, "-q")
    assert result.exit_code == 0, result.output
    return folder


def _a_store_file(store: Path) -> Path:
    return next(p for p in sorted(store.rglob("*.parquet")) if p.is_file())


def test_history_add_store_holding_an_input_is_refused(run, tiny, store):
    inside = store / "cases.csv"
    shutil.copy(tiny["cases"], inside)
    result = run("history", "add", inside, "--staff", tiny["staff"], "--store", store)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --store {store} holds the cases input ({inside}); choose another path\n"
    )


def test_history_add_from_the_stores_own_partition_is_refused(run, tiny, store):
    """Re-adding a stored snapshot's own Parquet file would replace (delete) that file."""
    part = next(p for p in sorted(store.rglob("*.parquet")) if "cases" in str(p))
    before = part.read_bytes()
    result = run("history", "add", part, "--staff", tiny["staff"], "--store", store)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --store {store} holds the cases input ({part}); choose another path\n"
    )
    assert part.read_bytes() == before


def test_history_add_to_a_folder_that_is_no_store_keeps_its_own_error(run, tiny, tmp_path):
    result = run("history", "add", tiny["cases"], "--staff", tiny["staff"], "--store", tmp_path)
    assert result.exit_code == 1
    assert "is not a caseload store" in result.stderr


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_history_add_rejects_onto_an_input_is_refused(how, run, tiny, tmp_path):
    rejects = {
        "same": tiny["staff"],
        "symlink": tmp_path / "sub" / "link.csv",
        "hardlink": tmp_path / "sub" / "hard.csv",
    }[how]
    (tmp_path / "sub").mkdir()
    if how == "symlink":
        rejects.symlink_to(tiny["staff"])
    if how == "hardlink":
        os.link(tiny["staff"], rejects)
    before = tiny["staff"].read_bytes()
    result = run(
        "history",
        "add",
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--store",
        tmp_path / "history",
        "--rejects",
        rejects,
    )
    assert result.exit_code == 2
    relation = "is the" if how == "same" else "is the same file as the"
    assert result.stderr == (
        f"Error: --rejects {rejects} {relation} staff input ({tiny['staff']}); "
        "choose another path\n"
    )
    assert tiny["staff"].read_bytes() == before
    assert not (tmp_path / "history").exists()


@pytest.mark.parametrize("how", ["inside", "symlink", "hardlink"])
@pytest.mark.parametrize("command", ["trend", "history list"])
def test_output_into_a_history_store_is_refused(how, command, run, store, tmp_path):
    part = _a_store_file(store)
    before = part.read_bytes()
    out = {"inside": part, "symlink": tmp_path / "l.csv", "hardlink": tmp_path / "h.csv"}[how]
    if how == "symlink":
        out.symlink_to(part)
    if how == "hardlink":
        os.link(part, out)
    result = run(*command.split(), "--store", store, "--output", out)
    assert result.exit_code == 2, result.output
    if command == "trend":
        assert result.stderr == (
            f"Error: --output {out} is inside the history store ({store}); choose another path\n"
        )
    else:  # history list: the store is named by --store, an option like --output
        assert result.stderr == (
            f"Error: --store {store} holds the --output path ({out}); choose another path\n"
        )
    assert part.read_bytes() == before


def test_week_output_into_its_store_is_refused(run, store):
    out = store / "week.csv"
    result = run("week", "--store", store, "--output", out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --output {out} is inside the history store ({store}); choose another path\n"
    )
    assert not out.exists()


def test_trend_rejects_equal_to_output_is_refused(run, store, tmp_path):
    out = tmp_path / "t.csv"
    result = run("trend", "--store", store, "--output", out, "--rejects", out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --rejects {out} is the --output path ({out}); choose another path\n"
    )


# --------------------------------------------------------------------------- sample


def test_sample_refuses_another_users_symlink_in_its_folder(run, tmp_path, monkeypatch):
    """`sample` reads nothing, so only planted links can hurt: one not ours is refused."""
    out = tmp_path / "sample"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (out / "cases.csv").symlink_to(victim)
    monkeypatch.setattr(os, "geteuid", lambda: os.lstat(out / "cases.csv").st_uid + 1)
    result = run("sample", "--out", out, "--workers", "5", "--format", "csv")
    assert result.exit_code == 1
    uid = os.lstat(out / "cases.csv").st_uid
    assert f"is a symbolic link owned by another user (uid {uid})" in result.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_history_add_rejects_inside_the_store_is_refused(run, tiny, store):
    rejects = store / "rejects.csv"
    result = run(*["history", "add", *_args(["{cases}", *TINY], tiny)], "--store", store,
                 "--rejects", rejects)  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --store {store} holds the --rejects path ({rejects}); choose another path\n"
    )
    assert not rejects.exists()


def test_log_onto_an_input_or_an_output_is_refused(run, tiny, tmp_path):
    """--log appends: onto an input it would corrupt it."""
    before = tiny["cases"].read_bytes()
    result = run(*_args(COMMANDS["load"][0], tiny), "--log", tiny["cases"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --log {tiny['cases']} is the cases input ({tiny['cases']}); choose another path\n"
    )
    assert tiny["cases"].read_bytes() == before
    out = tmp_path / "out.csv"
    result = run(*_args(COMMANDS["load"][0], tiny), "-o", out, "--log", out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --log {out} is the --output path ({out}); choose another path\n"
    )
