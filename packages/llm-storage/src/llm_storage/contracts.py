"""The storage side of the typed contracts at llm-storage's boundaries.

The protocols themselves are llm-core's (:mod:`llm.log_contract`): what a response gives the
writer (``LoggableResponse``), what ``open_for_logging()`` returns (``LogTarget``: a full
``LogStore`` or one of the driver-only writers) and what ``open_for_reading()`` returns
(``LogReader``). They are re-exported here for storage's own modules; what only storage
accepts (``StoreTarget``) is declared here.
"""

from __future__ import annotations

import os
import sqlite3
from typing import TYPE_CHECKING, Protocol, TypeAlias

from llm.log_contract import (
    LoggableResponse,
    LoggedAttachment,
    LoggedConversation,
    LoggedEarlierResponse,
    LoggedModel,
    LoggedPrompt,
    LoggedTool,
    LoggedToolCall,
    LoggedToolResult,
    LogReader,
    LogTarget,
)

if TYPE_CHECKING:
    from .store import LogStore

__all__ = [
    "HasSqliteConnection",
    "LogReader",
    "LogTarget",
    "LoggableResponse",
    "LoggedAttachment",
    "LoggedConversation",
    "LoggedEarlierResponse",
    "LoggedModel",
    "LoggedPrompt",
    "LoggedTool",
    "LoggedToolCall",
    "LoggedToolResult",
    "StoreTarget",
]


class HasSqliteConnection(Protocol):
    """A ``sqlite_utils.Database``, or anything else whose ``conn`` is a sqlite3 connection."""

    @property
    def conn(self) -> sqlite3.Connection: ...


#: What ``open_store()`` / ``open_for_logging()`` / ``Response.log_to_db()`` accept: None (the
#: default database), a path, a SQLAlchemy URL (a str with ``://``), a LogStore, a sqlite3
#: connection or a sqlite-utils Database.
StoreTarget: TypeAlias = (
    "str | os.PathLike[str] | LogStore | sqlite3.Connection | HasSqliteConnection | None"
)
