"""What ``/responses`` (OpenAI's Responses API) sends and answers: request parameters, the
``input`` items of a conversation, and the summary of a result or a stream of events.

Reasoning models return opaque reasoning items (``encrypted_content``, with ``store: false``
nothing is kept on OpenAI's side) that must go back, verbatim and in order, with the next
request of the conversation, or the model loses its chain of thought between tool calls.
They are kept in the response's ``response_json["output"]`` (which is logged), so they
round-trip within a chain, with ``conversation.prompt()`` and with ``llm -c``.
"""

from __future__ import annotations

import json
from typing import Any

import llm
from llm.utils import remove_dict_none_values, simplify_usage_dict

from ..catalog import ModelSpec
from ..messages import attachment_part
from .summary import parse_arguments

#: Options that ``/responses`` names differently or not at all; the rest go as they are.
_NOT_SENT = frozenset(
    {"json_object", "chat_completions", "image_detail", "reasoning_effort", "reasoning_summary",
     "verbosity", "max_tokens", "logit_bias", "frequency_penalty", "presence_penalty", "stop",
     "seed"}
)  # fmt: skip
#: Chat Completions options the Responses API has no parameter for.
CHAT_ONLY_OPTIONS = ("logit_bias", "frequency_penalty", "presence_penalty", "stop", "seed")


def _value(option: Any) -> Any:
    """An enum option's value, or the option itself."""
    return getattr(option, "value", option)


def options_kwargs(prompt: Any, spec: ModelSpec, model: Any) -> dict[str, Any]:
    """The request parameters that come from the prompt's options, schema and tools (all but
    ``model``, ``input`` and ``stream``)."""
    options = prompt.options
    values = dict(options.set_values()) if hasattr(options, "set_values") else {}
    unsupported = [name for name in CHAT_ONLY_OPTIONS if values.get(name) is not None]
    if unsupported:
        raise llm.ModelError(
            f"The Responses API does not take {', '.join(unsupported)}: "
            "add -o chat_completions 1 to use Chat Completions instead"
        )
    kwargs: dict[str, Any] = {k: v for k, v in values.items() if k not in _NOT_SENT}
    if values.get("max_tokens") is not None:
        kwargs["max_output_tokens"] = values["max_tokens"]
    if spec.reasoning:
        kwargs["include"] = ["reasoning.encrypted_content"]
        reasoning: dict[str, Any] = {}
        summary = _value(values.get("reasoning_summary"))
        if spec.reasoning_summary and summary is None:
            summary = "auto"
        if summary and not getattr(prompt, "hide_reasoning", False):
            reasoning["summary"] = summary
        if values.get("reasoning_effort") is not None:
            reasoning["effort"] = _value(values["reasoning_effort"])
        if reasoning:
            kwargs["reasoning"] = reasoning
    text: dict[str, Any] = {}
    if getattr(prompt, "schema", None):
        text["format"] = {"type": "json_schema", "name": "output", "schema": prompt.schema}
    elif values.get("json_object"):
        text["format"] = {"type": "json_object"}
    if values.get("verbosity") is not None:
        text["verbosity"] = _value(values["verbosity"])
    if text:
        kwargs["text"] = text
    functions, server_side = server_side_split(model, getattr(prompt, "tools", None) or [])
    tools = [
        {
            "type": "function",
            "name": tool.name,
            **({"description": tool.description} if tool.description else {}),
            "parameters": tool.input_schema,
        }
        for tool in functions
    ]
    tools.extend(tool.tool_spec(model) for tool in server_side)
    if tools:
        kwargs["tools"] = tools
    return kwargs


def server_side_split(model: Any, tools: list[Any]) -> tuple[list[Any], list[Any]]:
    """Function tools and the provider's own tools (refusing those the model cannot run)."""
    from llm.models import _partition_tools

    return _partition_tools(model, tools)


def _image_detail(prompt: Any) -> str | None:
    return _value(getattr(getattr(prompt, "options", None), "image_detail", None))


def input_part(attachment: llm.Attachment, detail: str | None) -> dict[str, Any]:
    """One ``input_*`` content part for an attachment."""
    chat_part = attachment_part(attachment)
    if chat_part["type"] == "image_url":
        part = {"type": "input_image", "image_url": chat_part["image_url"]["url"]}
        if detail:
            part["detail"] = detail
        return part
    if chat_part["type"] == "file":
        return {"type": "input_file", **chat_part["file"]}
    return {"type": "input_audio", "input_audio": chat_part["input_audio"]}


def user_item(
    text: str | None, attachments: list[llm.Attachment], detail: str | None
) -> dict[str, Any] | None:
    if not attachments:
        return {"role": "user", "content": text} if text else None
    content: list[dict[str, Any]] = []
    if text:
        content.append({"type": "input_text", "text": text})
    content.extend(input_part(attachment, detail) for attachment in attachments)
    return {"role": "user", "content": content}


