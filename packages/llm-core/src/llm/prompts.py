"""The Prompt: everything a model is asked in one turn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schemas import resolve_schema
from .tools import Tool, ToolResult, as_tools

if TYPE_CHECKING:
    from .attachments import Attachment
    from .options import Options


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
        self.tools: list[Tool] = as_tools(tools)
        self.tool_results = list(tool_results or [])

    @property
    def prompt(self) -> str:
        """Fragments, then the prompt text, one per line (as the original joins them)."""
        return "\n".join([*self.fragments, *([self._prompt] if self._prompt else [])])

    @property
    def system(self) -> str:
        """System fragments, then the system text: stripped, blank ones dropped, and
        separated by a blank line (as the original joins them)."""
        bits = (bit.strip() for bit in [*self.system_fragments, self._system or ""])
        return "\n\n".join(bit for bit in bits if bit)

    @property
    def prompt_text(self) -> str | None:
        return self._prompt

    @property
    def system_text(self) -> str | None:
        return self._system

    def options_json(self) -> dict[str, Any]:
        """The options that were set, as stored in the logs."""
        return self.options.set_values()

    def __repr__(self) -> str:
        return f"<Prompt {self.prompt!r}>"
