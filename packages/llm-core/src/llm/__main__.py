"""``python -m llm``: the command line, as the original offers it (it lives in llm-cli)."""

from __future__ import annotations

import sys

from ._compat import import_sibling


def main() -> None:
    try:
        entry = import_sibling("llm_cli.__main__", "llm-cli", "python -m llm")
    except ImportError as ex:
        print(f"Error: {ex}", file=sys.stderr)
        sys.exit(1)
    entry.main()


if __name__ == "__main__":
    main()
