"""Importing llm_embeddings (what ``llm.Collection`` does) and writing pay no numpy."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import llm
llm.Collection
from llm.embeddings import Entry
from llm.embeddings_migrations import embeddings_migrations
import sqlite3
from llm_embed_hash import HashEmbedding
c = llm.Collection("x", sqlite3.connect(":memory:"), model=HashEmbedding("h", 8))
c.embed("1", "hello")
print(sorted(m for m in ("numpy", "sqlalchemy", "alembic", "sqlite_utils") if m in sys.modules))
"""


def test_collections_and_writing_import_nothing_heavy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
