"""Run ``llm`` inside the calling process, the way the console script runs it: for tests.

``invoke("-m", "echo", "hi")`` calls what the executable runs (``llm_cli.__main__.run``, so
errors are the same one line and exit codes the same; the console script's garbage-collection
policy is left to the console script) with
click's ``CliRunner`` standing in for the process: arguments, standard input, standard output
and error (kept apart) and environment changes are isolated, and the result is the
``subprocess.CompletedProcess`` that ``subprocess.run([llm, ...], capture_output=True,
text=True)`` would give. It costs milliseconds where a new process costs a few hundred (the
interpreter, pydantic, the plugins), so the behaviour of commands is tested this way; what
only a real process shows (start-up imports, signals, concurrent processes, which plugins a
new process loads) needs the executable.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping


def invoke(
    *args: str,
    input: str | bytes | None = None,
    env: Mapping[str, str | None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``llm ARGS...`` in this process. ``env`` changes the environment while it runs
    (``None`` unsets a variable); plugins are those this process has already loaded."""
    from click.testing import CliRunner

    from .__main__ import run

    with CliRunner().isolation(input=input or "", env=dict(env or {})) as (stdout, stderr, _):
        argv, sys.argv = sys.argv, ["llm", *args]
        try:
            run()
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
        finally:
            sys.argv = argv
            sys.stdout.flush()  # print() to the swapped streams is buffered
            sys.stderr.flush()
        out, err = stdout.getvalue().decode(), stderr.getvalue().decode()
    return subprocess.CompletedProcess(["llm", *args], code, out, err)
