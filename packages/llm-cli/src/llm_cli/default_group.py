"""A click group that runs a default command when no sub-command is named.

``llm 'a prompt'`` and ``llm -m echo hi`` both mean ``llm prompt ...``.
"""

from __future__ import annotations

from typing import Any

import click

from llm.config import ConfigFileError


class DefaultGroup(click.Group):
    def __init__(self, *args: Any, default: str, **kwargs: Any) -> None:
        # Unknown options (e.g. -m) belong to the default command, not to the group.
        kwargs.setdefault("context_settings", {})["ignore_unknown_options"] = True
        super().__init__(*args, **kwargs)
        self.default_command = default

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            args = [self.default_command]
        return super().parse_args(ctx, args)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands:
            return self.default_command, self.commands[self.default_command], args
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        # A config file the user broke by hand (keys.json, aliases.json, ...) is one line
        # naming the file, from any command, rather than a traceback.
        try:
            return super().invoke(ctx)
        except ConfigFileError as ex:
            raise click.ClickException(str(ex)) from ex

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands with the default one first and marked with a ``*``."""
        commands = [
            (name, command)
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
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
