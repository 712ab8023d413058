"""``bmgr``: Android's backup manager tool.  It ALWAYS exits 0; failures are only text.

``--user N`` (first argument) is understood from Android 10; older ``bmgr`` takes it for an unknown
command (``Unknown command`` and the usage on stderr).  A user whose backup service is not activated
answers every operation except ``activate``/``activated`` with ``Error: Backup Manager is not
activated for user N`` on stderr (Android 10 printed the generic "Could not access the Backup
Manager.  Is the system running?" instead: corpus ``bmgr_enabled``, AOSP 10, a secondary user and a
work profile).  From Android 10 only the system user is activated by default; a work profile or
secondary user is not until something privileged activates it, and a device owner that suppresses
the system user's backup deactivates every user (``BackupManagerService.isBackupActivatedForUser``).
A user that does not exist is simply not activated.  The shell may not activate.  ``enabled`` reads
the same ``settings secure backup_enabled`` that ``settings`` shows.  Source: AOSP ``Bmgr.run``,
``Bmgr.isBackupActive``; android-facts §3.1.
"""

from __future__ import annotations

from collections.abc import Sequence

from wa_harden.virtual.android.output import JavaError, app_process_exception, ok, security
from wa_harden.virtual.android.permissions import check_user
from wa_harden.virtual.android.state import AndroidState, Q, R
from wa_harden.virtual.api import CommandResult, ShellContext

NOT_RUNNING = "Error: Could not access the Backup Manager.  Is the system running?"
NOT_ACTIVATED = "Error: Backup Manager is not activated for user "

USAGE = """usage: bmgr [--user USER_ID] [backup|restore|list|transport|run]
       bmgr backup PACKAGE
       bmgr enable BOOL
       bmgr enabled
       bmgr list transports [-c]
       bmgr list sets
       bmgr transport WHICH|-c WHICH_COMPONENT
       bmgr restore TOKEN
       bmgr run
       bmgr wipe TRANSPORT PACKAGE
       bmgr fullbackup PACKAGE...
       bmgr activate BOOL
       bmgr activated
"""

_FRAMES = (
    "android.os.Parcel.createExceptionOrNull(Parcel.java:3011)",
    "android.os.Parcel.createException(Parcel.java:2995)",
    "android.os.Parcel.readException(Parcel.java:2978)",
    "android.app.backup.IBackupManager$Stub$Proxy.setBackupServiceActive(IBackupManager.java:3460)",
    "com.android.commands.bmgr.Bmgr.doActivateService(Bmgr.java:898)",
    "com.android.commands.bmgr.Bmgr.run(Bmgr.java:161)",
    "com.android.commands.bmgr.Bmgr.main(Bmgr.java:135)",
    "com.android.internal.os.RuntimeInit.nativeFinishInit(Native Method)",
    "com.android.internal.os.RuntimeInit.main(RuntimeInit.java:355)",
)


def _enabled_text(value: bool) -> str:
    return "enabled" if value else "disabled"


def bmgr(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return bmgr_command(ctx.phone.state, list(argv[1:]))


def _usage(sdk: int) -> str:
    """The usage on stderr; without ``[--user USER_ID]`` before Android 10."""
    return USAGE if sdk >= Q else USAGE.replace(" [--user USER_ID]", "", 1)


def bmgr_command(state: AndroidState, args: list[str]) -> CommandResult:
    user_id = 0
    usage = _usage(state.sdk)
    if args and args[0] == "--user" and state.sdk >= Q:
        try:
            user_id = int(args[1])
        except (IndexError, ValueError):
            return ok(stderr=usage)
        args = args[2:]
    if not args:
        return ok(stderr=usage)
    op, rest = args[0], args[1:]
    frames = ("android.app.backup.IBackupManager$Stub$Proxy.isBackupServiceActive(IBackupManager.java:3501)",
              "com.android.commands.bmgr.Bmgr.isBackupActive(Bmgr.java:187)", *_FRAMES[5:])
    try:
        check_user(state, user_id, *frames)
    except JavaError as error:
        return app_process_exception(error, "Exception caught:")
    if op == "activated" and state.sdk >= Q:
        activated = state.backup_active(user_id)
        return ok(f"Backup Manager currently {'activated' if activated else 'deactivated'}\n")
    if op == "activate" and state.sdk >= Q:
        return app_process_exception(security("No permission to configure backup activity", *_FRAMES), "Exception caught:")
    if op not in ("enabled", "enable", "list", "transport", "backup", "run", "restore", "wipe", "fullbackup"):
        return ok(stderr=f"Unknown command\n{usage}")
    if not state.backup_active(user_id):
        message = NOT_ACTIVATED + str(user_id) if state.sdk >= R else NOT_RUNNING
        return ok(stderr=message + "\n")
    if op == "enabled":
        return ok(f"Backup Manager currently {_enabled_text(state.backup_enabled(user_id))}\n")
    if op == "enable":
        if not rest:
            return ok(stderr=usage)
        enable = rest[0].lower() == "true"  # Boolean.parseBoolean: anything else is false
        state.set_backup_enabled(user_id, enable)
        return ok(f"Backup Manager now {_enabled_text(enable)}\n")
    if op == "list" and rest[:1] == ["transports"]:
        return ok(_list_transports(state))
    return ok()


def _list_transports(state: AndroidState) -> str:
    backup = state.backup
    if not backup.transports:
        return "No transports available.\n"
    return "".join(f"{'  * ' if t == backup.current else '    '}{t}\n" for t in backup.transports)


def dumpsys_backup(state: AndroidState) -> str:
    """``dumpsys backup``: one state line per user, then the transports."""
    out: list[str] = []
    for user_id in sorted(state.users):
        user = state.users[user_id]
        if not user.shell_access and user_id != 0:
            continue
        prefix = "" if user_id == 0 else f"User {user_id}:"
        if not state.backup_active(user_id):
            out.append(f"{prefix}Backup Manager is not activated for user {user_id}" if prefix else
                       "Backup Manager is not activated for user 0")
            continue
        enabled = _enabled_text(state.backup_enabled(user_id))
        out.append(f"{prefix}Backup Manager is {enabled} / provisioned / not pending init")
        if user_id == 0:
            out.append("Auto-restore is enabled")
            out.append("Last backup pass started: 0 (now = 0) scheduled")
            out.append("Transport whitelist:")
            out += [f"    {t}" for t in state.backup.transports]
            out.append("Available transports:")
            out += [f"  {'* ' if t == state.backup.current else '  '}{t}" for t in state.backup.transports]
    return "\n".join(out) + "\n"
