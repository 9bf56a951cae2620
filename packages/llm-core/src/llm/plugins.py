"""The plugin manager, and loading plugins from the ``llm`` entry-point group.

Plugins are loaded on first use rather than at ``import llm``: a plugin may import a heavy SDK,
and code that never asks for a model should not pay for that.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import pluggy

from . import hookspecs

if TYPE_CHECKING:
    from importlib import metadata

ENTRY_POINT_GROUP = "llm"

pm = pluggy.PluginManager("llm")
pm.add_hookspecs(hookspecs)

_loaded = False
_load_lock = threading.RLock()
#: Plugins that raised while loading: (distribution name, error message).
failed_plugins: list[tuple[str, str]] = []
_plugin_versions: dict[str, str] = {}
_plugin_distributions: dict[str, str] = {}
_attempted: set[tuple[str, str]] = set()


def _requested_plugins() -> set[str] | None:
    """The distribution names in ``LLM_LOAD_PLUGINS``, or None when it is not set."""
    value = os.environ.get("LLM_LOAD_PLUGINS")
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def distribution_name(entry_point: metadata.EntryPoint) -> str:
    """The distribution an entry point comes from (its own name when it has none)."""
    return entry_point.dist.name if entry_point.dist is not None else entry_point.name


def installed_entry_points(group: str = ENTRY_POINT_GROUP) -> Any:
    """Every entry point of the group, found by scanning the installed distributions."""
    # importlib.metadata costs tens of milliseconds to import, and the scan as much again:
    # only commands that load plugins without a current plugin cache pay for it.
    from importlib import metadata

    return metadata.entry_points(group=group)


class _RecordedDistribution(NamedTuple):
    name: str
    version: str


class RecordedEntryPoint:
    """An entry point as the plugin cache recorded it (distribution, version, name, value):
    loading it imports the plugin's module and nothing else."""

    group = ENTRY_POINT_GROUP

    def __init__(self, dist_name: str, version: str, name: str, value: str) -> None:
        self.name = name
        self.value = value
        self.dist = _RecordedDistribution(dist_name, version)

    def load(self) -> Any:
        module_name, _, attributes = self.value.split("[", 1)[0].strip().partition(":")
        target = importlib.import_module(module_name.strip())
        for attribute in filter(None, attributes.strip().split(".")):
            target = getattr(target, attribute)
        return target


#: The entry points as recorded by a plugin cache that has checked it is current, and how
#: to tell that it still is (the environment can change within a process: tests do that).
_recorded: tuple[list[list[str]], Callable[[], bool]] | None = None


def use_recorded_entry_points(
    rows: list[list[str]] | None, still_current: Callable[[], bool] = lambda: True
) -> None:
    """Load plugins from these recorded entry points instead of scanning the installed
    distributions, while ``still_current()`` says the record holds (the plugin cache calls
    this once it knows its record is current)."""
    global _recorded
    _recorded = None if rows is None else (rows, still_current)


def _entry_points() -> Any:
    if _recorded is not None and _recorded[1]():
        return [RecordedEntryPoint(*row) for row in _recorded[0]]
    return installed_entry_points()


def _in_loading_order(entry_points: Any) -> list[metadata.EntryPoint]:
    """Third-party plugins by name, then our built-in ones. pluggy calls the hooks of the
    latest-registered plugin first, so built-in models (OpenAI) head ``llm models`` as they
    do in the original, and the order never depends on how the environment was installed."""
    return sorted(
        entry_points,
        key=lambda ep: (distribution_name(ep) in BUILT_IN_DISTRIBUTIONS, distribution_name(ep)),
    )


def allowed(dist_name: str) -> bool:
    """Whether ``LLM_LOAD_PLUGINS`` (or a test suite) lets this distribution load."""
    requested = _requested_plugins()
    if requested is None and called_from_test():
        # A test suite registers its own plugins through ``pm``; installed ones would
        # change what it sees. Built-in distributions still load, as in the original.
        requested = set()
    # LLM_LOAD_PLUGINS selects third-party plugins; like the original's default plugins,
    # our own provider and tools distributions always load.
    return requested is None or dist_name in requested or dist_name in BUILT_IN_DISTRIBUTIONS


def plugin_entry_points() -> list[metadata.EntryPoint]:
    """The entry points of group ``llm`` that may load, in loading order."""
    return [ep for ep in _in_loading_order(_entry_points()) if allowed(distribution_name(ep))]


def _load_entry_point(entry_point: metadata.EntryPoint) -> None:
    dist = entry_point.dist
    dist_name = distribution_name(entry_point)
    key = (dist_name, entry_point.name)
    if key in _attempted:  # a partial load came first; never import or warn twice
        return
    _attempted.add(key)
    if pm.get_plugin(entry_point.name) is not None or pm.is_blocked(entry_point.name):
        return
    try:
        module = entry_point.load()
        pm.register(module, name=entry_point.name)
    except Exception as ex:  # a broken plugin must not break llm
        if isinstance(entry_point, RecordedEntryPoint):
            # The record was wrong (a file edited in place): ask the installed ones.
            use_recorded_entry_points(None)
            _attempted.discard(key)
            for installed in installed_entry_points():
                if installed.name == entry_point.name and distribution_name(installed) == dist_name:
                    _load_entry_point(installed)
            return
        from .redact import redact

        message = redact(f"{type(ex).__name__}: {ex}")
        failed_plugins.append((dist_name, message))
        print(f"Warning: plugin {dist_name} failed to load: {message}", file=sys.stderr)
        return
    _plugin_distributions[entry_point.name] = dist_name
    if dist is not None:
        _plugin_versions[entry_point.name] = dist.version


#: While set (see ``only_distributions``), ``load_plugins`` loads just these distributions.
_scope: set[str] | None = None


