"""Commands registered by name and summary, imported only when run (``LazyCommand``)."""

from __future__ import annotations

import importlib

import click
import pytest
from click.testing import CliRunner

from llm_cli.app import BUILT_IN_COMMANDS
from llm_cli.default_group import DefaultGroup, LazyCommand, summary_of


@pytest.mark.parametrize("name", sorted(BUILT_IN_COMMANDS))
def test_built_in_summaries_match_the_commands(name: str) -> None:
    target, summary = BUILT_IN_COMMANDS[name]
    module_name, attribute = target.split(":")
    command = getattr(importlib.import_module(module_name), attribute)
    assert command.name == name
    lazy = LazyCommand(name, summary, lambda: command)
    for limit in (20, 45, 200):
        assert lazy.get_short_help_str(limit) == command.get_short_help_str(limit)
    assert lazy.hidden == command.hidden
    assert summary_of(command)[1:] == summary[1:]


def _group(loads: list[str]) -> DefaultGroup:
    @click.group(cls=DefaultGroup, default="say")
    def group() -> None:
        pass

    def loader(name: str) -> click.Command:
        @click.command(name=name)
        def command() -> None:
            """Real help. More text."""
            click.echo(f"{name} ran")

        def load() -> click.Command:
            loads.append(name)
            return command

        return load  # type: ignore[return-value]

    group.add_lazy_command("say", ["Say things. Really", False, False], loader("say"))
    group.add_lazy_command("quiet", ["Hush", True, True], loader("quiet"))
    group.add_lazy_command("gone", ["Vanishes", False, False], lambda: None)
    return group


def test_help_lists_lazy_commands_without_loading_them() -> None:
    loads: list[str] = []
    result = CliRunner().invoke(_group(loads), ["--help"])
    assert result.exit_code == 0
    assert "say*  Say things.\n" in result.output
    assert "quiet" not in result.output  # hidden
    assert loads == []


def test_running_a_lazy_command_loads_only_it() -> None:
    loads: list[str] = []
    group = _group(loads)
    result = CliRunner().invoke(group, ["quiet"])
    assert (result.exit_code, result.output) == (0, "quiet ran\n")
    assert loads == ["quiet"]
    assert not isinstance(group.commands["quiet"], LazyCommand)
    # The default command loads when it is implied too.
    result = CliRunner().invoke(group, ["hello"])
    assert result.exit_code == 2 and loads == ["quiet", "say"]  # say takes no argument


def test_a_command_whose_loader_finds_nothing_is_dropped() -> None:
    group = _group([])
    assert group.get_command(click.Context(group), "gone") is None
    assert "gone" not in group.commands


def test_a_vanished_command_name_goes_to_the_default_command() -> None:
    loads: list[str] = []
    result = CliRunner().invoke(_group(loads), ["gone"])
    # "say" takes no arguments, so the name arriving there as one proves where it went.
    assert result.exit_code == 2 and "unexpected extra argument (gone)" in result.output
    assert loads == ["say"]
