"""JUnit XML, for CI servers (Jenkins, GitLab, Azure DevOps) that chart test results.

One ``<testsuite>`` per phone (named by its serial), one ``<testcase>`` per check (``classname``
the area, ``name`` the check id): ``<failure>`` for a failed check, ``<error>`` for one that could
not be checked, ``<skipped>`` for a manual item, a check that does not apply and a waived failure;
a passed check has no child.  A phone that could not be audited is a suite with one ``<error>``
test case named ``audit``.  The phone's verdict (decided by policy) is a suite property.

The layout follows the JUnit schema Jenkins reads (``tests/report/junit.xsd`` validates it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from wa_harden.model import DeviceReport, Outcome, Result
from wa_harden.report import RunInfo, verdict
from wa_harden.report.html import plain
from wa_harden.report.todo import how_to_read

_SKIPPED = {Outcome.MANUAL, Outcome.NOT_APPLICABLE, Outcome.WAIVED}


def _details(result: Result, todo: str) -> str:
    """The text of a failure or error: the message, what to do, severity, GDPR and notes."""
    lines = [result.message, todo]
    if result.remedy and result.outcome is Outcome.ERROR:
        lines.append(f"Remedy if it fails: {result.remedy}")
    lines.append(f"Severity: {result.severity.value}" + (f"; GDPR: {', '.join(result.gdpr)}" if result.gdpr else ""))
    lines += [f"Note: {note}" for note in result.notes]
    return plain("\n".join(line for line in lines if line))


def _skip_message(result: Result) -> str:
    if result.outcome is Outcome.MANUAL:
        what = result.remedy or result.message
        return f"manual: to confirm by hand and record in an attestations file: {what}"
    if result.outcome is Outcome.WAIVED and result.waiver is not None:
        waiver = result.waiver
        return (f"waived until {waiver.expires.isoformat()} by {waiver.approver}: {waiver.justification} "
                f"({result.message})")
    if result.outcome is Outcome.WAIVED:
        return f"waived: {result.message}"
    return f"not applicable: {result.message}"


def _testcase(suite: ET.Element, result: Result, replayed: bool) -> None:
    case = ET.SubElement(suite, "testcase", classname=result.area.value, name=result.check, time="0")
    if result.outcome is Outcome.FAIL:
        todo = f"Remedy: {result.remedy}" if result.remedy else ""
        child = ET.SubElement(case, "failure", message=plain(f"{result.message} {todo}".strip()), type=result.reason)
        child.text = _details(result, todo)
    elif result.outcome is Outcome.ERROR:
        todo = f"Not checked: {how_to_read(result.reason, replayed)}."
        child = ET.SubElement(case, "error", message=plain(f"{result.message} {todo}"), type=result.reason)
        child.text = _details(result, todo)
    elif result.outcome in _SKIPPED:
        ET.SubElement(case, "skipped", message=plain(_skip_message(result)))


def _suite(parent: ET.Element, report: DeviceReport, run: RunInfo) -> dict[str, int]:
    ident = report.identity
    results = report.results
    counts = {
        "tests": len(results) if report.audited else 1,
        "failures": sum(r.outcome is Outcome.FAIL for r in results),
        "errors": sum(r.outcome is Outcome.ERROR for r in results) if report.audited else 1,
        "skipped": sum(r.outcome in _SKIPPED for r in results),
    }
    attributes = {"name": plain(ident.serial), **{k: str(v) for k, v in counts.items()}, "time": "0"}
    if report.observed_at is not None:
        attributes["timestamp"] = report.observed_at.replace(microsecond=0).isoformat()
    suite = ET.SubElement(parent, "testsuite", attributes)
    properties = ET.SubElement(suite, "properties")
    for name, value in (("model", ident.model), ("android_release", ident.android_release),
                        ("verdict", verdict(report, run.judgement).value), ("status", report.status.value),
                        ("profile", run.profile), ("fail_on", run.fail_on.value)):
        ET.SubElement(properties, "property", name=name, value=plain(value or ""))
    if not report.audited:
        case = ET.SubElement(suite, "testcase", classname="device", name="audit", time="0")
        error = ET.SubElement(case, "error", message=plain(report.message or report.status.value),
                              type=report.status.value)
        error.text = plain(report.message)
        return counts
    for result in results:
        _testcase(suite, result, run.replayed)
    return counts


def render_junit(reports: Sequence[DeviceReport], run: RunInfo) -> str:
    root = ET.Element("testsuites", name=plain(f"wa-harden {run.profile}"))
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for report in reports:
        counts = _suite(root, report, run)
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
