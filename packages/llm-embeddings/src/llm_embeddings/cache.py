"""A per-collection cache of its vectors as one float32 matrix, in a file next to the database.

Reading 100,000 blobs through SQLite costs far more than reading the same bytes from one
file, so the first search of a big collection writes ``<database>.vectors/collection-<id>``
and later searches read it.

It can never be stale: every change to a collection's rows bumps a counter kept by triggers
(``schema.TRIGGERS``, fired whoever writes: us, the original tool, sqlite-utils), with a random
nonce that tells databases apart. A cache file records the (nonce, counter) it was made at and
is used only when both match, read inside the same read transaction as the check, and when
its row count still matches. Files are replaced atomically, so readers never see a half file.

Layout: ``MAGIC`` (8 bytes), header offset (uint64 LE), the matrix (row-major float32 LE),
each row's norm (float32 LE, so a search reads the matrix once), the ids, the header (JSON).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAGIC = b"LLMVEC02"
_PREFIX = len(MAGIC) + 8

State = tuple[int, bytes]


def database_file(conn: sqlite3.Connection) -> Path | None:
    """The main database's file, or None for an in-memory or temporary database."""
    for _seq, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file) if file else None
    return None


def cache_path(conn: sqlite3.Connection, collection_id: int) -> Path | None:
    database = database_file(conn)
    if database is None:
        return None
    return database.with_name(database.name + ".vectors") / f"collection-{collection_id}"


def state(conn: sqlite3.Connection, collection_id: int) -> State | None:
    """The collection's (version, nonce); None when there is no counter (nothing to trust)."""
    try:
        row = conn.execute(
            "SELECT version, nonce FROM [_llm_embeddings_versions] WHERE collection_id = ?",
            [collection_id],
        ).fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else (int(row[0]), bytes(row[1]))


class Cached:
    """An open, validated cache file."""

    def __init__(self, file: Any, ids: list[str], count: int, dimensions: int, norms: Any) -> None:
        self.file = file
        self.ids = ids
        self.norms = norms
        self.count = count
        self.dimensions = dimensions

    def __enter__(self) -> Cached:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def blocks(self, rows: int) -> Iterator[tuple[int, Any]]:
        """(first row index, float32 block): views of the file mapped into memory, no copy.

        Each block's pages are given back after use, so the process never holds more than one
        block of the matrix however large it is (they stay in the OS page cache).
        """
        import mmap

        import numpy as np

        if not self.count:
            return
        width = self.dimensions * 4
        mapping = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            matrix = np.frombuffer(
                mapping, dtype="<f4", count=self.count * self.dimensions, offset=_PREFIX
            ).reshape(self.count, self.dimensions)
            page = mmap.PAGESIZE
            for start in range(0, self.count, rows):
                yield start, matrix[start : start + rows]
                if hasattr(mapping, "madvise"):
                    low = (_PREFIX + start * width) // page * page
                    high = (_PREFIX + min(start + rows, self.count) * width) // page * page
                    if high > low:
                        mapping.madvise(mmap.MADV_DONTNEED, low, high - low)
            del matrix
        finally:
            with contextlib.suppress(BufferError):
                mapping.close()


