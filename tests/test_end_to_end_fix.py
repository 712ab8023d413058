"""`fix`, `undo` and `journal` through the CLI, the real adb server and virtual phones."""

from __future__ import annotations

import json

import pytest

from clirun import run


@pytest.fixture
def cli(adb_server, tmp_path):
    journal = tmp_path / "journal"

    def invoke(*args, input=None):
        return run(*args, env={"ANDROID_ADB_SERVER_PORT": str(adb_server.port),
                               "WA_HARDEN_JOURNAL_DIR": str(journal)}, input=input)

    invoke.journal = journal
    return invoke


def test_without_a_terminal_and_without_yes_nothing_is_applied(cli, phones):
    fleet = phones("fresh-noncompliant")
    phone = fleet.phone(fleet.serials[0])
    got = cli("fix", "-s", fleet.serials[0])
    assert got.exit_code == 2
    assert "nothing was changed: there is no terminal to confirm on; run again with --yes" in got.stderr
    assert "Plan (13 action(s); nothing has been changed)" in got.stderr
    assert not any("pm revoke" in script for script in phone.counters.scripts)


def test_dry_run_shows_the_plan_with_tiers_and_changes_nothing(cli, phones):
    fleet = phones("fresh-noncompliant")
    phone = fleet.phone(fleet.serials[0])
    got = cli("fix", "-s", fleet.serials[0], "--dry-run", "-f", "json")
    assert got.exit_code == 1  # as `check` would exit
    data = json.loads(got.stdout)
    assert data["schema"] == "wa-harden-fix" and data["dry_run"] is True and data["run_id"] is None
    actions = data["devices"][0]["actions"]
    assert {a["status"] for a in actions} == {"planned"}
    assert {a["tier"] for a in actions} == {"safe", "disruptive"}
    assert any(a["command"] == "bmgr enable false" and a["tier"] == "disruptive" for a in actions)
    assert not any("pm revoke" in script for script in phone.counters.scripts)
    assert not cli.journal.exists()


def test_fix_yes_then_check_then_undo_then_journal(cli, phones):
    fleet = phones("fresh-noncompliant")
    serial = fleet.serials[0]
    fixed = cli("fix", "-s", serial, "--yes", "-f", "json")
    assert fixed.exit_code == 1, fixed.stderr  # manual items remain for a person
    data = json.loads(fixed.stdout)
    run_id = data["run_id"]
    device = data["devices"][0]
    assert device["status"] == "done"
    assert {a["status"] for a in device["actions"]} == {"verified"}
    before = {r["check"]: r["outcome"] for r in device["before"]}
    after = {r["check"]: r["outcome"] for r in device["after"]}
    for check in ("wa-contacts-denied", "android-backup-disabled", "wa-media-hidden"):
        assert (before[check], after[check]) == ("fail", "pass"), check
    checked = json.loads(cli("check", "-s", serial, "-f", "json").stdout)["devices"][0]
    assert {r["check"]: r["outcome"] for r in checked["results"]}["wa-contacts-denied"] == "pass"
    undone = cli("undo", run_id, "--yes")
    assert undone.exit_code == 0, undone.output
    assert f"undo of run {run_id}" in undone.stdout and "UNDO — 13 verified" in undone.stdout
    again = json.loads(cli("check", "-s", serial, "-f", "json").stdout)["devices"][0]
    assert {r["check"]: r["outcome"] for r in again["results"]}["wa-contacts-denied"] == "fail"
    listed = cli("journal", "list")
    assert listed.exit_code == 0 and run_id in listed.stdout and "13 ran" in listed.stdout
    shown = cli("journal", "show", run_id)
    assert "pm revoke --user 0 com.whatsapp.w4b android.permission.READ_CONTACTS" in shown.stdout
    verified = cli("journal", "verify")
    assert verified.exit_code == 0 and verified.stdout.startswith("journal intact: ")


def test_journal_verify_names_the_first_tampered_record(cli, phones):
    fleet = phones("fresh-noncompliant")
    assert cli("fix", "-s", fleet.serials[0], "--yes", "--only", "wa-media-hidden").exit_code == 1
    path = cli.journal / "journal.jsonl"
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace('"ran"', '"refused"')
    path.write_text("\n".join(lines) + "\n")
    got = cli("journal", "verify")
    assert got.exit_code == 1
    assert got.stdout.startswith("journal broken at line 4: record 4 was changed after it was written")


def test_a_refusing_xiaomi_exits_4_with_the_advice(cli, phones):
    fleet = phones("xiaomi-locked")
    got = cli("fix", "-s", fleet.serials[0], "--yes")
    assert got.exit_code == 4
    assert "REFUSED" in got.stdout and "USB debugging (Security settings)" in got.stdout


def test_fix_of_two_phones_one_unauthorized_exits_3_and_fixes_the_other(cli, phones):
    ok = phones("fresh-noncompliant")
    locked = phones("hardened", faults={"unauthorized": True})
    got = cli("fix", "-s", ok.serials[0], "-s", locked.serials[0], "--yes", "-f", "json")
    assert got.exit_code == 3
    devices = {d["serial"]: d for d in json.loads(got.stdout)["devices"]}
    assert devices[ok.serials[0]]["status"] == "done"
    assert devices[locked.serials[0]]["status"] == "unauthorized"


def test_only_refuses_a_check_wa_harden_cannot_fix(cli):
    got = cli("fix", "--only", "device-patch-age")
    assert got.exit_code == 2 and "wa-harden cannot fix 'device-patch-age'" in got.stderr


def test_undo_of_an_unknown_run_is_a_clear_error(cli, phones):
    fleet = phones("fresh-noncompliant")
    assert cli("fix", "-s", fleet.serials[0], "--yes", "--only", "wa-media-hidden").exit_code == 1
    got = cli("undo", "20261130T000000Z-abcdef", "--yes")
    assert got.exit_code == 2 and "20261130T000000Z-abcdef" in got.stderr
    bad = cli("undo", "../../etc", "--yes")
    assert bad.exit_code == 2
