"""Template and fragment loaders that plugins register (``-t prefix:name``,
``-f prefix:argument``), callable from Python too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .plugins import pm
from .templates import Template

TemplateLoader = Callable[[str], Template]
# Returns an llm.Fragment, an llm.Attachment, or a list of them.
FragmentLoader = Callable[[str], Any]


def _collect(hook: Any) -> dict[str, Any]:
    """Run a ``register_*_loaders`` hook; a prefix registered twice gets ``_1``, ``_2``..."""
    from . import plugin_cache

    plugin_cache.load_implementing(hook.name)
    loaders: dict[str, Any] = {}

    def register(prefix: str, loader: Any) -> None:
        candidate, suffix = prefix, 0
        while candidate in loaders:
            suffix += 1
            candidate = f"{prefix}_{suffix}"
        loaders[candidate] = loader

    hook(register=register)
    return loaders


def get_template_loaders() -> dict[str, TemplateLoader]:
    """Template loaders registered by plugins, by prefix."""
    return _collect(pm.hook.register_template_loaders)


def get_fragment_loaders() -> dict[str, FragmentLoader]:
    """Fragment loaders registered by plugins, by prefix."""
    return _collect(pm.hook.register_fragment_loaders)


def _one(section: str, prefix: str, every: Callable[[], dict[str, Any]]) -> Any:
    from . import plugin_cache

    with plugin_cache.narrowed(section, [prefix]) as narrowed:
        if narrowed:
            found = every().get(prefix)
            if found is not None:
                return found
    return every().get(prefix)


def get_template_loader(prefix: str) -> TemplateLoader | None:
    """The template loader for ``prefix`` (None if no plugin has one), importing only the
    plugin that registers it when the plugin cache knows which."""
    loader: TemplateLoader | None = _one("template_loaders", prefix, get_template_loaders)
    return loader


def get_fragment_loader(prefix: str) -> FragmentLoader | None:
    """The fragment loader for ``prefix`` (None if no plugin has one), importing only the
    plugin that registers it when the plugin cache knows which."""
    loader: FragmentLoader | None = _one("fragment_loaders", prefix, get_fragment_loaders)
    return loader
