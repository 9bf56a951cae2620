"""``llm embed`` and ``llm embed-multi``: embed content, optionally storing it in a collection.

llm-embeddings (and numpy) are imported inside the commands, so ``llm --help``
stays light.
"""

from __future__ import annotations

import json
import pathlib
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import click

import llm

# sqlite3, base64 and io are imported where used: ``llm --help`` needs none of them.
NO_MODEL = "You need to specify an embedding model (no default model is set)"

database_option = click.option(
    "-d",
    "--database",
    type=click.Path(file_okay=True, allow_dash=False, dir_okay=False, writable=True),
    envvar="LLM_EMBEDDINGS_DB",
    help="Path to embeddings database",
)
model_option = click.option(
    "-m", "--model", help="Embedding model to use", envvar="LLM_EMBEDDING_MODEL"
)
store_option = click.option("--store", is_flag=True, help="Store the text itself in the database")
key_option = click.option("--key", help="API key to use")


def _use_key(model: llm.EmbeddingModel, key: str | None) -> None:
    """``--key``: the key this run's embedding model calls its API with."""
    if key:
        model.key = key


def database_path(database: str | None) -> Path | str:
    """The ``-d`` file or URL, else the URL in ``embeddings-database-url.txt``, else
    ``<user dir>/embeddings.db`` (see llm_embeddings.database.resolve_target)."""
    from llm.config import ConfigFileError
    from llm_embeddings.database import resolve_target

    try:
        return resolve_target(database)
    except ConfigFileError as ex:
        raise click.ClickException(str(ex)) from ex


def missing_file(database: str | None) -> bool:
    """Whether the embeddings database is a SQLite file that does not exist yet."""
    target = database_path(database)
    return isinstance(target, Path) and not target.exists()


def connect(database: str | None) -> Any:
    """The embeddings database: a ``sqlite3`` connection, or for a PostgreSQL URL the
    ``PostgresEmbeddings`` store; a clear error when it cannot be opened."""
    import sqlite3

    from llm_embeddings.database import connect as connect_file

    path = database_path(database)
    if isinstance(path, str):
        from llm_embeddings.postgres import EmbeddingsDatabaseError, PostgresEmbeddings

        try:
            return PostgresEmbeddings.open(path)
        except EmbeddingsDatabaseError as ex:
            raise click.ClickException(str(ex)) from ex
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return connect_file(path)
    except (OSError, sqlite3.Error) as ex:
        raise click.ClickException(f"Cannot open {path}: {ex}") from ex


def read_content(content: str | None, input: str | None, binary: bool) -> str | bytes:
    """``-c`` text, else the ``-i`` file, else standard input (bytes with ``--binary``)."""
    value: str | bytes | None = content
    if not value:
        if not input or input == "-":
            stream: Any = sys.stdin.buffer if binary else sys.stdin
            value = stream.read()
        else:
            try:
                value = Path(input).read_bytes() if binary else Path(input).read_text()
            except (OSError, UnicodeDecodeError) as ex:
                raise click.ClickException(f"Cannot read {input}: {ex}") from ex
    if not value:
        raise click.ClickException("No content provided")
    return value


