"""The simulated Android of one virtual phone: plain mutable dataclasses, small on purpose.

Two hundred phones live in one process, so the state holds only what the audit can observe: the
build, users, packages with per-user grants and app-ops, backup, settings, lock screens, accounts
and contacts *as counts* (rows and names are generated when a command prints them), device policy
owners and the OEM developer switches that gate ``pm grant``/``revoke``.  Commands read and change
this state; nothing else does.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

# Android release string -> API level.  Logic always uses ``sdk``.
RELEASES: dict[str, int] = {
    "8.0": 26,
    "8.1": 27,
    "9": 28,
    "10": 29,
    "11": 30,
    "12": 31,
    "12L": 32,
    "13": 33,
    "14": 34,
    "15": 35,
    "16": 36,
}

# Version milestones the commands branch on (API levels).
O_MR1 = 27
P = 28
Q = 29
R = 30
S = 31
T = 33
U = 34
V = 35
BAKLAVA = 36


class Oem(enum.StrEnum):
    GOOGLE = "google"
    SAMSUNG = "samsung"
    XIAOMI = "xiaomi"
    OPPO = "oppo"  # ColorOS (also realme / OnePlus OxygenOS 12+)
    GENERIC = "generic"


# OEM developer switches: while off, the shell may not grant or revoke runtime permissions, change
# their flags, or write secure and global settings (reading stays allowed).
XIAOMI_SWITCH = "usb_debugging_security"  # MIUI/HyperOS "USB debugging (Security settings)"
COLOROS_SWITCH = "permission_monitoring_disabled"  # ColorOS "Disable permission monitoring"
OEM_GRANT_SWITCH = {Oem.XIAOMI: XIAOMI_SWITCH, Oem.OPPO: COLOROS_SWITCH}


@dataclass
class Build:
    release: str  # as printed by ro.build.version.release: "8.1.0", "13", "15"
    sdk: int
    oem: Oem
    manufacturer: str
    brand: str
    model: str
    device: str
    product: str
    build_id: str
    incremental: str
    security_patch: date
    serial: str
    crypto_state: str = "encrypted"  # encrypted | unencrypted | unsupported | "" (unset)
    crypto_type: str = "file"  # file | block | ""
    verified_boot: str = "green"  # ro.boot.verifiedbootstate: green | yellow | orange
    flash_locked: bool = True  # ro.boot.flash.locked: the bootloader refuses to flash
    build_tags: str = "release-keys"  # ro.build.tags: release-keys | test-keys | dev-keys
    extra_props: dict[str, str] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return (f"{self.brand}/{self.product}/{self.device}:{self.release}/{self.build_id}/{self.incremental}"
                f":user/{self.build_tags}")


class UserKind(enum.StrEnum):
    SYSTEM = "system"
    SECONDARY = "secondary"
    WORK_PROFILE = "work-profile"
    SECURE_FOLDER = "secure-folder"
    DUAL_APP = "dual-app"
    CLONE = "clone"
    PRIVATE_SPACE = "private-space"
    GUEST = "guest"


@dataclass
class User:
    id: int
    name: str
    flags: int
    kind: UserKind
    running: bool = True
    shell_access: bool = True  # False: "Shell does not have permission to access user N"
    restrictions: set[str] = field(default_factory=set)  # base restrictions ("Restrictions:")
    policy_restrictions: set[str] = field(default_factory=set)  # set by a device policy controller

    @property
    def effective_restrictions(self) -> set[str]:
        return self.restrictions | self.policy_restrictions


class Credential(enum.StrEnum):
    NONE = "none"  # lock screen disabled
    SWIPE = "swipe"
    PATTERN = "pattern"
    PIN = "pin"
    PASSWORD = "password"

    @property
    def secure(self) -> bool:
        return self in (Credential.PATTERN, Credential.PIN, Credential.PASSWORD)


@dataclass
class LockScreen:
    credential: Credential = Credential.PIN
    secret: str = "1357"  # synthetic; only ``locksettings --old`` compares against it
    failed_unlock_attempts: int = 0  # what "wipe after N failed attempts" policies count
    changed_at: datetime | None = None


@dataclass
class Grant:
    """Runtime permission state of one package in one user."""

    granted: bool = False
    flags: set[str] = field(default_factory=set)


@dataclass
class AppOp:
    """A package-level app-op entry of ``appops get``."""

    mode: str  # allow | ignore | deny | default | foreground
    seconds_ago: int | None = None  # last access, for "; time=+1d2h ago"


@dataclass
class PackageUser:
    """One ``User N:`` block of ``dumpsys package``."""

    installed: bool = False
    enabled: int = 0
    hidden: bool = False
    stopped: bool = False
    first_install: datetime | None = None
    ce_inode: int = 0
    de_inode: int = 0
    install_reason: int = 0
    runtime: dict[str, Grant] = field(default_factory=dict)
    appops: dict[str, AppOp] = field(default_factory=dict)
    uid_modes: dict[str, str] = field(default_factory=dict)  # printed first, as "Uid mode: OP: mode"
    last_disabled_caller: str | None = None


@dataclass
class Package:
    name: str
    app_id: int
    version_code: int
    version_name: str
    min_sdk: int
    target_sdk: int
    code_path: str
    timestamp: datetime
    first_install: datetime
    last_update: datetime
    system: bool = False
    installer: str | None = None
    installer_uid: int = -1
    initiating: str | None = None
    originating: str | None = None
    update_owner: str | None = None
    package_source: int = 0
    flags: list[str] = field(default_factory=lambda: ["HAS_CODE", "ALLOW_CLEAR_USER_DATA", "ALLOW_BACKUP"])
    private_flags: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    install_permissions: list[str] = field(default_factory=list)  # normal permissions, granted
    users: dict[int, PackageUser] = field(default_factory=dict)
    apk_signing_version: int = 3
    hash_seed: int = 0  # makes the object hashes in dumps stable per phone
    base_apk: str | None = None  # a system APK's own name (Shell.apk); installed apps have base.apk

    def user_state(self, user_id: int) -> PackageUser:
        """The package's state in ``user_id`` (an empty, not-installed one if never seen)."""
        return self.users.setdefault(user_id, PackageUser())

    def installed_in(self, user_id: int) -> bool:
        state = self.users.get(user_id)
        return bool(state and state.installed)

    def uid(self, user_id: int) -> int:
        return user_id * 100000 + self.app_id

    @property
    def apk_path(self) -> str:
        if self.base_apk:
            return self.base_apk
        return f"{self.code_path}/base.apk" if not self.code_path.endswith(".apk") else self.code_path


