"""``dumpsys [-t SECONDS | -T MS] SERVICE``: package, lock_settings, account, device_policy, backup, user.

An unknown service prints ``Can't find service: X`` on stderr and, like the real tool, exits 0.

The ``dumpsys_timeout`` fault makes one service miss dumpsys' deadline (10 s, or ``-t``/``-T``):
what the service wrote so far (a package dump stops before the first ``runtime permissions:``),
then, as ``frameworks/native/cmds/dumpsys/dumpsys.cpp`` writes it, an empty line end, ``*** SERVICE
'package' DUMP TIMEOUT (10000ms) EXPIRED ***`` and a blank line; dumpsys still exits 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from wa_harden.virtual.android.bmgr import dumpsys_backup
from wa_harden.virtual.android.catalog import account_name
from wa_harden.virtual.android.dpm import dumpsys_device_policy
from wa_harden.virtual.android.dumpsys_package import render_dumpsys_package
from wa_harden.virtual.android.locksettings import dumpsys_lock_settings
from wa_harden.virtual.android.output import lines, ok
from wa_harden.virtual.android.state import AndroidState
from wa_harden.virtual.android.user import dumpsys_user
from wa_harden.virtual.api import CommandResult, FaultConfig, ShellContext

# Authenticators a phone of each kind registers (type, package/service, app id).
_AUTHENTICATORS = (
    ("com.google", "com.google.android.gms/com.google.android.gms.auth.account.authenticator.GoogleAccountAuthenticatorService", 10123),
    ("com.whatsapp", "com.whatsapp/com.whatsapp.accountsync.AccountAuthenticatorService", 0),
    ("com.whatsapp.w4b", "com.whatsapp.w4b/com.whatsapp.accountsync.AccountAuthenticatorService", 0),
)


DEFAULT_TIMEOUT_MS = 10_000


def parse_dumpsys_args(argv: Sequence[str]) -> tuple[int, list[str]]:
    """(timeout in ms, the service and its arguments) of a ``dumpsys`` command line."""
    args = [a for a in argv[1:] if a not in ("--all", "-a")]
    timeout = DEFAULT_TIMEOUT_MS
    while len(args) >= 2 and args[0] in ("-t", "-T"):
        try:
            value = int(args[1])
        except ValueError:
            break
        timeout = value * 1000 if args[0] == "-t" else value
        args = args[2:]
    return timeout, args


def timed_out_service(argv: Sequence[str], faults: FaultConfig) -> int | None:
    """The timeout (ms) this ``dumpsys`` command line runs into under ``dumpsys_timeout``, if any."""
    if not faults.dumpsys_timeout or not argv or argv[0].rsplit("/", 1)[-1] != "dumpsys":
        return None
    timeout, args = parse_dumpsys_args(argv)
    return timeout if args[:1] == [faults.dumpsys_timeout] else None


def dumpsys(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    state: AndroidState = ctx.phone.state
    timeout, args = parse_dumpsys_args(argv)
    if not args or args[0] == "-l":
        return ok("Currently running services:\n" + lines(f"  {name}" for name in sorted(SERVICES)))
    service, rest = args[0], args[1:]
    render = SERVICES.get(service)
    if render is None:
        return ok(stderr=f"Can't find service: {service}\n")
    text = render(state, rest)
    if timed_out_service(argv, ctx.phone.faults) is not None:
        text = f"{_cut(text)}\n*** SERVICE '{service}' DUMP TIMEOUT ({timeout}ms) EXPIRED ***\n\n"
    return ok(text)


def _cut(text: str) -> str:
    """What a service had written when its dump timed out: a package dump up to the first
    ``runtime permissions:`` (a slow permission service), anything else up to half its lines."""
    rows = text.splitlines(keepends=True)
    stop = next((i for i, row in enumerate(rows) if row.strip() == "runtime permissions:"), len(rows) // 2)
    return "".join(rows[:stop])


def _package(state: AndroidState, args: list[str]) -> str:
    names = [a for a in args if not a.startswith("-")]
    if not names:
        return "Packages:\n" + "".join(f"  Package [{name}]\n" for name in state.packages)
    return render_dumpsys_package(state, names[0])


def dumpsys_account(state: AndroidState) -> str:
    """Accounts per user (synthetic names), then the sections a real dump has."""
    rows: list[str] = []
    for user_id in sorted(state.users):
        user = state.users[user_id]
        accounts = state.accounts.get(user_id, {})
        rows.append(f"User UserInfo{{{user.id}:{user.name}:{user.flags:x}}}:")
        rows.append(f"  Accounts: {sum(accounts.values())}")
        for account_type, count in accounts.items():
            rows += [f"    Account {{name={account_name(account_type, i)}, type={account_type}}}" for i in range(count)]
        rows += ["  ", "  AccountId, Action_Type, timestamp, UID, TableName, Key", "  Accounts History", "  ",
                 "  Active Sessions: 0", "  "]
        services = [a for a in _AUTHENTICATORS if a[0] == "com.google" or _installed(state, a[0], user_id)]
        rows.append(f"  RegisteredServicesCache: {len(services)} services")
        for account_type, component, app_id in services:
            package = state.packages.get(component.split("/")[0])
            uid = package.uid(user_id) if package else user_id * 100000 + app_id
            rows.append(f"    ServiceInfo: AuthenticatorDescription {{type={account_type}}}, "
                        f"ComponentInfo{{{component}}}, uid {uid}")
        rows += ["  ", "  Account visibility:", "  "]
    return lines(rows)


def _installed(state: AndroidState, package: str, user_id: int) -> bool:
    found = state.packages.get(package)
    return found is not None and found.installed_in(user_id)


SERVICES = {
    "package": _package,
    "lock_settings": lambda state, args: dumpsys_lock_settings(state),
    "account": lambda state, args: dumpsys_account(state),
    "device_policy": lambda state, args: dumpsys_device_policy(state),
    "backup": lambda state, args: dumpsys_backup(state),
    "user": lambda state, args: dumpsys_user(state),
}
