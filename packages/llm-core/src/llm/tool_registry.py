"""The tools plugins offer: ``llm.get_tools()`` gathers them from the ``register_tools`` hook.

Each plugin's hook is called on its own, so every tool and toolbox class records the plugin
that registered it (``Tool.plugin``, ``Toolbox.plugin``): the logs store it, and a tool's
hash includes it, exactly as in the original.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

from .plugins import pm
from .tools import Tool, Toolbox

#: What ``get_tools()`` maps names to: a Tool, or a Toolbox class to be configured by the user.
ToolOrToolbox = Tool | type[Toolbox]


def _register_into(tools: dict[str, ToolOrToolbox], plugin_name: str | None) -> Callable[..., None]:
    def register(tool_or_function: Any, name: str | None = None) -> None:
        entry: ToolOrToolbox
        if inspect.isclass(tool_or_function) and issubclass(tool_or_function, Toolbox):
            entry = tool_or_function
            if plugin_name:
                entry.plugin = plugin_name
            entry.name = name or entry.__name__
            wanted = entry.name
        elif isinstance(tool_or_function, Tool):
            entry = tool_or_function
            if name:
                entry.name = name
            if plugin_name:
                entry.plugin = plugin_name
            wanted = entry.name
        elif callable(tool_or_function) and not inspect.isclass(tool_or_function):
            entry = Tool.function(tool_or_function, name=name)
            if plugin_name:
                entry.plugin = plugin_name
            wanted = entry.name
        else:
            raise TypeError(
                f"register_tools: not a tool, function or Toolbox subclass: {tool_or_function!r}"
            )
        # Two plugins may offer the same name: neither is lost, the later one gets a suffix.
        candidate, suffix = wanted, 0
        while candidate in tools:
            suffix += 1
            candidate = f"{wanted}_{suffix}"
        tools[candidate] = entry

    return register


def get_tools() -> dict[str, ToolOrToolbox]:
    """Every tool and toolbox class registered by plugins, by name."""
    from . import plugin_cache

    plugin_cache.load_implementing("register_tools")
    tools: dict[str, ToolOrToolbox] = {}
    for plugin in pm.get_plugins():
        implementations = [
            impl for impl in pm.hook.register_tools.get_hookimpls() if impl.plugin is plugin
        ]
        if not implementations:
            continue
        register = _register_into(tools, pm.get_name(plugin))
        for impl in implementations:
            impl.function(register=register)
    return tools


def get_tools_named(names: Iterable[str]) -> dict[str, ToolOrToolbox]:
    """Tools by name, including every one of ``names`` that exists: ``get_tools()``, except
    that when the plugin cache knows which plugins provide all of ``names``, only those are
    imported (and only their tools returned). Missing a name, it is ``get_tools()``."""
    from . import plugin_cache

    wanted = list(names)
    with plugin_cache.narrowed("tools", wanted) as narrowed:
        if narrowed:
            found = get_tools()
            if all(name in found for name in wanted):
                return found
    return get_tools()
