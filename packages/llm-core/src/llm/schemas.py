"""JSON schemas for structured output, including the compact schema DSL."""

from __future__ import annotations

from typing import Any

from . import identity

_DSL_TYPES = {"int": "integer", "float": "number", "bool": "boolean", "str": "string"}


def schema_dsl(schema_dsl: str, multi: bool = False) -> dict[str, Any]:
    """Build a JSON schema from ``"name, age int, bio: a short bio"``.

    Fields are separated by commas, or by newlines when there is more than one line. Each is
    ``name [type][: description]`` with type one of int, float, bool, str (the default).
    An unknown type, a repeated field or a field without a name is a ``ValueError``.
    """
    text = schema_dsl.strip()
    parts = text.splitlines() if "\n" in text else text.split(",")
    properties: dict[str, Any] = {}
    for raw in parts:
        part = raw.strip()
        if not part:
            continue
        description = None
        if ":" in part:
            part, description = (piece.strip() for piece in part.split(":", 1))
        words = part.split()
        if not words:
            raise ValueError(
                f"Invalid schema DSL: field {raw.strip()!r} is missing a name before ':'"
            )
        if len(words) > 2:
            raise ValueError(
                f"Schema field '{part}' should be 'name [type]': use ':' before a description"
            )
        name = words[0]
        type_name = words[1] if len(words) > 1 else "str"
        if type_name not in _DSL_TYPES:
            raise ValueError(
                f"Unknown type '{type_name}' for field '{name}' in schema; "
                "use int, float, bool or str"
            )
        if name in properties:
            raise ValueError(f"Field '{name}' appears more than once in schema")
        prop: dict[str, Any] = {"type": _DSL_TYPES[type_name]}
        if description:
            prop["description"] = description
        properties[name] = prop
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
    }
    return multi_schema(schema) if multi else schema


def multi_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema for a list of ``schema`` objects, under an ``items`` key."""
    return {
        "type": "object",
        "properties": {"items": {"type": "array", "items": schema}},
        "required": ["items"],
    }


def schema_summary(schema: Any) -> str:
    """The shape of a schema in one line: ``{name, pets: [{name, age}]}``."""
    if not isinstance(schema, dict):
        return ""
    kind = schema.get("type")
    if kind == "array":
        return schema_summary(schema.get("items", {}))
    if kind != "object":
        return ""
    parts = []
    for name, prop in (schema.get("properties") or {}).items():
        prop_type = prop.get("type") if isinstance(prop, dict) else None
        if prop_type == "array":
            parts.append(f"{name}: [{schema_summary(prop.get('items', {}))}]")
        elif prop_type == "object":
            parts.append(f"{name}: {schema_summary(prop)}")
        else:
            parts.append(name)
    return "{" + ", ".join(parts) + "}"


def resolve_schema(schema: Any) -> dict[str, Any] | None:
    """A JSON schema dict from a dict or a pydantic model class."""
    if schema is None or isinstance(schema, dict):
        return schema
    model_json_schema = getattr(schema, "model_json_schema", None)
    if callable(model_json_schema):
        return model_json_schema()
    raise TypeError("schema must be a dict or a pydantic BaseModel subclass")


def make_schema_id(schema: dict[str, Any]) -> tuple[str, str]:
    """``(id, compact JSON)``: the ID a schema is stored under and the text stored with it
    (``llm.utils.make_schema_id`` of the original, which plugins call)."""
    return identity.schema_id(schema), identity.schema_json(schema)
