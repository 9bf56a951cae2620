"""llm-storage: the ``llm`` log store (SQLAlchemy models, Alembic migrations, SQLite default).

``import llm_storage`` is cheap; SQLAlchemy loads when a store is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._head import HEAD_REVISION
from .errors import StoreError

if TYPE_CHECKING:
    from .opening import open_for_logging, open_for_reading, open_store
    from .store import LogStore

__all__ = [
    "HEAD_REVISION",
    "LogStore",
    "StoreError",
    "open_for_logging",
    "open_for_reading",
    "open_store",
]


def __getattr__(name: str) -> Any:
    if name == "open_store":
        from .opening import open_store

        return open_store
    if name == "open_for_logging":
        from .opening import open_for_logging

        return open_for_logging
    if name == "open_for_reading":
        from .opening import open_for_reading

        return open_for_reading
    if name == "LogStore":
        from .store import LogStore

        return LogStore
    raise AttributeError(f"module 'llm_storage' has no attribute {name!r}")
