"""Monotonic ULIDs: sortable 26-character IDs for responses and conversations.

The original tool stores lowercase ULIDs, so IDs written by either tool sort together.
IDs made in the same millisecond count up from the last one; a forked child (a
multiprocessing worker, a pre-forked server) first moves its count on by a random step of
its own, or every child would return its parent's last ID plus one.
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


def _after_fork_in_child() -> None:
    global _lock, _last_random
    _lock = threading.Lock()  # another thread of the parent may have held it
    # Still greater than every ID the parent returned; unlike any sibling's.
    _last_random += 1 + int.from_bytes(os.urandom(6), "big")


os.register_at_fork(after_in_child=_after_fork_in_child)
