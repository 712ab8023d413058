"""One exception root and the exit-status table.

Expected device trouble (unauthorized, timeout, a command that failed) is data, not an exception:
it becomes an ``error`` outcome or a device status.  Exceptions here are for things the user must
fix before anything can run (a bad profile, an ambiguous device choice) and for bugs.  Every error
class carries its exit status as a class attribute; the CLI maps exceptions to exit codes in one
place (``wa_harden.cli.main``).

This module is a leaf: it imports nothing from wa_harden, so every part (virtual phones included)
may derive its errors from :class:`WaHardenError`.
"""

from __future__ import annotations

import enum
import re

# Characters no message, report or hand-written TOML value should carry to a person: C0 and C1
# controls except line feed and tab, DEL, the bidirectional controls that make text read differently
# from what it is, lone surrogates (a JSON file may spell them as escapes) and the two non-characters.
# A terminal escape in a phone's model name must not retitle the admin's terminal or hide lines.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                           "\ud800-\udfff\ufffe\uffff]")

_ESCAPED = re.compile(f"[\\n\\t]|{CONTROL_CHARS.pattern}")


def one_line(text: str) -> str:
    """``text`` on one line with every control character visible as its escape (``\\n``, ``\\x1b``):
    what a file or a phone wrote is quoted in a message, never obeyed by the terminal."""
    return _ESCAPED.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class ExitStatus(enum.IntEnum):
    """Exit codes of the ``wa-harden`` command; documented in the README and ``--help``."""

    COMPLIANT = 0
    FINDINGS = 1
    USAGE = 2
    DEVICE_UNAVAILABLE = 3
    ACTION_FAILED = 4  # fix/undo: an action did not hold or the phone refused it
    INTERNAL = 70  # a bug in wa-harden (EX_SOFTWARE); never 1, which scripts read as findings
    INTERRUPTED = 130


class WaHardenError(Exception):
    """Root of every error wa-harden raises on purpose."""

    exit_status: ExitStatus = ExitStatus.USAGE

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  {self.hint}" if self.hint else self.message


class UsageError(WaHardenError):
    """The command line asks for something impossible or ambiguous."""


class ProfileError(WaHardenError):
    """A profile, waiver or attestation file is malformed; carries the file and the key path."""

    def __init__(self, path: str, key: str, problem: str) -> None:
        where = f"{path}: {key}" if key else path
        super().__init__(one_line(f"{where}: {problem}"))
        self.path = path
        self.key = key
        self.problem = problem


class CaptureFileError(WaHardenError):
    """A capture file cannot be read as a wa-harden capture."""


class OutputFileError(WaHardenError):
    """A report or capture cannot be written where it was asked for."""


class AdbServerError(WaHardenError):
    """No adb server can be reached or started."""

    exit_status = ExitStatus.DEVICE_UNAVAILABLE


class DeviceSelectionError(WaHardenError):
    """Several phones are attached and none was chosen."""


class NoDeviceError(DeviceSelectionError):
    """No phone is attached at all: the documented "could not be audited" status."""

    exit_status = ExitStatus.DEVICE_UNAVAILABLE
