"""Helpers for tests of collections on PostgreSQL (this package's and tests-integration's).

``postgres_url(pgvector)`` gives a URL to a throwaway schema of the test server
(``LLM_TEST_POSTGRES_URL``, see ``llm_storage.testing``). With ``pgvector=True`` the server
must have the extension: it is created in ``public`` (never in the throwaway schema, whose
``DROP ... CASCADE`` would take it away from every other test running at the same time), and
when it cannot be, the test is skipped with a reason that says how to install it
(``.ci/install-pgvector``) - so ``uv run pytest`` passes on a fresh machine. CI, which installs
the extension, sets ``LLM_TEST_REQUIRE_PGVECTOR=1``: there a missing extension fails the test.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

REQUIRE_PGVECTOR_ENV = "LLM_TEST_REQUIRE_PGVECTOR"


class PgvectorMissing(RuntimeError):
    pass


def ensure_pgvector(base_url: str | None = None) -> None:
    """Create the vector extension in ``public`` of the test database if it is not there."""
    import psycopg

    from llm_storage.testing import _admin_connection, test_postgres_url

    with _admin_connection(base_url or test_postgres_url()) as admin:
        for _attempt in range(3):
            if admin.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone():
                return
            if not admin.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
            ).fetchone():
                raise PgvectorMissing(
                    "the test PostgreSQL has no pgvector extension: install it with "
                    "`bash .ci/install-pgvector` (as root) to run the pgvector tests"
                )
            try:
                admin.execute("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public")
            except psycopg.errors.UniqueViolation:
                continue  # another test process created it at the same moment
            except psycopg.Error as ex:
                raise PgvectorMissing(f"cannot create the vector extension: {ex}") from ex


@contextlib.contextmanager
def postgres_url(pgvector: bool) -> Iterator[str]:
    """For pytest fixtures: a throwaway schema's URL (see the module docstring)."""
    from llm_storage.testing import PostgresUnavailable, schema_or_skip

    from .postgres import PostgresEmbeddings

    if pgvector:
        try:
            ensure_pgvector()
        except PostgresUnavailable:
            pass  # schema_or_skip below says so (a skip, or a failure in CI)
        except PgvectorMissing as ex:
            if os.environ.get(REQUIRE_PGVECTOR_ENV):
                raise
            import pytest

            pytest.skip(str(ex))
    with schema_or_skip() as url:
        try:
            yield url
        finally:
            PostgresEmbeddings.close_opened(url)
