"""The llm plugin of llm-tools: registers the built-in tools through ``register_tools``.

Its entry point is named ``llm.default_plugins.default_tools``, the original's module name, so
the tools record that plugin name: their hashes and ``tools.plugin`` values in existing log
databases stay the same.
"""

from __future__ import annotations

from typing import Any

import llm

from . import llm_time, llm_version


@llm.hookimpl
def register_tools(register: Any) -> None:
    register(llm_version)
    register(llm_time)
