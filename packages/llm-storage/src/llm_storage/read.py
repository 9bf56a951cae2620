"""Queries behind ``llm logs``, ``llm -c``, ``llm fragments`` and ``llm schemas``.

Each query is written once, as SQL text with ``?`` placeholders, and runs on either kind of
connection through a :class:`RowSource`:

- :class:`SqliteRows` wraps a ``sqlite3`` connection: how ``llm logs`` reads an up-to-date
  SQLite file (``sqlite_reader``), so a read imports no SQLAlchemy;
- :class:`ConnectionRows` wraps a SQLAlchemy ``Connection`` (every ``LogStore``: PostgreSQL,
  other URLs, and SQLite files that needed migrating), running the same text through
  ``text()``. Functions here accept such a ``Connection`` directly too.

The SQL is portable (standard quoting, no dialect functions) except full-text search, whose
clauses come from ``fts.search_sql``. Nothing here imports SQLAlchemy at module level.

Records are plain dicts: every ``responses`` column (JSON columns left as the stored JSON
text), plus ``conversation_name``, ``conversation_model``, ``schema_json`` (the schema's JSON
text) and lists of child records. Responses are produced by :func:`iter_responses` a batch
at a time, so a caller that prints as it goes never holds a whole result set.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from . import fts

if TYPE_CHECKING:
    from sqlalchemy import Connection

Record = dict[str, Any]
#: Most ``?`` values one ``IN (...)`` list holds (SQLite's default limit is far above it).
CHUNK = 500
#: Responses fetched, completed with their child rows and handed on at a time.
BATCH = 100

#: The ``responses`` columns of the current schema, in table order (a test checks them
#: against ``schema.tables``).
RESPONSE_COLUMNS = (
    "id",
    "model",
    "prompt",
    "system",
    "prompt_json",
    "options_json",
    "response",
    "response_json",
    "conversation_id",
    "duration_ms",
    "datetime_utc",
    "input_tokens",
    "output_tokens",
    "token_details",
    "schema_id",
)
#: ``omit`` may name these as well as response columns: attachment bodies (their length is
#: always read) and fragment contents beyond what ``truncate_string`` shows.
ATTACHMENT_CONTENT = "attachments.content"
FRAGMENT_CONTENT = "fragments.content"
#: Characters of a fragment's content read when FRAGMENT_CONTENT is omitted: enough for
#: ``truncate_string``'s default 100 to tell a long content from a short one.
FRAGMENT_PREVIEW = 101


class RowSource:
    """Runs SQL text with ``?`` placeholders; yields each row as a dict."""

    dialect: str

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Record]:
        raise NotImplementedError


class SqliteRows(RowSource):
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Record]:
        cursor = self.conn.execute(sql, list(params))
        try:
            names = [d[0] for d in cursor.description or ()]
            while batch := cursor.fetchmany(BATCH):
                for row in batch:
                    yield dict(zip(names, row, strict=True))
        finally:
            cursor.close()


class ConnectionRows(RowSource):
    """The same SQL through SQLAlchemy: ``?`` become named parameters of ``text()``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Record]:
        from sqlalchemy import text

        pieces = sql.split("?")
        if len(pieces) - 1 != len(params):
            raise ValueError(f"{len(pieces) - 1} placeholders for {len(params)} values")
        named = pieces[0] + "".join(f":p{n}{piece}" for n, piece in enumerate(pieces[1:]))
        # On PostgreSQL a server-side cursor, so that rows arrive as they are read.
        options = {"yield_per": BATCH} if self.dialect == "postgresql" else {}
        result = self.conn.execute(
            text(named),
            {f"p{n}": value for n, value in enumerate(params)},
            execution_options=options,
        )
        try:
            for row in result:
                yield dict(row._mapping)
        finally:
            result.close()


def source(conn: RowSource | Connection) -> RowSource:
    """``conn`` as a RowSource (a SQLAlchemy Connection gets wrapped)."""
    return conn if isinstance(conn, RowSource) else ConnectionRows(conn)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    return _slices(values, CHUNK)


# Responses ---------------------------------------------------------------------------------

#: A fragment by hash or alias (two parameters: the key, twice).
_FRAGMENT_MATCH = (
    "(fragments.hash = ? OR fragments.id IN"
    " (SELECT fragment_id FROM fragment_aliases WHERE alias = ?))"
)


