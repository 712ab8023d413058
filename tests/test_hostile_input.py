"""Hostile input: profiles, serials, file names, capture files, dates and device-provided text.

Every case ends in a clear error (exit 2, one line naming the file and key or the option) or in
reports where the text is quoted and escaped in every format: table, JSON, CSV, Markdown, HTML,
JUnit, the checklist, the fleet summary and the fix reports.  And no command runs on the phone but
those the audit or the fix means to send: every script the virtual phone ran is read back into its
commands and compared with ``collect.round_one()``, the per-user commands and the planned actions,
and the argv of every command its shell ran is recorded (tests/hostile.py).
docs/RELIABILITY.md ("Hostile input") says what is refused and what is escaped where.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from clirun import run
from fakes import NOW, FakeConnector, InProcessPhone, virtual_phone
from hostile import (
    AUDIT_FORMATS,
    FOLDERS,
    INSTALLER,
    MANUFACTURER,
    MODEL,
    RELEASE,
    SERIAL,
    SHELL_WORDS,
    assert_csv_inert,
    assert_inert_text,
    assert_markdown_inert,
    assert_only_meant_commands,
    audit_rounds,
    batch_commands,
    check_audit_formats,
    hostile_persona,
    record_commands,
    toml_str,
    write_persona,
)
from report.markup_check import Elements, assert_self_contained
from wa_harden import collect, engine
from wa_harden import commands as cmd
from wa_harden.capture import MAX_CAPTURE_BYTES, Capture, dumps, read_capture
from wa_harden.errors import CONTROL_CHARS, ProfileError, one_line
from wa_harden.model import Severity
from wa_harden.profile import load_attestations, load_profile
from wa_harden.report import Format, RunInfo, render
from wa_harden.report.text import printable
from wa_harden.virtual.android import load_persona
from wa_harden.virtual.android.persona import persona_from_data
from wa_harden.virtual.android.persona_schema import PersonaError

REPO = Path(__file__).resolve().parent.parent
PROFILE = "whatsapp-business-gdpr"
RUN = RunInfo(PROFILE, Severity.INFO, datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "test")


def _connect(monkeypatch, *phones):  # type: ignore[no-untyped-def]
    connector = FakeConnector(list(phones))
    monkeypatch.setattr("wa_harden.device.base.adb_connector", lambda: connector)
    return connector


def _one_line_error(got, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    """Exit 2 with one line on stderr that holds ``fragments``, and no control character."""
    assert got.exit_code == 2, got.output
    assert got.stderr.count("\n") == 1 and got.stderr.startswith("wa-harden: "), got.stderr
    assert_inert_text(got.stderr)
    for fragment in fragments:
        assert fragment in got.stderr, (fragment, got.stderr)
    assert "Traceback" not in got.output


def _capture(persona: str = "fresh-noncompliant", serial: str = "R58M00001") -> Capture:
    phone = virtual_phone(persona, serial=serial)
    return collect.collect(InProcessPhone(phone), serial, 30)


def _write_capture(path: Path, capture: Capture) -> Path:
    path.write_text(dumps(capture), encoding="utf-8")
    return path


def _render_everything(reports, run=RUN) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every audit format of ``reports``; none may fail, and each is checked for what it must hold."""
    out = {fmt.value: render(fmt, reports, run) for fmt in Format}
    check_audit_formats(out)
    return out


# === 1. shell text in what wa-harden builds commands from ========================================


@pytest.mark.parametrize("word", SHELL_WORDS)
def test_command_builders_refuse_shell_text(word):
    builders = [
        lambda: cmd.package_name(cmd.WHATSAPP_BUSINESS + word),
        lambda: cmd.permission_name("android.permission.READ_CONTACTS" + word),
        lambda: cmd.settings_get("secure", "backup_enabled" + word, 0),
        lambda: cmd.pm_revoke(0, cmd.WHATSAPP_BUSINESS, "android.permission.READ_CONTACTS" + word),
        lambda: cmd.pm_set_permission_flags(0, cmd.WHATSAPP_BUSINESS + word, "android.permission.READ_CONTACTS"),
    ]
    for build in builders:
        with pytest.raises(ValueError):
            build()


def test_a_trailing_line_feed_cannot_split_a_command():
    # Regression: the validators matched with `^...$`, and `$` matches before a final line feed:
    # `pm revoke --user 0 com.whatsapp.w4b\n android.permission.READ_CONTACTS` is two commands.
    for build in (lambda: cmd.pm_revoke(0, "com.whatsapp.w4b\n", "android.permission.READ_CONTACTS"),
                  lambda: cmd.pm_grant(0, "com.whatsapp.w4b", "android.permission.READ_CONTACTS\n"),
                  lambda: cmd.settings_get("secure", "backup_enabled\n", 0),
                  lambda: cmd.dumpsys_package("com.whatsapp\n")):
        with pytest.raises(ValueError):
            build()


@pytest.mark.parametrize("name", FOLDERS)
def test_a_path_with_shell_text_is_one_quoted_word(name):
    path = f"/storage/emulated/0/Android/media/com.whatsapp.w4b/WhatsApp Business/Media/{name}/.nomedia"
    assert shlex.split(cmd.touch(path)) == ["touch", path]
    assert shlex.split(cmd.remove_file(path)) == ["rm", "-f", path]


def test_paths_with_a_line_feed_or_outside_shared_storage_are_refused():
    for path in ("/storage/emulated/0/WhatsApp Business/Media/a\nreboot/.nomedia",
                 "/storage/emulated/0/../../../system/.nomedia", "/data/system/.nomedia"):
        with pytest.raises(ValueError):
            cmd.touch(path)


# --- profiles ---------------------------------------------------------------------------------------

LIST_PARAMS = [
    ("wa-contacts-denied", "permissions", "android.permission.READ_CONTACTS"),
    ("wa-installer-trusted", "allowed_installers", "com.android.vending"),
    ("wa-mods-absent", "packages", "com.gbwhatsapp"),
    ("device-verified-boot", "root_packages", "com.topjohnwu.magisk"),
    ("device-unknown-sources", "allowed_packages", "com.example.mdm"),
    ("device-chat-readers", "allowed_packages", "com.example.mdm"),
    ("device-dedicated", "forbidden_account_types", "com.whatsapp"),
]


