"""``from llm.migrations import migrate`` — bring a log database up to the current schema.

Plugins' tests written for the original call ``migrate(db)`` on a sqlite-utils ``Database``
before logging to it; the schema now lives in llm-storage, which does the work.
"""

from __future__ import annotations

import os
from typing import Any

from ._compat import sibling


def migrate(db: Any) -> None:
    """Create or upgrade the log tables in ``db`` (a sqlite-utils Database, a path or URL)."""
    try:
        store = sibling("storage", feature="llm.migrations").open_store(db)
    except Exception as ex:
        import sqlite3

        # As the original raises it: the database's own error, not the wrappers around it.
        cause: BaseException | None = ex
        while cause is not None:
            original = getattr(cause, "orig", None)
            if isinstance(original, sqlite3.Error):
                raise original from ex
            cause = cause.__cause__
        raise
    # Closing a store built on the caller's own connection (an in-memory sqlite-utils
    # Database) would close that connection too; it stays theirs, as in chain.log_to_db.
    if db is None or isinstance(db, str | os.PathLike):
        store.close()
