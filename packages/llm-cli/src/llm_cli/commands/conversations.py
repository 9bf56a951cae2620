"""``llm conversations``: list logged conversations, give them names."""

from __future__ import annotations

import json

import click

from ..ledger_access import catch_up_pricing, now, open_ledger, stored_time
from ..pricing import format_usd
from ..shared_options import database_option


@click.group()
def conversations() -> None:
    """List, find and name logged conversations"""


def cost_cell(cost_usd: float | None, unpriced: int) -> str:
    """A total that says how many of its responses had no price."""
    if cost_usd is None:
        return "unpriced" if unpriced else format_usd(0)
    total = format_usd(cost_usd)
    return f"{total} (+{unpriced} unpriced)" if unpriced else total


@conversations.command(name="list")
@click.option("-q", "--query", help="Conversations whose name or responses match this search")
@click.option("-m", "--model", help="Only conversations with this model")
@click.option(
    "-n", "--count", type=click.IntRange(min=0), default=20, show_default=True,
    help="How many to show, most recently used first (0 for all)",
)  # fmt: skip
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
@database_option
def conversations_list(
    query: str | None, model: str | None, count: int, json_: bool, database: str | None
) -> None:
    """List conversations: ID, name, model, turns, tokens, cost and when last used

    A name you chose (--name, "llm conversations rename") is shown as it is; otherwise the
    name is the start of the first prompt, as llm has always stored it.
    """
    from llm_storage import ledger as queries

    from ..ledger_access import model_filter

    with open_ledger(database) as ledger:
        if ledger is None:
            found = []
        else:
            catch_up_pricing(ledger)
            with ledger.transaction() as tx:
                found = queries.list_conversations(
                    tx, query=query, model=model_filter(model), limit=count
                )
    if json_:
        click.echo(json.dumps([_as_json(row) for row in found], indent=2))
        return
    if not found:
        click.echo("No conversations found", err=True)
        return
    header = ("ID", "NAME", "MODEL", "TURNS", "TOKENS", "COST", "LAST USED")
    rows = [header] + [
        (
            row["id"],
            (row["name"] or "") + (" *" if row["chosen_name"] else ""),
            row["model"] or "",
            str(row["turns"]),
            f"{(row['input_tokens'] or 0) + (row['output_tokens'] or 0):,}",
            cost_cell(row["cost_usd"], row["unpriced"] or 0),
            (row["last_used"] or "")[:16].replace("T", " "),
        )
        for row in found
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if any(row["chosen_name"] for row in found):
        click.echo("* a name you chose", err=True)


def _as_json(row: dict[str, object]) -> dict[str, object]:
    return {
        "id": row["id"],
        "name": row["name"],
        "name_chosen": row["chosen_name"] is not None,
        "model": row["model"],
        "turns": row["turns"],
        "input_tokens": row["input_tokens"],
        "output_tokens": row["output_tokens"],
        "cost_usd": row["cost_usd"],
        "unpriced_responses": row["unpriced"] or 0,
        "last_used": row["last_used"],
    }


@conversations.command(name="rename")
@click.argument("conversation")
@click.argument("name")
@database_option
def conversations_rename(conversation: str, name: str, database: str | None) -> None:
    """Name a conversation (given by ID or by its current name)

    The name must be unused; continue the conversation later with --cid NAME.
    """
    from llm_storage import ledger as queries

    with open_ledger(database) as ledger:
        if ledger is None:
            raise click.ClickException(f"No conversation found with id {conversation}")
        with ledger.transaction(write=True) as tx:
            cid = queries.conversation_for(tx, conversation)
            if cid is None:
                raise click.ClickException(f"No conversation found with id {conversation}")
            try:
                queries.set_name(tx, cid, name, stored_time(now()))
            except queries.LedgerError as ex:
                raise click.ClickException(str(ex)) from None
    click.echo(f"Conversation {cid} is now named {name.strip()!r}", err=True)
