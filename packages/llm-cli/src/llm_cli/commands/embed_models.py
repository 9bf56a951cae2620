"""``llm embed-models``: list embedding models and choose the default one."""

from __future__ import annotations

import click

import llm

from ..default_group import DefaultGroup


@click.group(name="embed-models", cls=DefaultGroup, default="list")
def embed_models() -> None:
    """Manage available embedding models"""


@embed_models.command(name="list")
@click.option(
    "query",
    "-q",
    "--query",
    multiple=True,
    help="Search for embedding models matching these strings",
)
def embed_models_list(query: tuple[str, ...]) -> None:
    """List available embedding models"""
    lines = []
    for entry in llm.get_embedding_models_with_aliases():
        if query and not all(entry.matches(q) for q in query):
            continue
        line = str(entry.model)
        if entry.aliases:
            line += f" (aliases: {', '.join(entry.aliases)})"
        lines.append(line)
    click.echo("\n".join(lines))


@embed_models.command(name="default")
@click.argument("model", required=False)
@click.option("--remove-default", is_flag=True, help="Reset to specifying no default model")
def embed_models_default(model: str | None, remove_default: bool) -> None:
    """Show or set the default embedding model"""
    if remove_default:
        llm.set_default_embedding_model(None)
        return
    if not model:
        default = llm.get_default_embedding_model()
        if default is None:
            click.echo("<No default embedding model set>", err=True)
        else:
            click.echo(default)
        return
    try:
        found = llm.get_embedding_model(model)
    except llm.UnknownModelError:
        raise click.ClickException(f"Unknown embedding model: {model}") from None
    llm.set_default_embedding_model(found.model_id)
