"""``llm fragments``: list, alias, show and un-alias fragments stored in the log database;
list the fragment loaders that plugins registered."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import click

import llm

from ..default_group import DefaultGroup
from ..fragments import resolve_fragment
from ..store import open_for_reading, open_store
from .templates import describe_loaders

_ALIAS = re.compile(r"^[a-zA-Z0-9_-]+$")


def _validate_alias(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not _ALIAS.match(value):
        raise click.BadParameter("Fragment alias must be alphanumeric")
    return value


@click.group(cls=DefaultGroup, default="list")
def fragments() -> None:
    """
    Manage fragments that are stored in the database

    Fragments are reusable snippets of text that are shared across multiple prompts.
    """


def _storage_errors() -> Any:
    import llm_storage

    return llm_storage.StoreError


def _yaml_block(record: dict[str, Any]) -> str:
    """One ``- key: value`` YAML list item, multi-line strings as ``|`` blocks."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
        style = "|" if "\n" in data else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    Dumper.add_representer(str, text)
    dumped: str = yaml.dump([record], Dumper=Dumper, sort_keys=False, width=sys.maxsize)
    return dumped.strip()


@fragments.command(name="list")
@click.option(
    "queries",
    "-q",
    "--query",
    multiple=True,
    help="Search for fragments matching these strings",
)
@click.option("--aliases", is_flag=True, help="Show only fragments with aliases")
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
def fragments_list(queries: tuple[str, ...], aliases: bool, json_: bool) -> None:
    """List current fragments"""
    from llm.utils import truncate_string

    store = open_for_reading(None)
    try:
        found = store.list_fragments(queries, aliases_only=aliases) if store is not None else []
    except _storage_errors() as ex:
        raise click.ClickException(str(ex)) from ex
    finally:
        if store is not None:
            store.close()
    records = [
        {
            "hash": row["hash"],
            "aliases": row["aliases"],
            "datetime_utc": row["datetime_utc"],
            "source": row["source"],
            "content": row["content"],
        }
        for row in found
    ]
    if json_:
        click.echo(json.dumps(records, indent=4))
        return
    for record in records:
        record["content"] = truncate_string(record["content"] or "")
        click.echo(_yaml_block(record))


@fragments.command(name="set")
@click.argument("alias", callback=_validate_alias)
@click.argument("fragment")
def fragments_set(alias: str, fragment: str) -> None:
    """
    Set an alias for a fragment

    Accepts an alias and a file path, URL, hash or '-' for stdin

    Example usage:

    \b
        llm fragments set mydocs ./docs.md
    """
    store = open_store(None)
    try:
        loaded = resolve_fragment(store, fragment)
        fragment_hash = store.store_fragment(str(loaded), loaded.source)
        store.set_fragment_alias(alias, fragment_hash)
    except _storage_errors() as ex:
        raise click.ClickException(str(ex)) from ex
    finally:
        store.close()


@fragments.command(name="show")
@click.argument("alias_or_hash")
def fragments_show(alias_or_hash: str) -> None:
    """
    Display the fragment stored under an alias or hash

    \b
        llm fragments show mydocs
    """
    store = open_for_reading(None)
    try:
        loaded = resolve_fragment(store, alias_or_hash)
    except _storage_errors() as ex:
        raise click.ClickException(str(ex)) from ex
    finally:
        if store is not None:
            store.close()
    click.echo(str(loaded))


@fragments.command(name="remove")
@click.argument("alias", callback=_validate_alias)
def fragments_remove(alias: str) -> None:
    """
    Remove a fragment alias

    Example usage:

    \b
        llm fragments remove docs
    """
    store = open_store(None)
    try:
        # Like the original: removing an alias that is not there is not an error.
        store.remove_fragment_alias(alias)
    except _storage_errors() as ex:
        raise click.ClickException(str(ex)) from ex
    finally:
        store.close()


@fragments.command(name="loaders")
def fragments_loaders() -> None:
    """Show fragment loaders registered by plugins"""
    lines = describe_loaders(llm.get_fragment_loaders(), blank_line_between=True)
    click.echo("\n".join(lines) if lines else "No fragment loaders found")
