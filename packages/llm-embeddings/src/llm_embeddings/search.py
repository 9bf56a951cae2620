"""Top-N cosine similarity over a collection, vectorised with numpy.

The stored vectors are copied once, straight from their blobs, into one contiguous float32
matrix (no per-row decoding into Python floats); ranking uses float32, and the few
candidates that can reach the top N are then scored again in float64 so the reported scores
match a plain double-precision cosine similarity.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

# Candidates re-scored in float64 beyond the N asked for (covers float32 rounding near ties).
_SPARE = 32


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


def load_matrix(
    conn: sqlite3.Connection, where: str, args: list[Any], dimensions: int
) -> tuple[list[str], Any, list[tuple[str, bytes]]]:
    """(ids, float32 matrix of the vectors with ``dimensions`` values, other rows)."""
    import numpy as np

    (count,) = conn.execute(f"SELECT count(*) FROM embeddings WHERE {where}", args).fetchone()
    width = dimensions * 4
    buffer = bytearray(count * width)
    view = memoryview(buffer)
    ids: list[str] = []
    odd: list[tuple[str, bytes]] = []
    offset = 0
    append = ids.append
    for row_id, blob in conn.execute(f"SELECT id, embedding FROM embeddings WHERE {where}", args):
        if blob is not None and len(blob) == width and offset < len(buffer):
            view[offset : offset + width] = blob
            offset += width
            append(row_id)
        else:
            odd.append((row_id, blob or b""))
    view.release()
    matrix = np.frombuffer(buffer, dtype="<f4", count=len(ids) * dimensions)
    return ids, matrix.reshape(len(ids), dimensions), odd


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
    import numpy as np

    from .vectors import cosine_similarity, decode

    where, args = _where(collection_id, skip_id, prefix)
    query64 = np.asarray(vector, dtype=np.float64)
    dimensions = len(query64)
    ids, matrix, odd = load_matrix(conn, where, args, dimensions)
    query_norm = float(np.linalg.norm(query64))

    results: list[tuple[float, int, str]] = []
    if ids:
        with np.errstate(divide="ignore", invalid="ignore"):
            query32 = query64.astype(np.float32)
            dots = matrix @ query32
            norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
            scores = np.where(norms > 0, dots / (norms * np.float32(query_norm or 1.0)), 0)
        if query_norm == 0:
            scores = np.zeros(len(ids), dtype=np.float32)
        keep = len(ids) if number < 0 else min(len(ids), number + _SPARE)
        if keep < len(ids):
            candidates = np.argpartition(-scores, keep - 1)[:keep]
        else:
            candidates = np.arange(len(ids))
        chosen = matrix[candidates].astype(np.float64)
        chosen_norms = np.linalg.norm(chosen, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            exact = np.where(
                (chosen_norms > 0) & (query_norm > 0),
                (chosen @ query64) / (chosen_norms * (query_norm or 1.0)),
                0.0,
            )
        results = [
            (float(score), int(index), ids[int(index)])
            for score, index in zip(exact, candidates, strict=True)
        ]
    # Rows whose vector has another length: the original compared them pairwise too.
    base = len(ids)
    for position, (row_id, blob) in enumerate(odd):
        score = cosine_similarity(decode(blob), vector) if blob else 0.0
        results.append((score, base + position, row_id))
    results.sort(key=lambda item: (-item[0], item[1]))
    if number >= 0:
        results = results[:number]
    return [(row_id, score) for score, _, row_id in results]
