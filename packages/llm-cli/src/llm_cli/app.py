"""The root ``llm`` click group: built-in commands, then commands that plugins add."""

from __future__ import annotations

import click

from llm import __version__
from llm.plugins import load_plugins, pm

from .commands import (
    aliases,
    chat,
    collections,
    embed,
    embed_models,
    install,
    keys,
    logs,
    models,
    plugins,
    prompt,
    similar,
)
from .default_group import DefaultGroup


@click.group(
    cls=DefaultGroup,
    default="prompt",
    help="""Access Large Language Models from the command-line

    Run a prompt against the default model:

        llm 'Five outrageous names for a pet pelican'

    Run it against a specific model, for example the offline echo model:

        llm -m echo 'hello'

    For every prompting option run:

        llm prompt --help
    """,
)
@click.version_option(__version__, "--version", package_name="llm", prog_name="llm")
def cli() -> None:
    pass


cli.add_command(prompt.prompt)
cli.add_command(logs.logs)
cli.add_command(models.models)
cli.add_command(plugins.plugins_list)
cli.add_command(chat.chat)
cli.add_command(keys.keys)
cli.add_command(aliases.aliases)
cli.add_command(install.install)
cli.add_command(install.uninstall)
cli.add_command(embed.embed)
cli.add_command(embed.embed_multi)
cli.add_command(similar.similar)
cli.add_command(embed_models.embed_models)
cli.add_command(collections.collections)

load_plugins()
pm.hook.register_commands(cli=cli)
