"""The tools each server offered when it last ran, cached in ``mcp-tools.json``.

``llm tools list`` and the tool definitions sent to a model come from here, so neither starts a
server. The cache is refreshed every time a server starts (``llm mcp add``, ``llm mcp tools``,
a first call). An entry made for another command or URL (:meth:`Server.fingerprint`) is not
used. The file is only a cache: one that cannot be read is ignored and written anew.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llm.config import ConfigFileError, user_dir, write_atomic

from .config import Server

FILENAME = "mcp-tools.json"


def manifest_path() -> Path:
    return user_dir() / FILENAME


def _read_all() -> dict[str, Any]:
    try:
        data = json.loads(manifest_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def cached_tools(server: Server) -> list[dict[str, Any]] | None:
    """The tools (``name``, ``description``, ``inputSchema``) last listed for ``server``, or
    ``None`` when it has never been listed as it is configured now."""
    entry = _read_all().get(server.name)
    if not isinstance(entry, dict) or entry.get("fingerprint") != server.fingerprint():
        return None
    tools = entry.get("tools")
    if not isinstance(tools, list):
        return None
    return [tool for tool in tools if isinstance(tool, dict) and isinstance(tool.get("name"), str)]


def store_tools(server: Server, tools: list[dict[str, Any]]) -> None:
    """Record what ``server`` offers now; unchanged entries are not rewritten."""
    data = _read_all()
    entry = {"fingerprint": server.fingerprint(), "tools": tools}
    if data.get(server.name) == entry:
        return
    data[server.name] = entry
    try:
        write_atomic(manifest_path(), json.dumps(data, indent=1) + "\n", private=True)
    except ConfigFileError:
        pass  # a cache that cannot be written costs a server start next time, nothing more


def forget(name: str) -> None:
    data = _read_all()
    if data.pop(name, None) is not None:
        try:
            write_atomic(manifest_path(), json.dumps(data, indent=1) + "\n", private=True)
        except ConfigFileError:
            pass
