"""Station mode: what a change of the device list means, and the station loop on a scripted tracker."""

from __future__ import annotations

import threading

from wa_harden.device.base import AttachedDevice, ServerAddress
from wa_harden.station import Change, EventKind, Station, changes

A = ServerAddress("127.0.0.1", 5999)


def dev(serial, state="device"):
    return AttachedDevice(serial, state, model="Pixel 9")


def test_changes_between_two_device_lists():
    before = {"a": dev("a"), "b": dev("b", "unauthorized"), "c": dev("c")}
    after = {"a": dev("a"), "b": dev("b"), "d": dev("d", "unauthorized"), "e": dev("e", "offline")}
    assert changes(before, after) == [(Change.READY, "b"), (Change.UNPLUGGED, "c"), (Change.UNAUTHORIZED, "d"),
                                      (Change.NOT_READY, "e")]
    assert changes(after, after) == []


class ScriptedTracker:
    """A connector whose tracking yields a scripted sequence of device lists, then waits."""

    def __init__(self, lists):
        self.lists = lists

    def track(self, address, stop):
        yield from self.lists
        stop.wait()


def test_each_phone_is_handled_once_per_plug_and_again_when_re_plugged():
    lists = [[dev("a", "unauthorized")], [dev("a")], [dev("a"), dev("b")], [dev("b")], [dev("a"), dev("b")]]
    done = threading.Event()
    seen = []
    handled = []

    def work(address, device):
        handled.append(device.serial)
        return device.serial

    station = Station(ScriptedTracker(lists), [A], work)

    def observe(event):
        seen.append((event.kind, event.serial))
        if handled.count("a") == 2 and sum(1 for k, _ in seen if k is EventKind.DONE) == 3:
            station.stop()
            done.set()

    runner = threading.Thread(target=station.run, args=(observe,), daemon=True)
    runner.start()
    assert done.wait(10)
    assert sorted(handled) == ["a", "a", "b"]
    assert (EventKind.UNAUTHORIZED, "a") in seen and (EventKind.UNPLUGGED, "a") in seen
    assert seen.index((EventKind.UNAUTHORIZED, "a")) < seen.index((EventKind.STARTED, "a"))


def test_a_crash_on_one_phone_is_reported_and_the_station_carries_on():
    done = threading.Event()
    seen = []

    def work(address, device):
        if device.serial == "bad":
            raise RuntimeError("bug")
        return "ok"

    station = Station(ScriptedTracker([[dev("bad"), dev("good")]]), [A], work)

    def observe(event):
        seen.append(event)
        if sum(1 for e in seen if e.kind in (EventKind.DONE, EventKind.CRASHED)) == 2:
            station.stop()
            done.set()

    threading.Thread(target=station.run, args=(observe,), daemon=True).start()
    assert done.wait(10)
    crashed = next(e for e in seen if e.kind is EventKind.CRASHED)
    assert crashed.serial == "bad" and "bug" in crashed.crash.traceback
    assert next(e for e in seen if e.kind is EventKind.DONE).result == "ok"
