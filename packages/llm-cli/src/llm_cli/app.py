"""The root ``llm`` click group: built-in commands, then commands that plugins add."""

from __future__ import annotations

import sys
from typing import Any

import click

from llm import __version__, plugin_cache, plugins
from llm.plugins import load_plugins, pm

from .default_group import DefaultGroup, LazyCommand, import_command, summary_of

#: Built-in commands by name: where each lives, and its help summary (``[text, is short
#: help, hidden]``), so that ``llm --help`` and ``llm --version`` import none of them.
#: A test checks these summaries against the commands themselves.
BUILT_IN_COMMANDS: dict[str, tuple[str, list[Any]]] = {
    "prompt": ("llm_cli.commands.prompt:prompt", ["Execute a prompt", False, False]),
    "logs": (
        "llm_cli.commands.logs:logs",
        ["Tools for exploring logged prompts and responses", False, False],
    ),
    "models": ("llm_cli.commands.models:models", ["Manage available models", False, False]),
    "plugins": ("llm_cli.commands.plugins:plugins_list", ["List installed plugins", False, False]),
    "chat": ("llm_cli.commands.chat:chat", ["Hold an ongoing chat with a model.", False, False]),
    "completion": (
        "llm_cli.commands.completion:completion",
        ["Print the shell completion script for bash, zsh or fish", False, False],
    ),
    "keys": (
        "llm_cli.commands.keys:keys",
        ["Manage stored API keys for different models", False, False],
    ),
    "aliases": ("llm_cli.commands.aliases:aliases", ["Manage model aliases", False, False]),
    "install": (
        "llm_cli.commands.install:install",
        ["Install packages from PyPI into the same environment as LLM", False, False],
    ),
    "uninstall": (
        "llm_cli.commands.install:uninstall",
        ["Uninstall Python packages from the LLM environment", False, False],
    ),
    "templates": (
        "llm_cli.commands.templates:templates",
        ["Manage stored prompt templates", False, False],
    ),
    "fragments": (
        "llm_cli.commands.fragments:fragments",
        ["Manage fragments that are stored in the database", False, False],
    ),
    "schemas": ("llm_cli.commands.schemas:schemas", ["Manage stored schemas", False, False]),
    "tools": (
        "llm_cli.commands.tools:tools",
        ["Manage tools that can be made available to LLMs", False, False],
    ),
    "embed": (
        "llm_cli.commands.embed:embed",
        ["Embed text and store or return the result", False, False],
    ),
    "embed-multi": (
        "llm_cli.commands.embed:embed_multi",
        [
            "\n    Store embeddings for multiple strings at once in the specified collection.",
            False,
            False,
        ],
    ),
    "similar": (
        "llm_cli.commands.similar:similar",
        [
            "\n    Return top N similar IDs from a collection using cosine similarity.",
            False,
            False,
        ],
    ),
    "embed-models": (
        "llm_cli.commands.embed_models:embed_models",
        ["Manage available embedding models", False, False],
    ),
    "conversations": (
        "llm_cli.commands.conversations:conversations",
        ["List, find and name logged conversations", False, False],
    ),
    "costs": ("llm_cli.commands.costs:costs", ["Show what logged responses cost", False, False]),
    "budget": (
        "llm_cli.commands.costs:budget",
        ["Spending limits, checked before any prompt is sent", False, False],
    ),
    "collections": (
        "llm_cli.commands.collections:collections",
        ["View and manage collections of embeddings", False, False],
    ),
    # The llm-openai-server plugin registers the real `serve`, replacing this one.
    "serve": (
        "llm_cli.commands.serve_missing:serve",
        ["Serve models through an OpenAI-compatible API (needs llm-openai-server)", False, False],
    ),
}


@click.group(
    cls=DefaultGroup,
    default="prompt",
    # Every command inherits ``-h`` from here, as in llm 0.27+.
    context_settings={"help_option_names": ["-h", "--help"]},
    help="""Access Large Language Models from the command-line

    Documentation: https://llm.datasette.io/

    To use OpenAI's models, store your API key once:

        llm keys set openai

    Run a prompt against the default model:

        llm 'Five outrageous names for a pet pelican'

    Run it against a specific model (see them all with "llm models"):

        llm -m gpt-4o 'Five outrageous names for a pet pelican'

    Models from other providers come from plugins ("llm install PLUGIN").
    For every prompting option run:

        llm prompt --help
    """,
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _, value: _print_version(ctx, value),
    help="Show the version and exit.",
)
def cli() -> None:
    pass


def _print_version(ctx: click.Context, value: bool) -> None:
    """``--version`` under the name the command was invoked as ("llm" from the console
    script), as the original does. click's own version option keeps the first invocation's
    name for the life of the process, so a second caller in one process saw the wrong one."""
    if value and not ctx.resilient_parsing:
        click.echo(f"{ctx.find_root().info_name}, version {__version__}")
        ctx.exit()


def _add_built_in_commands(group: DefaultGroup) -> None:
    for name, (target, summary) in BUILT_IN_COMMANDS.items():
        group.add_lazy_command(name, summary, import_command(target))


