"""Typed facts read from a phone's command outputs.

Parsers (``wa_harden.parse``) turn text into these values; checks read them.  Whatever could not be
read is an :class:`Unknown` carrying the reason, never a guess: a check that needs it reports
``error`` with that reason.  Facts never hold contact names, phone numbers or account names.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeAlias, TypeVar

from typing_extensions import TypeIs

T = TypeVar("T")


class Gap(enum.StrEnum):
    """Why a fact is unknown.  The values are the machine-readable ``reason`` of ``error`` results."""

    NOT_CAPTURED = "not-captured"  # the command is not in the capture (replay) or was never run
    COMMAND_FAILED = "command-failed"  # the command printed an error (exception, usage, Error: ...)
    USER_RESTRICTED = "user-restricted"  # the shell may not access this Android user
    PERMISSION_DENIED = "permission-denied"  # a file or service refused the shell user
    OEM_RESTRICTED = "oem-restricted"  # an OEM switch blocks the shell (Xiaomi, ColorOS ...)
    UNPARSEABLE = "unparseable"  # the output has an unexpected shape
    NOT_SUPPORTED = "not-supported"  # the command does not exist on this Android version
    TIMEOUT = "timeout"  # the device did not answer in time
    CONNECTION_LOST = "connection-lost"  # the connection dropped before the output was complete


@dataclass(frozen=True)
class Unknown:
    """A fact that could not be read, and why."""

    reason: Gap
    detail: str = ""

    def __bool__(self) -> bool:  # an Unknown is never mistaken for a truthy value
        return False


Known: TypeAlias = T | Unknown


def is_known(value: Known[T]) -> TypeIs[T]:
    """True for a value that was read; narrows ``Known[T]`` to ``T``, and to ``Unknown`` when False."""
    return not isinstance(value, Unknown)


# --- device build ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildInfo:
    """From ``getprop``.  ``sdk`` is the integer API level; use it for logic, never ``release``."""

    sdk: int | None = None
    release: str | None = None
    security_patch: date | None = None
    manufacturer: str | None = None
    brand: str | None = None
    model: str | None = None
    device: str | None = None
    product: str | None = None
    fingerprint: str | None = None
    serialno: str | None = None
    crypto_state: str | None = None  # encrypted | unencrypted | unsupported
    crypto_type: str | None = None  # file | block
    props: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


# --- users -------------------------------------------------------------------------------------


class UserKind(enum.StrEnum):
    SYSTEM = "system"  # user 0, the owner
    SECONDARY = "secondary"  # another full user
    WORK_PROFILE = "work-profile"
    SECURE_FOLDER = "secure-folder"  # Samsung Secure Folder (often user 150)
    DUAL_APP = "dual-app"  # Samsung Dual Messenger (95), Xiaomi dual apps (999)
    CLONE = "clone"  # AOSP clone profile (Android 14+)
    PRIVATE_SPACE = "private-space"  # Android 15+
    GUEST = "guest"
    RESTRICTED = "restricted"  # restricted (kids) profile
    PROFILE = "profile"  # some other profile


@dataclass(frozen=True)
class AndroidUser:
    """One line of ``pm list users``.  The user's name is personal data and is not kept."""

    user_id: int
    kind: UserKind
    flags: int | None = None
    running: bool | None = None


# --- packages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PermissionGrant:
    permission: str
    granted: bool
    flags: frozenset[str] = frozenset()

    @property
    def user_fixed(self) -> bool:
        return "USER_FIXED" in self.flags

    @property
    def policy_fixed(self) -> bool:
        return "POLICY_FIXED" in self.flags

    @property
    def system_fixed(self) -> bool:
        return "SYSTEM_FIXED" in self.flags


@dataclass(frozen=True)
class PackageUserState:
    """A ``User N:`` block of ``dumpsys package PKG``."""

    user_id: int
    installed: bool | None = None
    enabled: int | None = None  # 0 default, 1 enabled, 2 disabled, 3 disabled-user, 4 until-used
    hidden: bool | None = None
    suspended: bool | None = None
    first_install_time: datetime | None = None  # per user on Android 13+
    runtime_permissions: Mapping[str, PermissionGrant] = field(default_factory=dict)


@dataclass(frozen=True)
class PackageDump:
    """The first ``Package [name]`` block under ``Packages:`` of ``dumpsys package PKG``."""

    package: str
    app_id: int | None = None  # ``appId=`` (14+) or ``userId=`` (older)
    version_code: int | None = None
    version_name: str | None = None
    min_sdk: int | None = None
    target_sdk: int | None = None
    flags: frozenset[str] = frozenset()  # ``flags=[ ... ]`` (else pkgFlags) e.g. ALLOW_BACKUP, DEBUGGABLE
    timestamp: datetime | None = None
    first_install_time: datetime | None = None  # package level, up to Android 12
    last_update_time: datetime | None = None
    installer: str | None = None  # installerPackageName; None when absent or "null"
    initiating_installer: str | None = None
    originating_installer: str | None = None
    update_owner: str | None = None
    package_source: int | None = None
    requested_permissions: tuple[str, ...] = ()
    install_permissions: Mapping[str, PermissionGrant] = field(default_factory=dict)
    users: Mapping[int, PackageUserState] = field(default_factory=dict)

    def installed_users(self) -> tuple[int, ...]:
        return tuple(sorted(uid for uid, st in self.users.items() if st.installed))


@dataclass(frozen=True)
class ListedPackage:
    """One ``package:`` line of ``pm list packages`` (any combination of -f -i -U --show-versioncode)."""

    package: str
    path: str | None = None
    version_code: int | None = None
    installer: str | None = None  # None for ``installer=null`` or when -i was not given
    uids: tuple[int, ...] = ()


