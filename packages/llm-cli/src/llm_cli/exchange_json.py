"""``llm prompt --json``: the exchange as ``llm logs --json`` shows it.

The rows are read back from where they were logged, so the two outputs are the same by
construction (one translation, response -> rows -> JSON). An exchange that is not logged
(``-n``, ``llm logs off``) is written to a scratch SQLite file that is thrown away.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from . import logs_format
from .store import log_to, open_for_logging, open_for_reading


def _responses(response: Any) -> list[Any]:
    made = getattr(response, "responses_made", None)
    return list(made()) if made is not None else [response]


def write_exchange_json(response: Any, logged_to: str | None, logged: bool) -> None:
    """Print the rows of ``response`` (each response of a tool chain) as a JSON array.
    ``logged_to``: the ``-d`` database it was logged to (None: the default one)."""
    if logged:
        _write_from(logged_to, response)
        return
    with tempfile.TemporaryDirectory(prefix="llm-json-") as scratch:
        path = str(Path(scratch) / "exchange.db")
        store = open_for_logging(path)
        try:
            log_to(store, response)
        finally:
            close = getattr(store, "close", None)
            if close is not None:
                close()
        _write_from(path, response)


def _write_from(database: str | None, response: Any) -> None:
    from .commands.logs import _unshown

    reader = open_for_reading(database)
    assert reader is not None  # it was just logged there
    try:
        ids = [one.id for one in _responses(response)]
        records = reader.iter_responses(
            None, response_ids=ids, omit=_unshown(as_json=True, expand=False)
        )
        rows = [logs_format.prepare(record, truncate=False, expand=False) for record in records]
    finally:
        reader.close()
    for piece in logs_format.json_pieces(rows):
        sys.stdout.write(piece)
    sys.stdout.write("\n")
    sys.stdout.flush()
