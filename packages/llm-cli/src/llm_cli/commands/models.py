"""``llm models``: list models and choose the default."""

from __future__ import annotations

import textwrap
from typing import Any

import click

import llm

from .. import model_options
from ..default_group import DefaultGroup
from ..models_lookup import load_model, validate_options


@click.group(cls=DefaultGroup, default="list")
def models() -> None:
    """Manage available models"""


def _type_name(annotation: Any) -> str:
    """A readable type for an option, e.g. ``float`` for ``Optional[float]``."""
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    if args:
        return ", ".join(_type_name(a) for a in args)
    return getattr(annotation, "__name__", str(annotation))


def describe_model(entry: llm.ModelWithAliases, use_async: bool, show_options: bool) -> str:
    model = entry.async_model if use_async else entry.model
    line = str(model)
    if entry.aliases:
        line += f" (aliases: {', '.join(entry.aliases)})"
    if not show_options:
        return line
    lines = [line]
    fields = model.Options.model_fields
    if fields:
        lines.append("  Options:")
        for name, info in fields.items():
            lines.append(f"    {name}: {_type_name(info.annotation)}")
            if info.description:
                lines.extend(
                    textwrap.wrap(
                        info.description, 72, initial_indent="      ", subsequent_indent="      "
                    )
                )
    if model.attachment_types:
        lines.append("  Attachment types:")
        lines.append("    " + ", ".join(sorted(model.attachment_types)))
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
    if model.needs_key:
        lines.append("  Keys:")
        lines.append(f"    key: {model.needs_key}")
        if model.key_env_var:
            lines.append(f"    env_var: {model.key_env_var}")
    return "\n".join(lines)


@models.command(name="list")
@click.option(
    "show_options", "--options", is_flag=True, help="Show options for each model, if available"
)
@click.option("use_async", "--async", is_flag=True, help="List async models")
@click.option("--schemas", is_flag=True, help="List models that support schemas")
@click.option("--tools", is_flag=True, help="List models that support tools")
@click.option(
    "queries", "-q", "--query", multiple=True, help="Search for models matching these strings"
)
@click.option("model_ids", "-m", "--model", multiple=True, help="Specific model IDs")
def models_list(
    show_options: bool,
    use_async: bool,
    schemas: bool,
    tools: bool,
    queries: tuple[str, ...],
    model_ids: tuple[str, ...],
) -> None:
    """List available models"""
    for entry in llm.get_models_with_aliases():
        model = entry.async_model if use_async else entry.model
        if model is None:
            continue
        if queries and not all(entry.matches(q) for q in queries):
            continue
        if (
            model_ids
            and model.model_id not in model_ids
            and not set(model_ids) & set(entry.aliases)
        ):
            continue
        if schemas and not model.supports_schema:
            continue
        if tools and not model.supports_tools:
            continue
        click.echo(describe_model(entry, use_async, show_options))
    if not (queries or model_ids or schemas or tools):
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
        click.echo("No default options set")
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
    model_id = load_model(model).model_id
    values = model_options.defaults_for(model_id)
    if not values:
        click.echo(f"No default options set for model '{model_id}'")
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
    found = load_model(model)
    validated = validate_options(found, ((key, value),))
    stored = model_options.load()
    stored.setdefault(found.model_id, {})[key] = validated.get(key, value)
    model_options.save(stored)
    click.echo(f"Set default option {key}={validated.get(key, value)} for model {found.model_id}")


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
    model_id = load_model(model).model_id
    stored = model_options.load()
    if key is None:
        stored.pop(model_id, None)
    else:
        if key not in stored.get(model_id, {}):
            raise click.ClickException(f"No default option '{key}' set for model '{model_id}'")
        del stored[model_id][key]
    model_options.save(stored)
