"""``bmgr enabled`` and ``bmgr list transports``: Android's own backup service.

``bmgr`` exits 0 even when it fails, so only the text tells success from failure.
"""

from __future__ import annotations

import re

from wa_harden.facts import BackupService, BackupTransports, Known
from wa_harden.parse.common import classify_error, explain_failure, split_lines

_STATE_RE = re.compile(r"^Backup Manager currently (enabled|disabled)\b")
_NOT_ACTIVATED_RE = re.compile(r"^Error: Backup Manager is not activated for user")
_TRANSPORT_RE = re.compile(r"^(  \* |    )(\S.*?)\s*$")
_NO_TRANSPORTS = "No transports available."


def parse_bmgr_enabled(text: str) -> Known[BackupService]:
    """Enabled or not; a service a device policy deactivated is a state (off), not a failure."""
    lines = [line.strip() for line in split_lines(text)]
    if any(_NOT_ACTIVATED_RE.match(line) for line in lines):
        return BackupService(enabled=False, activated=False)
    error = classify_error(text)  # "Could not access the Backup Manager", "Exception caught:"
    if error is not None:
        return error
    for line in lines:
        match = _STATE_RE.match(line)
        if match:
            return BackupService(enabled=match.group(1) == "enabled")
    return explain_failure(text, "'Backup Manager currently enabled|disabled'")


def parse_bmgr_transports(text: str) -> Known[BackupTransports]:
    """All transports listed; the current one is marked ``  * ``."""
    error = classify_error(text)
    if error is not None:
        return error
    current: str | None = None
    available: list[str] = []
    for line in split_lines(text):
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
