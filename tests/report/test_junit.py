"""The JUnit report: a suite per phone, a test case per check, valid for the schema CI servers read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_reports import AUDITED, RUN, UNAUTHORIZED, result

from wa_harden.model import Area, DeviceIdentity, DeviceReport, DeviceStatus, Outcome
from wa_harden.report import Format, RunInfo, render

XSD = Path(__file__).with_name("junit.xsd")

WITH_ERROR = DeviceReport(
    DeviceIdentity("HT7A0004", "Google", "Pixel 6", "13", 33), DeviceStatus.PARTIAL,
    (result("wa-contacts-denied", Outcome.PASS),
     result("android-backup-disabled", Outcome.ERROR, area=Area.BACKUP, reason="timeout",
            message="Android backup could not be read.", remedy="Settings > System > Backup > off"),
     result("device-work-profile", Outcome.NOT_APPLICABLE, area=Area.DEVICE, message="No work profile.")),
)


def _suites(text: str) -> list[ET.Element]:
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    return list(root)


def test_one_suite_per_phone_one_case_per_check():
    text = render(Format.JUNIT, [AUDITED, UNAUTHORIZED, WITH_ERROR], RUN)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    root = ET.fromstring(text)
    assert {k: root.get(k) for k in ("tests", "failures", "errors")} == {"tests": "8", "failures": "1", "errors": "2"}
    audited, unauthorized, partial = _suites(text)
    assert audited.attrib == {"name": "127.0.0.1:40001", "tests": "4", "failures": "1", "errors": "0",
                              "skipped": "2", "time": "0", "timestamp": "2026-11-02T09:59:00"}
    assert {p.get("name"): p.get("value") for p in audited.iter("property")} == {
        "model": "Pixel 7", "android_release": "14", "verdict": "not-compliant", "status": "audited",
        "profile": "whatsapp-business-gdpr", "fail_on": "info"}
    cases = audited.findall("testcase")
    assert [(c.get("classname"), c.get("name"), [child.tag for child in c]) for c in cases] == [
        ("contacts", "wa-contacts-denied", ["failure"]),
        ("organisation", "org-dpa", []),
        ("device", "device-patch-age", ["skipped"]),
        ("backup", "wa-chat-backup", ["skipped"]),
    ]
    failure = cases[0].find("failure")
    assert failure is not None and failure.attrib == {
        "message": "wa-contacts-denied is fail Remedy: Revoke the contacts permissions", "type": "fail"}
    assert failure.text == ("wa-contacts-denied is fail\nRemedy: Revoke the contacts permissions\n"
                            "Severity: critical; GDPR: Art. 5(1)(c)")
    assert cases[2][0].get("message") == ("waived until 2027-01-31 by CISO: replacement ordered "
                                          "(device-patch-age is waived)")
    assert cases[3][0].get("message") == ("manual: to confirm by hand and record in an attestations file: "
                                          "Open WhatsApp Business > Settings")


def test_a_phone_not_audited_is_one_error_case_named_audit():
    [suite] = _suites(render(Format.JUNIT, [UNAUTHORIZED], RUN))
    assert (suite.get("name"), suite.get("tests"), suite.get("errors"), suite.get("failures")) == (
        "R58M123", "1", "1", "0")
    assert {p.get("name"): p.get("value") for p in suite.iter("property")}["verdict"] == "not-audited"
    [case] = suite.findall("testcase")
    assert (case.get("classname"), case.get("name")) == ("device", "audit")
    error = case.find("error")
    assert error is not None and error.attrib == {
        "message": "unauthorized: unlock the phone and accept the USB debugging prompt", "type": "unauthorized"}


def test_an_error_says_how_to_get_the_data_and_a_not_applicable_check_is_skipped():
    [suite] = _suites(render(Format.JUNIT, [WITH_ERROR], RUN))
    assert {p.get("name"): p.get("value") for p in suite.iter("property")}["status"] == "partial"
    passed, unchecked, not_applicable = suite.findall("testcase")
    assert list(passed) == []
    error = unchecked.find("error")
    assert error is not None and error.get("type") == "timeout"
    assert error.get("message") == ("Android backup could not be read. Not checked: the phone did not answer in "
                                    "time: unlock it, check the cable and run again (or raise --timeout).")
    assert error.text is not None and "Remedy if it fails: Settings > System > Backup > off" in error.text
    assert not_applicable[0].tag == "skipped" and not_applicable[0].get("message") == "not applicable: No work profile."
    replayed = RunInfo(RUN.profile, RUN.fail_on, RUN.generated_at, "0.1.0", replayed=True)
    [suite] = _suites(render(Format.JUNIT, [WITH_ERROR], replayed))
    assert "Not checked: the phone did not answer in time" in suite.findall("testcase")[1][0].get("message", "")


HOSTILE = DeviceReport(
    DeviceIdentity('R58\x1b]0;x\x07M1"/><testcase name="forged', "Evil", "<model> & \"co\"\u202e", "14", 34),
    DeviceStatus.AUDITED,
    (result("device-dedicated", Outcome.FAIL, area=Area.DEVICE, message="]]><!-- \x1b[2J \ud800 \ufffe &amp;",
            remedy="</failure><failure>"),),
)


def test_hostile_text_stays_text_and_the_file_is_well_formed():
    text = render(Format.JUNIT, [HOSTILE], RUN)
    [suite] = _suites(text)  # parses: nothing closed an element or broke the XML
    assert suite.get("name") == 'R58]0;xM1"/><testcase name="forged'
    assert len(suite.findall("testcase")) == 1
    assert {p.get("name"): p.get("value") for p in suite.iter("property")}["model"] == '<model> & "co"'
    failure = suite.find("testcase/failure")
    assert failure is not None and failure.get("message") == "]]><!-- [2J   &amp; Remedy: </failure><failure>"
    for forbidden in ("\x1b", "\x07", "\u202e", "\ufffe"):
        assert forbidden not in text
    text.encode("utf-8")


def _structure(text: str) -> None:
    """What the schema demands, checked by hand: element nesting, required attributes, counts."""
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    for suite in root:
        assert suite.tag == "testsuite" and suite.get("name") and suite.get("tests", "").isdigit()
        children = [c.tag for c in suite]
        assert children == ["properties"] + ["testcase"] * (len(children) - 1)
        assert all(p.tag == "property" and p.get("name") and p.get("value") is not None for p in suite[0])
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "")) == len(cases)
        for kind, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(suite.get(attribute, "")) == len(suite.findall(f"testcase/{kind}"))
        for case in cases:
            assert case.get("name") and case.get("classname")
            assert len(case) <= 1 and all(child.tag in ("failure", "error", "skipped") for child in case)


def test_the_report_is_valid_junit():
    reports = [AUDITED, UNAUTHORIZED, WITH_ERROR, HOSTILE]
    text = render(Format.JUNIT, reports, RUN)
    _structure(text)
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(XSD))
    schema.validate(text)
    assert schema.is_valid(render(Format.JUNIT, [], RUN))
    assert not schema.is_valid(text.replace("<skipped ", "<ignored ", 1).replace("</skipped>", "</ignored>"))
