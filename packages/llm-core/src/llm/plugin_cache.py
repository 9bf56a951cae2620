"""What each installed plugin registers, cached so that commands import only the plugins they use.

The cache (``plugin-cache-<environment>.json`` in the user directory, one per Python environment)
describes, per distribution of the ``llm`` entry-point group, the hooks it implements, and the
commands (name and help summary), model and embedding-model IDs with their aliases, tool names
and loader prefixes it registers. It is keyed on the installed entry points and distribution
versions and rebuilt when they change. Checking that key on every start would mean scanning
every installed distribution, so a cheap key comes first: the modification times of the
``sys.path`` directories, which change whenever a distribution is installed, upgraded or
removed. Only when that cheap key differs is the full key computed.

Lookups narrow through it: ``llm.get_model()`` (and the embedding-model, tool and loader lookups,
see ``narrowed``) import only the plugins that provide the name asked for, from Python as from
the CLI; a lookup from Python reads an up-to-date cache but never rebuilds one (``peek``).
Listings (``llm models``, ``llm tools``...) import only the plugins that implement the hook
they call (``load_implementing``): by the hook, never by what a plugin registered when it was
described, which may change with its configuration.

A cache that cannot be read, has the wrong shape or describes other distributions is rebuilt;
a plugin that cannot be described (it fails to load, or a hook raises) is never cached and so
loads eagerly, as without a cache. Consumers treat a cached answer as a hint: when it turns out
wrong (a model is not where the cache says) they load every plugin.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from . import plugins

FORMAT = 3
MAX_FAST_KEYS = 4

#: One distribution's description: section name -> list of entries.
Description = dict[str, Any]
#: Describes the commands a set of plugins registers, given their ``register_commands``
#: hook caller (the CLI supplies it: core knows nothing of click).
CommandDescriber = Callable[[Any], list[list[Any]]]

#: The descriptions of the distributions allowed to load, once ``current()`` has run.
_descriptions: dict[str, Description | None] | None = None


def cache_path() -> Path:
    """``plugin-cache-<crc of sys.prefix>.json`` in the user directory: one file per Python
    environment, so two environments sharing a user directory (each with its own plugins)
    never take turns rebuilding one file. A file names its environment in its key too."""
    import zlib

    from .config import user_dir

    return user_dir() / f"plugin-cache-{zlib.crc32(sys.prefix.encode()):08x}.json"


def enabled() -> bool:
    # A test suite registers its plugins in code and expects a fresh process state each time;
    # it never sees (or writes) a cache.
    return not plugins.called_from_test()


def _fast_key() -> list[Any]:
    entries: list[Any] = [sys.version, sys.prefix, FORMAT]
    try:
        cwd: str | None = os.getcwd()
    except OSError:  # the working directory was removed
        cwd = None
    for entry in sys.path:
        if not entry or entry == cwd:
            # The working directory (``python -m``, ``-c``) changes whenever a file in it
            # does: key it on the distributions it holds instead.
            entries.append([entry, _distributions_in(entry or ".")])
            continue
        try:
            mtime: int | None = os.stat(entry).st_mtime_ns
        except OSError:
            mtime = None
        entries.append([entry, mtime])
    return entries


def _distributions_in(directory: str) -> list[str]:
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(n for n in names if n.endswith((".dist-info", ".egg-info", ".egg-link")))


def _full_key() -> list[list[str]]:
    return _recorded(plugins.ENTRY_POINT_GROUP)


def _recorded(group: str) -> list[list[str]]:
    """The group's installed entry points as rows: distribution, version, name, value."""
    found = []
    for ep in plugins.installed_entry_points(group):
        dist = ep.dist
        found.append(
            [
                plugins.distribution_name(ep),
                dist.version if dist is not None else "",
                ep.name,
                ep.value,
            ]
        )
    return sorted(found)


