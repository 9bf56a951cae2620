"""Prompt templates: a reusable prompt, system prompt, model, options and parameters.

Template loaders registered by plugins return ``llm.Template`` objects; the CLI loads them
from YAML files too. Variables are ``$name`` (``$$`` for a literal dollar sign); ``$input``
is what the user typed or piped.
"""

from __future__ import annotations

import string
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    prompt: str | None = None
    system: str | None = None
    attachments: list[str] | None = None
    # Each {"type": content type, "value": path or URL}, as the original writes them.
    attachment_types: list[dict[str, str]] | None = None
    model: str | None = None
    defaults: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    extract: bool | None = None
    extract_last: bool | None = None
    schema_object: dict[str, Any] | None = None
    fragments: list[str] | None = None
    system_fragments: list[str] | None = None
    tools: list[str] | None = None
    functions: str | None = None
    #: Models to try when ``model`` cannot answer (``llm.resilience``): one or a list.
    fallback: str | list[str] | None = None
    #: Whether this template came from the user's own files (their templates directory or a
    #: path they gave), as the original names it: only such a template may run its inline
    #: ``functions`` and, in the CLI, read local files. A URL's or a loader's stays False.
    _functions_is_trusted: bool = PrivateAttr(default=False)

    @field_validator("attachment_types")
    @classmethod
    def _type_and_value(cls, value: list[dict[str, str]] | None) -> list[dict[str, str]] | None:
        for item in value or []:
            if set(item) != {"type", "value"}:
                raise ValueError("each attachment type needs exactly 'type' and 'value'")
        return value

    class MissingVariables(Exception):
        """A ``$variable`` the template uses was given no value."""

    def evaluate(
        self, input: str | None, params: dict[str, Any] | None = None
    ) -> tuple[str | None, str | None]:
        """The (prompt, system) this template produces for ``input`` and ``params``.

        ``params`` win over the template's ``defaults``; ``$input`` is ``input``. A template
        without a prompt uses the input as the prompt. Combining a prompt that does not use
        ``$input`` with what the user typed is the caller's business (the CLI appends it).
        """
        values = {**(self.defaults or {}), **(params or {}), "input": input or ""}
        if not self.prompt:
            return input, self.interpolate(self.system, values)
        prompt = self.interpolate(self.prompt, values)
        return prompt, self.interpolate(self.system, values)

    def vars(self) -> set[str]:
        """Every variable the prompt and system prompt use."""
        return self.variables(self.prompt) | self.variables(self.system)

    @staticmethod
    def variables(text: str | None) -> set[str]:
        return set(_ordered_variables(text))

    @staticmethod
    def extract_vars(string_template: string.Template) -> list[str]:
        """The ``$name`` variables of a ``string.Template``, in order (the original's helper;
        ``${name}`` is not counted, as there)."""
        return [
            match.group("named")
            for match in string_template.pattern.finditer(string_template.template)
            if match.group("named")
        ]

    @classmethod
    def interpolate(cls, text: str | None, params: dict[str, Any]) -> str | None:
        if not text:
            return text
        missing = [name for name in _ordered_variables(text) if name not in params]
        if missing:
            raise cls.MissingVariables(f"Missing variables: {', '.join(missing)}")
        return string.Template(text).substitute({k: str(v) for k, v in params.items()})


def _ordered_variables(text: str | None) -> list[str]:
    """The variables ``text`` uses, each once, in order of first use."""
    if not text:
        return []
    found: dict[str, None] = {}
    for match in string.Template.pattern.finditer(text):
        name = match.group("named") or match.group("braced")
        if name:
            found.setdefault(name)
    return list(found)
