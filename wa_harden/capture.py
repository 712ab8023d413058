"""Capture: the raw outputs of an audit's commands — the seam between I/O and pure logic.

A capture file is JSON (format ``wa-harden-capture``, version 1)::

    {"format": "wa-harden-capture", "version": 1, "serial": "...", "captured_at": "...",
     "tool_version": "...", "device": {...}, "timeout": 60.0,
     "incomplete": null | "timeout" | "connection-lost" | "unparseable",
     "incomplete_detail": "no complete answer within 60 s",
     "commands": [{"command": "getprop", "output": "...", "exit_code": 0}, ...]}

``exit_code`` is null where the device gives none.  A capture cut short says why in the file
itself (``incomplete`` and ``incomplete_detail``, with the audit's ``timeout``), so replaying it
needs nothing that only the live run knew.  Files written on Windows (UTF-8 with BOM, UTF-16 with
BOM, CRLF) are read as well as our own.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wa_harden import __version__
from wa_harden.errors import CaptureFileError, one_line
from wa_harden.parse.text import decode_bytes, normalise_newlines

FORMAT = "wa-harden-capture"
VERSION = 1


@dataclass(frozen=True)
class CommandRecord:
    command: str
    output: str
    exit_code: int | None = None


@dataclass(frozen=True)
class CutShort:
    """Why a shell session ended before every section was complete."""

    reason: str  # a Gap value: timeout, connection-lost, unparseable
    detail: str = ""


@dataclass(frozen=True)
class Capture:
    serial: str
    captured_at: datetime
    commands: tuple[CommandRecord, ...] = ()
    device: Mapping[str, Any] = field(default_factory=dict)
    incomplete: str | None = None  # a Gap value when the session was cut short
    tool_version: str = __version__
    incomplete_detail: str = ""
    timeout: float | None = None  # the audit's deadline in seconds, when it came from a phone

    def get(self, command: str) -> CommandRecord | None:
        """The record of ``command``; the last one wins if it was run twice."""
        for record in reversed(self.commands):
            if record.command == command:
                return record
        return None

    def extended(self, records: tuple[CommandRecord, ...], cut_short: CutShort | None = None) -> Capture:
        """This capture plus ``records``; the first reason for being cut short is kept."""
        changes: dict[str, Any] = {"commands": self.commands + records}
        if cut_short is not None and self.incomplete is None:
            changes.update(incomplete=cut_short.reason, incomplete_detail=cut_short.detail)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "serial": self.serial,
            "captured_at": self.captured_at.isoformat(),
            "tool_version": self.tool_version,
            "device": dict(self.device),
            "timeout": self.timeout,
            "incomplete": self.incomplete,
            "incomplete_detail": self.incomplete_detail,
            "commands": [
                {"command": r.command, "output": r.output, "exit_code": r.exit_code}
                for r in self.commands
            ],
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "capture") -> Capture:
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
            if code is not None and (isinstance(code, bool) or not isinstance(code, int) or not 0 <= code <= 255):
                raise CaptureFileError(f"{source}: commands[{index}].exit_code must be an integer from 0 to 255 "
                                       "(a shell's exit status) or null")
            records.append(CommandRecord(_whole(item["command"]), normalise_newlines(_whole(item["output"])), code))
        try:
            captured_at = datetime.fromisoformat(str(data.get("captured_at")))
            if captured_at.tzinfo is not None:
                captured_at.astimezone(UTC)  # every time is compared in UTC: 0001-01-01T00:00+01:00 has none
        except (ValueError, OverflowError):
            raise CaptureFileError(f"{source}: 'captured_at' is not an ISO date-time with a UTC equivalent") from None
        raw_device = data.get("device")
        device: dict[str, Any] = {}
        for key, value in (raw_device.items() if isinstance(raw_device, dict) else ()):
            if value is not None and not isinstance(value, str):  # a model name, a product: text or nothing
                raise CaptureFileError(f"{source}: device.{one_line(_whole(key))} must be a string or null")
            device[_whole(key)] = None if value is None else _whole(value)
        timeout = data.get("timeout")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                    or not 0 < timeout < 1e9):
            raise CaptureFileError(f"{source}: 'timeout' must be a positive number of seconds or null")
        return cls(
            serial=_whole(str(data.get("serial") or "unknown")),
            captured_at=captured_at,
            commands=tuple(records),
            device=device,
            incomplete=data.get("incomplete") if isinstance(data.get("incomplete"), str) else None,
            tool_version=str(data.get("tool_version") or ""),
            incomplete_detail=_whole(str(data.get("incomplete_detail") or "")),
            timeout=float(timeout) if timeout is not None else None,
        )


def _whole(text: str) -> str:
    """Text without lone surrogates (JSON may escape one, ``\\udc00``; no UTF-8 can hold it):
    each becomes U+FFFD, so no report of this capture can fail to be written."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def dumps(capture: Capture) -> str:
    return json.dumps(capture.to_dict(), indent=2, ensure_ascii=False) + "\n"


MAX_CAPTURE_BYTES = 64 * 1024 * 1024  # a real capture is well under 5 MB; anything larger is not one


def read_capture(path: str | os.PathLike[str]) -> Capture:
    """Read a capture file in UTF-8, UTF-8 with BOM or UTF-16 with BOM (CRLF allowed).

    At most :data:`MAX_CAPTURE_BYTES` are read, so ``--replay /dev/zero`` ends with a message.
    """
    source = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CAPTURE_BYTES + 1)
    except OSError as exc:
        raise CaptureFileError(f"cannot read {source}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_CAPTURE_BYTES:
        raise CaptureFileError(f"{source}: larger than {MAX_CAPTURE_BYTES // (1024 * 1024)} MiB; "
                               "not a wa-harden capture")
    try:
        data = json.loads(decode_bytes(raw).lstrip("\ufeff"), object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise CaptureFileError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from exc
    except _DuplicateKey as exc:
        raise CaptureFileError(f"{source}: the key {_whole(exc.key)!r} appears twice in one object; a capture "
                               "that says two things about one field is refused, not guessed at") from None
    except RecursionError:
        raise CaptureFileError(f"{source}: not a wa-harden capture (nested too deeply)") from None
    except ValueError:  # an integer past Python's digit limit (4300 digits)
        raise CaptureFileError(f"{source}: not a wa-harden capture (a number with thousands of digits)") from None
    return Capture.from_dict(data, source)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different: of two, the last would silently win otherwise."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