def open_for(
    conn: sqlite3.Connection, collection_id: int, current: State | None, dimensions: int
) -> Cached | None:
    """The collection's cache if it exists and matches ``current`` exactly, else None."""
    if current is None:
        return None
    path = cache_path(conn, collection_id)
    if path is None:
        return None
    try:
        file = open(path, "rb")  # noqa: SIM115 - handed to Cached, which closes it
    except OSError:
        return None
    try:
        prefix = file.read(_PREFIX)
        if len(prefix) != _PREFIX or prefix[: len(MAGIC)] != MAGIC:
            raise ValueError("not a vector cache")
        (header_offset,) = struct.unpack("<Q", prefix[len(MAGIC) :])
        file.seek(header_offset)
        header = json.loads(file.read(1 << 16))
        count, dims = int(header["count"]), int(header["dimensions"])
        if (
            header["version"] != current[0]
            or bytes.fromhex(header["nonce"]) != current[1]
            or header["collection_id"] != collection_id
            or dims != dimensions
            or header_offset != _PREFIX + count * (dims + 1) * 4 + header["ids_length"]
        ):
            raise ValueError("stale")
        (rows,) = conn.execute(
            "SELECT count(*) FROM embeddings WHERE collection_id = ?", [collection_id]
        ).fetchone()
        if rows != count:
            raise ValueError("stale")
        import numpy as np

        file.seek(_PREFIX + count * dims * 4)
        norms = np.frombuffer(file.read(count * 4), dtype="<f4")
        raw = file.read(header["ids_length"])
        ids = _decode_ids(raw, header.get("ids_format", "json"))
        if len(ids) != count:
            raise ValueError("corrupt")
    except (OSError, ValueError, KeyError, TypeError, struct.error):
        file.close()
        return None
    return Cached(file, ids, count, dims, norms)


class Writer:
    """Writes a cache file block by block; ``finish`` puts it in place atomically."""

    def __init__(
        self, path: Path, file: Any, collection_id: int, current: State, dimensions: int
    ) -> None:
        self.path = path
        self.file = file
        self.collection_id = collection_id
        self.current = current
        self.dimensions = dimensions
        self.rows = 0
        self.norms: list[Any] = []

    @classmethod
    def create(
        cls, conn: sqlite3.Connection, collection_id: int, current: State, dimensions: int
    ) -> Writer | None:
        """A writer, or None where no cache can be written (memory database, read-only dir)."""
        path = cache_path(conn, collection_id)
        if path is None:
            return None
        try:
            path.parent.mkdir(exist_ok=True)
            file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by finish/abandon
                dir=path.parent, prefix=path.name + ".", suffix=".tmp", delete=False
            )
            file.write(MAGIC + b"\0" * 8)
        except OSError:
            return None
        return cls(path, file, collection_id, current, dimensions)

    def write(self, block: Any, norms: Any) -> None:
        try:
            self.file.write(memoryview(block).cast("B"))
            self.norms.append(norms.astype("<f4"))
            self.rows += len(block)
        except OSError:
            self.abandon()

    def finish(self, ids: list[str]) -> None:
        if self.file.closed:
            return
        try:
            import numpy as np

            ids_format, ids_json = _encode_ids(ids)
            if self.norms:
                self.file.write(np.concatenate(self.norms).tobytes())
            header = {
                "collection_id": self.collection_id,
                "version": self.current[0],
                "nonce": self.current[1].hex(),
                "count": self.rows,
                "dimensions": self.dimensions,
                "ids_length": len(ids_json),
                "ids_format": ids_format,
            }
            self.file.write(ids_json)
            header_offset = self.file.tell()
            self.file.write(json.dumps(header).encode("utf-8"))
            self.file.seek(len(MAGIC))
            self.file.write(struct.pack("<Q", header_offset))
            self.file.close()
            os.replace(self.file.name, self.path)
        except (OSError, TypeError, ValueError):  # TypeError: an id that is not text
            self.abandon()

    def abandon(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            os.unlink(self.file.name)


def _encode_ids(ids: list[str]) -> tuple[str, bytes]:
    # NUL-separated UTF-8 splits several times faster than JSON parses; JSON if an id has a NUL.
    joined = "\0".join(ids)
    if joined.count("\0") == max(len(ids) - 1, 0):
        return "nul", joined.encode("utf-8")
    return "json", json.dumps(ids).encode("utf-8")


def _decode_ids(raw: bytes, ids_format: str) -> list[str]:
    if ids_format == "nul":
        return raw.decode("utf-8").split("\0") if raw else []
    if ids_format == "json":
        return list(json.loads(raw))
    raise ValueError(f"unknown ids format {ids_format!r}")


def discard(conn: sqlite3.Connection, collection_id: int) -> None:
    """Remove a collection's cache file (it would never be used again anyway)."""
    path = cache_path(conn, collection_id)
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()
