"""Files in the user directory: keys, aliases and default models.

File names and formats match the original, so an existing configuration keeps working.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

from .errors import NeedsKeyException

APP_NAME = "io.datasette.llm"
DEFAULT_MODEL = "gpt-5.6-luna"


def _platform_app_dir() -> Path:
    """The per-user configuration directory the original uses (via click.get_app_dir)."""
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home())
        return Path(base) / APP_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_NAME


def user_dir() -> Path:
    """The directory for llm's data (``LLM_USER_PATH`` overrides it), created if missing."""
    configured = os.environ.get("LLM_USER_PATH")
    path = Path(configured) if configured else _platform_app_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


class ConfigFileError(ValueError):
    """A file in the user directory that cannot be read, parsed or written.

    The message names the file and the problem, so the CLI can show it as one line. Nothing
    is written over a file that could not be parsed: the user may have edited it by hand.
    """


def _read_text(path: Path, limit: int | None = None) -> str | None:
    """The text of ``path``, ``None`` when it does not exist; other problems are errors.

    A UTF-8 byte order mark (which Windows editors put at the start of a file) is not part
    of the text. With ``limit``, a file of more bytes than that is an error that gives its
    size rather than its content."""
    try:
        with path.open("rb") as file:
            raw = file.read() if limit is None else file.read(limit + 1)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigFileError(f"{path} is a directory, not a file") from None
    except OSError as ex:
        raise ConfigFileError(f"Cannot read {path}: {ex.strerror or ex}") from None
    if limit is not None and len(raw) > limit:
        try:
            size = f"{path.stat().st_size:,} bytes"
        except OSError:
            size = f"over {limit:,} bytes"
        raise ConfigFileError(f"{path} is too large ({size}): it must hold a single line")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as ex:
        raise ConfigFileError(
            f"{path} is not UTF-8 text (invalid byte at position {ex.start})"
        ) from None


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object stored in ``path``; ``{}`` when the file is missing or empty.

    Invalid JSON, or JSON that is not an object, raises ``ConfigFileError``.
    """
    text = _read_text(path)
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as ex:
        raise ConfigFileError(
            f"{path} is not valid JSON: {ex.msg} (line {ex.lineno}, column {ex.colno})"
        ) from None
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path} must contain a JSON object, not {json_type_name(data)}")
    return data


def json_type_name(value: Any) -> str:
    """What a JSON value is, for an error: "a list", "a string", "null"..."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def write_atomic(path: Path, text: str, *, private: bool = False) -> None:
    """Replace ``path`` with ``text`` all at once: a temp file in the same directory, then
    ``os.replace``. A crash or a full disk leaves the old file intact and no temp file behind.

    The file keeps its permission bits; ``private`` files (keys.json) are always 0600.
    """
    # Write through a symlink to its target rather than replacing the link with a file.
    target = Path(os.path.realpath(path))
    try:
        existing_mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        existing_mode = None
    mode = 0o600 if private else existing_mode
    import secrets  # with hmac and OpenSSL behind it: not for commands that write nothing

    temp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666)
        try:
            if mode is not None:
                os.fchmod(fd, mode)
            data = text.encode("utf-8")
            while data:
                written = os.write(fd, data)
                data = data[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except OSError as ex:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise ConfigFileError(f"Cannot write {path}: {ex.strerror or ex}") from None


def _write_json_object(path: Path, data: dict, *, private: bool = False, indent: int = 2) -> None:
    write_atomic(path, json.dumps(data, indent=indent) + "\n", private=private)


def keys_path() -> Path:
    return user_dir() / "keys.json"


def load_keys() -> dict[str, str]:
    """Stored keys by name (the ``// Note`` entry the original writes is left out)."""
    return {
        name: value
        for name, value in read_json_object(keys_path()).items()
        if isinstance(value, str) and not name.startswith("//")
    }


def set_key(name: str, value: str) -> None:
    """Store a key in keys.json, readable by its owner only."""
    if not name.strip():
        raise ValueError("The key name cannot be empty")
    path = keys_path()
    data = read_json_object(path)
    if not data:
        data = {"// Note": "This file stores secret API credentials. Do not share!"}
    data[name] = value.strip()
    _write_json_object(path, data, private=True)


def get_key(
    input: str | None = None,
    alias: str | None = None,
    env: str | None = None,
    *,
    explicit_key: str | None = None,
    key_alias: str | None = None,
    env_var: str | None = None,
) -> str | None:
    """Resolve an API key.

    ``input`` may be the name of a stored key or the key itself; otherwise the key stored as
    ``alias`` is used, then the ``env`` environment variable. The positional order also serves
    older plugins that call ``get_key(explicit_key, key_alias, env_var)``.
    """
    given = input if input is not None else explicit_key
    alias = alias or key_alias
    env = env or env_var
    stored = load_keys()
    if given:
        return _in_use(stored.get(given, given))
    if alias and alias in stored:
        return _in_use(stored[alias])
    if env and os.environ.get(env, "").strip():
        return _in_use(os.environ[env])
    return None


def _in_use(key: str) -> str:
    """A key about to be used: without the stray whitespace or CR a paste or a Windows file
    left around it (which would break the HTTP header and be quoted in the error), and
    masked from then on in whatever this process prints (``llm.redact``)."""
    from .redact import remember

    key = key.strip()
    remember(key)
    return key


def key_for_model(model: Any, explicit_key: str | None = None) -> str | None:
    """The key a model (or embedding model) should use, or a NeedsKeyException saying how to
    set one. Order: an explicit key (or stored key name), ``model.key``, keys.json, env var."""
    if explicit_key:
        # Honoured even by models that need no key (e.g. an optional key for a local server).
        return get_key(explicit_key)
    if model.needs_key is None:
        return None
    if model.key is not None:
        return _in_use(model.key) if isinstance(model.key, str) else model.key
    found = get_key(alias=model.needs_key, env=model.key_env_var)
    if found:
        return found
    message = f"No key found - add one using 'llm keys set {model.needs_key}'"
    if model.key_env_var:
        message += f" or set the {model.key_env_var} environment variable"
    raise NeedsKeyException(message)


def aliases_path() -> Path:
    return user_dir() / "aliases.json"


def load_aliases() -> dict[str, str]:
    """User-defined aliases from aliases.json."""
    return {k: v for k, v in read_json_object(aliases_path()).items() if isinstance(v, str)}


def _write_aliases(aliases: dict[str, str]) -> None:
    _write_json_object(aliases_path(), aliases, indent=4)  # as the originals write it


#: The most a one-line setting (a model ID in default_model.txt) may hold, in bytes.
SETTING_LIMIT = 1024


def _read_text_setting(filename: str) -> str | None:
    """A one-line setting such as default_model.txt; ``None`` when missing or blank. A file
    that is not one line (or over ``SETTING_LIMIT`` bytes) is an error that names it and
    does not repeat its content."""
    path = user_dir() / filename
    text = _read_text(path, limit=SETTING_LIMIT)
    value = text.strip() if text else ""
    if any(char in value for char in "\r\n\x00"):
        raise ConfigFileError(f"{path} must hold a single line")
    return value or None


def _write_text_setting(filename: str, value: str | None) -> None:
    """Set (or, with ``None``, remove) a one-line setting. A file there that could not be
    read as one is left as it is, and the error names it: it may be something else."""
    path = user_dir() / filename
    _read_text_setting(filename)
    if value is None:
        path.unlink(missing_ok=True)
    else:
        write_atomic(path, value)
