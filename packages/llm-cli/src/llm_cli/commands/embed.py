"""``llm embed`` and ``llm embed-multi``: embed content, optionally storing it in a collection.

llm-embeddings (and numpy) are imported inside the commands, so ``llm --help``
stays light.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
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
    ``PostgresEmbeddings`` store; a clear error when it cannot be opened. A SQLite file is
    checkpointed and closed when the command ends (``llm_embeddings.database.close``), so the
    file alone holds everything once ``llm`` exits."""
    import sqlite3

    from llm_embeddings.database import close
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
        conn = connect_file(path)
    except (OSError, sqlite3.Error) as ex:
        raise click.ClickException(f"Cannot open {path}: {ex}") from ex
    close_on_exit(lambda: close(conn))
    return conn


def close_on_exit(callback: Callable[[], Any]) -> None:
    """Run ``callback`` when the running command ends, however it ends (last in, first out).
    Outside a command (``connect`` called as a function) the caller closes what it opened."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(callback)


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
    return _open_collection(name, conn, model, create)[0]


def _open_collection(
    name: str, conn: Any, model: str | None, create: bool = True
) -> tuple[Any, bool]:
    """(the collection, whether this call created it)."""
    import sqlite3

    from llm_embeddings import Collection
    from llm_embeddings.postgres import EmbeddingsDatabaseError

    try:
        if Collection.exists(conn, name) or not create:
            try:
                return Collection(name, conn, create=False), False
            except Collection.DoesNotExist:
                raise click.ClickException("Collection does not exist") from None
        model_obj = _embedding_model(model)
        return Collection(name, conn, model=model_obj), True
    except (sqlite3.Error, EmbeddingsDatabaseError) as ex:
        raise click.ClickException(f"Cannot use the embeddings database: {ex}") from ex


@contextmanager
def _undone_on_failure(collection: Any, created: bool) -> Iterator[None]:
    """A collection this command created is removed again when the command fails before
    anything is stored in it (a model error, an interrupt): a failure leaves no empty
    collection behind. One that holds rows (embedded before the failure) is kept."""
    try:
        yield
    except BaseException:
        if created:
            with suppress(Exception):
                collection.backend.delete_if_empty(collection.id)
        raise


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
        # The content is read first: input that cannot be read creates no collection.
        value = read_content(content, input, binary)
        collection_obj, created = _open_collection(collection, connect(database), model)
        model_obj = collection_obj.model()
    else:
        model_obj = _embedding_model(model)
        value = read_content(content, input, binary)
    _use_key(model_obj, key)
    import sqlite3

    from llm_embeddings.postgres import EmbeddingsDatabaseError

    try:
        if collection_obj is not None:
            assert id is not None
            with _undone_on_failure(collection_obj, created):
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


def files_to_embed(files: tuple[tuple[str, str], ...]) -> list[tuple[str, Path]]:
    """The files ``--files`` names, as (id, path): each (directory, pattern)'s matches in
    order, directories left out. Only regular files inside the directory are read: a match
    that leads outside it (a symbolic link, a ``..`` in the pattern) or that is not a regular
    file (a FIFO, which would block for ever, a socket, a device) is skipped with a notice
    on stderr."""
    import os
    import stat

    found: list[tuple[str, Path]] = []
    for directory, pattern in files:
        root = Path(directory)
        inside = Path(os.path.realpath(root))
        try:
            matches = sorted(root.glob(pattern))
        except (ValueError, NotImplementedError) as ex:
            raise click.UsageError(f"Invalid pattern {pattern!r}: {ex}") from None
        for path in matches:
            real = Path(os.path.realpath(path))
            if not real.is_relative_to(inside):
                click.echo(f"Skipping {path}: it leads outside {directory}", err=True)
                continue
            try:
                mode = os.stat(real).st_mode
            except OSError as ex:
                click.echo(f"Skipping {path}: {ex.strerror or ex}", err=True)
                continue
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                click.echo(f"Skipping {path}: not a regular file", err=True)
                continue
            found.append((str(path.relative_to(root)), path))
    return found


def _read_files(
    found: list[tuple[str, Path]], encodings: tuple[str, ...], binary: bool
) -> Iterator[tuple[str, str | bytes]]:
    for relative, path in found:
        try:
            data = path.read_bytes()
        except OSError as ex:
            click.echo(f"Skipping {path}: {ex.strerror or ex}", err=True)
            continue
        if binary:
            yield relative, data
            continue
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
    # The original's help text (docs/cli-reference.md); it applies to an input file too.
    "encodings",
    "--encoding",
    help="Encodings to try when reading --files or an input file",
    multiple=True,
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

    if model:
        _embedding_model(model)  # an unknown model is refused before a database is created
    import sqlite3

    from llm_embeddings.postgres import EmbeddingsDatabaseError, PostgresEmbeddings
    from llm_embeddings.user_query import ReadOnlyQuery, UserQueryError

    # Everything that can be refused is refused before the collection is created: the input
    # read and checked whole, the query compiled and run to its first row, the files listed.
    # A SQLite file that does not exist yet is created only then.
    where = database_path(database)
    target = connect(database) if isinstance(where, str) or where.exists() else None
    pairs: Iterable[tuple[Any, str | bytes]]
    count: Callable[[], int | None]
    if files:
        found = files_to_embed(files)
        pairs = _read_files(found, encodings or ("utf-8", "latin-1"), binary)

        def count() -> int | None:
            return len(found)
    elif sql and isinstance(target, PostgresEmbeddings) and not attach:
        # PostgreSQL's SQL over its own tables, in a READ ONLY transaction.
        postgres = target
        try:
            rows: Iterable[tuple[Any, ...]] = postgres.query(sql)
        except EmbeddingsDatabaseError as ex:
            raise click.ClickException(f"SQL error: {ex}") from ex
        pairs = ((row[0], " ".join(_text(v) for v in row[1:])) for row in rows)

        def count() -> int | None:
            return int(postgres.count_query(sql))
    elif sql:
        # SQLite: the embeddings file (or, with the embeddings on PostgreSQL, an empty
        # in-memory database) with the --attach files, on a connection that can only read.
        try:
            reader = ReadOnlyQuery(where if isinstance(where, Path) else None, attach)
        except UserQueryError as ex:
            raise click.ClickException(str(ex)) from ex
        close_on_exit(reader.close)
        try:
            rows = reader.rows(sql)
        except UserQueryError as ex:
            raise click.ClickException(f"SQL error: {ex}") from ex
        pairs = ((row[0], " ".join(_text(v) for v in row[1:])) for row in rows)

        def count() -> int | None:
            return reader.count(sql)
    else:
        assert input_path is not None
        pairs, count = _rows_from_input(input_path, format, encodings)

    if target is None:
        target = connect(database)
    collection_obj, created = _open_collection(collection, target, model)
    _use_key(collection_obj.model(), key)

    def entries() -> Iterator[tuple[str, str | bytes]]:
        for raw_id, value in _progress(pairs, count):
            if prepend and isinstance(value, str):
                value = prepend + value
            yield prefix + str(raw_id), value or ""

    kwargs: dict[str, Any] = {"store": store}
    if batch_size:
        kwargs["batch_size"] = batch_size
    try:
        with _undone_on_failure(collection_obj, created):
            collection_obj.embed_multi(entries(), **kwargs)
    except UserQueryError as ex:
        raise click.ClickException(f"SQL error: {ex}") from ex
    except (ValueError, llm.ModelError, sqlite3.Error, EmbeddingsDatabaseError) as ex:
        raise click.ClickException(str(ex)) from ex


#: The largest CSV/TSV field read. The csv module's default (128 KB) refuses a long
#: document in one cell; a field is held in memory whole, so the bound stays finite.
CSV_FIELD_LIMIT = 1 << 30


def _rows_from_input(
    input_path: str, format: str | None, encodings: tuple[str, ...]
) -> tuple[Iterable[tuple[Any, str]], Callable[[], int | None]]:
    """(id, content) pairs from a CSV, TSV, JSON or JSON-lines file or standard input.

    The input is read whole once before anything is embedded (standard input, or a pipe,
    kept in a temporary file for the second reading): a malformed record, text that no
    ``--encoding`` decodes or a binary file is one error, and no collection is created.
    Each ``--encoding`` is tried in turn for the whole input (none given: UTF-8, and for
    JSON whatever UTF the data is in); the count of records feeds the progress bar."""
    import os
    import shutil
    import stat
    import tempfile

    source = input_path
    if input_path == "-" or not stat.S_ISREG(os.stat(input_path).st_mode):
        spool = tempfile.NamedTemporaryFile(prefix="llm-embed-multi-", delete=False)  # noqa: SIM115
        close_on_exit(lambda: Path(spool.name).unlink(missing_ok=True))
        with spool:
            if input_path == "-":
                shutil.copyfileobj(sys.stdin.buffer, spool)
            else:
                with open(input_path, "rb") as fp:
                    shutil.copyfileobj(fp, spool)
        source = spool.name
    name = "standard input" if input_path == "-" else input_path

    def records(encoding: str | None) -> Iterator[dict[str, Any]]:
        with open(source, "rb") as fp:
            for row in read_records(fp, format, encoding):
                if not isinstance(row, dict):
                    raise click.ClickException(
                        f"Cannot read {name}: each record must be a JSON object"
                    )
                yield row

    def pairs(encoding: str | None) -> Iterator[tuple[Any, str]]:
        for row in records(encoding):
            values = list(row.values())
            if values:
                yield values[0], " ".join(_text(v) for v in values[1:])

    def checked(encoding: str | None) -> int:
        try:
            return sum(1 for row in records(encoding) if row)
        except json.JSONDecodeError as ex:
            raise click.ClickException(f"Cannot read {name}: invalid JSON: {ex}") from ex
        except UnicodeError:
            raise
        except (ValueError, csv_error()) as ex:
            raise click.ClickException(f"Cannot read {name}: {ex}") from ex
        except MemoryError:
            raise click.ClickException(f"Cannot read {name}: out of memory") from None

    chosen: tuple[str | None, ...] = encodings or (None,)
    for encoding in chosen:
        try:
            total = checked(encoding)
            break
        except UnicodeError as ex:
            failure = ex
    else:
        tried = ", ".join(encodings) if encodings else "UTF-8"
        raise click.ClickException(
            f"Cannot read {name}: not text in {tried} ({failure}); "
            "use --encoding, or --files with --binary for binary data"
        )
    return pairs(encoding), lambda: total


def csv_error() -> type[Exception]:
    import csv

    return csv.Error


def read_records(fp: Any, format: str | None, encoding: str | None = None) -> Iterator[Any]:
    """Records from a binary stream: ``json`` (a list of objects, or one object), ``nl`` (one
    JSON object per line), ``csv`` or ``tsv`` (a header row, then rows as dicts). With no
    format: JSON if the data starts with ``[`` or ``{``, else TSV if the first line has a tab,
    else CSV - the original's auto-detection (which cannot tell newline-delimited JSON).
    ``encoding``: the text's encoding (None: UTF-8 with or without a byte-order mark, and for
    JSON any UTF)."""
    import csv
    import io

    if format is None:
        head = fp.peek(4096)[:4096].decode(encoding or "utf-8", errors="ignore")
        head = head.lstrip("\ufeff \t\r\n")
        if head[:1] in ("[", "{"):
            format = "json"
        else:
            format = "tsv" if "\t" in head.split("\n", 1)[0] else "csv"
    text: Any = fp if format in ("json", "nl") and encoding is None else None
    if text is None:
        text = io.TextIOWrapper(fp, encoding=encoding or "utf-8-sig", newline="")
    if format == "json":
        data = json.load(text)
        yield from [data] if isinstance(data, dict) else data
        return
    if format == "nl":
        for number, line in enumerate(text, 1):
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as ex:
                    raise ValueError(f"invalid JSON on line {number}: {ex.msg}") from None
                yield record
        return
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.DictReader(text, delimiter="\t" if format == "tsv" else ",")
    for record in reader:
        if None in record:
            raise ValueError(f"line {reader.line_num} has more fields than the header")
        yield record
