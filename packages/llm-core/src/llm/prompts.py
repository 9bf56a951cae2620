"""The Prompt: everything a model is asked in one turn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schemas import resolve_schema
from .tools import Tool, ToolResult, as_tools

if TYPE_CHECKING:
    from .attachments import Attachment
    from .options import Options
    from .parts import Message
    from .tools import ServerSideTool


def combine_system(system: str | None, system_fragments: list[str] | None) -> str:
    """System fragments, then the system text: stripped, blank ones dropped, and separated
    by a blank line (as the original joins them)."""
    bits = (bit.strip() for bit in [*(system_fragments or []), system or ""])
    return "\n\n".join(bit for bit in bits if bit)


class Prompt:
    """A prompt: text, system prompt, fragments, attachments, options, schema and tools.

    ``prompt`` and ``system`` are the text a model should see: fragments first, then the text
    the user typed. ``prompt_text`` and ``system_text`` are just what the user typed.
    """

    def __init__(
        self,
        prompt: str | None,
        model: Any,
        *,
        fragments: list[str] | None = None,
        attachments: list[Attachment] | None = None,
        system: str | None = None,
        system_fragments: list[str] | None = None,
        prompt_json: dict[str, Any] | None = None,
        options: Options | dict[str, Any] | None = None,
        schema: Any = None,
        tools: list[Any] | None = None,
        tool_results: list[ToolResult] | None = None,
        messages: list[Message] | None = None,
        hide_reasoning: bool = False,
    ) -> None:
        self._prompt = prompt
        self._system = system
        self.model = model
        self.fragments = list(fragments or [])
        self.system_fragments = list(system_fragments or [])
        self.attachments = list(attachments or [])
        self.prompt_json = prompt_json
        if options is None or isinstance(options, dict):
            options = model.Options(**(options or {}))
        self.options: Options = options  # type: ignore[assignment]
        self.schema = resolve_schema(schema)
        self.tools: list[Tool | ServerSideTool] = as_tools(tools)
        self.tool_results = list(tool_results or [])
        #: Ask the model not to show its reasoning (plugins that can, honour it).
        self.hide_reasoning = hide_reasoning
        # A copy: the caller changing its list later must not change what was sent.
        self._explicit_messages = list(messages) if messages is not None else None

    @property
    def prompt(self) -> str:
        """Fragments, then the prompt text, one per line (as the original joins them)."""
        return "\n".join([*self.fragments, *([self._prompt] if self._prompt else [])])

    @property
    def system(self) -> str:
        """System fragments, then the system text: stripped, blank ones dropped, and
        separated by a blank line (as the original joins them)."""
        return combine_system(self._system, self.system_fragments)

    @property
    def prompt_text(self) -> str | None:
        return self._prompt

    @property
    def system_text(self) -> str | None:
        return self._system

    @property
    def messages(self) -> list[Message]:
        """Exactly what the model is sent for this turn.

        Conversations, ``reply()`` and chains pass the whole history as ``messages=``: then
        that is it. A prompt made without one is just this turn: the system prompt, a tool
        message with the tool results, and a user message with the text and attachments.
        """
        if self._explicit_messages is not None:
            return list(self._explicit_messages)
        from .messages import append_turn_input, system_message

        system = self.system
        chain = [system_message(system)] if system else []
        return append_turn_input(chain, self.prompt, None, self.attachments, self.tool_results)

    def options_json(self) -> dict[str, Any]:
        """The options that were set, as stored in the logs."""
        return self.options.set_values()

    def __repr__(self) -> str:
        return f"<Prompt {self.prompt!r}>"
