"""HTML: one self-contained page for the data protection officer's files, readable in any browser
and printable on A4: a fleet summary, then each phone with its results by area and what to do.

The page loads nothing (no scripts, fonts, images or style sheets from elsewhere) and needs no
script to be read.  Every text that reaches it, from the phone or from the report, goes through
:func:`esc`: a phone chooses its own model name, and a profile or attestations file is written by
hand.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from wa_harden.model import Area, DeviceReport, Outcome
from wa_harden.policy import VERDICT_ORDER, Verdict
from wa_harden.report import RunInfo
from wa_harden.report.table import device_heading, finding_text, judged_by
from wa_harden.report.text import printable
from wa_harden.report.todo import headline, sections, summary_line

CSS = """\
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #1a1a1a; margin: 1.5em auto; max-width: 60em; padding: 0 1em;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1, h2, h3, p, li, dd { overflow-wrap: anywhere; }
h1 { font-size: 1.6em; margin: 0 0 .2em; }
h2 { font-size: 1.3em; margin: 1.6em 0 .3em; border-bottom: 2px solid #444; padding-bottom: .1em; }
h3 { font-size: 1.05em; margin: 1.1em 0 .3em; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .95em; }
table { border-collapse: collapse; width: 100%; margin: .3em 0 .8em; }
th, td { border: 1px solid #bbb; padding: .25em .45em; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { overflow-wrap: normal; }
td.k { min-width: 8.5em; }
td.id { white-space: nowrap; }
th { background: #eee; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.n { text-align: right; white-space: nowrap; }
.run, .note { color: #444; }
dl.identity { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .1em 1em; margin: .4em 0; }
dl.identity dt { font-weight: 600; }
dl.identity dd { margin: 0; }
.headline { font-weight: 700; padding: .35em .6em; border-left: 6px solid; margin: .4em 0; }
.outcome { font-weight: 700; white-space: nowrap; }
.o-pass .outcome { background: #dcf3dc; color: #145214; }
.o-fail .outcome { background: #fbd9d6; color: #8a1309; }
.o-error .outcome { background: #ecdcf5; color: #5b1780; }
.o-manual .outcome { background: #fff0c2; color: #6b4c00; }
.o-waived .outcome { background: #d7eef4; color: #0d5566; }
.o-not_applicable .outcome { background: #f0f0f0; color: #555; }
.v-compliant { background: #dcf3dc; border-color: #2e8b2e; }
.v-not-compliant { background: #fbd9d6; border-color: #c0261a; }
.v-incomplete, .v-not-audited { background: #ecdcf5; border-color: #7d2ca8; }
.v-not-yet-compliant { background: #fff0c2; border-color: #c99400; }
ol.todo li { margin-bottom: .25em; }
@media print {
  body { margin: 0; max-width: none; padding: 0; }
  section.phone { break-before: page; page-break-before: always; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
}
"""


def plain(value: str) -> str:
    """Text any markup document may hold: no control characters, no lone surrogates."""
    return printable(value)


def esc(value: object) -> str:
    """Text as HTML, in an element or a quoted attribute: markup escaped, line feeds as ``<br>``."""
    return html.escape(plain(str(value)), quote=True).replace("\n", "<br>\n")


def page(title: str, body: Iterable[str]) -> str:
    """A whole HTML document around ``body`` (already escaped markup), with the inline style."""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>\n{CSS}</style>",
        "</head>",
        "<body>",
        *body,
        "</body>",
        "</html>",
        "",
    ])


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = (),
          keys: Sequence[int] = ()) -> list[str]:
    """A table of already escaped cells: the columns in ``numeric`` right-aligned, those in ``keys``
    (serials, verdicts, check ids, models) kept whole unless longer than a short line."""
    def td(i: int, cell: str) -> str:
        kind = ' class="n"' if i in numeric else ' class="k"' if i in keys else ""
        return f"<td{kind}>{cell}</td>"

    out = ["<table>", "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr></thead>", "<tbody>"]
    for row in rows:
        cells = "".join(td(i, cell) for i, cell in enumerate(row))
        out.append(f"<tr>{cells}</tr>")
    out += ["</tbody>", "</table>"]
    return out


def render_html(reports: Sequence[DeviceReport], run: RunInfo) -> str:
    body = [
        "<header>",
        "<h1>wa-harden report</h1>",
        f'<p class="run">Checked against {esc(judged_by(run))}; generated {esc(run.generated_at.isoformat())} by '
        f"wa-harden {esc(run.tool_version)}"
        + ("; from capture files" if run.replayed else "") + ".</p>",
        "</header>",
    ]
    body += _fleet(reports, run)
    for number, report in enumerate(reports, 1):
        body += _phone(number, report, run)
    return page("wa-harden report", body)


def _fleet(reports: Sequence[DeviceReport], run: RunInfo) -> list[str]:
    verdicts = [headline(r, run)[0] for r in reports]
    noun = "phone" if len(reports) == 1 else "phones"
    out = ['<section class="fleet">', f"<h2>Fleet summary: {len(reports)} {noun}</h2>"]
    out += table(["verdict", "phones"], [[esc(v.value), str(verdicts.count(v))] for v in VERDICT_ORDER]
                 + [["<strong>all</strong>", f"<strong>{len(reports)}</strong>"]], numeric=[1])
    waiting = [(n, r, v) for n, (r, v) in enumerate(zip(reports, verdicts, strict=True), 1)
               if v is not Verdict.COMPLIANT]
    out.append("<h3>Phones that need a person</h3>")
    if not waiting:
        out.append("<p>None: every phone is compliant.</p>")
    else:
        out += table(["phone", "verdict", "what is open"], [
            [f'<a href="#phone-{n}">{esc(device_heading(r))}</a>', esc(v.value),
             esc(summary_line(r) if r.audited else r.message)]
            for n, r, v in waiting], keys=[1])
    out.append("</section>")
    return out


def _identity(report: DeviceReport) -> list[str]:
    ident = report.identity
    fields = [("serial", ident.serial), ("adb server", ident.server), ("manufacturer", ident.manufacturer),
              ("model", ident.model), ("Android", ident.android_release),
              ("SDK", str(ident.sdk) if ident.sdk is not None else None), ("security patch", ident.security_patch),
              ("read at", f"{report.observed_at.isoformat()} UTC" if report.observed_at else None),
              ("status", report.status.value)]
    return ['<dl class="identity">'] + [f"<dt>{esc(name)}</dt><dd>{esc(value)}</dd>"
                                       for name, value in fields if value] + ["</dl>"]


def _phone(number: int, report: DeviceReport, run: RunInfo) -> list[str]:
    verdict, words = headline(report, run)
    out = [f'<section class="phone" id="phone-{number}">', f"<h2>{esc(device_heading(report))}</h2>",
           f'<p class="headline v-{verdict.value}">{esc(words)}</p>']
    out += _identity(report)
    if report.message:
        out.append(f'<p class="note">{esc(report.message)}</p>')
    for area in Area:
        rows = [r for r in report.results if r.area is area]
        if not rows:
            continue
        out += [f"<h3>{esc(area.value.capitalize())}</h3>", "<table>",
                "<thead><tr><th>outcome</th><th>check</th><th>severity</th><th>finding</th></tr></thead>", "<tbody>"]
        out += [f'<tr class="o-{r.outcome.value}"><td class="outcome">'
                f'{esc("N/A" if r.outcome is Outcome.NOT_APPLICABLE else r.outcome.value.upper())}</td>'
                f'<td class="id"><code>{esc(r.check)}</code></td><td>{esc(r.severity.value)}</td>'
                f"<td>{esc(finding_text(r))}</td></tr>" for r in rows]
        out += ["</tbody>", "</table>"]
    for title, entries in sections(report, run):
        out += [f"<h3>{esc(title)}</h3>", '<ol class="todo">']
        out += [f"<li><code>{esc(check)}</code>: {esc(what)}</li>" for check, what in entries]
        out.append("</ol>")
    out.append("</section>")
    return out