def _read(path: Path) -> dict[str, Any] | None:
    """The cache file's content when it is well formed, else None."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    key, described = data.get("key"), data.get("plugins")
    if not isinstance(key, list) or not isinstance(described, dict):
        return None
    if not isinstance(data.get("fast_keys", []), list):
        return None
    if not all(isinstance(k, list) and len(k) == 4 for k in key):
        return None
    for description in described.values():
        if not isinstance(description, dict) or not all(
            isinstance(v, list) for v in description.values()
        ):
            return None
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    """Atomically, so that concurrent ``llm`` processes never read half a file."""
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".plugin-cache-", suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except OSError:
        # A read-only user directory only costs speed.
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass


def _hook(name: str, plugin_objects: list[Any]) -> Any:
    others = [p for p in plugins.pm.get_plugins() if not any(p is o for o in plugin_objects)]
    return plugins.pm.subset_hook_caller(name, remove_plugins=others)


def _plugin_objects(dist_name: str) -> list[Any]:
    return plugins.plugin_objects_of(dist_name)


def hook_of_distribution(dist_name: str, hook_name: str) -> Any:
    """A hook caller for just this (loaded) distribution's plugins; None if none loaded."""
    objects = [o for o in _plugin_objects(dist_name) if o is not None]
    return _hook(hook_name, objects) if objects else None


def _name_of(item: Any, name: str | None = None) -> str:
    return str(name or getattr(item, "name", None) or getattr(item, "__name__", None) or item)


def _is_editable(dist_name: str) -> bool:
    """Whether the distribution is installed in development mode (``pip install -e``,
    ``uv sync``: PEP 610's ``direct_url.json`` says so), where its code changes with no
    change of version."""
    from importlib import metadata

    try:
        raw = metadata.distribution(dist_name).read_text("direct_url.json")
        return bool(raw and json.loads(raw).get("dir_info", {}).get("editable"))
    except (metadata.PackageNotFoundError, ValueError, AttributeError, OSError):
        return False


def _editable_sources(dist_name: str, objects: list[Any]) -> list[list[Any]]:
    """For a distribution installed in development mode, its plugin modules' source files
    and folders with their modification times: a description is current only while they
    are unchanged (an edit can add a hook, a command or a model without a new version).
    Empty for any other install, whose version changes when its code does."""
    if not _is_editable(dist_name):
        return []
    paths: set[str] = set()
    for plugin in objects:
        top = sys.modules.get(str(getattr(plugin, "__name__", "")).split(".")[0])
        for folder in getattr(top, "__path__", None) or []:
            for root, dirs, files in os.walk(folder):
                dirs[:] = [d for d in dirs if d != "__pycache__"]
                paths.add(root)
                paths.update(os.path.join(root, f) for f in files if f.endswith(".py"))
        if top is not None and getattr(top, "__file__", None) and not hasattr(top, "__path__"):
            paths.add(str(top.__file__))
            paths.add(os.path.dirname(str(top.__file__)))
    return [[path, _mtime(path)] for path in sorted(paths)]


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _unchanged(description: Description) -> bool:
    """Whether the sources a description was made from (development installs) are as then."""
    return all(_mtime(path) == mtime for path, mtime in description.get("sources", []))


def _still_importing(plugin: Any) -> bool:
    """Whether ``plugin`` is a module whose own import is still running: one that imports
    ``llm.cli`` at its top (llm-cache-plugin) and was imported first, by a script or a test,
    is registered half made, with none of its hooks. What it registers then is no record."""
    spec = getattr(plugin, "__spec__", None)
    return bool(getattr(spec, "_initializing", False))