def function_call_item(call: llm.ToolCall) -> dict[str, Any]:
    return {
        "type": "function_call",
        "call_id": call.tool_call_id,
        "name": call.name,
        "arguments": json.dumps(call.arguments),
    }


def _prompt_items(prompt: llm.Prompt, detail: str | None) -> list[dict[str, Any]]:
    """Tool results for the previous turn (they answer its calls), then the user's turn."""
    items: list[dict[str, Any]] = [
        {"type": "function_call_output", "call_id": result.tool_call_id, "output": result.output}
        for result in prompt.tool_results
    ]
    user = user_item(prompt.prompt or None, list(prompt.attachments), detail)
    if user:
        items.append(user)
    return items


def _message_texts(output: list[Any]) -> list[str] | None:
    """The text of each message item of a response's output, in order; None when one of
    them is not plain text (a logged payload that refers to the response's text)."""
    texts = []
    for item in output:
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        pieces: list[str] = []
        for part in item.get("content") or []:
            if isinstance(part, dict) and part.get("type") == "output_text":
                if not isinstance(part.get("text"), str):
                    return None
                pieces.append(part["text"])
        texts.append("".join(pieces))
    return texts


def replayed_output(previous: Any) -> list[dict[str, Any]]:
    """What an earlier response said, as input items: its reasoning items verbatim, its
    function calls, and its text as an assistant message, in the order they came."""
    output = (getattr(previous, "response_json", None) or {}).get("output")
    if isinstance(output, list) and output:
        items: list[dict[str, Any]] = []
        # Each message on its own, as it came (a hosted tool's call may stand between two),
        # when their texts are all there; else the response's whole text once.
        texts = _message_texts(output)
        said = False
        for item in output:
            kind = item.get("type")
            if kind == "reasoning" and item.get("encrypted_content"):
                items.append(
                    {
                        "type": "reasoning",
                        "id": item["id"],
                        "encrypted_content": item["encrypted_content"],
                        "summary": item.get("summary") or [],
                    }
                )
            elif kind == "function_call":
                items.append(
                    {
                        "type": "function_call",
                        "call_id": item["call_id"],
                        "name": item["name"],
                        "arguments": json.dumps(parse_arguments(item.get("arguments") or "")),
                    }
                )
            elif kind == "message" and texts is not None:
                text = texts.pop(0)
                if text:
                    items.append({"role": "assistant", "content": text})
            elif kind == "message" and not said:
                # The text as the response holds it: the logged JSON refers to it instead
                # of repeating it (see llm_storage.condense).
                said = True
                text = previous.text_or_raise()
                if text:
                    items.append({"role": "assistant", "content": text})
        return items
    # A response from another API (Chat Completions, another model): its text and calls.
    items = []
    text = previous.text_or_raise()
    if text:
        items.append({"role": "assistant", "content": text})
    items.extend(function_call_item(call) for call in previous.tool_calls_or_raise())
    return items


def build_input(
    prompt: llm.Prompt, conversation: Any = None
) -> tuple[list[dict[str, Any]], str | None]:
    """The ``input`` items of the whole conversation and this prompt, and the
    ``instructions`` (the latest system prompt). A conversation's earlier responses are
    replayed from what they recorded (their reasoning items included, also when read back
    from the log); otherwise the prompt's messages are the history (``reply()``,
    ``messages=``)."""
    detail = _image_detail(prompt)
    if not getattr(conversation, "responses", None):
        from .from_messages import responses_input

        return responses_input(prompt.messages, user_item, detail)
    items: list[dict[str, Any]] = []
    instructions: str | None = None
    for previous in getattr(conversation, "responses", None) or []:
        instructions = previous.prompt.system or instructions
        items.extend(_prompt_items(previous.prompt, detail))
        items.extend(replayed_output(previous))
    instructions = prompt.system or instructions
    items.extend(_prompt_items(prompt, detail))
    return items, instructions


def record_usage(response: Any, usage: dict[str, Any] | None) -> None:
    if not usage:
        return
    details = {
        key: value
        for key, value in usage.items()
        if key.endswith("_details") and isinstance(value, dict)
    }
    response.set_usage(
        input=usage.get("input_tokens"),
        output=usage.get("output_tokens"),
        details=simplify_usage_dict(details) or None,
    )


def _as_dict(value: Any) -> dict[str, Any]:
    """An SDK object as the server sent it (no keys the SDK's model adds as None)."""
    if hasattr(value, "model_dump"):
        return dict(value.model_dump(exclude_unset=True))
    return dict(value)


def output_text(data: dict[str, Any]) -> str:
    return "".join(
        part.get("text") or ""
        for item in data.get("output") or []
        if item.get("type") == "message"
        for part in item.get("content") or []
        if part.get("type") == "output_text"
    )


