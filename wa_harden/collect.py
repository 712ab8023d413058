"""Which commands an audit needs, and how they reach the phone: at most two shell round trips.

Round 1 sends everything that does not depend on the phone's users, plus user 0's commands
(every phone has user 0).  Round 2 is needed only when ``pm list users`` shows more users; it
sends their per-user commands.  Each round is one shell session running a batched script whose
sections are separated by unique markers, each section with its own exit status.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wa_harden import probes
from wa_harden.assemble import read_probe
from wa_harden.capture import Capture, CommandRecord, CutShort, now_utc
from wa_harden.device.base import Device
from wa_harden.facts import Gap, is_known
from wa_harden.parse.text import decode_output
from wa_harden.privacy import redact

DEFAULT_TIMEOUT = 60.0  # seconds per device for the whole audit; adbutils' own default is 600


def device_commands() -> list[str]:
    """Commands that read the whole device."""
    return probes.commands_for(probes.Scope.DEVICE)


def user_commands(user: int) -> list[str]:
    """Commands that read one Android user."""
    return probes.commands_for(probes.Scope.USER, user)


def user_ids(capture: Capture) -> list[int]:
    """User ids from the captured user list; [0] when it is missing or unreadable."""
    users = read_probe(capture, probes.probe(probes.USERS))
    ids = [u.user_id for u in users] if is_known(users) else []
    return sorted(set(ids) | {0})


def round_one() -> list[str]:
    return device_commands() + user_commands(0)


def round_two(capture: Capture) -> list[str]:
    """Per-user commands for users other than 0 that the capture does not hold yet."""
    planned = [c for uid in user_ids(capture) if uid != 0 for c in user_commands(uid)]
    return [c for c in planned if capture.get(c) is None]


# --- batching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """A script running ``commands`` in order, each between markers carrying its exit status."""

    commands: tuple[str, ...]
    nonce: str

    @classmethod
    def of(cls, commands: list[str]) -> Batch:
        return cls(tuple(commands), secrets.token_hex(6))

    def _begin(self, index: int) -> str:
        return f"@@WAH{self.nonce}:B:{index}@@"

    def _end(self, index: int) -> str:
        return f"@@WAH{self.nonce}:E:{index}:"

    def script(self) -> str:
        """The batched script.  ``exec 2>&1`` first: the shell's own messages about a command
        (``Killed``, ``Segmentation fault``) then land in that command's section, not on a
        stream the sections never see."""
        parts = ["exec 2>&1"]
        for index, command in enumerate(self.commands):
            parts.append(f"echo '{self._begin(index)}'; {command} 2>&1; echo \"{self._end(index)}$?@@\"")
        return "; ".join(parts)

    def split(self, stdout: bytes) -> list[CommandRecord]:
        """Records of the commands whose section is complete, in order."""
        text = decode_output(stdout)
        records = []
        position = 0
        for index, command in enumerate(self.commands):
            begin = text.find(self._begin(index) + "\n", position)
            if begin < 0:
                break
            start = begin + len(self._begin(index)) + 1
            end = text.find(self._end(index), start)
            if end < 0:
                break
            status_match = re.match(r"(\d+)@@", text[end + len(self._end(index)):])
            if status_match is None:
                break
            records.append(CommandRecord(command, redact(command, text[start:end]), int(status_match.group(1))))
            position = end + len(self._end(index)) + len(status_match.group(0))
        return records


@dataclass(frozen=True)
class Round:
    """The complete sections of one shell session, and why the rest is missing (if it is)."""

    records: tuple[CommandRecord, ...]
    cut_short: CutShort | None = None


def run_round(target: Device, commands: list[str], timeout: float) -> Round:
    """One shell session for ``commands``; the complete sections, and why the rest is missing."""
    if not commands:
        return Round(())
    batch = Batch.of(commands)
    result = target.shell(batch.script(), timeout)
    records = tuple(batch.split(result.stdout))
    if len(records) == len(commands):
        return Round(records)
    if result.failure is not None:
        return Round(records, CutShort(result.failure.value, result.detail))
    if not result.shell_v2:
        # Without shell protocol v2 the end of a session is only the end of the stream: a dropped
        # connection looks like a normal end, except that the script's last markers never came.
        return Round(records, CutShort(Gap.CONNECTION_LOST.value,
                                       "the output ended before the script's end (shell v1: the connection was lost)"))
    # The session ended normally but sections are missing: the script did not run as written.
    detail = f"{len(commands) - len(records)} of {len(commands)} sections missing from the output"
    return Round(records, CutShort(Gap.UNPARSEABLE.value, detail))


def collect(target: Device, serial: str, timeout: float = DEFAULT_TIMEOUT,
            device: Mapping[str, Any] | None = None) -> Capture:
    """Run the audit's commands on one phone (one or two shell sessions) into a Capture."""
    started = time.monotonic()
    capture = Capture(serial=serial, captured_at=now_utc(), device=dict(device or {}), timeout=timeout)
    first = run_round(target, round_one(), timeout)
    capture = capture.extended(first.records, first.cut_short)
    if first.cut_short is None:
        remaining = max(1.0, timeout - (time.monotonic() - started))
        second = run_round(target, round_two(capture), remaining)
        capture = capture.extended(second.records, second.cut_short)
    return capture
