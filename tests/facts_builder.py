"""Builders for DeviceFacts: a fully compliant phone, and small helpers to change one thing.

Kept out of ``conftest.py`` on purpose: a second ``conftest`` module would shadow the top-level one
that other tests import ``corpus_files`` from.  Only synthetic values; no names or numbers.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

from wa_harden.commands import USER_SETTING_KEYS, WHATSAPP, WHATSAPP_BUSINESS
from wa_harden.facts import (
    AccountSummary,
    AndroidUser,
    AppOp,
    BackupService,
    BackupTransports,
    BuildInfo,
    ContactStats,
    CredentialType,
    DeviceFacts,
    FindListing,
    Gap,
    ListedPackage,
    LockState,
    MediaFolder,
    MediaTree,
    Owners,
    PackageDump,
    PackageUserState,
    PermissionGrant,
    Unknown,
    UserFacts,
    UserKind,
)

OBSERVED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SERIAL = "TEST0001"
READ_CONTACTS = "android.permission.READ_CONTACTS"
WRITE_CONTACTS = "android.permission.WRITE_CONTACTS"
GET_ACCOUNTS = "android.permission.GET_ACCOUNTS"
CONTACT_PERMISSIONS = (READ_CONTACTS, WRITE_CONTACTS, GET_ACCOUNTS)
GOOGLE_TRANSPORT = "com.google.android.gms/.backup.BackupTransportService"
PLAY_STORE = "com.android.vending"
SCOPED_ROOT = "/storage/emulated/{user}/Android/media/com.whatsapp.w4b/WhatsApp Business"
BUSINESS_APK = "/data/app/~~c3ludGhldGlj==/com.whatsapp.w4b-dGVzdA==/base.apk"
# A notification listener that is part of the system (Android System Intelligence): a system app
# updated from Play, so its APK is under /data/app/ like an installed app's.
SYSTEM_LISTENER_PACKAGE = "com.google.android.as"
SYSTEM_LISTENER = f"{SYSTEM_LISTENER_PACKAGE}/com.google.android.as.NotificationListener"
SYSTEM_LISTENER_APK = "/data/app/~~dXBkYXRlZA==/com.google.android.as-c3lzdGVt/base.apk"
# pm list packages -s of a user: the system's own packages, updated ones included.
SYSTEM_PACKAGES = frozenset({"android", "com.android.settings", SYSTEM_LISTENER_PACKAGE})
# Verified boot green, bootloader locked, release keys: an untouched phone.
BOOT_PROPS = {
    "ro.boot.verifiedbootstate": "green",
    "ro.boot.flash.locked": "1",
    "ro.build.tags": "release-keys",
}
# Per-user settings of a compliant phone: no accessibility service, only the system's own
# notification listener, message contents hidden on the lock screen, locked 35 s after the last touch.
COMPLIANT_SETTINGS: dict[str, str | None] = {
    "secure:enabled_accessibility_services": None,
    "secure:enabled_notification_listeners": SYSTEM_LISTENER,
    "secure:lock_screen_show_notifications": "1",
    "secure:lock_screen_allow_private_notifications": "0",
    "secure:lock_screen_lock_after_timeout": "5000",
    "system:screen_off_timeout": "30000",
}


def restricted() -> Unknown:
    return Unknown(Gap.USER_RESTRICTED, "Shell does not have permission to access user")


def denied_grants(
    *permissions: str, flags: frozenset[str] = frozenset()
) -> dict[str, PermissionGrant]:
    return {p: PermissionGrant(p, granted=False, flags=flags) for p in permissions}


def user_state(user_id: int = 0, **overrides: Any) -> PackageUserState:
    base = PackageUserState(
        user_id=user_id,
        installed=True,
        enabled=0,
        runtime_permissions=denied_grants(*CONTACT_PERMISSIONS, flags=frozenset({"USER_SET"})),
    )
    return dataclasses.replace(base, **overrides)


def package(
    name: str = WHATSAPP_BUSINESS,
    users: tuple[int, ...] = (0,),
    states: tuple[PackageUserState, ...] = (),
    **overrides: Any,
) -> PackageDump:
    """A dump installed (all contact permissions denied) in ``users``, plus any explicit ``states``."""
    base = PackageDump(
        package=name,
        app_id=10200,
        version_code=260407112,
        version_name="2.26.4.71",
        target_sdk=35,
        flags=frozenset({"HAS_CODE", "ALLOW_BACKUP"}),
        last_update_time=datetime(2026, 2, 20, 9, 0),
        installer=PLAY_STORE,
        initiating_installer=PLAY_STORE,
        package_source=0,
        requested_permissions=CONTACT_PERMISSIONS + ("android.permission.CAMERA",),
        users={**{uid: user_state(uid) for uid in users}, **{st.user_id: st for st in states}},
    )
    return dataclasses.replace(base, **overrides)


def media_tree(
    user_id: int = 0, hidden: bool = True, present: bool = True, **overrides: Any
) -> MediaTree:
    root = SCOPED_ROOT.format(user=user_id)
    folders = tuple(
        MediaFolder(
            name=f"WhatsApp Business {kind}",
            path=f"{root}/Media/WhatsApp Business {kind}",
            hidden_by=f"{root}/Media/WhatsApp Business {kind}/.nomedia" if hidden else None,
        )
        for kind in ("Images", "Video")
    )
    base = MediaTree(WHATSAPP_BUSINESS, root, "scoped", present, folders if present else ())
    return dataclasses.replace(base, **overrides)


def user_facts(user_id: int = 0, kind: UserKind = UserKind.SYSTEM, **overrides: Any) -> UserFacts:
    base = UserFacts(
        user=AndroidUser(user_id, kind, running=True),
        packages=(
            ListedPackage(
                WHATSAPP_BUSINESS,
                path=BUSINESS_APK,
                version_code=260407112,
                installer=PLAY_STORE,
                uids=(10200,),
            ),
            ListedPackage(SYSTEM_LISTENER_PACKAGE, path=SYSTEM_LISTENER_APK, uids=(10150,)),
        ),
        backup=BackupService(enabled=False),
        backup_setting="0",
        appops={WHATSAPP_BUSINESS: (AppOp("READ_CONTACTS", "ignore"),)},
        contacts=ContactStats({"com.google": 120, "local": 5}),
        media=(media_tree(user_id), media_tree(user_id, present=False, layout="legacy")),
        storage=FindListing(paths=(f"/storage/emulated/{user_id}",)),
        system_packages=SYSTEM_PACKAGES,
        settings=dict(COMPLIANT_SETTINGS),
    )
    return dataclasses.replace(base, **overrides)



def restricted_user_facts(user_id: int, kind: UserKind) -> UserFacts:
    """A user that refuses the shell: every per-user command was refused."""
    gap = restricted()
    return UserFacts(
        user=AndroidUser(user_id, kind, running=True),
        packages=gap,
        backup=gap,
        backup_setting=gap,
        appops={WHATSAPP: gap, WHATSAPP_BUSINESS: gap},
        contacts=gap,
        media=gap,
        storage=gap,
        system_packages=gap,
        settings={f"{namespace}:{key}": gap for namespace, key in USER_SETTING_KEYS},
    )


def make_facts(**overrides: Any) -> DeviceFacts:
    """A fully compliant phone: Business only, contacts denied, backups off, media hidden, a verified
    system without root, no install sources or chat readers, previews hidden, auto-lock in time."""
    base = DeviceFacts(
        serial=SERIAL,
        observed_at=OBSERVED_AT,
        build=BuildInfo(
            sdk=34,
            release="14",
            security_patch=date(2026, 2, 1),
            manufacturer="Google",
            model="Pixel 8",
            crypto_state="encrypted",
            crypto_type="file",
            props=dict(BOOT_PROPS),
        ),
        users=(AndroidUser(0, UserKind.SYSTEM, running=True),),
        packages={WHATSAPP: None, WHATSAPP_BUSINESS: package()},
        per_user={0: user_facts()},
        lock={0: LockState(0, CredentialType.PIN, "PIN")},
        accounts={0: AccountSummary(0, {"com.google": 1, "com.whatsapp.w4b": 1})},
        owners=Owners(),
        # Audited over USB: developer options and USB debugging are on while wa-harden runs.
        global_settings={
            "package_verifier_enable": "1",
            "verifier_verify_adb_installs": "1",
            "development_settings_enabled": "1",
            "adb_enabled": "1",
            "adb_wifi_enabled": "0",
        },
        backup_transports=BackupTransports(current=GOOGLE_TRANSPORT, available=(GOOGLE_TRANSPORT,)),
        restrictions={0: frozenset()},
        install_sources=(),
    )
    return dataclasses.replace(base, **overrides)


def with_user(facts: DeviceFacts, user: UserFacts) -> DeviceFacts:
    """Add (or replace) one Android user, in the user list and in per_user."""
    users = tuple(u for u in facts.users if u.user_id != user.user.user_id) + (user.user,)
    per_user = {**facts.per_user, user.user.user_id: user}
    return dataclasses.replace(
        facts, users=tuple(sorted(users, key=lambda u: u.user_id)), per_user=per_user
    )


def change_user(facts: DeviceFacts, user_id: int, **overrides: Any) -> DeviceFacts:
    return with_user(facts, dataclasses.replace(facts.per_user[user_id], **overrides))


def change_settings(facts: DeviceFacts, user_id: int, settings: dict[str, Any]) -> DeviceFacts:
    """Set some per-user settings (``"secure:KEY"``: a value, None for unset, or an Unknown)."""
    return change_user(facts, user_id, settings={**facts.per_user[user_id].settings, **settings})


def change_global(facts: DeviceFacts, **settings: Any) -> DeviceFacts:
    """Set some global settings (a value, None for unset, or an Unknown)."""
    return dataclasses.replace(facts, global_settings={**facts.global_settings, **settings})


def change_props(facts: DeviceFacts, **props: str | None) -> DeviceFacts:
    """Set getprop values by name with ``_`` for ``.`` (``ro_boot_flash_locked``); None removes one."""
    current = dict(facts.build.props)
    for name, value in props.items():
        key = name.replace("_", ".")
        if value is None:
            current.pop(key, None)
        else:
            current[key] = value
    return change_build(facts, props=current)


def with_package(facts: DeviceFacts, name: str, dump: PackageDump | None | Unknown) -> DeviceFacts:
    return dataclasses.replace(facts, packages={**facts.packages, name: dump})


def change_build(facts: DeviceFacts, **overrides: Any) -> DeviceFacts:
    return dataclasses.replace(facts, build=dataclasses.replace(facts.build, **overrides))


def run_check(check_id: str, facts: DeviceFacts, **params: Any):
    """Evaluate one registered check with its default params, some overridden."""
    from wa_harden.checks import get_check

    spec = get_check(check_id)
    return spec.evaluate(facts, {**spec.defaults(), **params})
