"""Deleting logged responses and everything only they used, on any backend.

What goes with a response: its turn in the message store (same ID) with the messages no
other turn or thread reaches, its tool calls, tool results and tool links, its attachment
and fragment links, its stored cost, its full-text entry (SQLite's FTS5 triggers; the
PostgreSQL index is an expression index), then whatever no remaining response uses any
more: attachments, fragments (unless they have an alias: a user's named fragment stays),
tool instances, tool definitions, and conversations with no response left (with their
chosen names). Stored schemas stay: they are definitions, as templates are.

Selection (:func:`select`) and deletion (:func:`delete`) are separate so that a user is
shown exactly the responses that will go: ``delete`` removes those IDs and no others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from . import fts
from .ledger_db import Ledger, Record, Transaction

#: IDs per ``IN (...)`` list.
CHUNK = 500


@dataclass
class Selection:
    """Which responses to delete: every filter given must match; ``keys`` (response IDs,
    conversation IDs or chosen names) and ``everything`` say where to start."""

    keys: Sequence[str] = ()
    before: str | None = None  # datetime_utc strictly earlier than this
    model: str | None = None
    query: str | None = None
    everything: bool = False


@dataclass
class Plan:
    """The responses a selection found, and which keys named nothing."""

    response_ids: list[str] = field(default_factory=list)
    unknown_keys: list[str] = field(default_factory=list)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def select(tx: Transaction, selection: Selection) -> Plan:
    """The IDs of the responses ``selection`` names, oldest first."""
    plan = Plan()
    where: list[str] = []
    params: list[object] = []
    if selection.keys:
        keys = list(selection.keys)
        response_ids, conversation_ids = [], []
        for key in keys:
            if tx.scalar("SELECT id FROM responses WHERE id = ?", [key]) is not None:
                response_ids.append(key)
                continue
            if tx.scalar("SELECT id FROM conversations WHERE id = ?", [key]) is not None:
                conversation_ids.append(key)
                continue
            found = tx.scalar(
                "SELECT conversation_id FROM conversation_names WHERE name = ?", [key]
            )
            if found is not None:
                conversation_ids.append(str(found))
            else:
                plan.unknown_keys.append(key)
        parts = []
        if response_ids:
            parts.append(f"responses.id IN ({_marks(response_ids)})")
            params += response_ids
        if conversation_ids:
            parts.append(f"responses.conversation_id IN ({_marks(conversation_ids)})")
            params += conversation_ids
        if not parts:
            return plan
        where.append("(" + " OR ".join(parts) + ")")
    elif not (selection.everything or selection.before or selection.model or selection.query):
        return plan  # nothing named: delete nothing
    join = ""
    if selection.before:
        # llm 0.26 wrote "YYYY-MM-DD HH:MM:SS", we write ISO's "T": compare them alike.
        where.append("REPLACE(responses.datetime_utc, ' ', 'T') < ?")
        params.append(selection.before)
    if selection.model:
        where.append("responses.model = ?")
        params.append(selection.model)
    if selection.query:
        search = fts.search_sql(tx.dialect, selection.query)
        join = search.join
        where.append(search.where)
        params += search.where_params
    sql = f"SELECT responses.id AS id FROM responses {join}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY responses.id"
    plan.response_ids = [row["id"] for row in tx.rows(sql, params)]
    return plan


def preview(tx: Transaction, response_ids: Sequence[str], limit: int = 10) -> list[Record]:
    """A few of the responses (ID, time, model, conversation, prompt start) to show."""
    shown = list(response_ids[:limit])
    if not shown:
        return []
    return tx.rows(
        "SELECT id, datetime_utc, model, conversation_id, SUBSTR(prompt, 1, 60) AS prompt"
        f" FROM responses WHERE id IN ({_marks(shown)}) ORDER BY id",
        shown,
    )


@dataclass
class Deleted:
    responses: int = 0
    conversations: int = 0
    attachments: int = 0
    fragments: int = 0
    tool_calls: int = 0
    tool_results: int = 0


#: Temporary tables, each of one column.
_TEMPORARY = {
    "ledger_doomed": "TEXT",
    "ledger_gone_conversations": "TEXT",
    "ledger_gone_attachments": "TEXT",
    "ledger_gone_fragments": "INTEGER",
    "ledger_gone_instances": "INTEGER",
    "ledger_gone_tools": "INTEGER",
    "ledger_gone_threads": "TEXT",
    "ledger_gone_messages": "TEXT",
    "ledger_live_messages": "TEXT",
}


def _unused(column: str, users: list[tuple[str, str]]) -> str:
    """`` AND column NOT IN (...)`` for every (table, column) that may still use it."""
    return "".join(
        f" AND {column} NOT IN (SELECT {used} FROM {table} WHERE {used} IS NOT NULL)"
        for table, used in users
    )


def delete(tx: Transaction, response_ids: Sequence[str]) -> Deleted:
    """Delete these responses and what only they used, in the caller's (write)
    transaction."""
    done = Deleted()
    if not response_ids:
        return done
    if tx.dialect == "sqlite":
        tx.execute("PRAGMA secure_delete = ON")  # freed pages are overwritten with zeros
    for table, kind in _TEMPORARY.items():
        tx.execute(f"CREATE TEMPORARY TABLE {table} (id {kind})")
    try:
        tx.executemany("INSERT INTO ledger_doomed (id) VALUES (?)", [(i,) for i in response_ids])
        doomed = "SELECT id FROM ledger_doomed"
        # What the doomed responses used, to check afterwards whether anything else does.
        for table, sql in (
            ("ledger_gone_conversations", "SELECT DISTINCT conversation_id FROM responses"),
            ("ledger_gone_attachments", "SELECT DISTINCT attachment_id FROM prompt_attachments"),
            ("ledger_gone_fragments", "SELECT DISTINCT fragment_id FROM prompt_fragments"),
            ("ledger_gone_fragments", "SELECT DISTINCT fragment_id FROM system_fragments"),
            ("ledger_gone_instances", "SELECT DISTINCT instance_id FROM tool_results"),
            ("ledger_gone_tools", "SELECT DISTINCT tool_id FROM tool_responses"),
            ("ledger_gone_tools", "SELECT DISTINCT tool_id FROM tool_calls"),
            ("ledger_gone_tools", "SELECT DISTINCT tool_id FROM tool_results"),
        ):
            column = "id" if table == "ledger_gone_conversations" else "response_id"
            tx.execute(f"INSERT INTO {table} (id) {sql} WHERE {column} IN ({doomed})")
        done.tool_calls = tx.execute(f"DELETE FROM tool_calls WHERE response_id IN ({doomed})")
        done.tool_results = tx.execute(f"DELETE FROM tool_results WHERE response_id IN ({doomed})")
        for table in ("tool_responses", "prompt_attachments", "prompt_fragments"):
            tx.execute(f"DELETE FROM {table} WHERE response_id IN ({doomed})")
        tx.execute(f"DELETE FROM system_fragments WHERE response_id IN ({doomed})")
        tx.execute(f"DELETE FROM response_costs WHERE response_id IN ({doomed})")
        tx.execute(f"DELETE FROM response_extras WHERE response_id IN ({doomed})")
        done.responses = tx.execute(f"DELETE FROM responses WHERE id IN ({doomed})")
        _delete_turns(tx, doomed)
        # "Still used" is one pass over each link table (NOT IN a subquery, which both
        # databases evaluate once), not a lookup per candidate: the link tables have no
        # index on these columns, and responses none on conversation_id.
        done.attachments = tx.execute(
            "DELETE FROM attachments WHERE id IN (SELECT id FROM ledger_gone_attachments)"
            + _unused(
                "id",
                [("prompt_attachments", "attachment_id"), ("part_attachments", "attachment_id")],
            )
        )
        done.fragments = tx.execute(
            "DELETE FROM fragments WHERE id IN (SELECT id FROM ledger_gone_fragments)"
            + _unused(
                "id",
                [
                    ("prompt_fragments", "fragment_id"),
                    ("system_fragments", "fragment_id"),
                    ("fragment_aliases", "fragment_id"),
                    ("part_fragments", "fragment_id"),
                    ("turn_fragments", "fragment_id"),
                ],
            )
        )
        tx.execute(
            "DELETE FROM tool_instances WHERE id IN (SELECT id FROM ledger_gone_instances)"
            + _unused(
                "id",
                [
                    ("tool_results", "instance_id"),
                    ("turn_tools", "instance_id"),
                    ("tool_instantiations", "instance_id"),
                ],
            )
        )
        tx.execute(
            "DELETE FROM tools WHERE id IN (SELECT id FROM ledger_gone_tools)"
            + _unused(
                "id",
                [
                    ("tool_responses", "tool_id"),
                    ("tool_calls", "tool_id"),
                    ("tool_results", "tool_id"),
                    ("turn_tools", "tool_id"),
                ],
            )
        )
        tx.execute(
            "DELETE FROM conversation_names"
            " WHERE conversation_id IN (SELECT id FROM ledger_gone_conversations)"
            + _unused("conversation_id", [("responses", "conversation_id")])
        )
        done.conversations = tx.execute(
            "DELETE FROM conversations WHERE id IN (SELECT id FROM ledger_gone_conversations)"
            + _unused("id", [("responses", "conversation_id")])
        )
    finally:
        for table in _TEMPORARY:
            tx.execute(f"DROP TABLE {table}")
    return done


def _delete_turns(tx: Transaction, doomed: str) -> None:
    """The message store's side: the turns of these responses (same IDs), their link rows,
    the messages no remaining turn or thread reaches (with their parts), and threads left
    without a turn (a thread keeping turns points at its newest one)."""
    tx.execute(
        "INSERT INTO ledger_gone_threads (id) SELECT DISTINCT thread_id FROM turns"
        f" WHERE id IN ({doomed}) AND thread_id IS NOT NULL"
    )
    tx.execute(
        "INSERT INTO ledger_gone_messages (id) WITH RECURSIVE chain(hash) AS ("
        f" SELECT tip_message_hash FROM turns WHERE id IN ({doomed})"
        " UNION SELECT messages.parent_hash FROM messages JOIN chain"
        " ON messages.hash = chain.hash WHERE messages.parent_hash IS NOT NULL)"
        " SELECT hash FROM chain WHERE hash IS NOT NULL"
    )
    for table, sql in (
        ("ledger_gone_tools", f"SELECT tool_id FROM turn_tools WHERE turn_id IN ({doomed})"),
        (
            "ledger_gone_instances",
            f"SELECT instance_id FROM turn_tools WHERE turn_id IN ({doomed})",
        ),
        (
            "ledger_gone_instances",
            f"SELECT instance_id FROM tool_instantiations WHERE turn_id IN ({doomed})",
        ),
        (
            "ledger_gone_fragments",
            f"SELECT fragment_id FROM turn_fragments WHERE turn_id IN ({doomed})",
        ),
    ):
        tx.execute(f"INSERT INTO {table} (id) {sql}")
    for table in ("turn_search", "turn_tools", "turn_fragments", "tool_instantiations"):
        tx.execute(f"DELETE FROM {table} WHERE turn_id IN ({doomed})")
    tx.execute(f"DELETE FROM turns WHERE id IN ({doomed})")
    gone_threads = "SELECT id FROM ledger_gone_threads"
    newest_tip = (
        "SELECT turns.tip_message_hash FROM turns WHERE turns.thread_id = threads.id"
        " ORDER BY turns.id DESC LIMIT 1"
    )
    tx.execute(
        f"UPDATE threads SET tip_message_hash = ({newest_tip}) WHERE id IN ({gone_threads})"
        " AND EXISTS (SELECT 1 FROM turns WHERE turns.thread_id = threads.id)"
    )
    tx.execute(
        f"UPDATE threads SET forked_from = NULL WHERE forked_from IN ({gone_threads})"
        " AND forked_from NOT IN (SELECT thread_id FROM turns WHERE thread_id IS NOT NULL)"
    )
    tx.execute(
        f"DELETE FROM threads WHERE id IN ({gone_threads})"
        " AND id NOT IN (SELECT thread_id FROM turns WHERE thread_id IS NOT NULL)"
    )
    # Messages still reached: every chain up to a remaining turn or thread tip.
    tx.execute(
        "INSERT INTO ledger_live_messages (id) WITH RECURSIVE live(hash) AS ("
        " SELECT tip_message_hash FROM turns UNION SELECT parent_message_hash FROM turns"
        " UNION SELECT tip_message_hash FROM threads"
        " UNION SELECT messages.parent_hash FROM messages JOIN live"
        " ON messages.hash = live.hash)"
        " SELECT hash FROM live WHERE hash IS NOT NULL"
    )
    dead = (
        "SELECT id FROM ledger_gone_messages WHERE id NOT IN (SELECT id FROM ledger_live_messages)"
    )
    dead_parts = f"SELECT id FROM parts WHERE message_hash IN ({dead})"
    tx.execute(
        "INSERT INTO ledger_gone_attachments (id) SELECT attachment_id FROM part_attachments"
        f" WHERE part_id IN ({dead_parts})"
    )
    tx.execute(
        "INSERT INTO ledger_gone_fragments (id) SELECT fragment_id FROM part_fragments"
        f" WHERE part_id IN ({dead_parts})"
    )
    tx.execute(f"DELETE FROM part_attachments WHERE part_id IN ({dead_parts})")
    tx.execute(f"DELETE FROM part_fragments WHERE part_id IN ({dead_parts})")
    tx.execute(f"DELETE FROM parts WHERE message_hash IN ({dead})")
    tx.execute(f"DELETE FROM messages WHERE hash IN ({dead})")


def compact(ledger: Ledger) -> None:
    """Leave no trace of deleted text in the file: on SQLite the full-text index is merged
    (dropping deleted entries), the file rebuilt (VACUUM) and the write-ahead log emptied;
    on PostgreSQL, ``VACUUM`` of the tables deletions touch."""
    if ledger.dialect == "sqlite":
        with ledger.transaction(write=True) as tx:
            tx.execute(f"INSERT INTO {fts.FTS_TABLE} ({fts.FTS_TABLE}) VALUES ('optimize')")
        ledger.outside_transaction("VACUUM")
        ledger.outside_transaction("PRAGMA wal_checkpoint(TRUNCATE)")
    elif ledger.dialect == "postgresql":
        ledger.outside_transaction(
            "VACUUM responses, attachments, fragments, tool_calls, tool_results"
        )
