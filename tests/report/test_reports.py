"""Reporters turn DeviceReports into strings; every format is wired and states the same facts."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime

from wa_harden.model import (
    Area,
    Attestation,
    DeviceIdentity,
    DeviceReport,
    DeviceStatus,
    Outcome,
    Result,
    Severity,
    Waiver,
)
from wa_harden.report import Format, Judgement, RunInfo, Verdict, render, verdict

RUN = RunInfo("whatsapp-business-gdpr", Severity.INFO, datetime(2026, 11, 2, 10, 0, tzinfo=UTC), "0.1.0")


def result(check, outcome, severity=Severity.HIGH, area=Area.CONTACTS, **kw):
    return Result(check=check, title=check.replace("-", " "), area=area, outcome=outcome,
                  reason=kw.pop("reason", outcome.value), message=kw.pop("message", f"{check} is {outcome.value}"),
                  severity=severity, **kw)


AUDITED = DeviceReport(
    DeviceIdentity("127.0.0.1:40001", "Google", "Pixel 7", "14", 34, "2026-10-05"),
    DeviceStatus.AUDITED,
    (
        result("wa-contacts-denied", Outcome.FAIL, Severity.CRITICAL, observed=[{"user": 0, "granted": True}],
               expected={"granted": False}, remedy="Revoke the contacts permissions", gdpr=("Art. 5(1)(c)",),
               fixable=True),
        result("org-dpa", Outcome.PASS, area=Area.ORGANISATION, reason="attested",
               message="Attested by IT security on 2026-10-01: filed",
               attestation=Attestation("org-dpa", "IT security", date(2026, 10, 1), "filed")),
        result("device-patch-age", Outcome.WAIVED, area=Area.DEVICE,
               waiver=Waiver("device-patch-age", "replacement ordered", "CISO", date(2027, 1, 31))),
        result("wa-chat-backup", Outcome.MANUAL, area=Area.BACKUP, remedy="Open WhatsApp Business > Settings"),
    ),
    observed_at=datetime(2026, 11, 2, 9, 59), profile="whatsapp-business-gdpr",
)
UNAUTHORIZED = DeviceReport(DeviceIdentity("R58M123"), DeviceStatus.UNAUTHORIZED,
                            message="unauthorized: unlock the phone and accept the USB debugging prompt")


def test_every_format_is_wired():
    for fmt in Format:
        text = render(fmt, [AUDITED, UNAUTHORIZED], RUN)
        assert "127.0.0.1:40001" in text and "R58M123" in text, fmt


def test_verdicts():
    assert verdict(AUDITED, Judgement(Severity.INFO)) is Verdict.NOT_COMPLIANT
    assert verdict(UNAUTHORIZED, Judgement(Severity.INFO)) is Verdict.NOT_AUDITED
    low_fail = DeviceReport(AUDITED.identity, DeviceStatus.AUDITED,
                            (result("x", Outcome.FAIL, Severity.LOW), result("y", Outcome.MANUAL, Severity.MEDIUM)))
    assert verdict(low_fail, Judgement(Severity.HIGH)) is Verdict.COMPLIANT
    assert verdict(low_fail, Judgement(Severity.MEDIUM)) is Verdict.NOT_YET_COMPLIANT
    assert verdict(low_fail, Judgement(Severity.LOW)) is Verdict.NOT_COMPLIANT
    assert verdict(low_fail, Judgement(Severity.MEDIUM, skip_manual=True)) is Verdict.COMPLIANT
    unchecked = DeviceReport(AUDITED.identity, DeviceStatus.AUDITED, (result("z", Outcome.ERROR),))
    assert verdict(unchecked, Judgement(Severity.INFO)) is Verdict.INCOMPLETE


def test_json_schema_fields():
    data = json.loads(render(Format.JSON, [AUDITED, UNAUTHORIZED], RUN))
    assert data["schema"] == "wa-harden-report" and data["schema_version"] == 1
    assert data["summary"] == {"devices": 2, "compliant": 0, "not-yet-compliant": 0, "not-compliant": 1,
                               "incomplete": 0, "not-audited": 1}
    assert (data["fail_on"], data["skip_manual"]) == ("info", False)
    device = data["devices"][0]
    assert device["serial"] == "127.0.0.1:40001"
    assert device["identity"] == {"manufacturer": "Google", "model": "Pixel 7", "android_release": "14",
                                  "sdk": 34, "security_patch": "2026-10-05"}
    first = device["results"][0]
    assert {k: first[k] for k in ("check", "outcome", "reason", "observed", "expected", "severity")} == {
        "check": "wa-contacts-denied", "outcome": "fail", "reason": "fail",
        "observed": [{"user": 0, "granted": True}], "expected": {"granted": False}, "severity": "critical"}
    assert device["results"][1]["attestation"] == {"by": "IT security", "date": "2026-10-01", "note": "filed"}
    assert device["results"][2]["waiver"]["expires"] == "2027-01-31"
    assert data["devices"][1]["status"] == "unauthorized" and data["devices"][1]["results"] == []


def test_csv_has_one_row_per_result_and_one_per_unaudited_device():
    rows = list(csv.DictReader(io.StringIO(render(Format.CSV, [AUDITED, UNAUTHORIZED], RUN))))
    assert len(rows) == 5
    assert rows[0]["check"] == "wa-contacts-denied" and rows[0]["outcome"] == "fail"
    assert json.loads(rows[0]["observed"]) == [{"granted": True, "user": 0}]
    assert rows[4]["serial"] == "R58M123" and rows[4]["status"] == "unauthorized"
    assert "USB debugging" in rows[4]["message"]


def test_table_groups_by_area_and_lists_what_to_do_without_color():
    text = render(Format.TABLE, [AUDITED], RUN, color=False)
    assert "\033[" not in text
    assert "NOT COMPLIANT — 1 failed, 1 to confirm by hand, 1 waived, 1 passed" in text
    assert text.index("CONTACTS") < text.index("BACKUP") < text.index("DEVICE") < text.index("ORGANISATION")
    assert "What to do:\n 1. [wa-contacts-denied] Revoke the contacts permissions" in text
    assert "To confirm by hand (record each in an attestations file, see docs/ATTESTATIONS.md):\n" \
           " 1. [wa-chat-backup] Open WhatsApp Business > Settings" in text


def test_table_colors_only_when_asked():
    assert "\033[31mFAIL\033[0m" in render(Format.TABLE, [AUDITED], RUN, color=True)


def test_markdown_checklist():
    text = render(Format.MARKDOWN, [AUDITED, UNAUTHORIZED], RUN)
    assert "## Google Pixel 7 · 127.0.0.1:40001 · Android 14 (SDK 34) · patch 2026-10-05" in text
    assert "- [ ] `wa-contacts-denied`: Revoke the contacts permissions" in text
    assert "**NOT AUDITED**: unauthorized: unlock the phone" in text


def test_notes_waivers_and_attestations_are_shown_on_screen_and_in_markdown():
    noted = DeviceReport(AUDITED.identity, DeviceStatus.AUDITED, (
        result("android-backup-disabled", Outcome.PASS, area=Area.BACKUP,
               notes=("user 150 (secure-folder) refuses the shell; not checked",)),) + AUDITED.results[1:3])
    table = render(Format.TABLE, [noted], RUN)
    assert "Note: user 150 (secure-folder) refuses the shell; not checked" in table
    assert "Waived until 2027-01-31 by CISO: replacement ordered" in table
    assert table.count("Attested by IT security on 2026-10-01: filed") == 1  # shown once
    markdown = render(Format.MARKDOWN, [noted], RUN)
    assert "is pass<br>Note: user 150 (secure-folder) refuses the shell; not checked |" in markdown


MANUAL_ONLY = DeviceReport(
    AUDITED.identity, DeviceStatus.AUDITED,
    tuple(result(f"org-{n}", Outcome.MANUAL, area=Area.ORGANISATION) for n in range(8))
    + (result("wa-contacts-denied", Outcome.PASS),),
)


def test_open_manual_items_are_not_compliant_yet_and_exit_1():
    from wa_harden.errors import ExitStatus
    from wa_harden.policy import exit_status

    text = render(Format.TABLE, [MANUAL_ONLY], RUN)
    assert "NOT YET COMPLIANT — 8 items to confirm by hand (8 to confirm by hand, 1 passed)" in text
    assert "COMPLIANT —" not in text.replace("NOT YET COMPLIANT —", "")
    assert exit_status([MANUAL_ONLY], Judgement(Severity.INFO)) is ExitStatus.FINDINGS
    assert exit_status([MANUAL_ONLY], Judgement(Severity.INFO, skip_manual=True)) is ExitStatus.COMPLIANT
    skipped = render(Format.TABLE, [MANUAL_ONLY], RunInfo(RUN.profile, Severity.INFO, RUN.generated_at, "0.1.0",
                                                          skip_manual=True))
    assert "AUTOMATED CHECKS PASSED (--skip-manual: items to confirm by hand not judged)" in skipped
    assert "items to confirm by hand not judged (--skip-manual)" in skipped


def test_a_high_threshold_never_says_compliant_above_failures():
    failures = DeviceReport(AUDITED.identity, DeviceStatus.AUDITED,
                            tuple(result(f"x{n}", Outcome.FAIL, Severity.HIGH) for n in range(4)))
    run = RunInfo(RUN.profile, Severity.CRITICAL, RUN.generated_at, "0.1.0")
    text = render(Format.TABLE, [failures], run)
    assert "NO FINDINGS AT CRITICAL OR ABOVE — 4 failed (below critical)" in text
    assert "\nCOMPLIANT" not in text
    assert "### What to do" in render(Format.MARKDOWN, [failures], run)


def test_what_to_do_lists_failures_in_working_order_then_how_to_get_missing_data():
    report = DeviceReport(AUDITED.identity, DeviceStatus.AUDITED, (
        result("wa-contact-sync-traces", Outcome.FAIL, remedy="Remove WhatsApp's sync account"),
        result("wa-contacts-denied", Outcome.FAIL, remedy="Deny the contacts permission"),
        result("device-patch-age", Outcome.ERROR, area=Area.DEVICE, reason="timeout"),
        result("wa-media-hidden", Outcome.ERROR, area=Area.MEDIA, reason="not-captured"),
        result("org-dpa", Outcome.MANUAL, area=Area.ORGANISATION, remedy="File the DPA"),
    ))
    live = render(Format.TABLE, [report], RUN)
    todo = live.split("What to do:\n", 1)[1]
    assert todo.index("[wa-contacts-denied]") < todo.index("[wa-contact-sync-traces]") < todo.index("[device-patch")
    assert "[device-patch-age] Not checked: the phone did not answer in time: unlock it" in todo
    assert "[wa-media-hidden] Not checked: the phone was not read completely: run again" in todo
    assert "[org-dpa]" not in todo.split("To confirm by hand")[0]
    replayed = render(Format.TABLE, [report], RunInfo(RUN.profile, Severity.INFO, RUN.generated_at, "0.1.0",
                                                      replayed=True))
    assert "the capture file does not hold this command" in replayed


HOSTILE = DeviceReport(
    DeviceIdentity("R58\x1b]0;pwned\x07M1", "Evil\u202e", "<img src=x onerror=alert(1)>|# x", "14", 34),
    DeviceStatus.AUDITED,
    (result("device-dedicated", Outcome.FAIL, area=Area.DEVICE, message="=HYPERLINK(\"http://x\")\x1b[2J"),),
)


def test_device_text_cannot_reach_the_terminal_or_run_in_a_spreadsheet_or_page():
    table = render(Format.TABLE, [HOSTILE], RUN)
    assert "\x1b" not in table and "\x07" not in table and "\u202e" not in table
    markdown = render(Format.MARKDOWN, [HOSTILE], RUN)
    assert re.search(r"(?<!\\)<img", markdown) is None and "\\<img src=x onerror=alert(1)\\>" in markdown
    assert "\x1b" not in markdown
    rows = list(csv.DictReader(io.StringIO(render(Format.CSV, [HOSTILE], RUN))))
    assert rows[0]["message"].startswith("'=HYPERLINK") and "\x1b" not in rows[0]["message"]
    assert rows[0]["serial"] == "R58]0;pwnedM1"
