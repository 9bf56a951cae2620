"""Bringing a database to the current schema.

``current_revision``/``is_current`` are cheap and never import Alembic; ``upgrade`` does,
and runs every pending migration in one transaction (all or nothing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect

from ._head import HEAD_REVISION, KNOWN_REVISIONS
from .backends import postgresql, sqlite
from .errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class UpgradeReport:
    from_revision: str | None
    to_revision: str
    adopted: bool  # True when an original-tool database was brought under Alembic


def _read_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    value = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return None if value is None else str(value)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _read_revision(conn)


def is_current(engine: Engine) -> bool:
    revision = current_revision(engine)
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise StoreError(
            f"the database schema (revision {revision}) is newer than this llm-storage "
            "understands; upgrade llm-storage"
        )
    return revision == HEAD_REVISION


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config built in code (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> UpgradeReport:
    """Apply every pending migration inside one transaction; a failure changes nothing."""
    options = {sqlite.BEGIN_OPTION: "IMMEDIATE"}
    with engine.connect().execution_options(**options) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            postgresql.lock_for_migration(conn)
        # Read inside the (locked) transaction: another process may have just migrated.
        before = _read_revision(conn)
        if before == HEAD_REVISION:
            return UpgradeReport(before, HEAD_REVISION, adopted=False)
        adopted = before is None and inspect(conn).has_table("_llm_migrations")
        if adopted:
            log.info("adopting a database written by the original llm tool")
        # Imported only now: processes that lost the race to create the database skip it.
        from alembic import command

        command.upgrade(alembic_config(conn), "head")
    return UpgradeReport(before, HEAD_REVISION, adopted=adopted)


def ensure_current(engine: Engine) -> UpgradeReport | None:
    """Upgrade when needed; returns None (without importing Alembic) when already current."""
    if is_current(engine):
        return None
    return upgrade(engine)
