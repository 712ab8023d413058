"""``cmd SERVICE ...``: the binder shell-command dispatcher.

Services this phone simulates route to the same code as their wrapper scripts; an unknown service
prints ``cmd: Can't find service: X`` and exits 20, as the real ``cmd`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wa_harden.virtual.android.appops import appops_command
from wa_harden.virtual.android.dpm import dpm_command
from wa_harden.virtual.android.locksettings import locksettings_command
from wa_harden.virtual.android.output import fail, lines, ok
from wa_harden.virtual.android.pm import list_users, package_command
from wa_harden.virtual.android.settings import settings_command
from wa_harden.virtual.android.state import AndroidState, S
from wa_harden.virtual.api import CommandResult, ShellContext

EXIT_NO_SERVICE = 20


def _device_policy(state: AndroidState, args: list[str]) -> CommandResult:
    if state.sdk < S:  # Android 11's device_policy shell only had is/set-operation-safe
        return fail("", 255, stdout=f"Unknown command: {args[0] if args else ''}\n")
    return dpm_command(state, args)


def _user(state: AndroidState, args: list[str]) -> CommandResult:
    if args[:1] == ["list"]:
        return ok(list_users(state, verbose="-v" in args))
    return fail("", 255, stdout=f"Unknown command: {args[0] if args else ''}\n")


SERVICES: dict[str, Callable[[AndroidState, list[str]], CommandResult]] = {
    "package": package_command,
    "appops": appops_command,
    "settings": settings_command,
    "lock_settings": locksettings_command,
    "device_policy": _device_policy,
    "user": _user,
}


def cmd(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    state: AndroidState = ctx.phone.state
    args = list(argv[1:])
    if not args or args[0] in ("-l", "--list"):
        return ok("Currently running services:\n" + lines(f"  {name}" for name in sorted(SERVICES)))
    service = SERVICES.get(args[0])
    if service is None:
        return fail(f"cmd: Can't find service: {args[0]}\n", EXIT_NO_SERVICE)
    return service(state, args[1:])
