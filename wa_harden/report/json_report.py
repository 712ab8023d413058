"""The JSON report, schema ``wa-harden-report`` version 1 (documented in docs/JSON-REPORT.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from wa_harden.model import DeviceReport, Result
from wa_harden.policy import VERDICT_ORDER
from wa_harden.report import RunInfo, outcome_counts, verdict

SCHEMA = "wa-harden-report"
SCHEMA_VERSION = 1


def result_dict(result: Result) -> dict[str, Any]:
    return {
        "check": result.check,
        "title": result.title,
        "area": result.area.value,
        "outcome": result.outcome.value,
        "reason": result.reason,
        "message": result.message,
        "severity": result.severity.value,
        "observed": result.observed,
        "expected": result.expected,
        "remedy": result.remedy,
        "gdpr": list(result.gdpr),
        "fixable": result.fixable,
        "waiver": None if result.waiver is None else {
            "justification": result.waiver.justification,
            "approver": result.waiver.approver,
            "expires": result.waiver.expires.isoformat(),
            "serials": list(result.waiver.serials),
        },
        "attestation": None if result.attestation is None else {
            "by": result.attestation.by,
            "date": result.attestation.on.isoformat(),
            "note": result.attestation.note,
        },
        "notes": list(result.notes),
    }


def device_dict(report: DeviceReport, run: RunInfo) -> dict[str, Any]:
    identity = report.identity
    return {
        "serial": identity.serial,
        "adb_server": identity.server,
        "status": report.status.value,
        "verdict": verdict(report, run.judgement).value,
        "message": report.message,
        "identity": {
            "manufacturer": identity.manufacturer,
            "model": identity.model,
            "android_release": identity.android_release,
            "sdk": identity.sdk,
            "security_patch": identity.security_patch,
        },
        "observed_at": report.observed_at.isoformat() if report.observed_at else None,
        "counts": outcome_counts(report.results),
        "results": [result_dict(r) for r in report.results],
    }


def report_dict(reports: Sequence[DeviceReport], run: RunInfo) -> dict[str, Any]:
    devices = [device_dict(r, run) for r in reports]
    verdicts = [d["verdict"] for d in devices]
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "tool_version": run.tool_version,
        "generated_at": run.generated_at.isoformat(),
        "profile": run.profile,
        "fail_on": run.fail_on.value,
        "skip_manual": run.skip_manual,
        "summary": {
            "devices": len(devices),
            **{v.value: verdicts.count(v.value) for v in VERDICT_ORDER},
        },
        "devices": devices,
    }


def render_json(reports: Sequence[DeviceReport], run: RunInfo) -> str:
    return json.dumps(report_dict(reports, run), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
