"""Personas: short, declarative TOML descriptions of a phone, validated before anything runs.

Everything has a version-appropriate default (catalog.py), so a persona says only what makes it
special.  Dates are relative (``security_patch_age_days``, ``last_update_days_ago``) so a persona
stays valid forever.  Each :meth:`Persona.instantiate` builds a fresh, independent phone.

What a persona file may say, and its validation, is in :mod:`persona_schema`; this module loads
personas and builds an :class:`AndroidState` (and file system) from validated persona data.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wa_harden.virtual.android import catalog, storage
from wa_harden.virtual.android.catalog import (
    GRANT_STATES,
    PLAY_STORE,
    WHATSAPP_PACKAGES,
    sensitivity_flags,
)
from wa_harden.virtual.android.permissions import apply_grant
from wa_harden.virtual.android.persona_schema import (
    DEFAULT_USERS,
    PersonaError,
    persona_checker,
    validate_persona,
)
from wa_harden.virtual.android.platform_permissions import runtime_permissions
from wa_harden.virtual.android.state import (
    RELEASES,
    AndroidState,
    AppOp,
    Backup,
    BackupUser,
    Build,
    Credential,
    Grant,
    LockScreen,
    Oem,
    Owners,
    Package,
    PackageUser,
    Q,
    R,
    User,
    UserKind,
)
from wa_harden.virtual.api import FaultConfig

if TYPE_CHECKING:  # pragma: no cover
    from wa_harden.virtual.android.phone import AndroidPhone

PERSONA_DIR = Path(__file__).resolve().parent.parent / "personas"


# --- persona -------------------------------------------------------------------------------------


@dataclass
class Persona:
    name: str
    description: str
    faults: FaultConfig
    data: dict[str, Any] = field(repr=False)
    source: str = ""

    def instantiate(self, serial: str, now: datetime) -> AndroidPhone:
        from wa_harden.virtual.android.phone import AndroidPhone

        state, fs = build(self.data, serial, now)
        return AndroidPhone(state=state, fs=fs, faults=copy.copy(self.faults))


def list_personas() -> list[str]:
    return sorted(p.stem for p in PERSONA_DIR.glob("*.toml"))


def load_persona(name_or_path: str | Path) -> Persona:
    """A shipped persona by name, or a persona file by path."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = PERSONA_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            shipped = ", ".join(list_personas())
            raise PersonaError(str(name_or_path), "name", f"expected a shipped persona: {shipped}")
    source = str(path)
    return persona_from_data(persona_checker(source).read(path), source)


def persona_from_data(data: dict[str, Any], source: str = "<persona>") -> Persona:
    """Validate already-parsed persona data (a TOML document as a dict) into a Persona."""
    validate_persona(data, source)
    faults = FaultConfig(**data.get("faults", {}))
    return Persona(name=data["name"], description=data.get("description", ""), faults=faults, data=data, source=source)


# --- building a phone ----------------------------------------------------------------------------


def release_string(android: str) -> str:
    """How ro.build.version.release prints a version: 8.1 -> 8.1.0, 12L -> 12, 14 -> 14."""
    if android in ("8.0", "8.1"):
        return android + ".0"
    return android.rstrip("L")


