"""``llm collections``: list, delete and locate collections of embeddings."""

from __future__ import annotations

import json

import click

from ..default_group import DefaultGroup
from .embed import connect, database_option, database_path, missing_file


@click.group(cls=DefaultGroup, default="list")
def collections() -> None:
    """View and manage collections of embeddings"""


@collections.command(name="path")
def collections_path() -> None:
    """Output the path to the embeddings database"""
    from llm_embeddings.database import describe

    click.echo(describe(database_path(None)))


@collections.command(name="list")
@database_option
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
def collections_list(database: str | None, json_: bool) -> None:
    """View a list of collections"""
    import sqlite3

    from llm_embeddings.backend import open_backend
    from llm_embeddings.database import describe
    from llm_embeddings.postgres import EmbeddingsDatabaseError

    path = database_path(database)
    missing = click.ClickException(f"No collections table found in {describe(path)}")
    if missing_file(database):
        raise missing
    backend = open_backend(connect(database), create=False)
    try:
        rows = backend.iter_collections()
    except sqlite3.OperationalError:
        raise missing from None
    except (sqlite3.DatabaseError, EmbeddingsDatabaseError) as ex:
        raise click.ClickException(f"Cannot read {describe(path)}: {ex}") from ex
    if json_:
        listing = [{"name": n, "model": m, "num_embeddings": c} for n, m, c in rows]
        click.echo(json.dumps(listing, indent=4))
        return
    for name, model, count in rows:
        click.echo(f"{name}: {model}")
        click.echo(f"  {count} embedding{'' if count == 1 else 's'}")


@collections.command(name="delete")
@click.argument("collection")
@database_option
def collections_delete(collection: str, database: str | None) -> None:
    """
    Delete the specified collection

    Example usage:

    \b
        llm collections delete my-collection
    """
    from llm_embeddings import Collection
    from llm_embeddings.postgres import EmbeddingsDatabaseError

    if missing_file(database):
        raise click.ClickException("Collection does not exist")
    conn = connect(database)
    try:
        Collection(collection, conn, create=False).delete()
    except Collection.DoesNotExist:
        raise click.ClickException("Collection does not exist") from None
    except EmbeddingsDatabaseError as ex:
        raise click.ClickException(str(ex)) from ex
