"""Ledger benchmark: ``llm costs`` over 100,000 responses, and deleting 10,000 of them.

    uv run python benchmarks/ledger.py [--rows 100000] [--runs 5] [--workdir DIR]

Builds (once per --workdir) a logs.db of ``--rows`` echo responses written by our own
writer, spread over 100 days, with a prices file that prices them all. Then, each side by
side with a reference run in the same loop:

- ``llm costs`` and ``llm costs --by model`` (every response already priced) against the
  same aggregate run by ``python -c`` with ``sqlite3`` (the floor: an interpreter and the
  query, no llm);
- ``llm logs rm --older-than 90d --yes`` (10% of the rows, with their full-text entries,
  secure delete on) on a fresh copy each run, against a bare ``DELETE`` of the same rows
  through ``sqlite3`` (triggers keep the full-text index, no secure delete, no children).

Targets (issue 30): deleting 10,000 of 100,000 under 2 s; ``llm costs`` under 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LLM = Path(sys.executable).with_name("llm")


def generate(path: Path, rows: int) -> None:
    script = f"""
import llm, llm_storage
store = llm_storage.open_for_logging({str(path)!r})
if not hasattr(store, "_conn"):
    store = llm_storage.open_for_logging({str(path)!r})
store._conn.execute("PRAGMA synchronous=OFF")
model = llm.get_model("echo")
words = ["pelican", "walrus", "otter", "heron", "badger"]
for i in range({rows}):
    response = model.prompt(f"prompt {{i}} about a {{words[i % 5]}} number {{i % 97}}")
    response.text()
    store.log_response(response)
store._conn.execute(
    "UPDATE responses SET datetime_utc = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now',"
    " '-' || (rowid % 100) || ' days', '-1 hours')"
)
store.close()
"""
    subprocess.run([sys.executable, "-c", script], check=True)


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of the process) of one run: on a shared, loaded
    machine the CPU time is the figure that does not depend on the neighbours."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    errors = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{errors.decode(errors='replace')}")
    return elapsed, usage.ru_utime + usage.ru_stime


COSTS_SQL = (
    "SELECT COUNT(*), SUM(r.input_tokens), SUM(r.output_tokens), SUM(rc.cost_usd),"
    " SUM(CASE WHEN rc.cost_usd IS NULL THEN 1 ELSE 0 END)"
    " FROM responses r LEFT JOIN response_costs rc ON rc.response_id = r.id"
)
DELETE_SQL = (
    "DELETE FROM responses WHERE datetime_utc <"
    " strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '-90 days')"
)


def sqlite_command(db: Path, sql: str) -> list[str]:
    script = (
        f"import sqlite3; c = sqlite3.connect({str(db)!r}, isolation_level=None);"
        f" c.execute('BEGIN'); print(c.execute({sql!r}).fetchall()); c.execute('COMMIT')"
    )
    return [sys.executable, "-c", script]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="llm-ledger-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    user = workdir / "user"
    user.mkdir(exist_ok=True)
    (user / "prices.json").write_text(json.dumps({"echo": {"input": 2.5, "output": 10}}))
    db = workdir / f"logs-{args.rows}.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env["LLM_USER_PATH"] = str(user)
    if not db.exists():
        print(f"generating {args.rows:,} responses in {db} ...", flush=True)
        generate(db, args.rows)
        wall, cpu = timed([str(LLM), "costs", "-d", str(db)], env)
        print(f"first llm costs, pricing all {args.rows:,} responses: {wall:.2f} s ({cpu:.2f} CPU)")

    costs = {
        "llm costs": [str(LLM), "costs", "-d", str(db)],
        "llm costs --by model": [str(LLM), "costs", "--by", "model", "-d", str(db)],
        "reference: python + sqlite3 aggregate": sqlite_command(db, COSTS_SQL),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in costs}
    for run in range(args.runs + 1):
        for name, cmd in costs.items():
            elapsed = timed(cmd, env)
            if run:  # the first round warms the page cache
                times[name].append(elapsed)

    deleting: dict[str, list[tuple[float, float]]] = {
        "llm logs rm --older-than 90d --yes": [],
        "reference: python + sqlite3 bare DELETE": [],
    }
    copy = workdir / "copy.db"
    for _ in range(args.runs):
        for name in deleting:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(db, copy)
            if name.startswith("llm"):
                cmd = [str(LLM), "logs", "rm", "--older-than", "90d", "--yes", "-d", str(copy)]
            else:
                cmd = sqlite_command(copy, DELETE_SQL)
            deleting[name].append(timed(cmd, env))
    gone = subprocess.run(
        sqlite_command(copy, "SELECT COUNT(*) FROM responses"), capture_output=True, text=True
    ).stdout.strip()

    print(f"\n{args.rows:,} responses; median of {args.runs} runs, seconds: wall-clock, CPU")
    for name, values in {**times, **deleting}.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        print(f"  {name:45} {wall:6.3f}  {cpu:6.3f}")
    print(f"  (responses left after the last deletion: {gone})")


if __name__ == "__main__":
    main()
