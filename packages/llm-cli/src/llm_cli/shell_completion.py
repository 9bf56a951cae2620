"""Shell completion for ``llm`` (``llm completion bash|zsh|fish`` prints the script; the
shell then runs ``llm`` with ``_LLM_COMPLETE`` set). click does the parsing; this adds:

- command names from the group's table, so listing them imports no command module and no
  plugin (click would load each command to ask whether it is hidden);
- the first word completes to a command, though ``llm WORD`` is the default ``prompt``
  command (the default-group resilient-parsing bug: click would resolve an empty command
  line to ``prompt`` and offer its arguments instead);
- values: model IDs and aliases, template names, fragment aliases, conversation IDs and
  collection names, from ``completion_sources`` (read-only, no plugin imported).

It walks click's parse with ``click.shell_completion._resolve_context`` and
``_resolve_incomplete``, as click's own ``ShellComplete.get_completions`` does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from click.shell_completion import (
    BashComplete,
    CompletionItem,
    FishComplete,
    ShellComplete,
    ZshComplete,
    _resolve_context,
    _resolve_incomplete,
    add_completion_class,
)

from . import completion_sources as sources

COMPLETE_VAR = "_LLM_COMPLETE"
SHELLS = ("bash", "zsh", "fish")

#: Options whose values are names we know, by any of their flags.
OPTION_VALUES: dict[str, Callable[[], list[str]]] = {
    "--model": sources.model_ids,
    "--template": sources.template_names,
    "--fragment": sources.fragment_aliases,
    "--system-fragment": sources.fragment_aliases,
    "--cid": sources.conversation_ids,
    "--conversation": sources.conversation_ids,
}
#: Options whose values may also be files.
FILE_VALUES = {"--fragment", "--system-fragment"}
#: Arguments by (command name, argument name); None matches any command.
ARGUMENT_VALUES: dict[tuple[str | None, str], Callable[[], list[str]]] = {
    (None, "collection"): sources.collection_names,
    ("show", "name"): sources.template_names,
    ("edit", "name"): sources.template_names,
    ("show", "alias_or_hash"): sources.fragment_aliases,
    ("remove", "alias"): sources.fragment_aliases,
    ("options", "model"): sources.model_ids,
}


def _values(obj: Any, ctx: click.Context) -> tuple[Callable[[], list[str]] | None, bool]:
    """The names that complete ``obj``'s value, and whether files do too."""
    if isinstance(obj, click.Option):
        for flag in obj.opts:
            if flag in OPTION_VALUES:
                return OPTION_VALUES[flag], flag in FILE_VALUES
    elif isinstance(obj, click.Argument) and obj.name:
        source = ARGUMENT_VALUES.get((ctx.info_name, obj.name)) or ARGUMENT_VALUES.get(
            (None, obj.name)
        )
        return source, False
    return None, False


def _command_names(group: click.Group, incomplete: str) -> list[CompletionItem]:
    # The entries as they stand (lazy stand-ins carry their summary): reading the real
    # commands would import every plugin that adds one.
    peek = getattr(group.commands, "peek", group.commands.get)
    found = ((name, peek(name)) for name in sorted(group.commands))
    return [
        CompletionItem(name, help=command.get_short_help_str())
        for name, command in found
        if command is not None and name.startswith(incomplete) and not command.hidden
    ]


class _Completion(ShellComplete):
    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        cli = self.cli
        if not args and not incomplete.startswith("-") and isinstance(cli, click.Group):
            return _command_names(cli, incomplete)
        ctx = _resolve_context(cli, self.ctx_args, self.prog_name, args)
        obj, incomplete = _resolve_incomplete(ctx, args, incomplete)
        source, files = _values(obj, ctx)
        if source is not None:
            items = [CompletionItem(name) for name in source() if name.startswith(incomplete)]
            return items + ([CompletionItem(incomplete, type="file")] if files else [])
        if isinstance(obj, click.Group):
            return _command_names(obj, incomplete)
        return list(obj.shell_complete(ctx, incomplete))


class Bash(_Completion, BashComplete):
    pass


class Zsh(_Completion, ZshComplete):
    pass


class Fish(_Completion, FishComplete):
    pass


def install() -> None:
    """Use these for the shells, before click answers a completion request."""
    for cls, shell in ((Bash, "bash"), (Zsh, "zsh"), (Fish, "fish")):
        add_completion_class(cls, shell)


def script(cli: click.Command, shell: str) -> str:
    """The script that makes ``shell`` complete ``llm``."""
    cls = {"bash": Bash, "zsh": Zsh, "fish": Fish}[shell]
    return cls(cli, {}, "llm", COMPLETE_VAR).source()
