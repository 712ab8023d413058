"""File applets: ls, touch, mkdir and rm, with toybox's output and error wording."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wa_harden.virtual.api import CommandResult, ShellContext
from wa_harden.virtual.fs import DIR, LINK, FileInfo, FsError
from wa_harden.virtual.shell.common import join_path
from wa_harden.virtual.shell.options import Out, applet_args, needs_argument

# --- ls ------------------------------------------------------------------------------------------


def _blocks_kib(info: FileInfo) -> int:
    return 0 if info.kind == LINK else -(-info.size // 4096) * 4


def _ls_lines(entries: list[tuple[str, FileInfo]], flags: set[str]) -> list[str]:
    """One output line per entry; ``-l`` columns padded as toybox pads them."""
    mark_dirs = bool(flags & {"p", "F"})

    def shown(name: str, info: FileInfo) -> str:
        return name + "/" if mark_dirs and info.kind == DIR else name

    if "l" not in flags:
        return [shown(name, info) for name, info in entries]
    links = max(len(str(info.nlink)) for _, info in entries)
    owners = max(len(info.owner) for _, info in entries)
    groups = max(len(info.group) for _, info in entries)
    sizes = max(len(str(info.size)) for _, info in entries)
    lines = []
    for name, info in entries:
        text = shown(name, info)
        if info.kind == LINK:
            text = f"{name} -> {info.target}"
        lines.append(
            f"{info.mode_string}{info.nlink:>{links + 1}} {info.owner:<{owners}} {info.group:<{groups}}"
            f"{info.size:>{sizes + 1}} {info.mtime:%Y-%m-%d %H:%M} {text}"
        )
    return lines


def _ls_sort(entries: list[tuple[str, FileInfo]], flags: set[str]) -> list[tuple[str, FileInfo]]:
    if "t" in flags:
        entries = sorted(entries, key=lambda entry: (-entry[1].mtime.timestamp(), entry[0]))
    else:
        entries = sorted(entries, key=lambda entry: entry[0])
    return entries[::-1] if "r" in flags else entries


def ls(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    """toybox ls as seen through a pipe (one name per line): -1 -a -A -l -d -p -F -R -t -r."""
    parsed = applet_args("ls", argv, "1aAldpFRtrChinosgkmqsuxZcHLbf")
    if isinstance(parsed, CommandResult):
        return parsed
    flags, _, paths = parsed
    fs, cwd, uid = ctx.fs, ctx.cwd, ctx.uid
    out = Out()
    status = 0
    follow = not flags & {"l", "d", "F"} or bool(flags & {"L", "H"})
    top: list[tuple[str, FileInfo]] = []
    for path in paths or ["."]:
        try:
            top.append((path, fs.stat(path, cwd=cwd, uid=uid, follow=follow)))
        except FsError as error:
            out.err(f"ls: {path}: {error.reason}\n")
            status = 1
    listed_dirs = "d" not in flags
    files = [entry for entry in top if not (listed_dirs and entry[1].kind == DIR)]
    dirs = [entry for entry in top if listed_dirs and entry[1].kind == DIR]
    printed = False
    if files:
        out.out("".join(line + "\n" for line in _ls_lines(_ls_sort(files, flags), flags)))
        printed = True
    titled = len(top) > 1 or "R" in flags
    pending = [path for path, _ in _ls_sort(dirs, flags)]
    while pending:
        path = pending.pop(0)
        try:
            entries = fs.scandir(path, cwd=cwd, uid=uid)
        except FsError as error:
            out.err(f"ls: {path}: {error.reason}\n")
            status = 1
            continue
        if "a" in flags:
            entries += [
                (".", fs.stat(path, cwd=cwd, uid=uid)),
                ("..", fs.stat(path.rstrip("/") + "/..", cwd=cwd, uid=uid)),
            ]
        elif "A" not in flags:
            entries = [entry for entry in entries if not entry[0].startswith(".")]
        entries = _ls_sort(entries, flags)
        text = []
        if titled:
            text.append(("\n" if printed else "") + f"{path}:\n")
        if "l" in flags:
            text.append(f"total {sum(_blocks_kib(info) for _, info in entries)}\n")
        if entries:
            text.extend(line + "\n" for line in _ls_lines(entries, flags))
        out.out("".join(text))
        printed = True
        if "R" in flags:
            subdirs = [join_path(path, name) for name, info in entries if info.kind == DIR and name not in (".", "..")]
            pending[0:0] = subdirs
    return out.result(status)


# --- touch, mkdir, rm ----------------------------------------------------------------------------


def _each_operand(applet: str, paths: list[str], change: Callable[[str], str | None]) -> CommandResult:
    """Apply ``change`` to every operand; a refusal prints toybox's ``applet: 'path': reason``."""
    out = Out()
    status = 0
    for path in paths:
        try:
            out.out(change(path) or "")
        except FsError as error:
            out.err(f"{applet}: '{path}': {error.reason}\n")
            status = 1
    return out.result(status)


def touch(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    parsed = applet_args("touch", argv, "acmh", with_value="dtr", needs_operand=True)
    if isinstance(parsed, CommandResult):
        return parsed
    flags, _, paths = parsed
    create = "c" not in flags
    return _each_operand("touch", paths, lambda path: ctx.fs.touch(path, cwd=ctx.cwd, uid=ctx.uid, create=create))


def mkdir(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    parsed = applet_args("mkdir", argv, "pv", with_value="mZ", needs_operand=True)
    if isinstance(parsed, CommandResult):
        return parsed
    flags, _, paths = parsed
    make = ctx.fs.mkdirs if "p" in flags else ctx.fs.mkdir

    def change(path: str) -> str | None:
        make(path, cwd=ctx.cwd, uid=ctx.uid)
        return f"mkdir: created directory '{path}'\n" if "v" in flags else None

    return _each_operand("mkdir", paths, change)


def rm(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    parsed = applet_args("rm", argv, "fiRrv")
    if isinstance(parsed, CommandResult):
        return parsed
    flags, _, paths = parsed
    force, recursive = "f" in flags, bool(flags & {"r", "R"})
    if not paths and not force:
        return needs_argument("rm")
    out = Out()
    status = 0
    fs, cwd, uid = ctx.fs, ctx.cwd, ctx.uid

    def remove(path: str, shown: str) -> bool:
        try:
            info = fs.lstat(path, cwd=cwd, uid=uid)
            if info.kind == DIR:
                if not recursive:
                    raise FsError("EISDIR", path)
                ok = True
                for name in fs.listdir(path, cwd=cwd, uid=uid):
                    ok = remove(join_path(path, name), name) and ok
                if not ok:
                    return False
            fs.remove(path, cwd=cwd, uid=uid, recursive=False)
        except FsError as error:
            if force and error.errno_name == "ENOENT":
                return True
            out.err(f"rm: {shown}: {error.reason}\n")
            return False
        return True

    for path in paths:
        if path.rstrip("/") == "" and path:
            out.err("rm: rm /. if you mean it\n")
            status = 1
            continue
        if not remove(path, path):
            status = 1
    return out.result(status)
