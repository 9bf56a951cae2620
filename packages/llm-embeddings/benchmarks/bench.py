"""Benchmarks for llm-embeddings, through the real ``llm`` executable (public tools only).

    uv run python packages/llm-embeddings/benchmarks/bench.py            # both benchmarks
    uv run python packages/llm-embeddings/benchmarks/bench.py similar --rows 100000
    uv run python packages/llm-embeddings/benchmarks/bench.py embed-multi --rows 100000
    ... --llm /path/to/another/llm    # compare another installation (e.g. the original)

``embed-multi`` embeds short texts with the offline ``hash-384`` model (llm-embed-hash) in
chunks of 10,000 rows into one collection, printing the rate of each chunk: it should stay
flat as the collection grows. ``similar`` stores random 384-dimension vectors directly and
times whole ``llm similar -n 10`` processes (the first run also writes the vector cache),
with the peak memory of the slowest run. Times are wall-clock: note the machine's load.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
    "red",
    "green",
    "blue",
    "cyan",
    "magenta",
    "yellow",
    "black",
    "white",
]


def _env(user_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env["LLM_USER_PATH"] = str(user_dir)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def bench_embed_multi(llm: str, rows: int, chunk: int, work: Path) -> None:
    rng = random.Random(0)
    db = work / "embed.db"
    env = _env(work)
    total_rows = 0
    total_time = 0.0
    total_cpu = 0.0
    print(f"embed-multi: {rows:,} short texts, hash-384, chunks of {chunk:,}")
    for start in range(0, rows, chunk):
        source = work / "chunk.csv"
        with source.open("w") as f:
            f.write("id,text\n")
            for i in range(start, min(start + chunk, rows)):
                f.write(f"{i},{' '.join(rng.choices(WORDS, k=6))}\n")
        n = min(chunk, rows - start)
        began = time.perf_counter()
        cpu_before = _cpu()
        subprocess.run(
            [llm, "embed-multi", "bench", str(source), "-m", "hash-384", "-d", str(db)],
            check=True,
            env=env,
        )
        took = time.perf_counter() - began
        used = _cpu() - cpu_before
        total_rows += n
        total_time += took
        total_cpu += used
        print(
            f"  rows {start:>8,}-{start + n:>8,}: {n / took:>9,.0f} rows/s wall, "
            f"{n / used:>9,.0f} rows/CPU-s"
        )
    print(
        f"  overall: {total_rows / total_time:,.0f} rows/s wall, "
        f"{total_rows / total_cpu:,.0f} rows per CPU second"
    )


def _fill(llm: str, db: Path, rows: int, dimensions: int, env: dict[str, str]) -> None:
    """Create the collection with ``llm embed`` (so the schema is llm's own), then bulk-insert
    random vectors with plain sqlite3, much faster than embedding them."""
    subprocess.run(
        [llm, "embed", "bench", "seed", "-m", "hash-384", "-c", "seed", "-d", str(db)],
        check=True,
        env=env,
    )
    rng = random.Random(1)
    conn = sqlite3.connect(db)
    (collection_id,) = conn.execute("SELECT id FROM collections WHERE name = 'bench'").fetchone()
    pack = struct.Struct(f"<{dimensions}f").pack
    with conn:
        conn.executemany(
            "INSERT INTO embeddings (collection_id, id, embedding, content_hash, updated) "
            "VALUES (?, ?, ?, ?, 0)",
            (
                (
                    collection_id,
                    str(i),
                    pack(*(rng.gauss(0, 1) for _ in range(dimensions))),
                    str(i).encode(),
                )
                for i in range(rows - 1)
            ),
        )
    conn.close()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_similar(llm: str, rows: int, runs: int, work: Path) -> None:
    db = work / "similar.db"
    print(f"similar: {rows:,} stored 384-dimension vectors, whole `llm similar ID -n 10` runs")
    env = _env(work)
    _fill(llm, db, rows, 384, env)
    times = []
    cpu = []
    for _ in range(runs):
        began = time.perf_counter()
        cpu_before = _cpu()
        subprocess.run(
            # By id: no model is needed, so any installation (the original too) can run it.
            [llm, "similar", "bench", "12345", "-n", "10", "-d", str(db)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - began)
        cpu.append(_cpu() - cpu_before)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  first run: {times[0]:.3f} s (reads the blobs, writes the cache where supported)")
    later = times[1:] or times
    later_cpu = cpu[1:] or cpu
    print(f"  later runs: min {min(later):.3f} s, median {statistics.median(later):.3f} s")
    print(f"  CPU time (user+sys) per later run: min {min(later_cpu):.3f} s")
    print(f"  peak memory of any run: {peak:.0f} MB")
    began = time.perf_counter()
    cpu_before = _cpu()
    subprocess.run([llm, "--version"], check=True, env=env, stdout=subprocess.DEVNULL)
    print(
        f"  for scale, `llm --version`: {time.perf_counter() - began:.3f} s, "
        f"{_cpu() - cpu_before:.3f} CPU s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "which", nargs="?", choices=["embed-multi", "similar", "all"], default="all"
    )
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--llm", default=shutil.which("llm", path=str(Path(sys.executable).parent)))
    args = parser.parse_args()
    print(f"llm: {args.llm}; load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.which in ("embed-multi", "all"):
            bench_embed_multi(args.llm, args.rows or 20_000, args.chunk, work)
        if args.which in ("similar", "all"):
            bench_similar(args.llm, args.rows or 100_000, args.runs, work)


if __name__ == "__main__":
    main()
