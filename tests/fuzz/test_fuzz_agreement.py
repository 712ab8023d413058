"""Virtual phone and parsers agree: the facts read from a phone are the state it was built from.

Persona data is generated within the persona schema (users of every kind, WhatsApp apps with
permission grant states and their flags, backup per user, media trees with and without .nomedia,
accounts and contacts, settings, restrictions, owners, backup transports) on every Android release
the catalog has (8.0 to 16).  The persona builder (``persona_from_data``) builds the phone; it is
read in-process as an audit reads a real one; its facts are compared with the simulated Android's
own state and file system.

Where Android itself cannot show something, the fact says so: a user that refuses the shell has
every per-user fact unknown with the reason ``user-restricted``; another user's shared storage is
refused (Android 8-10) or absent (11+) to the shell; ``bmgr`` has no ``--user`` before Android 10
and no "not activated" answer before 11; ``dumpsys lock_settings`` prints a swipe as no lock, and
before Android 11 a PIN as a password.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from fuzzing import fuzz_settings, phone_of
from hypothesis import given
from hypothesis import strategies as st

from fakes import InProcessPhone
from wa_harden import collect, commands
from wa_harden.assemble import facts_from_capture
from wa_harden.evaluate import evaluate_device
from wa_harden.facts import (
    AccountSummary,
    AndroidUser,
    AppOp,
    BackupService,
    BackupTransports,
    ContactStats,
    CredentialType,
    DeviceFacts,
    Gap,
    MediaFolder,
    MediaTree,
    Owners,
    PermissionGrant,
    Unknown,
    UserFacts,
    UserKind,
    is_known,
)
from wa_harden.model import Outcome
from wa_harden.parse import classify_error
from wa_harden.profile import load_profile
from wa_harden.virtual.android import catalog, persona_from_data
from wa_harden.virtual.android.catalog import GRANT_STATES, RUNTIME_PERMISSIONS, WHATSAPP_PACKAGES
from wa_harden.virtual.android.platform_permissions import runtime_permissions
from wa_harden.virtual.android.state import RELEASES, AndroidState, Credential, Oem, Q, R, U
from wa_harden.virtual.android.state import UserKind as VirtualKind

ANDROIDS = sorted(RELEASES, key=RELEASES.__getitem__)
HELPER = "com.example.helper"  # an app that is neither WhatsApp nor preinstalled
DPC = "com.example.mdm/.AdminReceiver"

# --- persona data ------------------------------------------------------------------------------------

# Ids phone makers give their own spaces: ``pm list users`` names no kind, so the parser takes a
# user with such an id for that space (a Samsung user 150 is the Secure Folder).
WELL_KNOWN_IDS = {150: VirtualKind.SECURE_FOLDER, 95: VirtualKind.DUAL_APP, 999: VirtualKind.DUAL_APP}
OTHER_KINDS = [kind for kind in VirtualKind if kind is not VirtualKind.SYSTEM]
# Names a person gives a user: masked before parsing, never taken for a kind (no OEM space's name).
PERSON_NAMES = ("Anna", "Büro 2", "Jean-Luc: Kasse", "张伟", "Lager {1}", "O'Brien", "  ", "user 10")

ACCOUNT_TYPE = st.one_of(
    st.sampled_from(("com.google", "com.whatsapp", "com.whatsapp.w4b", "com.microsoft.workaccount", "com.osp.app")),
    st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z][a-z0-9_]{0,8}){1,3}", fullmatch=True),
)
CONTACT_TYPE = st.one_of(st.just("local"), ACCOUNT_TYPE)
# Setting values: any text but a carriage return (the collector turns PTY line ends into \n), a
# byte order mark (dropped at an output's start) and '@' (e-mail addresses are masked).
SETTING_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\r\ufeff@"), max_size=40)
SETTING_VALUE = st.one_of(st.sampled_from(("0", "1", "30000", "5000", "null", "")), SETTING_TEXT)
USER_SETTINGS = {namespace: [key for ns, key in commands.USER_SETTING_KEYS if ns == namespace]
                 for namespace in ("secure", "system")}


def _optional(entry: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        entry[key] = value


@st.composite
def users(draw: st.DrawFn) -> list[dict[str, Any]]:
    entries = [{"id": 0, "kind": "system"}]
    taken = {0}
    for _ in range(draw(st.integers(0, 3), label="other users")):
        kind = draw(st.sampled_from(OTHER_KINDS))
        def free(user_id: int, kind: VirtualKind = kind) -> bool:
            return user_id not in taken and WELL_KNOWN_IDS.get(user_id, kind) is kind

        user_id = draw(st.integers(1, 9999).filter(free))
        taken.add(user_id)
        entry: dict[str, Any] = {"id": user_id, "kind": kind.value}
        if kind in (VirtualKind.SECONDARY, VirtualKind.GUEST):
            _optional(entry, "name", draw(st.none() | st.sampled_from(PERSON_NAMES)))
        _optional(entry, "shell_access", draw(st.none() | st.booleans()))
        entries.append(entry)
    for entry in entries:
        _optional(entry, "running", draw(st.none() | st.booleans()) if entry["id"] else None)
        _optional(entry, "lock", draw(st.none() | st.sampled_from([c.value for c in Credential])))
        _optional(entry, "accounts", draw(st.none() | st.dictionaries(ACCOUNT_TYPE, st.integers(0, 4), max_size=3)))
        _optional(entry, "contacts", draw(st.none() | st.dictionaries(CONTACT_TYPE, st.integers(0, 25), max_size=3)))
        _optional(entry, "backup", draw(st.none() | st.booleans()))
        _optional(entry, "backup_activated", draw(st.none() | st.booleans()))
        for namespace, keys in USER_SETTINGS.items():
            values = draw(st.dictionaries(st.sampled_from(keys), SETTING_VALUE, max_size=len(keys)))
            if values:
                entry[f"{namespace}_settings"] = values
        restrictions = draw(st.lists(st.sampled_from(sorted(catalog.USER_RESTRICTIONS)), max_size=4, unique=True))
        if restrictions:
            entry["restrictions"] = restrictions
    return entries


@st.composite
def whatsapp(draw: st.DrawFn, package: str, sdk: int, user_ids: list[int]) -> dict[str, Any]:
    requested = [p.removeprefix(catalog.ANDROID_PERMISSION) for p in catalog.whatsapp_permissions(package, sdk)
                 if p in runtime_permissions(sdk)]
    permission = st.one_of(st.sampled_from(requested), st.sampled_from(sorted(RUNTIME_PERMISSIONS)))
    app: dict[str, Any] = {"package": package,
                           "users": draw(st.lists(st.sampled_from(user_ids), unique=True, max_size=len(user_ids)))}
    grants = draw(st.dictionaries(permission, st.sampled_from(sorted(GRANT_STATES)), max_size=6))
    if grants:
        app["permissions"] = grants
    _optional(app, "contacts", draw(st.none() | st.sampled_from(sorted(GRANT_STATES))))
    _optional(app, "media_layout", draw(st.none() | st.sampled_from(("scoped", "legacy", "both", "none"))))
    _optional(app, "media_hidden", draw(st.none() | st.booleans()))
    _optional(app, "media_files", draw(st.none() | st.integers(0, 3)))
    _optional(app, "install_source", draw(st.none() | st.sampled_from(("store", "adb", "package-installer"))))
    appops = draw(st.dictionaries(st.sampled_from(sorted(catalog.known_ops(sdk))), st.sampled_from(catalog.APPOP_MODES),
                                  max_size=3))
    if appops:
        app["appops"] = appops
    return app


@st.composite
def personas(draw: st.DrawFn) -> dict[str, Any]:
    android = draw(st.sampled_from(ANDROIDS), label="android")
    sdk = RELEASES[android]
    entries = draw(users(), label="users")
    ids = [entry["id"] for entry in entries]
    apps = [draw(whatsapp(package, sdk, ids), label=package) for package in WHATSAPP_PACKAGES
            if draw(st.booleans(), label=f"with {package}")]
    if draw(st.booleans(), label="with a helper app"):
        apps.append({"package": HELPER, "users": draw(st.lists(st.sampled_from(ids), unique=True, min_size=1)),
                     "appops": {"REQUEST_INSTALL_PACKAGES": draw(st.sampled_from(catalog.APPOP_MODES))}})
        for entry in entries:
            for field in ("accessibility_services", "notification_listeners"):
                if draw(st.booleans()):
                    entry[field] = [f"{HELPER}/.{field.title().replace('_', '')}"]
    data: dict[str, Any] = {"name": "fuzz", "device": {"oem": draw(st.sampled_from([o.value for o in Oem])),
                                                        "android": android},
                            "users": entries, "apps": apps,
                            "backup": {"transport": draw(st.sampled_from(("gms", "local", "seedvault", "none")))}}
    global_settings = draw(st.dictionaries(st.sampled_from(commands.GLOBAL_SETTING_KEYS), SETTING_VALUE, max_size=3))
    if global_settings:
        data["settings"] = {"global": global_settings}
    policy: dict[str, Any] = {}
    if draw(st.booleans(), label="device owner"):
        policy["device_owner"] = DPC
    owned = draw(st.lists(st.sampled_from(ids[1:]), unique=True), label="profile owners") if ids[1:] else []
    if owned:
        policy["profile_owners"] = {str(user_id): DPC for user_id in owned}
    if policy:
        data["device_policy"] = policy
    return data


# --- what Android shows of the state -------------------------------------------------------------------


def _setting(value: str | None) -> Any:
    """A value as ``settings get`` shows it; one that reads as an Android error line is unknown
    (the parsers refuse to take an error for a value, docs/EVIDENCE.md)."""
    if value is not None and classify_error(value + "\n") is not None:
        return Unknown
    return value


def _credential(credential: Credential, sdk: int) -> CredentialType:
    """Android prints a swipe as no lock, and before Android 11 a PIN as a (numeric) password."""
    if credential in (Credential.NONE, Credential.SWIPE):
        return CredentialType.NONE
    if credential is Credential.PIN and sdk < R:
        return CredentialType.PASSWORD
    return CredentialType(credential.value)


def _backup(state: AndroidState, user_id: int) -> Any:
    """``bmgr enabled`` of a user: no ``--user`` before Android 10; a backup service nobody activated
    answers "not activated" from Android 11, a generic error on Android 10."""
    if user_id != 0 and state.sdk < Q:
        return Unknown
    if state.backup_active(user_id):
        return BackupService(enabled=state.backup_enabled(user_id))
    return BackupService(enabled=False, activated=False) if state.sdk >= R else Unknown


def media_trees(phone: Any, user_id: int) -> tuple[MediaTree, ...]:
    """Every WhatsApp storage tree of a user as its file system holds it."""
    fs = phone.android.fs
    trees = []
    for package, layout, root in commands.media_tree_roots(user_id):
        media = f"{root}/Media"
        folders = []
        if fs.is_dir(media):
            for name in sorted(fs.listdir(media)):
                path = f"{media}/{name}"
                if name.startswith(".") or not fs.is_dir(path):
                    continue
                markers = (f"{path}/.nomedia", f"{media}/.nomedia", f"{root}/.nomedia")
                folders.append(MediaFolder(name, path, next((m for m in markers if fs.exists(m)), None)))
        trees.append(MediaTree(package, root, layout, present=fs.is_dir(root), folders=tuple(folders)))
    return tuple(trees)


class Comparison:
    """Facts against the state, every difference named by where it is (down to the key, the item
    or the field that differs)."""

    def __init__(self) -> None:
        self.differences: list[str] = []

    def equal(self, where: str, fact: Any, expected: Any) -> None:
        if expected is Unknown:
            if is_known(fact):
                self.differences.append(f"{where}: {fact!r}, expected unknown")
        elif isinstance(fact, Mapping) and isinstance(expected, Mapping):
            for key in sorted(set(fact) | set(expected), key=repr):
                self.equal(f"{where}[{key!r}]", fact.get(key, _ABSENT), expected.get(key, _ABSENT))
        elif isinstance(fact, tuple) and isinstance(expected, tuple) and len(fact) == len(expected):
            for index, (item, wanted) in enumerate(zip(fact, expected, strict=True)):
                self.equal(f"{where}[{index}]", item, wanted)
        elif dataclasses.is_dataclass(fact) and type(fact) is type(expected):
            for field in dataclasses.fields(fact):
                self.equal(f"{where}.{field.name}", getattr(fact, field.name), getattr(expected, field.name))
        elif fact != expected:
            self.differences.append(f"{where}: {fact!r}, expected {expected!r}")

    def unknown(self, where: str, fact: Any, reason: Gap) -> None:
        if not (isinstance(fact, Unknown) and fact.reason is reason):
            self.differences.append(f"{where}: {fact!r}, expected unknown ({reason.value})")


_ABSENT = "<absent>"


def compare_device(check: Comparison, facts: DeviceFacts, state: AndroidState) -> None:
    expected_users = {u.id: AndroidUser(u.id, UserKind(u.kind.value), u.flags, u.running) for u in state.users.values()}
    check.equal("users", {u.user_id: u for u in facts.users} if is_known(facts.users) else facts.users,
                expected_users)
    for package in WHATSAPP_PACKAGES:
        compare_package(check, facts, state, package)
    check.equal("accounts", facts.accounts,
                {uid: AccountSummary(uid, {t: n for t, n in state.accounts.get(uid, {}).items() if n})
                 for uid in state.users})
    check.equal("restrictions", facts.restrictions,
                {uid: frozenset(user.effective_restrictions) for uid, user in state.users.items()})
    for key in commands.GLOBAL_SETTING_KEYS:
        check.equal(f"global:{key}", facts.global_settings[key], _setting(state.settings_global.get(key)))
    owners = state.owners
    check.equal("owners", facts.owners,
                Owners(owners.device_owner, owners.device_owner_user if owners.device_owner else None,
                       dict(owners.profile_owners)))
    # bmgr lists no transports while the system user's backup service is deactivated.
    check.equal("backup transports", facts.backup_transports,
                BackupTransports(state.backup.current, tuple(state.backup.transports)) if state.backup_active(0)
                else Unknown)
    check.equal("lock", {uid: lock.credential for uid, lock in facts.lock.items()} if is_known(facts.lock)
                else facts.lock, {uid: _credential(state.lock(uid).credential, state.sdk) for uid in state.users})
    allowed = {name for name, package in state.packages.items()
               for user in package.users.values()
               if user.installed and (op := user.appops.get("REQUEST_INSTALL_PACKAGES")) and op.mode == "allow"}
    check.equal("install sources", set(facts.install_sources) if is_known(facts.install_sources)
                else facts.install_sources, allowed)
    build = state.build
    if is_known(facts.build):
        check.equal("build", (facts.build.sdk, facts.build.release, facts.build.model, facts.build.fingerprint,
                              facts.build.security_patch, facts.build.crypto_state or ""),
                    (build.sdk, build.release, build.model, build.fingerprint, build.security_patch,
                     build.crypto_state))
    else:
        check.equal("build", facts.build, "a BuildInfo")


def compare_package(check: Comparison, facts: DeviceFacts, state: AndroidState, name: str) -> None:
    dump = facts.packages[name]
    package = state.packages.get(name)
    if package is None or not is_known(dump) or dump is None:
        check.equal(f"{name}", dump, None if package is None else "a dump")
        return
    check.equal(f"{name} installed users", dump.installed_users(),
                tuple(sorted(uid for uid, user in package.users.items() if user.installed)))
    check.equal(f"{name} installer", dump.installer, package.installer)
    if state.sdk >= U:  # printed from Android 14
        check.equal(f"{name} initiating installer", dump.initiating_installer, package.initiating)
    for uid, user in package.users.items():
        read = dump.users.get(uid)
        check.equal(f"{name} user {uid} runtime permissions", read.runtime_permissions if read else None,
                    {perm: PermissionGrant(perm, grant.granted, frozenset(grant.flags))
                     for perm, grant in user.runtime.items()})


def compare_user(check: Comparison, phone: Any, facts: UserFacts, state: AndroidState) -> None:
    uid = facts.user.user_id
    user = state.users[uid]
    where = f"user {uid} ({user.kind.value})"
    values: Mapping[str, Any] = {
        "packages": facts.packages, "system packages": facts.system_packages, "backup": facts.backup,
        "backup setting": facts.backup_setting, "contacts": facts.contacts, "media": facts.media,
        "storage": facts.storage,
        **{f"appops of {p}": ops for p, ops in facts.appops.items()},
        **{f"setting {key}": value for key, value in facts.settings.items()},
    }
    if not user.shell_access:
        for name, value in values.items():
            check.unknown(f"{where} {name}", value, Gap.USER_RESTRICTED)
        return
    installed = {name for name, package in state.packages.items() if package.installed_in(uid)}
    check.equal(f"{where} packages", {p.package for p in facts.packages} if is_known(facts.packages)
                else facts.packages, installed)
    check.equal(f"{where} system packages", facts.system_packages,
                frozenset(name for name in installed if state.packages[name].system))
    check.equal(f"{where} backup setting", facts.backup_setting, state.secure_settings(uid).get("backup_enabled"))
    check.equal(f"{where} backup", facts.backup, _backup(state, uid))
    check.equal(f"{where} contacts", facts.contacts,
                ContactStats({t: n for t, n in state.contacts.get(uid, {}).items() if n}))
    for key, value in facts.settings.items():
        namespace, _, name = key.partition(":")
        table = state.settings_secure if namespace == "secure" else state.settings_system
        check.equal(f"{where} setting {key}", value, _setting(table.get(uid, {}).get(name)))
    for package in WHATSAPP_PACKAGES:
        ops = facts.appops[package]
        state_user = state.packages[package].users.get(uid) if package in state.packages else None
        if state_user is None or not state_user.installed:
            check.equal(f"{where} appops of {package}", ops, Unknown)
            continue
        check.equal(f"{where} appops of {package}", set(ops) if is_known(ops) else ops,
                    {AppOp(op, mode, uid_level=True) for op, mode in state_user.uid_modes.items()}
                    | {AppOp(op, entry.mode) for op, entry in state_user.appops.items()})
    root = commands.storage_root(uid)
    if uid == min(state.users):  # the shell sees the storage of the first user only
        check.equal(f"{where} storage", (facts.storage.paths, facts.storage.missing, facts.storage.denied)
                    if is_known(facts.storage) else facts.storage, ((root,), False, False))
        check.equal(f"{where} media", facts.media, media_trees(phone, uid))
    elif state.sdk >= R:  # Android 11+: the shell's view of storage has no other user
        check.equal(f"{where} storage missing", getattr(facts.storage, "missing", facts.storage), True)
        check.equal(f"{where} media present", [t.present for t in facts.media] if is_known(facts.media)
                    else facts.media, [False] * len(commands.MEDIA_TREES))
    else:  # Android 8-10: there, but refused
        check.unknown(f"{where} media", facts.media, Gap.PERMISSION_DENIED)


@fuzz_settings(500)
@given(data=personas())
def test_facts_are_the_state_the_phone_was_built_from(data: dict[str, Any]) -> None:
    phone = phone_of(persona_from_data(data, "<generated>"), "FUZZ0001")
    capture = collect.collect(InProcessPhone(phone), phone.serial, timeout=30)
    assert capture.incomplete is None, capture.incomplete_detail
    facts = facts_from_capture(capture)
    state = phone.android.state
    check = Comparison()
    compare_device(check, facts, state)
    check.equal("users read", sorted(facts.per_user), sorted(state.users))
    for user_facts in facts.per_user.values():
        compare_user(check, phone, user_facts, state)
    assert check.differences == []


def test_accounts_masked_alike_are_counted_one_by_one() -> None:
    """Found by this fuzzing: the collector masks account names before parsing, and the parser
    dropped lines whose name and type were equal, so two Google accounts of one domain
    (``***@example.com`` twice) counted as one and device-dedicated passed a phone with two."""
    data = {"name": "two-google-accounts", "device": {"oem": "google", "android": "14"},
            "users": [{"id": 0, "kind": "system", "accounts": {"com.google": 2, "com.whatsapp": 2}}]}
    capture = collect.collect(InProcessPhone(phone_of(persona_from_data(data), "FUZZ0002")), "FUZZ0002", 30)
    dump = capture.get(commands.DUMPSYS_ACCOUNT).output
    assert dump.count("Account {name=***@example.com, type=com.google}") == 2
    facts = facts_from_capture(capture)
    assert facts.accounts == {0: AccountSummary(0, {"com.google": 2, "com.whatsapp": 2})}
    dedicated = next(r for r in evaluate_device(facts, load_profile("baseline")) if r.check == "device-dedicated")
    assert dedicated.outcome is Outcome.FAIL
