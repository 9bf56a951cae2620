"""The stored form of a vector: little-endian float32, packed (the original tool's format).

Kept free of numpy so that encoding one vector (``llm embed``) imports nothing heavy.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=16)
def _packer(length: int) -> struct.Struct:
    # A compiled Struct per vector length: no format parsing per row in embed-multi.
    return struct.Struct(f"<{length}f")


def encode(values: Sequence[float]) -> bytes:
    """Pack a vector into the bytes stored in the ``embedding`` column."""
    return _packer(len(values)).pack(*values)


def decode(binary: bytes) -> tuple[float, ...]:
    """Unpack bytes from the ``embedding`` column into a tuple of floats."""
    return struct.unpack(f"<{len(binary) // 4}f", binary)


def cosine_similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors (pure Python, for one-off comparisons)."""
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm_a = sum(x * x for x in a) ** 0.5
    norm_b = sum(x * x for x in b) ** 0.5
    if not norm_a or not norm_b:
        return 0.0
    return float(dot / (norm_a * norm_b))
