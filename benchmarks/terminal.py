#!/usr/bin/env python3
"""How soon ``llm chat`` takes input, and what one shell completion costs.

    python benchmarks/terminal.py [--runs 15] [--workdir DIR] [--venv VENV]

Builds this workspace's wheels into a venv with the eight plugins of issue 15 (the
versions pinned in ``tests-integration/plugin_venv.py``, installed offline from its wheel
cache, ``$LLM_TEST_PLUGIN_CACHE`` or ``~/.cache/llm-test-plugins``, which is filled from
PyPI the first time), as ``tests-integration/test_pypi_plugins.py`` makes its venv
(``--workdir`` keeps and reuses it; ``--venv`` uses an existing one instead), then
measures, run by run in turns:

- ``llm --version``: the reference;
- ``llm chat -m echo`` on a pseudo-terminal until its prompt reads keys (it switches on
  bracketed paste), then Ctrl-D;
- ``llm -m <Tab>`` as bash asks it (``_LLM_COMPLETE=bash_complete``).

Medians of wall-clock and CPU time (the CPU time a loaded machine does not inflate: for
the chat, what the process used until its prompt was ready, from ``/proc``), and the
plugins a completion and a chat import (none should be).
Needs only the standard library and ``uv``.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests-integration"))
import plugin_venv
from startup import PLUGINS


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall-clock and CPU time (user + system, ``os.wait4``) of a process; its output."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        assert status == 0, args
        out.seek(0)
        return elapsed, usage.ru_utime + usage.ru_stime, out.read().decode()


def version(llm: Path, env: dict[str, str]) -> tuple[float, float]:
    wall, cpu, _ = _run([str(llm), "--version"], env)
    return wall, cpu


def _cpu_so_far(pid: int) -> float:
    """The CPU time (user + system) a running process has used."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def chat_ready(llm: Path, env: dict[str, str]) -> tuple[float, float]:
    controller, terminal = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(llm), "chat", "-m", "echo"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**env, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"},
    )
    os.close(terminal)
    seen = b""
    try:
        # Bracketed paste switched on: the prompt is drawn and keys are read.
        while b"\x1b[?2004h" not in seen:
            ready, _, _ = select.select([controller], [], [], 30)
            assert ready, seen
            seen += os.read(controller, 65536)
        elapsed = time.perf_counter() - start
        cpu = _cpu_so_far(process.pid)
        os.write(controller, b"\x04")
        process.wait(timeout=30)
        return elapsed, cpu
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)


COMPLETING = {"COMP_WORDS": "llm -m ", "COMP_CWORD": "2", "_LLM_COMPLETE": "bash_complete"}


def completion(llm: Path, env: dict[str, str]) -> tuple[float, float]:
    wall, cpu, out = _run([str(llm)], {**env, **COMPLETING})
    assert "plain,echo" in out, out
    return wall, cpu


def build_venv(work: Path) -> Path:
    """Our wheels (llm-echo and llm-markov replaced by their PyPI releases) and the eight
    plugins at their pinned versions, from the wheel cache: no network once it is filled."""
    venv = work / "venv"
    if (venv / "bin" / "llm").exists():
        return venv
    plugin_venv.build_venv(work)
    cache = plugin_venv.fill_cache(venv / "bin" / "pip")
    assert plugin_venv.UV
    pins = [f"{name}=={plugin_venv.PLUGINS[name]}" for name in PLUGINS]
    subprocess.run(
        [plugin_venv.UV, "pip", "install", "-q", "--offline", "--no-index", "--find-links",
         str(cache), "--python", str(venv / "bin" / "python"), *pins],
        check=True,
    )  # fmt: skip
    return venv


def imported_plugins(
    llm: Path, env: dict[str, str], args: list[str] | None = None, stdin: str | None = None
) -> list[str]:
    """The plugin modules that ``llm ARGS`` imports (``PYTHONPROFILEIMPORTTIME``)."""
    modules = {"llm_" + name.removeprefix("llm-").replace("-", "_") for name in PLUGINS}
    result = subprocess.run(
        [str(llm), *(args or [])],
        env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
        input=stdin,
        capture_output=True,
        text=True,
    )
    seen = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    return sorted(modules & seen)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--venv", type=Path, help="a venv with llm and plugins installed")
    args = parser.parse_args()
    if args.venv:
        venv = args.venv
    else:
        work = args.workdir or Path(tempfile.mkdtemp(prefix="llm-bench-"))
        work.mkdir(parents=True, exist_ok=True)
        venv = build_venv(work)
    llm = venv / "bin" / "llm"
    user_dir = tempfile.mkdtemp()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["LLM_USER_PATH"] = user_dir
    plugins = subprocess.run([str(llm), "plugins"], env=env, capture_output=True, text=True)
    installed = plugins.stdout.count('"name"')
    results: dict[str, list[tuple[float, float]]] = {"version": [], "chat": [], "completion": []}
    measures = {"version": version, "chat": chat_ready, "completion": completion}
    for name in measures:  # warm up: the plugin cache is written, bytecode is there
        measures[name](llm, env)
    for run in range(args.runs):
        order = list(measures) if run % 2 == 0 else list(reversed(measures))
        for name in order:
            results[name].append(measures[name](llm, env))
    wall = {n: statistics.median(t[0] for t in results[n]) * 1000 for n in measures}
    cpu = {n: statistics.median(t[1] for t in results[n]) * 1000 for n in measures}
    imports = imported_plugins(llm, {**env, **COMPLETING})
    chat_imports = imported_plugins(llm, env, ["chat", "-m", "echo"], stdin="")
    print(f"{installed} plugins installed (llm plugins), {args.runs} runs, medians")
    print(f"plugins imported by one completion: {', '.join(imports) or 'none'}")
    print(f"plugins imported by `llm chat -m echo`: {', '.join(chat_imports) or 'none'}")
    print("| measure | wall clock | CPU | target |")
    print("|---|---|---|---|")
    v, c, t = wall["version"], wall["chat"], wall["completion"]
    cv, cc, ct = cpu["version"], cpu["chat"], cpu["completion"]
    print(f"| `llm --version` | {v:.0f} ms | {cv:.0f} ms | |")
    print(
        f"| `llm chat -m echo` ready for input | {c:.0f} ms (+{c - v:.0f} ms)"
        f" | {cc:.0f} ms (+{cc - cv:.0f} ms) | +300 ms |"
    )
    print(f"| one Tab completion (`llm -m <Tab>`) | {t:.0f} ms | {ct:.0f} ms | 150 ms |")
    print(f"load average during the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
