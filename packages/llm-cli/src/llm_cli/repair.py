"""Structured output that repairs itself: check an answer against its JSON schema and, when
it does not match, tell the model what is wrong and ask again (``--schema-retries``)."""

from __future__ import annotations

import json
from typing import Any


def validation_errors(text: str, schema: dict[str, Any]) -> list[str]:
    """What is wrong with ``text`` as an answer to ``schema``: empty when it matches.

    A schema that is not itself valid JSON schema cannot be checked; the model's provider
    had the last word on it, so nothing is reported."""
    import jsonschema  # only prompts with a schema pay for this import

    try:
        data = json.loads(text)
    except ValueError as ex:
        return [f"the answer is not valid JSON ({ex})"]
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError:
        return []
    errors = sorted(
        validator_class(schema).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]
    )
    return [f"{_where(error.absolute_path)}: {error.message}" for error in errors]


def _where(path: Any) -> str:
    """``items[0].age`` style location of an error; ``(root)`` for the whole answer."""
    where = ""
    for part in path:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where or "(root)"


def repair_prompt(errors: list[str]) -> str:
    """The follow-up prompt that asks the model to fix its answer."""
    listed = "\n".join(f"- {error}" for error in errors)
    return (
        "Your previous answer does not match the required JSON schema:\n"
        f"{listed}\n"
        "Reply again with only the corrected JSON, matching the schema."
    )


def conversation_for(response: Any) -> Any:
    """The conversation a follow-up to ``response`` belongs in: a one-off prompt becomes the
    first exchange of a new conversation, so the retry sees it and is logged alongside it."""
    conversation = response.conversation
    if conversation is None:
        conversation = response.model.conversation()
        conversation.responses.append(response)
        response.conversation = conversation
    return conversation
