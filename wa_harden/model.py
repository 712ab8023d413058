"""Value types of an audit's outcome: severities, outcomes, results and device reports."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeAlias


class Severity(enum.StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


_SEVERITY_ORDER = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    MANUAL = "manual"
    ERROR = "error"  # could not check: never pass, never fail
    WAIVED = "waived"


class Area(enum.StrEnum):
    APPS = "apps"
    CONTACTS = "contacts"
    BACKUP = "backup"
    MEDIA = "media"
    DEVICE = "device"
    ORGANISATION = "organisation"


class Tier(enum.StrEnum):
    """How much an action changes for the person using the phone."""

    SAFE = "safe"  # affects only WhatsApp's access or visibility, reversible
    DISRUPTIVE = "disruptive"  # device-wide or not fully reversible (e.g. every app's backup)


@dataclass(frozen=True)
class PermissionEffect:
    """The state a runtime permission of one package must have afterwards (in the action's user)."""

    package: str
    permission: str
    granted: bool | None = None  # None: not judged
    flags_present: frozenset[str] = frozenset()  # e.g. USER_SET, USER_FIXED
    flags_absent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class BackupEffect:
    """Android backup of the action's user is on or off afterwards."""

    enabled: bool


@dataclass(frozen=True)
class FileEffect:
    """A file on shared storage exists, or not, afterwards (a ``.nomedia``)."""

    path: str
    exists: bool


Effect: TypeAlias = PermissionEffect | BackupEffect | FileEffect


@dataclass(frozen=True)
class Action:
    """One allow-listed write a check plans to make it pass; built in code, never from profiles.

    ``effect`` is what must be true when the phone is read again: a write is judged by the state
    it leaves, never by its exit status (``pm revoke`` exits 0 and may do nothing on Android 14+,
    ``bmgr`` exits 0 on errors).
    """

    check: str
    user: int | None  # the Android user it changes; None for the whole device
    command: str  # exact shell command, from wa_harden.commands' builders
    tier: Tier
    undo: str | None  # the command that reverts it, None when there is none
    description: str  # what it does, in words for the person using the phone
    effect: Effect | None = None


@dataclass(frozen=True)
class Waiver:
    check: str
    justification: str
    approver: str
    expires: date
    serials: tuple[str, ...] = ()  # empty: every device

    def applies_to(self, serial: str) -> bool:
        return not self.serials or serial in self.serials

    def expired(self, today: date) -> bool:
        return today > self.expires


@dataclass(frozen=True)
class Attestation:
    """A person's statement that a manual item is done; makes it count as passed."""

    check: str
    by: str
    on: date
    note: str = ""
    serials: tuple[str, ...] = ()

    def applies_to(self, serial: str) -> bool:
        return not self.serials or serial in self.serials


@dataclass(frozen=True)
class Result:
    """The outcome of one check on one device."""

    check: str
    title: str
    area: Area
    outcome: Outcome
    reason: str  # machine-readable, e.g. "contacts-granted", "not-captured"
    message: str  # one sentence for a person
    severity: Severity
    observed: Any = None  # JSON-able
    expected: Any = None  # JSON-able
    remedy: str = ""
    gdpr: tuple[str, ...] = ()
    fixable: bool = False
    waiver: Waiver | None = None
    attestation: Attestation | None = None
    notes: tuple[str, ...] = ()  # e.g. "waiver expired on 2026-01-01"


class DeviceStatus(enum.StrEnum):
    AUDITED = "audited"
    PARTIAL = "partial"  # audited, but the connection failed part-way; missing facts are errors
    UNAUTHORIZED = "unauthorized"
    OFFLINE = "offline"
    NOT_FOUND = "not-found"
    TIMEOUT = "timeout"
    FAILED = "failed"
    SERVER_UNREACHABLE = "server-unreachable"  # a run over several adb servers could not reach this one


@dataclass(frozen=True)
class DeviceIdentity:
    serial: str
    manufacturer: str | None = None
    model: str | None = None
    android_release: str | None = None
    sdk: int | None = None
    security_patch: str | None = None
    server: str | None = None  # the adb server it was read through (HOST:PORT), when known


@dataclass(frozen=True)
class DeviceReport:
    identity: DeviceIdentity
    status: DeviceStatus
    results: tuple[Result, ...] = ()
    message: str = ""  # for statuses other than AUDITED: what happened and what to do
    observed_at: datetime | None = None
    profile: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def audited(self) -> bool:
        return self.status in (DeviceStatus.AUDITED, DeviceStatus.PARTIAL)


@dataclass(frozen=True)
class DeviceRow:
    """One attached phone as ``wa-harden devices`` lists it."""

    serial: str
    state: str
    model: str | None
    android: str | None
    sdk: int | None
    server: str


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"  # shown, not applied (--dry-run, or not confirmed)
    VERIFIED = "verified"  # applied, and the phone read again shows its effect
    FAILED = "failed"  # applied (or tried), but the effect is not there, or could not be verified
    REFUSED = "refused"  # the phone refused it (an OEM switch, a device policy)
    SKIPPED = "skipped"  # not applied: left out by an option, or an earlier step stopped the run


@dataclass(frozen=True)
class ActionResult:
    action: Action
    status: ActionStatus
    message: str = ""
