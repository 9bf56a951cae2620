"""A click group that runs a default command when no sub-command is named.

``llm 'a prompt'`` and ``llm -m echo hi`` both mean ``llm prompt ...``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import click

from llm.config import ConfigFileError


def summary_of(command: click.Command) -> list[Any]:
    """What a listing needs to know of a command without importing it: ``[text, is short
    help, hidden]``. ``text`` is the first paragraph of its help, from which click derives
    the summary at whatever width it lists commands."""
    if command.short_help:
        return [command.short_help, True, command.hidden]
    return [(command.help or "").split("\n\n")[0], False, command.hidden]


class LazyCommand(click.Command):
    """Stands for a command whose module is not imported yet: ``--help`` lists it from its
    name and summary, and the group swaps in the real command when it is run."""

    def __init__(self, name: str, summary: list[Any], load: Callable[[], click.Command | None]):
        text, is_short, hidden = summary
        super().__init__(
            name,
            help=None if is_short else text,
            short_help=text if is_short else None,
            hidden=hidden,
        )
        self.load = load


def import_command(target: str) -> Callable[[], click.Command]:
    """A loader for ``"package.module:attribute"``."""

    def load() -> click.Command:
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    return load


class CommandTable(dict[str, click.Command]):
    """A group's commands by name, where some are still ``LazyCommand`` stand-ins.

    Whoever reads an entry gets the real command: a plugin's ``register_commands`` that
    wraps ``cli.commands["prompt"]`` or copies its ``.params`` (llm-venice, llm-anthropic)
    sees the real one, imported at that moment. Listing (``--help``) uses ``peek`` and
    membership tests, which import nothing, so a command nobody touches stays unimported."""

    def peek(self, name: str) -> click.Command | None:
        """The entry as it stands, stand-in or not."""
        return dict.get(self, name)

    def _resolved(self, name: str) -> click.Command | None:
        command = dict.get(self, name)
        if not isinstance(command, LazyCommand):
            return command
        loaded = command.load()
        # The loader may have registered the command itself (plugin commands do).
        current = dict.get(self, name)
        if loaded is None and current is not command:
            loaded = current
        if loaded is None:
            dict.pop(self, name, None)
            return None
        dict.__setitem__(self, name, loaded)
        return loaded

    def __getitem__(self, name: str) -> click.Command:
        command = self._resolved(name)
        if command is None:
            raise KeyError(name)
        return command

    def get(self, name: str, default: Any = None) -> Any:
        command = self._resolved(name)
        return default if command is None else command

    def pop(self, name: str, *default: Any) -> Any:
        self._resolved(name)
        return super().pop(name, *default)

    def values(self) -> list[click.Command]:  # type: ignore[override]
        return [command for name in list(self) if (command := self.get(name)) is not None]

    def items(self) -> list[tuple[str, click.Command]]:  # type: ignore[override]
        return [(name, command) for name in list(self) if (command := self.get(name)) is not None]

    def copy(self) -> dict[str, click.Command]:
        """The real commands by name: llm-cache-plugin looks for ``prompt`` among
        ``cli.commands.copy().values()`` and builds its own from that one's ``.params``."""
        return dict(self.items())


class DefaultGroup(click.Group):
    def __init__(self, *args: Any, default: str, **kwargs: Any) -> None:
        # Unknown options (e.g. -m) belong to the default command, not to the group.
        kwargs.setdefault("context_settings", {})["ignore_unknown_options"] = True
        super().__init__(*args, **kwargs)
        self.commands: CommandTable = CommandTable(self.commands)
        self.default_command = default

    def add_lazy_command(
        self, name: str, summary: list[Any], load: Callable[[], click.Command | None]
    ) -> None:
        """Register a command by name and summary; ``load`` imports it when it is used."""
        self.commands[name] = LazyCommand(name, summary, load)

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        return self.commands.get(cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            args = [self.default_command]
        return super().parse_args(ctx, args)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # A lazy command whose loader finds nothing (a stale plugin cache) is dropped by
        # get_command: its name is then a prompt, as it is when no such command exists.
        if args and (args[0] not in self.commands or self.get_command(ctx, args[0]) is None):
            return self.default_command, self.get_command(ctx, self.default_command), args
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        # A config file the user broke by hand (keys.json, aliases.json, ...) is one line
        # naming the file, from any command, rather than a traceback.
        try:
            return super().invoke(ctx)
        except ConfigFileError as ex:
            raise click.ClickException(str(ex)) from ex
        except BrokenPipeError:
            # `llm models | head -1`: the reader went away, which is not an error. Click
            # would exit 1 here; every command ends the way __main__ ends a closed pipe.
            raise click.exceptions.Exit(0) from None

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:  # `llm --help | head -1` (see invoke)
            raise click.exceptions.Exit(0) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands with the default one first and marked with a ``*``."""
        # From self.commands, not get_command: listing must not import lazy commands.
        commands = [
            (name, command)
            for name in self.list_commands(ctx)
            if (command := self.commands.peek(name)) is not None and not command.hidden
        ]
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in commands)
        rows = [
            (name + ("*" if name == self.default_command else ""), cmd.get_short_help_str(limit))
            for name, cmd in commands
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = sorted(self.commands)
        if self.default_command in names:
            names.remove(self.default_command)
            names.insert(0, self.default_command)
        return names