def _response_filter(
    dialect: str,
    *,
    model: str | None,
    query: str | None,
    conversation_id: str | None,
    schema_id: str | None,
    fragments_filter: Sequence[str],
    id_gt: str | None,
    id_gte: str | None,
    has_tools: bool,
    tools_used: Sequence[tuple[str, str | None]],
    tool_result_names: Sequence[str],
    latest: bool,
    response_ids: Sequence[str] | None,
) -> tuple[str, list[str], list[Any], list[tuple[str, str]], list[Any]]:
    """(FROM clause, WHERE clauses, their parameters, best-first order as (expression,
    direction) pairs, the order's parameters) for the responses the filters select."""
    from_clause = "responses"
    where: list[str] = []
    params: list[Any] = []
    order: list[tuple[str, str]] = []
    order_params: list[Any] = []
    if query and query.strip():  # a blank query has no words to look for: no filter
        found = fts.search_sql(dialect, query)
        if found.join:
            from_clause += f" {found.join}"
        where.append(found.where)
        params += found.where_params
        if not latest:
            order.append((found.rank, "ASC"))
            order_params += found.rank_params
    for name, value in (
        ("model", model),
        ("conversation_id", conversation_id),
        ("schema_id", schema_id),
    ):
        if value is not None:
            where.append(f"responses.{name} = ?")
            params.append(value)
    if id_gt is not None:
        where.append("responses.id > ?")
        params.append(id_gt)
    if id_gte is not None:
        where.append("responses.id >= ?")
        params.append(id_gte)
    if response_ids is not None:
        ids = list(response_ids)
        where.append(f"responses.id IN ({_marks(ids)})" if ids else "1 = 0")
        params += ids
    for key in fragments_filter:
        uses = [
            f"EXISTS (SELECT 1 FROM {link} JOIN fragments ON fragments.id = {link}.fragment_id"
            f" WHERE {link}.response_id = responses.id AND {_FRAGMENT_MATCH})"
            for link in ("prompt_fragments", "system_fragments")
        ]
        where.append(f"({' OR '.join(uses)})")
        params += [key, key, key, key]
    if has_tools:
        # As the original: a response "used tools" when it carries tool results.
        where.append("EXISTS (SELECT 1 FROM tool_results WHERE response_id = responses.id)")
    for name, plugin in tools_used:
        # Results from each named tool (the same name from another plugin is another tool).
        plugin_clause = "tools.plugin IS NULL" if plugin is None else "tools.plugin = ?"
        where.append(
            "EXISTS (SELECT 1 FROM tool_results JOIN tools ON tools.id = tool_results.tool_id"
            " WHERE tool_results.response_id = responses.id AND tools.name = ?"
            f" AND {plugin_clause})"
        )
        params += [name] if plugin is None else [name, plugin]
    for name in tool_result_names:
        # Results carrying the name, whatever tools were given (0.36's ``tool_names``).
        where.append(
            "EXISTS (SELECT 1 FROM tool_results WHERE tool_results.response_id = responses.id"
            " AND tool_results.name = ?)"
        )
        params.append(name)
    order.append(("responses.id", "DESC"))
    return from_clause, where, params, order, order_params


def _response_columns(omit: Collection[str]) -> str:
    columns = [
        f"NULL AS {name}" if name in omit else f"responses.{name}" for name in RESPONSE_COLUMNS
    ]
    columns += [
        "conversations.name AS conversation_name",
        "conversations.model AS conversation_model",
        "schemas.content AS schema_json",
    ]
    return ", ".join(columns)