def build(data: dict[str, Any], serial: str, now: datetime) -> tuple[AndroidState, Any]:
    """A fresh state and file system for one phone from validated persona data."""
    from wa_harden.virtual.fs import VirtualFS

    rng = random.Random(f"{serial}:{data['name']}")
    device = data["device"]
    sdk = RELEASES[device["android"]]
    oem = Oem(device["oem"])
    model = catalog.DEVICES[oem]
    props = catalog.oem_props(oem, sdk)
    props.update(device.get("props", {}))
    encrypted = device.get("encrypted", True)
    unlocked = device.get("bootloader", "locked") == "unlocked"
    build_info = Build(
        release=release_string(device["android"]),
        sdk=sdk,
        oem=oem,
        manufacturer=device.get("manufacturer", model.manufacturer),
        brand=device.get("brand", model.brand),
        model=device.get("model", model.model),
        device=device.get("device", model.device),
        product=device.get("product", model.product),
        build_id=catalog.BUILD_IDS[sdk],
        incremental=catalog.incremental(oem, sdk, rng),
        security_patch=catalog.security_patch(now, device.get("security_patch_age_days", 20)),
        serial=serial,
        crypto_state="encrypted" if encrypted else "unencrypted",
        crypto_type=device.get("crypto_type", "file" if sdk >= 28 else "block") if encrypted else "",
        verified_boot=device.get("verified_boot", "orange" if unlocked else "green"),
        flash_locked=not unlocked,
        build_tags=device.get("build_tags", "release-keys"),
        extra_props=props,
    )
    users = _build_users(data.get("users", DEFAULT_USERS), sdk)
    state = AndroidState(build=build_info, users=users, packages={}, now=now)
    _add_system_packages(state, rng)
    _configure_users(state, data.get("users", DEFAULT_USERS), now)
    _configure_backup(state, data.get("backup", {}).get("transport", "gms"))
    # USB debugging is on (the audit is connected); Wi-Fi debugging exists from Android 11.
    state.settings_global.update(
        {"adb_enabled": "1", "development_settings_enabled": "1", "device_provisioned": "1", "stay_on_while_plugged_in": "0"}
    )
    if sdk >= R:
        state.settings_global["adb_wifi_enabled"] = "0"
    _apply_settings(state.settings_global, data.get("settings", {}).get("global", {}))
    _configure_owners(state, data.get("device_policy", {}), rng, now)
    _configure_restrictions(state, data.get("users", DEFAULT_USERS))
    for key, value in data.get("oem", {}).items():
        state.oem_switches[key] = value

    offset = now - datetime.now()
    ordered = tuple(sorted(users))
    fs = VirtualFS.android_default(clock=lambda: datetime.now() + offset, user_ids=ordered, hide_other_users=sdk >= R)
    for app in data.get("apps", []):
        _add_app(state, fs, app, rng, now)
    return state, fs


def _build_users(entries: Sequence[Mapping[str, Any]], sdk: int) -> dict[int, User]:
    users: dict[int, User] = {}
    for entry in sorted(entries, key=lambda e: e["id"]):
        kind = UserKind(entry["kind"])
        users[entry["id"]] = User(
            id=entry["id"],
            name=entry.get("name", catalog.USER_NAMES[kind]),
            flags=entry.get("flags", catalog.default_user_flags(kind, sdk)),
            kind=kind,
            running=entry.get("running", True),
            shell_access=entry.get("shell_access", kind not in catalog.REFUSES_SHELL),
        )
    return users


def _configure_users(state: AndroidState, entries: Sequence[Mapping[str, Any]], now: datetime) -> None:
    for entry in entries:
        user_id = entry["id"]
        system = entry["kind"] == UserKind.SYSTEM
        credential = Credential(entry.get("lock", "pin" if system else "none"))
        state.locks[user_id] = LockScreen(credential=credential, changed_at=now - timedelta(days=90))
        state.accounts[user_id] = dict(entry.get("accounts", {"com.google": 1} if system else {}))
        state.contacts[user_id] = dict(entry.get("contacts", {"local": 12, "com.google": 150} if system else {}))
        state.set_backup_enabled(user_id, entry.get("backup", system))
        # Android 10+ runs a backup service for other users only once it was activated for them
        # (BackupManagerService.isBackupActivatedForUser: a "backup-activated" file per user).
        activated = entry.get("backup_activated", system or state.sdk < Q)
        state.backup.users[user_id] = BackupUser(activated=activated)
        secure = state.secure_settings(user_id)
        # Lock-screen notifications are shown, contents included, until the user changes it; the
        # "lock after" delay is unset (Settings shows its 5-second default).
        secure.update({"user_setup_complete": "1", "install_non_market_apps": "1",
                       "lock_screen_show_notifications": "1", "lock_screen_allow_private_notifications": "1"})
        full_user = entry["kind"] in (UserKind.SYSTEM, UserKind.SECONDARY)
        listeners = list(catalog.DEFAULT_NOTIFICATION_LISTENERS.get(state.build.oem, ())) if full_user else []
        listeners += entry.get("notification_listeners", [])
        if listeners:
            secure["enabled_notification_listeners"] = ":".join(dict.fromkeys(listeners))
        services = entry.get("accessibility_services", [])
        if services:
            secure["enabled_accessibility_services"] = ":".join(dict.fromkeys(services))
            secure["accessibility_enabled"] = "1"
        _apply_settings(secure, entry.get("secure_settings", {}))
        system_settings = state.system_settings(user_id)
        system_settings.update({"screen_off_timeout": "30000", "screen_brightness": "102"})
        _apply_settings(system_settings, entry.get("system_settings", {}))


