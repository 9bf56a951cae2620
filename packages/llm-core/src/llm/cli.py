"""``from llm.cli import cli`` — the click application, which lives in llm-cli.

Plugins written for the original import the CLI group from here; this module hands them the
real one, or says which package to install.
"""

try:
    from llm_cli.app import cli
    from llm_cli.compat import logs_db_path, logs_on
except ImportError as ex:  # pragma: no cover - depends on the installation
    raise ImportError("llm.cli needs the llm-cli package: pip install llm-cli") from ex

__all__ = ["cli", "logs_db_path", "logs_on"]
