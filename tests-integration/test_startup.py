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
