"""``settings`` (``cmd settings``): global, per-user secure and per-user system settings.

``settings secure backup_enabled`` is the same switch ``bmgr enable`` flips.

Writing a secure or global setting needs WRITE_SECURE_SETTINGS, which Xiaomi (MIUI/HyperOS, until
"USB debugging (Security settings)" is on) and OPPO/OnePlus/realme (until "Disable permission
monitoring" is on) withhold from the shell: ``SettingsProvider.enforceWritePermission`` throws
"Permission denial: writing to settings requires:android.permission.WRITE_SECURE_SETTINGS" (real
traces: songhanghang/auto_set_proxy#1, whyakari/TermuxDisableProcces#1 on a Poco M3,
mosmetro-android#248 on a Xiaomi Mi 12, appium#13802 on a Realme 3 Pro, fixed by the switch).
Reading stays allowed.  A system setting is written without that permission (the shell passes
``checkAndNoteWriteSettingsOperation`` with WRITE_SETTINGS), so it is not refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from wa_harden.virtual.android.output import (
    JavaError,
    UsageError,
    fail,
    lines,
    ok,
    parse_user,
    shell_command_failure,
    take_option,
)
from wa_harden.virtual.android.permissions import check_user, oem_refusal
from wa_harden.virtual.android.state import AndroidState
from wa_harden.virtual.api import CommandResult, ShellContext

USAGE = """Settings provider (settings) commands:
  get [--user <USER_ID> | current] NAMESPACE KEY
  put [--user <USER_ID> | current] NAMESPACE KEY VALUE [TAG] [default]
  delete [--user <USER_ID> | current] NAMESPACE KEY
  list [--user <USER_ID> | current] NAMESPACE
"""

_SERVICE = "com.android.providers.settings.SettingsService$MyShellCommand"
_PROVIDER = "com.android.providers.settings.SettingsProvider"
_FRAMES = (f"{_SERVICE}.onCommand(SettingsService.java:283)",)
_WRITE_REFUSED = "Permission denial: writing to settings requires:android.permission.WRITE_SECURE_SETTINGS"


def _write_frames(command: str, namespace: str) -> tuple[str, ...]:
    """The stack of a refused write, as the real traces show it (put: insert<Table>Setting)."""
    table = namespace.capitalize()
    action, shell = ("delete", "deleteForUser") if command == "delete" else ("insert", "putForUser")
    if command == "reset":
        action, shell = "reset", "resetForUser"
    return (
        f"{_PROVIDER}.enforceWritePermission(SettingsProvider.java:2272)",
        f"{_PROVIDER}.mutate{table}Setting(SettingsProvider.java:1439)",
        f"{_PROVIDER}.{action}{table}Setting(SettingsProvider.java:1393)",
        f"{_PROVIDER}.call(SettingsProvider.java:450)",
        "android.content.ContentProvider.call(ContentProvider.java:2486)",
        "android.content.ContentProvider$Transport.call(ContentProvider.java:517)",
        f"{_SERVICE}.{shell}(SettingsService.java:382)",
        f"{_SERVICE}.onCommand(SettingsService.java:278)",
    )


def settings(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return settings_command(ctx.phone.state, list(argv[1:]))


def table(state: AndroidState, namespace: str, user_id: int) -> dict[str, str]:
    if namespace == "global":
        return state.settings_global
    if namespace == "secure":
        return state.secure_settings(user_id)
    if namespace == "system":
        return state.system_settings(user_id)
    raise UsageError(f"Invalid namespace '{namespace}'")


def settings_command(state: AndroidState, args: list[str]) -> CommandResult:
    command = "settings"
    try:
        user_arg = take_option(args, "--user")
        user_id = parse_user(user_arg) if user_arg is not None else 0
        if not args or args[0] in ("help", "-h"):
            return ok(USAGE)
        command, rest = args[0], args[1:]
        if command not in ("get", "put", "delete", "list", "reset"):
            return fail(USAGE, 255)
        if not rest:
            raise UsageError("Invalid table; no put or get")
        check_user(state, user_id, *_FRAMES)
        values = table(state, rest[0], user_id)
        secure_write = rest[0] in ("global", "secure")
        if command == "list":
            return ok(lines(f"{key}={values[key]}" for key in sorted(values)))
        if len(rest) < 2:
            raise UsageError("Invalid arguments: no key given")
        key = rest[1]
        if command == "get":
            return ok(values.get(key, "null") + "\n")
        if command == "put":
            if len(rest) < 3:
                raise UsageError("Invalid arguments: no value given")
            if secure_write:
                oem_refusal(state, _WRITE_REFUSED, *_write_frames(command, rest[0]))
            values[key] = rest[2]
            return ok()
        if secure_write and command in ("delete", "reset"):
            oem_refusal(state, _WRITE_REFUSED, *_write_frames(command, rest[0]))
        if command == "delete":
            return ok(f"Deleted {1 if values.pop(key, None) is not None else 0} rows\n")
        return ok()
    except UsageError as error:
        return fail(f"{error}\n", 255)
    except JavaError as error:
        return shell_command_failure(state.sdk, command, error)
