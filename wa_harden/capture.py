"""Capture: the raw outputs of an audit's commands — the seam between I/O and pure logic.

A capture file is JSON (format ``wa-harden-capture``, version 1)::

    {"format": "wa-harden-capture", "version": 1, "serial": "...", "captured_at": "...",
     "tool_version": "...", "device": {...}, "incomplete": null | "timeout" | ...,
     "commands": [{"command": "getprop", "output": "...", "exit_code": 0}, ...]}

``exit_code`` is null where the device gives none.  Files written on Windows (UTF-8 with BOM,
UTF-16 with BOM, CRLF) are read as well as our own.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from wa_harden import __version__
from wa_harden.errors import CaptureFileError
from wa_harden.parse.text import decode_bytes, normalise_newlines

FORMAT = "wa-harden-capture"
VERSION = 1


@dataclass(frozen=True)
class CommandRecord:
    command: str
    output: str
    exit_code: int | None = None


@dataclass(frozen=True)
class Capture:
    serial: str
    captured_at: datetime
    commands: tuple[CommandRecord, ...] = ()
    device: Mapping[str, Any] = field(default_factory=dict)
    incomplete: str | None = None  # a Gap value when the session was cut short
    tool_version: str = __version__

    def get(self, command: str) -> CommandRecord | None:
        """The record of ``command``; the last one wins if it was run twice."""
        for record in reversed(self.commands):
            if record.command == command:
                return record
        return None

    def extended(self, records: tuple[CommandRecord, ...], incomplete: str | None = None) -> "Capture":
        return Capture(self.serial, self.captured_at, self.commands + records, self.device,
                       incomplete or self.incomplete, self.tool_version)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "serial": self.serial,
            "captured_at": self.captured_at.isoformat(),
            "tool_version": self.tool_version,
            "device": dict(self.device),
            "incomplete": self.incomplete,
            "commands": [
                {"command": r.command, "output": r.output, "exit_code": r.exit_code}
                for r in self.commands
            ],
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "capture") -> "Capture":
        if not isinstance(data, dict):
            raise CaptureFileError(f"{source}: expected a JSON object")
        if data.get("format") != FORMAT:
            raise CaptureFileError(f"{source}: not a wa-harden capture (format is {data.get('format')!r})",
                                   hint="write one with `wa-harden capture -o FILE`")
        if data.get("version") != VERSION:
            raise CaptureFileError(f"{source}: capture version {data.get('version')!r} is not supported "
                                   f"(this wa-harden reads version {VERSION})")
        commands = data.get("commands")
        if not isinstance(commands, list):
            raise CaptureFileError(f"{source}: 'commands' must be a list")
        records = []
        for index, item in enumerate(commands):
            if not isinstance(item, dict) or not isinstance(item.get("command"), str) \
                    or not isinstance(item.get("output"), str):
                raise CaptureFileError(f"{source}: commands[{index}] needs a string 'command' and 'output'")
            code = item.get("exit_code")
            if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
                raise CaptureFileError(f"{source}: commands[{index}].exit_code must be an integer or null")
            records.append(CommandRecord(item["command"], normalise_newlines(item["output"]), code))
        try:
            captured_at = datetime.fromisoformat(str(data.get("captured_at")))
        except ValueError:
            raise CaptureFileError(f"{source}: 'captured_at' is not an ISO date-time") from None
        device = data.get("device") if isinstance(data.get("device"), dict) else {}
        return cls(
            serial=str(data.get("serial") or "unknown"),
            captured_at=captured_at,
            commands=tuple(records),
            device=device,
            incomplete=data.get("incomplete") if isinstance(data.get("incomplete"), str) else None,
            tool_version=str(data.get("tool_version") or ""),
        )


def dumps(capture: Capture) -> str:
    return json.dumps(capture.to_dict(), indent=2, ensure_ascii=False) + "\n"


def read_capture(path: str | os.PathLike[str]) -> Capture:
    """Read a capture file in UTF-8, UTF-8 with BOM or UTF-16 with BOM (CRLF allowed)."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise CaptureFileError(f"cannot read {source}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(decode_bytes(raw).lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise CaptureFileError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from exc
    return Capture.from_dict(data, source)


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` so that readers see the old file or the whole new one, never a part."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)
