"""Turn driver exceptions into one-line :class:`StoreError` messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .errors import StoreError


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def describe(exc: BaseException, location: str, timeout: float) -> str:
    message = _first_line(exc)
    lowered = message.lower()
    if "file is not a database" in lowered or "malformed" in lowered:
        return f"{location} is not a valid SQLite database (the file is corrupt or not a database)"
    if "database is locked" in lowered or "database table is locked" in lowered:
        return f"{location} is locked by another process (gave up after {timeout:g} s)"
    if "unable to open database file" in lowered or "readonly database" in lowered:
        return (
            f"cannot open {location} for writing: check that its directory exists and that "
            "you may write to both"
        )
    if "connection" in lowered and ("refused" in lowered or "failed" in lowered):
        return f"cannot connect to {location}: {message}"
    return f"database error on {location}: {message}"


@contextmanager
def translating(location: str, timeout: float) -> Iterator[None]:
    """Re-raise SQLAlchemy/driver/OS errors as StoreError; let StoreError through."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except StoreError:
        raise
    except SQLAlchemyError as exc:
        raise StoreError(describe(exc, location, timeout)) from exc
    except OSError as exc:
        raise StoreError(f"{location}: {exc.strerror or exc}") from exc
