"""Where other applications keep their MCP servers, and how to read them (``llm mcp import``).

Claude Desktop and Cursor use the ``mcpServers`` format as we do; VS Code keeps ``servers``
with a ``type``; Codex keeps ``[mcp_servers.NAME]`` tables in ``~/.codex/config.toml``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: (origin, server name, entry in our format or None, why it was skipped or None)
Found = tuple[str, str, dict[str, Any], str | None]

_KEYS = ("command", "args", "env", "cwd", "url", "headers")


def _claude_desktop() -> list[Path]:
    home = Path.home()
    if sys.platform == "darwin":
        return [home / "Library/Application Support/Claude/claude_desktop_config.json"]
    if sys.platform == "win32":
        return [home / "AppData/Roaming/Claude/claude_desktop_config.json"]
    return [home / ".config/Claude/claude_desktop_config.json"]


def _vscode() -> list[Path]:
    home = Path.home()
    if sys.platform == "darwin":
        user = home / "Library/Application Support/Code/User/mcp.json"
    elif sys.platform == "win32":
        user = home / "AppData/Roaming/Code/User/mcp.json"
    else:
        user = home / ".config/Code/User/mcp.json"
    return [user, Path.cwd() / ".vscode/mcp.json"]


def locations() -> dict[str, list[Path]]:
    return {
        "claude": _claude_desktop(),
        "cursor": [Path.home() / ".cursor/mcp.json", Path.cwd() / ".cursor/mcp.json"],
        "vscode": _vscode(),
        "codex": [Path.home() / ".codex/config.toml"],
    }


def _entry(raw: Any) -> tuple[dict[str, Any], str | None]:
    """A server of another application in our format, or why it cannot be used."""
    if not isinstance(raw, dict):
        return {}, "not an object"
    kind = raw.get("type") or raw.get("transport")
    if kind == "sse":
        return {}, "SSE servers are not supported (only stdio and Streamable HTTP)"
    entry = {key: raw[key] for key in _KEYS if raw.get(key) is not None}
    if isinstance(raw.get("http_headers"), dict) and "headers" not in entry:  # Codex
        entry["headers"] = raw["http_headers"]
    if raw.get("disabled") is True or raw.get("enabled") is False:
        entry["enabled"] = False
    if "command" not in entry and "url" not in entry:
        return {}, "neither a command nor a url"
    return entry, None


def _servers_in(origin: str, path: Path) -> tuple[dict[str, Any], str | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as ex:
        return {}, f"cannot read it: {ex.strerror or ex}"
    try:
        if path.suffix == ".toml":
            import tomllib

            data: Any = tomllib.loads(text)
        else:
            data = json.loads(text) if text.strip() else {}
    except ValueError as ex:
        return {}, f"not valid: {ex}"
    if not isinstance(data, dict):
        return {}, "not an object"
    servers = data.get("mcpServers") or data.get("servers") or data.get("mcp_servers") or {}
    return (servers, None) if isinstance(servers, dict) else ({}, "its servers are not an object")


def found_servers(only: set[str] | None = None) -> Iterator[Found]:
    """Every server in the other applications' files that exist, in the order found."""
    for application, paths in locations().items():
        if only is not None and application not in only:
            continue
        for path in paths:
            if not path.is_file():
                continue
            origin = str(path)
            servers, problem = _servers_in(origin, path)
            if problem:
                yield origin, "(file)", {}, problem
                continue
            for name, raw in servers.items():
                entry, why = _entry(raw)
                yield origin, str(name), entry, why
