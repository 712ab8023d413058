"""CSV: one row per device and check, for spreadsheets and fleet scripts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from wa_harden.model import DeviceReport
from wa_harden.report import RunInfo, verdict
from wa_harden.report.text import csv_cell

COLUMNS = ["serial", "manufacturer", "model", "android_release", "sdk", "status", "verdict",
           "check", "area", "outcome", "severity", "reason", "message", "observed", "expected",
           "remedy", "gdpr", "fixable", "adb_server"]


def render_csv(reports: Sequence[DeviceReport], run: RunInfo) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for report in reports:
        ident = report.identity
        device = [csv_cell(ident.serial), csv_cell(ident.manufacturer or ""), csv_cell(ident.model or ""),
                  csv_cell(ident.android_release or ""), ident.sdk if ident.sdk is not None else "",
                  report.status.value, verdict(report, run.judgement).value]
        if not report.results:
            writer.writerow(device + ["", "", "", "", "", csv_cell(report.message), "", "", "", "", "",
                                      csv_cell(ident.server or "")])
        for r in report.results:
            writer.writerow(device + [
                r.check, r.area.value, r.outcome.value, r.severity.value, r.reason, csv_cell(r.message),
                csv_cell(json.dumps(r.observed, ensure_ascii=False, sort_keys=True)),
                csv_cell(json.dumps(r.expected, ensure_ascii=False, sort_keys=True)),
                csv_cell(r.remedy), "; ".join(r.gdpr), "yes" if r.fixable else "no", csv_cell(ident.server or ""),
            ])
    return buffer.getvalue()
