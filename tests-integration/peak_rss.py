"""Run a command and write its peak resident memory, in bytes, to a file.

    python peak_rss.py OUTPUT_FILE COMMAND [ARGS...]

A helper for memory tests. Measuring from the test process itself is wrong on Linux: a
child forked from a big process starts with that process's resident set counted in its
peak. This small process forks the command instead, waits for it with ``os.wait4`` and
exits with its status; stdin, stdout and stderr are the command's.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    output, command = sys.argv[1], sys.argv[2:]
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    with open(output, "w") as peak:
        peak.write(str(usage.ru_maxrss * 1024))  # kilobytes on Linux
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
