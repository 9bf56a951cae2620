"""``llm aliases``: short names for models, kept in aliases.json."""

from __future__ import annotations

import json

import click

import llm
from llm import config

from ..default_group import DefaultGroup
from ..models_lookup import model_id_of, models_matching


@click.group(cls=DefaultGroup, default="list")
def aliases() -> None:
    """Manage model aliases"""


@aliases.command(name="list")
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
def aliases_list(json_: bool) -> None:
    """List current aliases"""
    rows: list[tuple[str, str]] = []
    for alias, model in llm.get_model_aliases().items():
        if alias != model.model_id:
            rows.append((alias, model.model_id))
    for alias, embedding in llm.get_embedding_model_aliases().items():
        if alias != embedding.model_id:
            rows.append((alias, f"{embedding.model_id} (embedding)"))
    # Aliases whose model is not installed are still the user's: show them too.
    shown = {alias for alias, _ in rows}
    rows.extend((a, target) for a, target in config.load_aliases().items() if a not in shown)
    if json_:
        plain = {alias: target.removesuffix(" (embedding)") for alias, target in rows}
        click.echo(json.dumps(plain, indent=4))
        return
    if not rows:
        return
    width = max(len(alias) for alias, _ in rows)
    for alias, target in rows:
        click.echo(f"{alias.ljust(width)} : {target}")


@aliases.command(name="set")
@click.argument("alias")
@click.argument("model_id", required=False)
@click.option(
    "query", "-q", "--query", multiple=True, help="Set alias for model matching these strings"
)
@click.option(
    "fallbacks",
    "--fallback",
    multiple=True,
    help="Model to use when the aliased one cannot answer (repeatable; kept in fallbacks.json)",
)
def aliases_set(
    alias: str, model_id: str | None, query: tuple[str, ...], fallbacks: tuple[str, ...]
) -> None:
    """Set an alias for a model

    Example usage:

    \b
        llm aliases set mini gpt-4o-mini

    Alternatively you can omit the model ID and specify one or more -q options.
    The first model matching all of those query strings will be used.

    \b
        llm aliases set mini -q 4o -q mini
    """
    from ..fallbacks import set_alias_fallbacks

    if not alias.strip():
        raise click.ClickException("The alias name cannot be empty")
    if model_id:
        llm.set_alias(alias, model_id)
        set_alias_fallbacks(alias, list(fallbacks))
        return
    if not query:
        raise click.ClickException("You must provide a model_id or at least one -q option")
    matches = models_matching(query)
    if not matches:
        raise click.ClickException("No model found matching query: " + ", ".join(query))
    model_id = model_id_of(matches[0])
    llm.set_alias(alias, model_id)
    set_alias_fallbacks(alias, list(fallbacks))
    click.echo(f"Alias '{alias}' set to model '{model_id}'", err=True)


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
