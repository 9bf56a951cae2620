# ruff: noqa: E501
"""A logs.db as llm 0.26 writes it, built from the documented schema with raw SQL."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

ORIGINAL_SCHEMA = """
CREATE TABLE [_llm_migrations] ([name] TEXT PRIMARY KEY, [applied_at] TEXT);
CREATE TABLE [conversations] ([id] TEXT PRIMARY KEY, [name] TEXT, [model] TEXT);
CREATE TABLE [schemas] ([id] TEXT PRIMARY KEY, [content] TEXT);
CREATE TABLE "responses" (
  [id] TEXT PRIMARY KEY, [model] TEXT, [prompt] TEXT, [system] TEXT, [prompt_json] TEXT,
  [options_json] TEXT, [response] TEXT, [response_json] TEXT,
  [conversation_id] TEXT REFERENCES [conversations]([id]), [duration_ms] INTEGER,
  [datetime_utc] TEXT, [input_tokens] INTEGER, [output_tokens] INTEGER, [token_details] TEXT,
  [schema_id] TEXT REFERENCES [schemas]([id])
);
CREATE VIRTUAL TABLE [responses_fts] USING FTS5 ([prompt], [response], content=[responses]);
CREATE TRIGGER [responses_ai] AFTER INSERT ON [responses] BEGIN
  INSERT INTO [responses_fts] (rowid, [prompt], [response]) VALUES (new.rowid, new.[prompt], new.[response]);
END;
CREATE TRIGGER [responses_ad] AFTER DELETE ON [responses] BEGIN
  INSERT INTO [responses_fts] ([responses_fts], rowid, [prompt], [response]) VALUES('delete', old.rowid, old.[prompt], old.[response]);
END;
CREATE TRIGGER [responses_au] AFTER UPDATE ON [responses] BEGIN
  INSERT INTO [responses_fts] ([responses_fts], rowid, [prompt], [response]) VALUES('delete', old.rowid, old.[prompt], old.[response]);
  INSERT INTO [responses_fts] (rowid, [prompt], [response]) VALUES (new.rowid, new.[prompt], new.[response]);
END;
CREATE TABLE [attachments] ([id] TEXT PRIMARY KEY, [type] TEXT, [path] TEXT, [url] TEXT, [content] BLOB);
CREATE TABLE [prompt_attachments] (
  [response_id] TEXT REFERENCES [responses]([id]),
  [attachment_id] TEXT REFERENCES [attachments]([id]), [order] INTEGER,
  PRIMARY KEY ([response_id], [attachment_id])
);
CREATE TABLE [fragments] ([id] INTEGER PRIMARY KEY, [hash] TEXT, [content] TEXT, [datetime_utc] TEXT, [source] TEXT);
CREATE UNIQUE INDEX [idx_fragments_hash] ON [fragments] ([hash]);
CREATE TABLE [fragment_aliases] ([alias] TEXT PRIMARY KEY, [fragment_id] INTEGER REFERENCES [fragments]([id]));
CREATE TABLE "prompt_fragments" (
  [response_id] TEXT REFERENCES [responses]([id]), [fragment_id] INTEGER REFERENCES [fragments]([id]),
  [order] INTEGER, PRIMARY KEY ([response_id], [fragment_id], [order])
);
CREATE TABLE "system_fragments" (
  [response_id] TEXT REFERENCES [responses]([id]), [fragment_id] INTEGER REFERENCES [fragments]([id]),
  [order] INTEGER, PRIMARY KEY ([response_id], [fragment_id], [order])
);
CREATE TABLE [tools] ([id] INTEGER PRIMARY KEY, [hash] TEXT, [name] TEXT, [description] TEXT, [input_schema] TEXT, [plugin] TEXT);
CREATE UNIQUE INDEX [idx_tools_hash] ON [tools] ([hash]);
CREATE TABLE [tool_responses] (
  [tool_id] INTEGER REFERENCES [tools]([id]), [response_id] TEXT REFERENCES [responses]([id]),
  PRIMARY KEY ([tool_id], [response_id])
);
CREATE TABLE [tool_calls] (
  [id] INTEGER PRIMARY KEY, [response_id] TEXT REFERENCES [responses]([id]),
  [tool_id] INTEGER REFERENCES [tools]([id]), [name] TEXT, [arguments] TEXT, [tool_call_id] TEXT
);
CREATE TABLE [tool_instances] ([id] INTEGER PRIMARY KEY, [plugin] TEXT, [name] TEXT, [arguments] TEXT);
CREATE TABLE "tool_results" (
  [id] INTEGER PRIMARY KEY, [response_id] TEXT REFERENCES [responses]([id]),
  [tool_id] INTEGER REFERENCES [tools]([id]), [name] TEXT, [output] TEXT, [tool_call_id] TEXT,
  [instance_id] INTEGER REFERENCES [tool_instances]([id])
);
"""

MIGRATIONS_026 = [
    "m001_initial",
    "m002_id_primary_key",
    "m003_chat_id_foreign_key",
    "m004_column_order",
    "m004_drop_provider",
    "m005_debug",
    "m006_new_logs_table",
    "m007_finish_logs_table",
    "m008_reply_to_id_foreign_key",
    "m008_fix_column_order_in_logs",
    "m009_delete_logs_table_if_empty",
    "m010_create_new_log_tables",
    "m011_fts_for_responses",
    "m012_attachments_tables",
    "m013_usage",
    "m014_schemas",
    "m015_fragments_tables",
    "m016_fragments_table_pks",
    "m017_tools_tables",
    "m017_tools_plugin",
    "m018_tool_instances",
]

_ROWS = """
INSERT INTO conversations VALUES ('01j0conv000000000000000001', 'Old chat', 'gpt-4o-mini');
INSERT INTO schemas VALUES ('3b7702e4f5c3a8a6a0a5d3b1c2d4e5f6', '{"type":"object"}');
INSERT INTO responses VALUES ('01j0resp000000000000000001', 'gpt-4o-mini', 'tell me about pelicans',
  'be brief', '{"messages":[]}', '{"temperature":0.2}', 'Pelicans are large water birds.',
  '{"id":"chatcmpl-1"}', '01j0conv000000000000000001', 812, '2024-06-01T10:00:00.000000+00:00',
  11, 22, '{"cached_tokens":4}', '3b7702e4f5c3a8a6a0a5d3b1c2d4e5f6');