def iter_responses(
    conn: RowSource | Connection,
    *,
    limit: int | None = 3,
    model: str | None = None,
    query: str | None = None,
    conversation_id: str | None = None,
    schema_id: str | None = None,
    fragments_filter: Sequence[str] = (),
    id_gt: str | None = None,
    id_gte: str | None = None,
    has_tools: bool = False,
    tools_used: Sequence[tuple[str, str | None]] = (),
    tool_result_names: Sequence[str] = (),
    latest: bool = False,
    response_ids: Sequence[str] | None = None,
    omit: Collection[str] = (),
) -> Iterator[Record]:
    """The newest ``limit`` responses (None or 0: all) that every filter selects, oldest
    first; with ``query``, the best ``limit`` matches, best first (``latest``: the newest
    ``limit``, newest first), as llm 0.32+ lists them.

    One query picks the responses in that order and is read as it goes; each batch of
    BATCH gets its child rows before it is yielded. ``omit``: response columns (read as
    NULL), ``ATTACHMENT_CONTENT`` and ``FRAGMENT_CONTENT``, for callers that never show them.
    """
    rows = source(conn)
    from_clause, where, where_params, order, order_params = _response_filter(
        rows.dialect,
        model=model,
        query=query,
        conversation_id=conversation_id,
        schema_id=schema_id,
        fragments_filter=fragments_filter,
        id_gt=id_gt,
        id_gte=id_gte,
        has_tools=has_tools,
        tools_used=tools_used,
        tool_result_names=tool_result_names,
        latest=latest,
        response_ids=response_ids,
    )
    # Ranked by relevance (not by time): the pick query's first order key is the FTS rank.
    matching = bool(query and query.strip())
    searching = matching and not latest and rows.dialect == "sqlite"
    ranks: dict[str, Any] = {}
    columns = _response_columns(omit)
    joins = (
        " LEFT JOIN conversations ON conversations.id = responses.conversation_id"
        " LEFT JOIN schemas ON schemas.id = responses.schema_id"
    )
    condition = " WHERE " + " AND ".join(where) if where else ""
    batches: Iterable[list[Record]]
    if not limit and from_clause == "responses" and len(order) == 1:
        # Every match, oldest first: one query, read as it goes, in primary-key order (so
        # the database sorts nothing).
        sql = f"SELECT {columns} FROM responses{joins}{condition} ORDER BY responses.id"
        batches = _batched(rows.rows(sql, where_params))
    else:
        # First the IDs, best first (the database sorts IDs, not whole rows, huge prompts
        # and all); then the responses, a batch at a time, the other way round.
        keys = "".join(f", {expression} AS pick_{n}" for n, (expression, _) in enumerate(order))
        pick = f"SELECT responses.id AS pick_id{keys} FROM {from_clause}{condition}"
        pick += " ORDER BY " + ", ".join(f"pick_{n} {d}" for n, (_, d) in enumerate(order))
        params = [*order_params, *where_params]  # in the order their placeholders come
        if limit:
            pick += " LIMIT ?"
            params.append(limit)
        picked = list(rows.rows(pick, params))
        ids = [record["pick_id"] for record in picked]
        if not matching:
            ids.reverse()  # oldest first; matches stay best (or, with latest, newest) first
        if searching:
            ranks = {record["pick_id"]: record["pick_0"] for record in picked}
        select = f"SELECT {columns} FROM responses{joins} WHERE responses.id IN"
        batches = (
            _in_order(rows.rows(f"{select} ({_marks(chunk)})", chunk), chunk)
            for chunk in _slices(ids, BATCH)
        )
    adopted: list[Record] = []
    from . import turns

    with_turns = turns.present(rows)
    if with_turns and turns.unlisted_possible(rows):
        adopted = turns.turn_records(
            rows,
            limit=limit,
            model=model,
            conversation_id=conversation_id,
            schema_id=schema_id,
            id_gt=id_gt,
            id_gte=id_gte,
            response_ids=response_ids,
            fragments_filter=fragments_filter,
            has_tools=has_tools,
            tools_used=tools_used,
            tool_result_names=tool_result_names,
            query=query,
            latest=latest,
            omit=omit,
        )
    if adopted:
        # A llm 0.32+ database: its turns and the responses, in ID (time) order, or for a
        # search in the order of their full-text ranks (FTS5's, of the same tokenizer over
        # a prompt and its response in both indexes), best first.
        merged = [
            record for batch in batches for record in _with_children(rows, batch, omit, with_turns)
        ]
        for record in adopted:
            ranks[record["id"]] = record.pop("search_rank", None)
        merged = sorted(merged + adopted, key=lambda record: record["id"], reverse=matching)
        if searching:  # best first; among equal ranks the newest first
            merged.sort(key=lambda record: ranks.get(record["id"]) or 0.0)
        if matching:
            yield from merged[:limit] if limit else merged
        else:
            yield from merged[-limit:] if limit else merged
        return
    for batch in batches:
        yield from _with_children(rows, batch, omit, with_turns)


