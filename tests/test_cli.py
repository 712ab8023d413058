"""The command line: exit codes, messages, and that bad input is caught before any phone is touched."""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime

from clirun import run
from wa_harden import commands as cmd
from wa_harden.capture import Capture, CommandRecord, dumps


def invoke(*args, env=None):
    return run(*args, env=env or {})


def test_help_documents_the_exit_codes():
    got = invoke("check", "--help")
    assert got.exit_code == 0
    for line in ("0    compliant", "1    findings", "2    usage or profile error", "3    a device could not",
                 "130  interrupted"):
        assert line in got.output


def test_a_bad_profile_exits_2_with_file_and_key_before_any_adb_contact(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[profile]\nname = "x"\n[checks.device-patch-age]\nmax_age_days = "ninety"\n')
    # Port 1: if the CLI tried to reach an adb server first, this would fail differently (exit 3).
    got = invoke("check", "--profile", str(bad), "-P", "1")
    assert got.exit_code == 2
    assert f"{bad}: checks.device-patch-age.max_age_days: expected an integer, got 'ninety'" in got.stderr


def test_profiles_validate_and_list_and_show(tmp_path):
    good = tmp_path / "mine.toml"
    good.write_text('[profile]\nname = "mine"\ndescription = "strict"\nextends = "whatsapp-business-gdpr"\n'
                    '[checks.device-patch-age]\nmax_age_days = 30\nseverity = "critical"\n')
    got = invoke("profiles", "validate", str(good))
    assert got.exit_code == 0 and "valid profile 'mine'" in got.output
    listed = invoke("profiles", "list").output
    assert "baseline" in listed and "whatsapp-business-gdpr" in listed
    shown = invoke("profiles", "show", str(good)).output
    assert "device-patch-age" in shown and "critical" in shown and "max_age_days=30" in shown
    unknown = invoke("profiles", "validate", str(tmp_path / "nope.toml"))
    assert unknown.exit_code == 2


def test_unknown_check_id_suggests_the_closest(tmp_path):
    bad = tmp_path / "typo.toml"
    bad.write_text('[profile]\nname = "typo"\n[checks.device-patch-ages]\n')
    got = invoke("profiles", "validate", str(bad))
    assert got.exit_code == 2 and "device-patch-age" in got.stderr


def _capture(commands):
    return Capture("R58M00001", datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
                   tuple(CommandRecord(c, o, 0) for c, o in commands))


def test_replay_with_missing_commands_gives_not_captured_errors(tmp_path):
    path = tmp_path / "partial.json"
    path.write_text(dumps(_capture([(cmd.GETPROP, "[ro.build.version.sdk]: [34]\n"
                                                  "[ro.build.version.release]: [14]\n"
                                                  "[ro.build.version.security_patch]: [2026-11-05]\n")])))
    got = invoke("check", "--replay", str(path), "--format", "json")
    assert got.exit_code == 1
    results = {r["check"]: r for r in json.loads(got.stdout)["devices"][0]["results"]}
    assert results["device-os-version"]["outcome"] == "pass"
    assert results["wa-contacts-denied"]["outcome"] == "error"
    assert results["wa-contacts-denied"]["reason"] == "not-captured"
    assert results["org-dpa"]["outcome"] == "manual"


def test_replay_reads_a_utf16_capture_written_on_windows(tmp_path):
    path = tmp_path / "win.json"
    text = dumps(_capture([(cmd.GETPROP, "[ro.build.version.sdk]: [27]\n")])).replace("\n", "\r\n")
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    got = invoke("check", "--replay", str(path), "--format", "csv")
    row = next(line for line in got.stdout.splitlines() if ",device-os-version," in line)
    assert ",fail," in row


def test_replay_of_a_broken_file_exits_2(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{")
    got = invoke("check", "--replay", str(path))
    assert got.exit_code == 2 and "not valid JSON" in got.stderr


def test_replay_and_serial_together_is_a_usage_error(tmp_path):
    got = invoke("check", "--replay", "x.json", "-s", "abc")
    assert got.exit_code == 2 and "cannot be combined" in got.stderr


def test_attestations_turn_manual_items_into_passes(tmp_path):
    from datetime import date, timedelta

    day = (date.today() - timedelta(days=20)).isoformat()  # attestations are judged against today
    capture = tmp_path / "c.json"
    capture.write_text(dumps(_capture([(cmd.GETPROP, "[ro.build.version.sdk]: [34]\n")])))
    attest = tmp_path / "attest.toml"
    attest.write_text('[[attestation]]\ncheck = "org-dpa"\nby = "Data protection officer"\n'
                      f'date = {day}\nnote = "DPA accepted, copy in the processing records"\n')
    got = invoke("check", "--replay", str(capture), "--attestations", str(attest), "--format", "json")
    result = next(r for r in json.loads(got.stdout)["devices"][0]["results"] if r["check"] == "org-dpa")
    assert (result["outcome"], result["reason"]) == ("pass", "attested")
    assert result["attestation"] == {"by": "Data protection officer", "date": day,
                                     "note": "DPA accepted, copy in the processing records"}


def test_output_file_is_written_and_the_summary_goes_to_stderr(tmp_path):
    capture = tmp_path / "c.json"
    capture.write_text(dumps(_capture([(cmd.GETPROP, "[ro.build.version.sdk]: [34]\n")])))
    out = tmp_path / "report.md"
    got = invoke("check", "--replay", str(capture), "--format", "markdown", "-o", str(out))
    assert got.stdout == ""
    assert out.read_text().startswith("# wa-harden report")
    assert "1 phone: 1 incomplete (exit 1)" in got.stderr


def _attestation_file(tmp_path, day):
    path = tmp_path / "attest.toml"
    path.write_text(f'[[attestation]]\ncheck = "org-dpa"\nby = "DPO"\ndate = {day}\nnote = "filed"\n')
    return path


def test_an_attestation_dated_in_the_future_is_refused(tmp_path):
    from datetime import date, timedelta

    capture = tmp_path / "c.json"
    capture.write_text(dumps(_capture([(cmd.GETPROP, "[ro.build.version.sdk]: [34]\n")])))
    tomorrow = date.today() + timedelta(days=1)
    got = invoke("check", "--replay", str(capture), "--attestations", str(_attestation_file(tmp_path, tomorrow)))
    assert got.exit_code == 2
    assert f"attestation[0].date: {tomorrow.isoformat()} is in the future" in got.stderr


def test_an_attestation_older_than_the_profile_allows_is_refused(tmp_path):
    from datetime import date, timedelta

    capture = tmp_path / "c.json"
    capture.write_text(dumps(_capture([(cmd.GETPROP, "[ro.build.version.sdk]: [34]\n")])))
    old = date.today() - timedelta(days=400)
    got = invoke("check", "--replay", str(capture), "--attestations", str(_attestation_file(tmp_path, old)))
    assert got.exit_code == 2 and "is 400 days old; the profile accepts attestations of at most 365 days" in got.stderr
    lenient = tmp_path / "lenient.toml"
    lenient.write_text('[profile]\nname = "lenient"\nextends = "whatsapp-business-gdpr"\n'
                       '[attestations]\nmax_age_days = 500\n')
    ok = invoke("check", "--replay", str(capture), "-p", str(lenient), "-f", "json",
                "--attestations", str(_attestation_file(tmp_path, old)))
    result = next(r for r in json.loads(ok.stdout)["devices"][0]["results"] if r["check"] == "org-dpa")
    assert result["outcome"] == "pass"
