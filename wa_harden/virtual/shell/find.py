"""toybox ``find``: start paths, then an expression of filters parsed into a small tree."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from wa_harden.virtual.api import CommandResult, ShellContext
from wa_harden.virtual.fs import DIR, FILE, LINK, FileInfo, FsError
from wa_harden.virtual.shell.common import encode, join_path
from wa_harden.virtual.shell.options import Out, int_arg

# --- the expression tree -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindAnd:
    left: FindNode
    right: FindNode


@dataclass(frozen=True, slots=True)
class FindOr:
    left: FindNode
    right: FindNode


@dataclass(frozen=True, slots=True)
class FindNot:
    operand: FindNode


@dataclass(frozen=True, slots=True)
class FindPrint:
    """``-print`` (newline) or ``-print0`` (NUL)."""

    terminator: str


@dataclass(frozen=True, slots=True)
class FindConstant:
    """``-true`` or ``-false``; also the whole expression when there is none."""

    value: bool


@dataclass(frozen=True, slots=True)
class FindEmpty:
    """``-empty``: an empty file (a directory never matches here)."""


@dataclass(frozen=True, slots=True)
class FindName:
    """``-name`` / ``-iname`` (against the entry's name) or ``-path`` / ``-ipath`` (its path)."""

    regex: re.Pattern[str]
    icase: bool
    whole_path: bool


@dataclass(frozen=True, slots=True)
class FindType:
    kind: str  # DIR, FILE, LINK, or "?" for the types the virtual file system never has


@dataclass(frozen=True, slots=True)
class FindMaxDepth:
    depth: int


@dataclass(frozen=True, slots=True)
class FindMinDepth:
    depth: int


@dataclass(frozen=True, slots=True)
class FindSize:
    spec: str  # as given: [+-]N[ckMG]


@dataclass(frozen=True, slots=True)
class FindNewer:
    mtime: datetime  # of the reference file


FindNode = (
    FindAnd | FindOr | FindNot | FindPrint | FindConstant | FindEmpty | FindName | FindType
    | FindMaxDepth | FindMinDepth | FindSize | FindNewer
)


# --- parsing -------------------------------------------------------------------------------------


class _FindError(Exception):
    pass


class _FindExpression:
    """toybox find's filters, evaluated in order with short-circuit ``-a``/``-o``/``!``."""

    def __init__(self, ctx: ShellContext, tokens: list[str]) -> None:
        self.ctx = ctx
        self.tokens = tokens
        self.pos = 0
        self.prints = False
        self.tree: FindNode = self.or_() if tokens else FindConstant(True)
        if self.pos != len(tokens):
            raise _FindError(f"bad arg '{tokens[self.pos]}'")

    def _next(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def or_(self) -> FindNode:
        node = self.and_()
        while self._next() in ("-o", "-or"):
            self.pos += 1
            node = FindOr(node, self.and_())
        return node

    def and_(self) -> FindNode:
        node = self.not_()
        while self._next() not in (None, "-o", "-or", ")"):
            if self._next() in ("-a", "-and"):
                self.pos += 1
            node = FindAnd(node, self.not_())
        return node

    def not_(self) -> FindNode:
        if self._next() in ("!", "-not"):
            self.pos += 1
            return FindNot(self.not_())
        return self.primary()

    def primary(self) -> FindNode:
        token = self._next()
        if token is None:
            raise _FindError("bad arg ''")
        self.pos += 1
        if token == "(":
            node = self.or_()
            if self._next() != ")":
                raise _FindError("bad arg '('")
            self.pos += 1
            return node
        if token in ("-print", "-print0"):
            self.prints = True
            return FindPrint("\n" if token == "-print" else "\0")
        if token in ("-true", "-false"):
            return FindConstant(token == "-true")
        if token == "-empty":
            return FindEmpty()
        if token in ("-name", "-iname", "-path", "-ipath", "-type", "-maxdepth", "-mindepth", "-newer", "-size"):
            argument = self._next()
            if argument is None:
                raise _FindError(f"'{token}' needs 1 arg")
            self.pos += 1
            return self._filter(token, argument)
        raise _FindError(f"bad arg '{token}'")

    def _filter(self, token: str, argument: str) -> FindNode:
        if token in ("-name", "-iname", "-path", "-ipath"):
            icase = token[1] == "i"
            regex = re.compile(fnmatch.translate(argument.lower() if icase else argument))
            return FindName(regex, icase, whole_path=token.endswith("path"))
        if token == "-type":
            if argument[:1] not in ("d", "f", "l", "b", "c", "p", "s"):
                raise _FindError(f"bad -type '{argument[:1]}'")
            return FindType({"d": DIR, "f": FILE, "l": LINK}.get(argument[:1], "?"))
        if token in ("-maxdepth", "-mindepth"):
            depth = int_arg(argument)
            if depth is None:
                raise _FindError(f"not integer '{argument}'")
            return FindMaxDepth(depth) if token == "-maxdepth" else FindMinDepth(depth)
        if token == "-size":
            return FindSize(argument)
        ctx = self.ctx
        try:
            reference = ctx.fs.stat(argument, cwd=ctx.cwd, uid=ctx.uid)
        except FsError as error:
            raise _FindError(f"'{argument}': {error.reason}") from None
        return FindNewer(reference.mtime)


# --- evaluation ----------------------------------------------------------------------------------


class _FindVisit:
    __slots__ = ("depth", "info", "name", "path", "prune")

    def __init__(self, path: str, name: str, info: FileInfo, depth: int) -> None:
        self.path = path
        self.name = name
        self.info = info
        self.depth = depth
        self.prune = False


def _find_eval(node: FindNode, visit: _FindVisit, out: list[str]) -> bool:
    if isinstance(node, FindAnd):
        return _find_eval(node.left, visit, out) and _find_eval(node.right, visit, out)
    if isinstance(node, FindOr):
        return _find_eval(node.left, visit, out) or _find_eval(node.right, visit, out)
    if isinstance(node, FindNot):
        return not _find_eval(node.operand, visit, out)
    if isinstance(node, FindName):
        subject = visit.path if node.whole_path else visit.name
        return node.regex.match(subject.lower() if node.icase else subject) is not None
    if isinstance(node, FindType):
        return visit.info.kind == node.kind
    if isinstance(node, FindMaxDepth):
        if visit.depth >= node.depth:
            visit.prune = True
        return visit.depth <= node.depth
    if isinstance(node, FindMinDepth):
        return visit.depth >= node.depth
    if isinstance(node, FindNewer):
        return visit.info.mtime > node.mtime
    if isinstance(node, FindPrint):
        out.append(visit.path + node.terminator)
        return True
    if isinstance(node, FindEmpty):
        return visit.info.size == 0 if visit.info.kind == FILE else False
    if isinstance(node, FindSize):
        return _size_matches(visit.info.size, node.spec)
    return node.value


def _size_matches(size: int, spec: str) -> bool:
    sign = spec[:1] if spec[:1] in "+-" else ""
    body = spec[len(sign) :]
    unit = 1 if body.endswith("c") else 512
    number = int_arg(body.rstrip("ckMG")) or 0
    value = -(-size // unit)
    return value > number if sign == "+" else value < number if sign == "-" else value == number


def find(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    """toybox find: paths, then filters; start symlinks are not followed (``find /sdcard``!)."""
    args = list(argv[1:])
    follow = False
    while args and args[0] in ("-H", "-L"):
        follow = True
        args.pop(0)
    split = next((i for i, arg in enumerate(args) if arg[:1] in ("-", "!", "(")), len(args))
    starts, tokens = args[:split] or ["."], args[split:]
    try:
        expression = _FindExpression(ctx, tokens)
    except _FindError as error:
        return CommandResult(stderr=encode(f"find: {error}\n"), status=1)
    fs, cwd, uid = ctx.fs, ctx.cwd, ctx.uid
    out = Out()
    status = 0
    tree, prints = expression.tree, expression.prints
    for start in starts:
        try:
            info = fs.stat(start, cwd=cwd, uid=uid, follow=follow)
        except FsError as error:
            out.err(f"find: {start}: {error.reason}\n")
            status = 1
            continue
        stack = [_FindVisit(start, posixpath.basename(start.rstrip("/")) or start, info, 0)]
        lines: list[str] = []
        while stack:
            visit = stack.pop()
            matched = _find_eval(tree, visit, lines)
            if matched and not prints:
                lines.append(visit.path + "\n")
            if visit.info.kind != DIR or visit.prune:
                continue
            try:
                entries = fs.scandir(visit.path, cwd=cwd, uid=uid)
            except FsError as error:
                out.out("".join(lines))
                lines = []
                out.err(f"find: {visit.path}: {error.reason}\n")
                status = 1
                continue
            depth = visit.depth + 1
            for name, child in reversed(entries):
                stack.append(_FindVisit(join_path(visit.path, name), name, child, depth))
        out.out("".join(lines))
    return out.result(status)
