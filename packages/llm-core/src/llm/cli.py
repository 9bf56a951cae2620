"""``from llm.cli import cli`` — the click application, which lives in llm-cli.

Plugins written for the original import the CLI group from here; this module hands them the
real one, or says which package to install.
"""

import importlib
from typing import Any

from ._compat import sibling

_previous = globals().get("_app")
if _previous is not None:
    # importlib.reload(llm.cli): with the original that built the click group afresh, calling
    # the plugins' register_commands again (its tests register commands that way).
    _app = importlib.reload(_previous)
else:
    _app = sibling("cli", "app", feature="llm.cli")
_helpers = sibling("cli", "compat", feature="llm.cli")

cli = _app.cli
logs_db_path = _helpers.logs_db_path
logs_on = _helpers.logs_on

__all__ = ["cli", "logs_db_path", "logs_on"]


def __getattr__(name: str) -> Any:
    # Anything more that llm-cli offers to plugins in llm_cli.compat, without a second list.
    try:
        return getattr(_helpers, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