def describe(
    dist_name: str, describe_commands: CommandDescriber, registered: Iterable[Any] = ()
) -> Description | None:
    """What the loaded plugins of this distribution register; None when it cannot be told.
    ``registered``: every plugin object that loading it added (a plugin module may register
    more objects than itself), whose hooks count as the distribution's."""
    objects = _plugin_objects(dist_name)
    if not objects or any(o is None or _still_importing(o) for o in objects):
        return None
    every = list({id(o): o for o in [*objects, *registered]}.values())
    sources = _editable_sources(dist_name, every)
    hooks = sorted({caller.name for o in every for caller in plugins.pm.get_hookcallers(o) or []})
    # What ``llm plugins`` says of each object: it can then answer without importing any.
    listed = [plugins.describe_plugin(o) for o in every]
    models: list[list[Any]] = []
    embedding_models: list[list[Any]] = []
    tools: list[str] = []
    template_loaders: list[str] = []
    fragment_loaders: list[str] = []

    def register_model(model: Any = None, async_model: Any = None, aliases: Any = None) -> None:
        models.append([(model or async_model).model_id, list(aliases or [])])

    def register_embedding_model(model: Any, aliases: Any = None) -> None:
        embedding_models.append([model.model_id, list(aliases or [])])

    try:
        _hook("register_models", objects)(register=register_model, model_aliases=[])
        _hook("register_embedding_models", objects)(register=register_embedding_model)
        _hook("register_tools", objects)(
            register=lambda item, name=None: tools.append(_name_of(item, name))
        )
        _hook("register_template_loaders", objects)(
            register=lambda prefix, loader: template_loaders.append(prefix)
        )
        _hook("register_fragment_loaders", objects)(
            register=lambda prefix, loader: fragment_loaders.append(prefix)
        )
        commands = describe_commands(_hook("register_commands", objects))
    except Exception:  # a plugin whose hooks misbehave is simply loaded every time
        return None
    return {
        "hooks": hooks,
        "plugins": [[entry["name"], entry["hooks"], entry.get("version")] for entry in listed],
        "sources": sources,
        "commands": commands,
        "models": models,
        "embedding_models": embedding_models,
        "tools": tools,
        "template_loaders": template_loaders,
        "fragment_loaders": fragment_loaders,
    }


def current(describe_commands: CommandDescriber) -> dict[str, Description | None] | None:
    """Descriptions of the distributions allowed to load (None for one that must load
    eagerly), refreshing the cache as needed; None when the cache is not in use."""
    global _descriptions
    if not enabled():
        return None
    path = cache_path()
    data = _read(path)
    fast_key = _fast_key()
    dirty = False
    # Several cheap keys can stand for one full key: ``llm`` and ``python -m llm`` see
    # different sys.path[0] directories, and must not take turns rebuilding the cache.
    if data is None or fast_key not in data.get("fast_keys", []):
        key = _full_key()
        if data is None or data["key"] != key:
            data = {"format": FORMAT, "key": key, "plugins": {}, "fast_keys": []}
        _add_fast_key(data, fast_key)
        dirty = True
    described: dict[str, Any] = data["plugins"]
    allowed = sorted({k[0] for k in data["key"] if plugins.allowed(k[0])})
    missing = {name for name in allowed if name not in described or not _unchanged(described[name])}
    for name in plugins.in_loading_order(missing):
        # One at a time (in the order a full load takes), to see what each one registers.
        before = {id(p) for p in plugins.pm.get_plugins()}
        plugins.load_distributions({name})
        added = [p for p in plugins.pm.get_plugins() if id(p) not in before]
        description = describe(name, describe_commands, added)
        if description is not None:
            described[name] = description
            dirty = True
    if dirty:
        _write(path, data)
    _use(data, fast_key)
    _descriptions = {name: described.get(name) for name in allowed}
    return _descriptions


def _add_fast_key(data: dict[str, Any], fast_key: list[Any]) -> None:
    """Record that ``fast_key`` stands for the full key just checked."""
    data["fast_keys"] = [*data.get("fast_keys", [])[-(MAX_FAST_KEYS - 1) :], fast_key]


def _use(data: dict[str, Any], fast_key: list[Any]) -> None:
    """Hand the current record to what loads from it, for as long as it stays current."""

    def still_current() -> bool:
        return _fast_key() == fast_key

    plugins.use_recorded_entry_points(data["key"], still_current)


