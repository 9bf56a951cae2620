"""The CLI's way into the ledger: open it with clear errors, keep costs priced, settings.

Settings (retention, budgets) live in ``ledger.json`` in the user directory.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

import llm

SETTINGS_FILE = "ledger.json"
#: Responses priced and stored per transaction when catching up.
PRICING_BATCH = 2000


def now() -> dt.datetime:
    """The current time (UTC). ``LLM_LEDGER_NOW`` (ISO time) fixes it, for tests that
    move the clock (retention, daily budgets)."""
    fixed = os.environ.get("LLM_LEDGER_NOW")
    if fixed:
        parsed = dt.datetime.fromisoformat(fixed)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)


def stored_time(moment: dt.datetime) -> str:
    """A time as ``responses.datetime_utc`` stores it (UTC ISO), for comparisons."""
    return moment.astimezone(dt.UTC).isoformat()


_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(value: str, option: str) -> dt.timedelta:
    """``30d``, ``12h``, ``2w``, ``90m``, ``45s`` as a timedelta; anything else a clear error."""
    found = _DURATION.match(value)
    if not found or int(found.group(1)) == 0:
        raise click.BadParameter(
            f"{value!r} is not a duration such as 30d, 12h or 2w", param_hint=option
        )
    return dt.timedelta(seconds=int(found.group(1)) * _UNIT_SECONDS[found.group(2)])


def model_filter(model: str | None) -> str | None:
    """A ``-m`` filter: an alias means its model; an ID no model answers to (uninstalled?)
    is used as given."""
    if not model:
        return None
    try:
        return str(llm.get_model(model).model_id)
    except llm.UnknownModelError:
        return model


# -- settings ---------------------------------------------------------------------------------


def settings_path() -> Path:
    return llm.user_dir() / SETTINGS_FILE


def load_settings() -> dict[str, Any]:
    path = settings_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as ex:
        raise click.ClickException(f"Cannot read {path}: {ex}") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"Cannot read {path}: it must hold a JSON object")
    return data


def save_settings(settings: dict[str, Any]) -> None:
    """Write atomically: a crash never leaves half a file."""
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


# -- opening ----------------------------------------------------------------------------------


def _missing_file(database: str | None) -> bool:
    from llm_storage.opening import default_target

    target = database if database is not None else default_target()
    return not (isinstance(target, str) and "://" in target) and not Path(target).exists()


@contextmanager
def open_ledger(database: str | None, *, existing: bool = True) -> Iterator[Any]:
    """The ledger of ``-d/--database`` or the default database; StoreErrors become clear
    errors. ``existing``: yield None rather than create a SQLite file that is not there."""
    import llm_storage
    from llm_storage.ledger_db import open_ledger as open_db

    if existing and _missing_file(database):
        yield None
        return
    try:
        with open_db(database) as ledger:
            yield ledger
    except llm_storage.StoreError as ex:
        raise click.ClickException(str(ex)) from ex


def _prices_fingerprint() -> str:
    """What stored costs were worked out with: the prices file's version and the
    price table's package version (read from metadata, without importing the table)."""
    from importlib.metadata import PackageNotFoundError, version

    from .pricing import prices_path

    try:
        table = version("genai-prices")
    except PackageNotFoundError:
        table = "none"
    try:
        stamp = str(prices_path().stat().st_mtime_ns)
    except OSError:
        stamp = "none"
    return f"genai-prices {table}; prices file {stamp}"


def catch_up_pricing(ledger: Any) -> int:
    """Price every response that has no stored cost yet (each at its own date); returns
    how many. When the prices file or the price table changed since costs were stored,
    the costs they gave (all but those providers reported) are worked out again. Imports
    the price table only when there is something to price."""
    from llm_storage import ledger as queries

    from . import pricing

    fingerprint = _prices_fingerprint()
    settings = load_settings()
    if settings.get("priced_with", {}).get(ledger.location) != fingerprint:
        with ledger.transaction(write=True) as tx:
            queries.forget_costs(tx)
        settings.setdefault("priced_with", {})[ledger.location] = fingerprint
        save_settings(settings)
    entries: dict[str, str | None] = {}
    done = 0
    last = ""
    while True:
        with ledger.transaction() as tx:
            rows = queries.unpriced_responses(tx, last, PRICING_BATCH)
        if not rows:
            return done
        last = rows[-1]["id"]
        for model_id in {str(row["model"] or "") for row in rows} - entries.keys():
            entries[model_id] = pricing.price_entry_of(model_id) if model_id else None
        prices = pricing.user_prices()
        costs = [pricing.cost_of(row, entries, prices) for row in rows]
        with ledger.transaction(write=True) as tx:
            queries.store_costs(tx, costs)
        done += len(rows)


def with_costs(store: Any, rows: Iterable[dict[str, Any]], batch: int = 100) -> Iterator[Any]:
    """``llm logs -u``: each row with ``cost_usd`` (None: unpriced) and ``cost_source``,
    from the stored costs, else priced now from the row (``llm logs`` writes nothing)."""
    from llm_storage import ledger as queries
    from llm_storage.ledger_db import Ledger

    from .pricing import cost_of

    ledger = Ledger.over(store)
    pending: list[dict[str, Any]] = []

    def flush() -> Iterator[dict[str, Any]]:
        with ledger.transaction() as tx:
            stored = queries.costs_for(tx, [row["id"] for row in pending])
        for row in pending:
            found = stored.get(row["id"])
            if found is None:
                cost = cost_of(row, {})
                found = {"cost_usd": cost.usd, "source": cost.source}
            row["cost_usd"] = found["cost_usd"]
            row["cost_source"] = found["source"]
            yield row
        pending.clear()

    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            yield from flush()
    if pending:
        yield from flush()
