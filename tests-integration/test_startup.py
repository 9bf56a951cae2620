"""Start-up is a feature: ``llm --help`` and ``--version`` import nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["sqlalchemy", "alembic", "numpy", "openai", "httpx2", "puremagic", "asyncio", "yaml"]

PROBE = """
import json, sys
from llm_cli.app import cli
try:
    cli.main(ARGS, prog_name="llm", standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["prompt", "--help"], ["logs", "path"]]
)
def test_cheap_commands_import_nothing_heavy(args, tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.replace("ARGS", repr(args))],
        capture_output=True,
        text=True,
        env={"LLM_USER_PATH": str(tmp_path), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    imported = set(json.loads(result.stderr.strip().splitlines()[-1]))
    assert not imported & set(HEAVY), imported & set(HEAVY)


def test_logging_to_an_existing_sqlite_database_skips_sqlalchemy(run_llm, user_dir) -> None:
    """Logging is a few INSERTs: once logs.db exists at the current schema, a prompt pays
    for neither SQLAlchemy nor Alembic (about a third of a second)."""
    assert run_llm("-m", "echo", "creates the database").returncode == 0
    probe = PROBE.replace("ARGS", repr(["-m", "echo", "logged cheaply"]))
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"LLM_USER_PATH": str(user_dir), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    imported = set(json.loads(result.stderr.strip().splitlines()[-1]))
    assert not imported & {"sqlalchemy", "alembic"}
    prompts = [r["prompt"] for r in json.loads(run_llm("logs", "--json").stdout)]
    assert prompts == ["creates the database", "logged cheaply"]
