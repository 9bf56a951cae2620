"""The tool types that models and plugins exchange.

A ``Tool`` describes a function the model may call; a ``ToolCall`` is the model asking for one;
a ``ToolResult`` carries the output back. Running tool calls and chains of responses lives in
``llm.chain``; the built-in tools (``llm_version``, ``llm_time``) live in llm-tools and are
re-exported here lazily, because the original's plugins and tests import them from this module.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .identity import tool_hash

if TYPE_CHECKING:
    from .attachments import Attachment


class CancelToolCall(Exception):
    """Raised (e.g. by an approval callback) to stop a tool call from running."""


class PauseChain(Exception):
    """Raised by a tool (or ``before_call``) to pause a chain, e.g. to ask a person first.

    Other exceptions become error results sent back to the model; this one leaves
    ``execute_tool_calls()`` and the chain. Before it does, ``tool_call`` is set to the call
    that paused and ``tool_results`` to the results of the calls of the same round that
    finished (sync calls after the paused one are not run). Resume by starting the chain
    again with ``messages=`` a history that ends in the unanswered tool calls.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.tool_call: ToolCall | None = None
        self.tool_results: list[ToolResult] = []


#: The parameter a tool function declares to receive the ``ToolCall`` it runs for; it is
#: never part of the tool's input schema.
TOOL_CALL_PARAMETER = "llm_tool_call"


def _schema_for_function(function: Callable[..., Any]) -> dict[str, Any]:
    """A JSON schema for a function's parameters, built from its signature and annotations."""
    from pydantic import create_model

    fields: dict[str, Any] = {}
    hints = _type_hints(function)
    for name, parameter in inspect.signature(function).parameters.items():
        if name in ("self", TOOL_CALL_PARAMETER) or parameter.kind in (
            parameter.VAR_POSITIONAL,
            parameter.VAR_KEYWORD,
        ):
            continue
        annotation = hints.get(name, parameter.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = str
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[name] = (annotation, default)
    model_name = getattr(function, "__name__", "tool")
    return _schema_without_titles(create_model(f"{model_name}_arguments", **fields))


def _type_hints(function: Callable[..., Any]) -> dict[str, Any]:
    """Resolved annotations, so ``from __future__ import annotations`` code gets real types."""
    target = function.func if isinstance(function, functools.partial) else function
    try:
        return typing.get_type_hints(target)
    except Exception:  # an unresolvable forward reference: fall back to what is written
        return {}


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
    #: The toolbox instance this tool belongs to (its results are logged against it).
    toolbox: Toolbox | None = field(default=None, init=False, repr=False, compare=False)

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
    def function(
        cls, function: Callable[..., Any], name: str | None = None, description: str | None = None
    ) -> Tool:
        """A tool for a Python function: its docstring (or ``description``) describes it, its
        signature its input."""
        if not name and function.__name__ == "<lambda>":
            raise ValueError("Cannot create a Tool from a lambda function without providing name=")
        return cls(
            name=name or function.__name__,
            description=description or function.__doc__ or None,  # as written, like the original
            input_schema=_schema_for_function(function),
            implementation=function,
        )


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]
    tool_call_id: str | None = None


def with_tool_call_id(call: ToolCall) -> ToolCall:
    """The call itself when it has an id, else a copy with a new one (``tc_<ulid>``), so
    every call can be matched to its result."""
    if call.tool_call_id is not None:
        return call
    from ._ulid import ulid

    return dataclasses.replace(call, tool_call_id=f"tc_{ulid()}")


def accepts_tool_call(implementation: Callable[..., Any]) -> bool:
    """Whether a tool function names ``llm_tool_call`` (``**kwargs`` does not count)."""
    try:
        return TOOL_CALL_PARAMETER in inspect.signature(implementation).parameters
    except (TypeError, ValueError):
        return False


def call_arguments(implementation: Callable[..., Any], call: ToolCall) -> dict[str, Any]:
    """The keyword arguments to run a tool call with."""
    arguments = dict(call.arguments)
    if accepts_tool_call(implementation):
        arguments[TOOL_CALL_PARAMETER] = call
    return arguments


