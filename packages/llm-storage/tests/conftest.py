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
    "sqlite-stdlib-writer",
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("postgresql-psycopg-writer", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives; a new backend adds a param here and a branch below."""
    if request.param.startswith("sqlite"):
        return str(tmp_path / "logs.db")
    return str(request.getfixturevalue("pg_url"))


class StdlibWritingStore:
    """A LogStore whose ``log_response`` goes through the sqlite3 (or psycopg) writer, so
    that every conformance test also checks that path, row for row."""

    def __init__(self, store: Any, writer: Any) -> None:
        self._store = store
        self._writer = writer

    def log_response(self, response: Any) -> None:
        self._writer.log_response(response)

    def close(self) -> None:
        self._writer.close()
        self._store.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.fixture
def store(request: pytest.FixtureRequest, store_target: str):
    from llm_storage import open_store, pg_writer
    from llm_storage.sqlite_writer import SqliteLogWriter, open_current

    opened = open_store(store_target)
    kind = request.node.callspec.params.get("store_target")
    if kind == "sqlite-stdlib-writer":
        writer = open_current(Path(store_target))
        assert isinstance(writer, SqliteLogWriter)
        opened = StdlibWritingStore(opened, writer)
    elif kind == "postgresql-psycopg-writer":
        pg = pg_writer.open_current(store_target, "test database", 10.0)
        assert isinstance(pg, pg_writer.PostgresLogWriter)
        opened = StdlibWritingStore(opened, pg)
    yield opened
    opened.close()
