"""What Android's shell tools print: results, Java exceptions and the error banners per version.

One place for the banners, so every ``cmd``-based tool (pm, appops, settings, locksettings, dpm)
fails exactly as its Android generation does:

* Android 8 Java ``pm`` (grant/revoke run locally): ``Bad argument:`` / ``Operation not allowed:``
  on stderr, exit 1.
* 8-10 ``ShellCommand``: a blank line and ``Exception occurred while executing:`` + stack, or for a
  SecurityException ``Security exception: <msg>``, a blank line and the stack; exit 255.
* 11+ ``BasicShellCommandHandler``: a blank line, ``Exception occurred while executing '<cmd>':``
  + stack; exit 255.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wa_harden.virtual.android.state import O_MR1, R
from wa_harden.virtual.api import CommandResult

EXIT_JAVA_FAILURE = 255  # Java "return -1" seen through the one-byte exit status
EXIT_PM_JAVA = 1  # Android 8 Java Pm


def ok(stdout: str = "", stderr: str = "") -> CommandResult:
    return CommandResult(stdout=stdout.encode(), stderr=stderr.encode(), status=0)


def fail(stderr: str, status: int, stdout: str = "") -> CommandResult:
    return CommandResult(stdout=stdout.encode(), stderr=stderr.encode(), status=status)


def lines(rows: Iterable[str]) -> str:
    """Rows as printed by ``println``: each followed by a newline, nothing for no rows."""
    return "".join(f"{row}\n" for row in rows)


def java_hash(text: str) -> int:
    """``String.hashCode()`` (signed 32 bits): the order of keys in an ``ArrayMap`` or ``Bundle``."""
    value = 0
    for unit in text.encode("utf-16-be").hex(" ", 2).split():
        value = (31 * value + int(unit, 16)) & 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def array_map_order(keys: Iterable[str]) -> list[str]:
    """How an ``ArrayMap``/``Bundle`` iterates: by ascending hash code (ties keep insertion order)."""
    return sorted(keys, key=java_hash)


def hash_map_order(keys: Iterable[str]) -> list[str]:
    """How a ``java.util.HashMap`` iterates keys inserted in this order: by bucket of the spread hash
    in a table of the smallest power of two (at least 16) holding them at load factor 0.75."""
    ordered = list(keys)
    capacity = 16
    while len(ordered) > capacity * 3 // 4:
        capacity *= 2

    def bucket(key: str) -> int:
        h = java_hash(key) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(ordered, key=bucket)


@dataclass(frozen=True)
class JavaError(Exception):
    """A Java exception thrown inside system_server or an app_process tool.

    ``frames`` are the ``at ...`` lines (without the tab), innermost first.
    """

    kind: str  # e.g. "java.lang.SecurityException"
    message: str
    frames: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"

    def trace(self) -> str:
        return lines([str(self)] + [f"\tat {frame}" for frame in self.frames])

    @property
    def security(self) -> bool:
        return self.kind == "java.lang.SecurityException"


def illegal_argument(message: str, *frames: str) -> JavaError:
    return JavaError("java.lang.IllegalArgumentException", message, frames)


def security(message: str, *frames: str) -> JavaError:
    return JavaError("java.lang.SecurityException", message, frames)


# Frames under every binder shell command (ShellCommand.exec down to Binder.execTransact).
_BINDER_FRAMES_OLD = (
    "android.os.ShellCommand.exec(ShellCommand.java:104)",
    "android.os.Binder.shellCommand(Binder.java:642)",
    "android.os.Binder.onTransact(Binder.java:540)",
    "android.os.Binder.execTransact(Binder.java:739)",
)
_BINDER_FRAMES_NEW = (
    "com.android.modules.utils.BasicShellCommandHandler.exec(BasicShellCommandHandler.java:97)",
    "android.os.ShellCommand.exec(ShellCommand.java:38)",
    "android.os.Binder.shellCommand(Binder.java:1092)",
    "android.os.Binder.onTransact(Binder.java:912)",
    "android.os.Binder.execTransactInternal(Binder.java:1392)",
    "android.os.Binder.execTransact(Binder.java:1299)",
)


def with_binder_frames(error: JavaError, sdk: int) -> JavaError:
    base = _BINDER_FRAMES_NEW if sdk >= R else _BINDER_FRAMES_OLD
    return JavaError(error.kind, error.message, error.frames + base)


def shell_command_failure(sdk: int, command: str, error: JavaError) -> CommandResult:
    """An exception escaping a ``cmd <service>`` handler, printed as that Android version does."""
    error = with_binder_frames(error, sdk)
    if sdk >= R:
        text = f"\nException occurred while executing '{command}':\n{error.trace()}"
    elif error.security:
        text = f"Security exception: {error.message}\n\n{error.trace()}"
    else:
        text = f"\nException occurred while executing:\n{error.trace()}"
    return fail(text, EXIT_JAVA_FAILURE)


def app_process_exception(error: JavaError, banner: str) -> CommandResult:
    """A Java tool run by app_process that catches everything and still exits 0 (bmgr, content)."""
    return ok(stderr=f"{banner}\n{error.trace()}")


def user_access_error(user_id: int, *frames: str) -> JavaError:
    """What ``ActivityManager.handleIncomingUser`` throws for a profile that refuses the shell."""
    return security(
        f"Shell does not have permission to access user {user_id}",
        "com.android.server.am.UserController.handleIncomingUser(UserController.java:2680)",
        "com.android.server.am.ActivityManagerService.handleIncomingUser(ActivityManagerService.java:14983)",
        "android.app.ActivityManager.handleIncomingUser(ActivityManager.java:4805)",
        *frames,
    )


class UsageError(Exception):
    """Bad command-line arguments; each tool prints its own usage or message."""


def take_option(args: list[str], name: str) -> str | None:
    """Remove ``name VALUE`` from ``args`` wherever it is; return VALUE (None when absent)."""
    if name not in args:
        return None
    index = args.index(name)
    if index + 1 >= len(args):
        raise UsageError(f"Error: no value given for {name}")
    value = args[index + 1]
    del args[index : index + 2]
    return value


def parse_user(value: str, current: int = 0) -> int:
    """``--user`` argument: a number, ``current`` or ``cur``; ``all`` is -1."""
    if value in ("current", "cur"):
        return current
    if value == "all":
        return -1
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"Error: bad user id: {value}") from None


def pm_is_java(sdk: int) -> bool:
    """Android 8 still has the Java ``Pm`` tool behind ``/system/bin/pm``."""
    return sdk <= O_MR1
