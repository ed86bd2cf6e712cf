"""Regenerate docs/cli-reference.md from the commands' own --help.

python docs/gen_cli_reference.py          # rewrite the file
python docs/gen_cli_reference.py --check  # exit 1 if it is stale (tests run this)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from caseload_cli.cli import cli

TARGET = Path(__file__).with_name("cli-reference.md")


def _walk(command: click.Command, path: list[str]):
    yield path
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            yield from _walk(command.get_command(context, name), [*path, name])


def reference() -> str:
    runner = CliRunner()
    parts = [
        "# CLI reference",
        "",
        "Generated from `--help` by `python docs/gen_cli_reference.py`;",
        "a test fails when it is stale.",
        "",
    ]
    for path in _walk(cli, []):
        result = runner.invoke(cli, [*path, "--help"], terminal_width=100, env={"COLUMNS": "100"})
        title = " ".join(["caseload", *path])
        parts += [f"## {title}", "", "```", result.output.rstrip(), "```", ""]
    return "\n".join(parts)


def main() -> int:
    text = reference()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is stale: run python docs/gen_cli_reference.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
