"""Generate docs/cli-reference.md: the ``--help`` of every command, from the code itself.

Run ``LLM_LOAD_PLUGINS= python -m llm_cli.help_reference > docs/cli-reference.md``; a test
fails when the checked-in file no longer matches.
"""

from __future__ import annotations

import click
from click.testing import CliRunner


def _walk(command: click.Command, path: list[str]) -> list[list[str]]:
    found = [path]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            # get_command imports a lazily registered command (see default_group).
            sub = command.get_command(click.Context(command), name)
            if sub is not None:
                found.extend(_walk(sub, [*path, name]))
    return found


def render() -> str:
    from .app import cli

    runner = CliRunner()
    lines = [
        "# CLI reference",
        "",
        "The `--help` output of every `llm` command, generated from the code",
        "(`LLM_LOAD_PLUGINS= python -m llm_cli.help_reference`).",
    ]
    for path in _walk(cli, []):
        result = runner.invoke(cli, [*path, "--help"], prog_name="llm", terminal_width=80)
        heading = "#" * min(len(path) + 2, 6)
        lines += ["", f"{heading} llm {' '.join(path)} --help".replace("  ", " "), "", "```"]
        lines.append(result.output.rstrip())
        lines.append("```")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
