"""Markdown: the same content as the screen report, for tickets, wikis and printed evidence."""

from __future__ import annotations

import re
from collections.abc import Sequence

from wa_harden.model import Area, DeviceReport
from wa_harden.report import RunInfo
from wa_harden.report.table import device_heading, finding_text
from wa_harden.report.text import printable
from wa_harden.report.todo import headline, sections

# Characters that Markdown (or the HTML it may contain) would read as markup.
_MARKUP_RE = re.compile(r"([\\`*_{}\[\]<>|#!~])")


def text(value: str) -> str:
    """Plain text for Markdown: markup characters escaped, HTML never passed through."""
    return _MARKUP_RE.sub(r"\\\1", printable(value))


def _cell(value: str) -> str:
    return text(value).replace("\n", "<br>")


def render_markdown(reports: Sequence[DeviceReport], run: RunInfo) -> str:
    out = ["# wa-harden report", "",
           f"Profile `{text(run.profile)}`, failing at severity `{run.fail_on.value}` and above"
           + ("; items to confirm by hand not judged (`--skip-manual`)" if run.skip_manual else "")
           + f"; generated {run.generated_at.isoformat()} by wa-harden {run.tool_version}.", ""]
    for report in reports:
        _, words = headline(report, run)
        out += [f"## {text(device_heading(report))}", ""]
        if not report.audited:
            out += [f"**{text(words)}**: {text(report.message)}", ""]
            continue
        out += [f"**{text(words)}**", ""]
        if report.message:
            out += [text(report.message), ""]
        for area in Area:
            rows = [r for r in report.results if r.area is area]
            if not rows:
                continue
            out += [f"### {area.value.capitalize()}", "", "| outcome | check | severity | finding |",
                    "|---|---|---|---|"]
            out += [f"| {r.outcome.value} | `{r.check}` | {r.severity.value} | {_cell(finding_text(r))} |"
                    for r in rows]
            out.append("")
        for title, entries in sections(report, run):
            out += [f"### {text(title)}", ""]
            out += [f"- [ ] `{check}`: {_cell(what)}" for check, what in entries]
            out.append("")
    return "\n".join(out)
