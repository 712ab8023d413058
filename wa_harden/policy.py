"""What the results mean: which results count against a phone, its verdict, and the exit status.

Reporters render these decisions; they never make them.  The CLI maps the exit status to the
process exit code.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from wa_harden.errors import ExitStatus
from wa_harden.model import DeviceReport, DeviceStatus, Outcome, Result, Severity


def counts_against(result: Result, fail_on: Severity) -> bool:
    """A failure or an unchecked item at or above the threshold makes a device non-compliant."""
    return result.outcome in (Outcome.FAIL, Outcome.ERROR) and result.severity >= fail_on


class Verdict(enum.StrEnum):
    COMPLIANT = "compliant"
    NOT_COMPLIANT = "not-compliant"
    INCOMPLETE = "incomplete"  # nothing failed, but something could not be checked
    NOT_AUDITED = "not-audited"


def verdict(report: DeviceReport, fail_on: Severity) -> Verdict:
    if not report.audited:
        return Verdict.NOT_AUDITED
    relevant = [r for r in report.results if counts_against(r, fail_on)]
    if any(r.outcome is Outcome.FAIL for r in relevant):
        return Verdict.NOT_COMPLIANT
    if relevant or report.status is DeviceStatus.PARTIAL:
        return Verdict.INCOMPLETE
    return Verdict.COMPLIANT


def exit_status(reports: Sequence[DeviceReport], fail_on: Severity) -> ExitStatus:
    """3 if any device could not be (fully) audited, else 1 for findings, else 0."""
    if any(r.status is not DeviceStatus.AUDITED for r in reports):
        return ExitStatus.DEVICE_UNAVAILABLE
    if any(counts_against(res, fail_on) for r in reports for res in r.results):
        return ExitStatus.FINDINGS
    return ExitStatus.COMPLIANT
