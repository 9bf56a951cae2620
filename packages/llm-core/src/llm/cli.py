"""``from llm.cli import cli`` — the click application, which lives in llm-cli.

Plugins written for the original import the CLI group from here; this module hands them the
real one, or says which package to install.
"""

import importlib
from typing import Any

from ._compat import sibling, sibling_if_imported

_helpers = sibling("cli", "compat", feature="llm.cli")

logs_db_path = _helpers.logs_db_path
logs_on = _helpers.logs_on


# Defined before llm-cli's app is imported below: importing it loads the plugins, and a plugin
# that imports from here at its own import time (llm-cache-plugin: ``from llm.cli import
# get_default_model, migrate``) then finds this module half made, as with the original, whose
# cli.py loaded plugins last, once every name was in place.
def __getattr__(name: str) -> Any:
    if name == "cli":
        # Asked for while the app is still loading plugins: its group exists by then.
        app = sibling_if_imported("cli", "app")
        if app is not None and hasattr(app, "cli"):
            return app.cli
    # Anything more that llm-cli offers to plugins in llm_cli.compat, without a second list.
    try:
        return getattr(_helpers, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


_previous = globals().get("_app")
if _previous is not None:
    # importlib.reload(llm.cli): with the original that built the click group afresh, calling
    # the plugins' register_commands again (its tests register commands that way).
    _app = importlib.reload(_previous)
else:
    _app = sibling("cli", "app", feature="llm.cli")

cli = _app.cli

__all__ = ["cli", "logs_db_path", "logs_on"]
