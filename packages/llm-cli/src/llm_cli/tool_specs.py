"""Turning what the user typed into tools: ``--functions`` code and tool/toolbox specs.

``-T/--tool`` and ``--functions`` on ``llm prompt`` and ``llm chat`` (through
``tool_options.gather_tools``) and ``llm tools list`` all use these two functions.
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


def resolve_tool_spec(
    spec: str, registered: dict[str, llm.Tool | type[llm.Toolbox]]
) -> llm.Tool | llm.Toolbox:
    """A registered tool by name, or a toolbox configured from ``Name``, ``Name(...)``.

    Raises ``click.ClickException`` naming the problem for an unknown name or a bad spec.
    """
    name = spec.split("(", 1)[0].strip()
    entry = registered.get(name)
    if entry is None:
        available = ", ".join(registered)
        raise click.ClickException(f"Tool(s) {spec} not found. Available tools: {available}")
    if isinstance(entry, llm.Tool):
        if "(" in spec:
            raise click.ClickException(f"{name} is a tool, not a toolbox: it takes no arguments")
        return entry
    classes = {name: entry}
    try:
        instance = instantiate_from_spec(classes, spec)
    except ValueError as ex:
        raise click.ClickException(f"Invalid tool spec {spec!r}: {ex}") from None
    except Exception as ex:  # the toolbox's own __init__ refused its configuration
        raise click.ClickException(f"Could not create {name}: {type(ex).__name__}: {ex}") from None
    if not isinstance(instance, llm.Toolbox):  # pragma: no cover - registry only holds these
        raise click.ClickException(f"{name} is not a toolbox")
    return instance


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
