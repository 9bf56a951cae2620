"""The tool types that models and plugins exchange.

A ``Tool`` describes a function the model may call; a ``ToolCall`` is the model asking for one;
a ``ToolResult`` carries the output back. Running chains of calls lives in llm-tools and the CLI.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .identity import tool_hash

if TYPE_CHECKING:
    from .attachments import Attachment


class CancelToolCall(Exception):
    """Raised (e.g. by an approval callback) to stop a tool call from running."""


def _schema_for_function(function: Callable[..., Any]) -> dict[str, Any]:
    """A JSON schema for a function's parameters, built from its signature and annotations."""
    from pydantic import create_model

    fields: dict[str, Any] = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        annotation = parameter.annotation
        if annotation is inspect.Parameter.empty:
            annotation = str
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[name] = (annotation, default)
    return _schema_without_titles(create_model(f"{function.__name__}_arguments", **fields))


def _remove_titles(value: Any) -> None:
    """Drop pydantic's generated ``title`` keys at every level, as the original does."""
    if isinstance(value, dict):
        title = value.get("title")
        if isinstance(title, str):
            del value["title"]
        for item in value.values():
            _remove_titles(item)
    elif isinstance(value, list):
        for item in value:
            _remove_titles(item)


def _schema_without_titles(model: Any) -> dict[str, Any]:
    schema: dict[str, Any] = model.model_json_schema()
    _remove_titles(schema)
    return schema


@dataclass
class Tool:
    name: str
    description: str | None = None
    input_schema: dict[str, Any] = field(default_factory=dict)
    implementation: Callable[..., Any] | None = None
    plugin: str | None = None  # the plugin that registered it, if any

    def __post_init__(self) -> None:
        if isinstance(self.input_schema, type) and hasattr(self.input_schema, "model_json_schema"):
            self.input_schema = _schema_without_titles(self.input_schema)  # a pydantic model
        if not self.input_schema:
            self.input_schema = {"type": "object", "properties": {}}

    def hash(self) -> str:
        """Identifies this tool's definition: the same definition always has the same hash.

        Computed exactly as the original computes it (key order kept, ``plugin`` only when
        set), so tools already recorded in an existing log database are recognised.
        """
        return tool_hash(self.name, self.description, self.input_schema, self.plugin)

    @classmethod
    def function(cls, function: Callable[..., Any], name: str | None = None) -> Tool:
        """A tool for a Python function: its docstring describes it, its signature its input."""
        if not name and function.__name__ == "<lambda>":
            raise ValueError("Cannot create a Tool from a lambda function without providing name=")
        return cls(
            name=name or function.__name__,
            description=function.__doc__ or None,  # as written, like the original
            input_schema=_schema_for_function(function),
            implementation=function,
        )


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]
    tool_call_id: str | None = None


@dataclass
class ToolResult:
    name: str
    output: str
    attachments: list[Attachment] = field(default_factory=list)
    tool_call_id: str | None = None
    instance: Toolbox | None = None
    exception: Exception | None = None


class Toolbox:
    """A class whose public methods are tools, sharing configuration and state.

    Tools are named ``ClassName_method``. Arguments given to ``__init__`` are remembered in
    ``_config`` so a logged tool result can say how its toolbox was configured.
    """

    name: str | None = None
    instructions: str | None = None
    plugin: str | None = None
    _config: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:
            return
        original_init = cls.__init__

        def __init__(self: Toolbox, *args: Any, **init_kwargs: Any) -> None:
            bound = inspect.signature(original_init).bind(self, *args, **init_kwargs)
            bound.apply_defaults()
            self._config = {k: v for k, v in bound.arguments.items() if k != "self"}
            original_init(self, *args, **init_kwargs)

        cls.__init__ = __init__  # type: ignore[method-assign]

    def __init__(self) -> None:
        self._config = {}

    @classmethod
    def toolbox_name(cls) -> str:
        return cls.name or cls.__name__

    @classmethod
    def method_names(cls) -> list[str]:
        return [
            name
            for name, member in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_") and name not in {"tools", "toolbox_name", "method_names"}
        ]

    def tools(self) -> list[Tool]:
        """One Tool per public method, bound to this instance."""
        result = []
        for method_name in self.method_names():
            method = getattr(self, method_name)
            tool = Tool.function(method, name=f"{self.toolbox_name()}_{method_name}")
            tool.plugin = self.plugin
            result.append(tool)
        return result


def as_tools(items: list[Any] | None) -> list[Tool]:
    """Normalise what callers pass as ``tools=``: functions, Tool objects or Toolbox instances."""
    tools: list[Tool] = []
    for item in items or []:
        if isinstance(item, Tool):
            tools.append(item)
        elif isinstance(item, Toolbox):
            tools.extend(item.tools())
        elif isinstance(item, type) and issubclass(item, Toolbox):
            tools.extend(item().tools())
        elif callable(item):
            tools.append(Tool.function(item))
        else:
            raise TypeError(f"Not a tool: {item!r}")
    return tools
