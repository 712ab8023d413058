"""The runner: concurrency, per-item deadlines, crash isolation, progress and Ctrl-C."""

from __future__ import annotations

import _thread
import threading

import pytest

from wa_harden import fleet


def test_outcomes_keep_the_order_of_the_items_and_the_observer_sees_each_once():
    seen = []
    outcomes = fleet.run([3, 1, 2], lambda n: n * 10, jobs=2,
                         observer=lambda i, item, outcome: seen.append((i, item, outcome.value)))
    assert [o.value for o in outcomes] == [30, 10, 20]
    assert sorted(seen) == [(0, 3, 30), (1, 1, 10), (2, 2, 20)]


def test_never_more_than_jobs_at_once():
    running = []
    peak = []
    lock = threading.Lock()
    release = threading.Event()

    def work(n):
        with lock:
            running.append(n)
            peak.append(len(running))
        release.wait(0.05)
        with lock:
            running.remove(n)
        return n

    fleet.run(list(range(12)), work, jobs=3)
    assert max(peak) <= 3


def test_a_crash_is_reported_for_its_item_and_the_others_finish():
    def work(n):
        if n == 2:
            raise RuntimeError("bug on item 2")
        return n

    outcomes = fleet.run([1, 2, 3], work, jobs=3)
    assert isinstance(outcomes[1], fleet.Crashed)
    assert "bug on item 2" in outcomes[1].traceback
    assert [outcomes[0].value, outcomes[2].value] == [1, 3]


def test_an_item_past_its_deadline_and_grace_is_given_up_without_waiting():
    never = threading.Event()
    outcomes = fleet.run(["hangs", "quick"], lambda item: never.wait() if item == "hangs" else item,
                         jobs=2, deadline=0.1, grace=0.1)
    assert isinstance(outcomes[0], fleet.Abandoned)
    assert outcomes[1].value == "quick"
    assert not never.is_set()  # the hung worker is still blocked: nobody waited for it


def test_ctrl_c_ends_the_run_while_an_item_hangs():
    never = threading.Event()
    started = threading.Event()

    def work(item):
        started.set()
        never.wait()

    def press_ctrl_c():
        started.wait()
        _thread.interrupt_main()

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        fleet.run(["hangs"], work, jobs=1, deadline=600)
    assert not never.is_set()


def test_jobs_must_be_positive():
    with pytest.raises(ValueError):
        fleet.run([1], lambda n: n, jobs=0)
