"""``python -m llm``: the command line, as the original offers it (it lives in llm-cli)."""

from __future__ import annotations

import sys

from ._compat import sibling


def main() -> None:
    try:
        entry = sibling("cli", "__main__", feature="python -m llm")
    except ImportError as ex:
        print(f"Error: {ex}", file=sys.stderr)
        sys.exit(1)
    entry.main()


if __name__ == "__main__":
    main()
