"""Reading a log back: ``llm`` objects rebuilt from stored records (rows -> response).

The inverse of ``write``: the records are those ``LogStore.list_responses()`` /
``conversation_responses()`` return, and everything is built through llm-core's public
constructors (``Response.from_log``, ``Attachment.from_row``, ``ToolCall``, ``ToolResult``).
Used to continue a logged conversation (``llm -c`` / ``--cid``, ``llm chat -c``), with the
plugin tools it had and its toolboxes rebuilt from their logged configuration
(:func:`conversation_tools`). Imports no database library.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping, Sequence
from typing import Any

import llm

Record = Mapping[str, Any]


def attachment(record: Record) -> llm.Attachment:
    """An attachment as logged: its recorded ID, type, path (as recorded), URL and content."""
    return llm.Attachment.from_row(record)


def _fragment(record: Record) -> llm.Fragment:
    return llm.Fragment(record.get("content") or "", record.get("source") or "")


def _json_or_none(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return None


def tool_call(record: Record) -> llm.ToolCall:
    return llm.ToolCall(
        name=record.get("name") or "",
        arguments=_json_or_none(record.get("arguments")) or {},
        tool_call_id=record.get("tool_call_id"),
    )


def tool_result(record: Record) -> llm.ToolResult:
    return llm.ToolResult(
        name=record.get("name") or "",
        output=record.get("output") or "",
        tool_call_id=record.get("tool_call_id"),
    )


def _client_side(children: Sequence[Record]) -> list[Record]:
    """The tool calls or results that went between the model and us: a tool the provider ran
    itself (``server_executed``, shown by ``llm logs``) was neither asked of us nor sent back
    by us, and its output comes back with the provider's payload, not as a tool result."""
    return [child for child in children if not child.get("server_executed")]


def response(
    record: Record, model: Any, *, conversation: Any = None, use_async: bool = False
) -> llm.Response | llm.AsyncResponse:
    """A finished ``Response`` (``AsyncResponse`` with ``use_async``) for one logged record,
    for ``model``: its prompt and system prompt with their fragments (so a continued
    conversation shows the model what it saw, as the original does), attachments and tool
    results; its text, tool calls, JSON and usage."""
    prompt = llm.Prompt(
        record.get("prompt") or "",
        model,
        fragments=[_fragment(f) for f in record.get("prompt_fragments", [])],
        system=record.get("system"),
        system_fragments=[_fragment(f) for f in record.get("system_fragments", [])],
        attachments=[attachment(a) for a in record.get("attachments", [])],
        tool_results=[tool_result(r) for r in _client_side(record.get("tool_results", []))],
    )
    details = _json_or_none(record.get("token_details"))
    response_class = llm.AsyncResponse if use_async else llm.Response
    rebuilt: llm.Response | llm.AsyncResponse = response_class.from_log(
        model,
        prompt,
        record.get("response") or "",
        id=record["id"],
        conversation=conversation,
        tool_calls=[tool_call(c) for c in _client_side(record.get("tool_calls", []))],
        response_json=_json_or_none(record.get("response_json")),
        usage=llm.Usage(record.get("input_tokens"), record.get("output_tokens"), details),
        datetime_utc=record.get("datetime_utc"),
        duration_ms=record.get("duration_ms"),
    )
    return rebuilt


def conversation(
    records: Sequence[Record], model: Any, *, use_async: bool = False, tools: bool = False
) -> llm.Conversation | llm.AsyncConversation:
    """The conversation the records (oldest first, all of one conversation) belong to, with
    one finished response per record, ready for ``conversation.prompt()`` to continue it.

    With ``tools=True`` the conversation's plugin tools are enabled again
    (:func:`conversation_tools`; ``ToolsUnavailable`` when they cannot be), so
    ``conversation.chain()`` continues with them."""
    if not records:
        raise ValueError("A conversation needs at least one logged response")
    last = records[-1]
    rebuilt: llm.Conversation | llm.AsyncConversation = model.conversation()
    rebuilt.id = last.get("conversation_id") or rebuilt.id
    rebuilt.name = last.get("conversation_name")
    for record in records:
        rebuilt.responses.append(response(record, model, conversation=rebuilt, use_async=use_async))
    if tools:
        rebuilt.tools = conversation_tools(records)
    return rebuilt


# ---------------------------------------------------------------- a conversation's tools


class ToolsUnavailable(ValueError):
    """A logged conversation's tools cannot be enabled again: a plugin that provided them is
    no longer installed, or a toolbox's configuration is not in the logs. The message is one
    line fit to show a user."""


def _toolbox_names(registered: Mapping[str, Any]) -> list[str]:
    """The registered toolbox names, longest first (so ``Files_v2`` wins over ``Files``)."""
    names = [name for name, entry in registered.items() if isinstance(entry, type)]
    return sorted(names, key=len, reverse=True)


