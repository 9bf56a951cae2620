#!/usr/bin/env python3
"""Rendering a streamed answer as Markdown against printing it raw.

    uv run python benchmarks/render.py [--runs 5] [--baseline DIR]

Two figures for answers of 5 KB, 50 KB and 500 KB (a typical answer's mix of headings,
paragraphs, lists and code blocks, repeated):

- in this process: the CPU time of writing the answer in 16-character chunks (a token or
  so each) through ``RawOutput`` and through ``MarkdownOutput`` (to a file, 80x24), the
  renderer's imports excluded; the ratio and the cost per KB show the growth is linear;
- whole processes: the CPU time (user + system, ``os.wait4``) of
  ``llm -m echo --no-render`` and ``llm -m echo --render`` answering with the same text
  (fed on stdin, not logged), so start-up and rich's import are counted. Bytecode is
  written and used (``PYTHONDONTWRITEBYTECODE`` is dropped for the runs), as in an
  installed ``llm``: otherwise every rendered run would pay for compiling rich.

``--baseline DIR`` measures another revision's renderer in the same run, side by side:
DIR holds its ``llm_cli`` package (put first on ``PYTHONPATH``; the rest of the
workspace is shared), e.g. ``git archive REV packages/llm-cli/src | tar -x -C /tmp/base``
and ``--baseline /tmp/base/packages/llm-cli/src``.

Medians over ``--runs`` runs; the sides take turns.
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


def child(size: int, runs: int) -> None:
    """In a process of its own (the llm_cli that PYTHONPATH gives): the in-process
    figures, as JSON."""
    import llm_cli.render_markdown  # noqa: F401  (imports are not counted)

    text = answer(size)
    in_process(text, True)  # warm up: lexers and formatters made, caches filled
    times: dict[str, list[float]] = {"raw": [], "rendered": []}
    for run in range(runs):
        for side in [False, True] if run % 2 == 0 else [True, False]:
            times["rendered" if side else "raw"].append(in_process(text, side))
    print(json.dumps(times))


def in_child(size: int, runs: int, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(size), "--runs", str(runs)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {side: statistics.median(times) for side, times in json.loads(out).items()}


def process_cpu(llm: str, text: str, flag: str, env: dict[str, str]) -> float:
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
    parser.add_argument(
        "--baseline",
        help="a directory holding another revision's llm_cli package (for example"
        " `git archive REV packages/llm-cli/src | tar -x -C DIR`, then DIR/packages/llm-cli/src):"
        " its rendering is measured too, in the same run",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.runs)
        return
    llm = shutil.which("llm", path=os.path.dirname(sys.executable)) or "llm"
    user_dir = tempfile.mkdtemp()
    env = {**os.environ, "LLM_USER_PATH": user_dir, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    # Bytecode written and used, as in an installed llm: no run pays for compiling rich.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    sides = {"after": env}
    if args.baseline:
        before = os.path.abspath(args.baseline)
        assert os.path.isdir(os.path.join(before, "llm_cli")), f"no llm_cli in {before}"
        sides = {"before": {**env, "PYTHONPATH": before}, **sides}
    for side_env in sides.values():  # warm up: bytecode, the plugin cache
        process_cpu(llm, "warm up", "--render", side_env)
    process_cpu(llm, "warm up", "--no-render", env)

    names = list(sides)
    header = ["answer", "raw (in process)"]
    header += [f"rendered {n} (in process)" for n in names] + [f"ms per KB {names[-1]}"]
    header += ["`llm --no-render` CPU"] + [f"`llm --render` CPU {n}" for n in names]
    header += [f"process ratio {n}" for n in names]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for size in (5_000, 50_000, 500_000):
        text = answer(size)
        inside = {name: in_child(size, args.runs, side_env) for name, side_env in sides.items()}
        raw_p: list[float] = []
        rendered_p: dict[str, list[float]] = {name: [] for name in sides}
        for run in range(args.runs):
            order = [None, *names] if run % 2 == 0 else [*reversed(names), None]
            for name in order:
                if name is None:
                    raw_p.append(process_cpu(llm, text, "--no-render", env))
                else:
                    rendered_p[name].append(process_cpu(llm, text, "--render", sides[name]))
        raw = inside[names[-1]]["raw"]
        row = [f"{size // 1000} KB", f"{raw * 1000:.1f} ms"]
        row += [f"{inside[n]['rendered'] * 1000:.0f} ms" for n in names]
        row.append(f"{inside[names[-1]]['rendered'] * 1000 / (size / 1000):.2f}")
        rp = statistics.median(raw_p)
        mp = {n: statistics.median(rendered_p[n]) for n in names}
        row.append(f"{rp * 1000:.0f} ms")
        row += [f"{mp[n] * 1000:.0f} ms" for n in names]
        row += [f"{mp[n] / rp:.2f}x" for n in names]
        print("| " + " | ".join(row) + " |")
    shutil.rmtree(user_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
