from pathlib import Path

from llm_storage.schema_doc import render

DOC = Path(__file__).resolve().parents[3] / "docs" / "storage-schema.md"


def test_schema_doc_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/storage-schema.md is stale: run "
        "`uv run python -m llm_storage.schema_doc > docs/storage-schema.md`"
    )