class ServerSideTool:
    """A tool the provider runs on its side (web search, code execution).

    Passed in ``tools=`` beside function tools: llm carries and checks it (a model accepts
    only the classes in its ``supported_server_side_tools``) but never runs it. Providers
    subclass it; the base class itself wraps a raw provider tool spec.
    """

    name: ClassVar[str] = "server_side_tool"
    plugin: ClassVar[str | None] = None
    implementation: ClassVar[None] = None
    input_schema: ClassVar[dict[str, Any]] = {}

    # ``dict``, as 0.36 writes it: ``llm tools -m MODEL`` shows this signature.
    def __init__(self, spec: dict | None = None) -> None:
        self.spec = spec
        self._config: dict[str, Any] = {"spec": spec}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        original_init = cls.__init__

        @functools.wraps(original_init)
        def __init__(self: ServerSideTool, *args: Any, **init_kwargs: Any) -> None:
            signature = inspect.signature(original_init)
            bound = signature.bind(self, *args, **init_kwargs)
            bound.apply_defaults()
            original_init(self, *args, **init_kwargs)
            # Its configuration, logged with the tool (named parameters only).
            variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
            self._config = {
                name: value
                for name, value in bound.arguments.items()
                if name != "self" and signature.parameters[name].kind not in variadic
            }

        cls.__init__ = __init__  # type: ignore[method-assign]

    @property
    def description(self) -> str | None:
        return inspect.getdoc(type(self))

    def tool_spec(self, model: Any) -> dict[str, Any]:
        """The tool's entry in the provider's request."""
        if self.spec is None:
            raise TypeError(f"{type(self).__name__} does not define a raw provider tool spec")
        return self.spec

    def prepare_request(self, model: Any, kwargs: dict[str, Any]) -> None:
        """Add anything else the tool needs to the provider's request arguments."""

    def hash(self) -> str:
        """Identifies the tool's definition (not its configuration)."""
        return tool_hash(
            self.name, self.description, self.input_schema, self.plugin, server_side=True
        )


@dataclass
class ToolResult:
    name: str
    output: str
    attachments: list[Attachment] = field(default_factory=list)
    tool_call_id: str | None = None
    instance: Toolbox | None = None
    exception: Exception | None = None


@dataclass
class ToolOutput:
    """What a tool may return instead of a plain value: output plus attachments (e.g. an
    image it made) that go back to the model with the result."""

    output: Any = None
    attachments: list[Attachment] = field(default_factory=list)


#: Toolbox members that are part of the Toolbox API, never tools (the original's names too).
_TOOLBOX_API = frozenset(
    {
        "tools",
        "toolbox_name",
        "member_tool_name",
        "method_names",
        "method_tools",
        "introspect_methods",
        "methods",
        "add_tool",
        "prepare",
        "prepare_async",
    }
)


