"""Turning what a model's ``execute()`` yields into stream events, and events into messages.

``execute()`` may yield plain strings (text, as plugins written for 0.26 do) or
``StreamEvent``s. ``EventAssembler`` records every chunk as an event, giving each event that
has no ``part_index`` one (consecutive text or reasoning share a part; tool-call fragments
group by ``tool_call_id``; each tool result is its own part), and assembles the events into
the parts of the response's assistant message(s).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .parts import Part, ReasoningPart, StreamEvent, TextPart, ToolCallPart, ToolResultPart

if TYPE_CHECKING:
    from .tools import ToolCall

_TOOL_CALL_EVENTS = ("tool_call_name", "tool_call_args")


def _family(event_type: str) -> str:
    return "tool_call" if event_type in _TOOL_CALL_EVENTS else event_type


class EventAssembler:
    """The events of one response, in order, and the part indexes given out so far."""

    def __init__(self) -> None:
        self.events: list[StreamEvent] = []
        self._highest = -1
        self._last_index: int | None = None
        self._last_family: str | None = None
        self._last_message = 0
        self._tool_call_indexes: dict[str, int] = {}

    def add(self, chunk: str | StreamEvent) -> str | None:
        """Record a chunk from ``execute()``; return its text if it is text, else None."""
        event = chunk if isinstance(chunk, StreamEvent) else StreamEvent(type="text", chunk=chunk)
        self._assign_index(event)
        self.events.append(event)
        return event.chunk if event.type == "text" else None

    def _new_index(self, family: str) -> int:
        self._highest += 1
        self._last_index = self._highest
        self._last_family = family
        return self._highest

    def _assign_index(self, event: StreamEvent) -> None:
        family = _family(event.type)
        if event.message_index != self._last_message:
            # Nothing joins across a message boundary.
            self._last_family = None
            self._last_index = None
        self._last_message = event.message_index
        is_tool_call = event.type in _TOOL_CALL_EVENTS

        if event.part_index is not None:
            self._highest = max(self._highest, event.part_index)
            if is_tool_call and event.tool_call_id:
                self._tool_call_indexes[event.tool_call_id] = event.part_index
            self._last_index = event.part_index
            self._last_family = family
            return

        if is_tool_call:
            if event.tool_call_id:
                known = self._tool_call_indexes.get(event.tool_call_id)
                if known is not None:
                    event.part_index = self._last_index = known
                    self._last_family = family
                    return
                event.part_index = self._new_index(family)
                self._tool_call_indexes[event.tool_call_id] = event.part_index
                return
            # No id (Gemini's parallel calls): arguments continue the latest call, while a
            # name always starts a new one.
            if (
                event.type == "tool_call_args"
                and self._last_family == "tool_call"
                and self._last_index is not None
            ):
                event.part_index = self._last_index
                return
            event.part_index = self._new_index(family)
            return

        if family != "tool_result" and self._last_family == family and self._last_index is not None:
            event.part_index = self._last_index
            return
        event.part_index = self._new_index(family)

    def message_parts(self, tool_calls: Iterable[ToolCall] = ()) -> list[list[Part]]:
        """The parts of each assistant message, in order. ``tool_calls`` (those added with
        ``response.add_tool_call()``) join the last message unless an event already
        carried the same call id."""
        groups: dict[int, list[StreamEvent]] = {}
        for event in self.events:
            groups.setdefault(event.part_index if event.part_index is not None else -1, []).append(
                event
            )
        by_message: dict[int, list[Part]] = {}
        for index, events in groups.items():
            part = _build_part(index, events)
            if part is not None:
                by_message.setdefault(events[0].message_index, []).append(part)
        messages = [parts for parts in by_message.values()] or [[]]

        seen_ids = {
            part.tool_call_id
            for parts in messages
            for part in parts
            if isinstance(part, ToolCallPart) and part.tool_call_id is not None
        }
        for call in tool_calls:
            if call.tool_call_id is None or call.tool_call_id not in seen_ids:
                messages[-1].append(
                    ToolCallPart(
                        name=call.name,
                        arguments=call.arguments or {},
                        tool_call_id=call.tool_call_id,
                    )
                )
        # Withheld reasoning is usually reported last (with the usage) but shown first.
        for i, parts in enumerate(messages):
            redacted = [p for p in parts if isinstance(p, ReasoningPart) and p.redacted]
            if redacted:
                messages[i] = redacted + [p for p in parts if p not in redacted]
        return [parts for parts in messages if parts]


def _merged_metadata(events: list[StreamEvent]) -> dict[str, Any] | None:
    merged: dict[str, Any] | None = None
    for event in events:
        if event.provider_metadata:
            merged = {**(merged or {}), **event.provider_metadata}
    return merged


def _build_part(index: int, events: list[StreamEvent]) -> Part | None:
    family = _family(events[0].type)
    for event in events:
        if _family(event.type) != family:
            raise ValueError(
                f"StreamEvent type {event.type!r} is incompatible with prior type at"
                f" part_index={index}. Allocate a new part_index for a different content type."
            )
    metadata = _merged_metadata(events)
    text = "".join(event.chunk for event in events)
    call_id = next((e.tool_call_id for e in events if e.tool_call_id), None)
    server_executed = any(e.server_executed for e in events)
    if family == "text":
        return TextPart(text=text, provider_metadata=metadata) if text else None
    if family == "reasoning":
        redacted = any(e.redacted for e in events)
        if not (text or redacted or metadata):
            return None
        return ReasoningPart(text=text, redacted=redacted, provider_metadata=metadata)
    if family == "tool_call":
        name = "".join(e.chunk for e in events if e.type == "tool_call_name")
        raw_arguments = "".join(e.chunk for e in events if e.type == "tool_call_args")
        try:
            arguments = json.loads(raw_arguments) if raw_arguments else {}
        except json.JSONDecodeError:
            arguments = {"_raw": raw_arguments}
        return ToolCallPart(
            name=name,
            arguments=arguments,
            tool_call_id=call_id,
            server_executed=server_executed,
            provider_metadata=metadata,
        )
    if family == "tool_result":
        return ToolResultPart(
            name=next((e.tool_name for e in events if e.tool_name), ""),
            output=text,
            tool_call_id=call_id,
            server_executed=server_executed,
            provider_metadata=metadata,
        )
    return None  # an event type this version does not know: nothing to assemble


def fallback_parts(text: str, tool_calls: Iterable[ToolCall]) -> list[list[Part]]:
    """The assistant message of a response that recorded no events (rebuilt from a log
    row): its text, then its tool calls."""
    parts: list[Part] = [TextPart(text=text)] if text else []
    parts.extend(
        ToolCallPart(name=c.name, arguments=c.arguments or {}, tool_call_id=c.tool_call_id)
        for c in tool_calls
    )
    return [parts] if parts else []
