"""An MCP server for the tests, written with the SDK (``MCPServer``).

Run as a script it serves over stdio; ``--crash`` exits at once with a message on stderr,
``--hang`` never answers. :func:`http_app` is the same server over Streamable HTTP, behind a
check of the ``Authorization`` header.
"""

from __future__ import annotations

import base64
import os
import sys
import time
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Audio, Image

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)
#: The pipe stdout was when the process started (set when run as a script).
WIRE = 1
# An empty WAV file.
WAV = base64.b64decode("UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA=")


def build() -> MCPServer:
    server = MCPServer("llm-test")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two numbers"""
        return a + b

    @server.tool()
    def fail(message: str) -> str:
        """Report an error to the caller"""
        raise ToolError(message)

    @server.tool(structured_output=False)
    def picture() -> list[Any]:
        """A tiny PNG image and a sound, with a caption"""
        return ["a red dot", Image(data=PNG, format="png"), Audio(data=WAV, format="wav")]

    @server.tool()
    def environment(name: str) -> str:
        """The value of an environment variable in the server, and its working directory"""
        return f"{os.environ.get(name)} in {os.getcwd()}"

    @server.tool()
    def pid() -> int:
        """The server's process ID"""
        return os.getpid()

    @server.tool()
    def nap(seconds: float, pidfile: str = "") -> str:
        """Sleep, after writing the process ID to pidfile"""
        if pidfile:
            with open(pidfile, "w") as f:
                f.write(str(os.getpid()))
        time.sleep(seconds)
        return "rested"

    @server.tool()
    def die() -> str:
        """Exit in the middle of the call"""
        os._exit(3)

    @server.tool()
    def garbage() -> str:
        """Write something that is not JSON-RPC on stdout, then never answer"""
        # The SDK diverts fd 1 to stderr while it serves: write to the pipe behind it.
        os.write(WIRE, b"this is not json\n")
        time.sleep(3600)
        return "never"

    return server


def http_app(token: str) -> Any:
    """The server over Streamable HTTP; requests without ``Authorization: Bearer TOKEN`` get
    401 (so a test proves the configured headers are sent)."""
    app = build().streamable_http_app(stateless_http=False)

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            if headers.get(b"authorization") != f"Bearer {token}".encode():
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b"unauthorized"})
                return
        await app(scope, receive, send)

    return guarded


if __name__ == "__main__":
    print("test server starting", file=sys.stderr, flush=True)
    if "--crash" in sys.argv:
        print("cannot start: no configuration", file=sys.stderr)
        sys.exit(2)
    WIRE = os.dup(1)
    if "--hang" in sys.argv:
        time.sleep(3600)
    build().run()