def _apply_settings(table: dict[str, str], values: Mapping[str, str]) -> None:
    """A persona's settings over the defaults; the value "null" removes a default (unset)."""
    for key, value in values.items():
        if value == "null":
            table.pop(key, None)
        else:
            table[key] = value


def _configure_restrictions(state: AndroidState, entries: Sequence[Mapping[str, Any]]) -> None:
    """User restrictions: the user type's base set, what a device policy controller sets by itself,
    and the persona's (set by the user's DPC when it has one, else as base restrictions)."""
    owners = state.owners
    for entry in entries:
        user = state.users[entry["id"]]
        user.restrictions = set(catalog.BASE_RESTRICTIONS.get(user.kind, ()))
        device_owner = owners.device_owner is not None and owners.device_owner_user == user.id
        managed = device_owner or user.id in owners.profile_owners
        if managed:
            user.policy_restrictions = set(catalog.owner_default_restrictions(device_owner, state.sdk))
        (user.policy_restrictions if managed else user.restrictions).update(entry.get("restrictions", ()))


def _configure_backup(state: AndroidState, transport: str) -> None:
    local = catalog.LOCAL_TRANSPORT if state.sdk >= 28 else catalog.LOCAL_TRANSPORT_OLD
    choices = {
        "gms": ([catalog.D2D_TRANSPORT, catalog.GMS_TRANSPORT, local], catalog.GMS_TRANSPORT),
        "local": ([local], local),
        "seedvault": ([local, catalog.SEEDVAULT_TRANSPORT], catalog.SEEDVAULT_TRANSPORT),
        "none": ([], None),
    }
    transports, current = choices[transport]
    state.backup = Backup(transports=transports, current=current, users=state.backup.users)


def _add_system_packages(state: AndroidState, rng: random.Random) -> None:
    sdk = state.sdk
    boot = state.now - timedelta(days=400)
    for spec in catalog.system_packages(state.build.oem, sdk):
        version = spec.version_code or sdk
        apk = catalog.system_apk_path(spec, sdk)
        updated = catalog.app_code_path(spec.name, sdk, rng) if spec.updated else None
        package = Package(
            name=spec.name,
            app_id=spec.app_id,
            version_code=version,
            version_name=str(version),
            min_sdk=sdk,
            target_sdk=sdk,
            code_path=updated or (apk if spec.name == "android" else apk.rsplit("/", 1)[0]),
            timestamp=boot,
            first_install=boot,
            last_update=boot,
            system=True,
            installer=spec.installer,
            flags=["SYSTEM", "HAS_CODE", "ALLOW_CLEAR_USER_DATA"] + (["UPDATED_SYSTEM_APP"] if spec.updated else []),
            hash_seed=rng.getrandbits(28),
            base_apk=None if updated else apk,
        )
        for user_id in state.users:
            package.users[user_id] = PackageUser(installed=True, first_install=boot, ce_inode=rng.randint(2000, 900000))
        state.packages[spec.name] = package


def _configure_owners(state: AndroidState, policy: dict[str, Any], rng: random.Random, now: datetime) -> None:
    owners = Owners(
        device_owner=policy.get("device_owner"),
        device_owner_user=policy.get("device_owner_user", 0),
        profile_owners={int(k): v for k, v in policy.get("profile_owners", {}).items()},
    )
    for user in state.users.values():
        if user.kind is UserKind.WORK_PROFILE and user.id not in owners.profile_owners:
            owners.profile_owners[user.id] = catalog.DEFAULT_DPC  # a work profile always has one
    state.owners = owners
    admins = {owners.device_owner, *owners.profile_owners.values()} - {None}
    for component in sorted(a for a in admins if a):
        name = component.split("/")[0]
        if name in state.packages:
            continue
        users = [owners.device_owner_user] if component == owners.device_owner else []
        users += [uid for uid, c in owners.profile_owners.items() if c == component]
        _add_app(state, None, {"package": name, "users": users, "installer": PLAY_STORE, "version_name": "3.1.0",
                               "version_code": 310, "media_layout": "none"}, rng, now)


