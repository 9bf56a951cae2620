#!/usr/bin/env python3
"""Per-prompt cost of logging to PostgreSQL against logging to SQLite.

    uv run python benchmarks/postgres_overhead.py [--runs 15] \
        [--url postgresql://postgres@127.0.0.1:5432/test]

Runs the whole ``llm -m echo hi`` process, logged, ``--runs`` times against a SQLite
``logs.db`` and against a fresh schema on the PostgreSQL server at ``--url``, after two
warm-up runs each (the first creates the schema). Bytecode is cached (PYTHONDONTWRITEBYTECODE
is unset, as for a user). Prints the median wall-clock and CPU (user + system, from
``os.wait4``) seconds per prompt and the PostgreSQL/SQLite ratio. Needs the workspace's
``llm`` (``uv sync``) and a server that accepts the URL; standard library plus psycopg.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_once(llm: str, env: dict[str, str]) -> tuple[float, float]:
    start = time.perf_counter()
    process = subprocess.Popen(
        [llm, "-m", "echo", "hi"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read() if process.stderr else b""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"llm failed: {stderr.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def measure(llm: str, env: dict[str, str], runs: int) -> tuple[float, float]:
    for _ in range(2):
        _run_once(llm, env)
    walls, cpus = zip(*(_run_once(llm, env) for _ in range(runs)), strict=True)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    import psycopg

    llm = shutil.which("llm", path=str(Path(sys.executable).parent)) or shutil.which("llm")
    if not llm:
        raise SystemExit("no llm executable: run `uv sync` and `uv run python ...`")
    schema = f"llm_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in args.url else "?"
    pg_url = f"{args.url}{separator}options=-csearch_path%3D{schema}"
    try:
        with tempfile.TemporaryDirectory() as user_dir:
            base = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
            base.pop("PYTHONDONTWRITEBYTECODE", None)
            base["LLM_USER_PATH"] = user_dir
            sqlite_wall, sqlite_cpu = measure(llm, base, args.runs)
            pg_wall, pg_cpu = measure(llm, {**base, "LLM_DATABASE_URL": pg_url}, args.runs)
    finally:
        with psycopg.connect(args.url, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    print(f"`llm -m echo hi`, logged; median of {args.runs} runs\n")
    print("| backend | wall s | CPU s |")
    print("|---|---|---|")
    print(f"| SQLite | {sqlite_wall:.3f} | {sqlite_cpu:.3f} |")
    print(f"| PostgreSQL | {pg_wall:.3f} | {pg_cpu:.3f} |")
    print(f"| ratio | {pg_wall / sqlite_wall:.2f}x | {pg_cpu / sqlite_cpu:.2f}x |")


if __name__ == "__main__":
    main()
