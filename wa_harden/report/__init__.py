"""Reporters: DeviceReports in, a string out.  Where the string goes is the CLI's business.

Reporters only render: which results count against a phone, its verdict and the exit status are
decided in :mod:`wa_harden.policy`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from wa_harden.model import DeviceReport, Outcome, Result, Severity
from wa_harden.policy import Judgement, Verdict, counts_against, verdict

__all__ = ["Format", "REPORTERS", "Judgement", "RunInfo", "Verdict", "counts_against", "outcome_counts", "render",
           "verdict"]


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


# Every format and its reporter; the CLI's choices are generated from this mapping, and a test
# proves it covers every Format.  Reporters are imported lazily (tabulate only for the table).
REPORTERS: Mapping[Format, Reporter] = {
    Format.TABLE: _table,
    Format.JSON: _json,
    Format.CSV: _csv,
    Format.MARKDOWN: _markdown,
}


def render(fmt: Format, reports: Sequence[DeviceReport], run: RunInfo, color: bool = False) -> str:
    return REPORTERS[fmt](reports, run, color)
