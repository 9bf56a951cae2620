"""Finding and loading templates for ``-t``: a plugin prefix, a URL, a YAML file, or a name
in the templates directory."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

import llm

from . import limits
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


def stored_template_path(name: str, *, new: bool = False) -> Path:
    """Where template ``name`` lives in the templates directory; a name that would reach
    outside it (``../x``, ``a/b``, an absolute path) is an error. A ``new`` name (one about
    to be saved) must also be one that can be typed back: no control characters (a newline,
    a tab, NUL), no blank name, no space at either end."""
    directory = templates_dir()
    problem = _name_problem(name, new=new)
    if problem is None:
        path = directory / f"{name}.yaml"
        if path.resolve().parent == directory.resolve():
            return path
        problem = "it would be saved outside the templates directory"
    raise click.ClickException(f"Invalid template name {_shown(name)}: {problem}")


def _name_problem(name: str, *, new: bool) -> str | None:
    if not name or (new and not name.strip()):
        return "a name cannot be empty"
    if "/" in name or "\\" in name:
        return "a name cannot contain / or \\"
    if name.startswith("."):
        return "a name cannot start with a dot"
    if "\0" in name:
        return "a name cannot contain a NUL character"
    import unicodedata

    if new and any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in name):
        return "a name cannot contain a newline, a tab or another control character"
    if new and name != name.strip():
        return "a name cannot start or end with a space"
    return None


def _shown(name: str) -> str:
    """A name as an error shows it: on one line, whatever it holds, and not too long."""
    shown = repr(name)
    return shown if len(shown) <= 80 else f"{shown[:77]}..."


def parse_template(text: str, name: str) -> llm.Template:
    """A Template from YAML text; a plain string is taken as the prompt."""
    import pydantic
    import yaml

    limit = limits.max_fragment_bytes()
    if limit and len(text) > limit:
        raise limits.too_large(f"Template '{name}'", limit, limits.MAX_FRAGMENT_BYTES_ENV)
    try:
        data = _load_yaml(text, name, limit)
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


def _load_yaml(text: str, name: str, limit: int) -> Any:
    """``yaml.safe_load``, bounded as every YAML file we read is (``llm.limits``)."""
    from llm.limits import YAMLExpansionError, load_yaml_within

    try:
        return load_yaml_within(text, limit)
    except YAMLExpansionError as ex:
        raise click.ClickException(f"Template '{name}' {ex}") from None


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
            text = limits.read_text_file(name, f"Template {name}")
        except (OSError, UnicodeDecodeError) as ex:
            raise click.ClickException(f"Could not read template {name}: {ex}") from ex
        return _trusted(parse_template(text, path.stem))
    if "/" in name or "\\" in name or name.startswith("."):
        raise click.ClickException(f"Invalid template: {name}")
    stored = stored_template_path(name)
    if not stored.is_file():
        raise click.ClickException(f"Invalid template: {name}")
    try:
        text = limits.read_text_file(str(stored), f"Template '{name}'")
    except UnicodeDecodeError:
        raise click.ClickException(f"Template '{name}' is not UTF-8 text: {stored}") from None
    except OSError as ex:
        raise click.ClickException(f"Could not read template {name}: {ex.strerror}") from ex
    return _trusted(parse_template(text, name))


def _trusted(template: llm.Template) -> llm.Template:
    """A template from the user's own files: it may read local files and run its functions."""
    template._functions_is_trusted = True
    return template


TRUST_OPTION = "--trust-template"


def check_template_trust(given: str, template: llm.Template, *, trust: bool) -> bool:
    """Whether ``template`` (loaded from ``given``) may run its inline ``functions``.

    A template from a URL or a plugin's loader is not the user's own: unless ``trust`` (the
    ``--trust-template`` option) it may name fragments and attachments only by URL or by a
    fragment loader's ``prefix:argument``, never a local path, a stored fragment or standard
    input, and that is refused here, before anything is read or sent."""
    if trust or template._functions_is_trusted:
        return True
    source = (
        "was loaded from a URL"
        if is_url(given)
        else f"comes from the template loader '{given.partition(':')[0]}'"
    )
    for key, references in (
        ("fragments", template.fragments),
        ("system_fragments", template.system_fragments),
        ("attachments", template.attachments),
        ("attachment_types", [a["value"] for a in template.attachment_types or []]),
    ):
        for reference in references or []:
            if is_url(reference) or (
                key.endswith("fragments") and _fragment_loader_reference(reference)
            ):
                continue
            raise click.ClickException(
                f"Template {given} {source}, so it may not read local files: its {key}"
                f" name {reference!r} (if you trust it, add {TRUST_OPTION})"
            )
    return False


def _fragment_loader_reference(reference: str) -> bool:
    prefix, colon, _ = reference.partition(":")
    if not (colon and _PREFIX.match(prefix)):
        return False
    from llm.loaders import get_fragment_loader

    return get_fragment_loader(prefix) is not None


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
