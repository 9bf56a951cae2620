"""A configured MCP server as an ``llm`` toolbox: ``mcp:NAME`` on the command line.

Each server gets a :class:`ServerToolbox` subclass, registered as ``mcp:NAME``. Its tools are
the server's, named ``NAME__TOOL`` for the model, defined from the cached tool list (so
neither listing nor offering them starts the server); the server starts on the first call.
A server never listed before is started once to learn its tools.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, ClassVar

import llm

from . import manifest
from .config import Server

PREFIX = "mcp:"
#: What joins a server's name and its tool's name in the name the model sees.
SEPARATOR = "__"


def model_tool_name(server: str, tool: str) -> str:
    return f"{server}{SEPARATOR}{tool}"


_JSON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "array": list,
    "object": dict,
}


_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD


def signature_for(schema: dict[str, Any]) -> inspect.Signature:
    """A Python signature that shows a tool's JSON-schema arguments in ``llm tools list``."""
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    parameters = []
    for name, spec in sorted(properties.items(), key=lambda item: item[0] not in required):
        if not name.isidentifier():
            continue
        kind = spec.get("type") if isinstance(spec, dict) else None
        annotation = _JSON_TYPES.get(kind, Any) if isinstance(kind, str) else Any
        default = inspect.Parameter.empty if name in required else None
        parameters.append(
            inspect.Parameter(name, _POSITIONAL, default=default, annotation=annotation)
        )
    return inspect.Signature(parameters)


class ToolError(Exception):
    """The server answered the call with ``isError``: its text is what the model reads."""


def result_to_output(result: Any) -> llm.ToolOutput | str:
    """A ``CallToolResult`` as the tool's output: text joined; images and audio as
    attachments; ``isError`` raised as :class:`ToolError` with the server's text."""
    import base64

    texts: list[str] = []
    attachments: list[llm.Attachment] = []
    for block in result.content or []:
        kind = getattr(block, "type", None)
        if kind == "text":
            texts.append(block.text)
        elif kind in ("image", "audio"):
            attachments.append(
                llm.Attachment(type=block.mime_type, content=base64.b64decode(block.data))
            )
        elif kind == "resource":
            resource = block.resource
            if getattr(resource, "text", None) is not None:
                texts.append(resource.text)
            elif getattr(resource, "blob", None) is not None:
                attachments.append(
                    llm.Attachment(
                        type=resource.mime_type or "application/octet-stream",
                        content=base64.b64decode(resource.blob),
                    )
                )
        elif kind == "resource_link":
            texts.append(f"[resource: {block.uri}]")
    if not texts and result.structured_content is not None:
        texts.append(json.dumps(result.structured_content))
    text = "\n".join(texts)
    if result.is_error:
        raise ToolError(text or "the tool reported an error")
    return llm.ToolOutput(output=text, attachments=attachments) if attachments else text


class ServerToolbox(llm.Toolbox):
    """The tools of one MCP server. Subclasses made by :func:`toolbox_class` set ``server``."""

    server: ClassVar[Server]

    def __init__(self) -> None:
        self._config = {}

    @classmethod
    def listed_tools(cls, start: bool = False) -> list[dict[str, Any]]:
        """The server's tools the configuration lets through, from the cache; ``start``: when
        the cache has none, start the server to list them."""
        tools = manifest.cached_tools(cls.server)
        if tools is None and start:
            tools = fetch_tools(cls.server)
        return [tool for tool in tools or [] if cls.server.offers(tool["name"])]

    @classmethod
    def introspect_methods(cls) -> list[dict[str, Any]]:
        """For ``llm tools list``: the cached tools (the server is not started)."""
        return [
            {
                "name": tool["name"],
                "description": (tool.get("description") or "").strip() or None,
                "arguments": tool.get("inputSchema") or {},
                "implementation": _described(tool),
            }
            for tool in cls.listed_tools()
        ]

    @classmethod
    def member_tool_name(cls, method_name: str) -> str:
        return model_tool_name(cls.server.name, method_name)

    def prepare(self) -> None:
        for tool in self.listed_tools(start=True):
            self.add_tool(self._tool(tool))

    def _tool(self, listing: dict[str, Any]) -> llm.Tool:
        server = self.server
        name = listing["name"]

        async def call(**arguments: Any) -> Any:
            from .runtime import ServerError, runtime

            work = runtime()
            connection = work.connection(server)
            try:
                result = await work.run_async(connection.call(name, arguments))
            except ServerError as ex:
                # The model reads it as the tool's error; the user is told too (a warning on
                # stderr, where no logging is configured), since the model may not say.
                import logging

                logging.getLogger("llm_mcp_servers").warning("Warning: %s", ex)
                raise
            return result_to_output(result)

        call.__signature__ = signature_for(listing.get("inputSchema") or {})  # type: ignore[attr-defined]
        call.__name__ = model_tool_name(server.name, name)
        tool = llm.Tool(
            name=model_tool_name(server.name, name),
            description=listing.get("description"),
            input_schema=listing.get("inputSchema") or {"type": "object", "properties": {}},
            implementation=call,
        )
        return tool


def _described(listing: dict[str, Any]) -> Any:
    """A stand-in function whose signature shows the tool's arguments."""

    def tool(**arguments: Any) -> Any:
        raise NotImplementedError

    tool.__signature__ = signature_for(listing.get("inputSchema") or {})  # type: ignore[attr-defined]
    return tool


def fetch_tools(server: Server) -> list[dict[str, Any]]:
    """Start ``server`` (or use it, already started) and list its tools (which caches them)."""
    from .runtime import runtime

    work = runtime()
    return work.run(work.connection(server).tools())


def toolbox_class(server: Server) -> type[ServerToolbox]:
    """A toolbox class for one configured server, registered as ``mcp:NAME``."""
    name = PREFIX + server.name
    cls = type(
        f"MCPServer_{server.name.replace('-', '_')}",
        (ServerToolbox,),
        {
            "server": server,
            "name": name,
            "always_ask": server.always_ask,
            "__doc__": f"The tools of MCP server {server.name}",
        },
    )
    return cls
