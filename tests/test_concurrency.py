"""Two stations, one phone, one journal: a per-phone lock, and a hash chain that never forks."""

from __future__ import annotations

import json
import subprocess
import sys

from fakes import FakeConnector, virtual_phone
from wa_harden import engine
from wa_harden.device.base import ServerAddress
from wa_harden.fix.apply import apply_fix, plan_targets
from wa_harden.journal import Journal
from wa_harden.model import ActionStatus
from wa_harden.profile import load_profile

PROFILE = load_profile("whatsapp-business-gdpr")


def test_a_phone_held_by_another_run_is_not_changed_and_the_message_names_the_holder(tmp_path):
    phone = virtual_phone("fresh-noncompliant")
    connector = FakeConnector([phone])
    targets = engine.select_targets(connector, ServerAddress("127.0.0.1", 5999), [phone.serial], False)
    journal = Journal(tmp_path / "journal")
    plans = plan_targets(connector, targets, PROFILE, (), 30, 4)
    before = phone.android.snapshot()
    with journal.phone_lock(phone.serial, "20261130T070000Z-aaaaaa"):
        [run] = apply_fix(connector, plans, PROFILE, (), journal, journal.new_run_id(), 30, 4)
    assert not run.handled
    assert run.message.startswith(f"not changed: {phone.serial} is being changed by another wa-harden run (pid ")
    assert "run 20261130T070000Z-aaaaaa" in run.message
    assert phone.android.snapshot().diff(before) == []
    [again] = apply_fix(connector, plans, PROFILE, (), journal, journal.new_run_id(), 30, 4)  # the lock is free
    assert again.handled and {r.status for r in again.results} == {ActionStatus.VERIFIED}


def test_two_fix_runs_on_one_phone_at_once_one_applies_the_other_refuses(adb_server, phones, tmp_path):
    fleet = phones("fresh-noncompliant", latency_scale=0.3)
    serial = fleet.serials[0]
    env = {**adb_server.env, "ANDROID_ADB_SERVER_PORT": str(adb_server.port),
           "WA_HARDEN_JOURNAL_DIR": str(tmp_path / "journal")}
    command = [sys.executable, "-m", "wa_harden", "fix", "-s", serial, "--yes", "-f", "json"]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    outs = [p.communicate(timeout=240) for p in (first, second)]
    codes = sorted(p.returncode for p in (first, second))
    devices = [json.loads(out)["devices"][0] for out, _err in outs]
    done = [d for d in devices if d["status"] == "done"]
    assert len(done) >= 1, (codes, [d["message"] for d in devices])
    refused = [d for d in devices if d["status"] != "done"]
    for device in refused:  # when both wanted the phone at once, the second one says who holds it
        assert "is being changed by another wa-harden run" in device["message"]
        assert {a["status"] for a in device["actions"]} <= {"skipped"}  # nothing of it ran
    assert codes in ([1, 1], [1, 3])  # both done one after the other, or one refused (exit 3)
    verify = subprocess.run([sys.executable, "-m", "wa_harden", "journal", "verify"], capture_output=True, text=True,
                            env=env)
    assert verify.returncode == 0, verify.stdout
    check = subprocess.run([sys.executable, "-m", "wa_harden", "check", "-s", serial, "-f", "json"],
                           capture_output=True, text=True, env=env)
    outcomes = {r["check"]: r["outcome"] for r in json.loads(check.stdout)["devices"][0]["results"]}
    assert outcomes["wa-contacts-denied"] == outcomes["wa-media-hidden"] == "pass"
