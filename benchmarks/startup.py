#!/usr/bin/env python3
"""Start-up and read-path benchmark: this workspace against an installed reference ``llm``.

    python benchmarks/startup.py --reference /tmp/llm-original [--runs 15] [--rows 100000]

Builds this workspace's wheels and installs them into throwaway venvs (one bare, one with the
eight plugins of issue 15 from PyPI); does the same for the reference's version of ``llm``
(read from ``VENV/bin/llm --version``, installed from PyPI). Every venv is bytecode-compiled
before timing. A database of ``--rows`` logged responses is generated through our own log
writer, and each side reads its own copy. Prints the issue's table in Markdown (and two rows
without a target: listings with the eight plugins installed): medians of
wall-clock time over ``--runs`` runs after two warm-up runs, and the highest peak RSS of those
runs (``os.wait4``). The two sides take turns run by run, so that the load of a shared machine
falls on both alike. Needs only the standard library, ``uv`` and network access to PyPI.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = [
    "llm-echo",
    "llm-markov",
    "llm-tools-simpleeval",
    "llm-jq",
    "llm-cmd",
    "llm-gemini",
    "llm-anthropic",
    "llm-cluster",
]


def sh(*args: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], check=True, text=True, **kwargs)


def make_venv(path: Path, requirements: list[str], find_links: Path | None = None) -> Path:
    sh("uv", "venv", "-q", "--python", sys.executable, path)
    python = path / "bin" / "python"
    extra = ["--find-links", str(find_links)] if find_links else []
    if find_links:
        # Our wheels keep one version from build to build: without this, uv installs the
        # copy it cached from an earlier build instead of the one just made.
        for wheel in find_links.glob("*.whl"):
            extra += ["--refresh-package", wheel.name.split("-")[0].replace("_", "-")]
    sh("uv", "pip", "install", "-q", "--python", python, *extra, *requirements)
    # Bytecode compiled, as an installer does, so that no run pays for compiling.
    subprocess.run(
        [str(python), "-m", "compileall", "-q", "-j", "0", str(path / "lib")],
        check=False,
        capture_output=True,
    )
    return path


def reference_version(venv: Path) -> str:
    out = sh(venv / "bin" / "llm", "--version", capture_output=True).stdout
    return out.strip().rsplit(" ", 1)[-1]


def pinned_all(venv: Path) -> list[str]:
    """Every ``name==version`` installed in ``venv``."""
    frozen = sh(
        "uv", "pip", "freeze", "--python", venv / "bin" / "python", capture_output=True
    ).stdout
    return [line for line in frozen.splitlines() if "==" in line]


def pinned(venv: Path, names: list[str]) -> list[str]:
    """``name==version`` for each of ``names`` as installed in ``venv``."""
    versions = dict(line.split("==", 1) for line in pinned_all(venv))
    return [f"{name}=={versions[name]}" if name in versions else name for name in names]


def _run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall-clock seconds, peak RSS MiB) of one run."""
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
    return elapsed, usage.ru_maxrss / 1024


def measure(
    commands: dict[str, tuple[list[str], dict[str, str]]], runs: int
) -> dict[str, tuple[float, float]]:
    """Per side: (median seconds, peak RSS MiB). The sides take turns, run by run (and
    which goes first alternates), so that the load of a shared machine falls on both alike;
    two warm-up runs each fill the OS page cache and the plugin cache."""
    times: dict[str, list[float]] = {side: [] for side in commands}
    peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
    order = list(commands)
    for i in range(runs + 2):
        for side in order if i % 2 == 0 else reversed(order):
            elapsed, peak = _run_once(*commands[side])
            if i >= 2:
                times[side].append(elapsed)
                peaks[side] = max(peaks[side], peak)
    return {side: (statistics.median(times[side]), peaks[side]) for side in commands}


