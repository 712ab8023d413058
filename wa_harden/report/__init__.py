"""Reporters: DeviceReports in, a string out.  Where the string goes is the CLI's business.

Reporters only render: which results count against a phone, its verdict and the exit status are
decided in :mod:`wa_harden.policy`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from wa_harden.errors import UsageError
from wa_harden.model import DeviceReport, Outcome, Result, Severity
from wa_harden.policy import Judgement, Verdict, counts_against, verdict

__all__ = ["EXTENSIONS", "Format", "REPORTERS", "Judgement", "RunInfo", "Verdict", "counts_against",
           "format_for_output", "outcome_counts", "render", "verdict"]


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    HTML = "html"
    JUNIT = "junit"


@dataclass(frozen=True)
class RunInfo:
    """What every report states about the run itself."""

    profile: str
    fail_on: Severity
    generated_at: datetime
    tool_version: str
    skip_manual: bool = False  # --skip-manual: open manual items do not count
    replayed: bool = False  # the reports come from capture files, not from phones just now

    @property
    def judgement(self) -> Judgement:
        return Judgement(self.fail_on, self.skip_manual)


def outcome_counts(results: Sequence[Result]) -> dict[str, int]:
    counts = {o.value: 0 for o in Outcome}
    for result in results:
        counts[result.outcome.value] += 1
    return counts


Reporter = Callable[[Sequence[DeviceReport], RunInfo, bool], str]


def _table(reports: Sequence[DeviceReport], run: RunInfo, color: bool) -> str:
    from wa_harden.report.table import render_table

    return render_table(reports, run, color=color)


def _json(reports: Sequence[DeviceReport], run: RunInfo, color: bool) -> str:
    from wa_harden.report.json_report import render_json

    return render_json(reports, run)


def _csv(reports: Sequence[DeviceReport], run: RunInfo, color: bool) -> str:
    from wa_harden.report.csv_report import render_csv

    return render_csv(reports, run)


def _markdown(reports: Sequence[DeviceReport], run: RunInfo, color: bool) -> str:
    from wa_harden.report.markdown import render_markdown

    return render_markdown(reports, run)


def _html(reports: Sequence[DeviceReport], run: RunInfo, color: bool) -> str:
    from wa_harden.report.html import render_html

    return render_html(reports, run)


def _junit(reports: Sequence[DeviceReport], run: RunInfo, color: bool) -> str:
    from wa_harden.report.junit import render_junit

    return render_junit(reports, run)


# Every format and its reporter; the CLI's choices are generated from this mapping, and a test
# proves it covers every Format.  Reporters are imported lazily (tabulate only for the table).
REPORTERS: Mapping[Format, Reporter] = {
    Format.TABLE: _table,
    Format.JSON: _json,
    Format.CSV: _csv,
    Format.MARKDOWN: _markdown,
    Format.HTML: _html,
    Format.JUNIT: _junit,
}

# `-o FILE` without `-f`: the format a file's extension names.
EXTENSIONS: Mapping[str, Format] = {
    ".json": Format.JSON,
    ".csv": Format.CSV,
    ".md": Format.MARKDOWN,
    ".html": Format.HTML,
    ".xml": Format.JUNIT,
    ".txt": Format.TABLE,
}


def format_for_output(path: str, formats: Collection[Format] = tuple(Format)) -> Format | None:
    """The format the extension of ``path`` names, among ``formats`` (a command's choices).

    None for a name without an extension (``/dev/stdout``, a shell's ``>(cmd)``, ``-``): the
    command's default applies.  An extension that names none of ``formats`` is a usage error, so
    ``-o report.pdf`` never quietly writes a table.
    """
    if path == "-":
        return None
    suffix = PurePath(path).suffix
    if not suffix:
        return None
    fmt = EXTENSIONS.get(suffix.lower())
    if fmt is None or fmt not in formats:
        known = ", ".join(f"{ext} ({f.value})" for ext, f in EXTENSIONS.items() if f in formats)
        raise UsageError(f"cannot tell the report format of {path} from its extension {suffix!r}",
                         hint=f"give -f/--format, or name the file with one of {known}")
    return fmt


def render(fmt: Format, reports: Sequence[DeviceReport], run: RunInfo, color: bool = False) -> str:
    return REPORTERS[fmt](reports, run, color)
