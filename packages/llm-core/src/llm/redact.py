"""Secrets out of everything we print: ``redact(text)``, the one function every message,
listing and debug line that may carry a credential goes through.

It masks, with ``***``:

- in any URL (``scheme://...``): the password of its userinfo (``user:***@host``) and the
  value of every query parameter whose name says it is a credential (``password``, ``key``,
  ``api_key``, ``token``, ``access_token``, ``secret``, ``sig``...);
- ``Bearer <token>`` and ``Basic <credentials>`` (an Authorization header quoted in an error);
- ``password=...`` (and ``api_key=``, ``secret=``...) outside URLs: a libpq connection string;
- every known key, wherever it appears: the values stored in ``keys.json``, the keys a model
  was called with in this process (``remember``, which ``llm.config.get_key`` calls), and the
  values of environment variables named like secrets (``OPENAI_API_KEY``, ``*_TOKEN``...).

Its callers: the CLI's top-level error line and chat's error lines (llm-cli), the retry and
fallback notices (``llm.resilience``), llm-openai's error messages and what
``LLM_OPENAI_SHOW_RESPONSES`` prints, where llm-storage and llm-embeddings name a database
(``llm logs status``/``path``, ``llm collections path``, their errors). It never raises: a
message about one failure must not become another.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

MASK = "***"

#: Known keys shorter than this are not masked as such: a placeholder stored as a key
#: ("ollama", "none") would otherwise mask that word in every message.
MIN_KEY_LENGTH = 8

_remembered: set[str] = set()

#: A query parameter (or ``name=`` outside a URL) whose value is a credential.
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|auth|sig|credential", re.IGNORECASE)
#: An environment variable whose value is a credential.
_SECRET_ENV = re.compile(
    r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$|API_?KEY", re.IGNORECASE
)
# A URL, without the punctuation that ends the sentence quoting it.
_URL = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<rest>[^\s'\"<>`]*[^\s'\"<>`.,:;!?)\]}])"
)
_QUERY_PARAMETER = re.compile(
    r"(?P<lead>[?&;](?P<name>[^=&;#?\s'\"]+)=)(?P<value>[^&;#\s'\"<>`]*[^&;#\s'\"<>`.,:!?)\]}])?"
)
# An Authorization header's credentials (with a digit: "Basic authentication" is words).
_AUTHORIZATION = re.compile(r"\b(?P<lead>(?:Bearer|Basic)\s+)(?=\S*\d)[A-Za-z0-9._~+/\-]{6,}=*")
_ASSIGNMENT = re.compile(
    r"\b(?P<lead>(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token)\s*=\s*)"
    r"(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s,;&'\"]*[^\s,;&'\".:!?)\]}])",
    re.IGNORECASE,
)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every credential it holds masked (see the module's docstring); also
    masks ``secrets``, values the caller knows to be secret."""
    if not isinstance(text, str):
        text = str(text)
    try:
        for secret in sorted(_known_keys(secrets), key=len, reverse=True):
            text = text.replace(secret, MASK)
        if "://" in text:
            text = _URL.sub(_masked_url, text)
        text = _QUERY_PARAMETER.sub(_masked_parameter, text)  # a path quoted without its host too
        text = _AUTHORIZATION.sub(lambda m: m.group("lead") + MASK, text)
        return _ASSIGNMENT.sub(lambda m: m.group("lead") + MASK, text)
    except Exception:  # pragma: no cover - masking must never fail a message
        return text


def redact_url(url: str | os.PathLike[str]) -> str:
    """A database URL or path for display (``llm logs path``, errors naming a database)."""
    return redact(os.fspath(url))


def remember(*secrets: str | None) -> None:
    """Mask these values too, for the rest of this process (the key a model is called with,
    which may come from ``--key`` or an environment variable)."""
    for secret in secrets:
        if isinstance(secret, str) and len(secret.strip()) >= MIN_KEY_LENGTH:
            _remembered.add(secret.strip())


def _masked_url(match: re.Match[str]) -> str:
    scheme, rest = match.group("scheme"), match.group("rest")
    end = _userinfo_end(rest)
    if end >= 0:
        user, colon, _password = rest[:end].partition(":")
        rest = (f"{user}:{MASK}" if colon else user) + rest[end:]
    return scheme + rest


def _userinfo_end(rest: str) -> int:
    """Where the userinfo of a URL (without its scheme) ends (its ``@``), or -1.

    A password is often pasted unencoded, holding ``@``, ``/`` or ``?``: after ``user:``
    (a colon not followed by a port), the userinfo runs to the last ``@`` before the query
    (or the last ``@`` at all), so that too much is masked rather than part of it shown."""
    slash = rest.find("/")
    head = rest if slash < 0 else rest[:slash]
    colon = head.find(":")
    if colon >= 0 and not head[colon + 1 :].isdigit():
        query = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
        at = rest.rfind("@", 0, query)
        return at if at >= 0 else rest.rfind("@")
    return head.rfind("@")


def _masked_parameter(match: re.Match[str]) -> str:
    if not match.group("value") or not _SECRET_NAME.search(match.group("name")):
        return match.group(0)
    return match.group("lead") + MASK


def _known_keys(extra: Iterable[str | None]) -> set[str]:
    known = set(_remembered)
    known.update(_stored_keys())
    for name, value in os.environ.items():
        value = value.strip()
        if _SECRET_ENV.search(name) and _looks_like_a_key(value):
            known.add(value)
    known.update(value.strip() for value in extra if isinstance(value, str))
    return {value for value in known if len(value) >= MIN_KEY_LENGTH}


def _looks_like_a_key(value: str) -> bool:
    """An environment variable named like a secret may hold a setting ("enabled"): only a
    value shaped like a key (no spaces; a digit, or long) is masked everywhere."""
    if len(value) < 8 or any(c.isspace() for c in value):
        return False
    return len(value) >= 20 or any(c.isdigit() for c in value)


_stored: tuple[object, list[str]] = (None, [])


def _stored_keys() -> list[str]:
    """The values in keys.json (read again only when the file changes)."""
    global _stored
    try:
        from .config import keys_path, load_keys

        path: Path = keys_path()
        stamp = path.stat()
        version = (str(path), stamp.st_mtime_ns, stamp.st_size)
        if _stored[0] != version:
            _stored = (version, [value.strip() for value in load_keys().values()])
    except Exception:  # no keys.json, or one broken by hand: nothing stored to mask
        return []
    return _stored[1]
