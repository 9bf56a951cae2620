"""Helpers for tests that need a real database: a throwaway PostgreSQL schema per test.

Used by llm-storage's own conformance suite and by end-to-end tests elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_postgres_url() -> str:
    """The server tests use: ``LLM_TEST_POSTGRES_URL``, else the local one CI provides."""
    return os.environ.get("LLM_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)


class PostgresUnavailable(RuntimeError):
    pass


def _admin_connection(base_url: str) -> Any:
    import psycopg
    from sqlalchemy import make_url

    dsn = make_url(base_url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as ex:
        raise PostgresUnavailable(f"PostgreSQL not reachable: {ex}") from ex


@contextlib.contextmanager
def temporary_schema_url(base_url: str | None = None) -> Iterator[str]:
    """A URL whose search_path is a new, empty schema, dropped on exit (safe in parallel)."""
    from sqlalchemy import make_url

    base_url = base_url or test_postgres_url()
    schema = f"llm_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection(base_url) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _admin_connection(base_url) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextlib.contextmanager
def schema_or_skip() -> Iterator[str]:
    """For pytest fixtures: a temporary schema URL, or a skip when no server answers —
    except in CI (``CI`` set), which provides PostgreSQL, where that is a failure."""
    try:
        with temporary_schema_url() as url:
            yield url
    except PostgresUnavailable as ex:
        if os.environ.get("CI"):
            raise
        import pytest

        pytest.skip(str(ex))
