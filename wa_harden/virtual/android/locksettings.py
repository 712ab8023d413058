"""``locksettings`` (``cmd lock_settings``) and ``dumpsys lock_settings``.

The trap this module exists for (android-facts §0.3): up to Android 12 every ``locksettings``
subcommand -- ``get-disabled`` included -- first checks ``--old`` against the real credential.  With
a PIN/pattern/password set and no (or a wrong) ``--old`` it prints ``Old password '' didn't match``,
COUNTS A FAILED UNLOCK ATTEMPT for that user (wipe-after-N policies see it) and exits 255.  From
13 ``get-disabled``/``set-disabled`` skip the check.  ``dumpsys lock_settings`` never touches the
counter.
"""

from __future__ import annotations

from collections.abc import Sequence

from wa_harden.virtual.android.output import UsageError, fail, lines, ok, parse_user, take_option
from wa_harden.virtual.android.state import AndroidState, Credential, LockScreen, Q, R, T, U
from wa_harden.virtual.api import CommandResult, ShellContext

EXIT_FAILED = 255
_NO_CHECK_FROM_13 = {"get-disabled", "set-disabled"}

USAGE = """lockSettings service commands:

  NOTE: when lock screen is set, all commands require the --old <CREDENTIAL> argument.

  help
  set-pattern [--old <CREDENTIAL>] [--user USER_ID] <PATTERN>
  set-pin [--old <CREDENTIAL>] [--user USER_ID] <PIN>
  set-password [--old <CREDENTIAL>] [--user USER_ID] <PASSWORD>
  clear [--old <CREDENTIAL>] [--user USER_ID]
  verify [--old <CREDENTIAL>] [--user USER_ID]
  set-disabled [--old <CREDENTIAL>] [--user USER_ID] <true|false>
  get-disabled [--old <CREDENTIAL>] [--user USER_ID]
"""

_SET_COMMANDS = {"set-pin": Credential.PIN, "set-password": Credential.PASSWORD, "set-pattern": Credential.PATTERN}


def locksettings(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return locksettings_command(ctx.phone.state, list(argv[1:]))


def locksettings_command(state: AndroidState, args: list[str]) -> CommandResult:
    try:
        old = take_option(args, "--old")
        user_arg = take_option(args, "--user")
        user_id = parse_user(user_arg) if user_arg is not None else 0
    except UsageError as error:
        return fail(f"{error}\n", EXIT_FAILED)
    if not args or args[0] in ("help", "-h"):
        return ok(USAGE)
    command, rest = args[0], args[1:]
    lock = state.lock(user_id)
    exempt = state.sdk >= T and command in _NO_CHECK_FROM_13
    if lock.credential.secure and not exempt:
        if old is None and state.sdk >= T and command == "verify":
            return fail("", EXIT_FAILED, stdout="User has a lock credential, but old credential was not provided\n")
        if old != lock.secret:
            lock.failed_unlock_attempts += 1  # LockPatternUtils.reportFailedPasswordAttempt
            return fail("", EXIT_FAILED, stdout=f"Old password '{old or ''}' didn't match\n")
    if command == "get-disabled":
        return ok("true\n" if lock.credential is Credential.NONE else "false\n")
    if command == "set-disabled":
        if lock.credential.secure:
            return fail("", EXIT_FAILED, stdout="Lock screen is secure; cannot disable it\n")
        disable = bool(rest) and rest[0] == "true"
        lock.credential = Credential.NONE if disable else Credential.SWIPE
        return ok(f"Lock screen disabled set to {'true' if disable else 'false'}\n")
    if command == "verify":
        return ok("Lock credential verified successfully\n")
    if command in _SET_COMMANDS:
        if not rest:
            return fail("", EXIT_FAILED, stdout="Error: no credential given\n")
        _set_credential(lock, _SET_COMMANDS[command], rest[0], state)
        label = {"set-pin": "Pin", "set-password": "Password", "set-pattern": "Pattern"}[command]
        return ok(f"{label} set to '{rest[0]}'\n")
    if command == "clear":
        _set_credential(lock, Credential.SWIPE, "", state)
        return ok("Lock credential cleared\n")
    return fail("", EXIT_FAILED, stdout=f"Unknown command: {command}\n")


def _set_credential(lock: LockScreen, credential: Credential, secret: str, state: AndroidState) -> None:
    lock.credential = credential
    lock.secret = secret
    lock.changed_at = state.now


# --- dumpsys lock_settings ------------------------------------------------------------------------

_QUALITY = {
    Credential.NONE: 0,
    Credential.SWIPE: 0,
    Credential.PATTERN: 65536,
    Credential.PIN: 131072,
    Credential.PASSWORD: 262144,
}
# Android 10: an int (PIN counts as a password); 11-13 names; 14+ upper-case names.
_TYPE_INT = {Credential.NONE: -1, Credential.SWIPE: -1, Credential.PATTERN: 1, Credential.PIN: 2, Credential.PASSWORD: 2}
_TYPE_NAME = {
    Credential.NONE: "None",
    Credential.SWIPE: "None",
    Credential.PATTERN: "Pattern",
    Credential.PIN: "Pin",
    Credential.PASSWORD: "Password",
}


def credential_type_text(credential: Credential, sdk: int) -> str:
    if sdk < R:
        return str(_TYPE_INT[credential])
    name = _TYPE_NAME[credential]
    return name.upper() if sdk >= U else name


def dumpsys_lock_settings(state: AndroidState) -> str:
    """The ``User State:`` section per user, then a short storage section (read-only)."""
    rows = ["Current lock settings service state:", ""]
    if state.sdk >= Q:
        rows.append("User State:")
    for user_id in sorted(state.users):
        lock = state.lock(user_id)
        rows.append(f"  User {user_id}")
        if lock.credential.secure:
            rows.append(f"    SP Handle: {(user_id + 0x5F0EF3437A85F55) & 0xFFFFFFFFFFFFFFF:x}")
            if lock.changed_at is not None:
                rows.append(f"    Last changed: {lock.changed_at:%Y-%m-%d %H:%M:%S} (b8212446331f2358)")
            rows.append(f"    SID: {(user_id * 7919 + 0x3FFFCDA35EE6C180) & 0xFFFFFFFFFFFFFFFF:x}")
        rows.append(f"    Quality: {_QUALITY[lock.credential]}")
        rows.append(f"    CredentialType: {credential_type_text(lock.credential, state.sdk)}")
        rows.append(f"    SeparateChallenge: {'true' if user_id == 0 or lock.credential.secure else 'false'}")
        rows.append("    Metrics: known" if lock.credential.secure else "    Metrics: none")
        rows.append("")
    return lines(rows)