@dataclass(frozen=True)
class AppOp:
    """One line of ``appops get``: ``[Uid mode: ]OP: mode[; time=...]``."""

    op: str
    mode: str  # allow | ignore | deny | default | foreground | ...
    uid_level: bool = False


# --- backup ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupService:
    """``bmgr enabled``: Android's own backup (Google One / Drive device backup) for one user."""

    enabled: bool
    activated: bool = True  # False: "Backup Manager is not activated for user N" (e.g. a DPC)


@dataclass(frozen=True)
class BackupTransports:
    current: str | None
    available: tuple[str, ...] = ()


# --- device posture ----------------------------------------------------------------------------


class CredentialType(enum.StrEnum):
    NONE = "none"
    SWIPE = "swipe"
    PATTERN = "pattern"
    PIN = "pin"
    PASSWORD = "password"
    OTHER = "other"

    @property
    def secure(self) -> bool:
        return self in (CredentialType.PATTERN, CredentialType.PIN, CredentialType.PASSWORD)


@dataclass(frozen=True)
class LockState:
    """One user under ``User State:`` of ``dumpsys lock_settings``."""

    user_id: int
    credential: CredentialType
    raw: str = ""  # the CredentialType value as printed


@dataclass(frozen=True)
class Owners:
    """Device owner and profile owners, from ``dpm list-owners`` or ``dumpsys device_policy``."""

    device_owner: str | None = None  # component, e.g. com.example.mdm/.AdminReceiver
    device_owner_user: int | None = None
    profile_owners: Mapping[int, str] = field(default_factory=dict)  # user id -> component

    @property
    def managed(self) -> bool:
        return self.device_owner is not None or bool(self.profile_owners)


@dataclass(frozen=True)
class AccountSummary:
    """Accounts of one user, counted by type.  Names are never kept."""

    user_id: int
    by_type: Mapping[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


@dataclass(frozen=True)
class ContactStats:
    """Raw contacts of one user (``content query .../raw_contacts``), counted by account type.

    ``by_account_type`` uses ``"local"`` for contacts without an account (``account_type=NULL``).
    Deleted rows are not counted.
    """

    by_account_type: Mapping[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_account_type.values())

    def count(self, *account_types: str) -> int:
        return sum(self.by_account_type.get(t, 0) for t in account_types)


# --- shared storage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FindListing:
    """Output of ``find PATH ...``: the paths printed, and whether PATH was missing or refused."""

    paths: tuple[str, ...] = ()
    missing: bool = False  # "No such file or directory" for the start path
    denied: bool = False  # "Permission denied" for the start path


@dataclass(frozen=True)
class MediaFolder:
    name: str  # e.g. "WhatsApp Business Images"
    path: str
    hidden_by: str | None  # path of the .nomedia that hides it (its own or an ancestor's), or None


@dataclass(frozen=True)
class MediaTree:
    """One WhatsApp storage tree (scoped or legacy) of one user."""

    package: str  # com.whatsapp | com.whatsapp.w4b
    root: str  # e.g. /storage/emulated/0/Android/media/com.whatsapp.w4b/WhatsApp Business
    layout: str  # "scoped" | "legacy"
    present: bool
    folders: tuple[MediaFolder, ...] = ()

    @property
    def visible_folders(self) -> tuple[MediaFolder, ...]:
        return tuple(f for f in self.folders if f.hidden_by is None)


# --- aggregate ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserFacts:
    """What was read for one Android user."""

    user: AndroidUser
    packages: Known[tuple[ListedPackage, ...]]  # pm list packages --user N -f: every package
    backup: Known[BackupService]
    backup_setting: Known[str | None]  # settings --user N get secure backup_enabled
    appops: Mapping[str, Known[tuple[AppOp, ...]]]  # per WhatsApp package
    contacts: Known[ContactStats]
    media: Known[tuple[MediaTree, ...]]
    storage: Known[FindListing] = field(  # find /storage/emulated/N -maxdepth 0: can the shell see it
        default_factory=lambda: Unknown(Gap.NOT_CAPTURED, "storage root not read"))
    system_packages: Known[frozenset[str]] = field(  # pm list packages --user N -s: updated ones included
        default_factory=lambda: Unknown(Gap.NOT_CAPTURED, "system packages not read"))
    settings: Mapping[str, Known[str | None]] = field(default_factory=dict)  # "secure:KEY" -> value


@dataclass(frozen=True)
class DeviceFacts:
    serial: str
    observed_at: datetime  # naive, UTC: comparable with the device's naive dumpsys times
    build: Known[BuildInfo]
    users: Known[tuple[AndroidUser, ...]]
    packages: Mapping[str, Known[PackageDump | None]]  # None: not installed on the device
    per_user: Mapping[int, UserFacts]
    lock: Known[Mapping[int, LockState]]
    accounts: Known[Mapping[int, AccountSummary]]
    owners: Known[Owners]
    global_settings: Mapping[str, Known[str | None]]  # settings get global KEY; None = "null"
    backup_transports: Known[BackupTransports]
    restrictions: Known[Mapping[int, frozenset[str]]] = field(  # dumpsys user: effective, per user
        default_factory=lambda: Unknown(Gap.NOT_CAPTURED, "user restrictions not read"))
    # appops query-op REQUEST_INSTALL_PACKAGES allow: packages of every user (the answer names none)
    install_sources: Known[tuple[str, ...]] = field(
        default_factory=lambda: Unknown(Gap.NOT_CAPTURED, "install sources not read"))