def record_final(data: dict[str, Any], response: Any) -> None:
    """Tool calls, usage and ``response_json`` from a finished response's payload."""
    for item in data.get("output") or []:
        if item.get("type") == "function_call":
            response.add_tool_call(
                llm.ToolCall(
                    name=item.get("name", ""),
                    arguments=parse_arguments(item.get("arguments") or ""),
                    tool_call_id=item.get("call_id"),
                )
            )
    record_usage(response, data.get("usage"))
    response.response_json = remove_dict_none_values(data)


def reasoning_event(item: dict[str, Any], text: str = "", index: int | None = None) -> Any:
    """A reasoning item as a stream event: its visible summary, and what must go back to
    OpenAI next turn (``id``, ``encrypted_content``, with the item's ``summary`` as 0.36
    keeps it) as the part's provider metadata.
    ``index``: the item's place in the output, which is its part's index."""
    from llm.parts import StreamEvent

    kept = {key: item[key] for key in ("id", "encrypted_content", "summary") if item.get(key)}
    return StreamEvent(
        type="reasoning",
        chunk=text,
        part_index=None if index is None else 2 * index,
        provider_metadata={"openai": kept} if kept else None,
    )


#: OpenAI's hosted tools as they appear in the output: the call's name, its arguments and
#: its result, from the output item.
def _server_call(item: dict[str, Any]) -> tuple[str, dict[str, Any], str | None] | None:
    kind = item.get("type")
    if kind == "code_interpreter_call":
        logs = "".join(
            out.get("logs") or "" for out in item.get("outputs") or [] if out.get("type") == "logs"
        )
        return "code_interpreter", {"code": item.get("code") or ""}, logs
    if kind == "web_search_call":
        results = item.get("results")
        # without results (not asked for), the search's status, as 0.36 records it
        output = json.dumps(results) if results else item.get("status")
        return "web_search", item.get("action") or {}, output
    return None


def server_tool_events(
    item: dict[str, Any], index: int, message_index: int, *, named: bool = False
) -> list[Any]:
    """A hosted tool's call and result, marked as run by the provider (never run here,
    never sent back as a function call). ``named``: :func:`reserved_server_tool` already
    placed the call (its name) and its result, which these events complete."""
    from llm.parts import StreamEvent

    found = _server_call(item)
    if found is None:
        return []
    name, arguments, output = found
    call_id: str | None = item.get("id")
    events = [] if named else [
        StreamEvent(
            type="tool_call_name", chunk=name, part_index=2 * index,
            message_index=message_index, tool_call_id=call_id, server_executed=True,
        ),
    ]  # fmt: skip
    events.append(
        StreamEvent(
            type="tool_call_args", chunk=json.dumps(arguments), part_index=2 * index,
            message_index=message_index, tool_call_id=call_id, server_executed=True,
        )
    )  # fmt: skip
    if output is not None:
        events.append(
            StreamEvent(
                type="tool_result",
                chunk=output,
                part_index=2 * index + 1,
                message_index=message_index,
                tool_name=name,
                tool_call_id=call_id,
                server_executed=True,
            )
        )
    return events


def reserved_server_tool(item: dict[str, Any], index: int, message_index: int) -> list[Any]:
    """A streamed hosted tool whose arguments and result are complete only in the final
    payload (a web search's sources and results): its call and an empty result, so that
    both keep their place before the answer that follows them."""
    from llm.parts import StreamEvent

    name = "web_search"
    call_id: str | None = item.get("id")
    return [
        StreamEvent(
            type="tool_call_name", chunk=name, part_index=2 * index,
            message_index=message_index, tool_call_id=call_id, server_executed=True,
        ),
        StreamEvent(
            type="tool_result", chunk="", part_index=2 * index + 1, message_index=message_index,
            tool_name=name, tool_call_id=call_id, server_executed=True,
        ),
    ]  # fmt: skip


class MessageCounter:
    """Which assistant message an output item belongs to: a message that follows a hosted
    tool's call starts a new one when the current one already has a message of its own (a
    search, then its answer, is one message, as in 0.36)."""

    def __init__(self) -> None:
        self.index = 0
        self._after_tool = False
        self._has_message = False

    def item(self, item: dict[str, Any]) -> int:
        if item.get("type") == "message":
            if self._after_tool and self._has_message:
                self.index += 1
            self._after_tool = False
            self._has_message = True
        elif _server_call(item) is not None:
            self._after_tool = True
        return self.index


def text_event(text: str, index: int | None, message_index: int = 0) -> Any:
    from llm.parts import StreamEvent

    return StreamEvent(
        type="text",
        chunk=text,
        part_index=None if index is None else 2 * index,
        message_index=message_index,
    )


