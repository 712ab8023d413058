"""The screen report: one block per phone, results grouped by area, then what to do."""

from __future__ import annotations

from collections.abc import Sequence

from tabulate import tabulate

from wa_harden.model import Area, DeviceReport, Outcome, Result
from wa_harden.report import RunInfo, Verdict
from wa_harden.report.text import printable
from wa_harden.report.todo import headline, sections

_COLORS = {
    Outcome.PASS: "32", Outcome.FAIL: "31", Outcome.ERROR: "35",
    Outcome.MANUAL: "33", Outcome.WAIVED: "36", Outcome.NOT_APPLICABLE: "2",
}
_VERDICT_COLORS = {Verdict.COMPLIANT: "1;32", Verdict.NOT_COMPLIANT: "1;31", Verdict.INCOMPLETE: "1;35",
                   Verdict.NOT_YET_COMPLIANT: "1;33", Verdict.NOT_AUDITED: "1;35"}
_LABEL = {Outcome.NOT_APPLICABLE: "N/A"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def finding_text(result: Result) -> str:
    """The message, then the waiver and the notes (restricted users, expired waivers).

    An attested result's message already says who attested it and when: it is not repeated.
    """
    lines = [result.message]
    if result.waiver is not None:
        lines.append(f"Waived until {result.waiver.expires} by {result.waiver.approver}: "
                     f"{result.waiver.justification}")
    lines += [f"Note: {note}" for note in result.notes]
    return printable("\n".join(lines))


def device_heading(report: DeviceReport) -> str:
    ident = report.identity
    name = f"{ident.serial} @ {ident.server}" if ident.server else ident.serial
    parts = [" ".join(p for p in (ident.manufacturer, ident.model) if p) or "Unknown phone", name]
    if ident.android_release:
        parts.append(f"Android {ident.android_release}" + (f" (SDK {ident.sdk})" if ident.sdk else ""))
    if ident.security_patch:
        parts.append(f"patch {ident.security_patch}")
    return printable(" · ".join(parts)).replace("\n", " ")


def judged_by(run: RunInfo) -> str:
    manual = "; items to confirm by hand not judged (--skip-manual)" if run.skip_manual else ""
    return f"profile {run.profile}, failing at severity {run.fail_on.value} and above{manual}"


def render_table(reports: Sequence[DeviceReport], run: RunInfo, color: bool = False) -> str:
    blocks = [_device_block(r, run, color) for r in reports]
    return "\n\n".join(blocks) + "\n"


def _device_block(report: DeviceReport, run: RunInfo, color: bool) -> str:
    verdict, words = headline(report, run)
    lines = [_paint(device_heading(report), "1", color)]
    head = _paint(words, _VERDICT_COLORS[verdict], color)
    if not report.audited:
        lines.append(f"{head}: {printable(report.message)}")
        return "\n".join(lines)
    lines.append(head)
    if report.message:
        lines.append(printable(report.message))
    lines.append(judged_by(run))
    for area in Area:
        rows = [r for r in report.results if r.area is area]
        if not rows:
            continue
        table = tabulate(
            [[_paint(_LABEL.get(r.outcome, r.outcome.value.upper()), _COLORS[r.outcome], color),
              r.check, r.severity.value, finding_text(r)] for r in rows],
            headers=["outcome", "check", "severity", "finding"],
            tablefmt="simple", maxcolwidths=[None, None, None, 70],
        )
        lines += ["", area.value.upper(), table]
    for title, entries in sections(report, run):
        lines += ["", f"{title}:"]
        lines += [printable(f"{n:2}. [{check}] {what}") for n, (check, what) in enumerate(entries, 1)]
    return "\n".join(lines)
