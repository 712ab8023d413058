"""What the results mean: which results count against a phone, its verdict and the exit status.

Reporters render these decisions; they never make them.  The CLI maps the exit status to the
process exit code.

A phone is compliant only when nothing at or above the threshold failed, went unchecked, or is
still open: a manual item nobody attested is open, so a phone that passes every automated check
but has eight items to confirm by hand is "not yet compliant" (exit 1).  ``skip_manual`` judges
the automated checks alone, for runs where the manual items are handled elsewhere; every report
says so.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from wa_harden.errors import ExitStatus
from wa_harden.model import ActionStatus, DeviceReport, DeviceStatus, Outcome, Result, Severity


@dataclass(frozen=True)
class Judgement:
    """How a run judges results: the lowest severity that counts, and whether manual items do."""

    fail_on: Severity = Severity.INFO
    skip_manual: bool = False


def counts_against(result: Result, judgement: Judgement) -> bool:
    """A failure, an unchecked item or (unless skipped) an open manual item at or above the threshold."""
    if result.severity < judgement.fail_on:
        return False
    if result.outcome in (Outcome.FAIL, Outcome.ERROR):
        return True
    return result.outcome is Outcome.MANUAL and not judgement.skip_manual


class Verdict(enum.StrEnum):
    COMPLIANT = "compliant"
    NOT_COMPLIANT = "not-compliant"  # something at or above the threshold failed
    INCOMPLETE = "incomplete"  # nothing failed, but something could not be checked
    NOT_YET_COMPLIANT = "not-yet-compliant"  # only manual items are open
    NOT_AUDITED = "not-audited"


VERDICT_ORDER = (Verdict.COMPLIANT, Verdict.NOT_YET_COMPLIANT, Verdict.NOT_COMPLIANT, Verdict.INCOMPLETE,
                 Verdict.NOT_AUDITED)


def verdict(report: DeviceReport, judgement: Judgement) -> Verdict:
    if not report.audited:
        return Verdict.NOT_AUDITED
    relevant = [r for r in report.results if counts_against(r, judgement)]
    if any(r.outcome is Outcome.FAIL for r in relevant):
        return Verdict.NOT_COMPLIANT
    if any(r.outcome is Outcome.ERROR for r in relevant) or report.status is DeviceStatus.PARTIAL:
        return Verdict.INCOMPLETE
    if relevant:
        return Verdict.NOT_YET_COMPLIANT
    return Verdict.COMPLIANT


def exit_status(reports: Sequence[DeviceReport], judgement: Judgement) -> ExitStatus:
    """3 if any device could not be (fully) audited, else 1 for findings or open items, else 0."""
    if any(r.status is not DeviceStatus.AUDITED for r in reports):
        return ExitStatus.DEVICE_UNAVAILABLE
    if any(counts_against(res, judgement) for r in reports for res in r.results):
        return ExitStatus.FINDINGS
    return ExitStatus.COMPLIANT


def fix_exit_status(handled: Sequence[bool], statuses: Sequence[ActionStatus], after: Sequence[DeviceReport],
                    judgement: Judgement) -> ExitStatus:
    """The exit status of `fix` and `undo`: 3 a phone not (fully) handled, else 4 an action that did
    not hold or was refused, else 1 when findings remain that need a person, else 0."""
    if not all(handled):
        return ExitStatus.DEVICE_UNAVAILABLE
    if any(s in (ActionStatus.FAILED, ActionStatus.REFUSED) for s in statuses):
        return ExitStatus.ACTION_FAILED
    if any(counts_against(res, judgement) for report in after for res in report.results):
        return ExitStatus.FINDINGS
    return ExitStatus.COMPLIANT
