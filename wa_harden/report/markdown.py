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
# What starts a block at the beginning of a line: a list item (``-``, ``+``, ``1.``, ``1)``), a
# thematic break or a setext heading underline (``---``, ``===``).  A device-provided text with a
# line feed must not turn the paragraph above it into a heading or start a list of its own.  (The
# start of a value is where the report puts it, mid-line: "0.1.0" stays as it is.)
_BLOCK_START_RE = re.compile(r"(?<=\n)([ \t]*)([-+=]|\d+(?=[.)]))")


def _no_block(match: re.Match[str]) -> str:
    indent, marker = match.groups()
    return f"{indent}{marker}\\" if marker.isdigit() else f"{indent}\\{marker}"


def text(value: str) -> str:
    """Plain text for Markdown: markup characters escaped, HTML never passed through, no line of it
    starting a block."""
    return _BLOCK_START_RE.sub(_no_block, _MARKUP_RE.sub(r"\\\1", printable(value)))


def code(value: str, in_table: bool = False) -> str:
    """A code span holding ``value`` as it is, on one line: fenced by more backticks than it holds
    in a row (backslash escapes do not work inside a span); in a table ``|`` is escaped, since GFM
    splits cells on it even inside a span."""
    value = printable(value).replace("\n", " ")
    if in_table:
        value = value.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _cell(value: str) -> str:
    return text(value).replace("\n", "<br>")


def render_markdown(reports: Sequence[DeviceReport], run: RunInfo) -> str:
    out = ["# wa-harden report", "",
           f"Profile {code(run.profile)}, failing at severity `{run.fail_on.value}` and above"
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