INSERT INTO responses VALUES ('01j0resp000000000000000002', 'gpt-4o-mini', 'and walruses?',
  NULL, NULL, '{}', 'Walruses live in the Arctic.', NULL, '01j0conv000000000000000001', 640,
  '2024-06-01T10:01:00.000000+00:00', 5, 9, NULL, NULL);
INSERT INTO attachments VALUES ('att1', 'image/png', NULL, NULL, X'89504E470D0A1A0A');
INSERT INTO attachments VALUES ('att2', 'image/jpeg', NULL, 'https://example.com/p.jpg', NULL);
INSERT INTO prompt_attachments VALUES ('01j0resp000000000000000001', 'att1', 0);
INSERT INTO prompt_attachments VALUES ('01j0resp000000000000000001', 'att2', 1);
INSERT INTO fragments VALUES (1, 'aaaa', 'fragment text', '2024-06-01T09:00:00', 'notes.md');
INSERT INTO fragments VALUES (2, 'bbbb', 'system fragment', '2024-06-01T09:00:01', '');
INSERT INTO fragment_aliases VALUES ('notes', 1);
INSERT INTO prompt_fragments VALUES ('01j0resp000000000000000001', 1, 0);
INSERT INTO prompt_fragments VALUES ('01j0resp000000000000000001', 1, 1);
INSERT INTO system_fragments VALUES ('01j0resp000000000000000001', 2, 0);
INSERT INTO tools VALUES (1, 'toolhash1', 'llm_version', 'Return the version', '{}', 'llm');
INSERT INTO tool_responses VALUES (1, '01j0resp000000000000000002');
INSERT INTO tool_calls VALUES (1, '01j0resp000000000000000002', 1, 'llm_version', '{}', 'call_1');
INSERT INTO tool_instances VALUES (1, 'llm-tools-sqlite', 'SQLite', '{"path":"x.db"}');
INSERT INTO tool_results VALUES (1, '01j0resp000000000000000002', 1, 'llm_version', '0.26', 'call_1', 1);
"""

ROWS = _ROWS.replace("'aaaa'", "'" + hashlib.sha256(b"fragment text").hexdigest() + "'").replace(
    "'bbbb'", "'" + hashlib.sha256(b"system fragment").hexdigest() + "'"
)

TABLES = [
    "_llm_migrations",
    "conversations",
    "schemas",
    "responses",
    "attachments",
    "prompt_attachments",
    "fragments",
    "fragment_aliases",
    "prompt_fragments",
    "system_fragments",
    "tools",
    "tool_responses",
    "tool_calls",
    "tool_instances",
    "tool_results",
]


def build(
    path: Path, migrations: list[str] | None = None, schema: str = ORIGINAL_SCHEMA, rows: str = ROWS
) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(schema)
    conn.executemany(
        "INSERT INTO _llm_migrations VALUES (?, ?)",
        [(name, "2024-05-01 00:00:00.000000+00:00") for name in migrations or MIGRATIONS_026],
    )
    conn.executescript(rows)
    conn.commit()
    conn.close()
    return path


def dump(path: Path, tables: list[str] = TABLES) -> dict[str, list[tuple]]:
    """Every row of every table, in rowid order (the comparison the adoption tests make)."""
    conn = sqlite3.connect(path)
    try:
        return {
            t: conn.execute(f"SELECT rowid, * FROM [{t}] ORDER BY rowid").fetchall() for t in tables
        }
    finally:
        conn.close()


def sqlite_master(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    finally:
        conn.close()
