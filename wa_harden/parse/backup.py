"""``bmgr enabled`` and ``bmgr list transports``: Android's own backup service.

``bmgr`` exits 0 even when it fails, so only the text tells success from failure.
"""

from __future__ import annotations

import re

from wa_harden.facts import BackupService, BackupTransports, Gap, Known, Unknown
from wa_harden.parse.common import classify_error, explain_failure, split_lines

_STATE_RE = re.compile(r"^Backup Manager currently (enabled|disabled)\b")
_NOT_ACTIVATED_RE = re.compile(r"^Error: Backup Manager is not activated for user")
_NOT_RUNNING_RE = re.compile(r"^Error: Could not access the Backup Manager")
_TRANSPORT_RE = re.compile(r"^(  \* |    )(\S.*?)\s*$")
_NO_TRANSPORTS = "No transports available."


def _bmgr_failure(lines: list[str]) -> Unknown | None:
    """The errors bmgr prints on stdout; a deactivated service is not a failure of the read."""
    for line in lines:
        if _NOT_RUNNING_RE.match(line):
            return Unknown(Gap.COMMAND_FAILED, line.strip())
    return None


def parse_bmgr_enabled(text: str) -> Known[BackupService]:
    lines = split_lines(text)
    failure = _bmgr_failure(lines)
    if failure is not None:
        return failure
    for line in lines:
        line = line.strip()
        if _NOT_ACTIVATED_RE.match(line):
            return BackupService(enabled=False, activated=False)
        match = _STATE_RE.match(line)
        if match:
            if classify_error(text) is not None:  # e.g. "Exception caught:" after a stale line
                break
            return BackupService(enabled=match.group(1) == "enabled")
    return explain_failure(text, "'Backup Manager currently enabled|disabled'")


def parse_bmgr_transports(text: str) -> Known[BackupTransports]:
    lines = split_lines(text)
    failure = _bmgr_failure(lines) or classify_error(text)
    if failure is not None:
        return failure
    current: str | None = None
    available: list[str] = []
    for line in lines:
        if line.strip() == _NO_TRANSPORTS:
            return BackupTransports(current=None, available=())
        match = _TRANSPORT_RE.match(line)
        if match:
            available.append(match.group(2))
            if match.group(1) == "  * " and current is None:
                current = match.group(2)
    if not available:
        return explain_failure(text, "transport lines")
    return BackupTransports(current=current, available=tuple(available))
