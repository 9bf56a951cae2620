"""``mcp.json`` in the user directory: the servers, in the ``mcpServers`` format.

The format is the one Claude Desktop, Cursor, VS Code and Codex users already keep::

    {"mcpServers": {
        "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."],
                  "env": {"DEBUG": "1"}, "cwd": "/tmp"},
        "github": {"url": "https://api.example.com/mcp",
                   "headers": {"Authorization": "Bearer ${GITHUB_TOKEN}"}}}}

plus our own optional keys per server: ``enabled``, ``enabled_tools``, ``disabled_tools``,
``startup_timeout``, ``call_timeout`` (seconds) and ``always_ask``. Keys we do not know are
kept as they are. ``${VAR}`` in ``env``, ``headers``, ``args`` and ``url`` is expanded from the
environment when the server is used (:meth:`Server.expanded`), never when the file is written.

Reading this file imports only the standard library: ``llm tools list`` reads it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llm.config import ConfigFileError, read_json_object, user_dir, write_atomic

FILENAME = "mcp.json"
DEFAULT_STARTUP_TIMEOUT = 30.0
DEFAULT_CALL_TIMEOUT = 60.0

#: A server name: the model sees its tools as ``NAME__TOOL``, so it must be a valid part of a
#: function name for every provider (letters, digits, ``_`` and ``-``; no ``.``).
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ServerConfigError(ConfigFileError):
    """A server entry that cannot be used; the message names the file and the server."""


def config_path() -> Path:
    return user_dir() / FILENAME


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ServerConfigError(
            f"Invalid MCP server name {name!r}: use letters, digits, '_' and '-'"
            " (at most 48 characters, no '.')"
        )
    return name


def expand(text: str, environ: dict[str, str] | None = None) -> str:
    """``text`` with each ``${VAR}`` replaced from the environment; a variable that is not set
    is an error naming it (a header such as ``Bearer `` with nothing after it would fail
    later, less clearly)."""
    environ = dict(os.environ) if environ is None else environ

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise ServerConfigError(f"Environment variable {name} is not set (used in {FILENAME})")
        return environ[name]

    return _VARIABLE.sub(replace, text)


@dataclass
class Server:
    """One entry of ``mcpServers``, checked."""

    name: str
    command: str | None = None
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    enabled_tools: list[str] | None = None
    disabled_tools: list[str] = field(default_factory=list)
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT
    call_timeout: float = DEFAULT_CALL_TIMEOUT
    always_ask: bool = False

    @property
    def transport(self) -> str:
        return "stdio" if self.command else "http"

    def offers(self, tool_name: str) -> bool:
        """Whether ``enabled_tools``/``disabled_tools`` let the model see this tool."""
        if self.enabled_tools is not None and tool_name not in self.enabled_tools:
            return False
        return tool_name not in self.disabled_tools

    def fingerprint(self) -> str:
        """What identifies how the server is reached, as written (variables unexpanded): a
        cached tool list made for another command or URL is not used."""
        return json.dumps(
            [self.command, self.args, self.env, self.cwd, self.url, self.headers], sort_keys=True
        )

    def expanded(self) -> Server:
        """A copy with ``${VAR}`` expanded in args, env, cwd, url and headers."""
        return Server(
            name=self.name,
            command=self.command,
            args=[expand(arg) for arg in self.args],
            env={key: expand(value) for key, value in self.env.items()},
            cwd=expand(self.cwd) if self.cwd else None,
            url=expand(self.url) if self.url else None,
            headers={key: expand(value) for key, value in self.headers.items()},
            enabled=self.enabled,
            enabled_tools=self.enabled_tools,
            disabled_tools=self.disabled_tools,
            startup_timeout=self.startup_timeout,
            call_timeout=self.call_timeout,
            always_ask=self.always_ask,
        )

    def describe(self) -> str:
        """How the server is reached, for ``llm mcp list``."""
        if self.command:
            return " ".join([self.command, *self.args])
        return str(self.url)


def _strings(value: Any, what: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ServerConfigError(f"{where}: {what} must be a list of strings")
    return list(value)


def _string_map(value: Any, what: str, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(item, str | int | float) and not isinstance(item, bool)
        for key, item in value.items()
    ):
        raise ServerConfigError(f"{where}: {what} must be an object of strings")
    return {key: str(item) for key, item in value.items()}


def _seconds(value: Any, what: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ServerConfigError(f"{where}: {what} must be a positive number of seconds")
    return float(value)


def parse_server(name: str, entry: Any, path: Path | str = FILENAME) -> Server:
    """Check one ``mcpServers`` entry; an error names the file, the server and the key."""
    where = f"{path}: server {name!r}"
    if not _NAME.match(name):
        raise ServerConfigError(f"{where}: invalid name (letters, digits, '_' and '-'; no '.')")
    if not isinstance(entry, dict):
        raise ServerConfigError(f"{where} must be an object")
    command, url = entry.get("command"), entry.get("url")
    if (command is None) == (url is None):
        raise ServerConfigError(f'{where} needs either "command" (stdio) or "url" (HTTP)')
    if command is not None and (not isinstance(command, str) or not command):
        raise ServerConfigError(f"{where}: command must be a non-empty string")
    if url is not None and (not isinstance(url, str) or not url):
        raise ServerConfigError(f"{where}: url must be a non-empty string")
    server = Server(name=name, command=command, url=url)
    if "args" in entry:
        server.args = _strings(entry["args"], "args", where)
    if "env" in entry:
        server.env = _string_map(entry["env"], "env", where)
    if entry.get("cwd") is not None:
        if not isinstance(entry["cwd"], str):
            raise ServerConfigError(f"{where}: cwd must be a string")
        server.cwd = entry["cwd"]
    if "headers" in entry:
        server.headers = _string_map(entry["headers"], "headers", where)
    for flag in ("enabled", "always_ask"):
        if flag in entry:
            if not isinstance(entry[flag], bool):
                raise ServerConfigError(f"{where}: {flag} must be true or false")
            setattr(server, flag, entry[flag])
    # "disabled": true is what Claude Desktop and Cline write.
    if entry.get("disabled") is True:
        server.enabled = False
    if entry.get("enabled_tools") is not None:
        server.enabled_tools = _strings(entry["enabled_tools"], "enabled_tools", where)
    if "disabled_tools" in entry:
        server.disabled_tools = _strings(entry["disabled_tools"], "disabled_tools", where)
    for timeout in ("startup_timeout", "call_timeout"):
        if timeout in entry:
            setattr(server, timeout, _seconds(entry[timeout], timeout, where))
    return server


def read_raw(path: Path | None = None) -> dict[str, Any]:
    """The whole file as JSON (``{}`` when missing); ``mcpServers`` must be an object."""
    path = path or config_path()
    data = read_json_object(path)
    servers = data.get("mcpServers", {})
    if not isinstance(servers, dict):
        raise ServerConfigError(f'{path}: "mcpServers" must be an object')
    return data


def load_servers(path: Path | None = None) -> dict[str, Server]:
    """Every configured server by name, enabled or not; any bad entry is an error."""
    path = path or config_path()
    raw = read_raw(path).get("mcpServers", {})
    return {name: parse_server(name, entry, path) for name, entry in raw.items()}


def write_raw(data: dict[str, Any], path: Path | None = None) -> None:
    """Replace the file atomically, owner-only (headers and env may carry secrets)."""
    write_atomic(path or config_path(), json.dumps(data, indent=2) + "\n", private=True)
