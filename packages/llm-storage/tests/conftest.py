from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

PG_URL = os.environ.get(
    "LLM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_admin():
    import psycopg
    from sqlalchemy import make_url

    url = make_url(PG_URL)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {url.render_as_string()}: {exc}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards (parallel-safe)."""
    from sqlalchemy import make_url

    schema = f"llm_storage_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


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