def _add_app(state: AndroidState, fs: Any, app: dict[str, Any], rng: random.Random, now: datetime) -> None:
    sdk = state.sdk
    name = app["package"]
    preinstalled = state.packages.get(name)
    if preinstalled is not None and preinstalled.system:
        _configure_preinstalled(state, preinstalled, app)
        return
    is_whatsapp = name in WHATSAPP_PACKAGES
    default_version = catalog.whatsapp_current_version(name, now) if is_whatsapp else "1.0.0"
    version_name = app.get("version_name", default_version)
    source = _install_source(state, app)
    installer = source.installer
    last_update = now - timedelta(days=app.get("last_update_days_ago", 10), hours=rng.randint(1, 20))
    first_install = min(last_update, now - timedelta(days=app.get("first_install_days_ago", 365), hours=3))
    requested = (
        catalog.whatsapp_permissions(name, sdk)
        if is_whatsapp
        else [catalog.ANDROID_PERMISSION + "INTERNET", catalog.ANDROID_PERMISSION + "RECEIVE_BOOT_COMPLETED"]
    )
    package = Package(
        name=name,
        app_id=10200 + rng.randint(0, 250),
        version_code=app.get("version_code", catalog.whatsapp_version_code(version_name) if is_whatsapp else 1),
        version_name=version_name,
        min_sdk=app.get("min_sdk", 21),
        target_sdk=app.get("target_sdk", catalog.whatsapp_target_sdk(version_name) if is_whatsapp else sdk),
        code_path=catalog.app_code_path(name, sdk, rng),
        timestamp=last_update - timedelta(seconds=5),
        first_install=first_install,
        last_update=last_update,
        installer=installer,
        installer_uid=source.installer_uid,
        initiating=app.get("initiating_installer", source.initiating),
        originating=app.get("originating_installer"),
        update_owner=PLAY_STORE if installer == PLAY_STORE and source.kind == "store" else None,
        package_source=source.package_source,
        flags=(["DEBUGGABLE"] if app.get("debuggable") else [])
        + (list(catalog.WHATSAPP_FLAGS) if is_whatsapp else ["HAS_CODE", "ALLOW_CLEAR_USER_DATA", "ALLOW_BACKUP"]),
        private_flags=list(catalog.WHATSAPP_PRIVATE_FLAGS),
        requested=requested,
        install_permissions=[p for p in requested if p in catalog.NORMAL_PERMISSIONS],
        hash_seed=rng.getrandbits(28),
    )
    while any(p.app_id == package.app_id for p in state.packages.values()):
        package.app_id += 1
    state.packages[name] = package
    installed_users = app.get("users", [0])
    wanted = dict(catalog.WHATSAPP_DEFAULT_GRANTS) if is_whatsapp else {}
    if "contacts" in app:
        wanted.update({p.removeprefix(catalog.ANDROID_PERMISSION): app["contacts"] for p in catalog.CONTACTS_GROUP})
    wanted.update(app.get("permissions", {}))
    for user_id in state.users:
        installed = user_id in installed_users
        user_state = PackageUser(
            installed=installed,
            first_install=first_install if installed else None,
            ce_inode=rng.randint(100000, 3000000) if installed else 0,
            de_inode=rng.randint(10000, 900000) if installed else 0,
            install_reason=4 if installed and installer == PLAY_STORE and source.kind == "store" else 0,
            stopped=not installed,
        )
        package.users[user_id] = user_state
        runtime = [p for p in requested if p in runtime_permissions(sdk)]
        for permission in runtime:
            if not installed:
                user_state.runtime[permission] = Grant()
                continue
            granted, extra = GRANT_STATES[wanted.get(permission.removeprefix(catalog.ANDROID_PERMISSION), "default")]
            flags = sensitivity_flags(sdk) | set(extra)
            if sdk >= Q and permission.endswith("_EXTERNAL_STORAGE"):
                flags.add("RESTRICTION_INSTALLER_EXEMPT")
            user_state.runtime[permission] = Grant(granted=False, flags=flags)
            apply_grant(state, package, user_id, permission, granted)
        if installed:
            _add_appops(user_state, app.get("appops", {}), sdk, rng)
    layout = app.get("media_layout", "scoped" if sdk >= R else "legacy")
    if fs is None or not is_whatsapp or layout == "none":
        return
    layouts = ("scoped", "legacy") if layout == "both" else (layout,)
    for user_id in installed_users:
        for tree_layout in layouts:
            storage.build_tree(
                fs,
                name,
                storage.tree_root(name, tree_layout, user_id),
                now,
                media_hidden=app.get("media_hidden", False),
                media_files=app.get("media_files", 3),
                extra_folders=app.get("media_folders", ()),
            )


