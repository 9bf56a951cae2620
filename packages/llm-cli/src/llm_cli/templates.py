"""Finding and loading templates for ``-t``: a plugin prefix, a URL, a YAML file, or a name
in the templates directory."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

import llm

from .fetch import fetch_text, is_url

# A loader prefix looks like a plugin name; "C:\..." style paths never reach here as files
# are checked first.
_PREFIX = re.compile(r"^[A-Za-z0-9_-]+$")
DEFAULT_TEMPLATE = "prompt: "


def templates_dir() -> Path:
    path = llm.user_dir() / "templates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def template_loaders() -> dict[str, Any]:
    """Loader functions that plugins registered, by prefix."""
    return llm.get_template_loaders()


def stored_template_path(name: str) -> Path:
    """Where template ``name`` lives in the templates directory; a name that would reach
    outside it (``../x``, ``a/b``, an absolute path) is an error."""
    directory = templates_dir()
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\0" in name:
        raise click.ClickException(f"Invalid template name: {name}")
    path = directory / f"{name}.yaml"
    if path.resolve().parent != directory.resolve():
        raise click.ClickException(f"Invalid template name: {name}")
    return path


def parse_template(text: str, name: str) -> llm.Template:
    """A Template from YAML text; a plain string is taken as the prompt."""
    import pydantic
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as ex:
        problem = str(ex).splitlines()[0]
        raise click.ClickException(f"Template '{name}' is not valid YAML: {problem}") from ex
    if data is None:
        data = {}
    if isinstance(data, str):
        data = {"prompt": data}
    if not isinstance(data, dict):
        raise click.ClickException(f"Template '{name}' must be a YAML mapping")
    data["name"] = name
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
        return parse_template(fetch_text(name, "template"), name)
    path = Path(name)
    # Only YAML files load from a path: "-t ../../etc/passwd" must not become a prompt.
    is_yaml_file = name.endswith((".yaml", ".yml"))
    prefix, colon, rest = name.partition(":")
    if colon and _PREFIX.match(prefix) and not (is_yaml_file and path.is_file()):
        from llm.loaders import get_template_loader

        loader = get_template_loader(prefix)  # imports only its plugin, when known
        if loader is None:
            raise click.ClickException(f"Unknown template prefix: {prefix}")
        try:
            template = loader(rest)
        except Exception as ex:
            raise click.ClickException(f"Could not load template {name}: {ex}") from ex
        if not isinstance(template, llm.Template):
            raise click.ClickException(f"Template loader '{prefix}' returned no template")
        return template
    if is_yaml_file and ("/" in name or "\\" in name or path.is_file()):
        if not path.is_file():
            raise click.ClickException(f"Template file {name} does not exist")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as ex:
            raise click.ClickException(f"Could not read template {name}: {ex}") from ex
        return parse_template(text, path.stem)
    if "/" in name or "\\" in name or name.startswith("."):
        raise click.ClickException(f"Invalid template: {name}")
    stored = stored_template_path(name)
    if not stored.is_file():
        raise click.ClickException(f"Invalid template: {name}")
    try:
        text = stored.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"Template '{name}' is not UTF-8 text: {stored}") from None
    except OSError as ex:
        raise click.ClickException(f"Could not read template {name}: {ex.strerror}") from ex
    return parse_template(text, name)


def is_local_template(name: str) -> bool:
    """Whether ``-t NAME`` loads from this machine (a stored template or a YAML file), whose
    ``functions:`` code may run, as 0.27+ lets them; a template from a URL or a plugin's
    loader keeps its tools but never runs its code."""
    if is_url(name):
        return False
    prefix, colon, _ = name.partition(":")
    is_yaml_file = name.endswith((".yaml", ".yml")) and Path(name).is_file()
    return not (colon and _PREFIX.match(prefix) and not is_yaml_file)


def apply_template(
    template: llm.Template, input: str | None, params: dict[str, str]
) -> tuple[str | None, str | None]:
    """The prompt and system prompt a template gives for this input: what the user typed
    follows, on a new line, a template prompt that does not use ``$input``."""
    try:
        prompt, system = template.evaluate(input, params)
    except llm.Template.MissingVariables as ex:
        raise click.ClickException(str(ex)) from ex
    if template.prompt and input and "input" not in template.vars() and prompt is not None:
        prompt = f"{prompt}\n{input}" if prompt else input
    return prompt, system


def apply_templates(
    templates: list[llm.Template], input: str | None, params: dict[str, str]
) -> tuple[str | None, str | None]:
    """Templates applied left to right: each one's prompt is the next one's input, and a
    later template's system prompt replaces an earlier one's."""
    prompt, system = input, None
    for template in templates:
        prompt, template_system = apply_template(template, prompt, params)
        system = template_system or system
    return prompt, system
