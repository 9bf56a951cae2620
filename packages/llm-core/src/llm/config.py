"""Files in the user directory: keys, aliases and default models.

File names and formats match the original, so an existing configuration keeps working.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from .errors import NeedsKeyException

APP_NAME = "io.datasette.llm"
DEFAULT_MODEL = "gpt-4o-mini"


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


def _read_json_object(path: Path) -> dict:
    """A JSON object from ``path``; missing or unreadable files count as empty."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json_object(path: Path, data: dict, *, private: bool = False) -> None:
    """Write atomically (temp file + rename), so a crash never leaves half a file."""
    temp = path.with_name(path.name + ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(temp, flags, 0o600 if private else 0o666)
    with os.fdopen(fd, "w") as fp:
        json.dump(data, fp, indent=2)
        fp.write("\n")
    os.replace(temp, path)
    if private:
        os.chmod(path, 0o600)


def keys_path() -> Path:
    return user_dir() / "keys.json"


def load_keys() -> dict[str, str]:
    """Stored keys by name (the ``// Note`` entry the original writes is left out)."""
    return {
        name: value
        for name, value in _read_json_object(keys_path()).items()
        if isinstance(value, str) and not name.startswith("//")
    }


def set_key(name: str, value: str) -> None:
    """Store a key in keys.json, readable by its owner only."""
    path = keys_path()
    data = _read_json_object(path)
    if not data:
        data = {"// Note": "This file stores secret API credentials. Do not share!"}
    data[name] = value
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
        return stored.get(given, given)
    if alias and alias in stored:
        return stored[alias]
    if env and os.environ.get(env):
        return os.environ[env]
    return None


def key_for_model(model: Any, explicit_key: str | None = None) -> str | None:
    """The key a model (or embedding model) should use, or a NeedsKeyException saying how to
    set one. Order: an explicit key (or stored key name), ``model.key``, keys.json, env var."""
    if explicit_key:
        # Honoured even by models that need no key (e.g. an optional key for a local server).
        return get_key(explicit_key)
    if model.needs_key is None:
        return None
    if model.key is not None:
        return model.key
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
    return {k: v for k, v in _read_json_object(aliases_path()).items() if isinstance(v, str)}


def _write_aliases(aliases: dict[str, str]) -> None:
    _write_json_object(aliases_path(), aliases)


def _read_text_setting(filename: str) -> str | None:
    path = user_dir() / filename
    try:
        value = path.read_text().strip()
    except OSError:
        return None
    return value or None


def _write_text_setting(filename: str, value: str | None) -> None:
    path = user_dir() / filename
    if value is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(value)
