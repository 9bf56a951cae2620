"""``llm models``: list models and choose the default."""

from __future__ import annotations

import textwrap
from typing import Any

import click

import llm

from ..default_group import DefaultGroup


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
                lines.extend(textwrap.wrap(info.description, 72, initial_indent="      ", subsequent_indent="      "))
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
@click.option("show_options", "--options", is_flag=True, help="Show options for each model, if available")
@click.option("use_async", "--async", is_flag=True, help="List async models")
@click.option("--schemas", is_flag=True, help="List models that support schemas")
@click.option("--tools", is_flag=True, help="List models that support tools")
@click.option("queries", "-q", "--query", multiple=True, help="Search for models matching these strings")
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
        if model_ids and model.model_id not in model_ids and not set(model_ids) & set(entry.aliases):
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