def _validate_metadata(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        raise click.BadParameter("metadata must be valid JSON") from None
    if not isinstance(parsed, dict):
        raise click.BadParameter("metadata must be a JSON object")
    return parsed


def _format_vector(vector: list[float], format_: str | None) -> str:
    import base64

    from llm import encode

    if format_ in (None, "json"):
        return json.dumps(vector)
    packed = encode(vector)
    if format_ == "base64":
        return base64.b64encode(packed).decode("ascii")
    if format_ == "hex":
        return packed.hex()
    # blob: the raw bytes, shown the way the original did (decoded with replacement).
    return packed.decode("utf-8", errors="replace")


def _embedding_model(name: str | None) -> llm.EmbeddingModel:
    try:
        return llm.get_embedding_model(name or llm.get_default_embedding_model())
    except llm.UnknownModelError as ex:
        if not (name or llm.get_default_embedding_model()):
            raise click.ClickException(NO_MODEL) from ex
        raise click.ClickException(str(ex)) from ex


def open_collection(name: str, conn: Any, model: str | None, create: bool = True) -> Any:
    """The named collection; creating it needs ``model`` or a default embedding model."""
    import sqlite3

    from llm_embeddings import Collection
    from llm_embeddings.postgres import EmbeddingsDatabaseError

    try:
        if Collection.exists(conn, name) or not create:
            try:
                return Collection(name, conn, create=False)
            except Collection.DoesNotExist:
                raise click.ClickException("Collection does not exist") from None
        model_obj = _embedding_model(model)
        return Collection(name, conn, model=model_obj)
    except (sqlite3.Error, EmbeddingsDatabaseError) as ex:
        raise click.ClickException(f"Cannot use the embeddings database: {ex}") from ex


@click.command()
@click.argument("collection", required=False)
@click.argument("id", required=False)
@click.option(
    "-i",
    "--input",
    type=click.Path(exists=True, readable=True, allow_dash=True),
    help="File to embed",
)
@model_option
@store_option
@database_option
@click.option("-c", "--content", help="Content to embed")
@key_option
@click.option("--binary", is_flag=True, help="Treat input as binary data")
@click.option("--metadata", help="JSON object metadata to store", callback=_validate_metadata)
@click.option(
    "format_",
    "-f",
    "--format",
    type=click.Choice(["json", "blob", "base64", "hex"]),
    help="Output format",
)
def embed(
    collection: str | None,
    id: str | None,
    input: str | None,
    model: str | None,
    store: bool,
    database: str | None,
    content: str | None,
    binary: bool,
    metadata: dict[str, Any] | None,
    format_: str | None,
    key: str | None,
) -> None:
    """Embed text and store or return the result"""
    if collection and not id:
        raise click.ClickException("Must provide both collection and id")
    if store and not collection:
        raise click.ClickException("Must provide collection when using --store")
    collection_obj = None
    if collection:
        collection_obj = open_collection(collection, connect(database), model)
        model_obj = collection_obj.model()
    else:
        model_obj = _embedding_model(model)
    _use_key(model_obj, key)
    import sqlite3

    from llm_embeddings.postgres import EmbeddingsDatabaseError

    value = read_content(content, input, binary)
    try:
        if collection_obj is not None:
            assert id is not None
            collection_obj.embed(id, value, metadata=metadata, store=store)
            if format_ is None:
                return
            vector = collection_obj.vector_of(id)
        else:
            vector = list(model_obj.embed(value))
    except (ValueError, llm.ModelError, sqlite3.Error, EmbeddingsDatabaseError) as ex:
        raise click.ClickException(str(ex)) from ex
    click.echo(_format_vector(vector, format_))


def _progress(rows: Iterable[Any], count: Callable[[], int | None]) -> Iterator[Any]:
    """Yield ``rows``, drawing a progress bar (count, rate, ETA) on a terminal's stderr only."""
    if not sys.stderr.isatty():
        yield from rows
        return
    started = time.monotonic()
    state = {"done": 0}

    def rate(_item: Any) -> str:
        elapsed = time.monotonic() - started
        return f"{state['done'] / elapsed:,.0f} rows/s" if elapsed > 0 else ""

    with click.progressbar(
        length=count(),
        label="Embedding",
        show_pos=True,
        show_eta=True,
        item_show_func=rate,
        file=sys.stderr,
    ) as bar:
        for row in rows:
            yield row
            state["done"] += 1
            bar.update(1, row)


def _iterate_files(
    files: tuple[tuple[str, str], ...], encodings: tuple[str, ...], binary: bool
) -> Iterator[tuple[str, str | bytes]]:
    for directory, pattern in files:
        for path in sorted(pathlib.Path(directory).glob(pattern)):
            if path.is_dir():
                continue
            relative = str(path.relative_to(directory))
            if binary:
                yield relative, path.read_bytes()
                continue
            data = path.read_bytes()
            for encoding in encodings:
                try:
                    yield relative, data.decode(encoding)
                    break
                except (UnicodeDecodeError, LookupError):
                    continue
            else:
                click.echo(f"Could not decode text in file {path}", err=True)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


@click.command(name="embed-multi")
@click.argument("collection")
@click.argument(
    "input_path",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, readable=True),
    required=False,
)
@click.option(
    "--format",
    type=click.Choice(["json", "csv", "tsv", "nl"]),
    help="Format of input file - defaults to auto-detect",
)
@click.option(
    "--files",
    type=(click.Path(file_okay=False, dir_okay=True, allow_dash=False), str),
    multiple=True,
    help="Embed files in this directory - specify directory and glob pattern",
)
@click.option(
    "encodings", "--encoding", help="Encodings to try when reading --files", multiple=True
)
@click.option("--binary", is_flag=True, help="Treat --files as binary data")
@click.option("--sql", help="Read input using this SQL query")
@click.option(
    "--attach",
    type=(str, click.Path(file_okay=True, dir_okay=False, allow_dash=False)),
    multiple=True,
    help="Additional databases to attach - specify alias and file path",
)
@click.option(
    "--batch-size", type=click.IntRange(min=1), help="Batch size to use when running embeddings"
)
@click.option("--prefix", help="Prefix to add to the IDs", default="")
@model_option
@click.option("--prepend", help="Prepend this string to all content before embedding")
@store_option
@database_option
@key_option
def embed_multi(
    collection: str,
    input_path: str | None,
    format: str | None,
    files: tuple[tuple[str, str], ...],
    encodings: tuple[str, ...],
    binary: bool,
    sql: str | None,
    attach: tuple[tuple[str, str], ...],
    batch_size: int | None,
    prefix: str,
    model: str | None,
    prepend: str | None,
    store: bool,
    database: str | None,
    key: str | None,
) -> None:
    """
    Store embeddings for multiple strings at once in the specified collection.

    Input data can come from one of three sources:

    \b
    1. A CSV, TSV, JSON or JSONL file:
       - CSV/TSV: First column is ID, remaining columns concatenated as content
       - JSON: Array of objects with "id" field and content fields
       - JSONL: Newline-delimited JSON objects

    \b
       Examples:
         llm embed-multi docs input.csv
         cat data.json | llm embed-multi docs -
         llm embed-multi docs input.json --format json

    \b
    2. A SQL query against a SQLite database:
       - First column returned is used as ID
       - Other columns concatenated to form content

    \b
       Examples:
         llm embed-multi docs --sql "SELECT id, title, body FROM posts"
         llm embed-multi docs --attach blog blog.db --sql "SELECT id, content FROM blog.posts"

    \b
    3. Files in directories matching glob patterns:
       - Each file becomes one embedding
       - Relative file paths become IDs

    \b
       Examples:
         llm embed-multi docs --files docs '**/*.md'
         llm embed-multi images --files photos '*.jpg' --binary
         llm embed-multi texts --files texts '*.txt' --encoding utf-8 --encoding latin-1
    """
    if binary and not files:
        raise click.UsageError("--binary must be used with --files")
    if binary and encodings:
        raise click.UsageError("--binary cannot be used with --encoding")
    if not input_path and not sql and not files:
        raise click.UsageError("Either --sql or input path or --files is required")
    if files and (input_path or sql or format):
        raise click.UsageError("Cannot use --files with --sql, input path or --format")
    for directory, _ in files:
        if not Path(directory).is_dir():
            raise click.UsageError(f"Invalid directory: {directory}")
    for encoding in encodings:
        try:
            "".encode(encoding)
        except LookupError:
            raise click.UsageError(f"Unknown encoding: {encoding}") from None

    import sqlite3

    if model:
        _embedding_model(model)  # an unknown model is refused before a database is created
    from llm_embeddings.postgres import EmbeddingsDatabaseError

    target = connect(database)
    # --sql runs where the embeddings are: on PostgreSQL itself, or on SQLite (the embeddings
    # database, or with a PostgreSQL target and --attach an in-memory database holding the
    # attached files, since PostgreSQL cannot attach SQLite files).
    on_postgres = not isinstance(target, sqlite3.Connection) and not attach
    conn = target if isinstance(target, sqlite3.Connection) else sqlite3.connect(":memory:")
    for alias, attach_path in attach:
        try:
            conn.execute(
                "ATTACH DATABASE ? AS [{}]".format(alias.replace("]", "]]")), [attach_path]
            )
        except sqlite3.Error as ex:
            raise click.ClickException(f"Cannot attach {attach_path}: {ex}") from ex
    collection_obj = open_collection(collection, target, model)
    _use_key(collection_obj.model(), key)

    pairs: Iterable[tuple[Any, str | bytes]]
    count: Callable[[], int | None]
    if files:
        chosen = encodings or ("utf-8", "latin-1")
        pairs = _iterate_files(files, chosen, binary)

        def count() -> int | None:
            return sum(1 for directory, pattern in files for _ in Path(directory).glob(pattern))
    elif sql and on_postgres:
        try:
            pairs = ((row[0], " ".join(_text(v) for v in row[1:])) for row in target.query(sql))
        except EmbeddingsDatabaseError as ex:
            raise click.ClickException(f"SQL error: {ex}") from ex

        def count() -> int | None:
            return int(target.count_query(sql))
    elif sql:
        try:
            cursor = conn.execute(sql)
        except sqlite3.Error as ex:
            raise click.ClickException(f"SQL error: {ex}") from ex
        pairs = ((row[0], " ".join(_text(v) for v in row[1:])) for row in cursor)

        def count() -> int | None:
            (n,) = conn.execute(f"select count(*) from ({sql})").fetchone()
            return int(n)
    else:
        assert input_path is not None
        pairs, count = _rows_from_input(input_path, format)

    def entries() -> Iterator[tuple[str, str | bytes]]:
        for raw_id, value in _progress(pairs, count):
            if prepend and isinstance(value, str):
                value = prepend + value
            yield prefix + str(raw_id), value or ""

    kwargs: dict[str, Any] = {"store": store}
    if batch_size:
        kwargs["batch_size"] = batch_size
    try:
        collection_obj.embed_multi(entries(), **kwargs)
    except (ValueError, llm.ModelError, sqlite3.Error, EmbeddingsDatabaseError) as ex:
        raise click.ClickException(str(ex)) from ex