@contextlib.contextmanager
def only_distributions(names: set[str]) -> Iterator[None]:
    """Within this block ``load_plugins()`` loads only the named distributions; the others
    load on the next ``load_plugins()`` after it.

    The plugin cache uses this so that ``llm -m model`` imports only the plugin that
    provides the model.
    """
    global _scope
    previous = _scope
    _scope = set(names)
    try:
        yield
    finally:
        _scope = previous


def load_distributions(names: set[str]) -> None:
    """Load the plugins of these distributions now, if they are allowed to load."""
    if not names:
        return
    with _load_lock:
        entry_points = plugin_entry_points()
        for entry_point in entry_points:
            if distribution_name(entry_point) in names:
                _load_entry_point(entry_point)
        _keep_loading_order(entry_points)


def _keep_loading_order(entry_points: list[metadata.EntryPoint]) -> None:
    """Keep the entry-point plugins registered in loading order, however many partial loads
    brought them in: pluggy calls the latest-registered first, so this is what makes the
    order of every hook's results (``llm models``, ``llm aliases``...) the order a full
    load gives, whichever lookups loaded a plugin first."""
    rank = {ep.name: i for i, ep in enumerate(entry_points)}
    registered = [
        (name, plugin)
        for name, plugin in pm.list_name_plugin()
        if name in _plugin_distributions and name in rank
    ]
    wanted = sorted(registered, key=lambda item: rank[item[0]])
    if [n for n, _ in registered] == [n for n, _ in wanted]:
        return
    for name, plugin in registered:
        pm.unregister(plugin, name=name)
    for name, plugin in wanted:
        pm.register(plugin, name=name)


def is_fully_loaded() -> bool:
    return _loaded


def in_scope() -> bool:
    """Whether ``only_distributions`` is narrowing ``load_plugins()`` right now."""
    return _scope is not None


def in_loading_order(names: set[str]) -> list[str]:
    """These distribution names in the order ``load_plugins()`` loads them."""
    if not names:
        return []  # without listing the entry points (which may scan every distribution)
    order = [distribution_name(ep) for ep in plugin_entry_points()]
    return sorted(names, key=lambda n: order.index(n) if n in order else len(order))


def loaded_distributions() -> set[str]:
    """The distributions whose entry-point plugins are registered."""
    return {d for name, d in _plugin_distributions.items() if pm.get_plugin(name) is not None}


def load_plugins() -> None:
    """Load every plugin in the ``llm`` entry-point group, once per process.

    A plugin that fails to import is skipped with a warning naming it, so one broken plugin
    does not take down every command.
    """
    global _loaded
    if _loaded:
        return
    if _scope is not None:
        load_distributions(_scope)
        return
    with _load_lock:
        if _loaded:
            return
        _loaded = True
        found: set[str] = set()
        in_order = _in_loading_order(_entry_points())
        for entry_point in in_order:
            dist_name = distribution_name(entry_point)
            found.add(dist_name)
            if allowed(dist_name):
                _load_entry_point(entry_point)
        _keep_loading_order(in_order)
        report_missing_requested(found)


_missing_reported = False


def report_missing_requested(found: set[str] | None = None) -> None:
    """Say which distributions ``LLM_LOAD_PLUGINS`` names that are not installed, once per
    process, as the original does whenever it loads plugins. ``found``: the distributions of
    the entry points, when the caller has them."""
    global _missing_reported
    requested = _requested_plugins()
    if _missing_reported or not requested:
        return
    _missing_reported = True
    if found is None:
        found = {distribution_name(ep) for ep in _entry_points()}
    for name in sorted(requested - found):
        if not _is_installed(name):
            print(f"Plugin {name} could not be found", file=sys.stderr)


def plugin_objects_of(dist_name: str) -> list[Any]:
    """The plugin objects loaded from the distribution ``dist_name``'s entry points."""
    return [
        pm.get_plugin(name) for name, dist in _plugin_distributions.items() if dist == dist_name
    ]


def called_from_test() -> bool:
    """The original's convention: a test suite sets ``sys._called_from_test``."""
    return hasattr(sys, "_called_from_test")


def _is_installed(distribution: str) -> bool:
    from importlib import metadata

    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


def get_plugins(all: bool = False) -> list[dict[str, Any]]:
    """Describe plugins: name, the hooks each implements and its version.

    Our own provider and tool distributions are hidden unless ``all`` is true, as the
    original hides its built-in plugins. Plugins not loaded yet are described from the
    plugin cache when it can (importing none of them), else every plugin loads.
    """
    from . import plugin_cache

    unloaded = plugin_cache.unloaded_plugin_entries()
    if unloaded is None:
        load_plugins()
        unloaded = []
    found = [describe_plugin(plugin) for plugin in pm.get_plugins()] + unloaded
    if not all:
        found = [entry for entry in found if entry["name"] not in BUILT_IN_DISTRIBUTIONS]
    return sorted(found, key=lambda p: p["name"])


def describe_plugin(plugin: Any) -> dict[str, Any]:
    """``{"name", "hooks", "version"}`` of one registered plugin object, as ``llm plugins``
    shows it."""
    name = pm.get_name(plugin) or repr(plugin)
    # Like the original: a plugin from a distribution is named after it; one registered in
    # code by its __name__ (a module's name, or one a plugin class sets), else the name it
    # was registered under.
    dist_name = _plugin_distributions.get(name) or getattr(plugin, "__name__", None) or name
    info: dict[str, Any] = {
        "name": dist_name,
        "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or []),
    }
    if name in _plugin_versions:
        info["version"] = _plugin_versions[name]
    return info


#: Distributions of the llm family that register through entry points like any plugin.
BUILT_IN_DISTRIBUTIONS = frozenset({"llm-openai", "llm-tools"})
