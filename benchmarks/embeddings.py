#!/usr/bin/env python3
"""Embeddings benchmark: ``llm similar`` and ``llm embed-multi``, this workspace against an
installed reference ``llm``, whole processes, side by side in one run.

    python benchmarks/embeddings.py --reference /tmp/llm-original [--rows 100000] [--runs 7]

Both sides get the same throwaway embedding-model plugin (``bench-384``: a deterministic
pseudo-random unit vector per text, cheap enough that the tool's own work dominates), built
here and installed into bytecode-compiled venvs made as ``benchmarks/startup.py`` makes them.

Measured, for each side:

- ``llm similar bench -c QUERY -n 10`` over ``--rows`` stored 384-dimension vectors (a
  collection made by our ``embed-multi``, copied for each side): median wall-clock time and
  peak RSS, after two warm-up runs, the sides taking turns run by run;
- ``llm embed-multi`` of ``--multi-rows`` short texts from a CSV file into a new database,
  and of ``--rows`` texts: rows per second (one run each; the second shows whether the rate
  stays flat as the collection grows).

Needs only the standard library, ``uv`` and network access to PyPI (for the reference's
dependencies and the plugin's build backend).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import ROOT, make_venv, measure, pinned_all, sh

PLUGIN_SOURCE = """
import random
import zlib

import llm


class BenchEmbedding(llm.EmbeddingModel):
    model_id = "bench-384"
    batch_size = 1000

    def embed_batch(self, items):
        for item in items:
            data = item if isinstance(item, bytes) else item.encode("utf-8")
            rng = random.Random(zlib.crc32(data))
            vector = [rng.random() - 0.5 for _ in range(384)]
            norm = sum(x * x for x in vector) ** 0.5
            yield [x / norm for x in vector]


@llm.hookimpl
def register_embedding_models(register):
    register(BenchEmbedding())
"""

PLUGIN_PROJECT = """
[project]
name = "llm-bench-embed"
version = "1.0"
dependencies = ["llm"]

[project.entry-points.llm]
bench_embed = "llm_bench_embed"

[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[tool.setuptools]
py-modules = ["llm_bench_embed"]
"""

WORDS = ["pelican", "walrus", "otter", "heron", "badger", "marmot", "ibis", "lynx"]


def write_plugin(work: Path) -> Path:
    source = work / "llm-bench-embed"
    source.mkdir(parents=True, exist_ok=True)
    (source / "pyproject.toml").write_text(PLUGIN_PROJECT)
    (source / "llm_bench_embed.py").write_text(PLUGIN_SOURCE)
    return source


def write_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "content"])
        for i in range(rows):
            words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(i % 5 + 3))
            writer.writerow([f"item-{i}", f"{words} number {i}"])
    return path


def embed_multi_rate(llm: Path, env: dict[str, str], data: Path, database: Path) -> float:
    database.unlink(missing_ok=True)
    rows = sum(1 for _ in data.open()) - 1
    start = time.perf_counter()
    sh(llm, "embed-multi", "bench", data, "-m", "bench-384", "-d", database, env=env,
       capture_output=True)  # fmt: skip
    return rows / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, help="a venv with the reference llm")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--multi-rows", type=int, default=20_000)
    parser.add_argument("--workdir", type=Path, help="keep venvs here (default: a temp dir)")
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="llm-embed-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    plugin = write_plugin(work)
    wheels = work / "wheels"
    if not wheels.exists():
        sh("uv", "build", "-q", "--all-packages", "--wheel", "-o", wheels, cwd=ROOT)

    venvs: dict[str, Path] = {}
    if args.reference:
        frozen = [p for p in pinned_all(args.reference) if not p.startswith("llm-echo==")]
        venvs["reference"] = work / "embed-ref"
        if not venvs["reference"].exists():
            make_venv(venvs["reference"], [*frozen, str(plugin)])
    venvs["ours"] = work / "embed-ours"
    if not venvs["ours"].exists():
        make_venv(venvs["ours"], ["llm", str(plugin)], wheels)

    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    small = write_csv(work / f"texts-{args.multi_rows}.csv", args.multi_rows)
    big = write_csv(work / f"texts-{args.rows}.csv", args.rows)

    # One collection, made once by our embed-multi, read by both sides.
    shared = work / f"embeddings-{args.rows}.db"
    if not shared.exists():
        embed_multi_rate(venvs["ours"] / "bin" / "llm", env, big, shared)

    commands: dict[str, tuple[list[str], dict[str, str]]] = {}
    for side, venv in venvs.items():
        database = work / f"similar-{side}.db"
        shutil.copy(shared, database)
        query = ["similar", "bench", "-c", "otter heron", "-n", "10", "-d", str(database)]
        side_env = dict(env, LLM_USER_PATH=str(work / f"user-{side}"))
        commands[side] = ([str(venv / "bin" / "llm"), *query], side_env)
    similar = measure(commands, args.runs)  # the sides take turns, run by run

    results: dict[str, dict[str, str]] = {}
    for side, (command, side_env) in commands.items():
        llm = Path(command[0])
        small_rate = embed_multi_rate(llm, side_env, small, work / f"multi-{side}.db")
        big_rate = embed_multi_rate(llm, side_env, big, work / f"multi-{side}.db")
        seconds, peak = similar[side]
        results[side] = {
            "similar": f"{seconds * 1000:.0f} ms",
            "similar peak": f"{peak:.0f} MiB",
            "small": f"{small_rate:,.0f} rows/s",
            "big": f"{big_rate:,.0f} rows/s",
        }
        print(f"{side:9} {results[side]}", file=sys.stderr)

    labels = {
        "similar": f"`llm similar -n 10`, {args.rows:,} vectors of 384",
        "similar peak": "peak memory, same command",
        "small": f"`llm embed-multi`, {args.multi_rows:,} short texts",
        "big": f"`llm embed-multi`, {args.rows:,} short texts",
    }
    sides = list(results)
    print(f"{args.runs} runs, medians (embed-multi: one run each).\n")
    print("| measure | " + " | ".join(sides) + " |\n|---|" + "---|" * len(sides))
    for key, label in labels.items():
        print(f"| {label} | " + " | ".join(results[s][key] for s in sides) + " |")


if __name__ == "__main__":
    main()
