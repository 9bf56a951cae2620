"""Finding models: what plugins register, aliases, and the default models."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any, overload

from . import config
from ._compat import install_hint, sibling_installed
from .embeddings import EmbeddingModel
from .errors import UnknownModelError
from .models import AsyncKeyModel, AsyncModel, KeyModel, Model
from .plugins import pm

DEFAULT_EMBEDDING_MODEL: str | None = None


SyncModel = Model | KeyModel
AnyAsyncModel = AsyncModel | AsyncKeyModel


@dataclass
class ModelWithAliases:
    model: SyncModel | None
    async_model: AnyAsyncModel | None
    aliases: list[str] = field(default_factory=list)

    @property
    def either(self) -> SyncModel | AnyAsyncModel:
        """The sync model, or the async one for an async-only model (never neither:
        ``register()`` refuses that)."""
        model = self.model or self.async_model
        assert model is not None
        return model

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
    from . import plugin_cache

    plugin_cache.load_implementing("register_models")
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

    # ``model_aliases``: what was registered so far (0.32+ hook form; optional to accept).
    pm.hook.register_models(register=register, model_aliases=found)
    return found


def get_embedding_models_with_aliases() -> list[EmbeddingModelWithAliases]:
    from . import plugin_cache

    plugin_cache.load_implementing("register_embedding_models")
    found: list[EmbeddingModelWithAliases] = []
    user_aliases = config.load_aliases()

    def register(model: EmbeddingModel, aliases: tuple[str, ...] | list[str] | None = None) -> None:
        entry = EmbeddingModelWithAliases(model, list(aliases or []))
        entry.aliases.extend(a for a, target in user_aliases.items() if target == model.model_id)
        found.append(entry)

    pm.hook.register_embedding_models(register=register)
    return found


def get_models() -> list[SyncModel]:
    """All sync models."""
    return [entry.model for entry in get_models_with_aliases() if entry.model is not None]


def get_async_models() -> list[AnyAsyncModel]:
    return [e.async_model for e in get_models_with_aliases() if e.async_model is not None]


def get_embedding_models() -> list[EmbeddingModel]:
    return [entry.model for entry in get_embedding_models_with_aliases()]


def _lookup(entries: list[ModelWithAliases], name: str) -> ModelWithAliases | None:
    for entry in entries:
        model = entry.either
        if model.model_id == name or name in entry.aliases:
            return entry
    # Case-insensitive second chance, as model IDs are often typed by hand.
    lowered = name.lower()
    for entry in entries:
        model = entry.either
        if model.model_id.lower() == lowered or lowered in (a.lower() for a in entry.aliases):
            return entry
    return None


# Names of OpenAI's models (and the original's aliases for them), which need llm-openai.
_OPENAI_NAMES = re.compile(
    r"^(gpt-|gpt4|chatgpt-|o\d|text-embedding-|text-davinci-|davinci|babbage|ada$|4o|3\.5|4$|4-)"
)


def _unknown_model(name: str) -> UnknownModelError:
    """``Unknown model: NAME``, with the package to install when it names an OpenAI model
    and our OpenAI provider is not installed (``llm-core`` alone has no models)."""
    message = f"Unknown model: {name}"
    if _OPENAI_NAMES.match(name) and not sibling_installed("openai"):
        message += f" (OpenAI models need the llm-openai package: {install_hint('openai')})"
    return UnknownModelError(message)


def _find(name: str) -> ModelWithAliases | None:
    """The entry for this ID or alias, importing (when the plugin cache knows it) only the
    plugins that provide it; every plugin when the cache does not know or was wrong."""
    from . import plugin_cache

    with plugin_cache.narrowed("models", [name]) as narrowed:
        if narrowed:
            entry = _lookup(get_models_with_aliases(), name)
            if entry is not None:
                return entry
    return _lookup(get_models_with_aliases(), name)


def get_model(name: str | None = None) -> SyncModel:
    """The sync model with this ID or alias (the default model when ``name`` is None)."""
    name = name or get_default_model()
    entry = _find(name)
    if entry is None:
        raise _unknown_model(name)
    if entry.model is None:
        raise UnknownModelError(f"Unknown model (async model exists): {name}")
    return entry.model


def get_async_model(name: str | None = None) -> AnyAsyncModel:
    """The async model with this ID or alias (the default model when ``name`` is None)."""
    name = name or get_default_model()
    entry = _find(name)
    if entry is None:
        raise _unknown_model(name)
    if entry.async_model is None:
        raise UnknownModelError(f"Unknown async model (sync model exists): {name}")
    return entry.async_model


def get_embedding_model(name: str | None = None) -> EmbeddingModel:
    name = name or get_default_embedding_model()
    if not name:
        raise UnknownModelError("No default embedding model has been set")
    from . import plugin_cache

    with plugin_cache.narrowed("embedding_models", [name]) as narrowed:
        if narrowed:
            found = _embedding_lookup(name)
            if found is not None:
                return found
    found = _embedding_lookup(name)
    if found is None:
        raise _unknown_model(name)
    return found


def _embedding_lookup(name: str) -> EmbeddingModel | None:
    for entry in get_embedding_models_with_aliases():
        if entry.model.model_id == name or name in entry.aliases:
            return entry.model
    return None


def get_model_aliases() -> dict[str, SyncModel | AnyAsyncModel]:
    """Every alias and model ID mapped to its sync (or async-only) model."""
    mapping: dict[str, SyncModel | AnyAsyncModel] = {}
    for entry in get_models_with_aliases():
        model = entry.either
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
    if not alias.strip():
        raise ValueError("The alias name cannot be empty")
    target = model_id_or_alias
    try:
        target = get_model(model_id_or_alias).model_id
    except UnknownModelError:
        # Not a chat model: an embedding model, or not installed (yet) - keep the name as given.
        with contextlib.suppress(UnknownModelError):
            target = get_embedding_model(model_id_or_alias).model_id
    # The file as stored, so entries this version does not understand are kept.
    aliases = config.read_json_object(config.aliases_path())
    aliases[alias] = target
    config._write_aliases(aliases)


def remove_alias(alias: str) -> None:
    """Remove a saved alias; ``KeyError`` if there is no such alias."""
    aliases = config.read_json_object(config.aliases_path())
    if alias not in aliases:
        raise KeyError(f"No such alias: {alias}")
    del aliases[alias]
    config._write_aliases(aliases)


@overload
def get_default_model(filename: str = ..., default: str = ...) -> str: ...
@overload
def get_default_model(filename: str = ..., *, default: None) -> str | None: ...
@overload
def get_default_model(filename: str, default: None) -> str | None: ...


def get_default_model(
    filename: str = "default_model.txt", default: str | None = config.DEFAULT_MODEL
) -> str | None:
    """The configured default model ID, or ``default`` (llm 0.36's ``gpt-5.6-luna``)."""
    return config._read_text_setting(filename) or default


def set_default_model(model: str | None, filename: str = "default_model.txt") -> None:
    """Persist the default model (``None`` clears it)."""
    config._write_text_setting(filename, model)


def get_default_embedding_model() -> str | None:
    return config._read_text_setting("default_embedding_model.txt") or DEFAULT_EMBEDDING_MODEL


def set_default_embedding_model(model: str | None) -> None:
    config._write_text_setting("default_embedding_model.txt", model)
