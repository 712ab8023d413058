"""The whole path: virtual phones, the real adb server (bundled binary), adbutils, wa-harden.

A private adb server on a free port is started once per session (tests/conftest.py) and killed at
the end; every phone here is attached to it with `adb connect 127.0.0.1:PORT`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from clirun import run
from wa_harden import engine
from wa_harden.capture import dumps, read_capture
from wa_harden.device.adb import AdbConnector, DeviceSession
from wa_harden.device.base import ServerAddress
from wa_harden.profile import load_profile
from wa_harden.virtual.launcher import adb_binary

PROFILE = "whatsapp-business-gdpr"


def adb(server, *args, timeout=30):
    return subprocess.run([adb_binary(), "-P", str(server.port), *args], capture_output=True, text=True,
                          timeout=timeout, env=server.env)


def audit(server, serials, timeout=30.0, profile=PROFILE):
    address = ServerAddress("127.0.0.1", server.port)
    connector = AdbConnector()
    targets = engine.select_targets(connector, address, serials, False)
    return [a.report for a in engine.audit_targets(connector, targets, load_profile(profile), (), timeout)]


def outcomes(report):
    return {r.check: r.outcome.value for r in report.results}


def run_cli(server, *args):
    return run(*args, env={"ANDROID_ADB_SERVER_PORT": str(server.port)})


def test_adb_lists_the_phone_with_its_model_and_shell_v2_returns_exit_status(adb_server, phones):
    fleet = phones("fresh-noncompliant")
    serial = fleet.serials[0]
    listing = adb(adb_server, "devices", "-l").stdout
    line = next(row for row in listing.splitlines() if row.startswith(serial))
    assert "device" in line.split() and "model:" in line
    dump = adb(adb_server, "-s", serial, "shell", "dumpsys", "package", "com.whatsapp.w4b")
    assert dump.returncode == 0
    assert "Package [com.whatsapp.w4b]" in dump.stdout
    assert adb(adb_server, "-s", serial, "shell", "exit 3").returncode == 3
    missing = adb(adb_server, "-s", serial, "shell", "no-such-tool")
    assert missing.returncode == 127 and "inaccessible or not found" in missing.stderr


def test_full_audit_opens_at_most_two_shell_sessions(adb_server, phones):
    fleet = phones("fresh-noncompliant", "consumer-whatsapp")
    audit(adb_server, fleet.serials)
    single_user, multi_user = (fleet.phone(s) for s in fleet.serials)
    assert single_user.counters.shell_sessions == 1
    assert multi_user.counters.shell_sessions == 2


@pytest.mark.parametrize("persona,expected", [
    ("fresh-noncompliant", {"wa-business-installed": "pass", "wa-consumer-absent": "pass",
                            "wa-contacts-denied": "fail", "android-backup-disabled": "fail",
                            "wa-media-hidden": "fail", "wa-contact-sync-traces": "fail",
                            "wa-chat-backup": "manual", "org-dpa": "manual"}),
    ("hardened", {"wa-business-installed": "pass", "wa-consumer-absent": "pass", "wa-contacts-denied": "pass",
                  "android-backup-disabled": "pass", "wa-media-hidden": "pass", "wa-contact-sync-traces": "pass",
                  "wa-app-current": "pass", "wa-installer-trusted": "pass", "device-patch-age": "pass",
                  "device-os-version": "pass", "device-screen-lock": "pass", "device-encryption": "pass",
                  "device-users-auditable": "pass"}),
    ("consumer-whatsapp", {"wa-consumer-absent": "fail", "device-users-auditable": "manual"}),
    ("legacy-oreo", {"device-os-version": "fail", "device-patch-age": "fail", "wa-app-current": "fail",
                     "wa-media-hidden": "fail", "device-screen-lock": "pass"}),
    ("xiaomi-locked", {"wa-consumer-absent": "fail"}),
    ("mdm-managed", {"device-managed": "pass", "android-backup-disabled": "pass"}),
    ("android15-private-space", {"device-users-auditable": "manual", "wa-business-installed": "pass"}),
])
def test_outcomes_follow_the_persona(adb_server, phones, persona, expected):
    fleet = phones(persona)
    [report] = audit(adb_server, fleet.serials)
    assert report.status.value == "audited", report.message
    got = outcomes(report)
    assert {k: got.get(k) for k in expected} == expected


def test_hardened_phone_has_no_failures_or_errors(adb_server, phones):
    fleet = phones("hardened")
    [report] = audit(adb_server, fleet.serials)
    bad = {r.check: (r.outcome.value, r.reason) for r in report.results if r.outcome.value in ("fail", "error")}
    assert bad == {}


def test_mdm_reason_and_restricted_user_reason(adb_server, phones):
    fleet = phones("mdm-managed", "consumer-whatsapp")
    managed, consumer = audit(adb_server, fleet.serials)
    assert {r.check: r.reason for r in managed.results}["device-managed"] == "managed"
    assert {r.check: r.reason for r in consumer.results}["device-users-auditable"] == "user-restricted"


def test_replay_of_a_capture_gives_the_same_json_results(adb_server, phones, tmp_path):
    fleet = phones("consumer-whatsapp")
    serial = fleet.serials[0]
    capture_file = tmp_path / "phone.json"
    got = run_cli(adb_server, "capture", "-s", serial, "-o", str(capture_file))
    assert got.exit_code == 0, got.output
    live = run_cli(adb_server, "check", "-s", serial, "--format", "json")
    replay = run_cli(adb_server, "check", "--replay", str(capture_file), "--format", "json")
    live_results = json.loads(live.stdout)["devices"][0]["results"]
    replay_results = json.loads(replay.stdout)["devices"][0]["results"]
    assert live_results == replay_results
    assert live.exit_code == replay.exit_code == 1


def test_capture_holds_no_account_names(adb_server, phones, tmp_path):
    fleet = phones("fresh-noncompliant")
    capture_file = tmp_path / "phone.json"
    assert run_cli(adb_server, "capture", "-s", fleet.serials[0], "-o", str(capture_file)).exit_code == 0
    data = json.loads(capture_file.read_text())
    account = next(c for c in data["commands"] if c["command"] == "dumpsys account")
    assert "type=com.google" in account["output"]
    assert "name=***" in account["output"]
    assert "@example.com" not in account["output"].replace("***@example.com", "")


def test_several_phones_and_none_chosen_exit_2_and_list_them(adb_server, phones):
    fleet = phones("hardened", "hardened")
    got = run_cli(adb_server, "check")
    assert got.exit_code == 2
    for serial in fleet.serials:
        assert serial in got.stderr


def test_unauthorized_and_offline_phones_get_remedies_and_exit_3(adb_server, phones):
    ok = phones("hardened")
    locked = phones("hardened", faults={"unauthorized": True})
    got = run_cli(adb_server, "check", "-s", ok.serials[0], "-s", locked.serials[0], "-s", "nonexistent:1",
                  "--format", "json")
    assert got.exit_code == 3
    devices = {d["serial"]: d for d in json.loads(got.stdout)["devices"]}
    assert devices[ok.serials[0]]["status"] == "audited" and devices[ok.serials[0]]["results"]
    assert devices[locked.serials[0]]["status"] == "unauthorized"
    assert "accept the USB debugging prompt" in devices[locked.serials[0]]["message"]
    assert devices["nonexistent:1"]["status"] == "not-found"


def test_a_hanging_phone_times_out_without_hurting_the_others(adb_server, phones):
    ok = phones("hardened")
    stuck = phones("hardened", faults={"hang_on": "dumpsys account"})
    reports = audit(adb_server, [ok.serials[0], stuck.serials[0]], timeout=3.0)
    assert reports[0].status.value == "audited"
    assert reports[1].status.value == "partial"
    by_check = {r.check: r for r in reports[1].results}
    assert by_check["device-dedicated"].outcome.value == "error"
    assert by_check["device-dedicated"].reason == "timeout"
    assert by_check["device-patch-age"].outcome.value == "pass"  # read before the hang


def test_a_cable_pulled_mid_output_keeps_what_was_read(adb_server, phones):
    fleet = phones("fresh-noncompliant", faults={"drop_mid_output_at": 8})
    [report] = audit(adb_server, fleet.serials)
    assert report.status.value == "partial"
    assert "connection dropped" in report.message
    assert any(r.reason == "connection-lost" for r in report.results)
    assert outcomes(report)["device-os-version"] == "pass"


def test_shell_v1_only_phone_is_audited_the_same(adb_server, phones):
    v2 = phones("fresh-noncompliant")
    v1 = phones("fresh-noncompliant", faults={"shell_v2": False})
    a, b = audit(adb_server, [v2.serials[0], v1.serials[0]])
    assert [(r.check, r.outcome, r.reason) for r in a.results] == [(r.check, r.outcome, r.reason) for r in b.results]


def test_devices_command_shows_state_model_and_version(adb_server, phones):
    fleet = phones("legacy-oreo")
    got = run_cli(adb_server, "devices", "--format", "json")
    assert got.exit_code == 0
    row = next(d for d in json.loads(got.stdout)["devices"] if d["serial"] == fleet.serials[0])
    assert row["state"] == "device" and row["sdk"] == 27 and row["android"].startswith("8.1")


def test_session_helper_reports_exit_codes_with_v2(adb_server, phones):
    fleet = phones("hardened")
    session = DeviceSession(ServerAddress("127.0.0.1", adb_server.port), fleet.serials[0])
    result = session.shell("echo hi; exit 4", timeout=10)
    assert (result.stdout, result.exit_code, result.complete) == (b"hi\n", 4, True)


def test_virtual_command_attaches_phones_and_detaches_them_on_sigterm(adb_server):
    import signal
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "wa_harden", "virtual", "--persona", "legacy-oreo",
                             "--count", "2", "--adb-port", str(adb_server.port), "--latency-scale", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=adb_server.env)
    try:
        serials = [proc.stdout.readline().split("\t")[0] for _ in range(2)]
        listing = adb(adb_server, "devices").stdout
        assert all(f"{s}\tdevice" in listing for s in serials)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert "virtual phones disconnected" in proc.stderr.read()
        listing = adb(adb_server, "devices").stdout
        assert not any(s in listing for s in serials)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_audit_never_counts_as_a_failed_unlock_on_old_android(adb_server, phones):
    fleet = phones("legacy-oreo")
    phone = fleet.phone(fleet.serials[0])
    # The trap is real on this phone: `locksettings` reports a failed attempt on Android <= 12.
    probe = phone.run_shell("locksettings get-disabled")
    assert phone.android.state.lock(0).failed_unlock_attempts == 1 and probe.status == 255
    [report] = audit(adb_server, fleet.serials)
    assert outcomes(report)["device-screen-lock"] == "pass"
    assert phone.android.state.lock(0).failed_unlock_attempts == 1  # unchanged by the audit
    assert not any("locksettings" in script for script in phone.counters.scripts[1:])


def test_an_offline_phone_is_reported_with_a_remedy(adb_server, phones):
    fleet = phones("hardened", faults={"offline": True})  # adb connect waits ~10 s for the handshake
    assert fleet.states()[fleet.serials[0]] == "offline"
    got = run_cli(adb_server, "check", "-s", fleet.serials[0], "--format", "json")
    assert got.exit_code == 3
    device = json.loads(got.stdout)["devices"][0]
    assert device["status"] == "offline" and "reconnect the cable" in device["message"]


REPLAY_GAPS = {
    "timeout": ("fresh-noncompliant", {"hang_on": "dumpsys account"}),
    "drop-mid-output": ("fresh-noncompliant", {"drop_mid_output_at": 8}),
    "drop-after-commands": ("fresh-noncompliant", {"drop_after_commands": 5}),
    "unparseable": ("fresh-noncompliant", {"drop_after_commands": 5, "shell_v2": False}),
    "refused-user": ("consumer-whatsapp", {}),
    "oem-refusal": ("xiaomi-locked", {}),
}


@pytest.mark.parametrize("gap", REPLAY_GAPS)
def test_replay_of_a_capture_equals_the_live_report_for_every_gap(adb_server, phones, tmp_path, gap):
    persona, faults = REPLAY_GAPS[gap]
    fleet = phones(persona, faults=faults)
    address = ServerAddress("127.0.0.1", adb_server.port)
    connector = AdbConnector()
    targets = engine.select_targets(connector, address, fleet.serials, False)
    [live] = engine.audit_targets(connector, targets, load_profile(PROFILE), (), timeout=3.0)
    path = tmp_path / "capture.json"
    path.write_text(dumps(live.capture))
    replayed = engine.audit_capture(read_capture(path), load_profile(PROFILE))
    assert (replayed.status, replayed.message, replayed.results) == (live.report.status, live.report.message,
                                                                     live.report.results)
    if gap in ("timeout", "drop-mid-output", "drop-after-commands", "unparseable"):
        assert live.report.status.value == "partial" and live.capture.incomplete


def test_check_replay_of_a_timed_out_capture_exits_3_with_the_live_message(adb_server, phones, tmp_path):
    fleet = phones("fresh-noncompliant", faults={"hang_on": "dumpsys account"})
    serial = fleet.serials[0]
    path = tmp_path / "cut.json"
    captured = run_cli(adb_server, "capture", "-s", serial, "-o", str(path), "--timeout", "3")
    assert captured.exit_code == 3 and "incomplete: timeout" in captured.stderr
    live = run_cli(adb_server, "check", "-s", serial, "--timeout", "3", "-f", "json")
    replay = run_cli(adb_server, "check", "--replay", str(path), "-f", "json")
    assert live.exit_code == replay.exit_code == 3
    live_device, replay_device = (json.loads(r.stdout)["devices"][0] for r in (live, replay))
    assert live_device["message"] == replay_device["message"]
    assert "did not answer within 3 s" in replay_device["message"]


def test_an_incomplete_capture_never_replaces_a_complete_one_unless_forced(adb_server, phones, tmp_path):
    healthy = phones("hardened")
    path = tmp_path / "phone.json"
    assert run_cli(adb_server, "capture", "-s", healthy.serials[0], "-o", str(path)).exit_code == 0
    complete = path.read_text()
    healthy.phone(healthy.serials[0]).with_faults(hang_on="dumpsys account")
    kept = run_cli(adb_server, "capture", "-s", healthy.serials[0], "-o", str(path), "--timeout", "2")
    assert kept.exit_code == 3 and "is kept (--force replaces it)" in kept.stderr
    assert path.read_text() == complete
    forced = run_cli(adb_server, "capture", "-s", healthy.serials[0], "-o", str(path), "--timeout", "2", "--force")
    assert forced.exit_code == 3 and json.loads(path.read_text())["incomplete"] == "timeout"


def test_capture_of_several_phones_is_refused_clearly(adb_server, phones, tmp_path):
    fleet = phones("hardened", "hardened")
    got = run_cli(adb_server, "capture", "-s", fleet.serials[0], "-s", fleet.serials[1], "-o", str(tmp_path / "x.json"))
    assert got.exit_code == 2 and "one phone" in got.stderr
    assert not (tmp_path / "x.json").exists()


def test_ctrl_c_ends_a_check_while_a_phone_hangs(adb_server, phones):
    import signal
    import sys

    fleet = phones("hardened", faults={"hang_on": "getprop"})
    env = {**adb_server.env, "ANDROID_ADB_SERVER_PORT": str(adb_server.port)}
    proc = subprocess.Popen([sys.executable, "-m", "wa_harden", "check", "-s", fleet.serials[0], "--timeout", "120"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert "auditing" in proc.stderr.readline()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 130  # long before the phone's 120 s deadline
        assert "interrupted" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


# --- verdicts an auditor can sign (issue 7), through the real adb server ---------------------------


def test_a_dumpsys_that_times_out_is_no_evidence_for_the_contacts_check(adb_server, phones):
    fleet = phones("hardened", faults={"dumpsys_timeout": "package"})
    [report] = audit(adb_server, fleet.serials)
    contacts = {r.check: r for r in report.results}["wa-contacts-denied"]
    assert (contacts.outcome.value, contacts.reason) == ("error", "timeout")
    assert "dumpsys gave up on the 'package' service" in contacts.message


def test_a_killed_find_is_no_evidence_that_media_is_hidden(adb_server, phones):
    fleet = phones("hardened", faults={"killed_on": "find"})
    [report] = audit(adb_server, fleet.serials)
    media = {r.check: r for r in report.results}["wa-media-hidden"]
    assert media.outcome.value == "error" and media.reason == "command-failed"
    assert "was killed (SIGKILL), status 137" in media.message


def test_the_rooted_and_modded_phone_fails_what_an_expert_would_fail(adb_server, phones):
    fleet = phones("rooted-modded")
    [report] = audit(adb_server, fleet.serials)
    by_check = {r.check: r for r in report.results}
    expected = {"device-verified-boot": "fail", "wa-installer-trusted": "fail", "wa-mods-absent": "fail",
                "wa-app-current": "fail", "device-chat-readers": "fail", "device-unknown-sources": "fail"}
    assert {c: by_check[c].outcome.value for c in expected} == expected
    assert by_check["wa-installer-trusted"].reason == "installed-over-adb"
    assert "com.gbwhatsapp" in by_check["wa-mods-absent"].message


def test_the_hardened_phone_passes_the_new_checks_and_leaves_only_manual_items_open(adb_server, phones):
    fleet = phones("hardened")
    got = run_cli(adb_server, "check", "-s", fleet.serials[0], "-f", "json")
    device = json.loads(got.stdout)["devices"][0]
    outcomes_by_check = {r["check"]: r["outcome"] for r in device["results"]}
    for check in ("device-verified-boot", "device-unknown-sources", "device-chat-readers",
                  "device-lockscreen-previews", "device-auto-lock", "wa-mods-absent", "wa-installer-trusted"):
        assert outcomes_by_check[check] == "pass", check
    assert outcomes_by_check["device-debugging-handover"] == "manual"
    assert device["verdict"] == "not-yet-compliant" and got.exit_code == 1
    assert run_cli(adb_server, "check", "-s", fleet.serials[0], "--skip-manual").exit_code == 0


def test_a_live_capture_masks_android_user_names(adb_server, phones, tmp_path):
    from wa_harden.virtual.android import load_persona

    persona = tmp_path / "named.toml"
    source = Path(load_persona("hardened").source)
    text = source.read_text(encoding="utf-8").replace('kind = "system"\n', 'kind = "system"\nname = "Example Person"\n', 1)
    persona.write_text(text.replace('name = "hardened"', 'name = "named"', 1), encoding="utf-8")
    fleet = phones(str(persona))
    path = tmp_path / "phone.json"
    assert run_cli(adb_server, "capture", "-s", fleet.serials[0], "-o", str(path)).exit_code == 0
    data = path.read_text()
    assert "Example Person" not in data and "UserInfo{0:***:" in data
