"""Entry point of the ``llm`` console script."""

from __future__ import annotations

import os
import sys


def main() -> None:
    from .app import cli

    try:
        cli.main(prog_name="llm")
    except Exception as ex:  # the last line of defence: one clear line, no traceback
        if os.environ.get("LLM_TRACEBACK"):
            raise
        message = str(ex) or type(ex).__name__
        print(f"Error: {message}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
