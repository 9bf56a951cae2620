"""The ledger's queries: conversations by name, and what responses cost.

Names a user chooses live in ``conversation_names`` (unique); ``conversations.name`` is also
set to the chosen name, so the original tool and Datasette show it, and a conversation's
name is "chosen" exactly when it has a ``conversation_names`` row (otherwise it is the
original's: the first prompt, cut short). Costs live in ``response_costs``, one row per
priced response: ``cost_usd`` NULL means no price was known ("unpriced", never 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import fts
from .errors import StoreError
from .ledger_db import Record, Transaction

#: Where a stored cost came from.
SOURCE_PROVIDER = "provider"
SOURCE_USER = "user prices"
SOURCE_TABLE = "price table"
SOURCE_UNPRICED = "unpriced"


class LedgerError(StoreError):
    """A request the ledger refuses (a name in use, no such conversation)."""


# -- conversations ----------------------------------------------------------------------------


def conversation_for(tx: Transaction, key: str) -> str | None:
    """The conversation ``key`` names: its ID, else a name the user chose."""
    if tx.scalar("SELECT id FROM conversations WHERE id = ?", [key]) is not None:
        return key
    found = tx.scalar("SELECT conversation_id FROM conversation_names WHERE name = ?", [key])
    return None if found is None else str(found)


def named(tx: Transaction, name: str) -> str | None:
    """The conversation with this chosen name, if any."""
    found = tx.scalar("SELECT conversation_id FROM conversation_names WHERE name = ?", [name])
    return None if found is None else str(found)


def set_name(tx: Transaction, conversation_id: str, name: str, now: str) -> None:
    """Give a conversation a chosen name (replacing its previous one)."""
    name = name.strip()
    if not name:
        raise LedgerError("A conversation name cannot be empty")
    holder = named(tx, name)
    if holder is not None and holder != conversation_id:
        raise LedgerError(f"The name {name!r} is already used by conversation {holder}")
    if tx.scalar("SELECT id FROM conversations WHERE id = ?", [conversation_id]) is None:
        raise LedgerError(f"No conversation found with id {conversation_id}")
    tx.execute("DELETE FROM conversation_names WHERE conversation_id = ?", [conversation_id])
    tx.execute(
        "INSERT INTO conversation_names (conversation_id, name, named_utc) VALUES (?, ?, ?)",
        [conversation_id, name, now],
    )
    tx.execute("UPDATE conversations SET name = ? WHERE id = ?", [name, conversation_id])


def list_conversations(
    tx: Transaction, *, query: str | None = None, model: str | None = None, limit: int | None = None
) -> list[Record]:
    """Conversations with their turns, tokens, cost and last use, most recently used first.
    ``query``: in the chosen or original name, or full-text in any of their responses."""
    where, params = [], []
    if model:
        where.append("(c.model = ? OR r.model = ?)")
        params += [model, model]
    if query:
        search = fts.search_sql(tx.dialect, query)
        where.append(
            "(c.name LIKE ? OR n.name LIKE ? OR c.id IN (SELECT responses.conversation_id"
            f" FROM responses {search.join} WHERE {search.where}))"
        )
        params += [f"%{query}%", f"%{query}%", *search.where_params]
    sql = f"""
        SELECT c.id AS id, COALESCE(n.name, c.name) AS name, n.name AS chosen_name,
            c.model AS model, COUNT(r.id) AS turns,
            SUM(r.input_tokens) AS input_tokens, SUM(r.output_tokens) AS output_tokens,
            MAX(r.datetime_utc) AS last_used, SUM(rc.cost_usd) AS cost_usd,
            SUM(CASE WHEN rc.cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced
        FROM conversations c
        JOIN responses r ON r.conversation_id = c.id
        LEFT JOIN conversation_names n ON n.conversation_id = c.id
        LEFT JOIN response_costs rc ON rc.response_id = r.id
        {"WHERE " + " AND ".join(where) if where else ""}
        GROUP BY c.id, c.name, n.name, c.model
        ORDER BY MAX(r.datetime_utc) DESC, c.id DESC
        {"LIMIT ?" if limit else ""}"""
    return tx.rows(sql, [*params, *([limit] if limit else [])])


# -- costs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    """What one response cost: ``usd`` None means unpriced."""

    response_id: str
    datetime_utc: str | None
    usd: float | None
    source: str
    price_entry: str | None = None


def unpriced_responses(tx: Transaction, after: str = "", limit: int = 1000) -> list[Record]:
    """Responses without a ``response_costs`` row, with what pricing needs, in ID order
    from just after ``after`` (pass the last ID of one batch to get the next)."""
    return tx.rows(
        """SELECT r.id, r.model, r.input_tokens, r.output_tokens, r.token_details,
            r.response_json, r.datetime_utc
        FROM responses r
        WHERE r.id > ? AND NOT EXISTS (SELECT 1 FROM response_costs rc WHERE rc.response_id = r.id)
        ORDER BY r.id LIMIT ?""",
        [after, limit],
    )


def store_costs(tx: Transaction, costs: Iterable[Cost]) -> None:
    rows = [(c.response_id, c.datetime_utc, c.usd, c.source, c.price_entry) for c in costs]
    if not rows:
        return
    tx.executemany(
        "INSERT INTO response_costs (response_id, datetime_utc, cost_usd, source, price_entry)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (response_id) DO UPDATE SET"
        " datetime_utc = excluded.datetime_utc, cost_usd = excluded.cost_usd,"
        " source = excluded.source, price_entry = excluded.price_entry",
        rows,
    )


def forget_costs(tx: Transaction) -> int:
    """Drop the stored costs that prices gave (not those a provider reported), so that
    they are worked out again with changed prices."""
    return tx.execute("DELETE FROM response_costs WHERE source <> ?", [SOURCE_PROVIDER])


def costs_for(tx: Transaction, response_ids: Sequence[str]) -> dict[str, Record]:
    """The stored cost rows of these responses, by response ID."""
    found: dict[str, Record] = {}
    for start in range(0, len(response_ids), 500):
        chunk = list(response_ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        for row in tx.rows(
            f"SELECT response_id, cost_usd, source, price_entry FROM response_costs"
            f" WHERE response_id IN ({marks})",
            chunk,
        ):
            found[row["response_id"]] = row
    return found


#: ``llm costs --by``: the grouping expression for each choice.
GROUPINGS = {
    "model": "r.model",
    "day": "SUBSTR(r.datetime_utc, 1, 10)",
    "conversation": "r.conversation_id",
}


def cost_summary(tx: Transaction, by: str | None = None, since: str | None = None) -> list[Record]:
    """Responses, tokens, total cost and unpriced responses, in groups (``GROUPINGS``) or
    all together; ``since``: responses at or after this ISO time only."""
    key = GROUPINGS[by] if by else None
    where = "WHERE r.datetime_utc >= ?" if since else ""
    sql = f"""
        SELECT {key or "NULL"} AS grp, COUNT(*) AS responses,
            SUM(r.input_tokens) AS input_tokens, SUM(r.output_tokens) AS output_tokens,
            SUM(rc.cost_usd) AS cost_usd,
            SUM(CASE WHEN rc.cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced
        FROM responses r LEFT JOIN response_costs rc ON rc.response_id = r.id
        {where}"""
    if key:
        order = f"{key} DESC" if by == "day" else f"SUM(rc.cost_usd) DESC, {key}"
        sql += f" GROUP BY {key} ORDER BY {order}"
    rows = tx.rows(sql, [since] if since else [])
    if by == "conversation":
        names = {
            row["id"]: row["name"]
            for row in tx.rows(
                "SELECT c.id AS id, COALESCE(n.name, c.name) AS name FROM conversations c"
                " LEFT JOIN conversation_names n ON n.conversation_id = c.id"
            )
        }
        for row in rows:
            row["name"] = names.get(row["grp"])
    return rows


def spent_since(tx: Transaction, since: str) -> tuple[float, int]:
    """Dollars spent on responses at or after ``since``, and how many of them are unpriced."""
    row = tx.rows(
        "SELECT SUM(cost_usd) AS spent, SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END)"
        " AS unpriced FROM response_costs WHERE datetime_utc >= ?",
        [since],
    )[0]
    return float(row["spent"] or 0.0), int(row["unpriced"] or 0)
