"""``llm mcp``: add, list, inspect, remove and import MCP servers."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import click

from llm.config import ConfigFileError

from . import manifest
from .config import (
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_STARTUP_TIMEOUT,
    Server,
    check_name,
    config_path,
    load_servers,
    parse_server,
    read_raw,
    write_raw,
)


def _fail(ex: Exception) -> click.ClickException:
    return click.ClickException(str(ex))


def _header(value: str) -> tuple[str, str]:
    name, colon, content = value.partition(":")
    if not colon or not name.strip():
        raise click.BadParameter(f"{value!r} is not 'Name: value'", param_hint="-H/--header")
    return name.strip(), content.strip()


def _variable(value: str) -> tuple[str, str]:
    name, equals, content = value.partition("=")
    if not equals or not name:
        raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint="-e/--env")
    return name, content


@click.group()
def mcp() -> None:
    """Configure Model Context Protocol (MCP) servers whose tools models can use

    Servers live in mcp.json in the llm user directory. Use their tools with
    -T mcp:NAME (every tool of a server) or -T mcp:NAME.TOOL (one tool).
    """


@mcp.command(name="add", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.option("--url", help="URL of a Streamable HTTP server")
@click.option(
    "headers", "-H", "--header", multiple=True, help="HTTP header 'Name: value' (${VAR} expanded)"
)
@click.option(
    "env", "-e", "--env", multiple=True, help="NAME=VALUE for a stdio server's environment"
)
@click.option("--cwd", help="Working directory of a stdio server")
@click.option("--always-ask", is_flag=True, help="Ask before every call of this server's tools")
@click.option(
    "--startup-timeout", type=float, help=f"Seconds to start (default {DEFAULT_STARTUP_TIMEOUT:g})"
)
@click.option(
    "--call-timeout",
    type=float,
    help=f"Seconds for one tool call (default {DEFAULT_CALL_TIMEOUT:g})",
)
@click.option("--replace", is_flag=True, help="Replace a server of the same name")
@click.option("--no-check", is_flag=True, help="Save without starting the server to list its tools")
def add(
    name: str,
    command: tuple[str, ...],
    url: str | None,
    headers: tuple[str, ...],
    env: tuple[str, ...],
    cwd: str | None,
    always_ask: bool,
    startup_timeout: float | None,
    call_timeout: float | None,
    replace: bool,
    no_check: bool,
) -> None:
    """Add a server: `llm mcp add NAME -- COMMAND ARGS...` or `llm mcp add NAME --url URL`

    \b
        llm mcp add files -- npx -y @modelcontextprotocol/server-filesystem ~/notes
        llm mcp add docs --url https://example.com/mcp -H 'Authorization: Bearer ${TOKEN}'

    The server is started once to list its tools (--no-check skips that).
    """
    if bool(command) == bool(url):
        raise click.UsageError("Give either a command (after --) or --url")
    if headers and not url:
        raise click.UsageError("-H/--header is for --url servers")
    if (env or cwd) and url:
        raise click.UsageError("-e/--env and --cwd are for command (stdio) servers")
    entry: dict[str, Any] = (
        {"command": command[0], "args": list(command[1:])} if command else {"url": url}
    )
    if headers:
        entry["headers"] = dict(_header(value) for value in headers)
    if env:
        entry["env"] = dict(_variable(value) for value in env)
    if cwd:
        entry["cwd"] = cwd
    if always_ask:
        entry["always_ask"] = True
    if startup_timeout is not None:
        entry["startup_timeout"] = startup_timeout
    if call_timeout is not None:
        entry["call_timeout"] = call_timeout
    try:
        check_name(name)
        server = parse_server(name, entry)
        data = read_raw()
        servers = data.setdefault("mcpServers", {})
        if name in servers and not replace:
            raise click.ClickException(
                f"An MCP server named {name} exists already (--replace replaces it)"
            )
        servers[name] = entry
        write_raw(data)
    except ConfigFileError as ex:
        raise _fail(ex) from None
    click.echo(f"Added MCP server {name} ({server.transport}) to {config_path()}", err=True)
    if not no_check:
        _check(server)


def _check(server: Server) -> None:
    """Start the server and report its tools; a failure is a warning: the entry is saved."""
    from .runtime import ServerError
    from .toolboxes import fetch_tools

    try:
        tools = fetch_tools(server)
    except (ServerError, ConfigFileError) as ex:
        click.echo(f"Warning: {ex}", err=True)
        return
    names = ", ".join(tool["name"] for tool in tools)
    click.echo(f"{len(tools)} tool{'s' if len(tools) != 1 else ''}: {names}", err=True)


@mcp.command(name="list")
@click.option("as_json", "--json", is_flag=True, help="Output as JSON")
def list_servers(as_json: bool) -> None:
    """List configured servers (without starting them)"""
    try:
        servers = load_servers()
    except ConfigFileError as ex:
        raise _fail(ex) from None
    rows: list[dict[str, Any]] = []
    for server in servers.values():
        tools = manifest.cached_tools(server)
        rows.append(
            {
                "name": server.name,
                "transport": server.transport,
                "target": server.describe(),
                "enabled": server.enabled,
                "tools": None if tools is None else [t["name"] for t in tools],
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = "" if row["enabled"] else " (disabled)"
        count = "tools not listed yet" if row["tools"] is None else f"{len(row['tools'])} tools"
        click.echo(f"{row['name']}{state}: {row['transport']}, {count}\n  {row['target']}")


@mcp.command(name="tools")
@click.argument("name")
@click.option("as_json", "--json", is_flag=True, help="Output as JSON")
def server_tools(name: str, as_json: bool) -> None:
    """Start server NAME and list its tools (refreshing the cached list)"""
    from .runtime import ServerError
    from .toolboxes import fetch_tools, model_tool_name

    server = _server(name)
    try:
        tools = fetch_tools(server)
    except (ServerError, ConfigFileError) as ex:
        raise _fail(ex) from None
    if as_json:
        click.echo(json.dumps(tools, indent=2))
        return
    for tool in tools:
        hidden = "" if server.offers(tool["name"]) else " (disabled in mcp.json)"
        click.echo(f"{tool['name']}{hidden}  (model sees: {model_tool_name(name, tool['name'])})")
        if tool.get("description"):
            click.echo(textwrap.indent(tool["description"].strip(), "  "))
        click.echo()


@mcp.command(name="remove")
@click.argument("name")
def remove(name: str) -> None:
    """Remove server NAME"""
    try:
        data = read_raw()
        servers = data.get("mcpServers", {})
        if name not in servers:
            raise click.ClickException(f"No MCP server named {name} in {config_path()}")
        del servers[name]
        write_raw(data)
    except ConfigFileError as ex:
        raise _fail(ex) from None
    manifest.forget(name)
    click.echo(f"Removed MCP server {name}", err=True)


@mcp.command(name="import")
@click.option(
    "sources",
    "--from",
    multiple=True,
    type=click.Choice(["claude", "cursor", "vscode", "codex"]),
    help="Only these applications (default: every one whose file exists)",
)
@click.option("--replace", is_flag=True, help="Replace servers of the same name")
def import_servers(sources: tuple[str, ...], replace: bool) -> None:
    """Import servers from Claude Desktop, Cursor, VS Code and Codex configuration files"""
    from .importers import found_servers

    try:
        data = read_raw()
    except ConfigFileError as ex:
        raise _fail(ex) from None
    servers = data.setdefault("mcpServers", {})
    added = 0
    for origin, name, entry, problem in found_servers(set(sources) or None):
        if problem:
            click.echo(f"Skipped {name} from {origin}: {problem}", err=True)
            continue
        if name in servers and not replace:
            click.echo(f"Skipped {name} from {origin}: exists already (--replace)", err=True)
            continue
        try:
            parse_server(name, entry, origin)
        except ConfigFileError as ex:
            click.echo(f"Skipped {name}: {ex}", err=True)
            continue
        servers[name] = entry
        added += 1
        click.echo(f"Imported {name} from {origin}", err=True)
    if added:
        try:
            write_raw(data)
        except ConfigFileError as ex:
            raise _fail(ex) from None
    click.echo(f"{added} server{'s' if added != 1 else ''} imported into {config_path()}", err=True)


def _server(name: str) -> Server:
    try:
        servers = load_servers()
    except ConfigFileError as ex:
        raise _fail(ex) from None
    if name not in servers:
        raise click.ClickException(f"No MCP server named {name} in {config_path()}")
    return servers[name]