_add_built_in_commands(cli)


def _scratch_group() -> DefaultGroup:
    """A group like ``cli`` for a plugin's ``register_commands`` to describe itself into:
    it finds the built-in commands it may read, wrap or replace."""
    group = DefaultGroup(default="prompt")
    _add_built_in_commands(group)
    return group


def _describe_commands(register_commands: Any) -> list[list[Any]]:
    """The commands a plugin's ``register_commands`` hook adds or replaces (a built-in
    command it wraps, as llm-venice wraps ``prompt``), or changes in place (llm-alias-options
    wraps the callbacks of ``aliases set`` and ``prompt`` and adds ``--options`` to
    ``aliases list``), for the plugin cache: such a plugin loads before the command runs."""
    scratch = _scratch_group()
    built_in = {name: scratch.commands.peek(name) for name in BUILT_IN_COMMANDS}
    before = _built_in_states()
    register_commands(cli=scratch)
    ours = [
        (name, command)
        for name in scratch.commands
        if (command := scratch.commands.peek(name)) is not None
        and not _is_built_in(name, command, built_in.get(name))
    ]
    described = {name for name, _ in ours}
    changed = [name for name, state in _built_in_states().items() if state != before[name]]
    ours += [(name, _real_built_in(name)) for name in changed if name not in described]
    return [[name, *summary_of(command)] for name, command in ours]


def _real_built_in(name: str) -> click.Command:
    return import_command(BUILT_IN_COMMANDS[name][0])()


def _built_in_states() -> dict[str, Any]:
    """What a plugin can change of each built-in command in place, by identity: its callback,
    its parameters and, for a group, the same of each subcommand."""
    return {name: _state(_real_built_in(name)) for name in BUILT_IN_COMMANDS}


def _state(command: click.Command) -> Any:
    parts: tuple[Any, ...] = (id(command.callback), tuple(map(id, command.params)))
    if isinstance(command, click.Group):
        parts += (tuple((name, _state(sub)) for name, sub in sorted(command.commands.items())),)
    return parts


def _is_built_in(name: str, command: click.Command, stand_in: click.Command | None) -> bool:
    """Whether this entry is still the built-in command (as its stand-in, or the real one
    a plugin read)."""
    if stand_in is None:
        return False
    if command is stand_in:
        return True
    module_name, attribute = BUILT_IN_COMMANDS[name][0].split(":")
    return getattr(sys.modules.get(module_name), attribute, None) is command


def _plugin_command_loader(group: DefaultGroup, dist_name: str, name: str) -> Any:
    def load() -> click.Command | None:
        # A built-in command this plugin replaces is put back first, for the plugin to wrap
        # (else the plugin would find its own stand-in under that name).
        for replaced in _replaced_built_ins.get(dist_name, ()):
            target, summary = BUILT_IN_COMMANDS[replaced]
            group.add_lazy_command(replaced, summary, import_command(target))
        # Register every command of this plugin for real; the group then finds its own.
        plugins.load_distributions({dist_name})
        hook = plugin_cache.hook_of_distribution(dist_name, "register_commands")
        if hook is not None:
            hook(cli=group)
        if not isinstance(group.commands.peek(name), LazyCommand):
            return None
        # The cache was wrong about this plugin: ask every plugin, as without a cache.
        load_plugins()
        scratch = _scratch_group()
        pm.hook.register_commands(cli=scratch)
        return scratch.commands.get(name)

    return load


#: Per plugin distribution, the built-in commands it replaces (from the plugin cache).
_replaced_built_ins: dict[str, list[str]] = {}


def _register_plugin_commands(group: DefaultGroup) -> None:
    try:
        described = plugin_cache.current(_describe_commands)
    except Exception:  # the cache only ever saves time; without it, load everything
        described = None
    if described is None or plugins.is_fully_loaded():
        load_plugins()
        pm.hook.register_commands(cli=group)
        return
    # Plugins that could not be described load now, as they would without a cache, and so
    # do all that replace a built-in command another plugin replaces too (their order then
    # decides which wraps which, as without a cache).
    eager = {name for name, d in described.items() if d is None}
    replacers: dict[str, list[str]] = {}
    for dist_name, description in described.items():
        for name, *_ in description["commands"] if description else ():
            if name in BUILT_IN_COMMANDS:
                replacers.setdefault(name, []).append(dist_name)
    for dist_names in replacers.values():
        if len(dist_names) > 1:
            eager.update(dist_names)
    plugins.load_distributions(eager)
    # Plugins registered in code, or already loaded: their hooks cost nothing more.
    pm.hook.register_commands(cli=group)
    loaded = plugins.loaded_distributions()
    for dist_name, description in described.items():
        if description is None or dist_name in loaded:
            continue
        for name, *summary in description["commands"]:
            if name in BUILT_IN_COMMANDS:
                _replaced_built_ins.setdefault(dist_name, []).append(name)
            group.add_lazy_command(name, summary, _plugin_command_loader(group, dist_name, name))


_register_plugin_commands(cli)
