"""The permission service: grant, revoke and flag changes with each generation's rules.

``pm grant``/``revoke``/``set-permission-flags`` call these; the persona builder uses the same
:func:`apply_grant` so a persona's grants and a shell's grants end in the same state (including the
app-op that Android 11+ keeps in sync with the permission).

Rules (android-facts §2.2, §8):

* unknown package / permission -> IllegalArgumentException (text differs from Android 14 on);
* a normal permission -> SecurityException "not a changeable permission type";
* a permission the app did not request -> SecurityException before 14, silently ignored from 14;
* a SYSTEM_FIXED or POLICY_FIXED permission -> SecurityException before 14, silently ignored from 14;
* Xiaomi and ColorOS refuse the shell until their developer switch is on.
"""

from __future__ import annotations

from wa_harden.virtual.android.catalog import (
    NORMAL_PERMISSIONS,
    RUNTIME_PERMISSIONS,
    op_for_permission,
)
from wa_harden.virtual.android.output import JavaError, illegal_argument, security, user_access_error
from wa_harden.virtual.android.state import AndroidState, Grant, Package, R, U

_PMS = "com.android.server.pm.permission.PermissionManagerService"
_PERMISSION_SERVICE = "com.android.server.permission.access.permission.PermissionService"
_SHELL = "com.android.server.pm.PackageManagerShellCommand"


def _frames(sdk: int, method: str) -> tuple[str, ...]:
    if sdk >= U:
        service = f"{_PERMISSION_SERVICE}.{method}(PermissionService.kt:1542)"
    else:
        service = f"{_PMS}.{method}(PermissionManagerService.java:1423)"
    return (
        service,
        f"{_SHELL}.runGrantRevokePermission({_SHELL.rsplit('.', 1)[1]}.java:2651)",
        f"{_SHELL}.onCommand({_SHELL.rsplit('.', 1)[1]}.java:266)",
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


def change_grant(
    state: AndroidState, package_name: str, permission: str, user_id: int, grant: bool
) -> None:
    """``pm grant`` (``grant=True``) or ``pm revoke``: change state or raise the JavaError Android throws."""
    sdk = state.sdk
    method = "grantRuntimePermission" if grant else "revokeRuntimePermission"
    frames = _frames(sdk, method)
    if state.oem_blocks_grants():
        raise security(
            f"{method}: Neither user 2000 nor current process has android.permission.GRANT_RUNTIME_PERMISSIONS.",
            *frames,
        )
    check_user(state, user_id, *frames)
    package = state.packages.get(package_name)
    if package is None or not package.installed_in(user_id):
        text = f"Unknown package {package_name}" if sdk >= U else f"Unknown package: {package_name}"
        raise illegal_argument(text, *frames)
    if permission not in RUNTIME_PERMISSIONS and permission not in NORMAL_PERMISSIONS:
        text = f"Unknown permission {permission}" if sdk >= U else f"Unknown permission: {permission}"
        raise illegal_argument(text, *frames)
    if permission not in package.requested:
        if sdk >= U:
            return  # Android 14+: only a logcat line, exit 0
        raise security(f"Package {package_name} has not requested permission {permission}", *frames)
    if permission in NORMAL_PERMISSIONS:
        if sdk <= 27:
            raise security(f"Permission {permission} is not a changeable permission type", *frames)
        raise security(
            f"Permission {permission} requested by {package_name} is not a changeable permission type", *frames
        )
    current = package.user_state(user_id).runtime.get(permission)
    flags = current.flags if current else set()
    if "SYSTEM_FIXED" in flags or "POLICY_FIXED" in flags:
        if sdk >= U:
            return  # Android 14+: "Cannot change system fixed permission" in logcat, exit 0
        if "SYSTEM_FIXED" in flags:
            verb = "grant" if grant else "revoke"
            raise security(
                f"Non-System UID cannot {verb} system fixed permission {permission} for package {package_name}",
                *frames,
            )
        verb = "grant" if grant else "revoke"
        raise security(f"Cannot {verb} policy fixed permission {permission} for package {package_name}", *frames)
    apply_grant(state, package, user_id, permission, grant)


def change_flags(
    state: AndroidState, package_name: str, permission: str, user_id: int, flags: list[str], set_them: bool
) -> None:
    """``pm set-permission-flags`` / ``clear-permission-flags`` (Android 11+)."""
    frames = _frames(state.sdk, "updatePermissionFlags")
    check_user(state, user_id, *frames)
    package = state.packages.get(package_name)
    if package is None or not package.installed_in(user_id):
        raise illegal_argument(f"Unknown package: {package_name}", *frames)
    if permission not in RUNTIME_PERMISSIONS and permission not in NORMAL_PERMISSIONS:
        raise illegal_argument(f"Unknown permission: {permission}", *frames)
    if permission not in package.requested:
        if state.sdk >= U:
            return
        raise security(f"Package {package_name} has not requested permission {permission}", *frames)
    grant = package.user_state(user_id).runtime.setdefault(permission, Grant())
    if set_them:
        grant.flags |= set(flags)
    else:
        grant.flags -= set(flags)


__all__ = ["JavaError", "apply_grant", "change_flags", "change_grant", "check_user"]
