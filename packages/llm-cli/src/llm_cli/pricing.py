"""What a response cost, and what a prompt could cost: the one owner of prices.

Precedence, highest first:

1. the user's prices file (``prices.json`` in the user directory, or ``LLM_PRICES_PATH``);
2. a cost the provider reported (``"cost"`` in the response's token details, or
   ``usage.cost`` in its response JSON, in US dollars);
3. the maintained price table of the ``genai-prices`` package, at the response's own date.

A model found in none of them is *unpriced* (``usd`` None), never $0. A plugin names the
price-table entry its models use with a ``price_entry`` attribute on the model
(``"provider:model"``, such as ``"openai:gpt-4o-mini"``, or just the model's reference).

The price table is the one the installed ``genai-prices`` ships: it is never downloaded at
run time, and changes only when the user upgrades it (``llm install -U genai-prices``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import click

import llm

PRICES_ENV = "LLM_PRICES_PATH"
PRICES_FILE = "prices.json"


@dataclass(frozen=True)
class Price:
    """US dollars per million input and output tokens, and where that came from."""

    input: float
    output: float
    entry: str
    source: str


def prices_path() -> Path:
    given = os.environ.get(PRICES_ENV)
    return Path(given) if given else llm.user_dir() / PRICES_FILE


def user_prices() -> dict[str, list[dict[str, Any]]]:
    """The user's prices file: ``{"model-id": {"input": 2.5, "output": 10}}`` (dollars per
    million tokens), or a list of such entries each with ``"from": "YYYY-MM-DD"``, for
    prices that changed. A bad file is one clear error."""
    path = prices_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    return _read_prices(path, stamp)


@cache
def _read_prices(path: Path, _stamp: int) -> dict[str, list[dict[str, Any]]]:
    """The prices file, read once per version of it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        if not isinstance(data, dict):
            raise ValueError("it must be a JSON object of model IDs")
        table: dict[str, list[dict[str, Any]]] = {}
        for model_id, entries in data.items():
            listed = entries if isinstance(entries, list) else [entries]
            for entry in listed:
                if not isinstance(entry, dict):
                    raise ValueError(f"{model_id}: each price must be an object")
                for key in ("input", "output"):
                    if not isinstance(entry.get(key, 0), int | float):
                        raise ValueError(f"{model_id}: {key!r} must be a number")
            table[model_id] = sorted(listed, key=lambda e: str(e.get("from", "")))
        return table
    except (OSError, UnicodeDecodeError, ValueError) as ex:
        raise click.ClickException(f"Cannot use prices file {path}: {ex}") from None


UserPrices = dict[str, list[dict[str, Any]]]


def _user_price(model_id: str, when: dt.datetime, table: UserPrices | None = None) -> Price | None:
    entries = (user_prices() if table is None else table).get(model_id)
    if not entries:
        return None
    day = when.date().isoformat()
    chosen = None
    for entry in entries:  # sorted by "from": the last one started by ``when`` applies
        if str(entry.get("from", "")) <= day:
            chosen = entry
    if chosen is None:
        return None
    return Price(
        float(chosen.get("input", 0)), float(chosen.get("output", 0)), model_id, "user prices"
    )


@cache
def _table_model(entry: str) -> tuple[Any, Any] | None:
    """(provider, model) of the price table for an entry ``provider:model`` or ``model``."""
    provider_id, _, ref = entry.rpartition(":")
    try:
        from genai_prices import data_snapshot

        snapshot = data_snapshot.get_snapshot()
        return snapshot.find_provider_model(ref, None, provider_id or None, None)
    except LookupError:
        return None


def context_window(entry: str) -> int | None:
    """The most input tokens the price table says the model takes, if it says."""
    found = _table_model(entry)
    return None if found is None else found[1].context_window


def call_cost(
    model_id: str, entry: str | None, input_tokens: int, output_tokens: int, when: dt.datetime
) -> float | None:
    """What a call with this usage costs at ``when`` (user prices, else the price table),
    None when no price is known."""
    user = _user_price(model_id, when)
    if user is not None:
        return (input_tokens * user.input + output_tokens * user.output) / 1_000_000
    try:
        found = _table_cost(
            entry or model_id, when, {"input_tokens": input_tokens, "output_tokens": output_tokens}
        )
    except (LookupError, ValueError, TypeError):
        return None
    return None if found is None else found[0]


