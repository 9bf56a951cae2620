"""An OpenAI chat-completions request read into what ``llm`` prompts are made of.

OpenAI's API is stateless: every request carries the whole conversation. The messages
before the last user (or tool) turn become the conversation's earlier responses, rebuilt
with ``Response.from_log`` exactly as ``llm -c`` rebuilds logged ones, so every plugin sees
the history the way it always does (``conversation.responses``).
"""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
from dataclasses import dataclass, field
from typing import Any

import llm

from .errors import bad_request

#: Request fields that map onto model options of the same name, when the model has one.
#: Clients send several of these by default, so one the model lacks is left out, not an error.
STANDARD_OPTIONS = (
    "temperature",
    "top_p",
    "max_tokens",
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "reasoning_effort",
)


@dataclass
class Turn:
    """One prompt to the model, and (for earlier turns) the assistant's answer to it."""

    prompt: str | None = None
    system: str | None = None
    attachments: list[llm.Attachment] = field(default_factory=list)
    tool_results: list[llm.ToolResult] = field(default_factory=list)
    text: str = ""
    tool_calls: list[llm.ToolCall] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.prompt or self.attachments or self.tool_results)


@dataclass
class ChatRequest:
    model: str
    stream: bool
    include_usage: bool
    history: list[Turn]
    current: Turn
    tools: list[llm.Tool]
    schema: dict[str, Any] | None
    options: dict[str, Any]


def _text_of(content: Any, role: str, index: int) -> tuple[str, list[llm.Attachment]]:
    """A message's text and attachments: a string, or a list of content parts."""
    if content is None:
        return "", []
    if isinstance(content, str):
        return content, []
    if not isinstance(content, list):
        raise bad_request(f"messages[{index}].content must be a string or a list of parts")
    texts: list[str] = []
    attachments: list[llm.Attachment] = []
    for number, part in enumerate(content):
        where = f"messages[{index}].content[{number}]"
        if not isinstance(part, dict):
            raise bad_request(f"{where} must be an object")
        kind = part.get("type")
        if kind == "text":
            texts.append(str(part.get("text") or ""))
        elif kind == "image_url" and role == "user":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            attachments.append(_attachment_from_url(url, where))
        elif kind == "input_audio" and role == "user":
            audio = part.get("input_audio") or {}
            data = _decode_base64(audio.get("data"), where)
            audio_format = str(audio.get("format") or "wav")
            attachments.append(llm.Attachment(type=f"audio/{audio_format}", content=data))
        elif kind == "file" and role == "user":
            file = part.get("file") or {}
            if not file.get("file_data"):
                raise bad_request(f"{where}: only inline files (file_data) are supported")
            attachments.append(_attachment_from_url(file["file_data"], where))
        elif kind == "refusal":
            texts.append(str(part.get("refusal") or ""))
        else:
            raise bad_request(f"{where}: unsupported content part type {kind!r} for {role}")
    return "".join(texts), attachments


def _decode_base64(data: Any, where: str) -> bytes:
    if not isinstance(data, str):
        raise bad_request(f"{where}: expected base64 data")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as ex:
        raise bad_request(f"{where}: invalid base64 data") from ex


def _attachment_from_url(url: Any, where: str) -> llm.Attachment:
    """A ``data:`` URL becomes content, an http(s) URL stays a URL (the model, or the
    plugin, fetches it); its type is guessed from the name when it ends in one."""
    if not isinstance(url, str) or not url:
        raise bad_request(f"{where}: missing url")
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        media_type = header[5:].split(";")[0] or None
        if ";base64" not in header:
            from urllib.parse import unquote_to_bytes

            return llm.Attachment(type=media_type, content=unquote_to_bytes(data))
        return llm.Attachment(type=media_type, content=_decode_base64(data, where))
    if url.startswith(("http://", "https://")):
        guessed, _ = mimetypes.guess_type(url.split("?")[0])
        return llm.Attachment(type=guessed, url=url)
    raise bad_request(f"{where}: only data: and http(s): URLs are supported")


def _tool_calls_of(message: dict[str, Any], index: int) -> list[llm.ToolCall]:
    calls = []
    for number, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not function.get("name"):
            raise bad_request(f"messages[{index}].tool_calls[{number}] needs a function name")
        raw = function.get("arguments") or "{}"
        try:
            arguments = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as ex:
            raise bad_request(
                f"messages[{index}].tool_calls[{number}].function.arguments is not JSON"
            ) from ex
        calls.append(
            llm.ToolCall(
                name=function["name"], arguments=arguments or {}, tool_call_id=call.get("id")
            )
        )
    return calls


