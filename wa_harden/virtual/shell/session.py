"""Applets about the caller and the shell session: id, sleep, pwd, cd, basename, dirname, export,
unset."""

from __future__ import annotations

import re
from collections.abc import Sequence

from wa_harden.virtual.api import CommandResult, ShellContext
from wa_harden.virtual.fs import DIR, ROOT_UID, FsError, absolute
from wa_harden.virtual.shell.common import SH, encode
from wa_harden.virtual.shell.options import Out, needs_argument

# --- id, sleep, pwd, cd, basename, dirname, export, unset ----------------------------------------

_SHELL_ID = (
    "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),"
    "1015(sdcard_rw),1028(sdcard_r),3001(net_bt_admin),3002(net_bt),3003(inet),3006(net_bw_stats),"
    "3009(readproc),3011(uhid) context=u:r:shell:s0\n"
)
_ROOT_ID = "uid=0(root) gid=0(root) groups=0(root) context=u:r:su:s0\n"


def id_(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    if len(argv) > 1 and argv[1] in ("-u", "-g"):
        return CommandResult(stdout=b"0\n" if ctx.uid == ROOT_UID else b"2000\n")
    if len(argv) > 1 and argv[1] in ("-un", "-nu", "-gn", "-ng"):
        return CommandResult(stdout=b"root\n" if ctx.uid == ROOT_UID else b"shell\n")
    return CommandResult(stdout=encode(_ROOT_ID if ctx.uid == ROOT_UID else _SHELL_ID))


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)")


def sleep(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    """Reports the duration as a :class:`Pause` event; the transport does the waiting."""
    if len(argv) < 2:
        return needs_argument("sleep")
    seconds = 0.0
    for arg in argv[1:]:
        match = _DURATION.fullmatch(arg)
        if match is None:
            return CommandResult(stderr=encode(f"sleep: Bad number '{arg}'\n"), status=1)
        seconds += float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    out = Out()
    if seconds > 0:
        out.pause(seconds)
    return out.result(0)


def pwd(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return CommandResult(stdout=encode(ctx.cwd + "\n"))


def cd(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    """mksh cd: logical paths (``cd /sdcard; pwd`` prints /sdcard)."""
    target = argv[1] if len(argv) > 1 else ctx.env.get("HOME", "/")
    if target == "-":
        target = ctx.env.get("OLDPWD", ctx.cwd)
    path = absolute(target, ctx.cwd)
    try:
        info = ctx.fs.stat(path, uid=ctx.uid)
        if info.kind != DIR:
            raise FsError("ENOTDIR", path)
    except FsError as error:
        return CommandResult(stderr=encode(f"{SH}: cd: {target}: {error.reason}\n"), status=2)
    ctx.env["OLDPWD"] = ctx.cwd
    ctx.cwd = path
    return CommandResult()


def basename(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    if len(argv) < 2:
        return needs_argument("basename")
    path = argv[1]
    stripped = path.rstrip("/")
    name = stripped.rsplit("/", 1)[-1] if stripped else ("/" if path else "")
    if len(argv) > 2 and name != argv[2] and name.endswith(argv[2]):
        name = name[: -len(argv[2])]
    return CommandResult(stdout=encode(name + "\n"))


def dirname(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    if len(argv) < 2:
        return needs_argument("dirname")
    path = argv[1].rstrip("/")
    if not path:
        return CommandResult(stdout=b"/\n" if argv[1] else b".\n")
    head = path.rsplit("/", 1)[0] if "/" in path else "."
    return CommandResult(stdout=encode((head.rstrip("/") or "/") + "\n"))


def export(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    for arg in argv[1:]:
        name, sep, value = arg.partition("=")
        if sep:
            ctx.env[name] = value
        else:
            ctx.env.setdefault(name, "")
    return CommandResult()


def unset(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    for name in argv[1:]:
        ctx.env.pop(name, None)
    return CommandResult()
