"""``dumpsys SERVICE``: package, lock_settings, account, device_policy, backup.

An unknown service prints ``Can't find service: X`` on stderr and, like the real tool, exits 0.
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
from wa_harden.virtual.api import CommandResult, ShellContext

# Authenticators a phone of each kind registers (type, package/service, app id).
_AUTHENTICATORS = (
    ("com.google", "com.google.android.gms/com.google.android.gms.auth.account.authenticator.GoogleAccountAuthenticatorService", 10123),
    ("com.whatsapp", "com.whatsapp/com.whatsapp.accountsync.AccountAuthenticatorService", 0),
    ("com.whatsapp.w4b", "com.whatsapp.w4b/com.whatsapp.accountsync.AccountAuthenticatorService", 0),
)


def dumpsys(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    state: AndroidState = ctx.phone.state
    args = [a for a in argv[1:] if a not in ("--all", "-a")]
    if not args:
        return ok("Currently running services:\n" + lines(f"  {name}" for name in sorted(SERVICES)))
    if args[0] == "-l":
        return ok("Currently running services:\n" + lines(f"  {name}" for name in sorted(SERVICES)))
    service, rest = args[0], args[1:]
    render = SERVICES.get(service)
    if render is None:
        return ok(stderr=f"Can't find service: {service}\n")
    return ok(render(state, rest))


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
}
