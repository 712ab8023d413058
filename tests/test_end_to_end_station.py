"""`wa-harden watch` as an onboarding station: phones plugged in, unplugged, plugged in again."""

from __future__ import annotations

import json

import pytest

from wa_harden.virtual.launcher import VirtualPhones, host_request
from watchrun import Watch


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
