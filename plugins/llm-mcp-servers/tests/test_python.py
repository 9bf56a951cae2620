"""MCP tools from Python: sync and async chains, attachments, the registry."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from mcp_fixtures import stdio_entry, tool_calls, write_config
from mcp_test_server import PNG, WAV

import llm
import llm_mcp_servers
from llm_mcp_servers.config import ServerConfigError


def test_sync_chain_with_images_and_audio_as_attachments(user_path: Path) -> None:
    write_config(user_path, {"demo": stdio_entry()})
    model = llm.get_model("echo")
    box = llm_mcp_servers.toolbox("demo")
    chain = model.chain(
        tool_calls(("demo__picture", {}), ("demo__add", {"a": 1, "b": 2})), tools=[box]
    )
    chain.text()
    results = chain.responses_made()[1].prompt.tool_results
    picture, added = results
    assert picture.output == "a red dot"
    assert [(a.type, a.content) for a in picture.attachments] == [
        ("image/png", PNG),
        ("audio/wav", WAV),
    ]
    assert picture.instance is box
    assert added.output == "3"


def test_async_chain_and_the_registry(user_path: Path) -> None:
    write_config(user_path, {"demo": stdio_entry()})
    registered = llm.get_tools()
    assert "mcp:demo" in registered
    box = registered["mcp:demo"]()

    async def run() -> list[str]:
        model = llm.get_async_model("echo")
        chain = model.chain(tool_calls(("demo__add", {"a": 5, "b": 6})), tools=[box])
        await chain.text()
        return [r.output for r in chain.responses_made()[1].prompt.tool_results]

    assert asyncio.run(run()) == ["11"]


def test_tool_definitions_are_the_servers(user_path: Path) -> None:
    write_config(user_path, {"demo": stdio_entry(enabled_tools=["add"])})
    tools = llm_mcp_servers.toolbox("demo").tools()
    assert [(t.name, t.description) for t in tools] == [("demo__add", "Add two numbers")]
    schema = tools[0].input_schema
    assert schema["required"] == ["a", "b"]
    assert schema["properties"]["a"]["type"] == "integer"
    cached = json.loads((user_path / "mcp-tools.json").read_text())
    assert len(cached["demo"]["tools"]) == 8  # every tool cached; the filter applies on use


def test_unknown_server(user_path: Path) -> None:
    with pytest.raises(ServerConfigError, match="No MCP server named 'nope'"):
        llm_mcp_servers.toolbox("nope")


def test_results_are_converted_without_a_server() -> None:
    from mcp.types import CallToolResult, EmbeddedResource, TextContent, TextResourceContents

    from llm_mcp_servers.toolboxes import ToolError, result_to_output

    structured = CallToolResult(content=[], structured_content={"x": 1})
    assert result_to_output(structured) == '{"x": 1}'
    resource = CallToolResult(
        content=[
            TextContent(type="text", text="one"),
            EmbeddedResource(
                type="resource",
                resource=TextResourceContents(uri="file:///a", text="two", mime_type="text/plain"),
            ),
        ]
    )
    assert result_to_output(resource) == "one\ntwo"
    with pytest.raises(ToolError, match=r"^broken$"):
        result_to_output(
            CallToolResult(content=[TextContent(type="text", text="broken")], is_error=True)
        )
