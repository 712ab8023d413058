"""Station mode: wait for phones, handle each once when it becomes ready, again when re-plugged.

Phones are seen through adb's own device tracking (``Connector.track``; no polling loop), one
tracking thread per adb server.  Deciding what a change of the device list means is pure
(:func:`changes`); the :class:`Station` does the waiting and runs the work for each ready phone on
its own daemon thread, so a hanging phone never holds the others, and reports what happens as
:class:`StationEvent` values the CLI prints.  It knows nothing of checks.
"""

from __future__ import annotations

import enum
import queue
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from wa_harden.device.base import AttachedDevice, Connector, ServerAddress
from wa_harden.errors import AdbServerError
from wa_harden.fleet import Crashed

R = TypeVar("R")
Key = tuple[ServerAddress, str]  # a phone is its server and its serial
RECONNECT = 2.0  # seconds between attempts to reach an adb server that stopped answering


class Change(enum.StrEnum):
    READY = "ready"  # the phone can be read: handle it (once per plug)
    UNAUTHORIZED = "unauthorized"  # the USB debugging prompt waits on the phone
    NOT_READY = "not-ready"  # offline, connecting, recovery ...
    UNPLUGGED = "unplugged"


def changes(before: Mapping[str, AttachedDevice], after: Mapping[str, AttachedDevice]) -> list[tuple[Change, str]]:
    """What changed between two device lists of one server (by serial), in serial order."""
    found: list[tuple[Change, str]] = []
    for serial in sorted(set(before) | set(after)):
        old, new = before.get(serial), after.get(serial)
        if new is None:
            found.append((Change.UNPLUGGED, serial))
        elif old is None or old.state != new.state:
            if new.state == "device":
                found.append((Change.READY, serial))
            elif new.state == "unauthorized":
                found.append((Change.UNAUTHORIZED, serial))
            else:
                found.append((Change.NOT_READY, serial))
    return found


class EventKind(enum.StrEnum):
    WAITING = "waiting"  # the station listens to a server
    UNAUTHORIZED = "unauthorized"
    NOT_READY = "not-ready"
    STARTED = "started"  # the work for a ready phone began
    DONE = "done"  # the work ended with a result
    CRASHED = "crashed"  # the work raised: a bug, reported for this phone only
    UNPLUGGED = "unplugged"
    SERVER_LOST = "server-lost"  # the adb server stopped answering; the station tries again


@dataclass(frozen=True)
class StationEvent(Generic[R]):
    kind: EventKind
    address: ServerAddress
    serial: str = ""
    device: AttachedDevice | None = None
    result: R | None = None
    seconds: float = 0.0
    detail: str = ""
    crash: Crashed | None = None


class Station(Generic[R]):
    """Waits for phones on ``addresses`` and runs ``work(address, device)`` once per plug."""

    def __init__(self, connector: Connector, addresses: Sequence[ServerAddress],
                 work: Callable[[ServerAddress, AttachedDevice], R]) -> None:
        self.connector = connector
        self.addresses = list(addresses)
        self.work = work
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def _track(self, address: ServerAddress) -> None:
        """Feed every device list of one server to the queue; reconnect when the server comes back."""
        while not self._stop.is_set():
            try:
                for devices in self.connector.track(address, self._stop):
                    self._queue.put(("devices", (address, list(devices))))
            except AdbServerError as exc:
                self._queue.put(("lost", (address, str(exc))))
                self._stop.wait(RECONNECT)

    def _run(self, key: Key, device: AttachedDevice) -> None:
        begin = time.monotonic()
        try:
            self._queue.put(("done", (key, device, self.work(key[0], device), time.monotonic() - begin)))
        except BaseException as exc:  # a bug while handling one phone must not stop the station
            crash = Crashed(exc, traceback.format_exc(), time.monotonic() - begin)
            self._queue.put(("crashed", (key, device, crash, crash.seconds)))

    def run(self, observer: Callable[[StationEvent[R]], None]) -> None:
        """Until :meth:`stop` (or Ctrl-C in the calling thread): handle phones as they come."""
        known: dict[ServerAddress, dict[str, AttachedDevice]] = {a: {} for a in self.addresses}
        lost: set[ServerAddress] = set()
        busy: dict[Key, int] = {}  # phones being handled, with the plug they were handled for
        handled: set[Key] = set()  # handled during the current plug; cleared when unplugged
        plugs: dict[Key, int] = {}  # counts unplugs: a result for an earlier plug does not count

        def start(key: Key, device: AttachedDevice) -> None:
            busy[key] = plugs.get(key, 0)
            observer(StationEvent(EventKind.STARTED, key[0], key[1], device))
            threading.Thread(target=self._run, args=(key, device), name=f"phone-{key[1]}", daemon=True).start()

        for address in self.addresses:
            threading.Thread(target=self._track, args=(address,), name=f"track-{address}", daemon=True).start()
            observer(StationEvent(EventKind.WAITING, address))
        while not self._stop.is_set():
            try:
                kind, payload = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if kind == "lost":
                address, detail = payload
                if address not in lost:
                    lost.add(address)
                    observer(StationEvent(EventKind.SERVER_LOST, address, detail=detail))
                continue
            if kind in ("done", "crashed"):
                key, device, result, seconds = payload
                plug = busy.pop(key, None)
                if kind == "done":
                    observer(StationEvent(EventKind.DONE, key[0], key[1], device, result, seconds))
                else:
                    observer(StationEvent(EventKind.CRASHED, key[0], key[1], device, None, seconds, crash=result))
                present = known[key[0]].get(key[1])
                if plug == plugs.get(key, 0):
                    handled.add(key)  # not again until it is re-plugged
                elif present is not None and present.state == "device":
                    start(key, present)  # re-plugged while it was being handled: handle the new plug
                continue
            address, devices = payload
            if address in lost:
                lost.discard(address)
                observer(StationEvent(EventKind.WAITING, address))
            current = {d.serial: d for d in devices}
            for change, serial in changes(known[address], current):
                key = (address, serial)
                if change is Change.UNPLUGGED:
                    handled.discard(key)
                    plugs[key] = plugs.get(key, 0) + 1
                    observer(StationEvent(EventKind.UNPLUGGED, address, serial, known[address][serial]))
                elif change is Change.UNAUTHORIZED:
                    observer(StationEvent(EventKind.UNAUTHORIZED, address, serial, current[serial]))
                elif change is Change.NOT_READY:
                    observer(StationEvent(EventKind.NOT_READY, address, serial, current[serial],
                                          detail=current[serial].state))
                elif key not in handled and key not in busy:
                    start(key, current[serial])
            known[address] = current
