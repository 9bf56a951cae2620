"""The console script's garbage-collection policy (``llm_cli.collection``)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_cli import collection


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector's thresholds and callbacks as they were, whatever a test does."""
    thresholds, callbacks = gc.get_threshold(), list(gc.callbacks)
    collection._restore_to = None
    yield
    collection._restore_to = None
    gc.set_threshold(*thresholds)
    gc.callbacks[:] = callbacks


def test_start_up_waits_then_the_first_collection_restores_the_thresholds(
    collector: None,
) -> None:
    gc.set_threshold(700, 10, 10)
    collection.defer_during_startup()
    assert gc.get_threshold() == (collection.STARTUP_THRESHOLD, 10, 10)
    gc.collect(0)
    assert gc.get_threshold() == (700, 10, 10)
    # Later collections change nothing, and a second call does not register twice.
    gc.set_threshold(500, 5, 5)
    gc.collect(0)
    assert gc.get_threshold() == (500, 5, 5)
    collection.defer_during_startup()
    assert gc.callbacks.count(collection._after_first_collection) == 1


def test_allocations_past_the_threshold_bring_collection_back(collector: None) -> None:
    gc.set_threshold(700, 10, 10)
    collection.defer_during_startup()
    kept = [[] for _ in range(collection.STARTUP_THRESHOLD + 1000)]
    assert gc.get_threshold() == (700, 10, 10)
    del kept


@pytest.mark.parametrize("thresholds", [(0, 10, 10), (200_000, 10, 10)])
def test_a_collector_tuned_by_the_embedder_is_left_alone(
    collector: None, thresholds: tuple[int, int, int]
) -> None:
    gc.set_threshold(*thresholds)
    collection.defer_during_startup()
    assert gc.get_threshold() == thresholds
    assert collection._restore_to is None


# A plugin's clean-up at exit, as the console script runs it: an atexit handler.
SCRIPT = """
import atexit, gc, sys

atexit.register(lambda: sys.stderr.write(f"atexit frozen={gc.get_freeze_count() > 0}\\n"))

from llm_cli.__main__ import main
sys.argv = ["llm", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("args", [["--version"], ["no-such-command", "--nope"]])
def test_the_console_script_spares_the_shutdown_and_still_runs_atexit(
    tmp_path: Path, args: list[str]
) -> None:
    env = {**os.environ, "LLM_USER_PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, env=env, timeout=60
    )
    # Frozen whether the command succeeded or failed, and the handler ran after that.
    assert result.stderr.splitlines()[-1] == "atexit frozen=True", result.stderr
    assert (result.returncode == 0) == (args == ["--version"])


def test_running_llm_in_process_leaves_the_collector_alone(
    collector: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``llm_cli.testing.invoke`` (a test suite, an embedding app) runs the command, not the
    console script's policy: no thresholds changed, nothing frozen."""
    from llm_cli.testing import invoke

    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path))
    gc.set_threshold(700, 10, 10)
    frozen, callbacks = gc.get_freeze_count(), list(gc.callbacks)
    assert invoke("--version").returncode == 0
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == frozen
    assert gc.callbacks == callbacks
