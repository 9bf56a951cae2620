"""Tools on the command line: ``-T/--tool``, ``--functions``, ``--td``, ``--ta``, ``--cl``.

``llm prompt`` and ``llm chat`` declare these options with :data:`tool_options`, turn them into
tools with :func:`gather_tools` and run a chain with the callbacks :func:`chain_kwargs` builds.
Continuing a conversation (``-c``/``--cid``) with no ``-T`` re-enables the conversation's plugin
tools and rebuilds its toolboxes from the logs (:func:`conversation_tools`).
"""

from __future__ import annotations

import json
import os
import textwrap
from dataclasses import dataclass
from typing import Any

import click

import llm

from .render_output import before_notice
from .shared_options import stack_options
from .tool_specs import (
    lookup_names,
    registered_name,
    resolve_tool_spec,
    server_side_tool,
    server_side_tools,
    tools_from_code,
)

#: Characters of one tool result sent back to the model, unless ``LLM_TOOL_RESULT_LIMIT`` says
#: otherwise (0 means no limit). A runaway tool (a whole file, a huge query result) would
#: otherwise be sent, and paid for, in full.
DEFAULT_TOOL_RESULT_LIMIT = 100_000
TOOL_RESULT_LIMIT_ENV = "LLM_TOOL_RESULT_LIMIT"

tool_options = stack_options(
    click.option(
        "tools",
        "-T",
        "--tool",
        multiple=True,
        help="Name of a tool to make available to the model",
    ),
    click.option(
        "python_tools",
        "--functions",
        multiple=True,
        help="Python code block or file path defining functions to register as tools"
        " (the code runs locally, with your permissions)",
    ),
    click.option(
        "tools_debug",
        "--td",
        "--tools-debug",
        is_flag=True,
        envvar="LLM_TOOLS_DEBUG",
        help="Show full details of tool executions",
    ),
    click.option(
        "tools_approve",
        "--ta",
        "--tools-approve",
        is_flag=True,
        help="Manually approve every tool execution",
    ),
    click.option(
        "chain_limit",
        "--cl",
        "--chain-limit",
        type=click.IntRange(min=0),
        # llm.chain.DEFAULT_CHAIN_LIMIT (a test keeps them equal); not imported, for start-up.
        default=5,
        help="How many chained tool responses to allow, default 5, set 0 for unlimited",
    ),
)


@dataclass
class ToolSettings:
    """The tool options as given on the command line."""

    specs: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    debug: bool = False
    approve: bool = False
    chain_limit: int = 5


def gather_tools(
    specs: tuple[str, ...] | list[str],
    functions: tuple[str, ...] | list[str],
    model: Any = None,
) -> list[Any]:
    """The tools ``--functions`` code defines, then those ``-T`` names, in order: registered
    tools and toolboxes, and the server-side tools ``model`` supports (``WebSearch(...)``).

    Every unknown name is reported at once, as the original did; a malformed toolbox spec is
    an error naming the problem. Nothing runs a model before this succeeds.
    """
    tools: list[Any] = []
    for code in functions:
        tools.extend(tools_from_code(code))
    if not specs:
        return tools
    from llm.tool_registry import get_tools_named

    # Only the plugins of the tools named, when the plugin cache knows them.
    registered = get_tools_named(lookup_names(specs))
    provider_side = {
        cls.__name__: cls
        for cls in (server_side_tools(model) if model is not None else [])
        if cls.__name__ not in registered
    }
    unknown = [
        spec
        for spec in specs
        if registered_name(spec, registered) not in registered
        and registered_name(spec, registered) not in provider_side
    ]
    if unknown:
        raise click.ClickException(
            "Tool(s) {} not found. Available tools: {}".format(
                ", ".join(unknown), ", ".join([*registered, *provider_side])
            )
        )
    for spec in specs:
        if registered_name(spec, registered) in registered:
            tools.append(resolve_tool_spec(spec, registered))
        else:
            tools.append(server_side_tool(spec, provider_side))
    return tools


def conversation_tools(records: list[dict[str, Any]], model: Any = None) -> list[Any]:
    """The tools a continued conversation (``-c``/``--cid`` with no ``-T``) runs with: the
    plugin tools its first response had, each toolbox a new instance built with the
    configuration logged for it, and the server-side tools it had that ``model`` supports,
    configured as logged (``llm_storage.rebuild.conversation_tools``). Tools from
    ``--functions`` are not re-enabled: that code is not logged; give it again.
    """
    from llm_storage import rebuild

    supported = server_side_tools(model) if model is not None else []
    try:
        return list(
            rebuild.conversation_tools(
                records,
                server_side=supported,
                logged_server_side=_logged_model_server_side_tools(records, model, supported),
            )
        )
    except rebuild.ToolsUnavailable as ex:
        raise click.ClickException(str(ex)) from None


