"""Turn driver exceptions into one-line :class:`StoreError` messages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import StoreError

#: Below this much free space, an I/O error writing a SQLite file is reported as a full disk
#: (SQLite says "disk I/O error" when it cannot grow the shared-memory file of WAL mode).
NEARLY_FULL_BYTES = 1024 * 1024


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def _sqlite_error_name(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(getattr(orig, "sqlite_errorname", "") or "")


def disk_is_full(location: str) -> bool:
    """Whether the file system holding ``location`` (a SQLite file path) is (nearly) full."""
    directory = Path(location).parent
    try:
        # What shutil.disk_usage() reports as free, without importing shutil (and with it
        # bz2, lzma and fnmatch) on every logged prompt, which checks this first.
        found = os.statvfs(directory)
        return found.f_bavail * found.f_frsize < NEARLY_FULL_BYTES
    except OSError:
        return False


def full_disk_message(location: str) -> str:
    return f"cannot write {location}: the disk is full (no space left on device)"


def describe(exc: BaseException, location: str, timeout: float) -> str:
    message = _first_line(exc)
    lowered = message.lower()
    error_name = _sqlite_error_name(exc)
    if error_name == "SQLITE_FULL" or "database or disk is full" in lowered:
        return f"cannot write {location}: the disk is full (database or disk is full)"
    if (error_name.startswith("SQLITE_IOERR") or "disk i/o error" in lowered) and disk_is_full(
        location
    ):
        return f"cannot write {location}: the disk is full ({message})"
    if "file is not a database" in lowered or "malformed" in lowered:
        return f"{location} is not a valid SQLite database (the file is corrupt or not a database)"
    if "database is locked" in lowered or "database table is locked" in lowered:
        return f"{location} is locked by another process (gave up after {timeout:g} s)"
    if "readonly database" in lowered:
        return (
            f"cannot write {location}: it is read-only (check the permissions of the file"
            " and of its directory)"
        )
    if "unable to open database file" in lowered:
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
