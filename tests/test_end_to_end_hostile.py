"""Hostile device text through the whole path: a virtual phone whose model, maker, Android release,
user names, account types, installer, accessibility setting and media folder names attack every
output format, attached to the real adb server (tests/conftest.py) and audited by the CLI.

The in-process cases (and what each format must hold) are in tests/test_hostile_input.py.
"""

from __future__ import annotations

import json

from clirun import run
from hostile import (
    AUDIT_FORMATS,
    INSTALLER,
    MANUFACTURER,
    MODEL,
    RELEASE,
    assert_inert_text,
    audit_rounds,
    batch_commands,
    check_audit_formats,
    hostile_persona,
    record_commands,
    write_persona,
)
from wa_harden.report.text import printable


def test_device_text_through_the_real_adb_server_is_inert_in_every_format(adb_server, phones, tmp_path):
    fleet = phones(write_persona(tmp_path, hostile_persona()))
    [serial] = fleet.serials
    phone = fleet.phone(serial)
    ran = record_commands(phone)
    env = {"ANDROID_ADB_SERVER_PORT": str(adb_server.port)}
    out: dict[str, str] = {}
    for fmt, suffix in AUDIT_FORMATS.items():
        target = tmp_path / f"report{suffix}"
        got = run("check", "-s", serial, "-o", target, env=env)
        assert got.exit_code == 1, got.output
        assert_inert_text(got.stderr, fmt)
        out[fmt] = target.read_text(encoding="utf-8")
    check_audit_formats(out)
    device = json.loads(out["json"])["devices"][0]
    assert (device["identity"]["manufacturer"], device["identity"]["model"], device["identity"]["android_release"]) \
        == (MANUFACTURER, MODEL, RELEASE)  # JSON keeps what the phone said, exactly
    assert any(INSTALLER in r["message"] for r in device["results"])
    assert printable(MODEL) in out["table"]
    listed = run("devices", env=env)
    assert listed.exit_code == 0 and serial in listed.stdout
    assert_inert_text(listed.stdout + listed.stderr)
    # every shell session was an audit round, and the shell ran nothing but their commands
    assert [batch_commands(s) for s in phone.counters.scripts] == audit_rounds([0, 10]) * len(AUDIT_FORMATS) \
        + [["getprop ro.build.version.release", "getprop ro.build.version.sdk"]]
    assert {argv[0] for argv in ran} <= {"exec", "echo", "getprop", "pm", "dumpsys", "settings", "bmgr", "appops",
                                         "content", "find", "dpm"}
