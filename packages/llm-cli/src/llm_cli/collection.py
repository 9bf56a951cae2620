"""Garbage collection for a process that lives for one command.

Start-up builds tens of thousands of objects that live until the process ends (modules,
classes, pydantic's validators) and next to no garbage. With the interpreter's default
thresholds, ``llm -m echo hi`` ran about 70 collections that each walked those young survivors
(about 8 ms, found nothing), and the interpreter's shutdown walked every object again (about
as much) before freeing them. So:

* during start-up the first automatic collection waits for ``STARTUP_THRESHOLD`` net new
  objects; once any collection has run, the thresholds the process started with are back, so a
  long command (``llm chat``, ``llm embed-multi``) collects as usual and the garbage it can
  leave uncollected is bounded by that count;
* at exit, every object still alive is frozen (``gc.freeze``): shutdown still runs ``atexit``
  handlers, joins threads and frees each module's objects (running their ``__del__``), but its
  collections no longer walk the whole heap.

Together about 15% of a logged prompt and of ``llm --version``. Only the console script does
this: ``llm`` used as a library leaves the collector alone.
"""

from __future__ import annotations

import gc
from typing import Any

#: Net allocations of objects the collector tracks before the first collection of a run.
STARTUP_THRESHOLD = 100_000

#: The thresholds to restore after the first collection, while start-up's are in force.
_restore_to: tuple[int, ...] | None = None


def _after_first_collection(phase: str, info: dict[str, Any]) -> None:
    global _restore_to
    if phase == "stop" and _restore_to is not None:
        gc.set_threshold(*_restore_to)
        _restore_to = None


def defer_during_startup() -> None:
    """Let start-up run without collections, up to ``STARTUP_THRESHOLD`` net allocations."""
    global _restore_to
    current = gc.get_threshold()
    # Collection turned off (0), or already tuned this far by whoever embeds us: leave it.
    if _restore_to is not None or current[0] == 0 or current[0] >= STARTUP_THRESHOLD:
        return
    _restore_to = current
    gc.set_threshold(STARTUP_THRESHOLD, *current[1:])
    # Never removed: removing a callback while the collector calls them skips the next one.
    if _after_first_collection not in gc.callbacks:
        gc.callbacks.append(_after_first_collection)


def spare_the_shutdown() -> None:
    """The process is about to exit: spare its shutdown a walk over every live object."""
    gc.freeze()
