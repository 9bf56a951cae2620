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
    fragments,
    install,
    keys,
    logs,
    models,
    plugins,
    prompt,
    schemas,
    similar,
    templates,
    tools,
)
from .default_group import DefaultGroup


@click.group(
    cls=DefaultGroup,
    default="prompt",
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
# No prog_name: click takes the name the command was invoked as ("llm" from the console
# script), as the original does.
@click.version_option(__version__, "--version", package_name="llm")
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
cli.add_command(templates.templates)
cli.add_command(fragments.fragments)
cli.add_command(schemas.schemas)
cli.add_command(tools.tools)
cli.add_command(embed.embed)
cli.add_command(embed.embed_multi)
cli.add_command(similar.similar)
cli.add_command(embed_models.embed_models)
cli.add_command(collections.collections)

load_plugins()
pm.hook.register_commands(cli=cli)
