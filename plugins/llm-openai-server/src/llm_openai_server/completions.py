"""Running a chat request on a model, and its answer in OpenAI's shapes (a
``chat.completion``, or ``chat.completion.chunk`` server-sent events).

Async models run on the event loop. Sync-only models run on a worker thread each, handing
their chunks to the loop as they arrive, so a slow sync model never holds up other requests.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Executor
from typing import Any

import llm
from llm import ulid

from .catalog import ChatModel
from .chat_request import ChatRequest

_DONE = object()


def is_async(model: Any) -> bool:
    return isinstance(model, llm.AsyncModel | llm.AsyncKeyModel)


def start_response(entry: ChatModel, request: ChatRequest, conversation_id: str | None) -> Any:
    """The response to ``request``, not yet run, in a conversation holding its history
    (the async implementation when the model has one). Raises ValueError for a prompt the
    model refuses (attachment types, schemas, tools, options)."""
    model = entry.any
    response_class = llm.AsyncResponse if is_async(model) else llm.Response
    conversation = model.conversation()
    if conversation_id:
        conversation.id = conversation_id
    tools = request.tools or None
    for turn in request.history:
        prompt = llm.Prompt(
            turn.prompt,
            model,
            system=turn.system,
            attachments=turn.attachments,
            tool_results=turn.tool_results,
            tools=tools,
        )
        conversation.responses.append(
            response_class.from_log(
                model, prompt, turn.text, tool_calls=turn.tool_calls, conversation=conversation
            )
        )
    current = request.current
    return conversation.prompt(
        current.prompt or None,
        system=current.system,
        attachments=current.attachments or None,
        tool_results=current.tool_results or None,
        tools=tools,
        schema=request.schema,
        stream=request.stream,
        **request.options,
    )


def _sync_events(response: Any) -> Iterator[tuple[str, str]]:
    """(kind, text) pieces: "text", or "reasoning" where the model's stream says so."""
    stream_events = getattr(response, "stream_events", None)
    if stream_events is None:
        for chunk in response:
            yield "text", chunk
        return
    for event in stream_events():
        if event.type in ("text", "reasoning") and event.chunk:
            yield event.type, event.chunk


async def _async_events(response: Any) -> AsyncIterator[tuple[str, str]]:
    stream_events = getattr(response, "astream_events", None)
    if stream_events is None:
        async for chunk in response:
            yield "text", chunk
        return
    async for event in stream_events():
        if event.type in ("text", "reasoning") and event.chunk:
            yield event.type, event.chunk


async def _threaded_events(response: Any, executor: Executor) -> AsyncIterator[tuple[str, str]]:
    """A sync response run on a worker thread; its pieces come back through a queue. When
    the consumer stops early (the client went away) the thread stops at its next chunk."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    stop = threading.Event()

    def produce() -> None:
        try:
            for piece in _sync_events(response):
                loop.call_soon_threadsafe(queue.put_nowait, piece)
                if stop.is_set():
                    break
        except BaseException as ex:  # handed to the consumer, raised there
            loop.call_soon_threadsafe(queue.put_nowait, ex)
            return
        loop.call_soon_threadsafe(queue.put_nowait, _DONE)

    loop.run_in_executor(executor, produce)
    try:
        while (item := await queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def events(response: Any, executor: Executor) -> AsyncIterator[tuple[str, str]]:
    if isinstance(response, llm.AsyncResponse):
        return _async_events(response)
    return _threaded_events(response, executor)


# ------------------------------------------------------------------ OpenAI's shapes


def completion_id() -> str:
    return f"chatcmpl-{ulid()}"


def assign_tool_call_ids(response: Any) -> None:
    """Give each tool call the model left without an ID one, before it is logged, so the
    log and the client see the same ID."""
    for call in response.tool_calls_or_raise():
        if not call.tool_call_id:
            call.tool_call_id = f"call_{ulid()}"


def tool_calls_json(response: Any) -> list[dict[str, Any]]:
    """The response's tool calls, for the client to run."""
    assign_tool_call_ids(response)
    calls = []
    for call in response.tool_calls_or_raise():
        calls.append(
            {
                "id": call.tool_call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
        )
    return calls


def usage_json(response: Any) -> dict[str, Any]:
    prompt_tokens = response.input_tokens or 0
    completion_tokens = response.output_tokens or 0
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    details = response.token_details or {}
    if isinstance(details, dict):
        for key in ("prompt_tokens_details", "completion_tokens_details"):
            if isinstance(details.get(key), dict):
                usage[key] = details[key]
    return usage


def finish_reason(calls: list[dict[str, Any]]) -> str:
    return "tool_calls" if calls else "stop"


def completion_json(
    response: Any, model_name: str, reasoning: str, created: int | None = None
) -> dict[str, Any]:
    calls = tool_calls_json(response)
    text = response.text_or_raise()
    message: dict[str, Any] = {"role": "assistant", "content": text or (None if calls else "")}
    if calls:
        message["tool_calls"] = calls
    if reasoning:
        message["reasoning_content"] = reasoning
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": created or int(time.time()),
        "model": model_name,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish_reason(calls),
            }
        ],
        "usage": usage_json(response),
    }


class ChunkWriter:
    """``chat.completion.chunk`` events for one streamed answer, as SSE lines."""

    def __init__(self, model_name: str) -> None:
        self.id = completion_id()
        self.created = int(time.time())
        self.model_name = model_name

    def _event(self, choices: list[dict[str, Any]], **extra: Any) -> bytes:
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model_name,
            "system_fingerprint": None,
            "choices": choices,
            **extra,
        }
        return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"

    def delta(self, delta: dict[str, Any], reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}
        return self._event([choice])

    def usage(self, response: Any) -> bytes:
        return self._event([], usage=usage_json(response))

    @staticmethod
    def error(body: dict[str, Any]) -> bytes:
        return b"data: " + json.dumps(body).encode() + b"\n\n"

    DONE = b"data: [DONE]\n\n"
