"""The plugin manager, and loading plugins from the ``llm`` entry-point group.

Plugins are loaded on first use rather than at ``import llm``: a plugin may import a heavy SDK,
and code that never asks for a model should not pay for that.
"""

from __future__ import annotations

import os
import sys
import threading
from importlib import metadata
from typing import Any

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "llm"

pm = pluggy.PluginManager("llm")
pm.add_hookspecs(hookspecs)

_loaded = False
_load_lock = threading.RLock()
#: Plugins that raised while loading: (distribution name, error message).
failed_plugins: list[tuple[str, str]] = []
_plugin_versions: dict[str, str] = {}
_plugin_distributions: dict[str, str] = {}


def _requested_plugins() -> set[str] | None:
    """The distribution names in ``LLM_LOAD_PLUGINS``, or None when it is not set."""
    value = os.environ.get("LLM_LOAD_PLUGINS")
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _distribution_name(entry_point: metadata.EntryPoint) -> str:
    return entry_point.dist.name if entry_point.dist is not None else entry_point.name


def _in_loading_order(entry_points: Any) -> list[metadata.EntryPoint]:
    """Third-party plugins by name, then our built-in ones. pluggy calls the hooks of the
    latest-registered plugin first, so built-in models (OpenAI) head ``llm models`` as they
    do in the original, and the order never depends on how the environment was installed."""
    return sorted(
        entry_points,
        key=lambda ep: (_distribution_name(ep) in BUILT_IN_DISTRIBUTIONS, _distribution_name(ep)),
    )


def load_plugins() -> None:
    """Load every plugin in the ``llm`` entry-point group, once per process.

    A plugin that fails to import is skipped with a warning naming it, so one broken plugin
    does not take down every command.
    """
    global _loaded
    if _loaded:
        return
    with _load_lock:
        if _loaded:
            return
        _loaded = True
        requested = _requested_plugins()
        if requested is None and getattr(sys, "_called_from_test", False):
            # The original's test convention: a test suite registers its own models, so
            # only our built-in providers load (as the original's default plugins do).
            requested = set()
        for entry_point in _in_loading_order(metadata.entry_points(group=ENTRY_POINT_GROUP)):
            dist = entry_point.dist
            dist_name = dist.name if dist is not None else entry_point.name
            # LLM_LOAD_PLUGINS selects third-party plugins; like the original's default
            # plugins, our own provider and tools distributions always load.
            if (
                requested is not None
                and dist_name not in requested
                and dist_name not in BUILT_IN_DISTRIBUTIONS
            ):
                continue
            if pm.get_plugin(entry_point.name) is not None or pm.is_blocked(entry_point.name):
                continue
            try:
                module = entry_point.load()
                pm.register(module, name=entry_point.name)
            except Exception as ex:  # a broken plugin must not break llm
                message = f"{type(ex).__name__}: {ex}"
                failed_plugins.append((dist_name, message))
                print(f"Warning: plugin {dist_name} failed to load: {message}", file=sys.stderr)
                continue
            _plugin_distributions[entry_point.name] = dist_name
            if dist is not None:
                _plugin_versions[entry_point.name] = dist.version


def get_plugins(all: bool = False) -> list[dict[str, Any]]:
    """Describe loaded plugins: name, the hooks each implements and its version.

    Our own provider and tool distributions are hidden unless ``all`` is true, as the
    original hides its built-in plugins.
    """
    load_plugins()
    plugins = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin) or repr(plugin)
        dist_name = _plugin_distributions.get(name, name)
        if not all and dist_name in BUILT_IN_DISTRIBUTIONS:
            continue
        info: dict[str, Any] = {
            "name": dist_name,
            "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or []),
        }
        if name in _plugin_versions:
            info["version"] = _plugin_versions[name]
        plugins.append(info)
    return sorted(plugins, key=lambda p: p["name"])


#: Distributions of the llm family that register through entry points like any plugin.
BUILT_IN_DISTRIBUTIONS = frozenset({"llm-openai", "llm-tools"})
