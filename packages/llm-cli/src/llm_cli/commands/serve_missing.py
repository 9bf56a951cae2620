"""``llm serve`` when llm-openai-server is not installed: say how to get it (the plugin's
own ``serve`` command replaces this one when it is installed)."""

from __future__ import annotations

import click

INSTALL_HINT = (
    "llm serve needs the llm-openai-server plugin: llm install llm-openai-server"
    " (or pip install 'llm[serve]')"
)


@click.command(
    name="serve",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
def serve() -> None:
    """Serve models through an OpenAI-compatible API (needs llm-openai-server)"""
    raise click.ClickException(INSTALL_HINT)
