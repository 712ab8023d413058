"""Markdown: the same content as the screen report, for tickets, wikis and printed evidence."""

from __future__ import annotations

from collections.abc import Sequence

from wa_harden.model import Area, DeviceReport, Outcome
from wa_harden.report import RunInfo, counts_against, verdict
from wa_harden.report.table import device_heading, finding_text, summary_line


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render_markdown(reports: Sequence[DeviceReport], run: RunInfo) -> str:
    out = ["# wa-harden report", "",
           f"Profile `{run.profile}`, failing at severity `{run.fail_on.value}` and above; "
           f"generated {run.generated_at.isoformat()} by wa-harden {run.tool_version}.", ""]
    for report in reports:
        v = verdict(report, run.fail_on)
        out += [f"## {device_heading(report)}", ""]
        if not report.audited:
            out += [f"**{v.value}**: {report.message}", ""]
            continue
        out += [f"**{v.value}** — {summary_line(report, run)}", ""]
        if report.message:
            out += [report.message, ""]
        for area in Area:
            rows = [r for r in report.results if r.area is area]
            if not rows:
                continue
            out += [f"### {area.value.capitalize()}", "", "| outcome | check | severity | finding |",
                    "|---|---|---|---|"]
            out += [f"| {r.outcome.value} | `{r.check}` | {r.severity.value} | {_cell(finding_text(r))} |" for r in rows]
            out.append("")
        todo = [r for r in report.results if counts_against(r, run.fail_on) or r.outcome is Outcome.MANUAL]
        if todo:
            out += ["### What to do", ""]
            out += [f"- [ ] `{r.check}`: {_cell(r.remedy or r.message)}" for r in todo]
            out.append("")
    return "\n".join(out)
