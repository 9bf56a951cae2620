"""Prompt templates: a reusable prompt, system prompt, model, options and parameters.

Template loaders registered by plugins return ``llm.Template`` objects; the CLI loads them
from YAML files too. Variables are ``$name`` (``$$`` for a literal dollar sign); ``$input``
is what the user typed or piped.
"""

from __future__ import annotations

import string
from typing import Any

from pydantic import BaseModel, ConfigDict


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    prompt: str | None = None
    system: str | None = None
    attachments: list[str] | None = None
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

    class MissingVariables(Exception):
        """A ``$variable`` the template uses was given no value."""

    def evaluate(
        self, input: str | None, params: dict[str, Any] | None = None
    ) -> tuple[str | None, str | None]:
        """The (prompt, system) this template produces for ``input`` and ``params``.

        A template with only a system prompt uses the input as the prompt; a prompt that
        does not mention ``$input`` gets the input appended on a new line.
        """
        values = {**(self.defaults or {}), **(params or {}), "input": input or ""}
        system = self.interpolate(self.system, values)
        if not self.prompt:
            return input, system
        prompt = self.interpolate(self.prompt, values)
        if input and "input" not in self.variables(self.prompt) and prompt is not None:
            prompt = f"{prompt}\n{input}" if prompt.strip() else input
        return prompt, system

    def vars(self) -> set[str]:
        """Every variable the prompt and system prompt use."""
        return self.variables(self.prompt) | self.variables(self.system)

    @staticmethod
    def variables(text: str | None) -> set[str]:
        if not text:
            return set()
        return {
            match.group("named") or match.group("braced")
            for match in string.Template.pattern.finditer(text)
            if match.group("named") or match.group("braced")
        }

    @classmethod
    def interpolate(cls, text: str | None, params: dict[str, Any]) -> str | None:
        if not text:
            return text
        missing = sorted(cls.variables(text) - set(params))
        if missing:
            raise cls.MissingVariables(f"Missing variables: {', '.join(missing)}")
        return string.Template(text).substitute({k: str(v) for k, v in params.items()})
