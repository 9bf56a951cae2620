"""Many ``llm`` commands at once, forked from one process that has imported them.

For tests of concurrency where start-up is not the point: a fork starts in a millisecond,
where a new interpreter spends a quarter of a second importing, so every child reaches the
database at the same moment, for a fraction of the CPU. Each child is a real process with
its own file descriptors and database connections, running the console script's entry point
with its own arguments.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# The parent: imports the CLI, every plugin and both database drivers, then forks one child
# per command line. A child points stdin and stdout at /dev/null and stderr at a file of its
# own, runs the entry point and exits with its status; the parent prints each child's exit
# status, in order, as JSON.
PARENT = """
import json, os, sys
import llm.plugins
import llm_cli.app
import llm_cli.commands.embed, llm_cli.commands.logs, llm_cli.commands.prompt
from llm_cli.__main__ import main
from llm_storage import opening, sqlite_writer, pg_writer
import psycopg
llm.plugins.load_plugins()

commands, stderr_dir = json.loads(sys.argv[1]), sys.argv[2]
children = {}
for n, args in enumerate(commands):
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(os.open(os.path.join(stderr_dir, str(n)), os.O_WRONLY | os.O_CREAT), 2)
        sys.argv = ["llm", *args]
        try:
            main()
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
        except BaseException:
            code = 70
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    children[pid] = n
codes = [None] * len(commands)
for _ in commands:
    pid, status = os.wait()
    codes[children[pid]] = os.waitstatus_to_exitcode(status)
print(json.dumps(codes))
"""


def run_forked(commands: list[list[str]], env: dict[str, str], stderr_dir: Path) -> list[str]:
    """Run every command line (``llm``'s arguments) at once; what each that failed said."""
    stderr_dir.mkdir()
    parent = subprocess.run(
        [sys.executable, "-c", PARENT, json.dumps(commands), str(stderr_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,  # a hang, not a slow machine
    )
    assert parent.returncode == 0, parent.stderr
    codes = json.loads(parent.stdout)
    assert len(codes) == len(commands)
    return [
        f"{commands[n]} exited {code}: {(stderr_dir / str(n)).read_text()}"
        for n, code in enumerate(codes)
        if code != 0
    ]
