"""``appops get|set|query-op`` (``cmd appops``): per-package app-op modes, uid-level entries first.

``query-op [--user N] OP [MODE]`` is AppOpsService's shell: ``getPackagesForOps([OP])`` gives every
package (of every user, in uid order: ``--user`` is parsed but not used) with a package-level entry
for OP; each whose entry has MODE (default ``ignore``) is printed, one name per line.  No entry for
OP anywhere prints ``No operations.``; entries but no match print nothing.  Both exit 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from wa_harden.virtual.android.catalog import APPOP_MODES, known_ops
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
from wa_harden.virtual.android.permissions import check_user
from wa_harden.virtual.android.state import AndroidState, AppOp, PackageUser
from wa_harden.virtual.api import CommandResult, ShellContext

# Op code order, which is the order ``appops get`` prints in.
OP_ORDER = (
    "COARSE_LOCATION", "FINE_LOCATION", "GPS", "VIBRATE", "READ_CONTACTS", "WRITE_CONTACTS",
    "READ_CALL_LOG", "WRITE_CALL_LOG", "POST_NOTIFICATION", "CALL_PHONE", "READ_SMS", "SEND_SMS",
    "WRITE_SETTINGS", "SYSTEM_ALERT_WINDOW", "CAMERA", "RECORD_AUDIO", "READ_CLIPBOARD",
    "WRITE_CLIPBOARD", "WAKE_LOCK", "GET_USAGE_STATS", "TOAST_WINDOW", "READ_PHONE_STATE",
    "GET_ACCOUNTS", "RUN_IN_BACKGROUND", "READ_EXTERNAL_STORAGE", "WRITE_EXTERNAL_STORAGE",
    "REQUEST_INSTALL_PACKAGES", "PICTURE_IN_PICTURE", "USE_FINGERPRINT", "RUN_ANY_IN_BACKGROUND",
    "LEGACY_STORAGE", "ACCESS_MEDIA_LOCATION", "USE_BIOMETRIC", "MANAGE_EXTERNAL_STORAGE",
    "NO_ISOLATED_STORAGE", "AUTO_REVOKE_PERMISSIONS_IF_UNUSED", "READ_MEDIA_AUDIO",
    "READ_MEDIA_VIDEO", "READ_MEDIA_IMAGES", "READ_MEDIA_VISUAL_USER_SELECTED",
)
# Ops whose default mode is "default" rather than "allow" (special-access ops).
_DEFAULT_MODE_DEFAULT = {"SYSTEM_ALERT_WINDOW", "GET_USAGE_STATS", "REQUEST_INSTALL_PACKAGES", "MANAGE_EXTERNAL_STORAGE"}

_FRAMES = ("com.android.server.appop.AppOpsService$Shell.parseUserPackageOp(AppOpsService.java:5671)",)


def format_duration(seconds: int) -> str:
    """``TimeUtils.formatDuration``: +1d2h3m4s5ms with leading zero units left out."""
    millis = (seconds * 7) % 1000
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = "+"
    started = False
    for value, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")):
        if value or started:
            text += f"{value}{unit}"
            started = True
    return text + f"{millis}ms"


def default_mode(op: str) -> str:
    return "default" if op in _DEFAULT_MODE_DEFAULT else "allow"


def appops(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return appops_command(ctx.phone.state, list(argv[1:]))


def appops_command(state: AndroidState, args: list[str]) -> CommandResult:
    if not args or args[0] in ("help", "-h"):
        return ok("AppOps service (appops) commands:\n  get [--user <USER_ID>] <PACKAGE | UID> [<OP>]\n"
                  "  set [--user <USER_ID>] <[--uid] PACKAGE | UID> <OP> <MODE>\n"
                  "  query-op [--user <USER_ID>] <OP> [<MODE>]\n")
    command = args[0]
    try:
        if command == "get":
            return _get(state, args[1:])
        if command == "set":
            return _set(state, args[1:])
        if command == "query-op":
            return _query_op(state, args[1:])
    except UsageError as error:
        return fail(f"{error}\n", 255)
    except JavaError as error:
        return shell_command_failure(state.sdk, command, error)
    return fail("", 255, stdout=f"Unknown command: {command}\n")


def _target(state: AndroidState, args: list[str]) -> tuple[list[str], PackageUser]:
    user_arg = take_option(args, "--user")
    take_option(args, "--attribution")
    rest = [a for a in args if a != "--uid"]
    user_id = parse_user(user_arg) if user_arg is not None else 0
    if not rest:
        raise UsageError("Error: Package name not specified.")
    check_user(state, user_id, *_FRAMES)
    package = state.packages.get(rest[0])
    if package is None or not package.installed_in(user_id):
        raise UsageError(f"Error: No UID for {rest[0]} in user {user_id}")
    return rest[1:], package.user_state(user_id)


def _check_op(state: AndroidState, op: str) -> None:
    if op not in known_ops(state.sdk):
        raise UsageError(f"Error: Unknown operation string: {op}")


def _get(state: AndroidState, args: list[str]) -> CommandResult:
    rest, target = _target(state, list(args))
    only = rest[0] if rest else None
    if only is not None:
        _check_op(state, only)
    rank = {op: index for index, op in enumerate(OP_ORDER)}

    def order(op: str) -> tuple[int, str]:
        return rank.get(op, len(rank)), op

    rows = [f"Uid mode: {op}: {mode}" for op, mode in sorted(target.uid_modes.items(), key=lambda i: order(i[0]))
            if only in (None, op)]
    for op in sorted(target.appops, key=order):
        if only not in (None, op):
            continue
        entry = target.appops[op]
        row = f"{op}: {entry.mode}"
        if entry.seconds_ago is not None:
            row += f"; time={format_duration(entry.seconds_ago)} ago"
        rows.append(row)
    if not rows:
        text = "No operations.\n"
        if only is not None:
            text += f"Default mode: {default_mode(only)}\n"
        return ok(text)
    return ok(lines(rows))


def _query_op(state: AndroidState, args: list[str]) -> CommandResult:
    rest = list(args)
    user_arg = take_option(rest, "--user")
    if user_arg is not None:
        parse_user(user_arg)  # parsed, then not used: the answer covers every user
    if not rest:
        raise UsageError("Error: Operation not specified.")
    op = rest[0]
    _check_op(state, op)
    mode = rest[1] if len(rest) > 1 else "ignore"
    if mode not in APPOP_MODES:
        raise UsageError(f"Error: Mode {mode} is not valid")
    entries = [
        (package.uid(user_id), package.name, entry.mode)
        for package in state.packages.values()
        for user_id, user_state in package.users.items()
        if user_state.installed and (entry := user_state.appops.get(op)) is not None
    ]
    if not entries:
        return ok("No operations.\n")
    return ok(lines(name for _uid, name, found in sorted(entries) if found == mode))


def _set(state: AndroidState, args: list[str]) -> CommandResult:
    rest, target = _target(state, list(args))
    if not rest:
        raise UsageError("Error: Operation not specified.")
    op = rest[0]
    _check_op(state, op)
    if len(rest) < 2:
        raise UsageError("Error: Mode not specified.")
    mode = rest[1]
    if mode not in APPOP_MODES:
        raise UsageError(f"Error: Mode {mode} is not valid")
    if mode == "default":
        target.appops.pop(op, None)
        return ok()
    previous = target.appops.get(op)
    target.appops[op] = AppOp(mode, seconds_ago=previous.seconds_ago if previous else None)
    return ok()
