"""``llm models``: list models and choose the default."""

from __future__ import annotations

import shutil
import textwrap
from typing import Any

import click

import llm

from .. import model_options
from ..default_group import DefaultGroup
from ..models_lookup import validate_options
from ..tool_specs import server_side_tools


@click.group(cls=DefaultGroup, default="list")
def models() -> None:
    """Manage available models"""


# JSON schema type names as the original prints them ("boolean" is kept as it is).
_TYPE_NAMES = {"number": "float", "integer": "int", "string": "str", "object": "dict"}


def _option_types(schema: dict[str, Any]) -> str:
    """An option's types from its JSON schema, e.g. ``dict, str`` for a union."""
    variants = schema.get("anyOf") or [{"type": schema.get("type", "str")}]
    names = [v.get("type", "str") for v in variants if v.get("type") != "null"]
    return ", ".join(_TYPE_NAMES.get(name, name) for name in names)


def describe_model(
    entry: llm.ModelWithAliases,
    use_async: bool,
    show_options: bool,
    described_classes: set[type] | None = None,
) -> str:
    """One model for ``llm models list``; with ``show_options``, its options, attachment
    types, features and key. An option's description is shown once per model class
    (``described_classes`` remembers which were), as providers share one Options class."""
    model = entry.async_model if use_async else entry.model
    assert model is not None  # the caller lists only the kind of model that exists
    line = str(model)
    if entry.aliases:
        line += f" (aliases: {', '.join(entry.aliases)})"
    if not show_options:
        return line
    lines = [line]
    described = described_classes if described_classes is not None else set()
    properties = model.Options.model_json_schema().get("properties", {})
    if properties:
        lines.append("  Options:")
        for name, schema in properties.items():
            lines.append(f"    {name}: {_option_types(schema)}")
            description = schema.get("description", "")
            if description and type(model) not in described:
                lines.extend("      " + part for part in textwrap.wrap(description, 70))
        described.add(type(model))
    if model.attachment_types:
        width = min(max(shutil.get_terminal_size().columns, 30), 70)
        lines.append("  Attachment types:")
        lines.append(
            textwrap.fill(
                ", ".join(sorted(model.attachment_types)),
                width=width,
                initial_indent="    ",
                subsequent_indent="    ",
            )
        )
    features = [
        name
        for name, present in (
            ("streaming", model.can_stream),
            ("schemas", model.supports_schema),
            ("tools", model.supports_tools),
            ("async", entry.async_model is not None),
        )
        if present
    ]
    if features:
        lines.append("  Features:")
        lines.extend(f"  - {feature}" for feature in features)
    if getattr(model, "needs_key", None):
        lines.append("  Keys:")
        lines.append(f"    key: {model.needs_key}")
        if getattr(model, "key_env_var", None):
            lines.append(f"    env_var: {model.key_env_var}")
    return "\n".join(lines)


def model_json(entry: llm.ModelWithAliases, use_async: bool, show_options: bool) -> dict[str, Any]:
    """One model for ``llm models list --json``, with the keys of llm 0.36."""
    model = entry.async_model if use_async else entry.model
    assert model is not None
    described: dict[str, Any] = {
        "model_id": model.model_id,
        "aliases": list(entry.aliases),
        "can_stream": bool(model.can_stream),
        "supports_schema": bool(model.supports_schema),
        "supports_tools": bool(model.supports_tools),
        "supports_conversation": bool(getattr(model, "supports_conversation", True)),
        "supports_async": entry.async_model is not None,
        "attachment_types": sorted(model.attachment_types),
        "server_side_tools": [
            {"name": tool.__name__, "plugin": getattr(tool, "plugin", None)}
            for tool in server_side_tools(model)
        ],
    }
    if show_options:
        properties = model.Options.model_json_schema().get("properties", {})
        if properties:
            described["options"] = properties
    return described


def echo_model_options(model_id: str | None, queries: tuple[str, ...], use_async: bool) -> None:
    """``llm prompt --options``: the selected model as ``llm models -m ID --options`` shows it."""
    from ..models_lookup import find_model_id, load_model

    model = load_model(find_model_id(model_id, queries), use_async=use_async)
    for entry in llm.get_models_with_aliases():
        if entry.either.model_id == model.model_id:
            click.echo(describe_model(entry, use_async, show_options=True))
            return


