"""``pm`` and ``cmd package``: list packages/users, grant/revoke, permission flags, path, dump.

Android 8 still runs the Java ``Pm`` tool: grant/revoke fail with ``Bad argument:`` /
``Operation not allowed:`` and exit 1, while ``list`` is forwarded to ``cmd package`` and exits 0
whatever happens.  From Android 9 ``pm`` *is* ``cmd package`` and fails with the ShellCommand
banners (output.py).  From 13 ``list packages`` without ``--user`` means all users, and one profile
that refuses the shell makes the whole listing fail.
"""

from __future__ import annotations

from collections.abc import Sequence

from wa_harden.virtual.android.catalog import SHELL_PERMISSION_FLAGS, USER_TYPES, user_flag_names
from wa_harden.virtual.android.dumpsys_package import render_pm_dump
from wa_harden.virtual.android.output import (
    EXIT_PM_JAVA,
    JavaError,
    UsageError,
    array_map_order,
    fail,
    hash_map_order,
    lines,
    ok,
    parse_user,
    pm_is_java,
    shell_command_failure,
    take_option,
)
from wa_harden.virtual.android.permissions import change_flags, change_grant, check_user
from wa_harden.virtual.android.state import AndroidState, Package, R, T, U
from wa_harden.virtual.api import CommandResult, ShellContext

_SHELL_FRAMES = (
    "com.android.server.pm.PackageManagerShellCommand.translateUserId(PackageManagerShellCommand.java:3517)",
    "com.android.server.pm.PackageManagerShellCommand.runListPackages(PackageManagerShellCommand.java:969)",
    "com.android.server.pm.PackageManagerShellCommand.onCommand(PackageManagerShellCommand.java:210)",
)

JAVA_PM_USAGE = """usage: pm path [--user USER_ID] PACKAGE
       pm dump PACKAGE
       pm install [-lrtsfd] [-i PACKAGE] [--user USER_ID] [PATH]
       pm uninstall [-k] [--user USER_ID] [--versionCode VERSION_CODE] PACKAGE
       pm clear [--user USER_ID] PACKAGE
       pm enable [--user USER_ID] PACKAGE_OR_COMPONENT
       pm disable [--user USER_ID] PACKAGE_OR_COMPONENT
       pm grant [--user USER_ID] PACKAGE PERMISSION
       pm revoke [--user USER_ID] PACKAGE PERMISSION
       pm reset-permissions
       pm set-permission-enforced PERMISSION [true|false]
       pm list users
       pm list packages [-f] [-d] [-e] [-s] [-3] [-i] [-l] [-u] [-U] [--user USER_ID] [FILTER]

pm list packages: prints all packages, optionally only
  those whose package name contains the text in FILTER.
"""

CMD_PACKAGE_HELP = """Package manager (package) commands:
  help
    Print this help text.

  path [--user USER_ID] PACKAGE
  dump PACKAGE
  list packages [-f] [-d] [-e] [-s] [-3] [-i] [-l] [-u] [-U]
      [--show-versioncode] [--user USER_ID] [FILTER]
  list users
  grant [--user USER_ID] PACKAGE PERMISSION
  revoke [--user USER_ID] PACKAGE PERMISSION
"""


