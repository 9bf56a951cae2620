"""The one door from llm-core to its sibling distributions.

The original kept everything in one package, so plugins import ``llm.cli``, ``llm.migrations``
and friends, and ``Response.log_to_db()`` logs without being told how. Those hand over the real
implementation from llm-cli, llm-storage, ... through :func:`sibling`, and this is the only
module of llm-core that names a sibling (``tests/test_sibling_door.py`` enforces it). When
that sibling is not installed the user is told which package to install; when it is
installed but fails to import (a bug inside it, a missing dependency of its own) the real error
surfaces unchanged, not disguised as "pip install".
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .log_contract import LoggableResponse, LogTarget

#: Each sibling by its role: (import package, distribution to install).
SIBLINGS: dict[str, tuple[str, str]] = {
    "cli": ("llm_cli", "llm-cli"),
    "storage": ("llm_storage", "llm-storage"),
    "embeddings": ("llm_embeddings", "llm-embeddings"),
    "tools": ("llm_tools", "llm-tools"),
    "openai": ("llm_openai_provider", "llm-openai"),
}


def sibling(role: str, submodule: str | None = None, *, feature: str) -> ModuleType:
    """The sibling playing ``role`` (a key of :data:`SIBLINGS`), or its ``submodule``;
    ``feature`` names what needs it in the error raised when it is missing."""
    package, distribution = SIBLINGS[role]
    return import_sibling(f"{package}.{submodule}" if submodule else package, distribution, feature)


def sibling_if_imported(role: str, submodule: str | None = None) -> ModuleType | None:
    """The sibling module when its import has begun (it may still be running), else None;
    never imports it."""
    package = SIBLINGS[role][0]
    return sys.modules.get(f"{package}.{submodule}" if submodule else package)


def sibling_installed(role: str) -> bool:
    """Whether the sibling playing ``role`` is installed (without importing it)."""
    return _installed(SIBLINGS[role][0])


def install_hint(role: str, *, upgrade: bool = False) -> str:
    """``pip install <distribution>`` (``-U`` to ``upgrade``) for the sibling playing ``role``."""
    return f"pip install {'-U ' if upgrade else ''}{SIBLINGS[role][1]}"


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


def log_to_db(responses: Sequence[LoggableResponse], db: Any) -> None:
    """The one body of ``Response/AsyncResponse/ChainResponse.log_to_db``: llm-storage opens
    ``db`` once (a :class:`~llm.log_contract.LogTarget`), each response is logged in order,
    and only what was opened here is closed (a store or connection passed in stays the
    caller's)."""
    opening = sibling("storage", "opening", feature="Logging responses")
    target: LogTarget = opening.open_for_logging(db)
    try:
        for response in responses:
            target.log_response(response)
    finally:
        if target is not db:
            target.close()


def response_from_row(db: Any, row: Any, *, use_async: bool) -> Any:
    """``Response.from_row(db, row)``: the logged response ``row`` (a ``responses`` row of a
    SQLite database: a ``sqlite_utils.Database`` or ``sqlite3.Connection``) rebuilt with its
    fragments, attachments, tool calls and results, for the model it names."""
    read = sibling("storage", "read", feature="Response.from_row")
    rebuild = sibling("storage", "rebuild", feature="Response.from_row")
    from .registry import get_async_model, get_model

    rows = read.SqliteRows(getattr(db, "conn", db))
    found = read.list_responses(rows, response_ids=[row["id"]], limit=None)
    record = found[0] if found else dict(row)
    model = (get_async_model if use_async else get_model)(record["model"])
    return rebuild.response(record, model, use_async=use_async)