@dataclass(frozen=True)
class _InstallSource:
    """Who installed an app, as ``dumpsys package`` records it (android-facts §1.3)."""

    kind: str
    installer: str | None
    initiating: str | None
    installer_uid: int
    package_source: int  # PackageInstaller.PACKAGE_SOURCE_*: 0 unspecified, 1 other, 4 downloaded file


def _install_source(state: AndroidState, app: Mapping[str, Any]) -> _InstallSource:
    """``install_source`` and ``installer`` of a persona app.

    * ``store`` (the default when an installer is named): the store installed and started it.
    * ``adb``: ``adb install [-i INSTALLER]``; the installer name is whatever ``-i`` said, the
      initiating installer is always the shell, packageSource 1 (also the default for
      ``installer = "none"``).
    * ``package-installer``: an APK opened in the package installer (from ``originating_installer``,
      e.g. a browser's download), packageSource 4.
    """
    named = app.get("installer", PLAY_STORE if app.get("install_source", "store") == "store" else "none")
    installer = None if named in ("none", "") else named
    kind = app.get("install_source", "store" if installer else "adb")
    if kind == "package-installer":
        installer = next((p for p in catalog.PACKAGE_INSTALLERS if p in state.packages), catalog.PACKAGE_INSTALLERS[0])
        return _InstallSource(kind, installer, installer, _uid_of(state, installer), 4)
    if kind == "adb":
        return _InstallSource(kind, installer, catalog.SHELL_PACKAGE, _uid_of(state, installer), 1)
    return _InstallSource(kind, installer, installer, _uid_of(state, installer), 0)


def _uid_of(state: AndroidState, package: str | None) -> int:
    """``installerPackageUid``: the installer's uid in user 0, -1 without an installer."""
    if package is None:
        return -1
    found = state.packages.get(package)
    return found.uid(0) if found else 10078


def _configure_preinstalled(state: AndroidState, package: Package, app: Mapping[str, Any]) -> None:
    """A persona entry naming a preinstalled package sets its app-ops (Chrome allowed to install
    unknown apps, say) in its users."""
    for user_id in app.get("users", sorted(state.users)):
        user_state = package.users.get(user_id)
        if user_state is None or not user_state.installed:
            continue
        for op, mode in app.get("appops", {}).items():
            user_state.appops[op] = AppOp(mode, seconds_ago=None)


def _add_appops(user_state: PackageUser, modes: dict[str, str], sdk: int, rng: random.Random) -> None:
    """Recent accesses of a used app, then the persona's explicit modes."""
    for op, permission in (("READ_CONTACTS", "READ_CONTACTS"), ("CAMERA", "CAMERA"), ("RECORD_AUDIO", "RECORD_AUDIO")):
        grant = user_state.runtime.get(catalog.ANDROID_PERMISSION + permission)
        if grant and grant.granted:
            user_state.appops[op] = AppOp("allow", seconds_ago=rng.randint(600, 3 * 86400))
    user_state.appops["WAKE_LOCK"] = AppOp("allow", seconds_ago=rng.randint(30, 3600))
    user_state.appops["VIBRATE"] = AppOp("allow", seconds_ago=rng.randint(60, 86400))
    if sdk >= Q:
        user_state.uid_modes["LEGACY_STORAGE"] = "allow"
    for op, mode in modes.items():
        user_state.appops[op] = AppOp(mode, seconds_ago=None)
