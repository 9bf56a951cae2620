"""``llm schemas``: the JSON schemas responses have used, and the concise schema DSL."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import click

from ..default_group import DefaultGroup
from ..store import open_for_reading


@click.group(cls=DefaultGroup, default="list")
def schemas() -> None:
    """Manage stored schemas"""


def database_options(command: Any) -> Any:
    """``-d/--database`` (and the original's hidden ``-p/--path`` spelling)."""
    command = click.option("-d", "--database", help="Path to log database (or a database URL)")(
        command
    )
    return click.option("-p", "--path", help="Path to log database", hidden=True)(command)


def _open_existing(database: str | None) -> Any:
    """The log to read; a database file that does not exist is an error, not a new file."""
    store = open_for_reading(database)
    if store is None:
        from llm_storage.opening import default_target

        raise click.ClickException(f"No log database found at {database or default_target()}")
    return store


def _json_rows(rows: list[dict[str, Any]], nl: bool) -> str:
    """Rows as one JSON array (each row indented) or as newline-delimited JSON."""
    if nl:
        return "\n".join(json.dumps(row) for row in rows)
    if not rows:
        return "[]"
    inner = ",\n".join(textwrap.indent(json.dumps(row, indent=2), "  ") for row in rows)
    return f"[\n{inner}\n]"


@schemas.command(name="list")
@database_options
@click.option(
    "queries",
    "-q",
    "--query",
    multiple=True,
    help="Search for schemas matching this string",
)
@click.option("--full", is_flag=True, help="Output full schema contents")
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
@click.option("nl", "--nl", is_flag=True, help="Output as newline-delimited JSON")
def schemas_list(
    database: str | None,
    path: str | None,
    queries: tuple[str, ...],
    full: bool,
    json_: bool,
    nl: bool,
) -> None:
    """List stored schemas"""
    import llm_storage
    from llm.schemas import schema_summary

    store = _open_existing(database or path)
    try:
        rows = store.schemas_in_use(queries)
    except llm_storage.StoreError as ex:
        raise click.ClickException(str(ex)) from ex
    finally:
        store.close()
    for row in rows:
        row["content"] = json.loads(row["content"])
    if json_ or nl:
        if rows or json_:
            click.echo(_json_rows(rows, nl))
        return
    for row in rows:
        click.echo(f"- id: {row['id']}")
        if full:
            body = textwrap.indent(json.dumps(row["content"], indent=2), "    ")
            click.echo(f"  schema: |\n{body}")
        else:
            click.echo(f"  summary: |\n    {schema_summary(row['content'])}")
        times = row["times_used"]
        click.echo(
            f"  usage: |\n    {times} time{'' if times == 1 else 's'}, "
            f"most recently {row['recently_used']}"
        )


@schemas.command(name="show")
@click.argument("schema_id")
@database_options
def schemas_show(schema_id: str, database: str | None, path: str | None) -> None:
    """Show a stored schema"""
    import llm_storage

    store = _open_existing(database or path)
    try:
        content = store.get_schema(schema_id)
    except llm_storage.StoreError as ex:
        raise click.ClickException(str(ex)) from ex
    finally:
        store.close()
    if content is None:
        raise click.ClickException("Invalid schema ID")
    click.echo(json.dumps(json.loads(content), indent=2))


@schemas.command(name="dsl")
@click.argument("input")
@click.option("--multi", is_flag=True, help="Wrap in an array")
def schemas_dsl(input: str, multi: bool) -> None:
    """
    Convert LLM's schema DSL to a JSON schema

    \b
        llm schema dsl 'name, age int, bio: short bio'
    """
    from llm.schemas import schema_dsl

    try:
        schema = schema_dsl(input, multi)
    except ValueError as ex:
        raise click.ClickException(str(ex)) from ex
    click.echo(json.dumps(schema, indent=2))
