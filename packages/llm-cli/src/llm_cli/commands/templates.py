"""``llm templates``: list, show, edit and locate stored prompt templates; list the
template loaders that plugins registered."""

from __future__ import annotations

import inspect
import shutil
import textwrap
from typing import Any

import click

from ..default_group import DefaultGroup
from ..templates import (
    DEFAULT_TEMPLATE,
    load_template,
    parse_template,
    stored_template_path,
    template_loaders,
    templates_dir,
)


@click.group(cls=DefaultGroup, default="list")
def templates() -> None:
    """Manage stored prompt templates"""


def _summary(template: Any) -> str:
    """One line: ``system: ... prompt: ...`` or just the prompt."""
    if template.system:
        text = f"system: {template.system}"
        if template.prompt:
            text += f" prompt: {template.prompt}"
    else:
        text = template.prompt or ""
    return text.replace("\n", " ")


def _fit(line: str) -> str:
    width = shutil.get_terminal_size()[0]
    return line if len(line) <= width else line[: width - 3] + "..."


@templates.command(name="list")
def templates_list() -> None:
    """List available prompt templates"""
    found = []
    for path in templates_dir().glob("*.yaml"):
        try:
            template = parse_template(path.read_text(encoding="utf-8"), path.stem)
        except (click.ClickException, OSError, UnicodeDecodeError):
            continue  # an unreadable or invalid template is not listed
        found.append((path.stem, _summary(template)))
    if not found:
        return
    width = max(len(name) for name, _ in found)
    for name, summary in sorted(found):
        click.echo(_fit(f"{name:<{width}} : {summary}"))


@templates.command(name="show")
@click.argument("name")
def templates_show(name: str) -> None:
    """Show the specified prompt template"""
    import yaml

    template = load_template(name)
    data = {k: v for k, v in template.model_dump().items() if v is not None}
    click.echo(yaml.dump(data, indent=4, default_flow_style=False))


@templates.command(name="edit")
@click.argument("name")
def templates_edit(name: str) -> None:
    """Edit the specified prompt template using the default $EDITOR"""
    path = stored_template_path(name)
    if not path.exists():
        stored_template_path(name, new=True)  # a new name must be one that can be typed back
        path.write_text(DEFAULT_TEMPLATE, "utf-8")
    click.edit(filename=str(path))
    # Say so now if the edit left it broken, rather than at the next -t.
    load_template(name)


@templates.command(name="path")
def templates_path() -> None:
    """Output the path to the templates directory"""
    click.echo(templates_dir())


def describe_loaders(loaders: dict[str, Any], *, blank_line_between: bool) -> list[str]:
    """``prefix:`` then the loader's docstring, indented, for each loader."""
    lines: list[str] = []
    for prefix, loader in loaders.items():
        if lines and blank_line_between:
            lines.append("")
        lines.append(f"{prefix}:")
        docs = inspect.cleandoc(loader.__doc__ or "") or "Undocumented"
        lines.append(textwrap.indent(docs, "  "))
    return lines


@templates.command(name="loaders")
def templates_loaders() -> None:
    """Show template loaders registered by plugins"""
    lines = describe_loaders(template_loaders(), blank_line_between=False)
    click.echo("\n".join(lines) if lines else "No template loaders found")
