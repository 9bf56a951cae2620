"""embed, embed-multi, similar, embed-models and collections, in process with CliRunner."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

import llm
from llm.plugins import pm
from llm_cli.app import cli
from llm_embeddings import decode


class Lengths(llm.EmbeddingModel):
    model_id = "lengths"
    batch_size = 10
    supports_binary = True

    def __init__(self) -> None:
        self.batches = 0

    def embed_batch(self, items: Iterable[str | bytes]) -> Iterator[list[float]]:
        self.batches += 1
        for item in items:
            vector = [float(len(word)) for word in item.split()[:8]]
            yield vector + [0.0] * (8 - len(vector))


@pytest.fixture(autouse=True)
def model() -> Iterator[Lengths]:
    instance = Lengths()

    class Plugin:
        __name__ = "LengthsPlugin"

        @llm.hookimpl
        def register_embedding_models(self, register):  # type: ignore[no-untyped-def]
            register(instance, aliases=("len",))

    pm.register(Plugin(), name="lengths-test")
    try:
        yield instance
    finally:
        pm.unregister(name="lengths-test")


def run(*args: str, input: str | bytes | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=input)


def rows(path: Path) -> list[dict]:
    return list(sqlite_utils.Database(path).query("select * from embeddings order by id"))


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("json", "[5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]"),
        ("hex", "0000a0400000a040" + "0" * 48),
        ("base64", "AACgQAAAoEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    ],
)
def test_embed_formats(fmt: str, expected: str) -> None:
    result = run("embed", "-m", "len", "-c", "hello world", "-f", fmt)
    assert result.exit_code == 0, result.output
    assert result.output == expected + "\n"


def test_embed_store_then_collections_list_and_delete(user_path: Path) -> None:
    args = ["embed", "docs", "a", "-m", "lengths", "-c", "one two", "--store"]
    assert run(*args, "--metadata", '{"k": 1}').exit_code == 0
    db_path = user_path / "embeddings.db"
    (row,) = rows(db_path)
    assert row["content"] == "one two" and json.loads(row["metadata"]) == {"k": 1}
    # An existing collection keeps its model; -f shows the stored vector.
    result = run("embed", "docs", "b", "-c", "three", "-f", "json")
    assert json.loads(result.output)[:2] == [5.0, 0.0]
    listing = run("collections", "list", "--json")
    assert json.loads(listing.output) == [{"name": "docs", "model": "lengths", "num_embeddings": 2}]
    assert run("collections").output == "docs: lengths\n  2 embeddings\n"
    assert run("collections", "path").output.strip() == str(db_path)
    assert run("collections", "delete", "docs").exit_code == 0
    assert rows(db_path) == []
    missing = run("collections", "delete", "docs")
    assert missing.exit_code == 1 and "Collection does not exist" in missing.output


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["docs", "-c", "x"], "Must provide both collection and id", 1),
        (["-c", "x", "--store"], "Must provide collection when using --store", 1),
        (["-c", "x"], "You need to specify an embedding model (no default model is set)", 1),
        (["-m", "nope", "-c", "x"], "Unknown model: nope", 1),
        (["-m", "len", "docs", "1", "-c", "x", "--metadata", "[1]"], "must be a JSON object", 2),
        (["-m", "len", "docs", "1", "-c", "x", "--metadata", "{"], "must be valid JSON", 2),
        (["-m", "len", "-i", "-"], "No content provided", 1),
    ],
)
def test_embed_errors(args: list[str], message: str, code: int, user_path: Path) -> None:
    result = run("embed", *args, input="")
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (user_path / "embeddings.db").exists() or not rows(user_path / "embeddings.db")


def test_embed_binary_rejected_by_text_only_model(model: Lengths) -> None:
    model.supports_binary = False
    result = run("embed", "-m", "len", "--binary", "-i", "-", input=b"\x00\x01")
    assert result.exit_code == 1
    assert "does not support binary data" in result.output


@pytest.mark.parametrize(
    ("name", "content", "extra"),
    [
        ("in.csv", "id,a,b\n1,hello world,x\n2,bye,z\n", []),
        ("in.tsv", "id\ta\tb\n1\thello world\tx\n2\tbye\tz\n", []),
        (
            "in.json",
            '[{"id": 1, "a": "hello world", "b": "x"}, {"id": 2, "a": "bye", "b": "z"}]',
            [],
        ),
        (
            "in.jsonl",
            '{"id": 1, "a": "hello world", "b": "x"}\n{"id": 2, "a": "bye", "b": "z"}\n',
            ["--format", "nl"],
        ),
    ],
)
def test_embed_multi_from_files(tmp_path: Path, name: str, content: str, extra: list[str]) -> None:
    source = tmp_path / name
    source.write_text(content)
    db_path = tmp_path / "out.db"
    args = ["embed-multi", "c", str(source), "-d", str(db_path), "-m", "len", "--store"]
    result = run(*args, "--prefix", "p-", "--prepend", ">> ", *extra)
    assert result.exit_code == 0, result.output
    assert result.output == ""  # no progress bar when not on a terminal
    assert [(r["id"], r["content"]) for r in rows(db_path)] == [
        ("p-1", ">> hello world x"),
        ("p-2", ">> bye z"),
    ]


def test_embed_multi_from_stdin_and_bad_json(tmp_path: Path) -> None:
    db = str(tmp_path / "out.db")
    ok = run("embed-multi", "c", "-", "-d", db, "-m", "len", input="id,t\n7,seven\n")
    assert ok.exit_code == 0 and [r["id"] for r in rows(Path(db))] == ["7"]
    bad = run("embed-multi", "c", "-", "-d", db, "--format", "json", input="[{")
    assert bad.exit_code == 1 and "Error:" in bad.output and "Traceback" not in bad.output
    scalars = run("embed-multi", "c", "-", "-d", db, "--format", "json", input="[1, 2]")
    assert scalars.exit_code == 1
    assert "each record must be a JSON object" in scalars.output


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ('{"id": "solo", "t": "one object"}', [("solo", "one object")]),
        ("\ufeffid,t\n1,with a BOM\n", [("1", "with a BOM")]),
        ('id,t\n1,"quoted, with comma"\n', [("1", "quoted, with comma")]),
        ("id\tt\n1\ttab separated\n", [("1", "tab separated")]),
    ],
)
def test_embed_multi_detects_formats(tmp_path: Path, data: str, expected: list) -> None:
    db = tmp_path / "e.db"
    result = run("embed-multi", "c", "-", "-d", str(db), "-m", "len", "--store", input=data)
    assert result.exit_code == 0, result.output
    assert [(r["id"], r["content"]) for r in rows(db)] == expected


def test_embed_multi_csv_row_with_extra_fields(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    result = run("embed-multi", "c", "-", "-d", str(db), "-m", "len", input="id,t\n1,a,b\n")
    assert result.exit_code == 1
    assert "line 2 has more fields than the header" in result.output


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_text("not sqlite at all")
    for args in (
        ["embed", "c", "1", "-c", "x", "-m", "len"],
        ["similar", "c", "-c", "x"],
        ["collections", "list"],
        ["embed-multi", "c", "--sql", "select 1, 'a'", "-m", "len"],
    ):
        result = run(*args, "-d", str(path))
        assert result.exit_code == 1, args
        assert "file is not a database" in result.output and "Traceback" not in result.output
    assert path.read_text() == "not sqlite at all"


def test_embed_multi_sql_with_attach_and_batch_size(tmp_path: Path, model: Lengths) -> None:
    other = sqlite_utils.Database(tmp_path / "other.db")
    other["docs"].insert_all({"id": i, "title": f"t{i}", "body": "b" * i} for i in range(1, 26))
    db = str(tmp_path / "e.db")
    args = ["embed-multi", "c", "-d", db, "-m", "len", "--attach", "o", str(tmp_path / "other.db")]
    result = run(*args, "--sql", "select id, title, body from o.docs", "--batch-size", "4")
    assert result.exit_code == 0, result.output
    assert model.batches == 7
    assert len(rows(Path(db))) == 25
    bad = run("embed-multi", "c", "-d", db, "--sql", "select nope from nowhere")
    assert bad.exit_code == 1 and "SQL error" in bad.output


def test_embed_multi_files(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("alpha beta")
    (root / "sub" / "b.txt").write_text("gamma")
    (root / "sub" / "c.bin").write_bytes(b"\xff\xfe")
    db = tmp_path / "e.db"
    result = run(
        "embed-multi", "t", "-d", str(db), "-m", "len", "--files", str(root), "**/*.txt", "--store"
    )
    assert result.exit_code == 0, result.output
    assert [(r["id"], r["content"]) for r in rows(db)] == [
        ("a.txt", "alpha beta"),
        ("sub/b.txt", "gamma"),
    ]
    result = run(
        "embed-multi",
        "b",
        "-d",
        str(db),
        "-m",
        "len",
        "--files",
        str(root),
        "**/*.bin",
        "--binary",
        "--store",
    )
    assert result.exit_code == 0
    binary = [r for r in rows(db) if r["collection_id"] == 2]
    assert binary[0]["content_blob"] == b"\xff\xfe"
    result = CliRunner().invoke(
        cli,
        [
            "embed-multi",
            "u",
            "-d",
            str(db),
            "-m",
            "len",
            "--files",
            str(root),
            "**/*.bin",
            "--encoding",
            "utf-8",
        ],
    )
    assert result.exit_code == 0 and "Could not decode text in file" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Either --sql or input path or --files is required"),
        (["--binary", "--sql", "select 1"], "--binary must be used with --files"),
        (["--files", "/no/such/dir", "*.txt"], "Invalid directory: /no/such/dir"),
        (["--files", ".", "*", "--sql", "select 1"], "Cannot use --files with --sql"),
        (["--files", ".", "*", "--encoding", "nope"], "Unknown encoding: nope"),
        (["--batch-size", "0", "--sql", "select 1"], "Invalid value for '--batch-size'"),
    ],
)
def test_embed_multi_usage_errors(args: list[str], message: str, user_path: Path) -> None:
    result = run("embed-multi", "c", "-m", "len", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (user_path / "embeddings.db").exists()


def test_similar(tmp_path: Path) -> None:
    db = str(tmp_path / "e.db")
    source = tmp_path / "in.csv"
    source.write_text("id,text\n1,hello world\n2,goodbye world\n3,hi\n")
    assert run("embed-multi", "c", str(source), "-d", db, "-m", "len", "--store").exit_code == 0
    result = run("similar", "c", "-c", "hello world", "-d", db, "-n", "2")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["id"], r["content"]) for r in lines] == [
        ("1", "hello world"),
        ("2", "goodbye world"),
    ]
    assert lines[0]["score"] == pytest.approx(1.0)
    plain = run("similar", "c", "1", "-d", db, "-n", "1", "-p")
    assert plain.output.startswith("2 (0.98") and plain.output.endswith("\n\n  goodbye world\n\n")
    assert [
        json.loads(x)["id"]
        for x in run("similar", "c", "1", "-d", db, "--prefix", "3").output.splitlines()
    ] == ["3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["c"], "Must provide content or an ID for the comparison"),
        (["c", "-c", "x"], "No embeddings table found in database"),
    ],
)
def test_similar_errors_without_a_database(args: list[str], message: str, user_path: Path) -> None:
    result = run("similar", *args)
    assert result.exit_code == 1 and message in result.output
    assert not (user_path / "embeddings.db").exists()


def test_similar_errors_with_a_database() -> None:
    assert run("embed", "c", "1", "-m", "len", "-c", "hello").exit_code == 0
    missing = run("similar", "nope", "-c", "x")
    assert missing.exit_code == 1 and "Collection does not exist" in missing.output
    bad_id = run("similar", "c", "42")
    assert bad_id.exit_code == 1 and "ID not found in collection" in bad_id.output


def test_embed_models_list_and_default(user_path: Path) -> None:
    listing = run("embed-models", "list", "-q", "length")
    assert listing.output == "Lengths: lengths (aliases: len)\n"
    assert "Lengths: lengths" in run("embed-models").output
    shown = CliRunner().invoke(cli, ["embed-models", "default"])
    assert shown.output == "<No default embedding model set>\n"
    assert run("embed-models", "default", "len").exit_code == 0
    assert run("embed-models", "default").output == "lengths\n"
    assert (user_path / "default_embedding_model.txt").read_text().strip() == "lengths"
    unknown = run("embed-models", "default", "nope")
    assert unknown.exit_code == 1 and "Unknown embedding model: nope" in unknown.output
    assert run("embed-models", "default", "--remove-default").exit_code == 0
    assert (
        not (user_path / "default_embedding_model.txt").exists()
        or not (user_path / "default_embedding_model.txt").read_text().strip()
    )
    stored = run("embed", "c", "1", "-c", "x y")
    assert "no default model is set" in stored.output
    assert decode(b"\x00\x00\x80?") == (1.0,)
