"""``dpm`` (Java tool up to 11, ``cmd device_policy`` from 12) and ``dumpsys device_policy``."""

from __future__ import annotations

from collections.abc import Sequence

from wa_harden.virtual.android.output import fail, lines, ok
from wa_harden.virtual.android.state import AndroidState, S, T, UserKind
from wa_harden.virtual.api import CommandResult, ShellContext

JAVA_DPM_USAGE = """usage: dpm [subcommand] [options]
usage: dpm set-active-admin [ --user <USER_ID> | current ] <COMPONENT>
usage: dpm set-device-owner [ --user <USER_ID> | current *EXPERIMENTAL* ] [ --name <NAME> ] <COMPONENT>
usage: dpm set-profile-owner [ --user <USER_ID> | current ] [ --name <NAME> ] <COMPONENT>
usage: dpm remove-active-admin [ --user <USER_ID> | current ] [ --name <NAME> ] <COMPONENT>

dpm set-active-admin: Sets the given component as active admin for an existing user.

dpm set-device-owner: Sets the given component as active admin, and its package as device owner.

dpm set-profile-owner: Sets the given component as active admin and profile owner for an existing user.

dpm remove-active-admin: Disables an active admin, the admin must have declared android:testOnly in the application in its manifest. This will also remove device and profile owners.
"""

_POLICIES = ("wipe-data", "reset-password", "limit-password", "watch-login", "force-lock",
             "expire-password", "encrypted-storage", "disable-camera", "disable-keyguard-features")


def dpm(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return dpm_command(ctx.phone.state, list(argv[1:]))


def dpm_command(state: AndroidState, args: list[str]) -> CommandResult:
    """``dpm``: on 8-11 the Java tool (usage + error on stderr, exit 1) knows no list-owners."""
    command = args[0] if args else None
    if state.sdk < S:
        if command is None:
            return fail(JAVA_DPM_USAGE, 1)
        if command in ("set-active-admin", "set-device-owner", "set-profile-owner", "remove-active-admin"):
            return fail("Error: java.lang.SecurityException: Neither user 2000 nor current process has "
                        "android.permission.MANAGE_DEVICE_ADMINS.\n", 1)
        return fail(f"{JAVA_DPM_USAGE}\nError: unknown command '{command}'\n", 1)
    if command == "list-owners":
        return ok(list_owners(state))
    if command in (None, "help", "-h"):
        return ok("Device policy manager (device_policy) commands:\n  help\n  list-owners\n")
    return fail("", 255, stdout=f"Unknown command: {command}\n")


def list_owners(state: AndroidState) -> str:
    owners = state.owners
    rows: list[tuple[int, str]] = []
    if owners.device_owner:
        rows.append((owners.device_owner_user, f"{owners.device_owner},DeviceOwner"))
    for user_id, component in sorted(owners.profile_owners.items()):
        text = f"{component},ProfileOwner"
        user = state.user(user_id)
        if state.sdk >= T and user is not None and user.kind is UserKind.WORK_PROFILE:
            text += ",ManagedProfileOwner(parentUserId=0)"
        rows.append((user_id, text))
    if not rows:
        return "none\n" if state.sdk < T else "no owners\n"
    header = "1 owner:" if len(rows) == 1 else f"{len(rows)} owners:"
    return lines([header] + [f"User {user_id:2d}: admin={text}" for user_id, text in rows])


def component_info(component: str) -> str:
    """``com.example.mdm/.AdminReceiver`` -> ``ComponentInfo{com.example.mdm/com.example.mdm.AdminReceiver}``."""
    package, cls = component.split("/", 1)
    if cls.startswith("."):
        cls = package + cls
    return f"ComponentInfo{{{package}/{cls}}}"


def dumpsys_device_policy(state: AndroidState) -> str:
    owners = state.owners
    rows = [
        "Current Device Policy Manager state:",
        "  Immutable state:",
        "    mHasFeature=true",
        "    mIsWatch=false",
        "    mIsAutomotive=false",
        "    mHasTelephonyFeature=true",
        "    mSafetyChecker=null",
    ]
    if owners.device_owner:
        rows += _owner_block("  Device Owner: ", owners.device_owner, organization_owned=True)
        rows += [f"    User ID: {owners.device_owner_user}", ""]
    for user_id, component in sorted(owners.profile_owners.items()):
        rows += _owner_block(f"  Profile Owner (User {user_id}): ", component, organization_owned=False) + [""]
    rows += ["", ""]
    for user_id in sorted(state.users):
        admins = []
        if owners.device_owner and owners.device_owner_user == user_id:
            admins.append(owners.device_owner)
        if user_id in owners.profile_owners:
            admins.append(owners.profile_owners[user_id])
        provisioning = 3 if admins else 0
        rows.append(f"  Enabled Device Admins (User {user_id}, provisioningState: {provisioning}):")
        for component in admins:
            package = state.packages.get(component.split("/")[0])
            uid = package.uid(user_id) if package else 10000
            rows += [f"    {component}:", f"      uid={uid}", "      testOnlyAdmin=false", "      policies:"]
            rows += [f"        {policy}" for policy in _POLICIES]
            rows += ["      passwordQuality=0x0", "      minimumPasswordLength=0", "      maximumFailedPasswordsForWipe=10",
                     "      disableCallerId=false", "      disableContactsSearch=false", "      isParent=false"]
        rows += ["    mPasswordOwner=-1", ""]
    rows += ["Encryption Status: per-user" if state.build.crypto_type == "file" else "Encryption Status: active"]
    return lines(rows)


def _owner_block(title: str, component: str, organization_owned: bool) -> list[str]:
    return [
        title,
        f"    admin={component_info(component)}",
        "    name=",
        f"    package={component.split('/')[0]}",
        f"    isOrganizationOwnedDevice={'true' if organization_owned else 'false'}",
    ]
