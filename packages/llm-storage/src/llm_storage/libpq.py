"""The few libpq calls a logged prompt needs, through ctypes: connect, run a statement, close.

A logged prompt on an up-to-date PostgreSQL database runs a handful of INSERTs. Importing
psycopg to send them costs about 0.1 s - it imports asyncio, logging, ssl, ctypes.util and
``importlib.metadata`` - which was two thirds of a prompt's time on this path and most of
PostgreSQL's overhead over SQLite. The libpq that psycopg itself uses (the one bundled in
``psycopg_binary``, else the system's) is called here directly instead: the same client
library, so the same connection string, environment variables (``PGPASSWORD``,
``PGSSLMODE``...), ``.pgpass``, service files, TLS and authentication methods.

Only what ``pg_writer`` uses is here, with a psycopg-shaped surface (``connect()``,
``cursor().execute()`` with ``%s`` marks, ``fetchone()``, ``with conn:`` committing), so
that one writer drives either. Parameters go as text, except bytes (binary ``bytea``);
results come back as ``int`` and ``bool`` for those column types, else ``str``. When no
libpq can be loaded, :func:`available` says so and the writer uses psycopg.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

#: ``LLM_POSTGRES_DRIVER=psycopg`` makes the writer use psycopg even where libpq loads.
DRIVER_VARIABLE = "LLM_POSTGRES_DRIVER"

_CONNECTION_OK = 0
_PGRES_COMMAND_OK = 1
_PGRES_TUPLES_OK = 2
_PQTRANS_IDLE = 0
_DIAG_SQLSTATE = ord("C")
_BYTEA_OID = 17
_BOOL_OID = 16
_INT_OIDS = {20, 21, 23, 26}  # int8, int2, int4, oid

UNDEFINED_TABLE = "42P01"
NUL_MESSAGE = "PostgreSQL text fields cannot contain NUL (0x00) bytes"


class Error(Exception):
    """A failed libpq call; ``sqlstate`` is the server's error code when it sent one."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class OperationalError(Error):
    """The connection could not be made, or was lost."""


def _library_candidates() -> list[str]:
    """Paths or names of libpq to try: psycopg_binary's own copy first (what psycopg loads
    when psycopg_c is not installed), then the system's."""
    import importlib.util

    found: list[str] = []
    try:
        spec = importlib.util.find_spec("psycopg_binary")
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        # auditwheel puts the bundled libraries beside the package (Linux, Windows);
        # delocate puts them inside it (macOS).
        for folder in (f"{location}.libs", os.path.join(location, ".dylibs")):
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                continue
            found += [os.path.join(folder, n) for n in names if n.startswith(("libpq", "pq"))]
    if sys.platform == "darwin":
        found.append("libpq.5.dylib")
    elif sys.platform == "win32":
        found.append("libpq.dll")
    else:
        found.append("libpq.so.5")
    return found


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    p, s, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    strings, ints, oids = ctypes.POINTER(s), ctypes.POINTER(i), ctypes.POINTER(ctypes.c_uint)
    for name, restype, argtypes in (
        ("PQconnectdbParams", p, [strings, strings, i]),
        ("PQstatus", i, [p]),
        ("PQerrorMessage", s, [p]),
        ("PQfinish", None, [p]),
        ("PQsetClientEncoding", i, [p, s]),
        ("PQtransactionStatus", i, [p]),
        ("PQexecParams", p, [p, s, i, oids, strings, ints, ints, i]),
        ("PQresultStatus", i, [p]),
        ("PQresultErrorMessage", s, [p]),
        ("PQresultErrorField", s, [p, i]),
        ("PQntuples", i, [p]),
        ("PQnfields", i, [p]),
        ("PQftype", ctypes.c_uint, [p, i]),
        ("PQgetisnull", i, [p, i, i]),
        ("PQgetvalue", s, [p, i, i]),
        ("PQclear", None, [p]),
    ):
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


_lib: ctypes.CDLL | None = None
_load_attempted = False


def library() -> ctypes.CDLL | None:
    """libpq, loaded once; None when none can be loaded (or psycopg was asked for)."""
    global _lib, _load_attempted
    if not _load_attempted:
        _load_attempted = True
        for candidate in _library_candidates():
            try:
                _lib = _declare(ctypes.CDLL(candidate))
                break
            except (OSError, AttributeError):  # not there, or not a libpq we can use
                continue
    return _lib


def available() -> bool:
    if os.environ.get(DRIVER_VARIABLE, "").strip().lower() == "psycopg":
        return False
    return library() is not None


