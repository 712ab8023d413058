"""Listings that are not audit reports: attached phones (`devices`) and a resolved profile."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from tabulate import tabulate

from wa_harden.checks import get_check
from wa_harden.model import DeviceRow
from wa_harden.profile import Profile
from wa_harden.report.text import printable


def _plain(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Table rows with control characters taken out of every text cell, before widths are measured:
    serials, states, models, journal commands (folder names) are what an adb server or a phone chose."""
    return [[printable(cell) if isinstance(cell, str) else cell for cell in row] for row in rows]


def render_devices(rows: Sequence[DeviceRow], fmt: str, several_servers: bool = False) -> str:
    if fmt == "json":
        return json.dumps({"devices": [asdict(r) for r in rows]}, indent=2) + "\n"
    headers = ["serial", "state", "model", "android", "sdk"] + (["adb server"] if several_servers else [])
    table = [[r.serial, r.state, r.model or "", r.android or "", r.sdk or ""]
             + ([r.server] if several_servers else []) for r in rows]
    return tabulate(_plain(table), headers=headers) + "\n"


def render_profile(profile: Profile) -> str:
    rows = []
    for check_id, settings in profile.checks.items():
        spec = get_check(check_id)
        params = ", ".join(f"{k}={v!r}" for k, v in settings.params.items())
        rows.append([check_id, spec.area.value, settings.severity.value, params])
    lines = [f"{profile.name}: {profile.description}", f"source: {profile.source}", "",
             tabulate(_plain(rows), headers=["check", "area", "severity", "params"])]
    lines += [f"waiver: {w.check} until {w.expires} ({w.approver}): {w.justification}" for w in profile.waivers]
    return printable("\n".join(lines)) + "\n"


def render_runs(runs: Sequence[Any]) -> str:
    """`journal list`: runs newest first (journal.RunSummary values)."""
    rows = [[r.run, r.first, r.last, ", ".join(r.serials),
             ", ".join(f"{n} {result}" for result, n in sorted(r.results.items()))] for r in runs]
    return tabulate(_plain(rows), headers=["run", "started", "ended", "phones", "commands"]) + "\n"


def render_run_records(records: Sequence[Mapping[str, Any]]) -> str:
    """`journal show`: every record of one run, one line each."""
    rows = [[r.get("time"), r.get("kind"), r.get("operation", ""), r.get("serial", ""), r.get("user", ""),
             r.get("check", ""), r.get("command", ""), r.get("result", "")] for r in records]
    return tabulate(_plain(rows), headers=["time", "kind", "operation", "serial", "user", "check", "command",
                                           "result"]) + "\n"
