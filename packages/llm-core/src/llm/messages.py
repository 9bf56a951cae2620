"""Building the message chain a model is sent: ``Prompt.messages``.

``prompt.messages`` is exactly what the model is sent for a turn: the whole conversation so
far and this turn's input. Conversations, ``reply()`` and chains build it here, once: the
previous turn's messages and the assistant's answer, then a tool message for tool results,
then a user message with fragments, text and attachments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .parts import AttachmentPart, Message, TextPart, ToolCallPart, ToolResultPart
from .tools import ToolCall, ToolResult

if TYPE_CHECKING:
    from .attachments import Attachment


def format_tool_exception(exception: BaseException | str | None) -> str | None:
    """A tool's exception as a ``ToolResultPart`` records it: ``"ValueError: message"``."""
    if exception is None or isinstance(exception, str):
        return exception
    return f"{type(exception).__name__}: {exception}"


def tool_result_part(result: ToolResult, *, with_attachments: bool = True) -> ToolResultPart:
    return ToolResultPart(
        name=result.name,
        output=result.output,
        tool_call_id=result.tool_call_id,
        exception=format_tool_exception(result.exception),
        attachments=list(result.attachments or []) if with_attachments else [],
    )


def system_message(text: str) -> Message:
    return Message(role="system", parts=[TextPart(text=text)])


def append_turn_input(
    chain: list[Message],
    prompt: str | None,
    fragments: Sequence[Any] | None = None,
    attachments: Sequence[Attachment] | None = None,
    tool_results: Sequence[ToolResult] | None = None,
) -> list[Message]:
    """Add a turn's new input to ``chain`` (in place; returned too): a tool message with its
    tool results, then a user message with fragments and text (joined as ``Prompt.prompt``
    joins them) and attachments."""
    if tool_results:
        chain.append(Message(role="tool", parts=[tool_result_part(r) for r in tool_results]))
    parts: list[Any] = []
    text = "\n".join([*(str(f) for f in fragments or []), *([prompt] if prompt else [])])
    if text:
        parts.append(TextPart(text=text))
    parts.extend(AttachmentPart(attachment=a) for a in attachments or [])
    if parts:
        chain.append(Message(role="user", parts=parts))
    return chain


def append_tool_results(chain: list[Message], tool_results: Sequence[ToolResult]) -> list[Message]:
    """Add a chain round's tool results (in place; returned too): a tool message, then a user
    message with the attachments the tools returned."""
    if tool_results:
        chain.append(
            Message(
                role="tool",
                parts=[tool_result_part(r, with_attachments=False) for r in tool_results],
            )
        )
    attachments = [a for result in tool_results for a in result.attachments or []]
    if attachments:
        chain.append(
            Message(role="user", parts=[AttachmentPart(attachment=a) for a in attachments])
        )
    return chain


def history_after(response: Any) -> list[Message]:
    """Everything up to and including ``response``: what it was sent, then its answer."""
    return [*response.prompt.messages, *response._messages_now()]


def conversation_history(responses: Sequence[Any]) -> list[Message]:
    """The history through the last of ``responses``.

    A response made in this process was sent the whole history (``prompt.messages``), so the
    last one tells it all. Responses rebuilt from a log row (``-c``) know only their own turn:
    their turns are joined, each followed by its answer, the system prompt kept once.
    """
    chain: list[Message] = []
    for response in responses:
        if response.prompt._explicit_messages is not None:
            chain = list(response.prompt.messages)
        else:
            turn = response.prompt.messages
            if chain and turn and turn[0].role == "system" and turn[0] in chain:
                turn = turn[1:]
            chain.extend(turn)
        chain.extend(response._messages_now())
    return chain


def trailing_pending_tool_calls(messages: Iterable[Message]) -> list[ToolCall]:
    """The tool calls a history ends with that have no result yet.

    They are those of the last assistant message that asks for (client-side) tool calls,
    less those a later tool message answers (by call id; id-less calls by name, one result
    each). Nothing is pending once the history has moved on past them (any message after
    them that is not a tool message).
    """
    history = list(messages)
    last = None
    calls: list[ToolCallPart] = []
    for index, message in enumerate(history):
        asked = [p for p in message.parts if isinstance(p, ToolCallPart) and not p.server_executed]
        if message.role == "assistant" and asked:
            last, calls = index, asked
    if last is None:
        return []
    results: list[ToolResultPart] = []
    for message in history[last + 1 :]:
        if message.role != "tool":
            return []
        results.extend(p for p in message.parts if isinstance(p, ToolResultPart))
    answered_ids = {r.tool_call_id for r in results if r.tool_call_id}
    answered_names = [r.name for r in results if not r.tool_call_id]
    pending: list[ToolCall] = []
    for call in calls:
        if call.tool_call_id:
            if call.tool_call_id in answered_ids:
                continue
        elif call.name in answered_names:
            answered_names.remove(call.name)
            continue
        pending.append(
            ToolCall(name=call.name, arguments=call.arguments or {}, tool_call_id=call.tool_call_id)
        )
    return pending


def conversation_chain(
    conversation: Any,
    prompt: str | None,
    *,
    messages: Sequence[Message] | None = None,
    fragments: Sequence[Any] | None = None,
    attachments: Sequence[Attachment] | None = None,
    tool_results: Sequence[ToolResult] | None = None,
    system: str | None = None,
) -> list[Message]:
    """The chain for a conversation's next turn.

    ``messages`` given: they are the history. Otherwise the history is what the
    conversation's last response was sent plus its answer (or messages loaded from storage),
    or, on a first turn, the system prompt. The turn's input follows.
    """
    if messages is not None:
        chain = list(messages)
    elif getattr(conversation, "loaded_messages", None):
        chain = list(conversation.loaded_messages)
    elif conversation.responses:
        chain = conversation_history(conversation.responses)
    else:
        chain = [system_message(system)] if system else []
    return append_turn_input(chain, prompt, fragments, attachments, tool_results)
