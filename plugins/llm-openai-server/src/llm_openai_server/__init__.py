"""llm-openai-server: ``llm serve``, every installed model behind an OpenAI-compatible API.

Importing this module (which the plugin system does) costs only click: the web stack is
imported when ``llm serve`` runs.
"""

from __future__ import annotations

from typing import Any

import llm


@llm.hookimpl
def register_commands(cli: Any) -> None:
    from .command import serve

    cli.add_command(serve)
