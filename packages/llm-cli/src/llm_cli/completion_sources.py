"""Names to complete, for the shell (``llm completion``) and for ``llm chat``'s Tab: read
from the plugin cache, the user directory and the databases, read-only, never importing a
plugin (a completion must answer in milliseconds)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import llm


def model_ids() -> list[str]:
    """Model IDs and aliases, as the plugin cache recorded them, and the user's aliases.
    Nothing from plugins the cache does not describe (that would mean importing them)."""
    from llm import plugin_cache
    from llm.config import load_aliases

    names: list[str] = []
    try:
        described = plugin_cache.peek() or {}
    except Exception:  # a damaged cache completes nothing rather than failing
        described = {}
    for description in described.values():
        for model_id, aliases in (description or {}).get("models", []):
            names.extend([model_id, *aliases])
    names.extend(load_aliases())
    return list(dict.fromkeys(names))


def template_names() -> list[str]:
    from .templates import templates_dir

    directory = templates_dir()
    if not directory.is_dir():
        return []
    return sorted(path.stem for path in directory.glob("*.yaml"))


def fragment_aliases() -> list[str]:
    return [row[0] for row in _query(_logs_db(), "select alias from fragment_aliases")]


def conversation_ids() -> list[str]:
    """The most recent first."""
    sql = "select id from conversations order by id desc limit 200"
    return [row[0] for row in _query(_logs_db(), sql)]


def collection_names() -> list[str]:
    path = Path(llm.user_dir()) / "embeddings.db"
    return [row[0] for row in _query(path, "select name from collections order by name")]


def _logs_db() -> Path | None:
    """The SQLite log file, when logs go to one (not to a database URL)."""
    from llm_storage.opening import default_target

    target = default_target()
    if isinstance(target, Path):
        return target
    if target.startswith("sqlite:///"):
        return Path(target[len("sqlite:///") :])
    return None


def _query(path: Path | None, sql: str) -> Iterator[tuple[str, ...]]:
    if path is None or not path.is_file():
        return iter(())
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=0.5)
        try:
            return iter(conn.execute(sql).fetchall())
        finally:
            conn.close()
    except sqlite3.Error:  # no such table yet, locked, not a database
        return iter(())
