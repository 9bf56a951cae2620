"""``llm logs``: read the log of prompts and responses; turn logging on and off."""

from __future__ import annotations

import functools
import itertools
import sys
from collections.abc import Callable, Iterable
from typing import Any

import click

import llm
from llm.utils import extract_fenced_code_block, output_rows_as_json

from .. import logs_format
from ..default_group import DefaultGroup
from ..fragments import resolve_fragment
from ..render_output import should_render, write_rendered
from ..shared_options import database_option
from ..store import logging_enabled, logs_off_path, open_for_reading, open_store
from . import logs_rm


@click.group(cls=DefaultGroup, default="list")
def logs() -> None:
    """Tools for exploring logged prompts and responses"""


# Deleting: llm logs rm / prune / retention (llm_cli/retention.py).
for _command in logs_rm.COMMANDS:
    logs.add_command(_command)


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


def _reader(database: str | None) -> Any:
    """The log to read (closed when the command ends; an up-to-date SQLite file is read with
    the standard library alone), or None when its SQLite file does not exist: reading must
    never create a database."""
    reader = open_for_reading(database)
    if reader is not None:
        click.get_current_context().call_on_close(reader.close)
    return reader


def _missing_message(database: str | None) -> str:
    from llm_storage.opening import default_target

    return f"No log database found at {database if database is not None else default_target()}"


@logs.command(name="status")
@database_option
def logs_status(database: str | None) -> None:
    """Show current status of database logging"""
    store = _reader(database)
    if store is None:
        click.echo(_missing_message(database))
        return
    click.echo("Logging is ON for all prompts" if logging_enabled() else "Logging is OFF")
    status = store.status()
    click.echo(f"Found log database at {status['path'] or status['url']}")
    # As llm 0.36 counts them: its threads and turns, and the tables 0.26 wrote (which we
    # still write: the legacy lines show whenever they hold rows).
    click.echo(f"Number of threads logged:\t{status.get('threads', 0)}")
    click.echo(f"Number of turns logged:\t\t{status.get('turns', 0)}")
    if status["conversations"] or status["responses"]:
        click.echo(f"Number of legacy conversations:\t{status['conversations']}")
        click.echo(f"Number of legacy responses:\t{status['responses']}")
    if status.get("size_bytes") is not None:
        click.echo(f"Database file size: \t\t{_human_size(status['size_bytes'])}")


