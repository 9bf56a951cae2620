"""Import code that lives in a sibling distribution for a compatibility path in ``llm``.

The original kept everything in one package, so plugins import ``llm.cli``, ``llm.migrations``
and friends. Those modules now hand over the real implementation from llm-cli, llm-storage,
... . When that sibling is not installed the user needs to be told which package to install;
when it is installed but fails to import (a bug inside it, a missing dependency of its own) the
real error must surface unchanged, not be disguised as "pip install".
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any


def _installed(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def import_sibling(module: str, distribution: str, feature: str) -> ModuleType:
    """Import ``module`` from ``distribution``; ``feature`` names what needs it in messages.

    Raises an ImportError naming the package to install only when the module itself (or a
    package containing it) cannot be found; any other ImportError raised while importing it
    propagates as it is.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as ex:
        missing = ex.name or ""
        if missing != module and not module.startswith(missing + "."):
            raise  # something the sibling imports is missing: that is the real problem
        if _installed(module.partition(".")[0]):
            message = f"{feature} needs a newer {distribution}: pip install -U {distribution}"
        else:
            message = f"{feature} needs the {distribution} package: pip install {distribution}"
        raise ImportError(message, name=module) from None


def log_to_db(responses: list[Any], db: Any) -> None:
    """The one body of ``Response/AsyncResponse/ChainResponse.log_to_db``: llm-storage opens
    ``db`` once, logs each response in order and closes only what it opened."""
    storage = import_sibling("llm_storage.opening", "llm-storage", "Logging responses")
    storage.log_to_db(responses, db)


def response_from_row(db: Any, row: Any, *, use_async: bool) -> Any:
    """``Response.from_row(db, row)``: the logged response ``row`` (a ``responses`` row of a
    SQLite database: a ``sqlite_utils.Database`` or ``sqlite3.Connection``) rebuilt with its
    fragments, attachments, tool calls and results, for the model it names."""
    read = import_sibling("llm_storage.read", "llm-storage", "Response.from_row")
    rebuild = import_sibling("llm_storage.rebuild", "llm-storage", "Response.from_row")
    from .registry import get_async_model, get_model

    rows = read.SqliteRows(getattr(db, "conn", db))
    found = read.list_responses(rows, response_ids=[row["id"]], limit=None)
    record = found[0] if found else dict(row)
    model = (get_async_model if use_async else get_model)(record["model"])
    return rebuild.response(record, model, use_async=use_async)