def _toolbox_for(
    tool_name: str, registered: Mapping[str, Any], results: Sequence[Record]
) -> str | None:
    """The registered toolbox a logged tool belongs to: by its ``Name_method`` prefix, or (a
    tool the toolbox added with ``add_tool()``) by the toolbox instance logged with its results."""
    boxes = _toolbox_names(registered)
    for box in boxes:
        # The toolbox's own naming rule (``Name_method``, or e.g. ``server__tool`` for an
        # MCP server registered as ``mcp:server``).
        naming = getattr(registered[box], "member_tool_name", None)
        prefix = naming("") if callable(naming) else box + "_"
        if tool_name.startswith(prefix):
            return box
    for result in results:
        if result.get("name") == tool_name and result.get("instance_name"):
            for box in boxes:
                if result["instance_name"] in (box, registered[box].__name__):
                    return box
    return None


def _logged_toolbox_name(tool_name: str, results: Sequence[Record]) -> str | None:
    """The toolbox a logged tool of a no-longer-registered toolbox belonged to, if it shows."""
    for result in results:
        if result.get("name") == tool_name and result.get("instance_name"):
            return str(result["instance_name"])
    head, underscore, _ = tool_name.partition("_")
    return head if underscore and head[:1].isupper() else None


def _logged_arguments(record: Record, what: str) -> dict[str, Any]:
    """The constructor arguments logged with a tool's instance (``tool_instances.arguments``)."""
    try:
        config = json.loads(record.get("instance_arguments") or "{}")
    except ValueError:
        config = None
    if not isinstance(config, dict):
        raise ToolsUnavailable(
            f"The logged configuration of {what} is not a JSON object:"
            f" {record.get('instance_arguments')!r}"
        )
    return config


def _logged_config(
    box: str, registered: Mapping[str, Any], results: Sequence[Record]
) -> dict[str, Any] | None:
    """The constructor arguments last logged for toolbox ``box`` in the conversation (None:
    none of its tools was called, so none was logged)."""
    config = None
    names = (box, registered[box].__name__)
    for result in results:
        if result.get("instance_name") not in names:
            continue
        if _toolbox_for(result.get("name") or "", registered, results) != box:
            continue
        config = _logged_arguments(result, f"toolbox {box}")
    return config


def _parameters(cls: type) -> list[inspect.Parameter] | None:
    """The constructor's parameters (None: it has no signature Python can read)."""
    try:
        return list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        return None


def _configured(box: str, cls: type, config: dict[str, Any]) -> llm.Toolbox:
    """A new instance of toolbox class ``cls`` built with the logged ``config``: positional-only
    parameters by position, the others by name."""
    args: list[Any] = []
    kwargs = dict(config)
    parameters = _parameters(cls)
    shown = json.dumps(config)
    if parameters is not None:
        for parameter in parameters:
            if parameter.kind is inspect.Parameter.POSITIONAL_ONLY and parameter.name in kwargs:
                args.append(kwargs.pop(parameter.name))
        try:
            inspect.signature(cls).bind(*args, **kwargs)
        except TypeError as ex:
            raise ToolsUnavailable(
                f"Toolbox {box} no longer accepts its logged configuration {shown}: {ex}"
            ) from None
    try:
        instance = cls(*args, **kwargs)
    except Exception as ex:
        raise ToolsUnavailable(
            f"Could not rebuild toolbox {box} with its logged configuration {shown}:"
            f" {type(ex).__name__}: {ex}"
        ) from None
    if not isinstance(instance, llm.Toolbox):  # pragma: no cover - the registry holds these
        raise ToolsUnavailable(f"{box} is not a toolbox")
    return instance


def _registered_tools() -> Mapping[str, Any]:
    return llm.get_tools()


def _server_side_class(
    logged: Record, supported: Sequence[type[llm.ServerSideTool]]
) -> type[llm.ServerSideTool] | None:
    """The model's server-side tool class a logged plugin-less tool was: by the name of its
    logged instance (``CodeInterpreter``), else by the name the model saw (``code_interpreter``)."""
    instance_name = logged.get("instance_name")
    for cls in supported:
        if instance_name == cls.__name__ or (not instance_name and logged.get("name") == cls.name):
            return cls
    return None


def _server_side_tool(cls: type[llm.ServerSideTool], logged: Record) -> llm.ServerSideTool:
    """A new ``cls`` configured as logged (its arguments that were set)."""
    config = _logged_arguments(logged, cls.__name__)
    given = {name: value for name, value in config.items() if value is not None}
    try:
        return cls(**given)
    except Exception as ex:
        raise ToolsUnavailable(
            f"Could not rebuild {cls.__name__} with its logged configuration"
            f" {json.dumps(given)}: {type(ex).__name__}: {ex}"
        ) from None