def _human_size(size: float) -> str:
    units = ("B", "KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
    unit = 0
    while size >= 1024 and unit < len(units) - 1:
        size /= 1024
        unit += 1
    return "0B" if size == 0 else f"{size:.2f}{units[unit]}"


@logs.command(name="backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@database_option
def logs_backup(path: str, database: str | None) -> None:
    """Backup your logs database to this file"""
    import llm_storage

    store = open_store(database)
    try:
        written = store.backup(path)
    except llm_storage.StoreError as ex:
        raise click.ClickException(str(ex)) from ex
    finally:
        store.close()
    click.echo(f"Backed up {_human_size(written.stat().st_size)} to {path}")


class DatabaseTarget(click.ParamType):
    """A database URL, or the path of an existing SQLite file."""

    name = "path"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "://" in value:
            return value
        checked = click.Path(readable=True, exists=True, dir_okay=False)
        return checked.convert(value, param, ctx)


def _tools_by_name(names: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """(name, plugin) of each tool named by ``-T``: a logged tool is known by both."""
    if not names:
        return []
    from llm.tool_registry import get_tools_named

    available = get_tools_named(names)
    found: list[tuple[str, str | None]] = []
    for name in names:
        tool = available.get(name)
        if tool is None:
            raise click.ClickException(f"Unknown tool: {name}")
        found.append((name, getattr(tool, "plugin", None)))
    return found


def _store_errors(command: Callable[..., None]) -> Callable[..., None]:
    """A storage failure while the command reads (responses are read as they are printed)
    is one clear error line, never a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        import llm_storage

        try:
            command(*args, **kwargs)
        except llm_storage.StoreError as ex:
            raise click.ClickException(str(ex)) from ex

    return run


@logs.command(name="list")
@click.option(
    "-n",
    "--count",
    type=click.IntRange(min=0),
    default=None,
    help="Number of entries to show - defaults to 3, use 0 for all",
)
@click.option("-p", "--path", type=DatabaseTarget(), help="Path to log database", hidden=True)
@click.option(
    "-d", "--database", type=DatabaseTarget(), help="Path to log database (or a database URL)"
)
@click.option("model_id", "-m", "--model", help="Filter by model or model alias")
@click.option("-q", "--query", help="Search for logs matching this string")
@click.option(
    "newest_first",
    "-l",
    "--latest",
    is_flag=True,
    help="Return latest results matching search query",
)
@click.option(
    "fragments", "-f", "--fragment", multiple=True, help="Filter for prompts using these fragments"
)
@click.option(
    "tool_names",
    "-T",
    "--tool",
    multiple=True,
    help="Filter for prompts with results from these tools",
)
@click.option("--tools", is_flag=True, help="Filter for prompts with results from any tools")
@click.option("--schema", help="JSON schema, filepath or ID")
@click.option("--schema-multi", help="JSON schema used for multiple results")
@click.option("--data", is_flag=True, help="Output newline-delimited JSON data for schema")
@click.option("--data-array", is_flag=True, help="Output JSON array of data for schema")
@click.option("--data-key", help="Return JSON objects from array in this key")
@click.option("--data-ids", is_flag=True, help="Attach corresponding IDs to JSON objects")
@click.option("-t", "--truncate", is_flag=True, help="Truncate long strings in output")
@click.option("-s", "--short", is_flag=True, help="Shorter YAML output with truncated prompts")
@click.option("-u", "--usage", is_flag=True, help="Include token usage")
@click.option("costs", "--cost", is_flag=True, help="Include what each response cost")
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
@click.option("as_json", "--json", is_flag=True, help="Output logs as JSON")
@click.option("-e", "--expand", is_flag=True, help="Expand fragments to show their content")
@click.option(
    "--render/--no-render",
    default=None,
    help="Show the logs (or -r's response) as formatted Markdown"
    " (default: on a terminal; LLM_RENDER=0/1)",
)
@_store_errors
def logs_list(
    count: int | None,
    path: str | None,
    database: str | None,
    model_id: str | None,
    query: str | None,
    newest_first: bool,
    fragments: tuple[str, ...],
    tool_names: tuple[str, ...],
    tools: bool,
    schema: str | None,
    schema_multi: str | None,
    data: bool,
    data_array: bool,
    data_key: str | None,
    data_ids: bool,
    truncate: bool,
    short: bool,
    usage: bool,
    costs: bool,
    response: bool,
    extract: bool,
    extract_last: bool,
    current: bool,
    conversation_id: str | None,
    id_gt: str | None,
    id_gte: str | None,
    as_json: bool,
    expand: bool,
    render: bool | None = None,
) -> None:
    """Show logged prompts and their responses"""
    database = database or path
    store = _reader(database)
    if store is None:
        raise click.ClickException(_missing_message(database))
    if short and (as_json or response):
        clashing = " or ".join(
            flag for flag, given in (("--json", as_json), ("--response", response)) if given
        )
        raise click.ClickException(f"Cannot use --short and {clashing} together")
    if response and not current and not conversation_id:
        current = True
    data_output = bool(data or data_array or data_key or data_ids)
    if current:
        # The conversation of the latest response (none, if that one had none).
        latest = list(store.iter_responses(1, omit=_unshown(response_only=True)))
        if not latest:
            raise click.ClickException("No conversations found")
        conversation_id = latest[-1]["conversation_id"]
    if count is None:
        count = 0 if conversation_id else 3
    if model_id:
        # Aliases filter too; an ID no model answers to (uninstalled?) is used as given.
        try:
            model_id = llm.get_model(model_id).model_id
        except llm.UnknownModelError:
            pass
    hashes = tuple(resolve_fragment(store, reference).id() for reference in fragments)
    tools_used = _tools_by_name(tool_names)
    schema_id = None
    if schema or schema_multi:
        from llm.schemas import make_schema_id

        from ..schema_input import resolve_schema_input

        resolved = resolve_schema_input(schema or schema_multi, database, multi=not schema)
        schema_id = make_schema_id(resolved or {})[0]

    def fetch(omit: set[str]) -> Any:
        return store.iter_responses(
            count or None,
            model=model_id,
            query=query or None,
            latest=newest_first,
            conversation_id=conversation_id or None,
            id_gt=id_gt or None,
            id_gte=id_gte or None,
            fragments=hashes,
            has_tools=tools,
            tools_used=tools_used,
            schema_id=schema_id,
            omit=omit,
        )

    def prepared(omit: set[str]) -> Any:
        # Responses are printed as they are read: none is kept once shown.
        for record in fetch(omit):
            yield logs_format.prepare(record, truncate=truncate, expand=expand)

    if costs:  # --cost: what each response cost (llm_cli/ledger_access.py)
        from ..ledger_access import with_costs

        plain = prepared
        prepared = lambda omit: with_costs(store, plain(omit))  # noqa: E731

    if data_output:
        found = list(fetch(_unshown(response_only=True)))
        if data and not query:
            found.reverse()  # as the original: --data lists the newest first
        items = logs_format.data_items(found, data_key, data_ids)
        for line in output_rows_as_json(items, nl=not data_array, compact=True):
            click.echo(line)
        return
    if as_json:
        rows = prepared(_unshown(as_json=True, expand=expand))
        _write(itertools.chain(logs_format.json_pieces(rows), ["\n"]))
        return
    if extract or extract_last or response:
        output: str | None = None
        for row in prepared(_unshown(response_only=True)):
            if response and not (extract or extract_last):
                output = row["response"]
                continue
            output = extract_fenced_code_block(row["response"] or "", last=extract_last)
            if output is not None:
                break
        if output is not None:
            if response and not (extract or extract_last) and should_render(render):
                write_rendered([output])
            else:
                click.echo(output)
            return
        # As the original: with nothing to extract, the log is shown instead.
    rows = prepared(_unshown(expand=expand))
    if short:
        _write(f"{logs_format.as_short(row, usage)}\n" for row in rows)
        return
    writer = logs_format.MarkdownWriter(
        single_conversation=bool(conversation_id), usage=usage, expand=expand
    )
    pieces = (piece for row in rows for piece in writer.pieces(row))
    if should_render(render):  # on a terminal, as an answer is (llm_cli/render_output.py)
        write_rendered(pieces)
    else:
        _write(pieces)


def _write(pieces: Iterable[str]) -> None:
    """Output as it is made, in few writes, a huge piece never copied into a bigger one
    (``click.echo`` each, as the original echoes: it strips ANSI codes when not a tty)."""
    for piece in logs_format.gathered(pieces):
        try:
            click.echo(piece, nl=False)
        except UnicodeEncodeError:
            _write_bytes(piece)


def _write_bytes(text: str) -> None:
    """``text`` holding what its encoding cannot write (a restored value's lone surrogate,
    where standard output is strict): a byte that was not UTF-8 (a surrogate escape) is
    written as that byte, any other surrogate as ``\\udXXX``."""
    import codecs

    def as_bytes(error: UnicodeError) -> tuple[bytes, int]:
        assert isinstance(error, UnicodeEncodeError)
        out = b""
        for char in error.object[error.start : error.end]:
            code = ord(char)
            out += bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else b"\\u%04x" % code
        return out, error.end

    codecs.register_error("llm-logs-bytes", as_bytes)
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode(sys.stdout.encoding or "utf-8", "llm-logs-bytes"))
    sys.stdout.buffer.flush()


#: Response columns only the JSON output shows (the options show in Markdown too).
_JSON_ONLY = ("prompt_json", "response_json")


def _unshown(
    *, response_only: bool = False, as_json: bool = False, expand: bool = False
) -> set[str]:
    """What the output will not show, so need not be read: attachment bodies always (only
    their length is shown); fragment contents past their preview unless ``expand``; the JSON
    columns except with ``--json``; for output made of responses alone, prompts too."""
    from llm_storage import read

    omit = {read.ATTACHMENT_CONTENT}
    if not expand:
        omit.add(read.FRAGMENT_CONTENT)
    if not as_json or response_only:
        omit.update(_JSON_ONLY)
    if response_only:
        omit.update(("prompt", "system", "options_json"))
    return omit
