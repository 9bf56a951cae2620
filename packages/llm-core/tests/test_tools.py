"""Tool, Toolbox, ToolCall, ToolResult, CancelToolCall and Fragment."""

from __future__ import annotations

import hashlib
import json

import pytest

import llm


def upper(text: str) -> str:
    """Convert text to uppercase."""
    return text.upper()


def search(query: str, limit: int = 10, exact: bool = False, weight: float = 1.0) -> list[str]:
    """Search for things."""
    return []


def no_arguments():  # type: ignore[no-untyped-def]
    return "hi"


def untyped(value, other=None):  # type: ignore[no-untyped-def]
    return value


def test_tool_function_schema() -> None:
    tool = llm.Tool.function(upper)
    assert tool.name == "upper"
    assert tool.description == "Convert text to uppercase."
    assert tool.implementation is upper
    assert tool.input_schema == {
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
        "type": "object",
    }
    assert tool.plugin is None


def test_tool_function_schema_types_and_defaults() -> None:
    schema = llm.Tool.function(search).input_schema
    assert schema["required"] == ["query"]
    properties = schema["properties"]
    assert properties["query"] == {"type": "string"}
    assert properties["limit"] == {"type": "integer", "default": 10}
    assert properties["exact"] == {"type": "boolean", "default": False}
    assert properties["weight"] == {"type": "number", "default": 1.0}


def test_tool_function_without_arguments_or_annotations() -> None:
    tool = llm.Tool.function(no_arguments)
    assert tool.description is None
    assert tool.input_schema == {"properties": {}, "type": "object"}
    schema = llm.Tool.function(untyped).input_schema
    assert schema["properties"]["value"] == {"type": "string"}
    assert schema["required"] == ["value"]


def test_tool_function_custom_name_and_lambda() -> None:
    assert llm.Tool.function(upper, name="shout").name == "shout"
    with pytest.raises(ValueError, match="lambda"):
        llm.Tool.function(lambda x: x)
    assert llm.Tool.function(lambda x: x, name="identity").name == "identity"


def test_tool_hash_is_stable_and_compatible() -> None:
    tool = llm.Tool.function(upper)
    expected = hashlib.sha256(
        json.dumps(
            {
                "name": "upper",
                "description": "Convert text to uppercase.",
                "input_schema": tool.input_schema,
            }
        ).encode("utf-8")
    ).hexdigest()
    assert tool.hash() == expected
    assert llm.Tool.function(upper).hash() == expected
    tool.plugin = "llm-example"
    assert tool.hash() != expected


def test_tool_direct_construction() -> None:
    tool = llm.Tool(name="t", description="d")
    assert tool.input_schema == {"type": "object", "properties": {}}
    assert tool.implementation is None


class Memory(llm.Toolbox):
    def __init__(self, prefix: str = "", *, limit: int = 3) -> None:
        self.prefix = prefix
        self.limit = limit
        self._memory: dict[str, str] = {}

    def set(self, key: str, value: str) -> None:
        "Set something as a key"
        self._memory[key] = self.prefix + value

    def get(self, key: str) -> str:
        "Get something from a key"
        return self._memory.get(key) or ""

    def _private(self) -> None:
        pass


class Plain(llm.Toolbox):
    def ping(self) -> str:
        "Ping"
        return "pong"


def test_toolbox_tools_are_named_class_method() -> None:
    memory = Memory("p:")
    tools = {tool.name: tool for tool in memory.tools()}
    assert set(tools) == {"Memory_get", "Memory_set"}
    assert tools["Memory_set"].description == "Set something as a key"
    assert tools["Memory_set"].input_schema == {
        "properties": {"key": {"type": "string"}, "value": {"type": "string"}},
        "required": ["key", "value"],
        "type": "object",
    }
    # The tools are bound to this instance and share its state.
    tools["Memory_set"].implementation(key="name", value="Simon")  # type: ignore[misc]
    assert tools["Memory_get"].implementation(key="name") == "p:Simon"  # type: ignore[misc]
    assert memory._memory == {"name": "p:Simon"}


def test_toolbox_config_captures_init_arguments() -> None:
    assert Memory("x", limit=5)._config == {"prefix": "x", "limit": 5}
    assert Memory()._config == {"prefix": "", "limit": 3}
    assert Plain()._config == {}


def test_toolbox_passed_as_tools_to_a_prompt() -> None:
    class Toolish(llm.Model):
        model_id = "toolish"
        supports_tools = True

        def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def]
            yield " ".join(tool.name for tool in prompt.tools)

    memory = Memory()
    response = Toolish().prompt("x", tools=[memory, upper, llm.Tool(name="raw")])
    assert response.text() == "Memory_get Memory_set upper raw"
    with pytest.raises(TypeError):
        Toolish().prompt("x", tools=["not a tool"])


def test_tool_call_and_result() -> None:
    call = llm.ToolCall(name="upper", arguments={"text": "hi"})
    assert call.tool_call_id is None
    assert call == llm.ToolCall("upper", {"text": "hi"}, None)
    result = llm.ToolResult(name="upper", output="HI", tool_call_id="c1")
    assert result.attachments == []
    assert result.instance is None and result.exception is None
    assert result == llm.ToolResult("upper", "HI", tool_call_id="c1")
    with_box = llm.ToolResult("Memory_get", "", instance=Memory(), exception=ValueError("x"))
    assert isinstance(with_box.instance, llm.Toolbox)


def test_cancel_tool_call_is_an_exception() -> None:
    with pytest.raises(llm.CancelToolCall, match="not allowed"):
        raise llm.CancelToolCall("not allowed")
    assert issubclass(llm.CancelToolCall, Exception)


def test_fragment_is_a_str_with_a_source() -> None:
    fragment = llm.Fragment("some content", "file.txt")
    assert isinstance(fragment, str)
    assert fragment == "some content"
    assert fragment.source == "file.txt"
    assert fragment.id() == hashlib.sha256(b"some content").hexdigest()
    assert llm.Fragment("x").source == ""
    assert fragment.upper() == "SOME CONTENT"
    assert "\n".join([fragment, "more"]) == "some content\nmore"
