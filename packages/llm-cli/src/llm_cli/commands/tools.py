"""``llm tools``: the tools plugins provide, plus any defined with ``--functions``."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import click

import llm

from ..default_group import DefaultGroup
from ..tool_specs import resolve_tool_spec, server_side_tools, signature_text, tools_from_code


@click.group(cls=DefaultGroup, default="list")
def tools() -> None:
    """Manage tools that can be made available to LLMs"""


def _tool_json(name: str, tool: llm.Tool) -> dict[str, Any]:
    return {
        "name": name,
        "description": tool.description,
        "arguments": tool.input_schema,
        "plugin": tool.plugin,
    }


def _methods_of_instance(toolbox: llm.Toolbox) -> list[dict[str, Any]]:
    """A configured toolbox's tools, named as the model sees them (``Memory_get``)."""
    return [
        {
            "name": tool.name,
            "description": tool.description.strip() if tool.description else None,
            "arguments": tool.input_schema,
            "implementation": tool.implementation,
        }
        for tool in toolbox.tools()
    ]


def _methods_of_class(toolbox_class: type[llm.Toolbox]) -> list[dict[str, Any]]:
    """A toolbox class's tools, unconfigured, named as the model will see them (as 0.32+
    lists them: ``Memory_get``, not ``get``)."""
    return [
        {**method, "name": toolbox_class.member_tool_name(method["name"])}
        for method in toolbox_class.introspect_methods()
    ]


def _echo_tool(tool: llm.Tool) -> None:
    signature = signature_text(tool.implementation) if tool.implementation else "()"
    plugin = f" (plugin: {tool.plugin})" if tool.plugin else ""
    click.echo(f"{tool.name}{signature}{plugin}\n")
    if tool.description:
        click.echo(textwrap.indent(tool.description.strip(), "  ") + "\n")


def _echo_toolbox(name: str, methods: list[dict[str, Any]]) -> None:
    click.echo(f"{name}:\n")
    for method in methods:
        click.echo(
            f"  {method['name']}{signature_text(method['implementation'], drop_self=True)}\n"
        )
        if method["description"]:
            click.echo(textwrap.indent(method["description"].strip(), "    ") + "\n")


def _is_dynamic(toolbox_class: type[llm.Toolbox]) -> bool:
    """A toolbox whose tools exist only once it is configured and prepared (it overrides
    ``tools()`` or ``prepare()``, as llm-mcp-client's ``MCP`` does): 0.36 lists the class
    by its constructor, since it has no tools to show yet. A class that says what its tools
    are without being prepared (it overrides ``introspect_methods``, as llm-mcp-servers'
    toolboxes do from their cached manifest) is listed by those tools instead."""
    if toolbox_class.introspect_methods.__func__ is not llm.Toolbox.introspect_methods.__func__:  # type: ignore[attr-defined]
        return False
    return any(
        getattr(toolbox_class, method) is not getattr(llm.Toolbox, method)
        for method in ("tools", "prepare", "prepare_async")
    )


def _echo_dynamic_toolbox(name: str, toolbox_class: type[llm.Toolbox]) -> None:
    import inspect

    try:
        try:  # annotations as written (a module with ``from __future__ import annotations``)
            signature = inspect.signature(toolbox_class, eval_str=True)
        except NameError:
            signature = inspect.signature(toolbox_class)
        constructor = str(signature.replace(return_annotation=inspect.Signature.empty))
    except (ValueError, TypeError):
        constructor = "(...)"
    plugin = getattr(toolbox_class, "plugin", None)
    click.echo(f"{name}{constructor}{f' (plugin: {plugin})' if plugin else ''}\n")
    if toolbox_class.__doc__:
        click.echo(textwrap.indent(inspect.cleandoc(toolbox_class.__doc__), "  ") + "\n")


