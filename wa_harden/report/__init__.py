"""Reporters: DeviceReports in, a string out.  Where the string goes is the CLI's business."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from wa_harden.model import DeviceReport, DeviceStatus, Outcome, Result, Severity


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class RunInfo:
    """What every report states about the run itself."""

    profile: str
    fail_on: Severity
    generated_at: datetime
    tool_version: str


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


def outcome_counts(results: Sequence[Result]) -> dict[str, int]:
    counts = {o.value: 0 for o in Outcome}
    for result in results:
        counts[result.outcome.value] += 1
    return counts


def render(fmt: Format, reports: Sequence[DeviceReport], run: RunInfo, color: bool = False) -> str:
    if fmt is Format.TABLE:
        from wa_harden.report.table import render_table

        return render_table(reports, run, color=color)
    if fmt is Format.JSON:
        from wa_harden.report.json_report import render_json

        return render_json(reports, run)
    if fmt is Format.CSV:
        from wa_harden.report.csv_report import render_csv

        return render_csv(reports, run)
    if fmt is Format.MARKDOWN:
        from wa_harden.report.markdown import render_markdown

        return render_markdown(reports, run)
    raise AssertionError(f"unhandled format {fmt}")  # pragma: no cover - the enum test covers all
