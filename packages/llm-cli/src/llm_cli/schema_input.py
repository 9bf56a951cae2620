"""``--schema`` / ``--schema-multi``: a JSON schema from what the user typed.

The value may be JSON, ``t:template`` (that template's schema), the concise DSL, a JSON file,
or the ID of a schema already in the log store, tried in that order (as the original).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from llm.schemas import multi_schema, schema_dsl


def resolve_schema_input(
    value: str | None, database: str | None = None, multi: bool = False
) -> dict[str, Any] | None:
    """The schema ``value`` names, or None for no value; bad input is a ClickException."""
    if not value:
        return None
    schema = _resolve(value, database)
    return multi_schema(schema) if multi else schema


def _resolve(value: str, database: str | None) -> dict[str, Any]:
    stripped = value.strip()
    if stripped.startswith("t:"):
        from .templates import load_template

        name = stripped[2:]
        template = load_template(name)
        if not template.schema_object:
            raise click.ClickException(f"Template '{name}' has no schema")
        return template.schema_object
    if stripped.startswith("{"):
        try:
            return _object(json.loads(stripped))
        except ValueError:
            pass
    if " " in stripped or "," in stripped:
        try:
            return schema_dsl(value)
        except ValueError as ex:
            raise click.ClickException(str(ex)) from ex
    path = Path(value)
    if path.is_file():
        try:
            return _object(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, OSError) as ex:
            raise click.ClickException("Schema file contained invalid JSON") from ex
    if not stripped or stripped.startswith("{"):
        raise click.BadParameter("Invalid schema")
    from .store import open_for_reading

    store = open_for_reading(database)
    try:
        content = store.get_schema(stripped) if store is not None else None
    finally:
        if store is not None:
            store.close()
    if content is None:
        raise click.BadParameter("Invalid schema")
    return _object(json.loads(content))


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError("a JSON schema must be an object")
    return data