def conversation_tools(
    records: Sequence[Record],
    registered: Mapping[str, Any] | None = None,
    server_side: Sequence[type[llm.ServerSideTool]] = (),
    logged_server_side: Sequence[type[llm.ServerSideTool]] = (),
) -> list[llm.Tool | llm.Toolbox | llm.ServerSideTool]:
    """The tools to continue a logged conversation with, as ``llm -c`` uses them.

    These are the plugin tools its first response had (as the original reuses them), looked
    up in ``registered`` (default ``llm.get_tools()``). Each toolbox among them is a NEW
    instance built with the constructor arguments last logged for it in the conversation
    (``tool_instances``): its configuration comes back, state it kept in memory does not. A
    toolbox whose constructor takes no arguments needs no logged configuration. Tools from
    plain functions (no plugin) are not logged with their code and are left out.

    The provider's own tools it had (``CodeInterpreter(memory_limit="4g")``) come back too,
    configured as logged, when they are among ``server_side`` (the classes the continuing
    model supports). One the conversation's own model ran (``logged_server_side``) that the
    continuing model does not support is a ``ToolsUnavailable``, as llm 0.36 refuses it.

    Raises :class:`ToolsUnavailable` when a tool's plugin is no longer installed, or when a
    configurable toolbox was never called (so its configuration was never logged).
    """
    if not records:
        return []
    if registered is None:
        registered = _registered_tools()
    results = [result for record in records for result in record.get("tool_results", [])]
    enabled: list[llm.Tool | llm.Toolbox | llm.ServerSideTool] = []
    seen: set[str] = set()
    seen_boxes: set[str] = set()
    missing: list[str] = []
    missing_boxes: list[str] = []
    unsupported: list[str] = []
    for logged in records[0].get("tools", []):
        name = logged.get("name") or ""
        if name in seen:
            continue
        if not logged.get("plugin"):
            seen.add(name)
            provider_side = _server_side_class(logged, server_side)
            if provider_side is not None:
                enabled.append(_server_side_tool(provider_side, logged))
            elif (elsewhere := _server_side_class(logged, logged_server_side)) is not None:
                unsupported.append(elsewhere.__name__)
            continue
        seen.add(name)
        entry = registered.get(name)
        if isinstance(entry, llm.Tool):
            enabled.append(entry)
            continue
        box = _toolbox_for(name, registered, results)
        if box is None:
            gone = _logged_toolbox_name(name, results)
            if gone is None:
                missing.append(name)
            elif gone not in missing_boxes:
                missing_boxes.append(gone)
            continue
        if box in seen_boxes:
            continue
        seen_boxes.add(box)
        cls = registered[box]
        config = _logged_config(box, registered, results)
        if config is None:
            if _parameters(cls) != []:
                raise ToolsUnavailable(
                    f"Toolbox {box} was not called in this conversation, so the configuration"
                    f" it was given is not in the logs: give it again (-T '{box}(...)')"
                )
            config = {}
        enabled.append(_configured(box, cls, config))
    if unsupported:
        raise ToolsUnavailable(
            f"Server-side tool(s) {', '.join(unsupported)} used in this conversation are not"
            " supported by this model: continue with one that supports them (llm tools list"
            " -m MODEL), or choose other tools (-T)"
        )
    if missing_boxes:
        plural = "es" if len(missing_boxes) > 1 else ""
        raise ToolsUnavailable(
            f"Toolbox{plural} {', '.join(missing_boxes)} used in this conversation"
            f" {'are' if plural else 'is'} not installed: install the plugin that provides"
            f" {'them' if plural else 'it'}, or choose other tools (-T)"
        )
    if missing:
        raise ToolsUnavailable(
            "Tool(s) {} not found. Available tools: {}".format(
                ", ".join(missing), ", ".join(registered)
            )
        )
    return enabled


def conversation_tool_specs(
    records: Sequence[Record], registered: Mapping[str, Any] | None = None
) -> list[str]:
    """The plugin tools a logged conversation's first response had, as ``-T`` specs: a tool's
    name, a toolbox's name, or a configured toolbox with its logged constructor arguments
    (``Filesystem({"path": "/tmp"})``), and the provider's server-side tools it had, configured
    as logged. This is ``Conversation.loaded_tools`` (llm 0.32+).

    Unlike :func:`conversation_tools` nothing is built, so a tool whose plugin is gone, or a
    toolbox never called (whose configuration was never logged), is still named."""
    if not records:
        return []
    if registered is None:
        registered = _registered_tools()
    results = [result for record in records for result in record.get("tool_results", [])]
    specs: list[str] = []
    for logged in records[0].get("tools", []):
        name = logged.get("name") or ""
        if not logged.get("plugin"):
            # A provider's own tool (``CodeInterpreter``) is logged with an instance and no
            # plugin; a plain function has neither and is not named (its code is not logged).
            instance = logged.get("instance_name")
            if instance:
                arguments = logged.get("instance_arguments")
                spec = f"{instance}({arguments})" if arguments and arguments != "{}" else instance
                if spec not in specs:
                    specs.append(spec)
            continue
        box = (
            None
            if isinstance(registered.get(name), llm.Tool)
            else _toolbox_for(name, registered, results)
        )
        if box is None:
            spec = name if name in registered else _logged_toolbox_name(name, results) or name
        else:
            try:
                config = _logged_config(box, registered, results)
            except ToolsUnavailable:
                config = None
            spec = f"{box}({json.dumps(config)})" if config else box
        if spec not in specs:
            specs.append(spec)
    return specs
