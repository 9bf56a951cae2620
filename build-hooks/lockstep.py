"""Hatch metadata hook: one version for the whole llm family, and siblings pinned at it.

The version is written once, as ``__version__`` in ``packages/llm-core/src/llm/_version.py``
(what ``llm --version`` prints). Each member's ``pyproject.toml`` lists ``version`` and
``dependencies`` as dynamic and configures this hook with::

    [tool.hatch.metadata.hooks.custom]
    siblings = ["llm-core"]          # pinned ==version
    dependencies = ["click>=8.1"]    # everything else, as written
    extras = {serve = ["llm-openai-server"]}   # optional siblings, pinned too

Members reach this file through a ``lockstep.py`` symlink (hatch resolves a hook's path inside
the member). Their sdists carry a real copy instead (not under hatch's default name,
``hatch_build.py``, which an sdist always takes as it is, symlink included). A wheel built from
an sdist takes version and dependencies from its PKG-INFO: the hook is loaded there but has
nothing to fill in, so it never looks for the workspace.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

VERSION_FILE = Path(__file__).resolve().parent.parent / "packages/llm-core/src/llm/_version.py"
_VERSION = re.compile(r'^__version__ = "([^"]+)"$', re.MULTILINE)


def family_version() -> str:
    match = _VERSION.search(VERSION_FILE.read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f'no `__version__ = "..."` line in {VERSION_FILE}')
    return match.group(1)


class LockstepMetadataHook(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        version = family_version()
        siblings: list[str] = self.config.get("siblings", [])
        others: list[str] = self.config.get("dependencies", [])
        metadata["version"] = version
        metadata["dependencies"] = [f"{name}=={version}" for name in siblings] + others
        # Extras that name siblings (``extras = {serve = ["llm-openai-server"]}``) pin them too;
        # the member then lists ``optional-dependencies`` as dynamic.
        extras: dict[str, list[str]] = self.config.get("extras", {})
        if extras:
            metadata["optional-dependencies"] = {
                extra: [f"{name}=={version}" for name in names] for extra, names in extras.items()
            }