def _logged_model_server_side_tools(
    records: list[dict[str, Any]], model: Any, supported: list[type]
) -> list[type]:
    """The server-side tools the conversation's own model runs, to recognise them in its log
    when another model (``-m``) continues it."""
    logged_id = records[0].get("model") if records else None
    if not logged_id or model is None or logged_id == getattr(model, "model_id", None):
        return supported
    try:
        return server_side_tools(llm.get_model(logged_id))
    except llm.UnknownModelError:
        return []


def result_limit() -> int:
    """The size limit for one tool result, from ``LLM_TOOL_RESULT_LIMIT`` (0: no limit)."""
    value = os.environ.get(TOOL_RESULT_LIMIT_ENV)
    if value is None or not value.strip():
        return DEFAULT_TOOL_RESULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise click.ClickException(
            f"{TOOL_RESULT_LIMIT_ENV} must be a whole number of characters, not {value!r}"
        ) from None
    if limit < 0:
        raise click.ClickException(f"{TOOL_RESULT_LIMIT_ENV} cannot be negative")
    return limit


def limit_result(result: llm.ToolResult, limit: int) -> None:
    """Cut ``result`` to ``limit`` characters before it goes back to the model; say so."""
    if not limit or len(result.output) <= limit:
        return
    size = len(result.output)
    before_notice()
    result.output = (
        result.output[:limit] + f"\n[... truncated: {size:,} characters, limit {limit:,}]"
    )
    click.echo(
        click.style(
            f"Tool result from {result.name} truncated from {size:,} to {limit:,} characters"
            f" (set {TOOL_RESULT_LIMIT_ENV} to change the limit)",
            fg="yellow",
        ),
        err=True,
    )


def show_tool_call(tool_call: llm.ToolCall, result: llm.ToolResult) -> None:
    """``--td``: the call and its result (JSON indented) on standard error."""
    before_notice()
    click.echo(
        click.style(
            f"\nTool call: {tool_call.name}({tool_call.arguments})", fg="yellow", bold=True
        ),
        err=True,
    )
    try:
        output = json.dumps(json.loads(result.output), indent=2)
    except ValueError:
        output = result.output
    click.echo(click.style(textwrap.indent(output, "  ") + "\n", fg="green", bold=True), err=True)


def approve_tool_call(_tool: Any, tool_call: llm.ToolCall) -> None:
    """``--ta``: show the full call and ask; a "no" cancels the call (the model is told)."""
    before_notice()
    click.echo(
        click.style(f"Tool call: {tool_call.name}({tool_call.arguments})", fg="yellow", bold=True),
        err=True,
    )
    try:
        approved = click.confirm("Approve tool call?")
    except click.exceptions.Abort as ex:
        # click turns both Ctrl-C (or SIGTERM/SIGHUP: errors.Interrupted) and the end of
        # input into Abort; the first stops the run as an interrupt does, the second says
        # so. Either way the caller logs what the model answered before the question.
        if isinstance(ex.__context__, KeyboardInterrupt):
            raise ex.__context__ from None
        raise click.ClickException(
            "No answer to the tool approval prompt (end of input): the tool was not run"
        ) from None
    if not approved:
        raise llm.CancelToolCall("User cancelled tool call")


def approve_if_always_asked(tool: Any, tool_call: llm.ToolCall) -> None:
    """Without ``--ta``: ask only for the tools of a toolbox that says ``always_ask`` (an MCP
    server configured so, for example)."""
    if tool is not None and getattr(tool.toolbox, "always_ask", False):
        approve_tool_call(tool, tool_call)


def chain_kwargs(settings: ToolSettings) -> dict[str, Any]:
    """The ``chain()`` arguments for these settings: limit, approval, debug and size limit."""
    limit = result_limit()

    def after_call(_tool: Any, tool_call: llm.ToolCall, result: llm.ToolResult) -> None:
        limit_result(result, limit)  # first, so --td shows what the model gets
        if settings.debug:
            show_tool_call(tool_call, result)

    kwargs: dict[str, Any] = {"chain_limit": settings.chain_limit, "after_call": after_call}
    kwargs["before_call"] = approve_tool_call if settings.approve else approve_if_always_asked
    return kwargs


def describe_tools(tools: list[Any]) -> list[str]:
    """One line per enabled tool, for ``!tools`` in a chat."""
    lines: list[str] = []
    for entry in tools:
        for tool in entry.tools() if isinstance(entry, llm.Toolbox) else [entry]:
            description = (tool.description or "").strip().splitlines()
            lines.append(f"{tool.name}: {description[0]}" if description else tool.name)
    return lines


def start_prompt(prepared: Any, settings: ToolSettings, text: str | None, **kwargs: Any) -> Any:
    """The response for a prepared prompt: a plain ``prompt()``, or, when tools are enabled, a
    chain in the (new or continued) conversation that runs them."""
    if not prepared.tools:
        return (prepared.conversation or prepared.model).prompt(text, **kwargs)
    if prepared.conversation is None:
        prepared.conversation = prepared.model.conversation()
    return prepared.conversation.chain(
        text, tools=prepared.tools, **kwargs, **chain_kwargs(settings)
    )
