"""``from llm.migrations import migrate`` — bring a log database up to the current schema.

Plugins' tests written for the original call ``migrate(db)`` on a sqlite-utils ``Database``
before logging to it; the schema now lives in llm-storage, which does the work.
"""

from __future__ import annotations

from typing import Any


def migrate(db: Any) -> None:
    """Create or upgrade the log tables in ``db`` (a sqlite-utils Database, a path or URL)."""
    try:
        import llm_storage
    except ImportError as ex:  # pragma: no cover - depends on the installation
        raise ImportError(
            "llm.migrations needs the llm-storage package: pip install llm-storage"
        ) from ex
    llm_storage.open_store(db).close()
