"""Capture -> DeviceFacts: every probe of the table, looked up in the capture and parsed.

Pure: the same capture always gives the same facts, whether it came from a phone a second ago or
from a file.  A command missing from the capture leaves its facts unknown with the reason
``not-captured`` (or the reason the session was cut short).
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from wa_harden import probes
from wa_harden.capture import Capture, CommandRecord
from wa_harden.facts import AndroidUser, DeviceFacts, Gap, Known, Unknown, UserFacts, UserKind, is_known
from wa_harden.parse.common import classify_error
from wa_harden.probes import Probe, Scope

# The reasons a shell session ends before every section is complete (collect.run_round): the only
# ones a capture's ``incomplete`` may lend a missing command.  Any other value (a capture file that
# says "not-supported" or "user-restricted") would make an absent output pass for an answer of the
# phone, which checks treat as a state, not as a failed read.
_CUT_SHORT = (Gap.TIMEOUT, Gap.CONNECTION_LOST, Gap.UNPARSEABLE)


def missing_reason(capture: Capture) -> Gap:
    """Why a command is absent: the reason the session was cut short, else "not captured"."""
    reasons = {gap.value: gap for gap in _CUT_SHORT}
    return reasons.get(capture.incomplete or "", Gap.NOT_CAPTURED)


# Any number of milliseconds: the line marks a partial dump whatever the timeout it names.
_DUMP_TIMEOUT_RE = re.compile(r"^\*\*\* SERVICE '([^']*)' DUMP TIMEOUT \((\d+)ms\) EXPIRED \*\*\*", re.MULTILINE)
_SIGNALS = {9: "killed (SIGKILL)", 11: "crashed (segmentation fault)", 6: "aborted", 15: "terminated"}


def _waited(milliseconds: str) -> str:
    """How long dumpsys waited, in words; never int() of more digits than a real timeout has."""
    if len(milliseconds) > 9:
        return "more than 11 days"
    return f"{int(milliseconds) // 1000} s"


def _status_text(status: int) -> str:
    if status > 128 and status - 128 in _SIGNALS:
        return f"was {_SIGNALS[status - 128]}, status {status}"
    return f"exited with status {status}"


def evidence_gap(command: str, record: CommandRecord, probe: Probe) -> Unknown | None:
    """Why an output cannot be taken as a complete answer, or None when it can.

    A PASS needs evidence: output that a service dump marked as timed out, that a command ended
    with a failing status, or that ends in the middle of a line (cut short) is unknown, never
    "nothing found".
    """
    text = record.output
    timed_out = _DUMP_TIMEOUT_RE.search(text)
    if timed_out:
        return Unknown(Gap.TIMEOUT, f"`{command}`: dumpsys gave up on the '{timed_out.group(1)}' service after "
                                    f"{_waited(timed_out.group(2))}, so its dump is incomplete")
    if record.exit_code is not None and record.exit_code not in probe.ok_statuses:
        cause = classify_error(text)
        if cause is not None:
            return cause
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        shown = f": {first[:120]}" if first else " and printed nothing"
        return Unknown(Gap.COMMAND_FAILED, f"`{command}` {_status_text(record.exit_code)}{shown}")
    if text and not text.endswith("\n"):
        return Unknown(Gap.UNPARSEABLE, f"`{command}`: the output ends in the middle of a line (cut short)")
    return None


def read_probe(capture: Capture, probe: Probe, user: int = 0) -> Known[Any]:
    """The fact of one probe (for one user): its outputs parsed, or why they cannot be."""
    outputs = []
    for command in probe.commands(user):
        record = capture.get(command)
        if record is None:
            return Unknown(missing_reason(capture), f"`{command}` is not in the capture")
        gap = evidence_gap(command, record, probe)
        if gap is not None:
            return gap
        outputs.append(record.output)
    return probe.parse(user, *outputs)


def facts_from_capture(capture: Capture) -> DeviceFacts:
    device = probes.fold(Scope.DEVICE, {p.key: read_probe(capture, p) for p in probes.probes(Scope.DEVICE)})
    users = device["users"]
    known_users = list(users) if is_known(users) else []
    if not any(u.user_id == 0 for u in known_users):
        known_users.insert(0, AndroidUser(0, UserKind.SYSTEM))
    observed_at = capture.captured_at
    if observed_at.tzinfo is not None:
        observed_at = observed_at.astimezone(UTC).replace(tzinfo=None)
    return DeviceFacts(
        serial=capture.serial,
        observed_at=observed_at,
        per_user={u.user_id: _user_facts(capture, u) for u in known_users},
        **device,
    )


def _user_facts(capture: Capture, user: AndroidUser) -> UserFacts:
    gate = read_probe(capture, probes.probe(probes.USER_GATE), user.user_id)
    if isinstance(gate, Unknown) and gate.reason is Gap.USER_RESTRICTED:
        # The shell may not enter this user at all: say so for every per-user fact.
        values = probes.refused_everywhere(gate)
    else:
        values = {p.key: read_probe(capture, p, user.user_id) for p in probes.probes(Scope.USER)}
    return UserFacts(user=user, **probes.fold(Scope.USER, values))
