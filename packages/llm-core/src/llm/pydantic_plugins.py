"""pydantic's plugin lookup, answered from the plugin cache when it knows there is nothing.

The first time a pydantic model class is built (every prompt builds its model's ``Options``),
pydantic imports ``importlib.metadata`` and scans every installed distribution for entry
points of the ``pydantic`` group: measured at about 15 ms of the 170 ms of
``llm -m echo hi``, a tenth of the command, spent finding nothing on almost every machine.
The plugin cache scans the distributions only when the environment changes (see
``plugin_cache``); it records this group's entry points too. While its record is current and
holds none, ``llm.options`` (where llm first builds a pydantic model) puts a stand-in for
pydantic's loader module in ``sys.modules`` that answers "no plugins" without the import or
the scan.

When the record lists pydantic plugins, when pydantic's loader was imported first, or when
the environment changes under a running process, pydantic's own loader does the work as
usual. Anything else pydantic asks of the stand-in is handed to its own loader.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable
from typing import Any

GROUP = "pydantic"
LOADER = "pydantic.plugin._loader"


class _Loader(types.ModuleType):
    """Stands for ``pydantic.plugin._loader`` while ``still_current()`` holds."""

    def __init__(self, still_current: Callable[[], bool]) -> None:
        super().__init__(LOADER)
        self._still_current = still_current
        self.PYDANTIC_ENTRY_POINT_GROUP = GROUP

    def get_plugins(self) -> Any:
        if self._still_current():
            return ()
        return _real_loader().get_plugins()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # what the import system probes (``__path__``...)
            raise AttributeError(name)
        return getattr(_real_loader(), name)


def _real_loader() -> Any:
    """pydantic's own loader module, imported in place of the stand-in."""
    if isinstance(sys.modules.get(LOADER), _Loader):
        del sys.modules[LOADER]
    return importlib.import_module(LOADER)


#: How to tell that the plugin cache's record of no pydantic plugins still holds.
_none_recorded: Callable[[], bool] | None = None


def use_recorded(rows: list[list[str]], still_current: Callable[[], bool]) -> None:
    """The plugin cache's record of the ``pydantic`` entry points (distribution, version,
    name, value), current while ``still_current()`` says so."""
    global _none_recorded
    _none_recorded = None if rows else still_current


def stand_in_for_the_loader() -> None:
    """Called before pydantic builds its first model: answer pydantic's plugin lookup
    without a scan, when the plugin cache has recorded that there is nothing to find."""
    if _none_recorded is not None and LOADER not in sys.modules:
        sys.modules[LOADER] = _Loader(_none_recorded)
