#!/usr/bin/env python3
"""Rendering a streamed answer as Markdown against printing it raw.

    uv run python benchmarks/render.py [--runs 5]

Two figures for answers of 5 KB, 50 KB and 500 KB (a typical answer's mix of headings,
paragraphs, lists and code blocks, repeated):

- in this process: the CPU time of writing the answer in 16-character chunks (a token or
  so each) through ``RawOutput`` and through ``MarkdownOutput`` (to a file, 80x24), the
  renderer's imports excluded; the ratio and the cost per KB show the growth is linear;
- whole processes: the CPU time (user + system, ``os.wait4``) of
  ``llm -m echo --no-render`` and ``llm -m echo --render`` answering with the same text
  (fed on stdin, not logged), so start-up and rich's import are counted.

Medians over ``--runs`` runs; the two sides take turns.
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

SECTION = """## Section {n}

The answer explains the idea in a paragraph of ordinary prose, with some **bold** words,
an *aside*, a bit of `inline code` and a [link](https://example.com/{n}). It goes on for
a few sentences, as answers do, so that wrapping has some work to do on an 80 column
terminal and the paragraph is not trivially short.

- a first point, with `code`
- a second point that is long enough to wrap onto a second line on a narrow terminal
- a third point

```python
def example_{n}(values: list[int]) -> int:
    total = 0
    for value in values:
        total += value * {n}
    return total
```

A closing paragraph that sums up the section in two sentences. Nothing more to add.

"""


def answer(size: int) -> str:
    text, n = "", 0
    while len(text) < size:
        text += SECTION.format(n=n)
        n += 1
    return text[:size]


def in_process(text: str, rendered: bool) -> float:
    from llm_cli.render_markdown import MarkdownOutput
    from llm_cli.render_output import RawOutput

    with open(os.devnull, "w") as sink:
        output = (
            MarkdownOutput(sink, width=80, height=24, color_system="256")
            if rendered
            else RawOutput(sink)
        )
        start = time.process_time()
        for i in range(0, len(text), 16):
            output.write(text[i : i + 16])
        output.finish()
        return time.process_time() - start


def process_cpu(llm: str, text: str, flag: str, user_dir: str) -> float:
    env = {**os.environ, "LLM_USER_PATH": user_dir, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    with tempfile.TemporaryFile() as stdin, open(os.devnull, "w") as sink:
        stdin.write(json.dumps({"raw": text}).encode())
        stdin.seek(0)
        process = subprocess.Popen(
            [llm, "-m", "echo", "-n", flag], stdin=stdin, stdout=sink, env=env
        )
        _, status, usage = os.wait4(process.pid, 0)
        assert status == 0
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    llm = shutil.which("llm", path=os.path.dirname(sys.executable)) or "llm"
    user_dir = tempfile.mkdtemp()
    process_cpu(llm, "warm up", "--render", user_dir)

    print(
        "| answer | raw (in process) | rendered (in process) | ms per KB rendered |"
        " `llm --no-render` CPU | `llm --render` CPU | process ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    for size in (5_000, 50_000, 500_000):
        text = answer(size)
        raw, rendered, raw_p, rendered_p = [], [], [], []
        for run in range(args.runs):
            sides = [False, True] if run % 2 == 0 else [True, False]
            for side in sides:
                (rendered if side else raw).append(in_process(text, side))
                flag = "--render" if side else "--no-render"
                (rendered_p if side else raw_p).append(process_cpu(llm, text, flag, user_dir))
        r, m = statistics.median(raw), statistics.median(rendered)
        rp, mp = statistics.median(raw_p), statistics.median(rendered_p)
        print(
            f"| {size // 1000} KB | {r * 1000:.1f} ms | {m * 1000:.0f} ms"
            f" | {m * 1000 / (size / 1000):.2f} | {rp * 1000:.0f} ms | {mp * 1000:.0f} ms"
            f" | {mp / rp:.2f}x |"
        )
    shutil.rmtree(user_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
