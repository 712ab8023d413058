"""The permission service: grant, revoke and flag changes with each generation's rules.

``pm grant``/``revoke``/``set-permission-flags`` call these; the persona builder uses the same
:func:`apply_grant` so a persona's grants and a shell's grants end in the same state (including the
app-op that Android 11+ keeps in sync with the permission).

The checks run in AOSP's order, and each generation answers a failed check its own way:

===================================  ============================  ==================  ===============
case                                 8-9                           10-13               14+ (Kotlin)
===================================  ============================  ==================  ===============
user that does not exist             log only, exit 0              log only            log only
OEM switch off (Xiaomi, ColorOS)     SecurityException "Neither user 2000 nor current process has
                                     android.permission.GRANT_/REVOKE_RUNTIME_PERMISSIONS."
package on no user of the phone      IAE "Unknown package: P"      log only, exit 0    log only
package not installed in that user   IAE "Unknown package: P"      IAE (the same)      log only
permission the release lacks         IAE "Unknown permission: X"   (the same)          "...permission X"
normal/signature permission          SecurityException "... is not a changeable permission type"
not requested by the package         SecurityException "Package P has not requested  log only, exit 0
                                     permission X"
grant of SYSTEM_/POLICY_FIXED        SecurityException             log only            log only
revoke of SYSTEM_/POLICY_FIXED       SecurityException             SecurityException   log only
===================================  ============================  ==================  ===============

Up to 11 "not requested" is checked before "not changeable", from 12 after it.  Granting or
revoking changes only the grant (and the app-op), never the flags; ``set-permission-flags`` changes
only the flags it names.  Sources: AOSP ``PackageManagerService.grantRuntimePermission`` (8),
``PermissionManagerService.grant/revokeRuntimePermission`` (9, 10),
``grant/revokeRuntimePermissionInternal`` and ``updatePermissionFlagsInternal`` (11-13),
``com.android.server.permission.access.permission.PermissionService.setRuntimePermissionGranted``
and ``updatePermissionFlags`` (14+); android-facts §2.2, §2.3.
"""

from __future__ import annotations

from wa_harden.virtual.android.catalog import op_for_permission
from wa_harden.virtual.android.output import JavaError, illegal_argument, security, user_access_error
from wa_harden.virtual.android.platform_permissions import DANGEROUS, permission_def
from wa_harden.virtual.android.state import AndroidState, Grant, P, Package, Q, R, S, U

_PMS = "com.android.server.pm.PackageManagerService"
_PERMISSION_MANAGER = "com.android.server.pm.permission.PermissionManagerService"
_PERMISSION_SERVICE = "com.android.server.permission.access.permission.PermissionService"
_SHELL = "com.android.server.pm.PackageManagerShellCommand"
_ENFORCE = (
    "android.app.ContextImpl.enforce(ContextImpl.java:2240)",
    "android.app.ContextImpl.enforceCallingOrSelfPermission(ContextImpl.java:2268)",
)

GRANT_PERMISSION = "android.permission.GRANT_RUNTIME_PERMISSIONS"
REVOKE_PERMISSION = "android.permission.REVOKE_RUNTIME_PERMISSIONS"

def _frames(sdk: int, method: str) -> tuple[str, ...]:
    if sdk >= U:
        service = f"{_PERMISSION_SERVICE}.{method}(PermissionService.kt:1542)"
    elif sdk >= P:
        service = f"{_PERMISSION_MANAGER}.{method}(PermissionManagerService.java:1423)"
    else:
        service = f"{_PMS}.{method}(PackageManagerService.java:5324)"
    runner = "runSetPermissionFlags" if method == "updatePermissionFlags" else "runGrantRevokePermission"
    return (
        service,
        f"{_SHELL}.{runner}(PackageManagerShellCommand.java:2651)",
        f"{_SHELL}.onCommand(PackageManagerShellCommand.java:266)",
    )


def apply_grant(state: AndroidState, package: Package, user_id: int, permission: str, granted: bool) -> None:
    """Change a runtime grant and, on Android 11+, the app-op Android keeps in sync with it."""
    grant = package.user_state(user_id).runtime.setdefault(permission, Grant())
    grant.granted = granted
    op = op_for_permission(permission)
    if op is None or state.sdk < R:
        return
    uid_modes = package.user_state(user_id).uid_modes
    if granted:
        uid_modes.pop(op, None)  # back to the default mode, which is not printed
    else:
        uid_modes[op] = "ignore"


def check_user(state: AndroidState, user_id: int, *frames: str) -> None:
    """Raise what Android raises when the shell names a user it may not touch."""
    user = state.user(user_id)
    if user is not None and not user.shell_access:
        raise user_access_error(user_id, *frames)


def oem_refusal(state: AndroidState, message: str, *frames: str) -> None:
    """Raise the SecurityException of an OEM that withholds a permission from the shell while its
    developer switch is off (MIUI/HyperOS, ColorOS/OxygenOS: the shell fails the permission check
    AOSP makes, so the message is AOSP's own for that check)."""
    if state.oem_blocks_shell():
        raise security(message, *frames)


def _missing_permission(method: str, permission: str) -> str:
    """``Context.enforceCallingOrSelfPermission``'s message for the shell (uid 2000)."""
    return f"{method}: Neither user 2000 nor current process has {permission}."