def _message(raw: bytes | None) -> str:
    """libpq's text without its severity prefix, as psycopg shows it."""
    text = (raw or b"").decode("utf-8", "replace").strip()
    for prefix in ("ERROR:  ", "FATAL:  ", "PANIC:  "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def connect(info: str, connect_timeout: int) -> Connection:
    """A connection to ``info`` (a libpq URI or key=value string), in UTF-8."""
    lib = library()
    if lib is None:
        raise OperationalError("libpq is not available")
    keys = (ctypes.c_char_p * 3)(b"dbname", b"connect_timeout", None)
    values = (ctypes.c_char_p * 3)(info.encode(), str(connect_timeout).encode(), None)
    handle = lib.PQconnectdbParams(keys, values, 1)
    if not handle:
        raise OperationalError("out of memory connecting to PostgreSQL")
    if lib.PQstatus(handle) != _CONNECTION_OK:
        message = _message(lib.PQerrorMessage(handle))
        lib.PQfinish(handle)
        raise OperationalError(f"connection failed: {message}")
    if lib.PQsetClientEncoding(handle, b"UTF8") != 0:
        message = _message(lib.PQerrorMessage(handle))
        lib.PQfinish(handle)
        raise OperationalError(message)
    return Connection(lib, handle)


def _encode(value: Any) -> tuple[bytes | None, int]:
    """A parameter's bytes and format (0 text, 1 binary)."""
    if value is None:
        return None, 0
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value), 1
    if isinstance(value, bool):
        return (b"1" if value else b"0"), 0  # the log's flag columns are integers
    if isinstance(value, int | float):
        return repr(value).encode(), 0
    if isinstance(value, str):
        if "\x00" in value:
            raise Error(NUL_MESSAGE, "22021")
        try:
            return value.encode("utf-8"), 0
        except UnicodeEncodeError as ex:
            raise Error(f"cannot send text to PostgreSQL as UTF-8: {ex}", "22021") from ex
    raise Error(f"cannot adapt type {type(value).__name__!r}")


def _numbered(sql: str) -> str:
    """psycopg's ``%s`` marks as libpq's ``$1``, ``$2``... (our statements hold no other %)."""
    pieces = sql.split("%s")
    out = [pieces[0]]
    for number, piece in enumerate(pieces[1:], start=1):
        out.append(f"${number}{piece}")
    return "".join(out)


class Connection:
    """One libpq connection. Like psycopg's, the first statement opens a transaction, and
    ``with conn:`` commits it (or rolls it back on an error) and closes the connection."""

    def __init__(self, lib: ctypes.CDLL, handle: int) -> None:
        self._lib = lib
        self._handle: int | None = handle

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._handle is None:
            raise OperationalError("the connection is closed")
        encoded = [_encode(v) for v in params]
        count = len(encoded)
        values = (ctypes.c_char_p * count)(*(data for data, _ in encoded))
        lengths = (ctypes.c_int * count)(*(len(data or b"") for data, _ in encoded))
        formats = (ctypes.c_int * count)(*(fmt for _, fmt in encoded))
        types = (ctypes.c_uint * count)(*(_BYTEA_OID if fmt else 0 for _, fmt in encoded))
        lib = self._lib
        result = lib.PQexecParams(
            self._handle, sql.encode(), count, types, values, lengths, formats, 0
        )
        if not result:
            raise OperationalError(_message(lib.PQerrorMessage(self._handle)))
        try:
            status = lib.PQresultStatus(result)
            if status not in (_PGRES_COMMAND_OK, _PGRES_TUPLES_OK):
                sqlstate = lib.PQresultErrorField(result, _DIAG_SQLSTATE)
                message = _message(lib.PQresultErrorMessage(result))
                code = sqlstate.decode() if sqlstate else None
                kind = OperationalError if code is None or code.startswith("08") else Error
                raise kind(message or _message(lib.PQerrorMessage(self._handle)), code)
            return self._rows(result)
        finally:
            lib.PQclear(result)

    def _rows(self, result: int) -> list[tuple[Any, ...]]:
        lib = self._lib
        fields = lib.PQnfields(result)
        oids = [lib.PQftype(result, f) for f in range(fields)]
        rows = []
        for r in range(lib.PQntuples(result)):
            row: list[Any] = []
            for f, oid in enumerate(oids):
                if lib.PQgetisnull(result, r, f):
                    row.append(None)
                    continue
                raw = lib.PQgetvalue(result, r, f)
                if oid in _INT_OIDS:
                    row.append(int(raw))
                elif oid == _BOOL_OID:
                    row.append(raw == b"t")
                else:
                    row.append(raw.decode("utf-8"))
            rows.append(tuple(row))
        return rows

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement inside the connection's transaction; its rows."""
        if self._handle is not None and self._lib.PQtransactionStatus(self._handle) == (
            _PQTRANS_IDLE
        ):
            self._run("BEGIN")
        return self._run(_numbered(sql), params)

    def cursor(self) -> Cursor:
        return Cursor(self)

    def commit(self) -> None:
        self._run("COMMIT")

    def close(self) -> None:
        """Close; a transaction still open is rolled back by the server."""
        if self._handle is not None:
            self._lib.PQfinish(self._handle)
            self._handle = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.close()

    def __del__(self) -> None:
        self.close()


class Cursor:
    """The part of a psycopg cursor the writer uses."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._rows = self.connection.execute(sql, params)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> None:
        for params in seq:
            self.execute(sql, params)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._rows = []
