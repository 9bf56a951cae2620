"""Finding and loading templates for ``-t``: a plugin prefix, a URL, a YAML file, or a name
in the templates directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import llm
from llm.plugins import pm

from .fetch import fetch_text, is_url
from .fragments import collect_loaders


def templates_dir() -> Path:
    path = llm.user_dir() / "templates"
    path.mkdir(exist_ok=True)
    return path


def template_loaders() -> dict[str, Any]:
    """Loader functions that plugins registered, by prefix."""
    return collect_loaders(pm.hook.register_template_loaders)


def _parse(text: str, name: str) -> llm.Template:
    """A Template from YAML text; a plain string is taken as the prompt."""
    import pydantic
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as ex:
        problem = str(ex).splitlines()[0]
        raise click.ClickException(f"Template '{name}' is not valid YAML: {problem}") from ex
    if isinstance(data, str):
        data = {"prompt": data}
    if not isinstance(data, dict):
        raise click.ClickException(f"Template '{name}' must be a YAML mapping")
    data.setdefault("name", name)
    try:
        return llm.Template(**data)
    except pydantic.ValidationError as ex:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in ex.errors()
        )
        raise click.ClickException(f"Template '{name}' is invalid: {problems}") from ex


def load_template(name: str) -> llm.Template:
    """Resolve ``-t NAME`` the way the original does, with one-line errors."""
    if is_url(name):
        return _parse(fetch_text(name, "template"), name)
    prefix, colon, rest = name.partition(":")
    if colon:
        loaders = template_loaders()
        if prefix in loaders:
            try:
                template = loaders[prefix](rest)
            except ValueError as ex:
                raise click.ClickException(str(ex)) from ex
            if not isinstance(template, llm.Template):
                raise click.ClickException(f"Template loader '{prefix}' returned no template")
            return template
    path = Path(name)
    if name.endswith((".yaml", ".yml")) or path.is_file():
        if not path.is_file():
            raise click.ClickException(f"Template file {name} does not exist")
        return _parse(path.read_text(), path.stem)
    stored = templates_dir() / f"{name}.yaml"
    if not stored.is_file():
        raise click.ClickException(f"Invalid template: {name}")
    return _parse(stored.read_text(), name)


def apply_template(
    template: llm.Template, input: str | None, params: dict[str, str]
) -> tuple[str | None, str | None]:
    """The prompt and system prompt a template gives for this input."""
    try:
        return template.evaluate(input, params)
    except llm.Template.MissingVariables as ex:
        raise click.ClickException(str(ex)) from ex
