"""``llm plugins``: what is installed, as JSON."""

from __future__ import annotations

import json

import click

import llm


@click.command(name="plugins")
@click.option("all", "--all", is_flag=True, help="Include built-in default plugins")
@click.option("hooks", "--hook", multiple=True, help="Filter for plugins that implement this hook")
def plugins_list(all: bool, hooks: tuple[str, ...]) -> None:
    """List installed plugins"""
    found = llm.get_plugins(all=all)
    if hooks:
        found = [p for p in found if set(hooks) <= set(p["hooks"])]
    click.echo(json.dumps(found, indent=2))