def peek() -> dict[str, Description | None] | None:
    """The descriptions, from a cache file that is up to date, without rebuilding it: for
    lookups from Python (``llm.get_model()``), where no CLI can describe commands. None when
    there is no such file (then everything loads, as without a cache)."""
    global _descriptions
    if _descriptions is not None or not enabled():
        return _descriptions
    path = cache_path()
    data = _read(path)
    if data is None:
        return None
    fast_key = _fast_key()
    if fast_key not in data.get("fast_keys", []):
        if data["key"] != _full_key():
            return None
        _add_fast_key(data, fast_key)
        _write(path, data)
    described: dict[str, Any] = data["plugins"]
    allowed = sorted({k[0] for k in data["key"] if plugins.allowed(k[0])})
    _use(data, fast_key)
    # A development install edited since it was described loads as one never described.
    _descriptions = {
        name: d if d is not None and _unchanged(d) else None
        for name, d in ((name, described.get(name)) for name in allowed)
    }
    return _descriptions


#: Sections whose names may differ in case (models are often typed by hand).
_ANY_CASE = {"models", "embedding_models"}


def providers(section: str, name: str) -> set[str] | None:
    """The distributions to load to find ``name`` in ``section`` (``models``,
    ``embedding_models``, ``tools``, ``template_loaders``, ``fragment_loaders``), by the
    cache: those that register it, plus any the cache could not describe. None when that
    is not known (no cache, no cached match), or, outside models, when several register it
    (which one gets the plain name depends on every plugin loaded)."""
    # Plugins that could not be described are loaded too: they may provide it.
    described = peek()
    if described is None:
        return None
    names = {name}
    if section in _ANY_CASE:
        from .config import load_aliases

        target = load_aliases().get(name)
        names = {n.lower() for n in (name, target) if n}
    found = set()
    for dist, description in described.items():
        for entry in (description or {}).get(section, []):
            if section in _ANY_CASE:
                entry_id, aliases = entry
                if names & {entry_id.lower(), *(a.lower() for a in aliases)}:
                    found.add(dist)
            elif entry in names:
                found.add(dist)
    if not found or (section not in _ANY_CASE and len(found) > 1):
        return None
    return found | {dist for dist, description in described.items() if description is None}


def distributions_for_model(name: str) -> set[str] | None:
    """The distributions that, by the cache, provide the model with this ID or alias."""
    return providers("models", name)


def unloaded_plugin_entries() -> list[dict[str, Any]] | None:
    """What ``llm.get_plugins()`` would say of the plugins of every distribution not loaded
    yet, by the cache; None when the cache cannot tell (no current cache, or a distribution
    it could not describe, which must load to show its failure)."""
    if plugins.is_fully_loaded():
        return []
    described = peek()
    if described is None:
        return None
    loaded = plugins.loaded_distributions()
    entries: list[dict[str, Any]] = []
    for name, description in described.items():
        if name in loaded:
            continue
        if description is None or "plugins" not in description:
            return None
        for display, hooks, version in description["plugins"]:
            entry: dict[str, Any] = {"name": display, "hooks": hooks}
            if version is not None:
                entry["version"] = version
            entries.append(entry)
    return entries


def load_implementing(hook: str) -> None:
    """``load_plugins()`` for a caller about to call ``hook``: by the cache, only the
    distributions that implement it (and those it could not describe) load; without a
    current cache, or inside a narrower scope (``narrowed``), as ``load_plugins()``."""
    if plugins.is_fully_loaded() or plugins.in_scope():
        plugins.load_plugins()
        return
    described = peek()
    if described is None:
        plugins.load_plugins()
        return
    plugins.load_distributions(
        {name for name, d in described.items() if d is None or hook in d.get("hooks", [hook])}
    )
    plugins.report_missing_requested()


@contextlib.contextmanager
def narrowed(section: str, names: Iterable[str]) -> Iterator[bool]:
    """Within this block ``load_plugins()`` loads only the plugins that (by the cache)
    provide every one of ``names``; yields whether it narrowed anything. The caller looks
    its names up inside, and, should one be missing (the cache was wrong), again outside,
    where every plugin loads."""
    if plugins.is_fully_loaded():
        yield False
        return
    needed: set[str] = set()
    for name in names:
        found = providers(section, name)
        if found is None:
            yield False
            return
        needed |= found
    with plugins.only_distributions(needed):
        yield True
