"""The runner: many phones at once, each with its own deadline, one phone's trouble never another's.

It knows nothing about checks: it runs a function per item on worker threads and hands each
outcome to an observer as soon as it is there (the CLI turns that into progress lines).  Workers
are daemon threads, so Ctrl-C ends a run at once even while a phone hangs in a read, and a phone
that overruns its deadline by more than a grace period is given up without waiting for it.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Phones are I/O bound: a worker mostly waits for the phone (a few milliseconds of CPU per audit),
# so the CPU count says nothing here.  512 audits 500 phones in one wave (docs/PERFORMANCE.md).
DEFAULT_JOBS = 512
GRACE = 5.0  # seconds past an item's deadline before the runner stops waiting for it


@dataclass(frozen=True)
class Finished(Generic[R]):
    value: R
    seconds: float


@dataclass(frozen=True)
class Crashed:
    """The work function raised: a bug, reported for this item while the others carry on."""

    error: BaseException
    traceback: str
    seconds: float


@dataclass(frozen=True)
class Abandoned:
    """The work function overran its deadline by more than the grace period."""

    seconds: float


Outcome: TypeAlias = Finished[R] | Crashed | Abandoned
Observer = Callable[[int, T, "Outcome[R]"], None]


def run(items: Sequence[T], work: Callable[[T], R], *, jobs: int = DEFAULT_JOBS,
        deadline: float | None = None, grace: float = GRACE,
        observer: Observer[T, R] | None = None) -> list[Outcome[R]]:
    """``work(item)`` for every item, at most ``jobs`` at a time; outcomes in the items' order.

    ``deadline`` is each item's own time budget in seconds (the work function is expected to
    keep it; the runner only stops waiting ``grace`` seconds after it).  ``observer(index, item,
    outcome)`` is called on the calling thread as each item ends.
    """
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    outcomes: dict[int, Outcome[R]] = {}
    done: queue.Queue[tuple[int, Outcome[R]]] = queue.Queue()
    started: dict[int, float] = {}
    pending = list(range(len(items)))
    pending.reverse()

    def worker(index: int) -> None:
        begin = time.monotonic()
        try:
            result: Outcome[R] = Finished(work(items[index]), time.monotonic() - begin)
        except BaseException as exc:  # a bug in one item must not end the others
            result = Crashed(exc, traceback.format_exc(), time.monotonic() - begin)
        done.put((index, result))

    def start_more() -> None:
        while pending and len(started) - len(outcomes) < jobs:
            index = pending.pop()
            started[index] = time.monotonic()
            threading.Thread(target=worker, args=(index,), name=f"wa-harden-job-{index}", daemon=True).start()

    def finish(index: int, outcome: Outcome[R]) -> None:
        if index in outcomes:
            return  # a late answer from an item already given up
        outcomes[index] = outcome
        if observer is not None:
            observer(index, items[index], outcome)

    start_more()
    while len(outcomes) < len(items):
        try:
            index, outcome = done.get(timeout=0.2)
            finish(index, outcome)
        except queue.Empty:
            pass
        if deadline is not None:
            now = time.monotonic()
            for index, begin in list(started.items()):
                if index not in outcomes and now - begin > deadline + grace:
                    finish(index, Abandoned(now - begin))
        start_more()
    return [outcomes[i] for i in range(len(items))]


def raise_open_file_limit(wanted: int = 8192) -> None:
    """Let a run hold a socket per phone: raise the soft limit of open files towards the hard one.

    One socket per phone in flight (and an adb server this process starts inherits the limit);
    the common soft limit of 1024 is too low for a fleet of several hundred phones.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
