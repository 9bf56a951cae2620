"""Turning what the user typed into tools: ``--functions`` code and tool/toolbox specs.

``-T/--tool`` and ``--functions`` on ``llm prompt`` and ``llm chat`` (through
``tool_options.gather_tools``) and ``llm tools list`` all use these two functions. A ``-T``
spec may also name one of the selected model's server-side tools (``WebSearch(...)``,
``CodeInterpreter(...)``: :func:`server_side_tools`), as in llm 0.32+.
"""

from __future__ import annotations

import inspect
import pathlib
from typing import Any

import click

import llm
from llm.utils import instantiate_from_spec


def tools_from_code(code_or_path: str) -> list[llm.Tool]:
    """Every public callable that Python code (or a ``.py`` file) defines, as a tool.

    The code is run here, in this process, with the user's permissions: it is the user's own
    code, named on their command line.
    """
    if "\n" not in code_or_path and code_or_path.endswith(".py"):
        try:
            code_or_path = pathlib.Path(code_or_path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise click.ClickException(f"File not found: {code_or_path}") from None
        except OSError as ex:
            raise click.ClickException(f"Cannot read {code_or_path}: {ex}") from None
    namespace: dict[str, Any] = {}
    try:
        exec(compile(code_or_path, "<--functions>", "exec"), namespace)
    except SyntaxError as ex:
        raise click.ClickException(f"Error in --functions definition: {ex}") from None
    except Exception as ex:
        raise click.ClickException(
            f"Error in --functions definition: {type(ex).__name__}: {ex}"
        ) from None
    tools = []
    for name, value in namespace.items():
        if name.startswith("_") or not callable(value):
            continue
        try:
            tools.append(llm.Tool.function(value))
        except (TypeError, ValueError) as ex:  # e.g. a class whose signature cannot be read
            raise click.ClickException(
                f"Cannot use {name} from --functions as a tool: {ex}"
            ) from None
    return tools


def server_side_tools(model: Any) -> list[type]:
    """The provider-executed tool classes a model accepts (``supported_server_side_tools``
    in llm 0.32+; models of plugins written before it have none)."""
    supported = getattr(model, "supported_server_side_tools", None)
    if supported is None:
        return []
    return list(supported() if callable(supported) else supported)


def server_side_tool(spec: str, classes: dict[str, type]) -> Any:
    """A server-side tool configured from ``Name`` or ``Name(...)`` (``classes``: the model's,
    by class name), or ``None`` when the spec names none of them."""
    name = spec.split("(", 1)[0].strip()
    cls = classes.get(name)
    if cls is None:
        return None
    try:
        return cls() if "(" not in spec else instantiate_from_spec({name: cls}, spec)
    except ValueError as ex:
        raise click.ClickException(f"Invalid tool spec {spec!r}: {ex}") from None
    except Exception as ex:  # the tool's own __init__ refused its configuration
        raise click.ClickException(f"Could not create {name}: {type(ex).__name__}: {ex}") from None


def registered_name(spec: str, registered: dict[str, llm.Tool | type[llm.Toolbox]]) -> str:
    """The name a spec looks up: ``Name`` of ``Name`` or ``Name(...)``, and ``Box`` of
    ``Box.tool`` (one tool of toolbox ``Box``) when ``Box.tool`` itself is not registered."""
    name = spec.split("(", 1)[0].strip()
    if name in registered:
        return name
    box, dot, member = name.partition(".")
    entry = registered.get(box)
    if dot and member and inspect.isclass(entry) and issubclass(entry, llm.Toolbox):
        return box
    return name


def lookup_names(specs: tuple[str, ...] | list[str]) -> list[str]:
    """The registered names specs may need, before the registry is known (to load only the
    plugins that provide them): ``Box`` for ``Box.tool``."""
    return [spec.split("(", 1)[0].strip().partition(".")[0] for spec in specs]


def resolve_tool_spec(
    spec: str, registered: dict[str, llm.Tool | type[llm.Toolbox]]
) -> llm.Tool | llm.Toolbox:
    """A registered tool by name, a toolbox configured from ``Name``, ``Name(...)``, or one
    tool of a toolbox that takes no configuration, ``Box.tool``.

    Raises ``click.ClickException`` naming the problem for an unknown name or a bad spec.
    """
    name = spec.split("(", 1)[0].strip()
    entry = registered.get(name)
    if entry is None and registered_name(spec, registered) != name:
        return _toolbox_member(name, registered)
    if entry is None:
        available = ", ".join(registered)
        raise click.ClickException(f"Tool(s) {spec} not found. Available tools: {available}")
    if isinstance(entry, llm.Tool):
        if "(" in spec:
            raise click.ClickException(f"{name} is a tool, not a toolbox: it takes no arguments")
        return entry
    return _configured_toolbox(name, entry, spec)


def _configured_toolbox(name: str, entry: type[llm.Toolbox], spec: str) -> llm.Toolbox:
    classes = {name: entry}
    try:
        # A bare name that is not an identifier (``mcp:files``) cannot be parsed as a spec:
        # it is built with no arguments.
        bare = "(" not in spec and not name.isidentifier()
        instance = entry() if bare else instantiate_from_spec(classes, spec)
    except ValueError as ex:
        raise click.ClickException(f"Invalid tool spec {spec!r}: {ex}") from None
    except Exception as ex:  # the toolbox's own __init__ refused its configuration
        raise click.ClickException(f"Could not create {name}: {type(ex).__name__}: {ex}") from None
    if not isinstance(instance, llm.Toolbox):  # pragma: no cover - registry only holds these
        raise click.ClickException(f"{name} is not a toolbox")
    return instance


def _toolbox_member(name: str, registered: dict[str, llm.Tool | type[llm.Toolbox]]) -> llm.Tool:
    """``Box.tool``: that one tool of a new ``Box()`` (logged against it like the others)."""
    box, _, member = name.partition(".")
    entry = registered[box]
    assert inspect.isclass(entry) and issubclass(entry, llm.Toolbox)
    instance = _configured_toolbox(box, entry, box)
    wanted = entry.member_tool_name(member)
    found = [tool for tool in instance.tools() if tool.name == wanted]
    if not found:
        names = [method["name"] for method in entry.introspect_methods()]
        raise click.ClickException(
            f"Toolbox {box} has no tool {member}. Its tools: {', '.join(names) or 'none'}"
        )
    return found[0]


def signature_text(function: Any, *, drop_self: bool = False) -> str:
    """A function's signature as ``llm tools list`` shows it: ``(text: str) -> str``."""
    try:
        signature = inspect.signature(function, eval_str=True)
    except (NameError, TypeError, ValueError, SyntaxError):
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            return "()"
    if drop_self:
        parameters = list(signature.parameters.values())
        if parameters and parameters[0].name == "self":
            signature = signature.replace(parameters=parameters[1:])
    return str(signature)
