"""Embedding vectors as stored bytes: little-endian float32, the original's format.

Pure ``struct``/``math`` so ``import llm`` never needs numpy; ``numpy.frombuffer(data, "<f4")``
reads the same bytes.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=16)
def _packer(length: int) -> struct.Struct:
    # One compiled Struct per vector length: no format parsing per row in embed-multi.
    return struct.Struct(f"<{length}f")


def encode(values: Sequence[float]) -> bytes:
    """Pack a vector as consecutive little-endian 32-bit floats."""
    return _packer(len(values)).pack(*values)


def decode(binary: bytes) -> tuple[float, ...]:
    """The vector ``encode`` packed (trailing bytes short of a float are ignored)."""
    return struct.unpack(f"<{len(binary) // 4}f", binary[: len(binary) // 4 * 4])


def cosine_similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of the angle between two vectors; 0.0 when either has no length."""
    magnitude = math.hypot(*a) * math.hypot(*b)
    if not magnitude:
        return 0.0
    return sum(x * y for x, y in zip(a, b, strict=False)) / magnitude