def _with_children(
    rows: RowSource, batch: list[Record], omit: Collection[str], with_turns: bool = False
) -> list[Record]:
    _attach_children(rows, batch, omit)
    if with_turns:
        # The configured instance each tool came from and what tools the provider ran, as
        # the turn we wrote beside each response records them (0.26's tables cannot).
        from .turn_children import server_executed, tool_instances

        ids = [record["id"] for record in batch]
        instances = tool_instances(rows, ids)
        by_provider = server_executed(rows, ids)
        for record in batch:
            tool_ids = {}
            for tool in record["tools"]:
                tool["instance"] = instances.get((record["id"], tool["id"]))
                tool_ids[tool["name"]] = tool["id"]
            calls, results = by_provider.get(record["id"], ([], []))
            for child in [*calls, *results]:
                child["tool_id"] = tool_ids.get(child["name"])
            record["tool_calls"] = [*record["tool_calls"], *calls]
            record["tool_results"] = [*record["tool_results"], *results]
    return batch


def _batched(records: Iterable[Record]) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _slices(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _in_order(records: Iterable[Record], ids: Sequence[str]) -> list[Record]:
    by_id = {record["id"]: record for record in records}
    return [by_id[i] for i in ids if i in by_id]


def list_responses(conn: RowSource | Connection, **filters: Any) -> list[Record]:
    """:func:`iter_responses` as a list."""
    return list(iter_responses(conn, **filters))


def _grouped(rows: RowSource, sql: str, ids: Sequence[str]) -> dict[str, list[Record]]:
    """Child rows by ``response_id``; ``sql`` has ``{ids}`` where the IN list goes."""
    grouped: dict[str, list[Record]] = defaultdict(list)
    for chunk in _chunks(ids):
        for record in rows.rows(sql.format(ids=_marks(chunk)), chunk):
            grouped[record.pop("response_id")].append(record)
    return grouped


def _attach_children(rows: RowSource, records: list[Record], omit: Collection[str]) -> None:
    ids = [r["id"] for r in records]
    content = "NULL AS content" if ATTACHMENT_CONTENT in omit else "attachments.content"
    attachments = _grouped(
        rows,
        "SELECT prompt_attachments.response_id, attachments.id, attachments.type,"
        f" attachments.path, attachments.url, {content},"
        " length(attachments.content) AS content_length"
        " FROM prompt_attachments JOIN attachments"
        " ON attachments.id = prompt_attachments.attachment_id"
        " WHERE prompt_attachments.response_id IN ({ids})"
        ' ORDER BY prompt_attachments.response_id, prompt_attachments."order"',
        ids,
    )
    fragment_content = (
        f"substr(fragments.content, 1, {FRAGMENT_PREVIEW}) AS content"
        if FRAGMENT_CONTENT in omit
        else "fragments.content"
    )
    fragment_lists = {
        link: _grouped(
            rows,
            f"SELECT {link}.response_id, fragments.id, fragments.hash, {fragment_content},"
            " fragments.source, fragments.datetime_utc"
            f" FROM {link} JOIN fragments ON fragments.id = {link}.fragment_id"
            f" WHERE {link}.response_id IN ({{ids}})"
            f' ORDER BY {link}.response_id, {link}."order"',
            ids,
        )
        for link in ("prompt_fragments", "system_fragments")
    }
    from . import turns

    # The configured instance a tool was given with (a toolbox, a server-side tool such as
    # ``CodeInterpreter(memory_limit="4g")``) is kept in the message store's ``turn_tools``,
    # under the turn that shares the response's ID.
    instances = (
        " LEFT JOIN turn_tools ON turn_tools.turn_id = tool_responses.response_id"
        " AND turn_tools.tool_id = tools.id"
        " LEFT JOIN tool_instances ON tool_instances.id = turn_tools.instance_id"
        if turns.present(rows)
        else ""
    )
    instance_columns = (
        "tool_instances.name AS instance_name, tool_instances.arguments AS instance_arguments"
        if instances
        else "NULL AS instance_name, NULL AS instance_arguments"
    )
    tools = _grouped(
        rows,
        "SELECT tool_responses.response_id, tools.id, tools.hash, tools.name,"
        f" tools.description, tools.input_schema, tools.plugin, {instance_columns}"
        f" FROM tool_responses JOIN tools ON tools.id = tool_responses.tool_id{instances}"
        " WHERE tool_responses.response_id IN ({ids})"
        " ORDER BY tool_responses.response_id, tools.id",
        ids,
    )
    calls = _grouped(
        rows,
        "SELECT response_id, id, tool_id, name, arguments, tool_call_id FROM tool_calls"
        " WHERE response_id IN ({ids}) ORDER BY id",
        ids,
    )
    results = _grouped(
        rows,
        "SELECT tool_results.response_id, tool_results.id, tool_results.tool_id,"
        " tool_results.name, tool_results.output, tool_results.tool_call_id,"
        " tool_results.exception, tool_results.instance_id,"
        " tool_instances.plugin AS instance_plugin,"
        " tool_instances.name AS instance_name, tool_instances.arguments AS instance_arguments"
        " FROM tool_results LEFT JOIN tool_instances"
        " ON tool_instances.id = tool_results.instance_id"
        " WHERE tool_results.response_id IN ({ids}) ORDER BY tool_results.id",
        ids,
    )
    extras = _grouped(
        rows,
        "SELECT response_id, resolved_model, reasoning, attempts FROM response_extras"
        " WHERE response_id IN ({ids})",
        ids,
    )
    fragment_ids = {
        f["id"] for found in fragment_lists.values() for group in found.values() for f in group
    }
    names = _aliases(rows, sorted(fragment_ids))
    for found in fragment_lists.values():
        for group in found.values():
            for fragment in group:
                fragment["aliases"] = names.get(fragment["id"], [])
    for record in records:
        rid = record["id"]
        record["attachments"] = attachments.get(rid, [])
        record["prompt_fragments"] = fragment_lists["prompt_fragments"].get(rid, [])
        record["system_fragments"] = fragment_lists["system_fragments"].get(rid, [])
        record["tools"] = tools.get(rid, [])
        record["tool_calls"] = calls.get(rid, [])
        record["tool_results"] = results.get(rid, [])
        for extra in extras.get(rid, []):  # keys only when logged (0.26's JSON otherwise)
            record.update({k: v for k, v in extra.items() if v is not None})


def _first(rows: RowSource, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row, or None."""
    for record in rows.rows(sql, params):
        return next(iter(record.values()))
    return None


def latest_conversation_id(conn: RowSource | Connection) -> str | None:
    """The conversation of the newest response (or, in a llm 0.32+ database, turn)."""
    rows = source(conn)
    newest: tuple[str, str] | None = None
    for record in rows.rows(
        "SELECT id, conversation_id FROM responses WHERE conversation_id IS NOT NULL"
        " ORDER BY id DESC LIMIT 1"
    ):
        newest = (record["id"], record["conversation_id"])
    from . import turns

    if turns.present(rows):
        turn = turns.latest_conversation(rows)
        if turn is not None and (newest is None or turn[0] > newest[0]):
            newest = turn
    return None if newest is None else newest[1]


def count(conn: RowSource | Connection, table_name: str) -> int:
    if not table_name.isidentifier():
        raise ValueError(f"not a table name: {table_name!r}")
    return int(_first(source(conn), f"SELECT count(*) AS n FROM {table_name}"))


def count_if_present(conn: RowSource | Connection, table_name: str) -> int:
    """``count`` of a table this database may not have (llm 0.32+'s ``threads`` and
    ``turns``): 0 when it is absent."""
    rows = source(conn)
    if rows.dialect == "sqlite":
        sql = "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?"
    else:
        sql = (
            "SELECT count(*) AS n FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_name = ?"
        )
    if not int(_first(rows, sql, [table_name])):
        return 0
    return count(rows, table_name)


def get_conversation(conn: RowSource | Connection, conversation_id: str) -> Record | None:
    for record in source(conn).rows(
        "SELECT id, name, model FROM conversations WHERE id = ?", [conversation_id]
    ):
        return record
    return None


# Fragments ---------------------------------------------------------------------------------

_FRAGMENT_COLUMNS = (
    "fragments.id, fragments.hash, fragments.content, fragments.datetime_utc, fragments.source"
)


def _aliases(
    conn: RowSource | Connection, ids: Sequence[int], *, by_name: bool = False
) -> dict[int, list[str]]:
    """Each fragment's aliases: by name, or (like the original's logs) as stored."""
    rows = source(conn)
    by_id: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(ids):
        sql = "SELECT fragment_id, alias FROM fragment_aliases"
        sql += f" WHERE fragment_id IN ({_marks(chunk)})"
        if by_name:
            sql += " ORDER BY alias"
        for record in rows.rows(sql, chunk):
            by_id[record["fragment_id"]].append(record["alias"])
    return by_id


def with_aliases(conn: RowSource | Connection, records: list[Record]) -> list[Record]:
    """Fragment records, each given its ``aliases`` (sorted)."""
    if records:
        by_id = _aliases(conn, [r["id"] for r in records], by_name=True)
        for record in records:
            record["aliases"] = by_id.get(record["id"], [])
    return records


def get_fragment(conn: RowSource | Connection, key: str) -> Record | None:
    """The fragment with this hash or alias (with its aliases), or None."""
    rows = source(conn)
    found = list(
        rows.rows(
            f"SELECT {_FRAGMENT_COLUMNS} FROM fragments WHERE {_FRAGMENT_MATCH}"
            " ORDER BY fragments.id LIMIT 1",
            [key, key],
        )
    )
    return with_aliases(rows, found)[0] if found else None


def _like(term: str) -> str:
    """A LIKE pattern matching ``term`` literally anywhere (``%``, ``_`` and ``\\`` escaped)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _queries(queries: str | Sequence[str] | None) -> Sequence[str]:
    """One query given as a string is one term, as the command line's ``-q`` is."""
    if queries is None:
        return ()
    return (queries,) if isinstance(queries, str) else queries


def list_fragments(
    conn: RowSource | Connection,
    queries: str | Sequence[str] | None = None,
    aliases_only: bool = False,
) -> list[Record]:
    """Fragments, oldest first, each with ``aliases`` (sorted). Every query must match: a
    fragment's hash or one of its aliases exactly, or part of its source or content."""
    rows = source(conn)
    where: list[str] = []
    params: list[Any] = []
    for query in _queries(queries):
        where.append(
            f"({_FRAGMENT_MATCH} OR fragments.source LIKE ? ESCAPE '\\'"
            " OR fragments.content LIKE ? ESCAPE '\\')"
        )
        params += [query, query, _like(query), _like(query)]
    if aliases_only:
        where.append("EXISTS (SELECT 1 FROM fragment_aliases WHERE fragment_id = fragments.id)")
    sql = f"SELECT {_FRAGMENT_COLUMNS} FROM fragments"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY fragments.datetime_utc, fragments.id"
    return with_aliases(rows, list(rows.rows(sql, params)))


def fragment_id_for_key(conn: RowSource | Connection, key: str) -> int | None:
    found: int | None = _first(
        source(conn),
        f"SELECT fragments.id FROM fragments WHERE {_FRAGMENT_MATCH} ORDER BY fragments.id LIMIT 1",
        [key, key],
    )
    return found


# Schemas -----------------------------------------------------------------------------------


def get_schema(conn: RowSource | Connection, schema_id: str) -> str | None:
    found: str | None = _first(
        source(conn), "SELECT content FROM schemas WHERE id = ?", [schema_id]
    )
    return found


def schemas_in_use(
    conn: RowSource | Connection, queries: str | Sequence[str] | None = None
) -> list[Record]:
    """Schemas that responses used: ``id``, ``content`` (JSON text), ``recently_used`` and
    ``times_used``; least recently used first. Every query must be part of the content."""
    where: list[str] = []
    params: list[Any] = []
    for query in _queries(queries):
        where.append("schemas.content LIKE ? ESCAPE '\\'")
        params.append(_like(query))
    sql = (
        "SELECT schemas.id, schemas.content, max(responses.datetime_utc) AS recently_used,"
        " count(*) AS times_used"
        " FROM schemas JOIN responses ON responses.schema_id = schemas.id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " GROUP BY schemas.id, schemas.content"
    sql += " ORDER BY max(responses.datetime_utc), schemas.id"
    return list(source(conn).rows(sql, params))
