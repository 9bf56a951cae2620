"""The default-command group: ``llm 'prompt'`` and ``llm -m x 'prompt'`` mean ``llm prompt``."""

from __future__ import annotations

import click
from click.testing import CliRunner

from llm_cli.default_group import DefaultGroup


@click.group(cls=DefaultGroup, default="say")
def group() -> None:
    pass


@group.command()
@click.argument("words", nargs=-1)
@click.option("-l", "--loud", is_flag=True)
def say(words: tuple[str, ...], loud: bool) -> None:
    """Say words"""
    text = " ".join(words)
    click.echo(text.upper() if loud else text)


@group.command()
def other() -> None:
    """Another command"""
    click.echo("other ran")


def test_unknown_first_word_runs_the_default_command() -> None:
    assert CliRunner().invoke(group, ["hello", "world"]).output == "hello world\n"


def test_options_of_the_default_command_work_first() -> None:
    assert CliRunner().invoke(group, ["-l", "hi"]).output == "HI\n"


def test_named_commands_still_run() -> None:
    assert CliRunner().invoke(group, ["other"]).output == "other ran\n"


def test_no_arguments_runs_the_default_command() -> None:
    assert CliRunner().invoke(group, []).output == "\n"


def test_help_marks_the_default_command_first() -> None:
    output = CliRunner().invoke(group, ["--help"]).output
    commands = output.split("Commands:")[1].split()
    assert commands[0] == "say*"
    assert "other" in commands