class Toolbox:
    """A class whose public methods are tools, sharing configuration and state.

    Tools are named ``ClassName_method``. Arguments given to ``__init__`` are remembered in
    ``_config`` so a logged tool result can say how its toolbox was configured. ``prepare()``
    runs once before the toolbox's tools are first listed (it may ``add_tool()`` more);
    async chains also await ``prepare_async()`` once.
    """

    name: str | None = None
    instructions: str | None = None
    plugin: str | None = None
    #: The CLI asks before every call of this toolbox's tools, as ``--ta`` does for all tools.
    always_ask: bool = False
    instance_id: int | None = None  # its tool_instances row, once a result has been logged
    #: Public members that are not tools; a subclass may add its own names.
    _blocked: tuple[str, ...] = tuple(sorted(_TOOLBOX_API))
    _config: dict[str, Any]
    _prepared: bool = False
    _prepared_async: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:
            return
        original_init = cls.__init__

        @functools.wraps(original_init)  # keeps the real signature visible to spec parsing
        def __init__(self: Toolbox, *args: Any, **init_kwargs: Any) -> None:
            # The most derived __init__ records the configuration; a parent's __init__
            # reached through super() must not overwrite it with its own arguments.
            if type(self).__init__ is __init__:
                signature = inspect.signature(original_init)
                bound = signature.bind(self, *args, **init_kwargs)
                bound.apply_defaults()
                # Named parameters only: *args/**kwargs are not configuration to restore.
                variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
                self._config = {
                    name: value
                    for i, (name, value) in enumerate(bound.arguments.items())
                    if i > 0 and signature.parameters[name].kind not in variadic
                }
            original_init(self, *args, **init_kwargs)

        cls.__init__ = __init__  # type: ignore[method-assign]

    def __init__(self) -> None:
        self._config = {}

    @classmethod
    def toolbox_name(cls) -> str:
        return cls.name or cls.__name__

    @classmethod
    def member_tool_name(cls, method_name: str) -> str:
        """The name the model sees for one of this toolbox's tools (``-T Box.method`` picks
        it); a toolbox that names its tools another way overrides this.

        The class's own name, as llm 0.32-0.36 name them, not the name it is registered
        under: llm-tools-exa registers ``ExaTools`` as ``Exa`` and its tools are
        ``ExaTools_web_search`` & co., in requests and in the logs alike."""
        return f"{cls.__name__}_{method_name}"

    @classmethod
    def method_names(cls) -> list[str]:
        return [
            name
            for name, member in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_") and name not in _TOOLBOX_API and name not in cls._blocked
        ]

    @classmethod
    def methods(cls) -> list[Callable[..., Any]]:
        """The (unbound) methods that are tools, sorted by name."""
        return [getattr(cls, name) for name in cls.method_names()]

    @classmethod
    def introspect_methods(cls) -> list[dict[str, Any]]:
        """Name, description, argument schema and function of each tool method (for listing a
        toolbox class without configuring an instance)."""
        return [
            {
                "name": method.__name__,
                "description": method.__doc__.strip() if method.__doc__ is not None else None,
                "arguments": _schema_for_function(method),
                "implementation": method,
            }
            for method in cls.methods()
        ]

    def prepare(self) -> None:
        """Override for set-up (e.g. ``add_tool()`` calls) before the tools are first used."""

    async def prepare_async(self) -> None:
        """Override for asynchronous set-up; async chains await it once before first use."""

    def add_tool(self, tool_or_function: Any, pass_self: bool = False) -> None:
        """Add a tool to this instance beyond its methods; ``pass_self`` gives a function this
        toolbox as its first argument."""
        if isinstance(tool_or_function, Tool):
            tool = tool_or_function
        elif callable(tool_or_function):
            function = tool_or_function
            implementation = functools.partial(function, self) if pass_self else function
            tool = Tool(
                name=function.__name__,
                description=function.__doc__ or None,
                input_schema=_schema_for_function(implementation),
                implementation=implementation,
            )
        else:
            raise TypeError(f"Not a tool: {tool_or_function!r}")
        self.__dict__.setdefault("_extra_tools", []).append(tool)

    def _ensure_prepared(self) -> None:
        if not self._prepared:
            self._prepared = True
            self.prepare()

    def tools(self) -> list[Tool]:
        """One Tool per public method, bound to this instance, then any added tools."""
        self._ensure_prepared()
        result = []
        for method_name in self.method_names():
            method = getattr(self, method_name)
            result.append(Tool.function(method, name=self.member_tool_name(method_name)))
        result.extend(self.__dict__.get("_extra_tools", []))
        for tool in result:
            if tool.plugin is None:
                tool.plugin = self.plugin
            tool.toolbox = self
        return result

    def method_tools(self) -> list[Tool]:
        """The original's name for ``tools()``."""
        return self.tools()


def as_tools(items: list[Any] | None) -> list[Tool | ServerSideTool]:
    """Normalise what callers pass as ``tools=``: functions, Tool objects, Toolbox
    instances (or classes) and server-side tools."""
    tools: list[Tool | ServerSideTool] = []
    for item in items or []:
        if isinstance(item, Tool | ServerSideTool):
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


# The built-in tools live in llm-tools; ``from llm.tools import llm_version`` keeps working.
_BUILT_IN_TOOLS = ("llm_version", "llm_time")


def __getattr__(name: str) -> Any:
    if name in _BUILT_IN_TOOLS:
        from ._compat import sibling

        return getattr(sibling("tools", feature=f"llm.tools.{name}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
