"""Faults a phone acts out inside a command: a dumpsys service that times out, a command killed by
SIGKILL; both as persona keys, checked like every other key."""

from __future__ import annotations

import pytest

from android_helpers import W4B, out, persona_data, phone_for, refusal, virtual_phone
from wa_harden.parse.dumpsys_package import parse_dumpsys_package
from wa_harden.virtual.android import load_persona
from wa_harden.virtual.api import STDERR, STDOUT, FaultConfig, Output, Pause

TIMEOUT_LINE = "*** SERVICE 'package' DUMP TIMEOUT (10000ms) EXPIRED ***"


def streams(outcome) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(e.fd, e.data.decode()) for e in outcome.events if isinstance(e, Output)]


def text(outcome, fd: int = STDOUT) -> str:  # type: ignore[no-untyped-def]
    return "".join(data for stream, data in streams(outcome) if stream == fd)


# --- dumpsys_timeout ---------------------------------------------------------------------------------


def test_a_timed_out_package_dump_stops_before_the_runtime_permissions():
    phone = phone_for("14")
    whole = out(phone, f"dumpsys package {W4B}")
    phone.faults = FaultConfig(dumpsys_timeout="package")
    cut = out(phone, f"dumpsys package {W4B}")
    head, marker = cut.split(f"\n{TIMEOUT_LINE}\n", 1)
    assert marker == "\n" and whole.startswith(head) and head.endswith("      gids=[3003]\n")
    assert "runtime permissions:" not in head and "    User 0: ceDataInode=" in head
    parsed = parse_dumpsys_package(cut, W4B)
    assert parsed is not None  # the parser decides what a cut dump is worth; it must not crash


def test_dumpsys_timeout_exits_0_honours_t_and_T_and_spares_other_services():
    phone = virtual_phone({"name": "t", "device": {"oem": "google", "android": "15"}, "apps": [{"package": W4B}]},
                          dumpsys_timeout="package")
    outcome = phone.run_shell(f"dumpsys -t 2 package {W4B}; echo rc=$?; dumpsys -T 500 package {W4B}; "
                              "dumpsys account | head -1")
    stdout = text(outcome)
    assert "\n*** SERVICE 'package' DUMP TIMEOUT (2000ms) EXPIRED ***\n\nrc=0\n" in stdout
    assert "\n*** SERVICE 'package' DUMP TIMEOUT (500ms) EXPIRED ***\n\n" in stdout
    assert stdout.endswith("User UserInfo{0:Owner:4c13}:\n")


def test_a_timed_out_dump_takes_its_whole_timeout():
    phone = virtual_phone("hardened", dumpsys_timeout="user")
    phone.with_faults(latency_scale=1.0)
    outcome = phone.run_shell("dumpsys user; dumpsys -t 3 user; dumpsys account")
    assert [e.seconds for e in outcome.events if isinstance(e, Pause)] == [10.0, 3.0, 0.08]
    assert text(outcome).count("*** SERVICE 'user' DUMP TIMEOUT") == 2


def test_dumpsys_timeout_can_be_switched_on_at_run_time():
    phone = virtual_phone("fresh-noncompliant")
    assert TIMEOUT_LINE not in text(phone.run_shell(f"dumpsys package {W4B}"))
    phone.with_faults(dumpsys_timeout="package")
    assert TIMEOUT_LINE in text(phone.run_shell(f"dumpsys package {W4B}"))


# --- killed_on -----------------------------------------------------------------------------------------


def test_a_killed_find_ends_with_137_and_the_shell_reports_killed():
    media = "/storage/emulated/0/Android/media/com.whatsapp.w4b/WhatsApp Business/Media"
    find = f"find '{media}' -maxdepth 1 -type d"
    whole = text(virtual_phone("fresh-noncompliant").run_shell(find))
    phone = virtual_phone("fresh-noncompliant", killed_on="find")
    outcome = phone.run_shell(f'exec 2>&1; echo BEGIN; {find} 2>&1; echo "END$?"; getprop ro.build.version.sdk')
    stdout = text(outcome)
    tail = "Killed \nEND137\n34\n"  # mksh writes to its own stderr, merged here by exec 2>&1
    assert stdout == f"BEGIN\n{whole[:len(whole) // 2]}{tail}"
    assert (outcome.status, outcome.fault, phone.counters.commands_run) == (0, None, 5)


def test_killed_on_matches_the_start_of_the_command_line():
    phone = virtual_phone("hardened", killed_on="dumpsys package")
    outcome = phone.run_shell("dumpsys account >/dev/null; echo a=$?; dumpsys package com.whatsapp.w4b >/dev/null; "
                              "echo b=$?")
    assert streams(outcome) == [(STDOUT, "a=0\n"), (STDERR, "Killed \n"), (STDOUT, "b=137\n")]


# --- the persona keys --------------------------------------------------------------------------------


def test_fault_keys_load_from_a_persona(tmp_path):
    path = tmp_path / "slow.toml"
    path.write_text('name = "slow"\n[device]\noem = "google"\nandroid = "14"\n'
                    '[faults]\ndumpsys_timeout = "package"\nkilled_on = "find"\n')
    faults = load_persona(path).faults
    assert (faults.dumpsys_timeout, faults.killed_on) == ("package", "find")


@pytest.mark.parametrize(("faults", "key"), [({"dumpsys_timeout": "window"}, "faults.dumpsys_timeout"),
                                            ({"killed_on": 3}, "faults.killed_on")])
def test_bad_fault_keys_are_refused(faults, key):
    assert refusal(persona_data(faults=faults)).key == key


# --- drop_on, drop_mid_output_on ---------------------------------------------------------------------


def test_drop_on_pulls_the_cable_before_a_matching_command_runs():
    from wa_harden.virtual.api import Fault

    phone = virtual_phone("fresh-noncompliant", drop_on="pm revoke")
    before = phone.snapshot()
    outcome = phone.run_shell(f"echo one; pm revoke --user 0 {W4B} android.permission.READ_CONTACTS; echo two")
    assert (outcome.fault, outcome.status) == (Fault.DROP, None)
    assert text(outcome) == "one\n"
    assert before.diff(phone.snapshot()) == []  # it never ran


def test_drop_mid_output_on_runs_the_matching_command_then_pulls_the_cable():
    from wa_harden.virtual.api import Fault

    phone = virtual_phone("fresh-noncompliant", drop_mid_output_on="pm revoke")
    before = phone.snapshot()
    outcome = phone.run_shell(f"pm revoke --user 0 {W4B} android.permission.READ_CONTACTS; echo after")
    assert (outcome.fault, outcome.status) == (Fault.DROP, None)
    assert "after" not in text(outcome)
    changed = before.diff(phone.snapshot())
    assert any("READ_CONTACTS'].granted: True -> False" in line for line in changed), changed  # it took effect