def _rows_from_input(
    input_path: str, format: str | None
) -> tuple[Iterable[tuple[Any, str]], Callable[[], int | None]]:
    import io

    def load(fp: Any) -> Iterable[Any]:
        return read_records(fp, format)

    def pairs() -> Iterator[tuple[Any, str]]:
        fp: Any = (
            open(input_path, "rb")  # noqa: SIM115 - closed below
            if input_path != "-"
            else io.BufferedReader(sys.stdin.buffer)
        )
        try:
            for row in load(fp):
                if not isinstance(row, dict):
                    raise click.ClickException(
                        f"Cannot read {input_path}: each record must be a JSON object"
                    )
                values = list(row.values())
                if not values:
                    continue
                yield values[0], " ".join(_text(v) for v in values[1:])
        except json.JSONDecodeError as ex:
            raise click.ClickException(str(ex)) from ex
        except (UnicodeDecodeError, ValueError) as ex:
            raise click.ClickException(f"Cannot read {input_path}: {ex}") from ex
        finally:
            if input_path != "-":
                fp.close()

    def count() -> int | None:
        if input_path == "-":
            return None
        with open(input_path, "rb") as fp:
            return sum(1 for _ in load(fp))

    return pairs(), count


def read_records(fp: Any, format: str | None) -> Iterator[Any]:
    """Records from a binary stream: ``json`` (a list of objects, or one object), ``nl`` (one
    JSON object per line), ``csv`` or ``tsv`` (a header row, then rows as dicts). With no
    format: JSON if the data starts with ``[`` or ``{``, else TSV if the first line has a tab,
    else CSV - the original's auto-detection (which cannot tell newline-delimited JSON)."""
    import csv
    import io

    if format is None:
        head = fp.peek(4096)[:4096].lstrip()
        if head[:1] in (b"[", b"{"):
            format = "json"
        else:
            format = "tsv" if b"\t" in head.split(b"\n", 1)[0] else "csv"
    if format == "json":
        data = json.load(fp)
        yield from [data] if isinstance(data, dict) else data
        return
    if format == "nl":
        for line in fp:
            if line.strip():
                yield json.loads(line)
        return
    text = io.TextIOWrapper(fp, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text, delimiter="\t" if format == "tsv" else ",")
    for record in reader:
        if None in record:
            raise ValueError(f"line {reader.line_num} has more fields than the header")
        yield record
