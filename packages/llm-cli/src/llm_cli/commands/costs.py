"""``llm costs``: what logged responses cost, and ``llm budget``: limits checked before
sending."""

from __future__ import annotations

import json
from typing import Any

import click

from ..ledger_access import (
    catch_up_pricing,
    load_settings,
    now,
    open_ledger,
    parse_duration,
    save_settings,
    stored_time,
)
from ..pricing import format_usd
from ..shared_options import database_option


@click.command(name="costs")
@click.option(
    "by", "--by", type=click.Choice(["model", "day", "conversation"]), help="Group the totals"
)
@click.option("--since", help="Only responses from this recent period, such as 7d or 24h")
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
@database_option
def costs(by: str | None, since: str | None, json_: bool, database: str | None) -> None:
    """Show what logged responses cost

    Each response is priced at its own date: your prices file (prices.json) first, then
    a cost the provider reported, then the genai-prices table. Responses with no known
    price are counted as unpriced, never as $0.
    """
    from llm_storage import ledger as queries

    start = stored_time(now() - parse_duration(since, "--since")) if since else None
    rows: list[dict[str, Any]] = []
    with open_ledger(database) as ledger:
        if ledger is not None:
            catch_up_pricing(ledger)
            with ledger.transaction() as tx:
                rows = queries.cost_summary(tx, by, start)
    rows = [row for row in rows if row["responses"]]
    if json_:
        click.echo(json.dumps([_as_json(row, by) for row in rows], indent=2))
        return
    if not rows:
        click.echo("No responses logged" + (f" in the last {since}" if since else ""))
        return
    from .conversations import cost_cell

    header = (by.upper() if by else "", "RESPONSES", "TOKENS", "COST")
    table: list[tuple[str, ...]] = [header]
    table += [
        (
            _label(row, by),
            f"{row['responses']:,}",
            f"{(row['input_tokens'] or 0) + (row['output_tokens'] or 0):,}",
            cost_cell(row["cost_usd"], row["unpriced"] or 0),
        )
        for row in rows
    ]
    if not by:
        table = [row[1:] for row in table]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for line in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


def _label(row: dict[str, Any], by: str | None) -> str:
    if by == "conversation":
        name = row.get("name")
        return f"{row['grp']} {name}" if name else str(row["grp"])
    return str(row["grp"] or "")


def _as_json(row: dict[str, Any], by: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {by: row["grp"]} if by else {}
    if by == "conversation":
        found["name"] = row.get("name")
    found.update(
        responses=row["responses"],
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cost_usd=row["cost_usd"],
        unpriced_responses=row["unpriced"] or 0,
    )
    return found


@click.group(name="budget")
def budget() -> None:
    """Spending limits, checked before any prompt is sent"""


@budget.command(name="set")
@click.option("--daily", type=click.FloatRange(min=0), metavar="USD", help="Limit per UTC day")
@click.option(
    "--monthly", type=click.FloatRange(min=0), metavar="USD", help="Limit per calendar month"
)
def budget_set(daily: float | None, monthly: float | None) -> None:
    """Set a daily and/or monthly limit in US dollars

    A prompt, a chat turn or the next step of a tool chain whose worst case could take
    spending past a limit is refused before it is sent.
    """
    if daily is None and monthly is None:
        raise click.UsageError("Give --daily, --monthly or both")
    settings = load_settings()
    limits = settings.setdefault("budget", {})
    if daily is not None:
        limits["daily"] = daily
    if monthly is not None:
        limits["monthly"] = monthly
    save_settings(settings)
    _show(limits)


@budget.command(name="show")
def budget_show() -> None:
    """Show the limits"""
    _show(load_settings().get("budget", {}))


@budget.command(name="clear")
def budget_clear() -> None:
    """Remove every limit"""
    settings = load_settings()
    settings.pop("budget", None)
    save_settings(settings)
    _show({})


def _show(limits: dict[str, Any]) -> None:
    for period in ("daily", "monthly"):
        value = limits.get(period)
        click.echo(f"{period}: {'none' if value is None else format_usd(float(value))}")