@models.command(name="list")
@click.option(
    "options", "--options", is_flag=True, help="Show options for each model, if available"
)
@click.option("async_", "--async", is_flag=True, help="List async models")
@click.option("--schemas", is_flag=True, help="List models that support schemas")
@click.option("--tools", is_flag=True, help="List models that support tools")
@click.option(
    "query", "-q", "--query", multiple=True, help="Search for models matching these strings"
)
@click.option("model_ids", "-m", "--model", multiple=True, help="Specific model IDs")
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
def models_list(
    json_: bool,
    options: bool,
    async_: bool,
    schemas: bool,
    tools: bool,
    query: tuple[str, ...],
    model_ids: tuple[str, ...],
) -> None:
    """List available models"""
    described: set[type] = set()
    found: list[dict[str, Any]] = []
    for entry in llm.get_models_with_aliases():
        model = entry.async_model if async_ else entry.model
        if model is None:
            continue
        if query and not all(entry.matches(q) for q in query):
            continue
        if model_ids and not {model.model_id, *entry.aliases} & set(model_ids):
            continue
        if schemas and not model.supports_schema:
            continue
        if tools and not model.supports_tools:
            continue
        if json_:
            found.append(model_json(entry, async_, options))
        else:
            click.echo(describe_model(entry, async_, options, described))
    if json_:
        import json

        click.echo(json.dumps(found, indent=2))
        return
    if not (query or options or schemas or model_ids):
        click.echo(f"Default: {llm.get_default_model()}")


@models.command(name="default")
@click.argument("model", required=False)
def models_default(model: str | None) -> None:
    """Show or set the default model"""
    if not model:
        click.echo(llm.get_default_model())
        return
    try:
        found = llm.get_model(model)
    except llm.UnknownModelError as ex:
        raise click.ClickException(str(ex)) from ex
    llm.set_default_model(found.model_id)


def _model_id_or_name(model: str) -> str:
    """The model ID for a model ID or alias; an unknown name is taken as given, so options
    stored for a model that is not installed can still be shown and cleared."""
    try:
        return str(llm.get_model(model).model_id)
    except llm.UnknownModelError:
        return model


@models.group(name="options", cls=DefaultGroup, default="list")
def models_options() -> None:
    """Manage default options for models"""


@models_options.command(name="list")
def options_list() -> None:
    """List default options for all models

    Example usage:

    \b
        llm models options list
    """
    stored = model_options.load()
    if not stored:
        click.echo("No default options set for any models.", err=True)
        return
    for model_id, values in stored.items():
        click.echo(f"{model_id}:")
        for name, value in values.items():
            click.echo(f"  {name}: {value}")


@models_options.command(name="show")
@click.argument("model")
def options_show(model: str) -> None:
    """List default options set for a specific model

    Example usage:

    \b
        llm models options show gpt-4o
    """
    model_id = _model_id_or_name(model)
    values = model_options.defaults_for(model_id)
    if not values:
        click.echo(f"No default options set for model '{model_id}'.", err=True)
        return
    for name, value in values.items():
        click.echo(f"{name}: {value}")


@models_options.command(name="set")
@click.argument("model")
@click.argument("key")
@click.argument("value")
def options_set(model: str, key: str, value: str) -> None:
    """Set a default option for a model

    Example usage:

    \b
        llm models options set gpt-4o temperature 0.5
    """
    try:
        found = llm.get_model(model)
    except llm.UnknownModelError:
        model_id = model  # a model that is not installed (yet): kept as given, as the original
    else:
        model_id = found.model_id
        validate_options(found, ((key, value),))
    # Stored as typed, like the original; it is validated again each time it is used.
    stored = model_options.load()
    stored.setdefault(model_id, {})[key] = value
    model_options.save(stored)
    click.echo(f"Set default option {key}={value} for model {model_id}", err=True)


@models_options.command(name="clear")
@click.argument("model")
@click.argument("key", required=False)
def options_clear(model: str, key: str | None) -> None:
    """Clear default option(s) for a model

    Example usage:

    \b
        llm models options clear gpt-4o
        # Or for a single option
        llm models options clear gpt-4o temperature
    """
    model_id = _model_id_or_name(model)
    stored = model_options.load()
    current = stored.get(model_id, {})
    # Clearing an option that is not set is not an error, as in the original.
    cleared = list(current) if key is None else [key]
    for name in cleared:
        current.pop(name, None)
    model_options.save(stored)
    if len(cleared) == 1:
        click.echo(f"Cleared option '{cleared[0]}' for model {model_id}")
    elif cleared:
        click.echo(f"Cleared {', '.join(cleared)} options for model {model_id}")