def _table_cost(entry: str, when: dt.datetime, usage: dict[str, int]) -> tuple[float, str] | None:
    """The price table's cost of a call, through genai-prices (tiers, cache reads)."""
    found = _table_model(entry)
    if found is None:
        return None
    from genai_prices import types

    provider, model = found
    calculation = model.calc_price(
        types.Usage(**usage), provider, genai_request_timestamp=when, auto_update_timestamp=None
    )
    return float(calculation.total_price), f"{provider.id}:{model.id}"


def parse_time(value: str | None) -> dt.datetime:
    """A stored ``datetime_utc`` as an aware datetime (now, when missing)."""
    if not value:
        return dt.datetime.now(dt.UTC)
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def reported_cost(token_details: Any, response_json: Any) -> float | None:
    """The cost in dollars the provider reported, if it did."""
    details = _json(token_details)
    if isinstance(details, dict) and isinstance(details.get("cost"), int | float):
        return float(details["cost"])
    body = _json(response_json)
    usage = body.get("usage") if isinstance(body, dict) else None
    if isinstance(usage, dict) and isinstance(usage.get("cost"), int | float):
        return float(usage["cost"])
    return None


def _cached_tokens(token_details: Any) -> int:
    details = _json(token_details)
    if not isinstance(details, dict):
        return 0
    nested = details.get("prompt_tokens_details") or details.get("input_tokens_details")
    found = nested.get("cached_tokens") if isinstance(nested, dict) else None
    found = found if found is not None else details.get("cached_tokens")
    return found if isinstance(found, int) else 0


def cost_of(
    row: dict[str, Any], entries: dict[str, str | None], prices: UserPrices | None = None
) -> Any:
    """A ``ledger.Cost`` for a response row (id, model, input_tokens, output_tokens,
    token_details, response_json, datetime_utc). ``entries``: model ID -> price entry;
    ``prices``: the user's prices, when the caller read them once for many rows."""
    from llm_storage.ledger import (
        SOURCE_PROVIDER,
        SOURCE_TABLE,
        SOURCE_UNPRICED,
        SOURCE_USER,
        Cost,
    )

    when = parse_time(row.get("datetime_utc"))
    model_id = str(row.get("model") or "")
    input_tokens = int(row.get("input_tokens") or 0)
    output_tokens = int(row.get("output_tokens") or 0)

    # Stored in ISO form, whichever form the response has (llm 0.26 wrote a space for the
    # "T"), so that budgets compare times as times.
    stamp = when.isoformat() if row.get("datetime_utc") else None

    def made(usd: float | None, source: str, entry: str | None = None) -> Cost:
        return Cost(row["id"], stamp, usd, source, entry)

    user = _user_price(model_id, when, prices)
    if user is not None:
        usd = (input_tokens * user.input + output_tokens * user.output) / 1_000_000
        return made(usd, SOURCE_USER, model_id)
    reported = reported_cost(row.get("token_details"), row.get("response_json"))
    if reported is not None:
        return made(reported, SOURCE_PROVIDER)
    if row.get("input_tokens") is None and row.get("output_tokens") is None:
        return made(None, SOURCE_UNPRICED)  # no usage reported: nothing to price
    entry = entries.get(model_id) or model_id
    cached = min(_cached_tokens(row.get("token_details")), input_tokens)
    usage = {"input_tokens": input_tokens, "output_tokens": output_tokens}
    if cached:
        usage["cache_read_tokens"] = cached
    try:
        found = _table_cost(entry, when, usage)
    except (LookupError, ValueError, TypeError):
        found = None
    if found is None:
        return made(None, SOURCE_UNPRICED)
    return made(found[0], SOURCE_TABLE, found[1])


def price_entry_of(model_id: str) -> str | None:
    """The price entry a plugin's model declares (``price_entry``), if the model is known."""
    try:
        model = llm.get_model(model_id)
    except llm.UnknownModelError:
        return None
    except Exception:  # a plugin failing to load must not stop pricing the rest
        return None
    entry = getattr(model, "price_entry", None)
    return entry if isinstance(entry, str) and entry else None


def format_usd(usd: float | None) -> str:
    """``$0.0123`` (at least two significant digits for small amounts), or ``unpriced``."""
    if usd is None:
        return "unpriced"
    if usd == 0:
        return "$0.00"
    if usd >= 0.01:
        return f"${usd:,.2f}"
    return f"${usd:.6f}".rstrip("0")
