"""Choosing the model a command runs: ``-m``, ``-q``, ``LLM_MODEL`` or the default."""

from __future__ import annotations

import os
from typing import Any

import click

import llm


def models_matching(queries: tuple[str, ...]) -> list[llm.ModelWithAliases]:
    """The registered models whose ID or an alias contains every one of ``queries``."""
    return [
        entry
        for entry in llm.get_models_with_aliases()
        if all(entry.matches(query) for query in queries)
    ]


def model_id_of(entry: llm.ModelWithAliases) -> str:
    return entry.either.model_id


def find_model_id(model_id: str | None, queries: tuple[str, ...] = ()) -> str:
    """The model ID or alias to use; ``-q`` picks the shortest model ID matching every query."""
    if model_id:
        return model_id
    if queries:
        matches = [model_id_of(entry) for entry in models_matching(queries)]
        if not matches:
            raise click.ClickException(f"No model found matching queries {', '.join(queries)}")
        return min(matches, key=len)
    return os.environ.get("LLM_MODEL") or llm.get_default_model()


def load_model(model_id: str, *, use_async: bool = False) -> Any:
    from llm import plugin_cache, plugins

    get = llm.get_async_model if use_async else llm.get_model
    # The plugin cache knows which plugin provides the model: import only that one. Should
    # the cache be wrong, the lookup below asks every plugin.
    providers = plugin_cache.distributions_for_model(model_id)
    if providers is not None and not plugins.is_fully_loaded():
        with plugins.only_distributions(providers):
            try:
                return get(model_id)
            except llm.UnknownModelError:
                pass
    try:
        return get(model_id)
    except llm.UnknownModelError as ex:
        raise click.ClickException(str(ex)) from ex


def validate_options(
    model: Any, options: tuple[tuple[str, str], ...], defaults: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Check ``-o name value`` pairs (over any ``defaults``) against the model's Options."""
    import pydantic

    from .errors import describe_validation_error

    try:
        return model.Options(**{**(defaults or {}), **dict(options)}).set_values()
    except pydantic.ValidationError as ex:
        raise click.ClickException(describe_validation_error(ex)) from ex
