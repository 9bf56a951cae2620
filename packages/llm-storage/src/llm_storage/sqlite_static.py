"""Statements whose megabytes of bound text SQLite reads in place instead of copying.

``sqlite3`` binds every ``str`` with ``SQLITE_TRANSIENT`` and an explicit length, so SQLite
copies the text when it is bound, and FTS5, which needs it NUL-terminated, copies it once
more while indexing it. For a 50 MB prompt that is 100 MB on top of the prompt itself,
which is what kept a logged 50 MB prompt above three times its size in memory.

Here the few statements that write a response of megabytes run on the *same* SQLite
connection (so inside the caller's transaction, under its busy timeout) through the
SQLite library that ``_sqlite3`` itself uses, binding text with ``SQLITE_STATIC``: SQLite
reads the UTF-8 that CPython already keeps inside the ``str`` (an ASCII ``str`` is its own
UTF-8; for any other, ``sqlite3`` has made the same cached copy when binding it before).
The connection's ``sqlite3 *`` is the first field of CPython's connection object; it is
used only after SQLite itself confirms it is the handle of the connection's own file.

Where any of that does not hold - another Python implementation, a ``_sqlite3`` that does
not export SQLite's functions, a value of another type - :func:`handle` or :func:`execute`
answers ``None`` and the caller uses ``sqlite3`` as usual: more memory, the same rows.
"""

from __future__ import annotations

import ctypes
import sqlite3
import sys
from collections.abc import Sequence
from functools import cache
from typing import Any

_SQLITE_OK = 0
_SQLITE_DONE = 101
_SQLITE_STATIC = ctypes.c_void_p(0)
_LARGEST_TEXT = (1 << 31) - 1

#: The result codes ``describe()`` tells apart, as ``sqlite3`` names them.
_ERROR_NAMES = {
    5: "SQLITE_BUSY",
    6: "SQLITE_LOCKED",
    8: "SQLITE_READONLY",
    10: "SQLITE_IOERR",
    11: "SQLITE_CORRUPT",
    13: "SQLITE_FULL",
    18: "SQLITE_TOOBIG",
    19: "SQLITE_CONSTRAINT",
    26: "SQLITE_NOTADB",
}


@cache
def _library() -> Any:
    """SQLite's C API as ``_sqlite3`` links it, or None."""
    if sys.implementation.name != "cpython":
        return None
    try:
        import _sqlite3

        lib = ctypes.CDLL(_sqlite3.__file__)
        pointer, text, integer = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        signatures: dict[str, tuple[Any, list[Any]]] = {
            "sqlite3_db_filename": (text, [pointer, text]),
            "sqlite3_prepare_v2": (integer, [pointer, text, integer, pointer, pointer]),
            "sqlite3_bind_text": (integer, [pointer, integer, pointer, integer, pointer]),
            "sqlite3_bind_blob": (integer, [pointer, integer, pointer, integer, pointer]),
            "sqlite3_bind_int64": (integer, [pointer, integer, ctypes.c_int64]),
            "sqlite3_bind_double": (integer, [pointer, integer, ctypes.c_double]),
            "sqlite3_bind_null": (integer, [pointer, integer]),
            "sqlite3_step": (integer, [pointer]),
            "sqlite3_finalize": (integer, [pointer]),
            "sqlite3_errmsg": (text, [pointer]),
            "sqlite3_extended_errcode": (integer, [pointer]),
            "sqlite3_last_insert_rowid": (ctypes.c_int64, [pointer]),
        }
        for name, (restype, argtypes) in signatures.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
        utf8 = ctypes.pythonapi.PyUnicode_AsUTF8AndSize
        utf8.restype, utf8.argtypes = pointer, [ctypes.py_object, ctypes.POINTER(ctypes.c_ssize_t)]
    except (ImportError, OSError, AttributeError):
        return None
    return lib


def _main_file(conn: sqlite3.Connection) -> str:
    return next(row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main")


def handle(conn: sqlite3.Connection) -> int | None:
    """The ``sqlite3 *`` of ``conn``, confirmed by SQLite to be that of its file, or None."""
    lib = _library()
    if lib is None or not isinstance(conn, sqlite3.Connection):
        return None
    expected = _main_file(conn)
    if not expected:  # an in-memory database: nothing to confirm the handle by
        return None
    # CPython's pysqlite_Connection: the object header, then ``sqlite3 *db``.
    found = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
    if not found:
        return None
    name = lib.sqlite3_db_filename(found, b"main")
    if name is None or name.decode("utf-8", "surrogateescape") != expected:
        return None
    return int(found)


def _text(value: str) -> tuple[int, int]:
    """The address and length to bind ``value`` by: its UTF-8 inside the ``str``; length -1
    (NUL-terminated, which spares FTS5 its copy) unless the text itself holds a NUL."""
    size = ctypes.c_ssize_t()
    address = ctypes.pythonapi.PyUnicode_AsUTF8AndSize(value, ctypes.byref(size))
    return int(address), (-1 if "\x00" not in value else size.value)


def _bindable(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= _LARGEST_TEXT // 4
    if isinstance(value, bytes):
        return len(value) <= _LARGEST_TEXT
    if isinstance(value, int):
        return -(1 << 63) <= value < 1 << 63
    return value is None or isinstance(value, float)


def _raise(lib: Any, db: int) -> None:
    message = (lib.sqlite3_errmsg(db) or b"unknown error").decode("utf-8", "replace")
    code = lib.sqlite3_extended_errcode(db)
    kind = sqlite3.IntegrityError if code & 0xFF == 19 else sqlite3.OperationalError
    error = kind(message)
    error.sqlite_errorcode = code
    error.sqlite_errorname = _ERROR_NAMES.get(code & 0xFF, f"SQLITE_ERROR_{code}")
    raise error


def execute(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> int | None:
    """Run one statement that returns no rows on ``conn``, text bound in place; the last
    inserted rowid. None, having run nothing, when it cannot be done this way."""
    db = handle(conn)
    if db is None or not all(_bindable(value) for value in params):
        return None
    lib = _library()
    try:  # before anything runs: a str that has no UTF-8 goes back to ``sqlite3``
        texts = {n: _text(v) for n, v in enumerate(params, start=1) if isinstance(v, str)}
    except UnicodeEncodeError:
        return None
    statement = ctypes.c_void_p()
    if lib.sqlite3_prepare_v2(db, sql.encode(), -1, ctypes.byref(statement), None) != _SQLITE_OK:
        _raise(lib, db)
    try:
        for position, value in enumerate(params, start=1):
            if value is None:
                done = lib.sqlite3_bind_null(statement, position)
            elif isinstance(value, str):
                address, length = texts[position]
                done = lib.sqlite3_bind_text(statement, position, address, length, _SQLITE_STATIC)
            elif isinstance(value, bytes):
                blob = ctypes.cast(ctypes.c_char_p(value), ctypes.c_void_p)
                done = lib.sqlite3_bind_blob(statement, position, blob, len(value), _SQLITE_STATIC)
            elif isinstance(value, float):
                done = lib.sqlite3_bind_double(statement, position, value)
            else:
                done = lib.sqlite3_bind_int64(statement, position, int(value))
            if done != _SQLITE_OK:
                _raise(lib, db)
        if lib.sqlite3_step(statement) != _SQLITE_DONE:
            _raise(lib, db)
        return int(lib.sqlite3_last_insert_rowid(db))
    finally:
        # ``params`` holds every bound object alive until here: SQLite reads them in place.
        lib.sqlite3_finalize(statement)