def _profile(tmp_path: Path, body: str, name: str = "hostile.toml") -> Path:
    path = tmp_path / name
    path.write_text('[profile]\nname = "hostile"\nextends = "whatsapp-business-gdpr"\n' + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("check,param,good", LIST_PARAMS)
@pytest.mark.parametrize("word", SHELL_WORDS)
def test_a_list_param_with_shell_text_is_refused_at_load(tmp_path, check, param, good, word):
    path = _profile(tmp_path, f"[checks.{check}]\n{param} = [{toml_str(good)}, {toml_str(good + word)}]\n")
    got = run("profiles", "validate", path)
    _one_line_error(got, f"{path}: checks.{check}.{param}[1]: expected ")


def test_a_short_permission_name_is_refused_not_silently_never_matched(tmp_path):
    # `READ_CONTACTS` matches no granted permission (they are full names): the check would pass.
    path = _profile(tmp_path, '[checks.wa-contacts-denied]\npermissions = ["READ_CONTACTS"]\n')
    _one_line_error(run("profiles", "validate", path),
                    "checks.wa-contacts-denied.permissions[0]: expected a full permission name such as "
                    "android.permission.READ_CONTACTS, got 'READ_CONTACTS'")


def test_every_default_list_param_passes_its_own_validation():
    from wa_harden.checks import REGISTRY

    checked = {(spec.id, p.name) for spec in REGISTRY.values() for p in spec.params if p.item_validate is not None}
    assert checked == {(check, param) for check, param, _ in LIST_PARAMS}
    for spec in REGISTRY.values():
        for param in spec.params:
            if param.item_validate is not None:
                assert [v for v in param.default if param.item_validate(v)] == [], (spec.id, param.name)


def test_a_hostile_profile_is_refused_before_any_phone_is_touched(tmp_path, monkeypatch):
    phone = virtual_phone("fresh-noncompliant", serial="R58M00001")
    connector = _connect(monkeypatch, phone)
    path = _profile(tmp_path, '[checks.wa-contacts-denied]\npermissions = ["android.permission.X; reboot"]\n')
    for command in ("check", "fix", "checklist"):
        extra = ["--yes", "--journal-dir", str(tmp_path / "j")] if command == "fix" else []
        output = ["-o", str(tmp_path / "c.md")] if command == "checklist" else []
        got = run(command, "-s", "R58M00001", "-P", "5999", "-p", str(path), *extra, *output)
        _one_line_error(got, "checks.wa-contacts-denied.permissions[0]")
    assert phone.counters.scripts == [] and connector.connected == []


TEXT_FIELDS = [
    ("profile.name", '[profile]\nname = {v}\n'),
    ("profile.description", '[profile]\nname = "x"\ndescription = {v}\n'),
    ("profile.extends", '[profile]\nname = "x"\nextends = {v}\n'),
    ("waivers[0].approver", '[profile]\nname = "x"\n[[waivers]]\ncheck = "device-managed"\napprover = {v}\n'
                            'justification = "j"\nexpires = 2030-01-01\n'),
    ("waivers[0].justification", '[profile]\nname = "x"\n[[waivers]]\ncheck = "device-managed"\napprover = "a"\n'
                                 'justification = {v}\nexpires = 2030-01-01\n'),
    ("waivers[0].serials[0]", '[profile]\nname = "x"\n[[waivers]]\ncheck = "device-managed"\napprover = "a"\n'
                              'justification = "j"\nexpires = 2030-01-01\nserials = [{v}]\n'),
    ("waivers[0].check", '[profile]\nname = "x"\n[[waivers]]\ncheck = {v}\napprover = "a"\n'
                         'justification = "j"\nexpires = 2030-01-01\n'),
]


@pytest.mark.parametrize("key,template", TEXT_FIELDS)
@pytest.mark.parametrize("value", ["x\x1b]0;pwned\x07", "x\u202egnp.exe", "x\x9b2J", "x\x00"])
def test_profile_text_with_control_characters_is_refused(tmp_path, key, template, value):
    path = tmp_path / "p.toml"
    path.write_text(template.format(v=toml_str(value)), encoding="utf-8")
    _one_line_error(run("profiles", "validate", path), f"{path}: {key}: expected ")


@pytest.mark.parametrize("key,template", [f for f in TEXT_FIELDS if f[0] not in
                                          ("profile.description", "waivers[0].justification")])
def test_names_serials_and_approvers_are_one_line(tmp_path, key, template):
    path = tmp_path / "p.toml"
    path.write_text(template.format(v=toml_str("x\nCOMPLIANT")), encoding="utf-8")
    _one_line_error(run("profiles", "validate", path), f"{path}: {key}: expected ")


def test_a_justification_may_take_several_lines_and_is_shown_without_control_characters(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[profile]\nname = "x"\n[[waivers]]\ncheck = "device-managed"\napprover = "DPO"\n'
                    'justification = """line one\nline two"""\nexpires = 2030-01-01\n', encoding="utf-8")
    assert load_profile(str(path)).waivers[0].justification == "line one\nline two"


@pytest.mark.parametrize("field,table", [
    ("by", 'check = "org-dpa"\nby = {v}\ndate = 2026-11-01\nnote = "n"\n'),
    ("note", 'check = "org-dpa"\nby = "IT"\ndate = 2026-11-01\nnote = {v}\n'),
    ("serials[0]", 'check = "org-dpa"\nby = "IT"\ndate = 2026-11-01\nnote = "n"\nserials = [{v}]\n'),
])
def test_attestation_text_with_control_characters_is_refused(tmp_path, field, table):
    path = tmp_path / "a.toml"
    path.write_text("[[attestation]]\n" + table.format(v=toml_str("IT\x1b]0;pwned\x07")), encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_attestations(path)
    assert info.value.key == f"attestation[0].{field}"
    assert "\n" not in str(info.value) and not CONTROL_CHARS.search(str(info.value))


def test_a_key_with_a_line_feed_and_an_escape_is_named_on_one_line(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[profile]\nname = "x"\n[checks."wa-contacts-denied\\n\\u001b[2J"]\nenabled = true\n',
                    encoding="utf-8")
    _one_line_error(run("profiles", "validate", path), f'{path}: checks."wa-contacts-denied\\n\\x1b[2J": unknown check')


def test_a_key_that_only_looks_bare_is_quoted(tmp_path):
    # regression: `^[A-Za-z0-9_-]+$` took "device-managed\n" for a bare key
    path = tmp_path / "p.toml"
    path.write_text('[profile]\nname = "x"\n[checks."device-managed\\n"]\nenabled = true\n', encoding="utf-8")
    _one_line_error(run("profiles", "validate", path), f'{path}: checks."device-managed\\n": unknown check')


def test_a_hostile_profile_name_on_the_command_line_is_quoted(tmp_path):
    got = run("check", "--replay", str(tmp_path / "none.json"), "-p", "evil\x1b]0;pwned\x07")
    _one_line_error(got, "unknown profile 'evil\\x1b]0;pwned\\x07'")


def test_an_internal_error_quoting_device_text_prints_no_escape(tmp_path, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("model \x1b]0;pwned\x07 broke it")

    capture = _write_capture(tmp_path / "cap.json", _capture())
    monkeypatch.setattr(engine, "audit_capture", broken)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    got = run("check", "--replay", capture)
    assert got.exit_code == 70 and "internal error (RuntimeError: model ]0;pwned broke it)" in got.stderr
    assert_inert_text(got.stderr)


def test_one_line_escapes_every_control_character():
    assert one_line("a\nb\tc\x1b[2J\x07\x9b\u202e\ud800é") == "a\\nb\\tc\\x1b[2J\\x07\\x9b\\u202e\\ud800é"


def test_profile_listing_shows_no_control_characters():
    # a profile file cannot carry them any more; a listing is made printable all the same
    import dataclasses

    from wa_harden.model import Waiver
    from wa_harden.report.listing import render_profile

    profile = dataclasses.replace(load_profile(PROFILE), name="x\x1b]0;pwned\x07", description="d\u202e",
                                  waivers=(Waiver("device-managed", "ok\x1b[2J", "DPO\x07", date(9999, 12, 31)),))
    text = render_profile(profile)
    assert text.startswith("x]0;pwned: d\n") and "waiver: device-managed until 9999-12-31 (DPO): ok[2J" in text
    assert_inert_text(text)


# --- serials -----------------------------------------------------------------------------------------

HOSTILE_SERIALS = (SERIAL, "../../etc/passwd", "=cmd|' /C calc'!A0", "a'; reboot; '", "-s", ".hidden",
                   "x" * 300)


def test_a_serial_given_with_s_is_reported_as_data_in_every_format(tmp_path, monkeypatch):
    phone = virtual_phone("hardened", serial="R58M00001")
    connector = _connect(monkeypatch, phone)
    wanted = "$(reboot)\x1b]0;pwned\x07=cmd|' C calc'!A0<script>x<\u2044script>"  # no "/": see below
    out: dict[str, str] = {}
    for fmt, suffix in AUDIT_FORMATS.items():
        target = tmp_path / f"report{suffix}"
        got = run("check", "-s", wanted, "-P", "5999", "-o", target)
        assert got.exit_code == 3, got.output
        assert_inert_text(got.stderr)
        out[fmt] = target.read_text(encoding="utf-8")
    check_audit_formats(out)
    assert json.loads(out["json"])["devices"][0]["serial"] == wanted
    assert printable(wanted) in out["table"]
    assert phone.counters.scripts == [] and connector.connected == []  # a serial never reaches a phone


def test_a_serial_with_a_slash_is_read_as_server_and_serial_and_says_so(monkeypatch):
    _connect(monkeypatch, virtual_phone("hardened", serial="R58M00001"))
    got = run("check", "-s", "../../etc/passwd", "-P", "5999")
    _one_line_error(got, "expected an adb server as HOST:PORT (--server HOST:PORT, -s HOST:PORT/SERIAL), "
                         "got '../../etc'")


def test_serials_an_adb_server_reports_are_data_files_and_never_commands(tmp_path, monkeypatch):
    phones = [virtual_phone("fresh-noncompliant", serial=s) for s in HOSTILE_SERIALS]
    ran = {p.serial: record_commands(p) for p in phones}
    _connect(monkeypatch, *phones)
    folder = tmp_path / "reports"
    got = run("check", "--all", "-P", "5999", "--report-dir", folder, "-o", tmp_path / "fleet.csv")
    assert got.exit_code == 1, got.output
    assert_inert_text(got.stdout + got.stderr)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == len(HOSTILE_SERIALS) + 2 and {"summary.json", "summary.md"} <= set(names)
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", name) and len(name) < 100, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.csv", "reports"]  # nothing written elsewhere
    written = {json.loads(p.read_text())["devices"][0]["serial"] for p in folder.glob("*.json")
               if p.name != "summary.json"}
    assert written == set(HOSTILE_SERIALS)
    rows = assert_csv_inert((tmp_path / "fleet.csv").read_text())
    assert {row[0] for row in rows[1:]} == {s if s[0] not in "=+-@" else "'" + s for s in map(printable, HOSTILE_SERIALS)}
    assert_markdown_inert((folder / "summary.md").read_text())
    for phone in phones:
        rounds = [batch_commands(script) for script in phone.counters.scripts]
        assert rounds == audit_rounds([0]), phone.serial
        assert_only_meant_commands(phone, ran[phone.serial], collect.round_one())


def test_several_phones_and_none_chosen_names_them_without_their_escapes(monkeypatch):
    _connect(monkeypatch, *(virtual_phone("hardened", serial=s) for s in HOSTILE_SERIALS[:3]))
    got = run("check", "-P", "5999")
    assert got.exit_code == 2 and "3 phones are attached" in got.stderr
    assert_inert_text(got.stderr)
    assert printable(SERIAL) in got.stderr


def test_devices_lists_hostile_serials_and_models_without_escapes(tmp_path, monkeypatch):
    _connect(monkeypatch, virtual_phone(write_persona(tmp_path, hostile_persona()), serial=SERIAL))
    got = run("devices", "-P", "5999")
    assert got.exit_code == 0 and printable(SERIAL) in got.stdout and printable(MODEL)[:20] in got.stdout
    assert_inert_text(got.stdout + got.stderr)
    [row] = json.loads(run("devices", "-P", "5999", "-f", "json").stdout)["devices"]
    assert (row["serial"], row["model"], row["android"]) == (SERIAL, MODEL, RELEASE)


def test_a_state_an_adb_server_reports_is_shown_without_its_escapes(monkeypatch):
    connector = _connect(monkeypatch, virtual_phone("hardened", serial="R58M00001"))
    connector.states["R58M00001"] = "unauthorized\x1b]0;pwned\x07"
    got = run("devices", "-P", "5999")
    assert got.exit_code == 0 and "unauthorized]0;pwned" in got.stdout
    assert_inert_text(got.stdout)


def test_virtual_names_a_hostile_persona_without_its_escapes(tmp_path, monkeypatch):
    persona = load_persona(write_persona(tmp_path, hostile_persona().replace('name = "hostile"',
                                                                             'name = "x\\u001b]0;pwned\\u0007"')))

    class Running:  # what VirtualPhones gives the command, without an adb server
        serial, phone = "127.0.0.1:5555", virtual_phone("hardened")

    class Fleet:
        server_started, phones = False, [Running()]

        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            pass

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc):  # type: ignore[no-untyped-def]
            return False

    Running.phone.persona = persona
    monkeypatch.setattr("wa_harden.virtual.launcher.VirtualPhones", Fleet)
    monkeypatch.setattr("wa_harden.cli.virtual._stop_on_signals", lambda: None)
    monkeypatch.setattr("time.sleep", lambda seconds: (_ for _ in ()).throw(KeyboardInterrupt))
    got = run("virtual", "--persona", "hardened", "--adb-port", "5999")
    assert got.stdout == "127.0.0.1:5555\tx]0;pwned\n"


def test_capture_names_a_hostile_serial_without_its_escapes_and_replays_it(tmp_path, monkeypatch):
    phone = virtual_phone("hardened", serial=SERIAL)
    _connect(monkeypatch, phone)
    out = tmp_path / "cap.json"
    got = run("capture", "-s", SERIAL, "-P", "5999", "-o", out)
    assert got.exit_code == 0, got.output
    assert_inert_text(got.stderr)
    assert read_capture(out).serial == SERIAL
    replayed = run("check", "--replay", out, "-f", "json")
    assert json.loads(replayed.stdout)["devices"][0]["serial"] == SERIAL


@pytest.mark.parametrize("name", ["$(reboot); touch pwned'.json", "`reboot`.json", "a b;c|d&e.csv", "-o.md",
                                  "\u202egnp.html"])
def test_an_output_file_name_is_a_name_not_a_command(tmp_path, name):
    capture = _write_capture(tmp_path / "in.json", _capture())
    folder = tmp_path / "out"
    folder.mkdir()
    got = run("check", "--replay", capture, "-o", folder / name)
    assert got.exit_code == 1, got.output
    assert [p.name for p in folder.iterdir()] == [name]


def test_journal_and_snapshot_file_names_from_hostile_serials_stay_in_the_journal(tmp_path, monkeypatch):
    phones = [virtual_phone("fresh-noncompliant", serial=s) for s in HOSTILE_SERIALS if "/" not in s]
    _connect(monkeypatch, *phones)
    journal = tmp_path / "journal"
    got = run("fix", "--all", "-P", "5999", "--yes", "--journal-dir", journal, "-f", "json")
    assert got.exit_code == 1, got.output  # every action verified; what no fix can change is left
    assert {a["status"] for d in json.loads(got.stdout)["devices"] for a in d["actions"]} == {"verified"}
    run_id = json.loads(got.stdout)["run_id"]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(journal in p.parents for p in files), files
    for path in files:
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", path.name), path
    for command in (("journal", "show", run_id), ("journal", "list")):
        listed = run(*command, "--journal-dir", journal)
        assert listed.exit_code == 0
        assert_inert_text(listed.stdout + listed.stderr)
    undone = run("undo", run_id, "--yes", "--journal-dir", journal, "-P", "5999", "-f", "json")
    assert undone.exit_code == 0, undone.output
    assert {a["status"] for d in json.loads(undone.stdout)["devices"] for a in d["actions"]} == {"verified"}


def test_a_phone_whose_serial_has_a_slash_can_be_undone(tmp_path, monkeypatch):
    _connect(monkeypatch, virtual_phone("fresh-noncompliant", serial="../../etc/passwd"))
    fixed = run("fix", "--all", "-P", "5999", "--yes", "--journal-dir", tmp_path / "j", "-f", "json")
    assert fixed.exit_code == 1, fixed.output  # fixed: --all names it from the adb server's list
    undone = run("undo", json.loads(fixed.stdout)["run_id"], "--yes", "--journal-dir", tmp_path / "j", "-P", "5999")
    assert undone.exit_code == 0, undone.output


def test_fix_progress_lines_carry_no_escapes_from_the_adb_server(tmp_path, monkeypatch):
    phone = virtual_phone("fresh-noncompliant", serial=SERIAL)
    _connect(monkeypatch, phone)
    got = run("fix", "-s", SERIAL, "-P", "5999", "--yes", "--journal-dir", tmp_path / "j", "-f", "json")
    assert got.exit_code == 1
    undone = run("undo", json.loads(got.stdout)["run_id"], "--yes", "--journal-dir", tmp_path / "j", "-P", "5999")
    assert undone.exit_code == 0
    assert_inert_text(got.stderr + undone.stderr)


# === 2. capture files ===========================================================================


def test_a_100_mb_replay_is_refused_at_once(tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.write(b'{"format": "wa-harden-capture", "pad": "')
        handle.truncate(100 * 1024 * 1024)
    started = time.monotonic()
    got = run("check", "--replay", path)
    _one_line_error(got, f"{path}: larger than 64 MiB; not a wa-harden capture")
    assert time.monotonic() - started < 15


def _enormous(tmp_path: Path, shape: str) -> Path:
    """A capture just under the size limit whose outputs are enormous, in one of three shapes."""
    data = _capture().to_dict()
    room = MAX_CAPTURE_BYTES - len(json.dumps(data)) - 4096
    if shape == "one-output":  # a single getprop value of ~64 MB
        record = next(r for r in data["commands"] if r["command"] == cmd.GETPROP)
        record["output"] += "[ro.product.model]: [" + "A" * room + "]\n"
    elif shape == "many-lines":  # 700 000 packages in user 0
        record = next(r for r in data["commands"] if r["command"] == cmd.pm_list_packages(0))
        line = "package:/data/app/~~x/com.x.y-1/base.apk=com.x.y versionCode:1 uid:10001 installer=com.android.vending\n"
        record["output"] += line * (room // len(json.dumps(line)))
    else:  # every output grown by its own first line, repeated
        share = room // len(data["commands"]) * 3 // 4
        for record in data["commands"]:
            first = (record["output"].split("\n", 1)[0] or "x") + "\n"
            record["output"] = first * (share // len(first)) + record["output"]
    path = tmp_path / f"{shape}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert MAX_CAPTURE_BYTES * 0.8 < path.stat().st_size <= MAX_CAPTURE_BYTES
    return path


@pytest.mark.parametrize("shape", ["one-output", "many-lines", "every-output"])
def test_a_capture_just_under_the_limit_with_enormous_outputs_is_audited_in_bounded_time_and_memory(tmp_path, shape):
    path = _enormous(tmp_path, shape)
    folder, table = tmp_path / "reports", tmp_path / "report.txt"
    started = time.monotonic()
    with (tmp_path / "stderr").open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "wa_harden", "check", "--replay", str(path),
                                    "--report-dir", str(folder), "-o", str(table)],
                                   stdout=subprocess.DEVNULL, stderr=stderr, cwd=REPO,
                                   env={**os.environ, "PYTHONPATH": str(REPO)})
        status, peak_kib = _wait_measured(process, timeout=120)
    seconds = time.monotonic() - started
    assert status == 1, (tmp_path / "stderr").read_text()
    [report] = [p for p in folder.glob("*.json") if p.name != "summary.json"]
    device = json.loads(report.read_text())["devices"][0]
    assert device["status"] in ("audited", "partial")
    # what a message quotes of the phone's output is cut short (it was 1.3 MB per message, and the
    # table took 20 s to wrap it)
    longest = max(len(text) for r in device["results"] for text in (r["message"], *r["notes"]))
    assert longest < 1200, longest
    assert table.stat().st_size < 1024 * 1024
    assert seconds < 30, seconds  # 1-5 s measured on 2 cores
    if peak_kib is not None:
        assert peak_kib < 1024 * 1024, peak_kib  # under 1 GiB for a 64 MiB file (343 MiB measured)


def _wait_measured(process: subprocess.Popen, timeout: float) -> tuple[int, int | None]:  # type: ignore[type-arg]
    """Wait for ``process``; its exit status and peak memory in KiB (Linux), killed after ``timeout``."""
    import threading

    killer = threading.Timer(timeout, process.kill)
    killer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        killer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, int(usage.ru_maxrss) if sys.platform.startswith("linux") else None


def test_a_message_quoting_megabytes_of_phone_output_is_cut_short():
    from wa_harden.evaluate import MAX_MESSAGE_CHARS, bounded

    capture = _capture()
    verifier = cmd.settings_get("global", "package_verifier_enable")
    records = tuple(type(r)(r.command, "null\n" * 200_000, 0) if r.command == verifier else r for r in capture.commands)
    report = engine.audit_capture(Capture(capture.serial, capture.captured_at, records), load_profile(PROFILE))
    [result] = [r for r in report.results if r.check == "device-play-protect"]
    assert result.message.startswith("package_verifier_enable has the unexpected value 'null\nnull\n")
    assert result.message.count("\n") == 9 and len(result.message) < MAX_MESSAGE_CHARS + 100
    assert result.message.endswith("null… [999952 more characters cut; `wa-harden capture` keeps the phone's "
                                   "whole output]")
    assert bounded("one line") == "one line"


def _strings(value: object) -> list[str]:
    """Every string in a JSON document."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _mutated(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _base_text() -> str:
    return json.dumps(_capture().to_dict())


def _with_device(text: str, **values: str) -> str:
    """The capture text with ``device`` holding ``values``, each written as the JSON given."""
    fields = ", ".join(f'"{key}": {value}' for key, value in values.items())
    changed = re.sub(r'"device": \{[^{}]*\}', lambda _: '"device": {' + fields + "}", text, count=1)
    assert changed != text
    return changed


BAD_CAPTURES = [
    ("deep-nesting", lambda t: "[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ("deep-in-device", lambda t: _with_device(t, deep="[" * 500 + "]" * 500), "device.deep must be a string or null"),
    ("model-a-list", lambda t: _with_device(t, model='["x"]'), "device.model must be a string or null"),
    ("server-a-table", lambda t: _with_device(t, adb_server='{"a": 1}'), "device.adb_server must be a string or null"),
    ("duplicate-key", lambda t: t[:-1] + ', "serial": "OTHER"}', "the key 'serial' appears twice in one object"),
    ("duplicate-output", lambda t: t.replace('"output": ', '"output": "", "output": ', 1),
     "the key 'output' appears twice"),
    ("5000-digit-number", lambda t: t[:-1] + ', "x": ' + "9" * 5000 + "}", "a number with thousands of digits"),
    ("4000-digit-exit-code", lambda t: re.sub(r'"exit_code": \d+', '"exit_code": 1' + "0" * 4000, t, count=1),
     "commands[0].exit_code must be an integer from 0 to 255"),
    ("negative-exit-code", lambda t: re.sub(r'"exit_code": \d+', '"exit_code": -1', t, count=1),
     "commands[0].exit_code must be an integer from 0 to 255"),
    ("huge-timeout", lambda t: re.sub(r'"timeout": [\d.]+', '"timeout": 1' + "0" * 400 + ".0", t, count=1),
     "'timeout' must be a positive number of seconds"),
    ("year-1-before-utc", lambda t: re.sub(r'"captured_at": "[^"]+"', '"captured_at": "0001-01-01T00:30:00+01:00"', t),
     "'captured_at' is not an ISO date-time with a UTC equivalent"),
    ("year-9999-after-utc",
     lambda t: re.sub(r'"captured_at": "[^"]+"', '"captured_at": "9999-12-31T23:30:00-01:00"', t),
     "'captured_at' is not an ISO date-time with a UTC equivalent"),
    ("not-json", lambda t: "\x1b]0;pwned\x07" + t, "not valid JSON (line 1, column 1)"),
]


@pytest.mark.parametrize("name,mutate,fragment", BAD_CAPTURES, ids=[c[0] for c in BAD_CAPTURES])
def test_a_malformed_capture_is_a_clear_error(tmp_path, name, mutate, fragment):
    path = _mutated(tmp_path, f"{name}.json", mutate(_base_text()))
    for command in (("check", "--replay", path), ("checklist", "--replay", path, "-o", tmp_path / "c.md")):
        _one_line_error(run(*command), f"{path}: ", fragment)


GOOD_CAPTURES = [
    ("a 5000-digit float", lambda t: t[:-1] + ', "x": 1' + "0" * 5000 + ".5e99999}"),
    ("year 1 (naive, read as UTC)", lambda t: re.sub(r'"captured_at": "[^"]+"', '"captured_at": "0001-01-01T00:00:00"', t)),
    ("the last second of 9999", lambda t: re.sub(r'"captured_at": "[^"]+"', '"captured_at": "9999-12-31T23:59:59+00:00"', t)),
    ("1970", lambda t: re.sub(r'"captured_at": "[^"]+"', '"captured_at": "1970-01-01T00:00:00+00:00"', t)),
    ("lone surrogates as JSON escapes", lambda t: _with_device(t.replace('"serial": "R58M00001"', '"serial": "R58\\udc00M"')
                                                           .replace('"output": "', '"output": "\\ud800', 1),
                                                           model='"\\udfff"')),
    ("a hostile serial", lambda t: t.replace('"serial": "R58M00001"', '"serial": ' + json.dumps(SERIAL))),
]


@pytest.mark.parametrize("name,mutate", GOOD_CAPTURES, ids=[c[0] for c in GOOD_CAPTURES])
def test_an_odd_but_readable_capture_gives_a_report_in_every_format(tmp_path, name, mutate):
    path = _mutated(tmp_path, "odd.json", mutate(_base_text()))
    out: dict[str, str] = {}
    for fmt, suffix in AUDIT_FORMATS.items():
        target = tmp_path / f"report{suffix}"
        got = run("check", "--replay", path, "-o", target)
        assert got.exit_code == 1, got.output
        out[fmt] = target.read_text(encoding="utf-8")
    check_audit_formats(out)
    for suffix in (".html", ".md"):
        assert run("checklist", "--replay", path, "-o", tmp_path / f"c{suffix}").exit_code == 1
        assert_inert_text((tmp_path / f"c{suffix}").read_text(encoding="utf-8"))


def test_non_utf8_bytes_in_a_capture_become_replacement_characters(tmp_path):
    raw = _base_text().encode("utf-8").replace(b"Google", b"Goo\xff\xfe\xc3gle", 1)
    path = tmp_path / "latin.json"
    path.write_bytes(raw)
    got = run("check", "--replay", path, "-f", "json")
    assert got.exit_code == 1, got.output
    assert json.loads(got.stdout)["devices"][0]["identity"]["manufacturer"] == "Goo\ufffd\ufffd\ufffdgle"


# === 3. dates at the edges of the calendar ======================================================


def _waiver_profile(tmp_path: Path, expires: str) -> Path:
    return _profile(tmp_path, f'[[waivers]]\ncheck = "wa-contacts-denied"\napprover = "DPO"\n'
                              f'justification = "pilot"\nexpires = {expires}\n', name=f"w{expires}.toml")


@pytest.mark.parametrize("expires,outcome", [("0001-01-01", "fail"), ("1970-01-01", "fail"), ("2028-02-29", "waived"),
                                             ("9999-12-31", "waived")])
def test_waivers_at_the_edges_of_the_calendar(tmp_path, expires, outcome):
    capture = _write_capture(tmp_path / "cap.json", _capture())
    got = run("check", "--replay", capture, "-p", _waiver_profile(tmp_path, expires), "-f", "json")
    assert got.exit_code == 1, got.output
    [result] = [r for r in json.loads(got.stdout)["devices"][0]["results"] if r["check"] == "wa-contacts-denied"]
    assert result["outcome"] == outcome
    if outcome == "fail":
        assert any("expired" in note for note in result["notes"]), result["notes"]


def test_a_waiver_on_a_day_that_does_not_exist_is_a_clear_error(tmp_path):
    path = _waiver_profile(tmp_path, "2027-02-29")
    _one_line_error(run("profiles", "validate", path), f"{path}: invalid TOML")


TODAY = date(2026, 11, 30)


@pytest.mark.parametrize("day,problem", [
    ("0001-01-01", "0001-01-01 is 739949 days old"),
    ("1970-01-01", "1970-01-01 is 20787 days old"),
    ("9999-12-31", "9999-12-31 is in the future"),
    ("2026-12-01", "2026-12-01 is in the future"),
])
def test_attestations_at_the_edges_are_refused_with_the_date(tmp_path, day, problem):
    path = tmp_path / "a.toml"
    path.write_text(f'[[attestation]]\ncheck = "org-dpa"\nby = "IT"\ndate = {day}\nnote = "n"\n', encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_attestations(path, TODAY, 365)
    assert info.value.key == "attestation[0].date" and problem in info.value.problem


def test_an_attestation_on_a_leap_day_counts_its_days_right(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('[[attestation]]\ncheck = "org-dpa"\nby = "IT"\ndate = 2024-02-29\nnote = "n"\n', encoding="utf-8")
    assert load_attestations(path, date(2025, 2, 28), 365)[0].on == date(2024, 2, 29)  # 365 days
    with pytest.raises(ProfileError, match="2024-02-29 is 366 days old"):
        load_attestations(path, date(2025, 3, 1), 365)


def test_an_attestation_from_year_9999_is_refused_on_the_command_line(tmp_path):
    capture = _write_capture(tmp_path / "cap.json", _capture())
    path = tmp_path / "a.toml"
    path.write_text('[[attestation]]\ncheck = "org-dpa"\nby = "IT"\ndate = 9999-12-31\nnote = "n"\n', encoding="utf-8")
    _one_line_error(run("check", "--replay", capture, "--attestations", path),
                    f"{path}: attestation[0].date: 9999-12-31 is in the future")


def _persona_data(name: str = "fresh-noncompliant") -> dict:
    from wa_harden.virtual.android.persona import PERSONA_DIR

    return tomllib.loads((PERSONA_DIR / f"{name}.toml").read_text(encoding="utf-8"))


def _audit_persona_data(data: dict):  # type: ignore[no-untyped-def]
    from wa_harden.virtual.phone import VirtualPhone

    persona = persona_from_data(data)
    phone = VirtualPhone(persona, "R58M00001", persona.faults, NOW)
    return engine.audit_capture(collect.collect(InProcessPhone(phone), phone.serial, 30), load_profile(PROFILE))


@pytest.mark.parametrize("patch,outcome,reason", [
    ("9999-12-31", "fail", "patch-in-future"),  # not "fresh": no update sets it, so it proves nothing
    ("2027-03-01", "fail", "patch-in-future"),  # more than 62 days after the audit (2026-11-30)
    ("2026-12-05", "pass", "patch-current"),  # next month's bulletin, shipped early: real
    ("2026-11-30", "pass", "patch-current"),
    ("2024-02-29", "fail", "patch-too-old"),
    ("1970-01-01", "fail", "patch-too-old"),
    ("0001-01-01", "fail", "patch-too-old"),
    ("2026-02-29", "error", "not-reported"),  # no such day
])
def test_security_patch_levels_at_the_edges_of_the_calendar(patch, outcome, reason):
    data = _persona_data()
    data["device"]["props"] = {"ro.build.version.security_patch": patch}
    report = _audit_persona_data(data)
    [result] = [r for r in report.results if r.check == "device-patch-age"]
    assert (result.outcome.value, result.reason) == (outcome, reason), result.message
    _render_everything([report])


def test_a_patch_level_from_year_9999_says_why_it_fails():
    data = _persona_data()
    data["device"]["props"] = {"ro.build.version.security_patch": "9999-12-31"}
    [result] = [r for r in _audit_persona_data(data).results if r.check == "device-patch-age"]
    assert result.message.startswith("The security patch level 9999-12-31 is 2912109 days after the audit "
                                     "(2026-11-30): no update brings patches from the future")


def _with_update_time(capture: Capture, stamp: str) -> Capture:
    package = cmd.dumpsys_package(cmd.WHATSAPP_BUSINESS)
    records = tuple(type(r)(r.command, re.sub(r"lastUpdateTime=[\d-]+ [\d:]+", f"lastUpdateTime={stamp}", r.output),
                            r.exit_code) if r.command == package else r for r in capture.commands)
    return Capture(capture.serial, capture.captured_at, records, capture.device, timeout=capture.timeout)


@pytest.mark.parametrize("stamp,outcome,reason", [
    ("9999-12-31 23:59:59", "error", "not-reported"),  # the phone's clock was wrong: not a fresh update
    ("2026-12-03 09:00:00", "error", "not-reported"),
    ("2026-12-01 08:00:00", "pass", "current"),  # the phone's local time may be ahead of UTC
    ("2024-02-29 12:00:00", "fail", "update-too-old"),
    ("1970-01-01 00:00:00", "fail", "update-too-old"),
    ("0001-01-01 00:00:00", "fail", "update-too-old"),
])
def test_whatsapp_update_times_at_the_edges_of_the_calendar(stamp, outcome, reason):
    capture = _with_update_time(_capture(), stamp)
    report = engine.audit_capture(capture, load_profile(PROFILE))
    [result] = [r for r in report.results if r.check == "wa-app-current"]
    assert (result.outcome.value, result.reason) == (outcome, reason), result.message
    _render_everything([report])


@pytest.mark.parametrize("key,value", [("last_update_days_ago", 10**6), ("first_install_days_ago", 36501),
                                       ("security_patch_age_days", 10**9)])
def test_persona_ages_past_any_calendar_are_refused(tmp_path, key, value):
    data = _persona_data()
    (data["device"] if key == "security_patch_age_days" else data["apps"][0])[key] = value
    with pytest.raises(PersonaError, match="expected an integer from 0 to 36500 \\(days\\)"):
        persona_from_data(data, "p.toml")


def test_persona_counts_are_bounded():
    data = _persona_data()
    data["users"][0]["contacts"] = {"local": 10**7}
    with pytest.raises(PersonaError, match="users\\[0\\].contacts.local: expected an integer from 0 to 100000"):
        persona_from_data(data, "p.toml")


# === 4. device-provided text ====================================================================


@pytest.fixture
def hostile_phone(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The hostile persona on a fake adb server, serial hostile too; and the argv its shell runs."""
    phone = virtual_phone(write_persona(tmp_path, hostile_persona()), serial=SERIAL)
    ran = record_commands(phone)
    _connect(monkeypatch, phone)
    return phone, ran


def test_device_text_is_inert_in_every_audit_format(tmp_path, hostile_phone):
    phone, ran = hostile_phone
    out: dict[str, str] = {}
    for fmt, suffix in AUDIT_FORMATS.items():
        target = tmp_path / f"report{suffix}"
        got = run("check", "-s", SERIAL, "-P", "5999", "-o", target)
        assert got.exit_code == 1, got.output
        assert_inert_text(got.stderr, fmt)
        out[fmt] = target.read_text(encoding="utf-8")
    check_audit_formats(out)
    # JSON keeps what the phone said, exactly
    device = json.loads(out["json"])["devices"][0]
    assert device["serial"] == SERIAL
    assert device["identity"] == {"manufacturer": MANUFACTURER, "model": MODEL, "android_release": RELEASE,
                                  "sdk": 34, "security_patch": "2026-11-05"}
    results = {r["check"]: r for r in device["results"]}
    assert INSTALLER in results["wa-installer-trusted"]["message"]
    # human formats show it without control characters, escaped where markup could run
    assert printable(MODEL) in out["table"]
    page = Elements(out["html"])
    assert printable(MODEL) in "".join(page.text)  # shown as text, not dropped
    assert "<script>" not in out["html"] and "onerror=alert" not in "".join(str(a) for _, a in page.tags)
    assert re.search(re.escape("\\<script\\>alert(1)\\</script\\>"), out["markdown"])
    csv_row = next(r for r in assert_csv_inert(out["csv"])[1:] if r[7] == "wa-installer-trusted")
    assert csv_row[:3] == ["'" + printable(SERIAL), "'" + printable(MANUFACTURER), "'" + printable(MODEL)]
    assert csv_row[3] == "'" + printable(RELEASE)
    suite = ET.fromstring(out["junit"]).find("testsuite")
    assert suite is not None and suite.get("name") == printable(SERIAL)
    # six audits, each exactly round one and round two (user 10), nothing else
    assert [batch_commands(s) for s in phone.counters.scripts] == audit_rounds([0, 10]) * len(AUDIT_FORMATS)
    assert_only_meant_commands(phone, ran, [c for r in audit_rounds([0, 10]) for c in r])


def test_device_text_is_inert_in_the_checklist_and_the_fleet_summary(tmp_path, hostile_phone):
    phone, ran = hostile_phone
    for suffix in (".html", ".md"):
        got = run("checklist", "-s", SERIAL, "-P", "5999", "-o", tmp_path / f"checklist{suffix}")
        assert got.exit_code == 1, got.output
        assert_inert_text(got.stderr)
    page = (tmp_path / "checklist.html").read_text(encoding="utf-8")
    assert_inert_text(page)
    assert_self_contained(page)
    assert printable(MODEL) in "".join(Elements(page).text)
    assert_markdown_inert((tmp_path / "checklist.md").read_text(encoding="utf-8"))
    assert run("check", "-s", SERIAL, "-P", "5999", "-o", tmp_path / "r.json").exit_code == 1
    for fmt, suffix in (("table", ".txt"), ("csv", ".csv"), ("markdown", ".md"), ("html", ".html"), ("json", ".json")):
        target = tmp_path / f"summary{suffix}"
        got = run("summary", tmp_path / "r.json", "-f", fmt, "-o", target)
        assert got.exit_code == 0, got.output
        text = target.read_text(encoding="utf-8")
        {"table": assert_inert_text, "csv": assert_csv_inert, "markdown": assert_markdown_inert,
         "html": lambda t: (assert_inert_text(t), assert_self_contained(t)), "json": json.loads}[fmt](text)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert MODEL in _strings(summary)  # the JSON summary keeps what the phone said
    assert_only_meant_commands(phone, ran, [c for r in audit_rounds([0, 10]) for c in r])


def test_markdown_keeps_device_text_with_line_feeds_inside_its_paragraph(tmp_path):
    # a capture chooses its own incomplete_detail, which the report's message quotes
    capture = _capture()
    capture = Capture(capture.serial, capture.captured_at, capture.commands[:5], {"model": "Pixel\n===\n- x"},
                      incomplete="unparseable", incomplete_detail="cut\n===\n---\n- item\n1. first\n+ plus")
    report = engine.audit_capture(capture, load_profile(PROFILE))
    text = _render_everything([report])["markdown"]
    assert "cut\n\\===\n\\---\n\\- item\n1\\. first\n\\+ plus" in text


def test_a_code_span_holds_backticks_and_pipes_as_they_are():
    from wa_harden.report.markdown import code

    assert code("touch '/a/`reboot`/.nomedia'") == "``touch '/a/`reboot`/.nomedia'``"
    assert code("a|b", in_table=True) == "`a\\|b`"
    assert code("`x") == "`` `x ``"
    assert code("a\x1b[2J\nb") == "`a[2J b`"


def test_fix_quotes_hostile_folder_names_and_runs_nothing_else(tmp_path, hostile_phone):
    phone, ran = hostile_phone
    journal = tmp_path / "journal"
    from wa_harden.report.markdown import code

    planned = {}
    for fmt, check in (("table", assert_inert_text), ("markdown", assert_markdown_inert)):
        planned[fmt] = run("fix", "-s", SERIAL, "-P", "5999", "--dry-run", "-f", fmt)
        assert planned[fmt].exit_code == 1, planned[fmt].output
        check(planned[fmt].stdout)
    got = run("fix", "-s", SERIAL, "-P", "5999", "--yes", "--journal-dir", journal, "-f", "json")
    assert got.exit_code == 1, got.output  # findings no fix can change remain
    report = json.loads(got.stdout)
    actions = [a["command"] for a in report["devices"][0]["actions"]]
    assert {a["status"] for a in report["devices"][0]["actions"]} == {"verified"}
    assert report["devices"][0]["model"] == MODEL
    media = "/storage/emulated/{}/Android/media/com.whatsapp.w4b/WhatsApp Business/Media"
    # a folder whose name starts with a dot is hidden from the gallery anyway: nothing to do there;
    # user 10's storage is closed to the shell from Android 11 (the check says so, nothing is planned)
    nomedia = [f"{media.format(0)}/{name}/.nomedia" for name in FOLDERS if not name.startswith(".")]
    for path in nomedia:
        assert cmd.touch(path) in actions, path
        assert f"| {code(cmd.touch(path), in_table=True)} |" in planned["markdown"].stdout
        assert ("touch", path) in ran  # one word, as the phone's shell ran it
        assert phone.android.fs.is_file(path)
    audit = [c for r in audit_rounds([0, 10]) for c in r]
    assert_only_meant_commands(phone, ran, audit + actions)
    assert not any(word in argv for argv in ran for word in ("reboot", "rm", "calc"))
    shown = run("journal", "show", report["run_id"], "--journal-dir", journal)
    assert shown.exit_code == 0 and "touch" in shown.stdout
    assert_inert_text(shown.stdout)
    for suffix in (".html", ".md"):  # the checklist lists the run's commands, hostile paths and all
        sheet = tmp_path / f"checklist{suffix}"
        got = run("checklist", "-s", SERIAL, "-P", "5999", "--run", report["run_id"], "--journal-dir", journal,
                  "-o", sheet)
        assert got.exit_code == 1, got.output
        text = sheet.read_text(encoding="utf-8")
        assert "touch" in text
        (assert_markdown_inert if suffix == ".md" else assert_self_contained)(text)
        assert_inert_text(text)
    undone = run("undo", report["run_id"], "--yes", "--journal-dir", journal, "-P", "5999", "-f", "json")
    assert undone.exit_code == 0, undone.output
    assert {a["status"] for a in json.loads(undone.stdout)["devices"][0]["actions"]} == {"verified"}
    undo_actions = [a["command"] for a in json.loads(undone.stdout)["devices"][0]["actions"]]
    assert {cmd.remove_file(path) for path in nomedia} <= set(undo_actions)
    assert not any(phone.android.fs.exists(path) for path in nomedia)
    # the reports of a fix that ran, for a person: the same actions again, now on screen
    for fmt, check in (("table", assert_inert_text), ("markdown", assert_markdown_inert)):
        again = run("fix", "-s", SERIAL, "-P", "5999", "--yes", "--journal-dir", journal, "-f", fmt)
        assert again.exit_code == 1, again.output
        check(again.stdout)
        [run_id] = set(re.findall(r"\d{8}T\d{6}Z-[0-9a-f]{6}", again.stdout))
        assert run("undo", run_id, "--yes", "--journal-dir", journal, "-P", "5999").exit_code == 0
    assert_only_meant_commands(phone, ran, audit + actions + undo_actions)


def test_a_folder_name_with_a_line_feed_is_an_error_never_a_pass_nor_a_command(tmp_path, monkeypatch):
    # `find` prints one path per line: a name with a line feed makes the listing unreadable.  The check
    # says so (an error, never a pass) and a fix plans nothing for a tree it could not read.
    persona = write_persona(tmp_path, hostile_persona(folders=["new\nline", "plain"]))
    phone = virtual_phone(persona, serial="R58M00001")
    ran = record_commands(phone)
    _connect(monkeypatch, phone)
    got = run("fix", "-s", "R58M00001", "-P", "5999", "--yes", "--journal-dir", tmp_path / "j", "-f", "json")
    report = json.loads(got.stdout)
    before = {r["check"]: r["outcome"] for r in report["devices"][0]["before"]}
    assert before["wa-media-hidden"] == "error"
    actions = [a["command"] for a in report["devices"][0]["actions"]]
    assert not any("touch" in a for a in actions)
    assert_only_meant_commands(phone, ran, [c for r in audit_rounds([0, 10]) for c in r] + actions)
