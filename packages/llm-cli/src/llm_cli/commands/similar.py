"""``llm similar``: the entries of a collection closest to some content or to a stored entry."""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict

import click

import llm

from .embed import (
    connect,
    database_option,
    database_path,
    missing_file,
    open_collection,
    read_content,
)


@click.command()
@click.argument("collection")
@click.argument("id", required=False)
@click.option(
    "-i",
    "--input",
    type=click.Path(exists=True, readable=True, allow_dash=True),
    help="File to embed for comparison",
)
@click.option("-c", "--content", help="Content to embed for comparison")
@click.option("--binary", is_flag=True, help="Treat input as binary data")
@click.option(
    "-n", "--number", type=click.IntRange(min=0), default=10, help="Number of results to return"
)
@click.option("-p", "--plain", is_flag=True, help="Output in plain text format")
@database_option
@click.option("--prefix", help="Just IDs with this prefix", default="")
def similar(
    collection: str,
    id: str | None,
    input: str | None,
    content: str | None,
    binary: bool,
    number: int,
    plain: bool,
    database: str | None,
    prefix: str,
) -> None:
    """
    Return top N similar IDs from a collection using cosine similarity.

    Example usage:

    \b
        llm similar my-collection -c "I like cats"

    Or to find content similar to a specific stored ID:

    \b
        llm similar my-collection 1234
    """
    if not id and not content and not input:
        raise click.ClickException("Must provide content or an ID for the comparison")
    if missing_file(database):
        raise click.ClickException("No embeddings table found in database")
    import sqlite3

    from llm_embeddings.postgres import EmbeddingsDatabaseError

    conn = connect(database)
    if isinstance(conn, sqlite3.Connection):
        try:
            has_table = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'embeddings'"
            ).fetchone()
        except sqlite3.DatabaseError as ex:
            raise click.ClickException(f"Cannot read {database_path(database)}: {ex}") from ex
        if not has_table:
            raise click.ClickException("No embeddings table found in database")
    collection_obj = open_collection(collection, conn, None, create=False)
    try:
        if id:
            try:
                results = collection_obj.similar_by_id(id, number, prefix=prefix)
            except collection_obj.DoesNotExist:
                raise click.ClickException("ID not found in collection") from None
        else:
            value = read_content(content, input, binary)
            results = collection_obj.similar(value, number, prefix=prefix)
    except (ValueError, llm.ModelError, llm.UnknownModelError, EmbeddingsDatabaseError) as ex:
        raise click.ClickException(str(ex)) from ex
    for result in results:
        if plain:
            click.echo(f"{result.id} ({result.score})\n")
            if result.content:
                click.echo(textwrap.indent(result.content, "  "))
            if result.metadata:
                click.echo(textwrap.indent(json.dumps(result.metadata), "  "))
            click.echo("")
        else:
            click.echo(json.dumps(asdict(result)))
