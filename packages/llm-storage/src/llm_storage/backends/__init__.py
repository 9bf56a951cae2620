"""Engine construction per database backend."""

from __future__ import annotations

from sqlalchemy import URL, Engine, create_engine

from . import postgresql, sqlite


def make_engine(url: URL, timeout: float) -> Engine:
    if url.get_backend_name() == "sqlite":
        return sqlite.make_engine(url, timeout)
    if url.get_backend_name() == "postgresql":
        return postgresql.make_engine(url, timeout)
    return create_engine(url)