def pm(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    """``/system/bin/pm``: the Java tool on Android 8, ``cmd package`` from 9."""
    state: AndroidState = ctx.phone.state
    args = list(argv[1:])
    if not pm_is_java(state.sdk):
        return package_command(state, args)
    return _java_pm(state, args)


def package_command(state: AndroidState, args: list[str]) -> CommandResult:
    """``cmd package ...`` (and ``pm`` from Android 9)."""
    if not args or args[0] in ("help", "-h"):
        return ok(CMD_PACKAGE_HELP)
    command, rest = args[0], args[1:]
    try:
        if command == "list":
            return _list(state, rest)
        if command in ("grant", "revoke"):
            return _grant_revoke(state, command, rest)
        if command in ("set-permission-flags", "clear-permission-flags") and state.sdk >= R:
            return _permission_flags(state, command, rest)
        if command == "path":
            return _path(state, rest)
        if command == "dump":
            return ok(render_pm_dump(state, rest[0])) if rest else fail("Error: no package specified\n", 1)
    except UsageError as error:
        return fail(f"{error}\n", 1)
    except JavaError as error:
        return shell_command_failure(state.sdk, command, error)
    return fail("", 255, stdout=f"Unknown command: {command}\n")


def _java_pm(state: AndroidState, args: list[str]) -> CommandResult:
    """Android 8's Java ``Pm``: grant/revoke locally (exit 1 on errors); the rest via cmd package."""
    if not args:
        return fail(JAVA_PM_USAGE, EXIT_PM_JAVA)
    command = args[0]
    if command in ("grant", "revoke"):
        try:
            _grant_revoke(state, command, args[1:])
        except UsageError as error:
            return fail(f"{error}\n{JAVA_PM_USAGE}", EXIT_PM_JAVA)
        except JavaError as error:
            if error.security:
                return fail(f"Operation not allowed: {error}\n", EXIT_PM_JAVA)
            return fail(f"Bad argument: {error}\n{JAVA_PM_USAGE}", EXIT_PM_JAVA)
        return ok()
    if command in ("list", "path", "dump"):
        result = package_command(state, args)
        if command == "list":  # Pm.runShellCommand returns 0 whatever cmd package said
            return CommandResult(stdout=result.stdout, stderr=result.stderr, status=0)
        return result
    return fail(f"Error: unknown command '{command}'\n{JAVA_PM_USAGE}", EXIT_PM_JAVA)


# --- list ---------------------------------------------------------------------------------------

_LIST_FLAGS = {"-d", "-e", "-f", "-i", "-l", "-s", "-3", "-u", "-U", "-a", "--show-versioncode", "--apex-only", "--factory-only"}


def _list(state: AndroidState, args: list[str]) -> CommandResult:
    if not args:
        return fail("Error: didn't specify type of data to list\n", 255)
    what, rest = args[0], args[1:]
    if what in ("packages", "package"):
        return _list_packages(state, rest)
    if what in ("users", "user"):
        return ok(list_users(state, verbose="-v" in rest))
    return fail(f"Error: unknown list type '{what}'\n", 255)


def _list_packages(state: AndroidState, args: list[str]) -> CommandResult:
    user_arg = take_option(args, "--user")
    uid_filter = take_option(args, "--uid")
    options: set[str] = set()
    name_filter: str | None = None
    for arg in args:
        if arg.startswith("-"):
            if arg not in _LIST_FLAGS:
                return fail("", 255, stdout=f"Error: Unknown option: {arg}\n")
            options.add(arg)
        elif name_filter is None:
            name_filter = arg
    if uid_filter is not None:
        options.add("-U")
    if user_arg is None:
        user_ids = sorted(state.users) if state.sdk >= T else [0]
    else:
        user_ids = sorted(state.users) if parse_user(user_arg) == -1 else [parse_user(user_arg)]
    for user_id in user_ids:
        check_user(state, user_id, *_SHELL_FRAMES)
    all_users = len(user_ids) > 1
    rows: dict[str, str] = {}  # the line without its uids -> the whole line
    for name in array_map_order(state.packages):
        package = state.packages[name]
        present = [u for u in user_ids if _listed(package, u, options)]
        if not present or (name_filter and name_filter not in package.name):
            continue
        if uid_filter is not None and str(package.app_id) != uid_filter and uid_filter not in {
            str(package.uid(u)) for u in present
        }:
            continue
        if not _matches(package, options, present[0]):
            continue
        row = "package:"
        if "-f" in options:
            row += f"{package.apk_path}="
        row += package.name
        if "--show-versioncode" in options:
            row += f" versionCode:{package.version_code}"
        if "-i" in options:
            row += f"  installer={package.installer or 'null'}"
        line = row
        if "-U" in options:
            uids = [package.uid(u) for u in present] if all_users else [package.uid(present[0])]
            line += " uid:" + ",".join(str(uid) for uid in dict.fromkeys(uids))
        rows[row] = line
    # Up to 12 the package service walks its ArrayMap of packages (hash-code order); from 13 it
    # collects the lines of every user in a HashMap first (bucket order), as real listings show.
    keys = hash_map_order(rows) if state.sdk >= T else list(rows)
    return ok(lines(rows[key] for key in keys))


def _listed(package: Package, user_id: int, options: set[str]) -> bool:
    if package.installed_in(user_id):
        return True
    return "-u" in options and user_id in package.users


def _matches(package: Package, options: set[str], user_id: int) -> bool:
    disabled = package.users[user_id].enabled in (2, 3, 4)
    if "-d" in options and not disabled:
        return False
    if "-e" in options and disabled:
        return False
    if "-s" in options and not package.system:
        return False
    if "-3" in options and package.system:
        return False
    return "--apex-only" not in options


def list_users(state: AndroidState, verbose: bool = False) -> str:
    """``pm list users`` (``cmd user list``): a tab before each row, 8 spaces as printed from 14."""
    indent = " " * 8 if state.sdk >= U else "\t"
    rows = ["Users:"]
    for index, user in enumerate(sorted(state.users.values(), key=lambda u: u.id)):
        running = " running" if user.running else ""
        if verbose and state.sdk >= R:
            kind = f", type={USER_TYPES[user.kind]}" if state.sdk >= T else ""
            flags = user_flag_names(user.flags)
            rows.append(f"  {index}: id={user.id}, name={user.name}{kind}, flags={flags}{' (running)' if running else ''}")
        else:
            rows.append(f"{indent}UserInfo{{{user.id}:{user.name}:{user.flags:x}}}{running}")
    return lines(rows)


# --- permissions --------------------------------------------------------------------------------


def _user_and_args(args: list[str]) -> tuple[int, list[str]]:
    user_arg = take_option(args, "--user")
    return (parse_user(user_arg) if user_arg is not None else 0), args


def _translate_user(state: AndroidState, user_id: int, runner: str) -> None:
    """From Android 11 ``pm`` passes ``--user`` through ``translateUserId`` (ActivityManager's
    ``handleIncomingUser``) before it calls the permission service: a profile that refuses the
    shell fails there, whatever the service would say."""
    if state.sdk >= R:
        check_user(state, user_id,
                   _SHELL_FRAMES[0],
                   f"com.android.server.pm.PackageManagerShellCommand.{runner}(PackageManagerShellCommand.java:2640)",
                   _SHELL_FRAMES[2])


def _grant_revoke(state: AndroidState, command: str, args: list[str]) -> CommandResult:
    user_id, rest = _user_and_args(list(args))
    if not rest:
        raise UsageError("Error: no package specified")
    if len(rest) < 2:
        raise UsageError("Error: no permission specified")
    _translate_user(state, user_id, "runGrantRevokePermission")
    change_grant(state, rest[0], rest[1], user_id, command == "grant")
    return ok()


def _permission_flags(state: AndroidState, command: str, args: list[str]) -> CommandResult:
    """``runSetPermissionFlags``: the flag words are checked before anything is asked of the
    permission service; a wrong one is an error on stderr with exit 1, nothing changed."""
    user_id, rest = _user_and_args(list(args))
    if not rest:
        raise UsageError("Error: no package specified")
    if len(rest) < 2:
        raise UsageError("Error: no permission specified")
    if len(rest) < 3:
        raise UsageError("Error: no permission flags specified")
    flags: list[str] = []
    for name in rest[2:]:
        if name not in SHELL_PERMISSION_FLAGS:
            supported = "[" + ", ".join(SHELL_PERMISSION_FLAGS) + "]"
            raise UsageError(f"Error: specified flag {name} is not one of {supported}")
        flags.append(SHELL_PERMISSION_FLAGS[name])
    _translate_user(state, user_id, "runSetPermissionFlags")
    change_flags(state, rest[0], rest[1], user_id, flags, command == "set-permission-flags")
    return ok()


def _path(state: AndroidState, args: list[str]) -> CommandResult:
    user_id, rest = _user_and_args(list(args))
    if not rest:
        raise UsageError("Error: no package specified")
    check_user(state, user_id, *_SHELL_FRAMES[:1])
    package = state.packages.get(rest[0])
    if package is None or not package.installed_in(user_id):
        return CommandResult(status=1)
    return ok(f"package:{package.apk_path}\n")