def generate_database(python: Path, path: Path, rows: int) -> None:
    """Log ``rows`` echo responses through our own writer (llm_storage)."""
    script = f"""
import llm, llm_storage
store = llm_storage.open_for_logging({str(path)!r})  # creates the database
if not hasattr(store, "_conn"):
    store = llm_storage.open_for_logging({str(path)!r})  # now the sqlite3 writer
# Generating data, not measuring: no fsync per row (else 100,000 rows take many minutes).
if hasattr(store, "_conn"):
    store._conn.execute("PRAGMA synchronous=OFF")
model = llm.get_model("echo")
words = ["pelican", "walrus", "otter", "heron", "badger"]
for i in range({rows}):
    response = model.prompt(f"prompt {{i}} about a {{words[i % 5]}} number {{i % 97}}")
    response.text()
    store.log_response(response)
"""
    sh(python, "-c", script)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, help="a venv with the reference llm")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, help="keep venvs here (default: a temp dir)")
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="llm-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    wheels = work / "wheels"
    if not wheels.exists():
        sh("uv", "build", "-q", "--all-packages", "--wheel", "-o", wheels, cwd=ROOT)

    sides: dict[str, dict[str, Path]] = {}

    def venvs(
        name: str, base: list[str], plugins: list[str], find_links: Path | None
    ) -> dict[str, Path]:
        plain, full = work / f"{name}-plain", work / f"{name}-plugins"
        if not plain.exists():
            make_venv(plain, [*base, "llm-echo"], find_links)
        if not full.exists():
            make_venv(full, [*base, *plugins], find_links)
        return {"plain": plain, "plugins": full}

    plugins = PLUGINS
    version = ""
    if args.reference:
        version = reference_version(args.reference)
        # The reference's own installed set (its resolution from PyPI today may differ).
        frozen = [p for p in pinned_all(args.reference) if not p.startswith("llm-echo==")]
        sides["reference"] = venvs(f"ref-{version}", frozen, PLUGINS, None)
        # The same plugin versions on both sides: the newest ones may need a newer llm than
        # the reference, and would then differ.
        plugins = pinned(sides["reference"]["plugins"], PLUGINS)
    # sqlite-utils: llm-cluster imports it without declaring it, relying on llm's own
    # dependencies; without it the plugin fails (after importing scikit-learn) on every run.
    sides["ours"] = venvs("ours", ["llm"], [*plugins, "sqlite-utils"], wheels)

    db = work / f"logs-{args.rows}.db"
    if not db.exists():
        generate_database(sides["ours"]["plain"] / "bin" / "python", db, args.rows)

    base_env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    base_env.pop("PYTHONDONTWRITEBYTECODE", None)
    #: (label, which user directory / venv)
    rows: list[tuple[str, str]] = [
        ("`llm --version`", "plain"),
        ("`llm --help`", "plain"),
        ("`llm -m <model> hi` (logged)", "logged"),
        ("`llm --version`, 8 real plugins installed", "plugins"),
        ("`llm -m <model> hi -n`, 8 plugins installed", "plugins"),
        (f"`llm logs -n 10`, {args.rows:,} logged responses", "plain"),
        ("`llm logs -q word`, same database", "plain"),
        ("`llm logs --json -n 100`, same database", "plain"),
        ("peak memory, `llm --version`", "plain"),
        ("`llm models`, 8 plugins installed", "plugins"),
        ("`llm plugins`, 8 plugins installed", "plugins"),
    ]
    #: Issue 15's target ratio (ours / the original's) for each row; None: no target, shown
    #: for what a listing costs with heavy plugins installed.
    targets: list[float | None] = [0.17, 0.17, 0.25, 0.125, 0.15, 0.25, 0.25, 0.3, 0.5, None, None]
    argv = [
        ["--version"],
        ["--help"],
        ["-m", "echo", "hi"],
        ["--version"],
        ["-m", "echo", "hi", "-n"],
        ["logs", "-n", "10"],
        ["logs", "-q", "pelican"],
        ["logs", "--json", "-n", "100"],
        ["--version"],
        ["models"],
        ["plugins"],
    ]
    users: dict[str, Path] = {}
    for side in sides:
        user = users[side] = work / f"user-{side}"
        shutil.rmtree(user, ignore_errors=True)
        for kind in ("plain", "plugins", "logged"):
            (user / kind).mkdir(parents=True)
        shutil.copy(db, user / "plain" / "logs.db")
    results: dict[str, list[str]] = {side: [] for side in sides}
    for (label, kind), cmd in zip(rows, argv, strict=True):
        commands = {}
        for side, paths in sides.items():
            # Logged prompts go to their own database, not the one the logs rows read.
            env = dict(base_env, LLM_USER_PATH=str(users[side] / kind))
            venv = paths["plugins" if kind == "plugins" else "plain"]
            commands[side] = ([str(venv / "bin" / "llm"), *cmd], env)
        measured = measure(commands, args.runs)
        for side, (seconds, peak) in measured.items():
            value = f"{peak:.0f} MiB" if label.startswith("peak") else _fmt(seconds)
            results[side].append(value)
        print(f"{label}: " + ", ".join(f"{s} {v[-1]}" for s, v in results.items()), file=sys.stderr)
    baseline = measure({"python": ([sys.executable, "-c", "pass"], base_env)}, args.runs)
    print(f"`python -c pass`: {_fmt(baseline['python'][0])}; {args.runs} runs, medians.\n")
    if "reference" in results:
        print(f"| command | llm {version} | ours | ratio | target ratio |")
        print("|---|---|---|---|---|")
        table = zip(rows, results["reference"], results["ours"], targets, strict=True)
        for (label, _), ref, ours, target in table:
            ratio = _value(ours) / _value(ref)
            if target is None:
                goal = "-"
            else:
                goal = f"<= {target} ({'met' if ratio <= target else 'NOT met'})"
            print(f"| {label} | {ref} | {ours} | {ratio:.2f} | {goal} |")
    else:
        print("| command | ours |\n|---|---|")
        for (label, _), ours in zip(rows, results["ours"], strict=True):
            print(f"| {label} | {ours} |")


def _fmt(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def _value(text: str) -> float:
    number, unit = text.split()
    return float(number) * {"s": 1000, "ms": 1, "MiB": 1}[unit]


if __name__ == "__main__":
    main()
