"""Fleets over several adb servers: one run covers the phones of every onboarding station."""

from __future__ import annotations

import json

import pytest

from clirun import run
from wa_harden.virtual.launcher import PrivateAdbServer, VirtualPhones, free_port


@pytest.fixture
def second_server(tmp_path_factory):
    with PrivateAdbServer(home=tmp_path_factory.mktemp("adb-home-2")) as server:
        yield server


def _station(server, *personas):
    return VirtualPhones(list(personas), adb_port=server.port, latency_scale=0.0, start_server=False)


def test_one_run_covers_the_phones_of_two_adb_servers(adb_server, second_server):
    first, second = f"127.0.0.1:{adb_server.port}", f"127.0.0.1:{second_server.port}"
    with _station(adb_server, "hardened", "fresh-noncompliant") as a, _station(second_server, "legacy-oreo") as b:
        got = run("check", "--server", first, "--server", second, "--all", "-f", "json")
        devices = json.loads(got.stdout)["devices"]
        assert got.exit_code == 1
        by_server = {(d["adb_server"], d["serial"]) for d in devices}
        assert by_server == {(first, s) for s in a.serials} | {(second, s) for s in b.serials}
        assert all(d["status"] == "audited" for d in devices)
        assert f"auditing {b.serials[0]} @ {second} (" in got.stderr
        listed = run("devices", "--server", first, "--server", second, "-f", "json")
        rows = json.loads(listed.stdout)["devices"]
        assert {(r["server"], r["serial"]) for r in rows} == by_server
        one = run("check", "--server", first, "--server", second, "-s", f"{second}/{b.serials[0]}", "-f", "json")
        [device] = json.loads(one.stdout)["devices"]
        assert (device["serial"], device["adb_server"]) == (b.serials[0], second)


def test_a_station_that_does_not_answer_is_reported_and_the_others_audited(adb_server):
    dead = f"127.0.0.1:{free_port()}"
    live = f"127.0.0.1:{adb_server.port}"
    with _station(adb_server, "hardened") as a:
        got = run("check", "--server", live, "--server", dead, "--all", "-f", "json")
        devices = {d["serial"]: d for d in json.loads(got.stdout)["devices"]}
        assert got.exit_code == 3
        assert devices[a.serials[0]]["status"] == "audited"
        down = devices[f"adb server {dead}"]
        assert down["status"] == "server-unreachable" and "its phones were not audited" in down["message"]


def test_a_serial_on_two_servers_must_be_named_with_its_server(adb_server, second_server):
    from fakes import FakeConnector, virtual_phone
    from wa_harden import engine
    from wa_harden.device.base import ServerAddress
    from wa_harden.errors import DeviceSelectionError

    class TwoStations(FakeConnector):
        def list_devices(self, address):
            return super().list_devices(address)

    connector = TwoStations([virtual_phone("hardened", "emulator-5554")])
    a, b = ServerAddress("10.0.0.1", 5037), ServerAddress("10.0.0.2", 5037)
    with pytest.raises(DeviceSelectionError, match="name it as SERVER/SERIAL"):
        engine.select_targets(connector, [a, b], ["emulator-5554"], False)
    [target] = engine.select_targets(connector, [a, b], ["10.0.0.2:5037/emulator-5554"], False)
    assert (target.address, target.label) == (b, "emulator-5554 @ 10.0.0.2:5037")


def test_report_dir_holds_a_report_per_phone_and_the_summary_which_the_screen_shows(adb_server, tmp_path):
    folder = tmp_path / "reports"
    with _station(adb_server, "hardened", "fresh-noncompliant", "legacy-oreo") as fleet:
        got = run("check", "--all", "--report-dir", str(folder), env={"ANDROID_ADB_SERVER_PORT": str(adb_server.port)})
    assert got.exit_code == 1
    phones = sorted(p for p in folder.glob("*.json") if p.name != "summary.json")
    assert len(phones) == 3
    assert {json.loads(p.read_text())["devices"][0]["serial"] for p in phones} == set(fleet.serials)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["schema"] == "wa-harden-summary" and summary["phones"] == 3
    assert (folder / "summary.md").read_text().startswith("#")
    assert "phones that need a person" in got.stdout.lower()
    assert '"schema": "wa-harden-report"' not in got.stdout  # the screen shows the summary only
    assert "not compliant: " in got.stderr  # the closing lines name the phones
