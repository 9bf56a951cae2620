"""``check_writable``: what would stop a response being logged is found before a model runs.

Every kind of store ``open_for_logging`` returns is checked against a real read-only file, a
real lock held by another connection and a real full disk (a small tmpfs, where the test may
mount one), and on PostgreSQL against a real read-only session.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from storage_fakes import make_response

from llm_storage import LogStore, StoreError, open_for_logging, open_store
from llm_storage._translate import describe
from llm_storage.pg_writer import PostgresLogWriter
from llm_storage.sqlite_writer import SqliteLogWriter


def _set_read_only(path: Path, read_only: bool) -> None:
    """Root ignores permission bits: as root the file is made immutable instead."""
    if os.geteuid() == 0:
        flag = "+i" if read_only else "-i"
        subprocess.run(["chattr", flag, str(path)], check=True, capture_output=True)
    else:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) if read_only else 0o644)


@pytest.fixture(params=["LogStore", "sqlite3 writer"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _opened(path: Path, kind: str, timeout: float = 10.0) -> object:
    if kind == "LogStore":
        store = open_store(path, timeout=timeout)
        assert isinstance(store, LogStore)
        return store
    writer = open_for_logging(path, timeout=timeout)
    assert isinstance(writer, SqliteLogWriter)
    return writer


def test_a_writable_database_passes_and_is_unchanged(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "logs.db"
    open_store(path).close()
    target = _opened(path, kind)
    target.check_writable()  # type: ignore[attr-defined]
    target.log_response(make_response("after the check"))  # type: ignore[attr-defined]
    target.close()  # type: ignore[attr-defined]
    with sqlite3.connect(path) as db:
        assert db.execute("select prompt from responses").fetchall() == [("after the check",)]


def test_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    open_store(path).close()
    _set_read_only(path, True)
    try:
        target = open_for_logging(path)
        with pytest.raises(StoreError, match="read-only"):
            target.check_writable()
        target.close()
    finally:
        _set_read_only(path, False)


def test_lock_held_past_the_wait(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "logs.db"
    open_store(path).close()
    target = _opened(path, kind, timeout=0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match=r"locked by another process \(gave up after 0.2 s\)"):
            target.check_writable()  # type: ignore[attr-defined]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    target.check_writable()  # type: ignore[attr-defined]  # released: fine again
    target.close()  # type: ignore[attr-defined]


def test_database_full_is_said_to_be_full(tmp_path: Path) -> None:
    """SQLite's own "database or disk is full" (here: a page limit) reads as a full disk."""
    db = sqlite3.connect(tmp_path / "small.db", isolation_level=None)
    db.execute("CREATE TABLE t (x)")
    db.execute("PRAGMA max_page_count = 3")
    with pytest.raises(sqlite3.OperationalError) as raised:
        db.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    db.close()
    assert "the disk is full" in describe(raised.value, "small.db", 10)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, where this process may mount one (root in a container, CI)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small file system here (needs root)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def _fill(directory: Path) -> None:
    filler = open(directory / "filler", "wb")  # noqa: SIM115  (closing it fails too)
    try:
        while True:
            filler.write(b"\0" * 4096)
            filler.flush()
    except OSError:
        pass
    try:
        filler.close()
    except OSError:
        pass


def test_full_disk_found_before_and_named_when_writing(small_disk: Path, kind: str) -> None:
    path = small_disk / "logs.db"
    open_store(path).close()
    target = _opened(path, kind)
    target.check_writable()  # type: ignore[attr-defined]
    _fill(small_disk)
    with pytest.raises(StoreError, match="the disk is full"):
        target.check_writable()  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match="the disk is full"):
        target.log_response(make_response("x" * 200_000))  # type: ignore[attr-defined]
    target.close()  # type: ignore[attr-defined]
    (small_disk / "filler").unlink()
    with open_store(path) as store:
        assert store.count_responses() == 0
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def _connections_named(info: str, name: str) -> int:
    import psycopg

    with psycopg.connect(info) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name]
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.postgres
def test_postgres_writer_holds_no_connection_between_writes(pg_url: str) -> None:
    from llm_storage.pg_connection import conninfo

    name = "llm_check_writable_" + os.urandom(4).hex()
    url = f"{pg_url}&application_name={name}"
    open_store(url).close()
    writer = open_for_logging(url)
    assert isinstance(writer, PostgresLogWriter)
    writer.check_writable()
    info = conninfo(pg_url)
    assert info is not None
    assert _connections_named(info, name) == 0
    writer.log_response(make_response("through psycopg"))
    assert _connections_named(info, name) == 0
    with open_store(url) as store:
        assert [r["prompt"] for r in store.list_responses()] == ["through psycopg"]
        store.check_writable()
        assert _connections_named(info, name) == 0  # the engine pools nothing
    writer.close()


@pytest.mark.postgres
def test_postgres_read_only_session_is_refused(pg_url: str) -> None:
    from sqlalchemy import make_url

    open_store(pg_url).close()
    url = make_url(pg_url)
    options = f"{url.query['options']} -cdefault_transaction_read_only=on"
    read_only = url.update_query_dict({"options": options}).render_as_string(False)
    with pytest.raises(StoreError, match="only allows reading"):
        open_for_logging(read_only)
    with open_store(read_only, migrate=False) as store, pytest.raises(StoreError, match="reading"):
        store.check_writable()
