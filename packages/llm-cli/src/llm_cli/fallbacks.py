"""Fallback models and retries for ``prompt`` and ``chat``: which models stand in for the one
asked for, from ``--fallback``, a template's ``fallback:`` or an alias's fallbacks.

The retrying and the moving on are ``llm.resilience``'s, for every provider; this module only
turns what the user typed into models, and says each attempt on standard error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import llm
from llm import config

from .models_lookup import load_model

FALLBACKS_FILE = "fallbacks.json"


def fallbacks_path() -> Path:
    """Where aliases' fallbacks are kept: beside aliases.json, which the originals read and
    which therefore stays a plain ``{alias: model}`` map."""
    return llm.user_dir() / FALLBACKS_FILE


def alias_fallbacks(name: str) -> list[str]:
    """The fallbacks ``llm aliases set NAME MODEL --fallback ...`` recorded for ``name``."""
    path = fallbacks_path()
    if not path.exists():
        return []
    stored = config.read_json_object(path).get(name) or []
    if not isinstance(stored, list) or not all(isinstance(m, str) for m in stored):
        raise click.ClickException(f"{path}: the fallbacks of {name!r} must be a list of models")
    return stored


def set_alias_fallbacks(name: str, models: list[str]) -> None:
    path = fallbacks_path()
    stored = config.read_json_object(path) if path.exists() else {}
    if models:
        stored[name] = models
    else:
        stored.pop(name, None)
    if stored or path.exists():
        config.write_atomic(path, _json(stored))


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, indent=2) + "\n"


def template_fallbacks(templates: list[llm.Template]) -> list[str]:
    """The ``fallback:`` of the last template that names any (a model or a list of them)."""
    for template in reversed(templates):
        value = getattr(template, "fallback", None)
        if value:
            return [value] if isinstance(value, str) else list(value)
    return []


def with_fallbacks(
    model: Any,
    given: tuple[str, ...],
    templates: list[llm.Template],
    model_ref: str | None,
    *,
    use_async: bool,
) -> Any:
    """``model`` with the fallbacks the command line, else the templates, else the alias
    typed with ``-m`` name; each fallback is looked up now, so a typo is an error before
    anything is sent."""
    from llm.resilience import with_fallbacks as combine

    names = list(given) or template_fallbacks(templates)
    if not names and model_ref:
        names = alias_fallbacks(model_ref)
    models = [load_model(name, use_async=use_async) for name in names]
    return combine(model, [m for m in models if m.model_id != model.model_id])


def apply_retries(retries: int | None) -> None:
    """``--retries N`` for this command, and each attempt said on standard error."""
    from llm import resilience

    resilience.retries_override = retries
    resilience.reporter = lambda line: click.echo(line, err=True)


_META_KEY = "llm_cli.fallbacks"


def fallback_options(function: Any) -> Any:
    """``--fallback MODEL`` (repeatable) and ``--retries N`` for ``prompt`` and ``chat``; what
    was given waits in the click context for :func:`attach`, called by ``prepare``."""
    import functools

    @click.option(
        "fallbacks",
        "--fallback",
        multiple=True,
        help="Model to use when the first is unavailable, rate limited or its context too"
        " short (repeatable, tried in order)",
    )
    @click.option(
        "--retries",
        # resilience.MAX_RETRIES (not imported, for start-up): LLM_RETRIES is capped there.
        type=click.IntRange(0, 10),
        help="How often to retry a rate-limited or unavailable model (default 3, LLM_RETRIES)",
    )
    @functools.wraps(function)
    def wrapper(*args: Any, fallbacks: tuple[str, ...], retries: int | None, **kwargs: Any) -> Any:
        click.get_current_context().meta[_META_KEY] = (fallbacks, retries)
        return function(*args, **kwargs)

    return wrapper


def attach(
    model: Any,
    conversation: Any,
    templates: list[llm.Template],
    model_ref: str | None,
    *,
    use_async: bool,
) -> Any:
    """The model a prompt runs with: ``model`` and its fallbacks, with ``--retries`` applied
    and attempts reported on standard error. A continued conversation answers through it too,
    while it stays logged under the model the user asked for."""
    ctx = click.get_current_context(silent=True)
    given, retries = (ctx.meta.get(_META_KEY) if ctx else None) or ((), None)
    apply_retries(retries)
    combined = with_fallbacks(
        model, given, templates, model_ref or model.model_id, use_async=use_async
    )
    if conversation is not None and combined is not model:
        conversation.model = combined
    return combined