@dataclass
class BackupUser:
    """Whether the backup service runs for a user (``bmgr activated``).  AOSP keeps it as files:
    the system user is active unless a ``backup-suppress`` file exists (a device owner's
    ``setBackupServiceEnabled(false)``), every other user only once a ``backup-activated`` file was
    created for it (by its DPC or a privileged app); the shell may not change either."""

    activated: bool = True


@dataclass
class Backup:
    transports: list[str] = field(default_factory=list)
    current: str | None = None
    users: dict[int, BackupUser] = field(default_factory=dict)


@dataclass
class Owners:
    device_owner: str | None = None  # flattened component, e.g. com.example.mdm/.AdminReceiver
    device_owner_user: int = 0
    profile_owners: dict[int, str] = field(default_factory=dict)


@dataclass
class AndroidState:
    """Everything the simulated Android knows; commands read and change it."""

    build: Build
    users: dict[int, User]
    packages: dict[str, Package]
    now: datetime
    settings_global: dict[str, str] = field(default_factory=dict)
    settings_secure: dict[int, dict[str, str]] = field(default_factory=dict)
    settings_system: dict[int, dict[str, str]] = field(default_factory=dict)
    backup: Backup = field(default_factory=Backup)
    locks: dict[int, LockScreen] = field(default_factory=dict)
    accounts: dict[int, dict[str, int]] = field(default_factory=dict)  # user -> type -> count
    contacts: dict[int, dict[str, int]] = field(default_factory=dict)  # user -> account type -> raw contacts
    owners: Owners = field(default_factory=Owners)
    oem_switches: dict[str, bool] = field(default_factory=dict)

    # --- convenience ------------------------------------------------------------------------

    @property
    def sdk(self) -> int:
        return self.build.sdk

    @property
    def device(self) -> str:
        return self.build.device

    def user(self, user_id: int) -> User | None:
        return self.users.get(user_id)

    def secure_settings(self, user_id: int) -> dict[str, str]:
        return self.settings_secure.setdefault(user_id, {})

    def system_settings(self, user_id: int) -> dict[str, str]:
        return self.settings_system.setdefault(user_id, {})

    def backup_user(self, user_id: int) -> BackupUser:
        return self.backup.users.setdefault(user_id, BackupUser())

    def backup_active(self, user_id: int) -> bool:
        """``BackupManagerService.isBackupActivatedForUser``: suppressing the system user's backup
        deactivates it for every user (Android 10+, where other users have a backup service)."""
        if self.user(user_id) is None:
            return False
        if user_id != 0 and self.sdk >= Q and not self.backup_user(0).activated:
            return False
        return self.backup_user(user_id).activated

    def backup_enabled(self, user_id: int) -> bool:
        """Android backup on/off for a user: ``settings secure backup_enabled`` is the one switch."""
        return self.secure_settings(user_id).get("backup_enabled") == "1"

    def set_backup_enabled(self, user_id: int, enabled: bool) -> None:
        self.secure_settings(user_id)["backup_enabled"] = "1" if enabled else "0"

    def lock(self, user_id: int) -> LockScreen:
        return self.locks.setdefault(user_id, LockScreen(credential=Credential.SWIPE))

    def oem_blocks_shell(self) -> bool:
        """True while an OEM developer switch withholds from the shell what it needs to grant or
        revoke permissions, change their flags or write secure and global settings."""
        switch = OEM_GRANT_SWITCH.get(self.build.oem)
        return switch is not None and not self.oem_switches.get(switch, False)
