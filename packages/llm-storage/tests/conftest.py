from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

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


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives; a new backend adds a param here and a branch below."""
    if request.param == "sqlite":
        return str(tmp_path / "logs.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(store_target: str):
    from llm_storage import open_store

    opened = open_store(store_target)
    yield opened
    opened.close()
