"""``test``, ``[`` and ``[[``: the POSIX test expression parser, with mksh's error wording."""

from __future__ import annotations

from collections.abc import Sequence

from wa_harden.virtual.api import CommandResult, ShellContext
from wa_harden.virtual.fs import DIR, FILE, LINK, FsError
from wa_harden.virtual.shell.common import SH, encode
from wa_harden.virtual.shell.options import int_arg

_UNARY_FILE = frozenset("efdrwxsLhcbpS")
_UNARY_STRING = frozenset("zn")
_BINARY = frozenset({"=", "==", "!=", "-eq", "-ne", "-lt", "-gt", "-le", "-ge", "-nt", "-ot", "<", ">"})


class _TestError(Exception):
    pass


class _TestParser:
    """POSIX test expressions: ``! ( ) -a -o``, unary file/string tests, binary comparisons."""

    def __init__(self, ctx: ShellContext, name: str, args: list[str]) -> None:
        self.ctx = ctx
        self.name = name
        self.args = args
        self.pos = 0

    def evaluate(self) -> bool:
        if not self.args:
            return False
        value = self.or_()
        if self.pos != len(self.args):
            raise _TestError(f"{self.args[self.pos]}: unexpected operator")
        return value

    def _peek(self, offset: int = 0) -> str | None:
        index = self.pos + offset
        return self.args[index] if index < len(self.args) else None

    def or_(self) -> bool:
        value = self.and_()
        while self._peek() == "-o":
            self.pos += 1
            value = self.and_() or value
        return value

    def and_(self) -> bool:
        value = self.not_()
        while self._peek() == "-a":
            self.pos += 1
            value = self.not_() and value
        return value

    def not_(self) -> bool:
        if self._peek() == "!" and self._peek(1) is not None and self._peek(1) not in _BINARY:
            self.pos += 1
            return not self.not_()
        return self.primary()

    def primary(self) -> bool:
        token = self._peek()
        if token is None:
            raise _TestError("argument expected")
        following = self._peek(1)
        if following in _BINARY and self._peek(2) is not None:
            self.pos += 3
            return self.binary(token, following, self.args[self.pos - 1])
        if token == "(" and self._peek(1) is not None:
            self.pos += 1
            value = self.or_()
            if self._peek() != ")":
                raise _TestError("missing )")
            self.pos += 1
            return value
        if len(token) == 2 and token[0] == "-" and following is not None:
            letter = token[1]
            if letter in _UNARY_STRING:
                self.pos += 2
                return bool(following) if letter == "n" else not following
            if letter in _UNARY_FILE:
                self.pos += 2
                return self.file_test(letter, following)
        self.pos += 1
        return bool(token)

    def binary(self, left: str, op: str, right: str) -> bool:
        if op in ("=", "=="):
            return left == right
        if op == "!=":
            return left != right
        if op in ("<", ">"):
            return left < right if op == "<" else left > right
        if op in ("-nt", "-ot"):
            fs = self.ctx.fs
            try:
                first = fs.stat(left, cwd=self.ctx.cwd, uid=self.ctx.uid).mtime
                second = fs.stat(right, cwd=self.ctx.cwd, uid=self.ctx.uid).mtime
            except FsError:
                return False
            return first > second if op == "-nt" else first < second
        numbers = []
        for text in (left, right):
            number = int_arg(text.strip())
            if number is None:
                raise _TestError(f"{text}: bad number")
            numbers.append(number)
        a, b = numbers
        return {"-eq": a == b, "-ne": a != b, "-lt": a < b, "-gt": a > b, "-le": a <= b, "-ge": a >= b}[op]

    def file_test(self, letter: str, path: str) -> bool:
        ctx = self.ctx
        try:
            info = ctx.fs.stat(path, cwd=ctx.cwd, uid=ctx.uid, follow=letter not in "Lh")
        except FsError:
            return False
        if letter == "e":
            return True
        if letter == "f":
            return info.kind == FILE
        if letter == "d":
            return info.kind == DIR
        if letter in "Lh":
            return info.kind == LINK
        if letter == "s":
            return info.size > 0
        if letter == "r":
            return info.readable
        if letter == "w":
            return info.writable
        if letter == "x":
            return info.kind == DIR and info.readable or bool(info.mode & 0o111)
        return False


def test(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    name = argv[0]
    args = list(argv[1:])
    closer = {"[": "]", "[[": "]]"}.get(name)
    if closer is not None:
        if not args or args[-1] != closer:
            return CommandResult(stderr=encode(f"{SH}: {name}: missing {closer}\n"), status=2)
        args.pop()
    try:
        value = _TestParser(ctx, name, args).evaluate()
    except _TestError as error:
        return CommandResult(stderr=encode(f"{SH}: {name}: {error}\n"), status=2)
    return CommandResult(status=0 if value else 1)