def read_messages(messages: Any) -> tuple[list[Turn], Turn]:
    """The earlier turns (each with the assistant's answer) and the turn to answer now."""
    if not isinstance(messages, list) or not messages:
        raise bad_request("messages must be a non-empty list", "messages")
    history: list[Turn] = []
    turn = Turn()
    systems: list[str] = []
    tool_names: dict[str, str] = {}
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise bad_request(f"messages[{index}] must be an object", "messages")
        role = message.get("role")
        if role in ("system", "developer"):
            text, _ = _text_of(message.get("content"), role, index)
            systems.append(text)
        elif role == "user":
            text, attachments = _text_of(message.get("content"), role, index)
            turn.prompt = f"{turn.prompt}\n{text}" if turn.prompt else text
            turn.attachments += attachments
        elif role == "tool":
            call_id = message.get("tool_call_id")
            text, _ = _text_of(message.get("content"), role, index)
            turn.tool_results.append(
                llm.ToolResult(
                    name=tool_names.get(call_id or "", ""), output=text, tool_call_id=call_id
                )
            )
        elif role == "assistant":
            text, _ = _text_of(message.get("content"), role, index)
            turn.system = "\n\n".join(systems) or None
            turn.text = text
            turn.tool_calls = _tool_calls_of(message, index)
            for call in turn.tool_calls:
                if call.tool_call_id:
                    tool_names[call.tool_call_id] = call.name
            history.append(turn)
            turn = Turn()
        else:
            raise bad_request(f"messages[{index}].role {role!r} is not supported", "messages")
    turn.system = "\n\n".join(systems) or None
    if turn.is_empty():
        raise bad_request(
            "the last message must be from the user or a tool (nothing to answer)", "messages"
        )
    return history, turn


def read_tools(tools: Any) -> list[llm.Tool]:
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise bad_request("tools must be a list", "tools")
    found = []
    for number, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not function:
            raise bad_request(f"tools[{number}] must be a function tool", "tools")
        if not function.get("name"):
            raise bad_request(f"tools[{number}].function needs a name", "tools")
        found.append(
            llm.Tool(
                name=function["name"],
                description=function.get("description"),
                input_schema=function.get("parameters") or {},
            )
        )
    return found


def read_schema(response_format: Any) -> dict[str, Any] | None:
    """``response_format``: a JSON schema becomes the prompt's schema; ``json_object``
    asks for any object."""
    if response_format is None:
        return None
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "object"}
    if kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if not isinstance(schema, dict):
            raise bad_request("response_format.json_schema.schema must be an object")
        return schema
    raise bad_request(f"unsupported response_format type {kind!r}", "response_format")


def read_options(body: dict[str, Any], options_class: type[llm.Options]) -> dict[str, Any]:
    """Standard fields the model's options know, then ``options`` (any option of the
    model by its ``llm`` name, checked like ``-o``)."""
    fields = options_class.model_fields
    options: dict[str, Any] = {}
    values = dict(body)
    if values.get("max_completion_tokens") is not None and values.get("max_tokens") is None:
        values["max_tokens"] = values["max_completion_tokens"]
    for name in STANDARD_OPTIONS:
        if values.get(name) is not None and name in fields:
            options[name] = values[name]
    explicit = body.get("options")
    if explicit is not None:
        if not isinstance(explicit, dict):
            raise bad_request("options must be an object", "options")
        unknown = sorted(set(explicit) - set(fields))
        if unknown:
            raise bad_request(f"unknown option for this model: {', '.join(unknown)}", "options")
        options.update(explicit)
    return options


def read_chat_request(body: Any, options_class: type[llm.Options]) -> ChatRequest:
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("model is required", "model")
    history, current = read_messages(body.get("messages"))
    stream_options = body.get("stream_options") or {}
    if body.get("n") not in (None, 1):
        raise bad_request("only n=1 is supported", "n")
    return ChatRequest(
        model=model,
        stream=bool(body.get("stream")),
        include_usage=bool(
            isinstance(stream_options, dict) and stream_options.get("include_usage")
        ),
        history=history,
        current=current,
        tools=read_tools(body.get("tools")),
        schema=read_schema(body.get("response_format")),
        options=read_options(body, options_class),
    )
