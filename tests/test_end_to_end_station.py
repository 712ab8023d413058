"""`wa-harden watch` as an onboarding station: phones plugged in, unplugged, plugged in again."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from wa_harden.virtual.launcher import VirtualPhones, host_request


class Watch:
    """`wa-harden watch` in a subprocess; its output lines arrive in a queue."""

    def __init__(self, server, *args):
        env = {**server.env, "ANDROID_ADB_SERVER_PORT": str(server.port)}
        self.proc = subprocess.Popen([sys.executable, "-m", "wa_harden", "watch", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, text, timeout=30.0):
        """The next line containing ``text`` (lines before it are kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r}; seen: {self.seen}")

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=20)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()


@pytest.fixture
def watch(adb_server):
    started = []

    def start(*args):
        w = Watch(adb_server, *args)
        started.append(w)
        return w

    yield start
    for w in started:
        w.kill()


def test_a_station_audits_each_phone_once_and_again_when_re_plugged(adb_server, watch, tmp_path):
    station = watch("--report-dir", str(tmp_path / "reports"))
    station.expect("waiting for phones")
    with VirtualPhones(["hardened"], adb_port=adb_server.port, latency_scale=0.0, start_server=False) as fleet:
        serial = fleet.serials[0]
        assert "NOT YET COMPLIANT" in station.expect(f"{serial} (Pixel 9): NOT YET")
        fleet.disconnect(serial)
        station.expect(f"{serial} (Pixel 9): unplugged")
        host_request("127.0.0.1", adb_server.port, f"host:connect:{serial}")
        station.expect(f"{serial} (Pixel 9): auditing")
        station.expect(f"{serial} (Pixel 9): NOT YET")
        other = fleet.add("fresh-noncompliant")
        assert "NOT COMPLIANT" in station.expect(f"{other.serial} (Pixel 8): NOT")
        assert station.stop() == 0
    audits = [line for line in station.seen if "auditing" in line]
    assert len(audits) == 3  # the hardened phone twice (re-plugged), the other once
    reports = sorted((tmp_path / "reports").glob("*.json"))
    assert len(reports) == 2
    assert {json.loads(p.read_text())["devices"][0]["serial"] for p in reports} == {serial, other.serial}


def test_a_station_with_fix_hardens_each_phone(adb_server, watch, tmp_path):
    station = watch("--fix", "--yes", "--journal-dir", str(tmp_path / "journal"))
    station.expect("waiting for phones")
    with VirtualPhones(["fresh-noncompliant"], adb_port=adb_server.port, latency_scale=0.0,
                       start_server=False) as fleet:
        line = station.expect(f"{fleet.serials[0]} (Pixel 8): NOT")
        assert "after the fix (run " in line and "13 verified" in line
        assert station.stop() == 0
    assert (tmp_path / "journal" / "journal.jsonl").is_file()


def test_watch_fix_without_yes_and_without_a_terminal_changes_nothing(adb_server, watch):
    station = watch("--fix")
    assert station.proc.wait(timeout=30) == 2
    assert "confirm with --yes" in station.expect("confirm with --yes")


def test_an_unauthorized_phone_is_named_and_audited_once_the_prompt_is_accepted(adb_server, watch):
    station = watch()
    station.expect("waiting for phones")
    with VirtualPhones(["hardened"], adb_port=adb_server.port, latency_scale=0.0, start_server=False,
                       faults={"unauthorized": True, "authorize_after": 2.0}) as fleet:
        serial = fleet.serials[0]
        assert "accept the USB debugging prompt" in station.expect(f"{serial}: unlock the phone")
        assert "NOT YET COMPLIANT" in station.expect(f"{serial} (Pixel 9): NOT YET")
        assert station.stop() == 0
