"""Logging every exchange, and reading the logs back for the page, on one thread.

The log store is what ``llm prompt`` writes to (``llm_storage.open_for_logging``), opened
once at start-up and checked writable before any model runs. Its ``sqlite3`` connection
belongs to the thread that opened it, and SQLite takes one writer at a time anyway, so a
single worker thread does every write and read: the event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import llm

T = TypeVar("T")


def logs_switched_off() -> bool:
    """``llm logs off`` applies to the server as to every prompt."""
    return (llm.user_dir() / "logs-off").exists()


class Storage:
    def __init__(self, database: str | None, *, log: bool) -> None:
        self.database = database
        self.log = log
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="llm-serve-storage")
        self._writer: Any = None
        self._reader: Any = None

    def open(self) -> None:
        """Open (creating it if new) and check the log database; raises StoreError."""
        if self.log:
            self._executor.submit(self._open_writer).result()

    def _open_writer(self) -> None:
        import llm_storage

        self._writer = llm_storage.open_for_logging(self.database)
        check = getattr(self._writer, "check_writable", None)
        if check is not None:
            check()

    @property
    def location(self) -> str:
        from llm_storage.opening import default_target

        return str(self.database or default_target())

    async def run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    async def log_response(self, response: Any) -> bool:
        """Log a finished response unless logging is off; a failure is reported on stderr
        (the client already has its answer) and never loses the server."""
        if not self.log or logs_switched_off():
            return False
        return await self.run(lambda: self._log(response))

    def _log(self, response: Any) -> bool:
        import llm_storage

        try:
            self._writer.log_response(response)
        except llm_storage.StoreError as ex:
            print(f"Error: could not log response {response.id}: {ex}", file=sys.stderr)
            return False
        except Exception as ex:  # a bug must not lose the server; say what was not logged
            message = f"{type(ex).__name__}: {ex}"
            print(f"Error: could not log response {response.id}: {message}", file=sys.stderr)
            return False
        return True

    def reader(self) -> Any:
        """The read side of the log store (storage chooses how to read it), or None while
        its SQLite file does not exist; call only on the storage thread."""
        if self._reader is None:
            import llm_storage

            self._reader = llm_storage.open_for_reading(self.database)
        return self._reader

    def close(self) -> None:
        def close_all() -> None:
            for held in (self._writer, self._reader):
                if held is not None:
                    held.close()

        self._executor.submit(close_all).result()
        self._executor.shutdown()
