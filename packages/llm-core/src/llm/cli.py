"""``from llm.cli import cli`` — the click application, which lives in llm-cli.

Plugins written for the original import the CLI group from here; this module hands them the
real one, or says which package to install.
"""

from ._compat import import_sibling

_app = import_sibling("llm_cli.app", "llm-cli", "llm.cli")
_helpers = import_sibling("llm_cli.compat", "llm-cli", "llm.cli")

cli = _app.cli
logs_db_path = _helpers.logs_db_path
logs_on = _helpers.logs_on

__all__ = ["cli", "logs_db_path", "logs_on"]
