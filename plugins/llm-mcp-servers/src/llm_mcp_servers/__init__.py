"""llm-mcp-servers: the tools of Model Context Protocol servers, for every llm model.

Servers are configured in ``mcp.json`` in the user directory (the ``mcpServers`` format) and
used with ``-T mcp:NAME`` (all of a server's tools) or ``-T mcp:NAME.TOOL`` (one). The ``mcp``
SDK is imported only when a server is started: registering the toolboxes reads two small JSON
files and nothing else.

From Python::

    import llm, llm_mcp_servers
    model = llm.get_model("gpt-4.1-mini")
    print(model.chain("...", tools=[llm_mcp_servers.toolbox("files")]).text())
"""

from __future__ import annotations

import sys
from typing import Any

import llm

__all__ = ["toolbox"]


def toolbox(name: str) -> llm.Toolbox:
    """The tools of configured server ``name``, ready for ``tools=[...]``."""
    from .config import ServerConfigError, check_name, load_servers
    from .toolboxes import toolbox_class

    servers = load_servers()
    if check_name(name) not in servers:
        raise ServerConfigError(f"No MCP server named {name!r} in mcp.json")
    return toolbox_class(servers[name])()


@llm.hookimpl
def register_tools(register: Any) -> None:
    from llm.config import ConfigFileError

    from .config import load_servers
    from .toolboxes import toolbox_class

    try:
        servers = load_servers()
    except ConfigFileError as ex:  # tools of other plugins still work; say why ours are missing
        print(f"Warning: MCP servers not loaded: {ex}", file=sys.stderr)
        return
    for server in servers.values():
        if server.enabled:
            cls = toolbox_class(server)
            register(cls, cls.name)


@llm.hookimpl
def register_commands(cli: Any) -> None:
    from .commands import mcp

    cli.add_command(mcp)
