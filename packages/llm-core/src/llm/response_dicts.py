"""A response as JSON-safe data and back: ``Response.to_dict()`` / ``Response.from_dict()``.

The data (``llm.serialization.ResponseDict``) holds what continuing the conversation needs:
the model, the messages the response was sent, its answer as messages, and the options set;
its id, usage and start time too. Store it anywhere; ``from_dict()`` then ``reply()``
continues where it left off, in another process.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .parts import Message, TextPart, ToolCallPart
from .prompts import Prompt
from .tools import ToolCall

if TYPE_CHECKING:
    from .models import _BaseResponse
    from .serialization import ResponseDict

ResponseT = TypeVar("ResponseT", bound="_BaseResponse")


def response_to_dict(response: _BaseResponse) -> ResponseDict:
    prompt = response.prompt
    data: dict[str, Any] = {
        "model": response.model.model_id,
        "prompt": {"messages": [m.to_dict() for m in prompt.messages]},
        "messages": [m.to_dict() for m in response._messages_now()],
    }
    options = prompt.options.set_values()
    if options:
        data["prompt"]["options"] = options
    if prompt.system_text:
        data["prompt"]["system"] = prompt.system_text
    data["id"] = response.id
    usage = {
        key: value
        for key, value in (
            ("input", response.input_tokens),
            ("output", response.output_tokens),
            ("details", response.token_details),
        )
        if value is not None
    }
    if "input" in usage or "output" in usage:
        data["usage"] = usage
    if response._start_utcnow is not None:
        data["datetime_utc"] = response._start_utcnow.isoformat()
    return cast("ResponseDict", data)


def response_from_dict(cls: type[ResponseT], data: ResponseDict, *, model: Any = None) -> ResponseT:
    """A finished response of class ``cls`` (sync or async) from ``to_dict()`` data; the
    model is looked up by id unless given."""
    from .models import AsyncResponse

    if model is None:
        from .registry import get_async_model, get_model

        model = (get_async_model if issubclass(cls, AsyncResponse) else get_model)(data["model"])
    prompt_data = data.get("prompt") or {}
    sent = [Message.from_dict(m) for m in prompt_data.get("messages", [])]
    answer = [Message.from_dict(m) for m in data.get("messages", [])]
    prompt = Prompt(
        None,
        model,
        messages=sent,
        system=prompt_data.get("system"),
        options=model.Options(**(prompt_data.get("options") or {})),
    )
    response = cls(prompt, model, stream=False)
    if "id" in data:
        response.id = data["id"]
    parts = [part for message in answer for part in message.parts]
    response._chunks = [p.text for p in parts if isinstance(p, TextPart) and p.text]
    response._loaded_messages = answer
    # Calls the provider ran itself are not ours to run.
    response._tool_calls = [
        ToolCall(name=p.name, arguments=p.arguments or {}, tool_call_id=p.tool_call_id)
        for p in parts
        if isinstance(p, ToolCallPart) and not p.server_executed
    ]
    response._done = True
    usage = data.get("usage") or {}
    response.input_tokens = usage.get("input")
    response.output_tokens = usage.get("output")
    response.token_details = usage.get("details")
    if data.get("datetime_utc"):
        response._start_utcnow = datetime.datetime.fromisoformat(data["datetime_utc"])
    return response
