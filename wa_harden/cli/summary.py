"""The fleet summary: ``wa-harden summary REPORT.json...``, offline, from the JSON reports of ``check``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import click

from wa_harden import __version__
from wa_harden.cli.app import cli, emit
from wa_harden.errors import ExitStatus
from wa_harden.report import Format, format_for_output

SUMMARY_FORMATS = [Format.TABLE, Format.CSV, Format.MARKDOWN, Format.HTML, Format.JSON]

SUMMARY_EXIT_CODES_HELP = """\b
Exit codes:
  0    the summary was made (whatever the phones' verdicts)
  2    a report could not be read, is not a wa-harden check report,
       or the output cannot be written
  70   internal error
  130  interrupted"""


@cli.command(epilog=SUMMARY_EXIT_CODES_HELP)
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-f", "--format", "fmt", type=click.Choice([f.value for f in SUMMARY_FORMATS]), default=None,
              help="Summary format [default: from the extension of -o FILE (.csv, .md, .html, .json, .txt for "
                   "table), else table].")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the summary to FILE.")
def summary(reports: Sequence[str], fmt: str | None, output: str | None) -> int:
    """Summarise the JSON reports of `check -f json` (several stations and days): compliance per
    check, per Android version and per model, the checks that fail most, and the phones that need
    a person.  A phone in several reports counts once, from its newest report.  `-` reads stdin."""
    from wa_harden.output import check_output_path
    from wa_harden.report.summary import MAX_REPORT_BYTES, SUMMARY_RENDERERS, load_report, read_report, summarise

    chosen = Format(fmt) if fmt else (format_for_output(output, SUMMARY_FORMATS) if output else None) or Format.TABLE
    if output is not None and output != "-":
        check_output_path(output, [r for r in reports if r != "-"])
    loaded = []
    for path in reports:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_REPORT_BYTES + 1)
            loaded.append(load_report(raw, "<stdin>"))
        else:
            loaded.append(read_report(path))
    fleet = summarise(loaded, ["<stdin>" if r == "-" else r for r in reports],
                      generated_at=datetime.now(UTC).replace(microsecond=0), tool_version=__version__)
    emit(SUMMARY_RENDERERS[chosen.value](fleet), output)
    noun = "phone" if fleet.phones == 1 else "phones"
    click.echo(f"{fleet.phones} {noun} from {len(loaded)} report{'' if len(loaded) == 1 else 's'}: "
               f"{fleet.compliant} compliant"
               + (f", {len(fleet.duplicates)} seen in several reports (counted once)" if fleet.duplicates else ""),
               err=True)
    return ExitStatus.COMPLIANT
