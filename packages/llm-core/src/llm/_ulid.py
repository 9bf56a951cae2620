"""Monotonic ULIDs: sortable 26-character IDs for responses and conversations.

The original tool stores lowercase ULIDs, so IDs written by either tool sort together.
"""

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase
_lock = threading.Lock()
_last_ms = -1
_last_random = 0


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))


def ulid() -> str:
    """A new lowercase ULID, strictly greater than any returned before in this process."""
    global _last_ms, _last_random
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms <= _last_ms:
            # Same (or earlier) millisecond: keep the timestamp and count up, so order holds.
            now_ms = _last_ms
            random_part = _last_random + 1
        else:
            random_part = int.from_bytes(os.urandom(10), "big") >> 1  # leave headroom to count
        _last_ms, _last_random = now_ms, random_part
    return _encode(now_ms, 10) + _encode(random_part, 16)
