from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards (parallel-safe)."""
    from llm_storage.testing import schema_or_skip

    with schema_or_skip() as url:
        yield url


BACKENDS = [
    "sqlite",
    "sqlite-stdlib",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("postgresql-psycopg-writer", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives; a new backend adds a param here and a branch below."""
    if request.param.startswith("sqlite"):
        return str(tmp_path / "logs.db")
    return str(request.getfixturevalue("pg_url"))


#: LogStore methods the sqlite3 reader also has: the "sqlite-stdlib" store runs them there.
READER_METHODS = {
    "list_responses",
    "iter_responses",
    "get_response",
    "conversation_responses",
    "latest_conversation_id",
    "get_conversation",
    "count_responses",
    "count_conversations",
    "get_fragment",
    "list_fragments",
    "get_schema",
    "schemas_in_use",
    "status",
}


class StdlibStore:
    """A LogStore whose ``log_response`` goes through a light writer (sqlite3, psycopg)
    and, given a reader, whose reads go through the sqlite3 reader, so that every conformance
    test also checks those paths, row for row (the rest is the LogStore's)."""

    def __init__(self, store: Any, writer: Any, reader: Any = None) -> None:
        self._store = store
        self._writer = writer
        self._reader = reader

    def log_response(self, response: Any) -> None:
        self._writer.log_response(response)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._writer.close()
        self._store.close()

    def __getattr__(self, name: str) -> Any:
        reads = self._reader is not None and name in READER_METHODS
        return getattr(self._reader if reads else self._store, name)


@pytest.fixture
def store(request: pytest.FixtureRequest, store_target: str):
    from llm_storage import open_store, pg_writer, sqlite_reader, sqlite_writer

    opened = open_store(store_target)
    kind = request.node.callspec.params.get("store_target")
    if kind == "sqlite-stdlib":
        writer = sqlite_writer.open_current(Path(store_target))
        reader = sqlite_reader.open_current(Path(store_target))
        assert isinstance(writer, sqlite_writer.SqliteLogWriter)
        assert isinstance(reader, sqlite_reader.SqliteLogReader)
        opened = StdlibStore(opened, writer, reader)
    elif kind == "postgresql-psycopg-writer":
        pg = pg_writer.open_current(store_target, "test database", 10.0)
        assert isinstance(pg, pg_writer.PostgresLogWriter)
        opened = StdlibStore(opened, pg)
    yield opened
    opened.close()
