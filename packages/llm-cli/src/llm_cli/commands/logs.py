"""``llm logs``: read the log of prompts and responses; turn logging on and off."""

from __future__ import annotations

import click

import llm

from .. import logs_format
from ..default_group import DefaultGroup
from ..shared_options import database_option
from ..store import logging_enabled, logs_off_path, open_store


@click.group(cls=DefaultGroup, default="list")
def logs() -> None:
    """Tools for exploring logged prompts and responses"""


@logs.command(name="path")
def logs_path() -> None:
    """Output the path to the logs.db file"""
    from llm_storage.opening import default_location

    click.echo(default_location())


@logs.command(name="on")
def logs_turn_on() -> None:
    """Turn on logging for all prompts"""
    logs_off_path().unlink(missing_ok=True)


@logs.command(name="off")
def logs_turn_off() -> None:
    """Turn off logging for all prompts"""
    logs_off_path().touch()


@logs.command(name="status")
@database_option
def logs_status(database: str | None) -> None:
    """Show current status of database logging"""
    click.echo(f"Logging is {'ON' if logging_enabled() else 'OFF'} for all prompts")
    status = open_store(database).status()
    click.echo(f"Found log database at {status['path'] or status['url']}")
    click.echo(f"Backend:                        {status['backend']}")
    click.echo(f"Number of conversations logged: {status['conversations']}")
    click.echo(f"Number of responses logged:     {status['responses']}")
    if status.get("size_bytes") is not None:
        click.echo(f"Database file size:             {_human_size(status['size_bytes'])}")


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.2f}{unit}"
        value /= 1024
    return f"{value:.2f}GB"


@logs.command(name="backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@database_option
def logs_backup(path: str, database: str | None) -> None:
    """Backup your logs database to this file"""
    import llm_storage

    store = open_store(database)
    try:
        store.backup(path)
    except llm_storage.StoreError as ex:
        raise click.ClickException(str(ex)) from ex
    click.echo(f"Backed up logs to {path}")


def _fragment_key(reference: str) -> str:
    """A fragment hash or alias as given, or the hash of a file's content."""
    from pathlib import Path

    from llm.identity import fragment_hash

    path = Path(reference)
    if path.is_file():
        return fragment_hash(path.read_text())  # the text, as a prompt's -f reads it
    return reference


@logs.command(name="list")
@click.option(
    "-n",
    "--count",
    type=int,
    default=None,
    help="Number of entries to show - defaults to 3, use 0 for all",
)
@database_option
@click.option("model_id", "-m", "--model", help="Filter by model or model alias")
@click.option("-q", "--query", help="Search for logs matching this string")
@click.option("-t", "--truncate", is_flag=True, help="Truncate long strings in output")
@click.option("-s", "--short", is_flag=True, help="Shorter YAML output with truncated prompts")
@click.option("-u", "--usage", is_flag=True, help="Include token usage")
@click.option("-r", "--response", is_flag=True, help="Just output the last response")
@click.option("-x", "--extract", is_flag=True, help="Extract first fenced code block")
@click.option(
    "extract_last", "--xl", "--extract-last", is_flag=True, help="Extract last fenced code block"
)
@click.option(
    "current", "-c", "--current", is_flag=True, help="Show logs from the current conversation"
)
@click.option(
    "conversation_id", "--cid", "--conversation", help="Show logs for this conversation ID"
)
@click.option("--id-gt", help="Return responses with ID > this")
@click.option("--id-gte", help="Return responses with ID >= this")
@click.option(
    "fragments", "-f", "--fragment", multiple=True, help="Filter for prompts using these fragments"
)
@click.option("--tools", is_flag=True, help="Filter for prompts with results from any tools")
@click.option("as_json", "--json", is_flag=True, help="Output logs as JSON")
@click.option("-e", "--expand", is_flag=True, help="Expand fragments to show their content")
def logs_list(
    count: int | None,
    database: str | None,
    model_id: str | None,
    query: str | None,
    truncate: bool,
    short: bool,
    usage: bool,
    response: bool,
    extract: bool,
    extract_last: bool,
    current: bool,
    conversation_id: str | None,
    id_gt: str | None,
    id_gte: str | None,
    fragments: tuple[str, ...],
    tools: bool,
    as_json: bool,
    expand: bool,
) -> None:
    """Show logged prompts and their responses"""
    store = open_store(database)
    if model_id:
        # Aliases filter too: look the model up, but allow IDs of models no longer installed.
        try:
            model_id = llm.get_model(model_id).model_id
        except llm.UnknownModelError:
            pass
    if current:
        conversation_id = store.latest_conversation_id()
        if conversation_id is None:
            return
    fragments = tuple(_fragment_key(f) for f in fragments)
    limit = 3 if count is None else count
    if (response or extract or extract_last) and count is None:
        limit = 1
    records = store.list_responses(
        limit=limit or None,
        model=model_id,
        query=query,
        conversation_id=conversation_id,
        id_gt=id_gt,
        id_gte=id_gte,
        fragments=fragments,
        has_tools=tools,
    )
    if response or extract or extract_last:
        if records:
            record = records[-1]
            if extract or extract_last:
                click.echo(logs_format.extract(record, last=extract_last))
            else:
                click.echo(record.get("response") or "")
        return
    if as_json:
        click.echo(logs_format.as_json(records, truncate, expand))
    elif short:
        click.echo(logs_format.as_short(records, usage))
    else:
        click.echo(logs_format.as_markdown(records, truncate, usage, expand), nl=False)
