#!/usr/bin/env python3
"""Peak memory of a logged 50 MB prompt, against a reference ``llm``, in one run.

    uv run python benchmarks/big_prompt_memory.py [--reference /path/to/other/bin/llm] \
        [--megabytes 50] [--runs 3]

Feeds ``--megabytes`` MB of ASCII words on standard input to ``llm -m tiny`` (a plugin that
answers with the prompt's length, so what is measured is ``llm`` itself: reading, decoding
and logging), three ways: not logged, logged to a new ``logs.db`` and logged to an existing
one. Each is the median, over ``--runs``, of the process's peak resident set (``os.wait4``,
what ``/usr/bin/time -v`` calls "Maximum resident set size"), forked from a small process so
that this one's size does not count. Prints a Markdown table: MB and multiple of the prompt.
Standard library only.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TINY_PLUGIN = """
import llm


class Tiny(llm.Model):
    model_id = "tiny"
    can_stream = True

    def execute(self, prompt, stream, response, conversation=None):
        yield f"got {len(prompt.prompt or '')} characters"


@llm.hookimpl
def register_models(register):
    register(Tiny())
"""

FORK_AND_MEASURE = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss * 1024, file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _plugin_site(root: Path) -> Path:
    site = root / "site"
    info = site / "llm_tiny-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-tiny\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[llm]\ntiny = llm_tiny\n")
    (site / "llm_tiny.py").write_text(TINY_PLUGIN)
    return site


def _input(root: Path, size: int) -> Path:
    rng = random.Random(14)
    words = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(5000)
    ]
    block = " ".join(rng.choices(words, k=200_000)).encode() + b"\n"
    path = root / "input.txt"
    path.write_bytes((block * (size // len(block) + 1))[:size])
    return path


def _peak(llm: str, args: list[str], stdin: Path, env: dict[str, str]) -> int:
    with stdin.open("rb") as source:
        result = subprocess.run(
            [sys.executable, "-c", FORK_AND_MEASURE, llm, *args],
            stdin=source,
            capture_output=True,
            env=env,
            timeout=900,
        )
    lines = result.stderr.decode(errors="replace").strip().splitlines()
    if result.returncode != 0:
        raise SystemExit(f"{llm} {' '.join(args)} failed: {' / '.join(lines[-3:])}")
    return int(lines[-1])


def measure(llm: str, site: Path, prompt: Path, runs: int) -> dict[str, int]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    base["PYTHONPATH"] = str(site)
    peaks: dict[str, list[int]] = {"not logged": [], "new logs.db": [], "existing logs.db": []}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as user_dir:
            env = {**base, "LLM_USER_PATH": user_dir}
            peaks["not logged"].append(_peak(llm, ["-m", "tiny", "--no-log"], prompt, env))
            peaks["new logs.db"].append(_peak(llm, ["-m", "tiny"], prompt, env))
            peaks["existing logs.db"].append(_peak(llm, ["-m", "tiny"], prompt, env))
    return {name: int(statistics.median(values)) for name, values in peaks.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", help="another llm executable to measure beside ours")
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ours = shutil.which("llm", path=str(Path(sys.executable).parent))
    if not ours:
        raise SystemExit("no llm executable: run `uv sync` and `uv run python ...`")
    size = args.megabytes * 1_000_000
    with tempfile.TemporaryDirectory() as root:
        site, prompt = _plugin_site(Path(root)), _input(Path(root), size)
        columns = {"this checkout": measure(ours, site, prompt, args.runs)}
        if args.reference:
            columns["reference"] = measure(args.reference, site, prompt, args.runs)
    print(f"Peak RSS of `llm -m tiny` with a {args.megabytes} MB prompt on stdin;")
    print(f"median of {args.runs} runs (MB, and multiple of the prompt's size)\n")
    print("| case | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for case in next(iter(columns.values())):
        cells = [f"{c[case] / 1e6:.0f} MB ({c[case] / size:.1f}x)" for c in columns.values()]
        print(f"| {case} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