def _server_side_tool_json(tool: type) -> dict[str, Any]:
    import inspect

    try:
        signature = inspect.signature(tool, eval_str=True)
    except NameError:  # an annotation that names something not importable here
        signature = inspect.signature(tool)
    return {
        "name": tool.__name__,
        "description": inspect.getdoc(tool),
        "signature": str(signature.replace(return_annotation=inspect.Signature.empty)),
        "server_side": True,
    }


def _echo_server_side_tools(model_id: str, found: list[type]) -> None:
    click.echo(f"Server-side tools for {model_id} (executed by the provider):\n")
    for tool in found:
        described = _server_side_tool_json(tool)
        click.echo(f"{described['name']}{described['signature']}\n")
        if described["description"]:
            click.echo(textwrap.indent(described["description"], "  ") + "\n")


@tools.command(name="list")
@click.argument("tool_defs", nargs=-1)
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
@click.option("model_id", "-m", "--model", help="List tools supported by this model")
@click.option(
    "python_tools",
    "--functions",
    multiple=True,
    help="Python code block or file path defining functions to register as tools"
    " (the code runs on this machine)",
)
def tools_list(
    json_: bool,
    model_id: str | None,
    python_tools: tuple[str, ...],
    tool_defs: tuple[str, ...],
) -> None:
    """List available tools, optionally including tools supported by a model

    Name tools or configured toolboxes to list just those, for example:

    \b
        llm tools list llm_time 'Filesystem("/tmp")'

    With -m/--model, also list the server-side tools that model's provider runs.
    """
    server_side: list[type] | None = None
    if model_id:
        from ..models_lookup import load_model

        server_side = server_side_tools(load_model(model_id))
    registered = llm.get_tools()
    entries: dict[str, llm.Tool | type[llm.Toolbox] | llm.Toolbox]
    headings: dict[str, str] = {}  # a toolbox named by a spec is headed by it (``Memory():``)
    if tool_defs:
        entries = {}
        for spec in tool_defs:
            resolved = resolve_tool_spec(spec, registered)
            name = resolved.name if isinstance(resolved, llm.Tool) else resolved.toolbox_name()
            entries[name] = resolved
            headings[name] = spec
    else:
        entries = dict(registered)
    for code in python_tools:
        for tool in tools_from_code(code):
            entries[tool.name] = tool

    plain: list[tuple[str, llm.Tool]] = []
    # (name, heading, dynamic, the tools listed; None: a dynamic class, listed by constructor)
    boxes: list[tuple[str, str, bool, list[dict[str, Any]] | None]] = []
    for name, entry in sorted(entries.items()):
        if isinstance(entry, llm.Tool):
            plain.append((name, entry))
        elif isinstance(entry, llm.Toolbox):
            heading = headings.get(name, name)
            boxes.append((name, heading, _is_dynamic(type(entry)), _methods_of_instance(entry)))
        elif _is_dynamic(entry):
            boxes.append((name, name, True, None))
        else:
            boxes.append((name, name, False, _methods_of_class(entry)))

    if json_:
        output = {
            "tools": [_tool_json(name, tool) for name, tool in plain],
            "toolboxes": [
                {
                    "name": name,
                    "dynamic": is_dynamic,
                    "tools": [
                        {key: method[key] for key in ("name", "description", "arguments")}
                        for method in methods or []
                    ],
                }
                for name, _, is_dynamic, methods in boxes
            ],
        }
        if server_side is not None:
            output["server_side_tools"] = [_server_side_tool_json(t) for t in server_side]
        click.echo(json.dumps(output, indent=2))
        return
    for _, tool in plain:
        _echo_tool(tool)
    for name, heading, _, methods in boxes:
        if methods is None:
            toolbox_class = entries[name]
            assert isinstance(toolbox_class, type)
            _echo_dynamic_toolbox(name, toolbox_class)
        else:
            _echo_toolbox(heading, methods)
    if model_id and server_side:
        _echo_server_side_tools(model_id, server_side)
