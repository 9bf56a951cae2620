"""Top-N cosine similarity over a collection, vectorised with numpy.

Vectors are scored in blocks of contiguous float32 rows copied straight from their blobs (no
decoding into Python floats), keeping only the candidates that can reach the top N, so memory
stays at one block however big the collection is. The candidates are then scored again in
float64, so the reported scores match a plain double-precision cosine similarity.

For a file database, the first search of a big collection also writes its vectors to a cache
file next to the database (see ``cache``); later searches read that file instead of the blobs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from . import cache

# Rows scored at a time (8192 x 384 dimensions x 4 bytes = 12 MB).
BLOCK_ROWS = 8192
# Candidates re-scored in float64 beyond the N asked for (covers float32 rounding near ties).
_SPARE = 32
# Collections smaller than this are not worth a cache file.
CACHE_MIN_ROWS = 1000

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _where(collection_id: int, skip_id: str | None, prefix: str | None) -> tuple[str, list[Any]]:
    bits = ["collection_id = ?"]
    args: list[Any] = [collection_id]
    if prefix:
        # The original's filter, kept as is (LIKE: ASCII case-insensitive, % and _ wildcards).
        bits.append("id LIKE ? || '%'")
        args.append(prefix)
    if skip_id is not None:
        bits.append("id != ?")
        args.append(skip_id)
    return " AND ".join(bits), args


class _TopCandidates:
    """Streams blocks of vectors; keeps the best ``keep`` rows (by float32 score) of each."""

    def __init__(self, query: Any, keep: int) -> None:
        import numpy as np

        self.np = np
        self.query64 = np.asarray(query, dtype=np.float64)
        self.query32 = self.query64.astype(np.float32)
        self.query_norm = float(np.linalg.norm(self.query64))
        self.keep = keep  # < 0: keep everything
        self.indexes: list[Any] = []
        self.vectors: list[Any] = []
        self.scores: list[Any] = []

    @staticmethod
    def norms(block: Any) -> Any:
        import numpy as np

        return np.sqrt(np.einsum("ij,ij->i", block, block))

    def add(self, start: int, block: Any, mask: Any = None, norms: Any = None) -> None:
        np = self.np
        if not len(block):
            return
        if norms is None:
            norms = self.norms(block)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # einsum, not BLAS: a matrix-vector product is memory-bound, and a threaded BLAS
            # only adds start-up and contention.
            dots = np.einsum("ij,j->i", block, self.query32)
            scale = np.float32(self.query_norm or 1.0)
            scores = np.where(norms > 0, dots / (norms * scale), np.float32(0))
        if self.query_norm == 0:
            scores[:] = 0
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
            chosen = np.flatnonzero(mask)
        else:
            chosen = np.arange(len(block))
        if 0 <= self.keep < len(chosen):
            part = np.argpartition(-scores, self.keep - 1)[: self.keep] if self.keep else []
            chosen = np.asarray(part, dtype=np.int64)
        if not len(chosen):
            return
        self.indexes.append(chosen + start)
        self.vectors.append(np.array(block[chosen], dtype=np.float64))
        self.scores.append(scores[chosen])

    def exact(self) -> list[tuple[float, int]]:
        """(float64 score, row index) of the kept candidates."""
        np = self.np
        if not self.indexes:
            return []
        indexes = np.concatenate(self.indexes)
        vectors = np.concatenate(self.vectors)
        norms = np.linalg.norm(vectors, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            exact = np.where(
                (norms > 0) & (self.query_norm > 0),
                (vectors @ self.query64) / (norms * (self.query_norm or 1.0)),
                0.0,
            )
        return [(float(s), int(i)) for s, i in zip(exact, indexes, strict=True)]


def _blocks_from_rows(
    rows: Iterable[tuple[str, bytes | None]],
    dimensions: int,
    ids: list[str],
    odd: list[tuple[int, str, bytes]],
    writer: cache.Writer | None,
) -> Iterator[tuple[int, Any, Any]]:
    """Blocks of rows whose vector has ``dimensions`` values; other rows go to ``odd``."""
    import numpy as np

    width = dimensions * 4
    buffer = bytearray(BLOCK_ROWS * width)
    view = memoryview(buffer)
    filled = 0
    start = 0
    for position, (row_id, blob) in enumerate(rows):
        if blob is not None and len(blob) == width:
            view[filled * width : (filled + 1) * width] = blob
            filled += 1
            ids.append(row_id)
            if filled == BLOCK_ROWS:
                block = np.frombuffer(buffer, dtype="<f4").reshape(filled, dimensions)
                norms = _TopCandidates.norms(block)
                if writer is not None:
                    writer.write(block, norms)
                yield start, block, norms
                start += filled
                filled = 0
        else:
            odd.append((position, row_id, blob or b""))
    if filled:
        block = np.frombuffer(buffer, dtype="<f4", count=filled * dimensions)
        block = block.reshape(filled, dimensions)
        norms = _TopCandidates.norms(block)
        if writer is not None:
            writer.write(block, norms)
        yield start, block, norms


def _prefix_mask(ids: list[str], prefix: str | None) -> Any:
    """Which cached rows the SQL filter ``id LIKE prefix || '%'`` keeps (None: all)."""
    import numpy as np

    if not prefix:
        return None
    lowered = prefix.translate(_ASCII_LOWER)
    return np.fromiter(
        (row_id.translate(_ASCII_LOWER).startswith(lowered) for row_id in ids),
        dtype=bool,
        count=len(ids),
    )


def top_matches(
    conn: sqlite3.Connection,
    collection_id: int,
    vector: Sequence[float],
    number: int,
    *,
    skip_id: str | None = None,
    prefix: str | None = None,
) -> list[tuple[str, float]]:
    """The ``number`` most similar (id, score) pairs, best first; ties keep storage order."""
    dimensions = len(vector)
    # One more than needed: the skipped id (similar_by_id) is dropped at the end, so that the
    # same whole-collection read (and cache file) serves every search.
    keep = -1 if number < 0 else number + _SPARE + 1
    top = _TopCandidates(vector, keep)
    ids: list[str] = []
    odd: list[tuple[int, str, bytes]] = []

    own_transaction = not conn.in_transaction
    if own_transaction:
        conn.execute("BEGIN")  # one snapshot for the version check and the rows
    try:
        state = cache.state(conn, collection_id)
        # The cache holds whole collections; LIKE patterns beyond a plain ASCII prefix use SQL.
        simple_prefix = not prefix or (prefix.isascii() and not set(prefix) & {"%", "_"})
        cached = cache.open_for(conn, collection_id, state, dimensions) if simple_prefix else None
        if cached is not None:
            with cached:
                ids = cached.ids
                mask = _prefix_mask(ids, prefix)
                for start, block in cached.blocks(BLOCK_ROWS):
                    end = start + len(block)
                    top.add(
                        start,
                        block,
                        None if mask is None else mask[start:end],
                        cached.norms[start:end],
                    )
        else:
            where, args = _where(collection_id, None, prefix)
            whole = not prefix
            writer = None
            if whole and state is not None:
                (count,) = conn.execute(
                    "SELECT count(*) FROM embeddings WHERE collection_id = ?", [collection_id]
                ).fetchone()
                if count >= CACHE_MIN_ROWS:
                    writer = cache.Writer.create(conn, collection_id, state, dimensions)
            try:
                rows = conn.execute(f"SELECT id, embedding FROM embeddings WHERE {where}", args)
                for start, block, norms in _blocks_from_rows(rows, dimensions, ids, odd, writer):
                    top.add(start, block, norms=norms)
                if writer is not None:
                    if odd:
                        writer.abandon()  # mixed vector lengths: not cacheable
                    else:
                        writer.finish(ids)
            except BaseException:
                if writer is not None:
                    writer.abandon()
                raise
    finally:
        if own_transaction:
            conn.execute("COMMIT")

    return _ranked(top, ids, odd, vector, number, skip_id)


def rank_rows(
    rows: Iterable[tuple[str, bytes | None]],
    vector: Sequence[float],
    number: int,
    *,
    skip_id: str | None = None,
) -> list[tuple[str, float]]:
    """The ``number`` (id, score) pairs of ``rows`` (id, float32 blob) most similar to
    ``vector``, best first; ties keep the order of ``rows``. What ``top_matches`` does for a
    SQLite collection, for rows from anywhere (the PostgreSQL store's)."""
    keep = -1 if number < 0 else number + _SPARE + 1
    top = _TopCandidates(vector, keep)
    ids: list[str] = []
    odd: list[tuple[int, str, bytes]] = []
    for start, block, norms in _blocks_from_rows(rows, len(vector), ids, odd, None):
        top.add(start, block, norms=norms)
    return _ranked(top, ids, odd, vector, number, skip_id)


def _ranked(
    top: _TopCandidates,
    ids: list[str],
    odd: list[tuple[int, str, bytes]],
    vector: Sequence[float],
    number: int,
    skip_id: str | None,
) -> list[tuple[str, float]]:
    from llm.vectors import cosine_similarity, decode

    # Ranking order: score, then storage order (odd rows are placed by their position).
    results: list[tuple[float, float, str]] = [
        (score, float(index), ids[index]) for score, index in top.exact()
    ]
    for position, row_id, blob in odd:
        score = cosine_similarity(decode(blob), vector) if blob else 0.0
        results.append((score, position - 0.5, row_id))
    if skip_id is not None:
        results = [item for item in results if item[2] != skip_id]
    results.sort(key=lambda item: (-item[0], item[1]))
    if number >= 0:
        results = results[:number]
    return [(row_id, score) for score, _, row_id in results]
