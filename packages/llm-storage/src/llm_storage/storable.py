"""Text a database can hold: the one place that decides, for the writers.

Python text can hold what no database column can: lone surrogates (``"\\udcff"``, what
Python makes of bytes that were not UTF-8, or what a plugin or tool returns), which cannot
be encoded as UTF-8 at all, and NUL (``"\\x00"``), which SQLite stores but PostgreSQL's
``text`` refuses. An answer the model was paid for must not be lost over one such
character, so every text value a writer stores goes through :func:`storable` first.

The encoding (documented in ``docs/guarantees.md``, reversed by :func:`restore`):

* a value that is storable as it is, and does not start with :data:`MARK`, is stored
  unchanged (every ordinary value: nothing changes for other readers of the database);
* any other value is stored as :data:`MARK` (U+FDD0, a Unicode *noncharacter*, reserved
  for internal use and never found in ordinary text) followed by the value with each
  backslash doubled and each NUL or surrogate written as ``\\uXXXX`` (four lowercase hex
  digits), everything else unchanged.

Stdlib only and cheap: a value that is ASCII (most of them) is checked without a scan.
"""

from __future__ import annotations

import re

#: Starts a value that was escaped to be stored (U+FDD0, a noncharacter).
MARK = "\ufdd0"

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_OR_NUL = re.compile("[\x00\ud800-\udfff]")
_TO_ESCAPE = re.compile("[\\\\\x00\ud800-\udfff]")
_ESCAPED = re.compile(r"\\(\\|u[0-9a-f]{4})")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return "\\\\" if char == "\\" else f"\\u{ord(char):04x}"


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    return "\\" if code == "\\" else chr(int(code[1:], 16))


def needs_escaping(value: str, *, keeps_nul: bool = True) -> bool:
    """Whether ``value`` cannot be stored as it is (a surrogate; a NUL where the database
    cannot hold one, ``keeps_nul=False``; or it starts with :data:`MARK`)."""
    if value.isascii():
        return not keeps_nul and "\x00" in value
    if value.startswith(MARK):
        return True
    return (_SURROGATE if keeps_nul else _SURROGATE_OR_NUL).search(value) is not None


def storable(value: str, *, keeps_nul: bool = True) -> str:
    """``value`` as a database can hold it: unchanged when it can, else escaped (see the
    module's documentation). ``keeps_nul``: whether the database stores NUL (SQLite does,
    PostgreSQL does not)."""
    if not needs_escaping(value, keeps_nul=keeps_nul):
        return value
    return MARK + _TO_ESCAPE.sub(_escape, value)


def restore(stored: str) -> str:
    """The value :func:`storable` was given (a value it left unchanged is returned as is)."""
    if not stored.startswith(MARK):
        return stored
    return _ESCAPED.sub(_unescape, stored[len(MARK) :])


def undecodable_at(value: str) -> int | None:
    """Where ``value`` holds a character that is not text (a lone surrogate: a byte that
    was not UTF-8, decoded by Python with surrogate escapes), or None. Input given to a
    model is checked with this before the model is called (``llm`` refuses it)."""
    if value.isascii():
        return None
    found = _SURROGATE.search(value)
    return None if found is None else found.start()


def describe_undecodable(value: str, position: int) -> str:
    """``value``'s character at ``position`` for a message: the byte it stands for."""
    code = ord(value[position])
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the byte that was not UTF-8
        return f"byte 0x{code - 0xDC00:02x} at character {position + 1}"
    return f"lone surrogate U+{code:04X} at character {position + 1}"
