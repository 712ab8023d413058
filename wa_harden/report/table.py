"""The screen report: one block per phone, results grouped by area, then what to do."""

from __future__ import annotations

from collections.abc import Sequence

from tabulate import tabulate

from wa_harden.model import Area, DeviceReport, Outcome, Result
from wa_harden.report import RunInfo, Verdict, counts_against, outcome_counts, verdict

_COLORS = {
    Outcome.PASS: "32", Outcome.FAIL: "31", Outcome.ERROR: "35",
    Outcome.MANUAL: "33", Outcome.WAIVED: "36", Outcome.NOT_APPLICABLE: "2",
}
_VERDICT_COLORS = {Verdict.COMPLIANT: "1;32", Verdict.NOT_COMPLIANT: "1;31",
                   Verdict.INCOMPLETE: "1;35", Verdict.NOT_AUDITED: "1;35"}
_LABEL = {Outcome.NOT_APPLICABLE: "N/A"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def finding_text(result: Result) -> str:
    """The message, then the notes (restricted users, expired waivers, who attested)."""
    lines = [result.message]
    if result.waiver is not None:
        lines.append(f"Waived until {result.waiver.expires} by {result.waiver.approver}: "
                     f"{result.waiver.justification}")
    if result.attestation is not None:
        lines.append(f"Attested by {result.attestation.by} on {result.attestation.on}: {result.attestation.note}")
    lines += [f"Note: {note}" for note in result.notes]
    return "\n".join(lines)


def device_heading(report: DeviceReport) -> str:
    ident = report.identity
    parts = [" ".join(p for p in (ident.manufacturer, ident.model) if p) or "Unknown phone", ident.serial]
    if ident.android_release:
        parts.append(f"Android {ident.android_release}" + (f" (SDK {ident.sdk})" if ident.sdk else ""))
    if ident.security_patch:
        parts.append(f"patch {ident.security_patch}")
    return " · ".join(parts)


def summary_line(report: DeviceReport, run: RunInfo) -> str:
    counts = outcome_counts(report.results)
    shown = [(counts[o.value], name) for o, name in (
        (Outcome.FAIL, "failed"), (Outcome.ERROR, "not checked"), (Outcome.MANUAL, "to confirm by hand"),
        (Outcome.WAIVED, "waived"), (Outcome.PASS, "passed"), (Outcome.NOT_APPLICABLE, "not applicable"))]
    return ", ".join(f"{n} {name}" for n, name in shown if n)


def render_table(reports: Sequence[DeviceReport], run: RunInfo, color: bool = False) -> str:
    blocks = [_device_block(r, run, color) for r in reports]
    return "\n\n".join(blocks) + "\n"


def _device_block(report: DeviceReport, run: RunInfo, color: bool) -> str:
    v = verdict(report, run.fail_on)
    lines = [_paint(device_heading(report), "1", color)]
    head = _paint(v.value.upper().replace("-", " "), _VERDICT_COLORS[v], color)
    if not report.audited:
        lines.append(f"{head}: {report.message}")
        return "\n".join(lines)
    lines.append(f"{head} — {summary_line(report, run)}")
    if report.message:
        lines.append(report.message)
    lines.append(f"profile {run.profile}, failing at severity {run.fail_on.value} and above")
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
    todo = [r for r in report.results
            if counts_against(r, run.fail_on) or r.outcome is Outcome.MANUAL]
    if todo:
        lines += ["", "What to do:"]
        for index, result in enumerate(todo, 1):
            lines.append(f"{index:2}. [{result.check}] {result.remedy or result.message}")
    return "\n".join(lines)
