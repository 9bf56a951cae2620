"""Finding models: what plugins register, aliases, and the default models."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any

from . import config
from .embeddings import EmbeddingModel
from .errors import UnknownModelError
from .models import AsyncKeyModel, AsyncModel, KeyModel, Model
from .plugins import load_plugins, pm

DEFAULT_EMBEDDING_MODEL: str | None = None


@dataclass
class ModelWithAliases:
    model: Any
    async_model: Any
    aliases: list[str] = field(default_factory=list)

    def matches(self, query: str) -> bool:
        """Case-insensitive substring match on the model ID or any alias (``llm -q``)."""
        query = query.lower()
        names = [str(self.model or self.async_model), *self.aliases]
        return any(query in name.lower() for name in names)


@dataclass
class EmbeddingModelWithAliases:
    model: EmbeddingModel
    aliases: list[str] = field(default_factory=list)

    def matches(self, query: str) -> bool:
        query = query.lower()
        return any(query in name.lower() for name in [str(self.model), *self.aliases])


def _check_model_class(model: Any, sync: bool) -> None:
    expected = (Model, KeyModel) if sync else (AsyncModel, AsyncKeyModel)
    if model is not None and not isinstance(model, expected):
        kind = "sync" if sync else "async"
        raise TypeError(f"{model!r} registered as a {kind} model is a {type(model).__name__}")


def get_models_with_aliases() -> list[ModelWithAliases]:
    """Every model plugins register, with its aliases (user aliases from aliases.json too)."""
    load_plugins()
    found: list[ModelWithAliases] = []
    user_aliases = config.load_aliases()

    def register(
        model: Any, async_model: Any = None, aliases: tuple[str, ...] | list[str] | None = None
    ) -> None:
        if model is None and async_model is None:
            raise TypeError("register() needs a model or an async_model")
        _check_model_class(model, sync=True)
        _check_model_class(async_model, sync=False)
        model_id = (model or async_model).model_id
        entry = ModelWithAliases(model, async_model, list(aliases or []))
        entry.aliases.extend(a for a, target in user_aliases.items() if target == model_id)
        found.append(entry)

    pm.hook.register_models(register=register)
    return found


def get_embedding_models_with_aliases() -> list[EmbeddingModelWithAliases]:
    load_plugins()
    found: list[EmbeddingModelWithAliases] = []
    user_aliases = config.load_aliases()

    def register(model: EmbeddingModel, aliases: tuple[str, ...] | list[str] | None = None) -> None:
        entry = EmbeddingModelWithAliases(model, list(aliases or []))
        entry.aliases.extend(a for a, target in user_aliases.items() if target == model.model_id)
        found.append(entry)

    pm.hook.register_embedding_models(register=register)
    return found


def get_models() -> list[Any]:
    """All sync models."""
    return [entry.model for entry in get_models_with_aliases() if entry.model is not None]


def get_async_models() -> list[Any]:
    return [e.async_model for e in get_models_with_aliases() if e.async_model is not None]


def get_embedding_models() -> list[EmbeddingModel]:
    return [entry.model for entry in get_embedding_models_with_aliases()]


def _lookup(entries: list[ModelWithAliases], name: str) -> ModelWithAliases | None:
    for entry in entries:
        model = entry.model or entry.async_model
        if model.model_id == name or name in entry.aliases:
            return entry
    # Case-insensitive second chance, as model IDs are often typed by hand.
    lowered = name.lower()
    for entry in entries:
        model = entry.model or entry.async_model
        if model.model_id.lower() == lowered or lowered in (a.lower() for a in entry.aliases):
            return entry
    return None


def get_model(name: str | None = None, _skip_async: bool = False) -> Any:
    """The sync model with this ID or alias (the default model when ``name`` is None)."""
    name = name or get_default_model()
    entry = _lookup(get_models_with_aliases(), name)
    if entry is None:
        raise UnknownModelError(f"Unknown model: {name}")
    if entry.model is None:
        raise UnknownModelError(f"Unknown model (async model exists): {name}")
    return entry.model


def get_async_model(name: str | None = None) -> Any:
    """The async model with this ID or alias (the default model when ``name`` is None)."""
    name = name or get_default_model()
    entry = _lookup(get_models_with_aliases(), name)
    if entry is None:
        raise UnknownModelError(f"Unknown model: {name}")
    if entry.async_model is None:
        raise UnknownModelError(f"Unknown async model (sync model exists): {name}")
    return entry.async_model


def get_embedding_model(name: str | None = None) -> EmbeddingModel:
    name = name or get_default_embedding_model()
    if not name:
        raise UnknownModelError("No default embedding model has been set")
    for entry in get_embedding_models_with_aliases():
        if entry.model.model_id == name or name in entry.aliases:
            return entry.model
    raise UnknownModelError(f"Unknown model: {name}")


def get_model_aliases() -> dict[str, Any]:
    """Every alias and model ID mapped to its sync (or async-only) model."""
    mapping: dict[str, Any] = {}
    for entry in get_models_with_aliases():
        model = entry.model or entry.async_model
        for alias in entry.aliases:
            mapping[alias] = model
        mapping[model.model_id] = model
    return mapping


def get_embedding_model_aliases() -> dict[str, EmbeddingModel]:
    mapping: dict[str, EmbeddingModel] = {}
    for entry in get_embedding_models_with_aliases():
        for alias in entry.aliases:
            mapping[alias] = entry.model
        mapping[entry.model.model_id] = entry.model
    return mapping


def set_alias(alias: str, model_id_or_alias: str) -> None:
    """Save an alias; the target may be a model ID or another alias (it is resolved)."""
    target = model_id_or_alias
    try:
        target = get_model(model_id_or_alias).model_id
    except UnknownModelError:
        # Not a chat model: an embedding model, or not installed (yet) - keep the name as given.
        with contextlib.suppress(UnknownModelError):
            target = get_embedding_model(model_id_or_alias).model_id
    aliases = config.load_aliases()
    aliases[alias] = target
    config._write_aliases(aliases)


def remove_alias(alias: str) -> None:
    """Remove a saved alias; ``KeyError`` if there is no such alias."""
    aliases = config.load_aliases()
    if alias not in aliases:
        raise KeyError(f"No such alias: {alias}")
    del aliases[alias]
    config._write_aliases(aliases)


_UNSET: Any = object()


def get_default_model(filename: str = "default_model.txt", default: Any = _UNSET) -> Any:
    """The configured default model ID, or ``default`` (``gpt-4o-mini`` unless given)."""
    if default is _UNSET:
        default = config.DEFAULT_MODEL
    return config._read_text_setting(filename) or default


def set_default_model(model: str | None, filename: str = "default_model.txt") -> None:
    """Persist the default model (``None`` clears it)."""
    config._write_text_setting(filename, model)


def get_default_embedding_model() -> str | None:
    return config._read_text_setting("default_embedding_model.txt") or DEFAULT_EMBEDDING_MODEL


def set_default_embedding_model(model: str | None) -> None:
    config._write_text_setting("default_embedding_model.txt", model)


def model_from_environment() -> str | None:
    """The model named by ``LLM_MODEL`` for this session, if set."""
    return os.environ.get("LLM_MODEL") or None
