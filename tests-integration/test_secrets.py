"""Keys stay secret: owner-only keys.json, and no key in the logs database in any form."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path


def _everything_stored(user_dir: Path) -> str:
    with sqlite3.connect(user_dir / "logs.db") as db:
        return "\n".join(db.iterdump())


def test_key_option_never_reaches_the_database(invoke_llm, user_dir: Path) -> None:
    result = invoke_llm("-m", "echo-needs-key", "hi", "--key", "sk-given-on-the-command-line")
    assert result.returncode == 0, result.stderr
    dump = _everything_stored(user_dir)
    assert "hi" in dump  # the prompt was logged...
    # ...but not the key (echo-needs-key repeats it in its answer, so look outside responses)
    with sqlite3.connect(user_dir / "logs.db") as db:
        rows = db.execute("select prompt, system, options_json, prompt_json from responses")
        assert "sk-given-on-the-command-line" not in repr(rows.fetchall())


def test_keys_json_is_owner_only_from_the_cli(invoke_llm, user_dir: Path) -> None:
    assert invoke_llm("keys", "set", "openai", "--value", "sk-1").returncode == 0
    path = user_dir / "keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)  # loosened by hand: the next write tightens it again
    assert invoke_llm("keys", "set", "other", "--value", "sk-2").returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