def _unknown_permission(sdk: int, permission: str, *frames: str) -> JavaError:
    text = f"Unknown permission {permission}" if sdk >= U else f"Unknown permission: {permission}"
    return illegal_argument(text, *frames)


def _visible(package: Package | None, user_id: int) -> bool:
    return package is not None and package.installed_in(user_id)


def _requested(package: Package, user_id: int, permission: str) -> bool:
    """Requested by the manifest, or with a permission state of its own (AOSP's
    ``hasPermissionState``; 14's ``oldFlags != 0``)."""
    state = package.users.get(user_id)
    return permission in package.requested or bool(state and permission in state.runtime)


def change_grant(
    state: AndroidState, package_name: str, permission: str, user_id: int, grant: bool
) -> None:
    """``pm grant`` (``grant=True``) or ``pm revoke``: change state or raise the JavaError Android throws."""
    sdk = state.sdk
    method = "grantRuntimePermission" if grant else "revokeRuntimePermission"
    frames = _frames(sdk, method)
    if state.user(user_id) is None:
        return  # "No such user" / "Unknown user" in logcat only
    refusal = _missing_permission(method, GRANT_PERMISSION if grant else REVOKE_PERMISSION)
    if sdk >= U:  # the Kotlin service checks the user first, then the caller's permission
        check_user(state, user_id, *frames)
        oem_refusal(state, refusal, *_ENFORCE, *frames)
    else:
        oem_refusal(state, refusal, *_ENFORCE, *frames)
        check_user(state, user_id, *frames)
    package = state.packages.get(package_name)
    definition = permission_def(permission, sdk)
    if sdk < Q and definition is None:  # 8-9 look the permission up before the package's visibility
        if package is None:
            raise illegal_argument(f"Unknown package: {package_name}", *frames)
        raise _unknown_permission(sdk, permission, *frames)
    if package is None or not _visible(package, user_id):
        if sdk >= U or (package is None and sdk >= Q):
            return  # "Unknown package" in logcat only
        raise illegal_argument(f"Unknown package: {package_name}", *frames)
    if definition is None:
        raise _unknown_permission(sdk, permission, *frames)
    requested = _requested(package, user_id, permission)
    not_requested = security(f"Package {package_name} has not requested permission {permission}", *frames)
    if sdk < S and not requested:
        raise not_requested
    if not definition.changeable:
        if sdk <= 27:
            raise security(f"Permission {permission} is not a changeable permission type", *frames)
        raise security(
            f"Permission {permission} requested by {package_name} is not a changeable permission type", *frames
        )
    if not requested:
        if sdk >= U:
            return  # "Permission X isn't requested by package P" in logcat only
        raise not_requested
    if definition.protection == DANGEROUS and package.target_sdk < 23:
        return  # a legacy app's runtime permissions are always granted; nothing changes
    current = package.user_state(user_id).runtime.get(permission)
    flags = current.flags if current else set()
    verb = "grant" if grant else "revoke"
    for flag, kind in (("SYSTEM_FIXED", "system"), ("POLICY_FIXED", "policy")):
        if flag not in flags:
            continue
        if sdk >= U or (grant and sdk >= Q):
            return  # "Cannot change/grant ... fixed permission" in logcat only
        prefix = "Non-System UID cannot" if kind == "system" and not grant else "Cannot"
        raise security(f"{prefix} {verb} {kind} fixed permission {permission} for package {package_name}", *frames)
    apply_grant(state, package, user_id, permission, grant)


def change_flags(
    state: AndroidState, package_name: str, permission: str, user_id: int, flags: list[str], set_them: bool
) -> None:
    """``pm set-permission-flags`` / ``clear-permission-flags`` (Android 11+): only the named flags
    change; the grant does not."""
    sdk = state.sdk
    frames = _frames(sdk, "updatePermissionFlags")
    if state.user(user_id) is None:
        return
    if sdk >= U:
        check_user(state, user_id, *frames)
        oem_refusal(state, "updatePermissionFlags: Neither user 2000 nor current process has any of "
                    f"{GRANT_PERMISSION}, {REVOKE_PERMISSION}", *frames)
    else:  # enforceGrantRevokeRuntimePermissionPermissions, then enforceCrossUserPermission
        oem_refusal(state, f"updatePermissionFlags requires {GRANT_PERMISSION} or {REVOKE_PERMISSION}", *frames)
        check_user(state, user_id, *frames)
    package = state.packages.get(package_name)
    if package is None or not _visible(package, user_id):
        if sdk >= U or package is None:
            return  # "Unknown package" in logcat only
        raise illegal_argument(f"Unknown package: {package_name}", *frames)
    definition = permission_def(permission, sdk)
    if definition is None:
        raise _unknown_permission(sdk, permission, *frames)
    if not _requested(package, user_id, permission):
        return  # "Permission X isn't requested by package P" in logcat only, every version
    if definition.protection != DANGEROUS:
        return  # an install permission's flags: not shown by any simulated command
    values = set(flags) - {"REVIEW_REQUIRED"}  # only the system may set REVIEW_REQUIRED
    grant = package.user_state(user_id).runtime.setdefault(permission, Grant())
    if set_them:
        grant.flags = (grant.flags - set(flags)) | values
    else:
        grant.flags -= set(flags)


__all__ = ["JavaError", "apply_grant", "change_flags", "change_grant", "check_user", "oem_refusal"]
