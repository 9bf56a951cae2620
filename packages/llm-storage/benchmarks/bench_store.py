"""Log store benchmarks (SQLite). Run: uv run python packages/llm-storage/benchmarks/bench_store.py

Targets: log one response < 5 ms; create the schema in a new database < 300 ms;
list_responses(limit=10) on 100,000 responses < 100 ms; plus a full-text query on it.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from storage_fakes import FakeFragment, make_response

from llm_storage import open_store

WORDS = (
    "pelican",
    "walrus",
    "cat",
    "dog",
    "python",
    "sqlite",
    "database",
    "model",
    "prompt",
    "response",
    "tool",
    "fragment",
    "schema",
    "weather",
    "ocean",
    "river",
    "mountain",
    "forest",
    "coffee",
    "tea",
    "bread",
    "cheese",
    "music",
    "guitar",
)


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float], target: float | None = None) -> None:
    median = statistics.median(samples)
    verdict = "" if target is None else (" OK" if median < target else f" OVER {target} ms")
    stats = f"median {median:8.2f} ms  (min {min(samples):.2f}, n={len(samples)})"
    print(f"{name:<48} {stats}{verdict}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        open_store(directory / "warmup.db").close()  # imports (incl. Alembic) out of the way

        counter = iter(range(1000))
        report(
            "create schema in a new empty database",
            timed(lambda: open_store(directory / f"new-{next(counter)}.db").close(), 10),
            300,
        )

        store = open_store(directory / "logs.db")
        report(
            "log one response (plain)",
            timed(lambda: store.log_response(make_response("hello there", "general kenobi")), 200),
            5,
        )
        report(
            "log one response (2 fragments, schema)",
            timed(
                lambda: store.log_response(
                    make_response(
                        "hi",
                        "yo",
                        fragments=[FakeFragment("frag a", "a.txt"), "frag b"],
                        schema={"type": "object"},
                    )
                ),
                200,
            ),
            5,
        )

        rng = random.Random(1)
        rows = []
        total = 100_000 - store.count_responses()
        for i in range(total):
            prompt = " ".join(rng.choices(WORDS, k=12))
            response = " ".join(rng.choices(WORDS, k=40))
            rows.append((f"01bench{i:019d}", "bench-model", prompt, response, "c1"))
        start = time.perf_counter()
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO responses (id, model, prompt, response, conversation_id) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        print(
            f"(filled to {store.count_responses():,} responses in "
            f"{time.perf_counter() - start:.1f} s)"
        )

        report("list_responses(limit=10) on 100k", timed(lambda: store.list_responses(10), 20), 100)
        report(
            "list_responses(limit=10, model=...) on 100k",
            timed(lambda: store.list_responses(10, model="bench-model"), 20),
        )
        report(
            "full-text query 'pelican walrus' limit=10, 100k",
            timed(lambda: store.list_responses(10, query="pelican walrus"), 10),
        )
        report(
            "full-text query rare term limit=10, 100k",
            timed(lambda: store.list_responses(10, query="kenobi"), 10),
        )
        store.close()


if __name__ == "__main__":
    main()
