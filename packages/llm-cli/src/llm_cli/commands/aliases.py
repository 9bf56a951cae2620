"""``llm aliases``: short names for models, kept in aliases.json."""

from __future__ import annotations

import json

import click

import llm
from llm import config

from ..default_group import DefaultGroup
from ..models_lookup import find_model_id


@click.group(cls=DefaultGroup, default="list")
def aliases() -> None:
    """Manage model aliases"""


@aliases.command(name="list")
@click.option("as_json", "--json", is_flag=True, help="Output as JSON")
def aliases_list(as_json: bool) -> None:
    """List current aliases"""
    if as_json:
        click.echo(json.dumps(config.load_aliases(), indent=4))
        return
    rows: list[tuple[str, str]] = []
    for entry in llm.get_models_with_aliases():
        model = entry.model or entry.async_model
        rows.extend((alias, model.model_id) for alias in entry.aliases)
    for embedding in llm.get_embedding_models_with_aliases():
        rows.extend((a, f"{embedding.model.model_id} (embedding)") for a in embedding.aliases)
    # Aliases whose model is not installed are still the user's: show them too.
    shown = {alias for alias, _ in rows}
    rows.extend((a, target) for a, target in config.load_aliases().items() if a not in shown)
    if not rows:
        return
    width = max(len(alias) for alias, _ in rows)
    for alias, target in rows:
        click.echo(f"{alias.ljust(width)} : {target}")


@aliases.command(name="set")
@click.argument("alias")
@click.argument("model_id", required=False)
@click.option(
    "queries", "-q", "--query", multiple=True, help="Set alias for model matching these strings"
)
def aliases_set(alias: str, model_id: str | None, queries: tuple[str, ...]) -> None:
    """Set an alias for a model

    Example usage:

    \b
        llm aliases set mini gpt-4o-mini

    Alternatively you can omit the model ID and specify one or more -q options.
    The first model matching all of those query strings will be used.

    \b
        llm aliases set mini -q 4o -q mini
    """
    if not model_id and not queries:
        raise click.UsageError("Provide a model ID or at least one -q option")
    if model_id and queries:
        raise click.UsageError("Provide a model ID or -q options, not both")
    llm.set_alias(alias, find_model_id(model_id, queries))


@aliases.command(name="remove")
@click.argument("alias")
def aliases_remove(alias: str) -> None:
    """Remove an alias

    Example usage:

    \b
        $ llm aliases remove turbo
    """
    try:
        llm.remove_alias(alias)
    except KeyError as ex:
        raise click.ClickException(ex.args[0]) from ex


@aliases.command(name="path")
def aliases_path() -> None:
    """Output the path to the aliases.json file"""
    click.echo(config.aliases_path())