def _summary_text(item: dict[str, Any]) -> str:
    return "\n\n".join(p.get("text") or "" for p in item.get("summary") or [] if p.get("text"))


def record_result(result: Any, response: Any) -> list[Any]:
    """A non-streamed result: record it; return its reasoning (as events) and its text."""
    data = _as_dict(result)
    _raise_if_failed(data)
    record_final(data, response)
    pieces: list[Any] = []
    messages = MessageCounter()
    for index, item in enumerate(data.get("output") or []):
        message_index = messages.item(item)
        if item.get("type") == "reasoning":
            pieces.append(reasoning_event(item, _summary_text(item), index))
        elif item.get("type") == "message":
            text = "".join(
                part.get("text") or ""
                for part in item.get("content") or []
                if part.get("type") == "output_text"
            )
            if text:
                pieces.append(text_event(text, index, message_index))
        else:
            pieces.extend(server_tool_events(item, index, message_index))
    return pieces


def _raise_if_failed(data: dict[str, Any]) -> None:
    if data.get("status") == "failed" or data.get("error"):
        error = data.get("error") or {}
        raise llm.ModelError(error.get("message") or "The response failed")


def _doubled(index: int | None) -> int | None:
    """Part indexes leave room for a hosted tool's result after each output item."""
    return None if index is None else 2 * index


class ResponsesStreamSummary:
    """Fed the events of a ``/responses`` stream: text deltas are returned as they come,
    reasoning summaries are collected, and the final payload (``response.completed``) is
    what is recorded. A stream cut off before it keeps the items that were done."""

    def __init__(self) -> None:
        # A stream cut off mid-way fails as a connection error; one that ends cleanly is
        # complete, with or without a response.completed event (servers differ).
        self.finished = True
        self.final: dict[str, Any] | None = None
        self.items: dict[int, dict[str, Any]] = {}
        self.text = ""
        self.reasoning = ""
        self.streamed_reasoning: set[str | None] = set()
        self.messages = MessageCounter()
        self.searches: dict[str | None, tuple[int, int]] = {}

    def feed(self, event: Any) -> Any:
        """Take one event; return the text or reasoning event it adds, if any."""
        from llm.parts import StreamEvent

        data = _as_dict(event)
        kind = data.get("type")
        index = data.get("output_index")
        if kind == "response.output_text.delta":
            delta = data.get("delta") or ""
            self.text += delta
            return text_event(delta, index, self.messages.index) if delta else None
        if kind == "response.output_item.added":
            self.messages.item(data.get("item") or {})
        if kind == "response.reasoning_summary_text.delta":
            delta = data.get("delta") or ""
            self.reasoning += delta
            self.streamed_reasoning.add(data.get("item_id"))
            if not delta:
                return None
            return StreamEvent(type="reasoning", chunk=delta, part_index=_doubled(index))
        if kind == "response.reasoning_summary_part.added" and data.get("summary_index"):
            if data.get("item_id") in self.streamed_reasoning:
                return StreamEvent(type="reasoning", chunk="\n\n", part_index=_doubled(index))
        elif kind == "response.output_item.done":
            item = data.get("item") or {}
            self.items[data.get("output_index", len(self.items))] = item
            if item.get("type") == "reasoning":
                # The summary streamed already, unless the server sent none of it.
                streamed = item.get("id") in self.streamed_reasoning
                return reasoning_event(item, "" if streamed else _summary_text(item), index)
            if _server_call(item) is not None:
                message_index = self.messages.item(item)
                if item.get("type") == "web_search_call":
                    # Its sources and results are complete only in the final payload.
                    self.searches[item.get("id")] = (index or 0, message_index)
                    return reserved_server_tool(item, index or 0, message_index)
                return server_tool_events(item, index or 0, message_index)
        elif kind in ("response.completed", "response.incomplete"):
            self.final = data.get("response") or {}
            # The final payload's reasoning items are the ones to send back next turn, and
            # its web searches the complete ones.
            found: list[Any] = []
            for position, item in enumerate(self.final.get("output") or []):
                if item.get("type") == "reasoning":
                    found.append(reasoning_event(item, "", position))
                elif item.get("type") == "web_search_call":
                    where = self.searches.pop(item.get("id"), None)
                    found.extend(
                        server_tool_events(item, *(where or (position, 0)), named=bool(where))
                    )
            return found
        elif kind == "response.failed":
            _raise_if_failed(data.get("response") or {"status": "failed"})
        elif kind == "error":
            raise llm.ModelError(data.get("message") or "The response failed")
        return None

    def finish(self, response: Any) -> None:
        final = self.final
        if final is None:
            output = [item for _, item in sorted(self.items.items())]
            final = {"object": "response", "output": output}
        elif not final.get("output") and self.items:
            final = {**final, "output": [item for _, item in sorted(self.items.items())]}
        record_final(final, response)
