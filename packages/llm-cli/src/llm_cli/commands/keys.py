"""``llm keys``: API keys stored in keys.json (owner-only permissions)."""

from __future__ import annotations

import sys

import click

from llm import config

from ..default_group import DefaultGroup


@click.group(cls=DefaultGroup, default="list")
def keys() -> None:
    """Manage stored API keys for different models"""


@keys.command(name="list")
def keys_list() -> None:
    """List names of all stored keys"""
    stored = config.load_keys()
    if not stored:
        click.echo("No keys found")
        return
    for name in sorted(stored):
        click.echo(name)


@keys.command(name="path")
def keys_path() -> None:
    """Output the path to the keys.json file"""
    click.echo(config.keys_path())


@keys.command(name="get")
@click.argument("name")
def keys_get(name: str) -> None:
    """Return the value of a stored key

    Example usage:

    \b
        export OPENAI_API_KEY=$(llm keys get openai)
    """
    stored = config.load_keys()
    if name not in stored:
        raise click.ClickException(f"No key found with name '{name}'")
    click.echo(stored[name])


@keys.command(name="set")
@click.argument("name")
@click.option("--value", help="Value to set")
def keys_set(name: str, value: str | None) -> None:
    """Save a key in the keys.json file

    Example usage:

    \b
        $ llm keys set openai
        Enter key: ...
    """
    if not name.strip():
        raise click.ClickException("The key name cannot be empty")
    if value is None:
        if sys.stdin.isatty():
            value = click.prompt("Enter key", hide_input=True)
        else:
            value = sys.stdin.readline()  # piped in: no prompt, nothing echoed
    if not value.strip():
        raise click.ClickException("The key is empty: nothing was saved")
    config.set_key(name, value.strip())
