"""The virtual phone's ``/system/bin/sh``: the subset of mksh that audits and admins send.

A script is parsed whole first (as ``sh -c`` does, so a syntax error runs nothing), then executed
synchronously into *events*: a :class:`Pause` for each simple command's simulated latency, then
its output chunks on the stream they end up on after redirections.  Faults are asked for per
simple command (:class:`CommandHooks`) before it runs, so a command after a pulled cable never
changes the phone's state.

Supported: ``;`` ``&&`` ``||`` ``|`` ``!``, newlines, ``#`` comments, quotes and escapes, ``$?``
``$VAR`` ``${VAR}`` ``${VAR:-word}`` ``$(...)``, assignments, field splitting and globbing of
unquoted words, redirections (``> >> < 2>&1 >&2 2>/dev/null``), ``if``/``for``/``while``/
``until``, ``{ ...; }``, ``( ... )``, ``eval`` and ``sh -c``.  Not supported: here documents, ``case``, functions,
arithmetic -- they are syntax errors naming the construct.

The toybox/mksh commands an audit uses are in :data:`BUILTINS`, with their Android error wording.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from wa_harden.virtual.api import (
    STDERR,
    STDOUT,
    Command,
    CommandHooks,
    CommandResult,
    CommandTable,
    Event,
    Fault,
    Output,
    Pause,
    ShellContext,
    ShellOutcome,
)
from wa_harden.virtual.fs import DIR, FILE, LINK, ROOT_UID, FileInfo, FsError, absolute

SH = "/system/bin/sh"
_MAX_NESTING = 64  # deeper constructs are refused as syntax errors instead of recursing
_MAX_LOOP_ROUNDS = 10_000  # a loop that never ends is a hang, as on the phone
_PID = "4242"
_ENCODING = "utf-8"
_ERRORS = "surrogateescape"

# Command names the shell itself implements: the caller's table cannot replace them.
SPECIAL_BUILTINS = frozenset({"exit", "cd", "export", "unset", ":", "[[", "eval", "sh"})


def _b(text: str) -> bytes:
    return text.encode(_ENCODING, _ERRORS)


def _s(data: bytes) -> str:
    return data.decode(_ENCODING, _ERRORS)


# === syntax tree =================================================================================

_LIT, _VAR, _SUB = 0, 1, 2
# A word is a tuple of parts (kind, value, quoted).  _LIT: str; _VAR: (name, op, arg); _SUB: _List.
Part = tuple
Word = tuple


class _Redir:
    __slots__ = ("fd", "op", "target")

    def __init__(self, fd: int, op: str, target: Word) -> None:
        self.fd = fd
        self.op = op
        self.target = target


class _Simple:
    __slots__ = ("assigns", "words", "redirs")

    def __init__(self) -> None:
        self.assigns: list[tuple[str, Word]] = []
        self.words: list[Word] = []
        self.redirs: list[_Redir] = []


class _Compound:
    """if / for / while / until / brace group / subshell, with trailing redirections."""

    __slots__ = ("kind", "parts", "redirs")

    def __init__(self, kind: str, parts: tuple) -> None:
        self.kind = kind
        self.parts = parts
        self.redirs: list[_Redir] = []


class _Pipeline:
    __slots__ = ("negate", "commands")

    def __init__(self, negate: bool, commands: list) -> None:
        self.negate = negate
        self.commands = commands


class _AndOr:
    __slots__ = ("first", "rest")

    def __init__(self, first: _Pipeline, rest: list[tuple[str, _Pipeline]]) -> None:
        self.first = first
        self.rest = rest


_List = list  # list[_AndOr]


# === lexer and parser ============================================================================


class ShellSyntaxError(Exception):
    """The script cannot be parsed; ``message`` is what mksh prints after ``/system/bin/sh: ``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do",
     "done", "in", "function", "time", "{", "}", "!", "[["}
)
_UNSUPPORTED_KEYWORDS = frozenset({"case", "select", "function", "time"})
_PLAIN_RUN = re.compile(r"[^ \t\n;&|<>()\\'\"$`]+")
_DQ_RUN = re.compile(r'[^"\\$`]+')
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
_IO_NUMBER = re.compile(r"[0-9]+(?=[<>])")
_BLANKS = re.compile(r"[ \t]*")
_OPERATORS = ("&&", "||", ";;", ">>", ">&", "<&", "<<", ">|", "<>", ";", "&", "|", "(", ")", "<", ">", "\n")
_REDIR_OPS = frozenset({">>", ">&", "<&", "<<", ">|", "<>", "<", ">"})

_EOF = ("eof", None)


class _Parser:
    """Recursive descent over the script text; tokens are produced on demand (one of look-ahead)."""

    def __init__(self, src: str, depth: int = 0) -> None:
        self.src = src
        self.pos = 0
        self.peeked: tuple | None = None
        self.depth = depth

    # --- tokens --------------------------------------------------------------------------------

    def peek(self) -> tuple:
        if self.peeked is None:
            self.peeked = self._token()
        return self.peeked

    def take(self) -> tuple:
        token = self.peek()
        self.peeked = None
        return token

    def _token(self) -> tuple:
        src = self.src
        pos = _BLANKS.match(src, self.pos).end()
        while src.startswith("\\\n", pos):  # line continuation between words
            pos = _BLANKS.match(src, pos + 2).end()
        if pos < len(src) and src[pos] == "#":
            end = src.find("\n", pos)
            pos = len(src) if end < 0 else end
        self.pos = pos
        if pos >= len(src):
            return _EOF
        number = _IO_NUMBER.match(src, pos)
        if number:
            self.pos = number.end()
            op = self._operator()
            return ("redir", (int(number.group()), op))
        char = src[pos]
        if char in ";&|()<>\n":
            op = self._operator()
            if op in _REDIR_OPS:
                return ("redir", (0 if op[0] == "<" else 1, op))
            return ("op", op)
        return ("word", self._word())

    def _operator(self) -> str:
        for op in _OPERATORS:
            if self.src.startswith(op, self.pos):
                self.pos += len(op)
                return op
        raise ShellSyntaxError(f"syntax error: '{self.src[self.pos]}' unexpected")  # pragma: no cover

    def _word(self) -> Word:
        src, end = self.src, len(self.src)
        parts: list[Part] = []
        while self.pos < end:
            pos = self.pos
            char = src[pos]
            if char in " \t\n;&|<>()":
                break
            if char == "\\":
                if pos + 1 >= end:
                    self.pos += 1  # a trailing backslash is lost
                elif src[pos + 1] == "\n":
                    self.pos += 2
                else:
                    parts.append((_LIT, src[pos + 1], True))
                    self.pos += 2
            elif char == "'":
                close = src.find("'", pos + 1)
                if close < 0:
                    raise ShellSyntaxError("no closing quote")
                parts.append((_LIT, src[pos + 1 : close], True))
                self.pos = close + 1
            elif char == '"':
                self.pos += 1
                self._double_quoted(parts)
            elif char == "$":
                self._dollar(parts, quoted=False)
            elif char == "`":
                self._backquote(parts, quoted=False)
            else:
                run = _PLAIN_RUN.match(src, pos)
                parts.append((_LIT, run.group(), False))  # type: ignore[union-attr]
                self.pos = run.end()  # type: ignore[union-attr]
        return tuple(parts)

    def _double_quoted(self, parts: list[Part]) -> None:
        src, end = self.src, len(self.src)
        parts.append((_LIT, "", True))  # "" is an (empty) argument
        while True:
            if self.pos >= end:
                raise ShellSyntaxError("no closing quote")
            pos = self.pos
            char = src[pos]
            if char == '"':
                self.pos += 1
                return
            if char == "\\":
                following = src[pos + 1] if pos + 1 < end else ""
                if following == "\n":
                    self.pos += 2
                elif following in ('"', "\\", "$", "`"):
                    parts.append((_LIT, following, True))
                    self.pos += 2
                else:
                    parts.append((_LIT, "\\", True))
                    self.pos += 1
            elif char == "$":
                self._dollar(parts, quoted=True)
            elif char == "`":
                self._backquote(parts, quoted=True)
            else:
                run = _DQ_RUN.match(src, pos)
                parts.append((_LIT, run.group(), True))  # type: ignore[union-attr]
                self.pos = run.end()  # type: ignore[union-attr]

    def _dollar(self, parts: list[Part], quoted: bool) -> None:
        src, pos = self.src, self.pos
        following = src[pos + 1] if pos + 1 < len(src) else ""
        if following == "{":
            close = src.find("}", pos + 2)
            if close < 0:
                raise ShellSyntaxError("no closing quote")
            parts.append((_VAR, _brace_expression(src[pos + 2 : close]), quoted))
            self.pos = close + 1
        elif following == "(":
            if src.startswith("((", pos + 1):
                raise ShellSyntaxError("syntax error: arithmetic expansion is not supported")
            self.pos = pos + 2
            body = self._nested_list(")")
            parts.append((_SUB, body, quoted))
        elif following and (following in "?$#!-@*" or following.isdigit()):
            parts.append((_VAR, (following, "", ""), quoted))
            self.pos = pos + 2
        else:
            name = _NAME.match(src, pos + 1)
            if name:
                parts.append((_VAR, (name.group(), "", ""), quoted))
                self.pos = name.end()
            else:
                parts.append((_LIT, "$", quoted))
                self.pos = pos + 1

    def _backquote(self, parts: list[Part], quoted: bool) -> None:
        src, pos = self.src, self.pos + 1
        text: list[str] = []
        while True:
            if pos >= len(src):
                raise ShellSyntaxError("no closing quote")
            char = src[pos]
            if char == "`":
                break
            if char == "\\" and pos + 1 < len(src) and src[pos + 1] in "$`\\":
                text.append(src[pos + 1])
                pos += 2
                continue
            text.append(char)
            pos += 1
        self.pos = pos + 1
        inner = _Parser("".join(text), self.depth + 1)
        parts.append((_SUB, inner.program(), quoted))

    def _nested_list(self, closer: str) -> _List:
        self._enter()
        saved = self.peeked
        self.peeked = None
        body = self.compound_list()
        token = self.take()
        if token != ("op", closer):
            self._unexpected(token)
        self.peeked = saved
        self.depth -= 1
        return body

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_NESTING:
            raise ShellSyntaxError("syntax error: nesting too deep")

    # --- grammar -------------------------------------------------------------------------------

    def program(self) -> _List:
        body = self.compound_list()
        token = self.peek()
        if token is not _EOF:
            self._unexpected(token)
        return body

    def _unexpected(self, token: tuple) -> None:
        kind, value = token
        if kind == "eof":
            raise ShellSyntaxError("syntax error: unexpected EOF")
        if kind == "op":
            shown = "newline" if value == "\n" else value
        elif kind == "redir":
            shown = value[1]
        else:
            shown = "".join(part[1] if part[0] == _LIT else "$" for part in value)
        raise ShellSyntaxError(f"syntax error: '{shown}' unexpected")

    def _keyword(self) -> str | None:
        kind, value = self.peek()
        if kind == "word" and len(value) == 1 and value[0][0] == _LIT and not value[0][2]:
            text = value[0][1]
            if text in _KEYWORDS:
                return text
        return None

    def _skip_newlines(self) -> None:
        while self.peek() == ("op", "\n"):
            self.take()

    def compound_list(self) -> _List:
        items: _List = []
        while True:
            self._skip_newlines()
            token = self.peek()
            if token is _EOF or token == ("op", ")"):
                break
            keyword = self._keyword()
            if keyword in ("then", "else", "elif", "fi", "do", "done", "}", "esac", "in"):
                break
            if keyword in _UNSUPPORTED_KEYWORDS:
                raise ShellSyntaxError(f"syntax error: '{keyword}' is not supported by this shell")
            and_or = self.and_or()
            if and_or is None:
                self._unexpected(self.peek())
            items.append(and_or)
            token = self.peek()
            if token in (("op", ";"), ("op", "&"), ("op", "\n")):
                self.take()
                continue
            break
        return items

    def and_or(self) -> _AndOr | None:
        first = self.pipeline()
        if first is None:
            return None
        rest = []
        while self.peek() in (("op", "&&"), ("op", "||")):
            op = self.take()[1]
            self._skip_newlines()
            following = self.pipeline()
            if following is None:
                self._unexpected(self.peek())
            rest.append((op, following))
        return _AndOr(first, rest)

    def pipeline(self) -> _Pipeline | None:
        negate = False
        if self._keyword() == "!":
            self.take()
            negate = True
        command = self.command()
        if command is None:
            if negate:
                self._unexpected(self.peek())
            return None
        commands = [command]
        while self.peek() == ("op", "|"):
            self.take()
            self._skip_newlines()
            command = self.command()
            if command is None:
                self._unexpected(self.peek())
            commands.append(command)
        return _Pipeline(negate, commands)

    def command(self) -> _Simple | _Compound | None:
        keyword = self._keyword()
        token = self.peek()
        compound: _Compound | None = None
        if keyword == "if":
            compound = self._if()
        elif keyword in ("while", "until"):
            compound = self._while(keyword)
        elif keyword == "for":
            compound = self._for()
        elif keyword == "{":
            self.take()
            self._enter()
            body = self.compound_list()
            self._expect("}")
            self.depth -= 1
            compound = _Compound("group", (body,))
        elif keyword is not None and keyword not in ("[[",):
            return None
        elif token == ("op", "("):
            self.take()
            compound = _Compound("subshell", (self._nested_list(")"),))
        elif token[0] in ("word", "redir"):
            return self._simple()
        else:
            return None
        while self.peek()[0] == "redir":
            compound.redirs.append(self._redirection())
        return compound

    def _expect(self, keyword: str) -> None:
        if self._keyword() != keyword:
            self._unexpected(self.peek())
        self.take()

    def _if(self) -> _Compound:
        self.take()
        self._enter()
        branches = []
        otherwise = None
        while True:
            condition = self.compound_list()
            self._expect("then")
            body = self.compound_list()
            if not condition or not body:
                self._unexpected(self.peek())
            branches.append((condition, body))
            keyword = self._keyword()
            if keyword not in ("elif", "else", "fi"):
                self._unexpected(self.peek())
            self.take()
            if keyword == "elif":
                continue
            if keyword == "else":
                otherwise = self.compound_list()
                self._expect("fi")
            break
        self.depth -= 1
        return _Compound("if", (branches, otherwise))

    def _while(self, keyword: str) -> _Compound:
        self.take()
        self._enter()
        condition = self.compound_list()
        self._expect("do")
        body = self.compound_list()
        self._expect("done")
        self.depth -= 1
        return _Compound(keyword, (condition, body))

    def _for(self) -> _Compound:
        self.take()
        self._enter()
        kind, value = self.take()
        if kind != "word" or len(value) != 1 or value[0][2] or not _NAME.fullmatch(value[0][1]):
            raise ShellSyntaxError("for: bad identifier")
        name = value[0][1]
        words: list[Word] = []
        self._skip_newlines()
        if self._keyword() == "in":
            self.take()
            while self.peek()[0] == "word":
                words.append(self.take()[1])
        if self.peek() in (("op", ";"), ("op", "\n")):
            self.take()
        self._skip_newlines()
        self._expect("do")
        body = self.compound_list()
        self._expect("done")
        self.depth -= 1
        return _Compound("for", (name, words, body))

    def _simple(self) -> _Simple:
        command = _Simple()
        while True:
            kind, value = self.peek()
            if kind == "redir":
                command.redirs.append(self._redirection())
            elif kind == "word":
                self.take()
                first = value[0] if value else None
                assignment = (
                    _ASSIGN.match(first[1]) if first and first[0] == _LIT and not first[2] else None
                )
                if assignment and not command.words:
                    rest = first[1][assignment.end() :]
                    value_word = ((_LIT, rest, False),) + tuple(value[1:]) if rest else tuple(value[1:])
                    command.assigns.append((assignment.group(1), value_word))
                else:
                    command.words.append(value)
            else:
                return command

    def _redirection(self) -> _Redir:
        fd, op = self.take()[1]
        if op == "<<":
            raise ShellSyntaxError("syntax error: here documents are not supported by this shell")
        kind, target = self.take()
        if kind != "word":
            self._unexpected((kind, target))
        return _Redir(fd, op, target)


def _brace_expression(inner: str) -> tuple[str, str, str]:
    """``${NAME}``, ``${#NAME}`` and ``${NAME:-word}`` (and ``-``, ``:+``, ``+``, ``:=``, ``=``)."""
    if inner.startswith("#") and (_NAME.fullmatch(inner[1:]) or inner[1:] in ("?", "#")):
        return (inner[1:], "#", "")
    name = _NAME.match(inner)
    if name is None:
        if len(inner) == 1 and (inner in "?$#!-@*" or inner.isdigit()):
            return (inner, "", "")
        raise ShellSyntaxError(f"${{{inner}}}: bad substitution")
    rest = inner[name.end() :]
    if not rest:
        return (name.group(), "", "")
    for op in (":-", ":+", ":=", "-", "+", "="):
        if rest.startswith(op):
            return (name.group(), op, rest[len(op) :])
    raise ShellSyntaxError(f"${{{inner}}}: bad substitution")


def parse(script: str) -> _List:
    """Parse a whole ``sh -c`` script; raise :class:`ShellSyntaxError` on bad syntax."""
    return _Parser(script).program()


# === output routing ==============================================================================


class _Sink:
    __slots__ = ()

    def write(self, events: list[Event], data: bytes) -> None:
        raise NotImplementedError


class _Terminal(_Sink):
    """One of the connection's streams."""

    __slots__ = ("fd",)

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, events: list[Event], data: bytes) -> None:
        events.append(Output(self.fd, data))


class _Null(_Sink):
    __slots__ = ()

    def write(self, events: list[Event], data: bytes) -> None:
        pass


class _Buffer(_Sink):
    """A pipe or a command substitution."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, events: list[Event], data: bytes) -> None:
        self.data += data


class _FileSink(_Sink):
    __slots__ = ("path", "data")

    def __init__(self, path: str) -> None:
        self.path = path
        self.data = bytearray()

    def write(self, events: list[Event], data: bytes) -> None:
        self.data += data


_STDOUT_SINK = _Terminal(STDOUT)
_STDERR_SINK = _Terminal(STDERR)
_NULL_SINK = _Null()


@dataclass(frozen=True)
class OrderedResult(CommandResult):
    """A result that also keeps how stdout, stderr and pauses interleaved (for ``2>&1``)."""

    chunks: tuple[Output | Pause, ...] = ()


class _Stop(Exception):
    def __init__(self, fault: Fault) -> None:
        self.fault = fault


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


_IO = tuple  # (stdin: bytes, out: _Sink, err: _Sink)


# === interpreter =================================================================================


class _Interpreter:
    __slots__ = ("ctx", "commands", "hooks", "events", "status", "commands_run")

    def __init__(self, ctx: ShellContext, commands: CommandTable, hooks: CommandHooks) -> None:
        self.ctx = ctx
        self.commands = commands
        self.hooks = hooks
        self.events: list[Event] = []
        self.status = 0
        self.commands_run = 0

    # --- lists and compounds -------------------------------------------------------------------

    def run_list(self, items: _List, io: _IO) -> int:
        for and_or in items:
            status = self.run_pipeline(and_or.first, io)
            for op, pipeline in and_or.rest:
                if (status == 0) == (op == "&&"):
                    status = self.run_pipeline(pipeline, io)
            self.status = status
        return self.status

    def run_pipeline(self, pipeline: _Pipeline, io: _IO) -> int:
        commands = pipeline.commands
        if len(commands) == 1:
            status = self.run_command(commands[0], io)
        else:
            stdin, out, err = io
            last = len(commands) - 1
            for index, command in enumerate(commands):
                sink = out if index == last else _Buffer()
                status = self.run_isolated(command, (stdin, sink, err))
                if index != last:
                    stdin = bytes(sink.data)  # type: ignore[attr-defined]
        if pipeline.negate:
            status = 0 if status else 1
        self.status = status
        return status

    def run_isolated(self, command: _Simple | _Compound, io: _IO) -> int:
        """Run in a subshell: variables, ``cd`` and ``exit`` do not reach the parent."""
        env, cwd = dict(self.ctx.env), self.ctx.cwd
        try:
            return self.run_command(command, io)
        except _Exit as exit_:
            return exit_.status
        finally:
            self.ctx.env, self.ctx.cwd = env, cwd

    def run_command(self, command: _Simple | _Compound, io: _IO) -> int:
        if type(command) is _Simple:
            return self.run_simple(command, io)
        assert isinstance(command, _Compound)
        if command.redirs:
            opened = self.open_redirections(command.redirs, io)
            if opened is None:
                return 1
            io, files = opened
            try:
                return self.run_compound(command, io)
            finally:
                self.flush(files)
        return self.run_compound(command, io)

    def run_compound(self, command: _Compound, io: _IO) -> int:
        kind, parts = command.kind, command.parts
        if kind == "group":
            return self.run_list(parts[0], io)
        if kind == "subshell":
            return self.run_isolated_list(parts[0], io)
        if kind == "if":
            branches, otherwise = parts
            for condition, body in branches:
                if self.run_list(condition, io) == 0:
                    return self.run_list(body, io)
            return self.run_list(otherwise, io) if otherwise else 0
        if kind == "for":
            name, words, body = parts
            values = [field for word in words for field in self.expand_word(word, io[2])]
            status = 0
            for value in values:
                self.ctx.env[name] = value
                status = self.run_list(body, io)
            return status
        # while / until
        condition, body = parts
        status = 0
        for _ in range(_MAX_LOOP_ROUNDS):
            if (self.run_list(condition, io) == 0) != (kind == "while"):
                return status
            status = self.run_list(body, io)
        raise _Stop(Fault.HANG)

    def run_isolated_list(self, items: _List, io: _IO) -> int:
        env, cwd = dict(self.ctx.env), self.ctx.cwd
        try:
            return self.run_list(items, io)
        except _Exit as exit_:
            return exit_.status
        finally:
            self.ctx.env, self.ctx.cwd = env, cwd

    # --- simple commands -----------------------------------------------------------------------

    def run_simple(self, command: _Simple, io: _IO) -> int:
        err = io[2]
        argv: list[str] = []
        for word in command.words:
            argv.extend(self.expand_word(word, err))
        if not argv:
            for name, word in command.assigns:
                self.ctx.env[name] = self.expand_string(word, err)
            if command.redirs:
                opened = self.open_redirections(command.redirs, io)
                if opened is None:
                    return 1
                self.flush(opened[1])
            return 0
        plan = self.hooks.before_command(argv)
        fault = plan.fault
        if fault is Fault.HANG or fault is Fault.DROP:
            raise _Stop(fault)
        if plan.latency > 0:
            self.events.append(Pause(plan.latency))
        files: list[_FileSink] = []
        if command.redirs:
            opened = self.open_redirections(command.redirs, io)
            if opened is None:
                return 1
            io, files = opened
        mark = len(self.events)
        try:
            status = self.dispatch(argv, command.assigns, io)
        finally:
            self.commands_run += 1
            self.flush(files)
        if fault is Fault.DROP_MID_OUTPUT:
            self.events[mark:] = _first_half(self.events[mark:])
            raise _Stop(Fault.DROP)
        return status

    def dispatch(self, argv: list[str], assigns: list[tuple[str, Word]], io: _IO) -> int:
        stdin, out, err = io
        name = argv[0]
        if name == "exit":
            raise _Exit(self.exit_status(argv, err))
        if name == "eval":
            return self.eval(argv[1:], io)
        if name in ("sh", SH) and len(argv) > 2 and argv[1] == "-c":
            return self.eval([argv[2]], io, isolated=True)
        command: Command | None
        if name in SPECIAL_BUILTINS:
            command = BUILTINS.get(name)
        else:
            command = self.commands.get(name) or BUILTINS.get(name)
            if command is None and "/" in name:
                base = posixpath.basename(name)
                if posixpath.dirname(name) in ("/system/bin", "/system/xbin", "/bin", "/vendor/bin"):
                    command = self.commands.get(base) or BUILTINS.get(base)
        if command is None:
            err.write(self.events, _b(f"{SH}: {name}: inaccessible or not found\n"))
            return 127
        ctx = self.ctx
        if assigns:
            env = dict(ctx.env)
            for var, word in assigns:
                env[var] = self.expand_string(word, err)
            ctx = ShellContext(fs=ctx.fs, phone=ctx.phone, uid=ctx.uid, cwd=ctx.cwd, env=env)
        result = command(ctx, argv, stdin)
        if ctx is not self.ctx:
            self.ctx.cwd = ctx.cwd
        events = self.events
        chunks = getattr(result, "chunks", None)
        if chunks is None:
            if result.stdout:
                out.write(events, result.stdout)
            if result.stderr:
                err.write(events, result.stderr)
        else:
            for chunk in chunks:
                if type(chunk) is Pause:
                    events.append(chunk)
                elif chunk.fd == STDERR:
                    err.write(events, chunk.data)
                else:
                    out.write(events, chunk.data)
        return result.status & 0xFF

    def exit_status(self, argv: list[str], err: _Sink) -> int:
        if len(argv) < 2:
            return self.status
        try:
            return int(argv[1]) & 0xFF
        except ValueError:
            err.write(self.events, _b(f"{SH}: exit: {argv[1]}: bad number\n"))
            return 1

    def eval(self, args: list[str], io: _IO, isolated: bool = False) -> int:
        """``eval ARGS`` in this shell, or ``sh -c SCRIPT`` in a child shell (``isolated``)."""
        try:
            body = parse(" ".join(args))
        except ShellSyntaxError as error:
            io[2].write(self.events, _b(f"{SH}: {error.message}\n"))
            return 1
        return self.run_isolated_list(body, io) if isolated else self.run_list(body, io)

    # --- redirections --------------------------------------------------------------------------

    def open_redirections(self, redirs: list[_Redir], io: _IO) -> tuple[_IO, list[_FileSink]] | None:
        stdin, out, err = io
        fds: dict[int, _Sink] = {1: out, 2: err}
        files: list[_FileSink] = []
        fs, cwd, uid = self.ctx.fs, self.ctx.cwd, self.ctx.uid
        for redir in redirs:
            op = redir.op
            target = self.expand_string(redir.target, fds[2])
            if op in (">&", "<&"):
                if target == "-":
                    fds[redir.fd] = _NULL_SINK
                elif target.isdigit() and int(target) in fds:
                    fds[redir.fd] = fds[int(target)]
                elif target.isdigit() and redir.fd == 0 and target == "0":
                    pass
                else:
                    fds[2].write(self.events, _b(f"{SH}: {target}: bad file descriptor\n"))
                    self.flush(files)
                    return None
                continue
            is_null = absolute(target, cwd) == "/dev/null" if target else False
            if op in ("<", "<>"):
                if redir.fd != 0:
                    continue
                if is_null:
                    stdin = b""
                    continue
                try:
                    stdin = fs.read_file(target, cwd=cwd, uid=uid)
                except FsError as error:
                    fds[2].write(self.events, _b(f"{SH}: can't open {target}: {error.reason}\n"))
                    self.flush(files)
                    return None
                continue
            if is_null:
                fds[redir.fd] = _NULL_SINK
                continue
            try:
                if not target:
                    raise FsError("ENOENT", target)
                fs.write_file(target, b"", cwd=cwd, uid=uid, append=op == ">>")
            except FsError as error:
                fds[2].write(self.events, _b(f"{SH}: can't create {target}: {error.reason}\n"))
                self.flush(files)
                return None
            sink = _FileSink(target)
            files.append(sink)
            fds[redir.fd] = sink
        return (stdin, fds[1], fds[2]), files

    def flush(self, files: list[_FileSink]) -> None:
        ctx = self.ctx
        for sink in files:
            if sink.data:
                try:
                    ctx.fs.write_file(sink.path, bytes(sink.data), cwd=ctx.cwd, uid=ctx.uid, append=True)
                except FsError:
                    pass  # removed or refused while the command ran: the write is lost, as on a phone
                sink.data.clear()

    # --- expansion -----------------------------------------------------------------------------

    def expand_word(self, word: Word, err: _Sink) -> list[str]:
        """Fields of one word: parameter and command substitution, field splitting, globbing."""
        if len(word) == 1 and word[0][0] == _LIT:
            text = word[0][1]
            if word[0][2] or not _has_glob(text):
                return [text]
        fields: list[list[tuple[str, bool]]] = []
        current: list[tuple[str, bool]] = []
        real = False
        for kind, value, quoted in word:
            if kind == _LIT:
                current.append((value, not quoted))
                real = True
                continue
            text = self.substitute(kind, value, err)
            if quoted:
                current.append((text, False))
                real = True
                continue
            pieces = text.split() if text.strip() else []
            if text[:1].isspace() and real:
                fields.append(current)
                current, real = [], False
            for index, piece in enumerate(pieces):
                if index:
                    fields.append(current)
                    current = []
                current.append((piece, True))
                real = True
            if text[-1:].isspace() and real:
                fields.append(current)
                current, real = [], False
        if real:
            fields.append(current)
        result: list[str] = []
        for field in fields:
            text = "".join(piece for piece, _ in field)
            if any(active and _has_glob(piece) for piece, active in field):
                pattern = "".join(piece if active else _glob_escape(piece) for piece, active in field)
                matches = self.glob(pattern)
                if matches:
                    result.extend(matches)
                    continue
            result.append(text)
        return result

    def expand_string(self, word: Word, err: _Sink) -> str:
        """One string, no splitting or globbing (assignments, redirection targets)."""
        return "".join(
            value if kind == _LIT else self.substitute(kind, value, err) for kind, value, _ in word
        )

    def substitute(self, kind: int, value: object, err: _Sink) -> str:
        if kind == _SUB:
            buffer = _Buffer()
            env, cwd = dict(self.ctx.env), self.ctx.cwd
            try:
                self.run_list(value, (b"", buffer, err))  # type: ignore[arg-type]
            except _Exit as exit_:
                self.status = exit_.status
            finally:
                self.ctx.env, self.ctx.cwd = env, cwd
            return _s(bytes(buffer.data)).rstrip("\n")
        name, op, arg = value  # type: ignore[misc]
        current = self.variable(name)
        if op == "#":
            return str(len(current or ""))
        if op in (":-", "-"):
            return arg if (current is None or (op == ":-" and not current)) else current
        if op in (":=", "="):
            if current is None or (op == ":=" and not current):
                self.ctx.env[name] = arg
                return arg
            return current
        if op in (":+", "+"):
            return arg if (current is not None and (op == "+" or current)) else ""
        return current or ""

    def variable(self, name: str) -> str | None:
        if name == "?":
            return str(self.status)
        if name == "$":
            return _PID
        if name == "#":
            return "0"
        if name == "0":
            return SH
        if name in ("!", "-", "@", "*") or name.isdigit():
            return ""
        return self.ctx.env.get(name)

    def glob(self, pattern: str) -> list[str]:
        fs, cwd, uid = self.ctx.fs, self.ctx.cwd, self.ctx.uid
        bases = ["/"] if pattern.startswith("/") else [""]
        for component in (part for part in pattern.split("/") if part):
            found: list[str] = []
            for base in bases:
                if _has_glob(component):
                    try:
                        names = fs.listdir(base or ".", cwd=cwd, uid=uid)
                    except FsError:
                        continue
                    hidden_ok = component.startswith(".")
                    for name in names:
                        if (hidden_ok or not name.startswith(".")) and fnmatch.fnmatchcase(name, component):
                            found.append(_join_path(base, name))
                else:
                    path = _join_path(base, component)
                    if fs.exists(path, cwd=cwd, uid=uid):
                        found.append(path)
            bases = found
            if not bases:
                return []
        return sorted(bases)


def _has_glob(text: str) -> bool:
    return "*" in text or "?" in text or "[" in text


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _join_path(base: str, name: str) -> str:
    if not base:
        return name
    return base + name if base.endswith("/") else f"{base}/{name}"


def _first_half(events: list[Event]) -> list[Event]:
    """The events of one command cut after half its output bytes (at least one byte if any)."""
    total = sum(len(event.data) for event in events if type(event) is Output)
    remaining = max(1, total // 2) if total else 0
    kept: list[Event] = []
    for event in events:
        if type(event) is Pause:
            kept.append(event)
            continue
        if remaining <= 0:
            break
        piece = event.data[:remaining]  # type: ignore[union-attr]
        kept.append(Output(event.fd, piece))  # type: ignore[union-attr]
        remaining -= len(piece)
    return kept


def run_script(script: str, ctx: ShellContext, commands: CommandTable, hooks: CommandHooks) -> ShellOutcome:
    """Run one ``sh -c`` script to completion or to a fault (the api.ShellRunner)."""
    try:
        body = parse(script)
    except ShellSyntaxError as error:
        return ShellOutcome([Output(STDERR, _b(f"{SH}: {error.message}\n"))], status=1)
    own_ctx = ShellContext(fs=ctx.fs, phone=ctx.phone, uid=ctx.uid, cwd=ctx.cwd, env=dict(ctx.env))
    interpreter = _Interpreter(own_ctx, commands, hooks)
    try:
        status = interpreter.run_list(body, (b"", _STDOUT_SINK, _STDERR_SINK))
    except _Stop as stop:
        return ShellOutcome(interpreter.events, status=None, fault=stop.fault, commands_run=interpreter.commands_run)
    except _Exit as exit_:
        status = exit_.status
    return ShellOutcome(interpreter.events, status=status, commands_run=interpreter.commands_run)


# === built-in commands ===========================================================================


class _Out:
    """Collects one command's output in order; ``result`` turns it into an :class:`OrderedResult`."""

    __slots__ = ("chunks",)

    def __init__(self) -> None:
        self.chunks: list[Output | Pause] = []

    def out(self, text: str | bytes) -> None:
        if text:
            self.chunks.append(Output(STDOUT, _b(text) if isinstance(text, str) else text))

    def err(self, text: str) -> None:
        self.chunks.append(Output(STDERR, _b(text)))

    def pause(self, seconds: float) -> None:
        self.chunks.append(Pause(seconds))

    def result(self, status: int) -> OrderedResult:
        stdout = b"".join(c.data for c in self.chunks if type(c) is Output and c.fd == STDOUT)
        stderr = b"".join(c.data for c in self.chunks if type(c) is Output and c.fd == STDERR)
        return OrderedResult(stdout=stdout, stderr=stderr, status=status, chunks=tuple(self.chunks))


class _Usage(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _toybox_options(
    name: str, argv: Sequence[str], flags: str, with_value: str = ""
) -> tuple[set[str], dict[str, str], list[str]]:
    """toybox-style option parsing: options anywhere, bundled, ``--`` ends them."""
    seen: set[str] = set()
    values: dict[str, str] = {}
    args: list[str] = []
    items = list(argv[1:])
    index = 0
    while index < len(items):
        item = items[index]
        index += 1
        if item == "--":
            args.extend(items[index:])
            break
        if len(item) < 2 or item[0] != "-":
            args.append(item)
            continue
        for position, letter in enumerate(item[1:], start=1):
            if letter in with_value:
                rest = item[position + 1 :]
                if not rest:
                    if index >= len(items):
                        raise _Usage(f"{name}: Missing argument to -{letter} (see \"{name} --help\")")
                    rest = items[index]
                    index += 1
                values[letter] = rest
                seen.add(letter)
                break
            if letter not in flags:
                raise _Usage(f"{name}: Unknown option '{letter}' (see \"{name} --help\")")
            seen.add(letter)
    return seen, values, args


def _needs_argument(name: str, status: int = 1) -> CommandResult:
    return CommandResult(stderr=_b(f'{name}: Needs 1 argument (see "{name} --help")\n'), status=status)


def _applet_args(
    name: str, argv: Sequence[str], flags: str, with_value: str = "", needs_operand: bool = False
) -> tuple[set[str], dict[str, str], list[str]] | CommandResult:
    """Options and operands of a toybox applet, or the usage error it prints (status 1)."""
    try:
        parsed = _toybox_options(name, argv, flags, with_value)
    except _Usage as usage:
        return CommandResult(stderr=_b(usage.message + "\n"), status=1)
    if needs_operand and not parsed[2]:
        return _needs_argument(name)
    return parsed


def _int_arg(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


# --- echo, printf, true, false -------------------------------------------------------------------

_ECHO_ESCAPES = {"a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_ECHO_ESCAPE = re.compile(r"\\(0[0-7]{0,3}|.)", re.DOTALL)  # echo and %b: octal needs a leading 0
_PRINTF_ESCAPE = re.compile(r"\\([0-7]{1,3}|.)", re.DOTALL)


def _unescape(text: str, escape: re.Pattern[str]) -> tuple[str, bool]:
    """Backslash escapes of echo/printf; returns (text, stopped) where ``\\c`` stops all output."""
    pieces = []
    pos = 0
    for match in escape.finditer(text):
        pieces.append(text[pos : match.start()])
        pos = match.end()
        code = match.group(1)
        if code == "c":
            return "".join(pieces), True
        if code[0] in "01234567" and (escape is _PRINTF_ESCAPE or code[0] == "0"):
            digits = code if escape is _PRINTF_ESCAPE else code[1:]
            pieces.append(chr(int(digits or "0", 8) & 0xFF))
        else:
            pieces.append(_ECHO_ESCAPES.get(code, code if code in "\"'" else "\\" + code))
    pieces.append(text[pos:])
    return "".join(pieces), False


def _echo(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    """mksh's echo: ``-n`` ``-e`` ``-E``; escapes are interpreted by default, as in mksh."""
    args = list(argv[1:])
    newline, escapes = True, True
    while args and len(args[0]) > 1 and args[0][0] == "-" and set(args[0][1:]) <= {"n", "e", "E"}:
        for letter in args.pop(0)[1:]:
            if letter == "n":
                newline = False
            else:
                escapes = letter == "e"
    text = " ".join(args)
    if escapes and "\\" in text:
        text, stopped = _unescape(text, _ECHO_ESCAPE)
        if stopped:
            newline = False
    return CommandResult(stdout=_b(text + "\n" if newline else text))


_PRINTF_SPEC = re.compile(r"%([-+ #0]*)(\d*|\*)(?:\.(\d*))?([sdiuxXocb%])")


def _printf(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    """toybox printf: the format is reused while arguments remain."""
    if len(argv) < 2:
        return _needs_argument("printf")
    fmt, args = argv[1], list(argv[2:])
    out: list[str] = []
    errors: list[str] = []
    index = 0

    def take() -> str | None:
        nonlocal index
        if index < len(args):
            index += 1
            return args[index - 1]
        return None

    def convert(match: re.Match[str]) -> str:
        flags, width, precision, conversion = match.groups()
        if conversion == "%":
            return "%"
        if width == "*":
            width = str(_int_arg(take() or "0") or 0)
        value = take()
        spec = "%" + flags + width + ("." + precision if precision is not None else "")
        if conversion in "diuxXo":
            number = 0 if not value else _int_arg(value.strip())
            if number is None:
                errors.append(f"printf: invalid number '{value}'\n")
                number = 0
            return (spec + ("d" if conversion in "iu" else conversion)) % number
        text = value or ""
        if conversion == "c":
            text = text[:1]
        elif conversion == "b":
            text = _unescape(text, _ECHO_ESCAPE)[0]
        return (spec + "s") % text

    while True:
        start = index
        pos = 0
        stopped = False
        for match in _PRINTF_SPEC.finditer(fmt):
            literal, stopped = _unescape(fmt[pos : match.start()], _PRINTF_ESCAPE)
            out.append(literal)
            if stopped:
                break
            out.append(convert(match))
            pos = match.end()
        if not stopped:
            literal, stopped = _unescape(fmt[pos:], _PRINTF_ESCAPE)
            out.append(literal)
        if stopped or index >= len(args) or index == start:
            break
    return CommandResult(stdout=_b("".join(out)), stderr=_b("".join(errors)), status=1 if errors else 0)


def _true(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return CommandResult()


def _false(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return CommandResult(status=1)


# --- test / [ ------------------------------------------------------------------------------------

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
            number = _int_arg(text.strip())
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


def _test(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    name = argv[0]
    args = list(argv[1:])
    closer = {"[": "]", "[[": "]]"}.get(name)
    if closer is not None:
        if not args or args[-1] != closer:
            return CommandResult(stderr=_b(f"{SH}: {name}: missing {closer}\n"), status=2)
        args.pop()
    try:
        value = _TestParser(ctx, name, args).evaluate()
    except _TestError as error:
        return CommandResult(stderr=_b(f"{SH}: {name}: {error}\n"), status=2)
    return CommandResult(status=0 if value else 1)


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


def _ls(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    """toybox ls as seen through a pipe (one name per line): -1 -a -A -l -d -p -F -R -t -r."""
    parsed = _applet_args("ls", argv, "1aAldpFRtrChinosgkmqsuxZcHLbf")
    if isinstance(parsed, CommandResult):
        return parsed
    flags, _, paths = parsed
    fs, cwd, uid = ctx.fs, ctx.cwd, ctx.uid
    out = _Out()
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
            subdirs = [_join_path(path, name) for name, info in entries if info.kind == DIR and name not in (".", "..")]
            pending[0:0] = subdirs
    return out.result(status)


# --- find ----------------------------------------------------------------------------------------


class _FindError(Exception):
    pass


class _FindExpression:
    """toybox find's filters, evaluated in order with short-circuit ``-a``/``-o``/``!``."""

    def __init__(self, ctx: ShellContext, tokens: list[str]) -> None:
        self.ctx = ctx
        self.tokens = tokens
        self.pos = 0
        self.prints = False
        self.tree = self.or_() if tokens else ("true",)
        if self.pos != len(tokens):
            raise _FindError(f"bad arg '{tokens[self.pos]}'")

    def _next(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def or_(self) -> tuple:
        node = self.and_()
        while self._next() in ("-o", "-or"):
            self.pos += 1
            node = ("or", node, self.and_())
        return node

    def and_(self) -> tuple:
        node = self.not_()
        while self._next() not in (None, "-o", "-or", ")"):
            if self._next() in ("-a", "-and"):
                self.pos += 1
            node = ("and", node, self.not_())
        return node

    def not_(self) -> tuple:
        if self._next() in ("!", "-not"):
            self.pos += 1
            return ("not", self.not_())
        return self.primary()

    def primary(self) -> tuple:
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
            return ("print", "\n" if token == "-print" else "\0")
        if token in ("-true", "-false"):
            return (token[1:],)
        if token == "-empty":
            return ("empty",)
        if token in ("-name", "-iname", "-path", "-ipath", "-type", "-maxdepth", "-mindepth", "-newer", "-size"):
            argument = self._next()
            if argument is None:
                raise _FindError(f"'{token}' needs 1 arg")
            self.pos += 1
            return self._filter(token, argument)
        raise _FindError(f"bad arg '{token}'")

    def _filter(self, token: str, argument: str) -> tuple:
        if token in ("-name", "-iname", "-path", "-ipath"):
            icase = token[1] == "i"
            regex = re.compile(fnmatch.translate(argument.lower() if icase else argument))
            return ("path" if token.endswith("path") else "name", regex, icase)
        if token == "-type":
            if argument[:1] not in ("d", "f", "l", "b", "c", "p", "s"):
                raise _FindError(f"bad -type '{argument[:1]}'")
            return ("type", {"d": DIR, "f": FILE, "l": LINK}.get(argument[:1], "?"))
        if token in ("-maxdepth", "-mindepth"):
            depth = _int_arg(argument)
            if depth is None:
                raise _FindError(f"not integer '{argument}'")
            return (token[1:], depth)
        if token == "-size":
            return ("size", argument)
        ctx = self.ctx
        try:
            reference = ctx.fs.stat(argument, cwd=ctx.cwd, uid=ctx.uid)
        except FsError as error:
            raise _FindError(f"'{argument}': {error.reason}") from None
        return ("newer", reference.mtime)


class _FindVisit:
    __slots__ = ("path", "name", "info", "depth", "prune")

    def __init__(self, path: str, name: str, info: FileInfo, depth: int) -> None:
        self.path = path
        self.name = name
        self.info = info
        self.depth = depth
        self.prune = False


def _find_eval(node: tuple, visit: _FindVisit, out: list[str]) -> bool:
    kind = node[0]
    if kind == "and":
        return _find_eval(node[1], visit, out) and _find_eval(node[2], visit, out)
    if kind == "or":
        return _find_eval(node[1], visit, out) or _find_eval(node[2], visit, out)
    if kind == "not":
        return not _find_eval(node[1], visit, out)
    if kind == "name" or kind == "path":
        subject = visit.name if kind == "name" else visit.path
        return node[1].match(subject.lower() if node[2] else subject) is not None
    if kind == "type":
        return visit.info.kind == node[1]
    if kind == "maxdepth":
        if visit.depth >= node[1]:
            visit.prune = True
        return visit.depth <= node[1]
    if kind == "mindepth":
        return visit.depth >= node[1]
    if kind == "newer":
        return visit.info.mtime > node[1]
    if kind == "print":
        out.append(visit.path + node[1])
        return True
    if kind == "empty":
        return visit.info.size == 0 if visit.info.kind == FILE else False
    if kind == "size":
        return _size_matches(visit.info.size, node[1])
    return kind == "true"


def _size_matches(size: int, spec: str) -> bool:
    sign = spec[:1] if spec[:1] in "+-" else ""
    body = spec[len(sign) :]
    unit = 1 if body.endswith("c") else 512
    number = _int_arg(body.rstrip("ckMG")) or 0
    value = -(-size // unit)
    return value > number if sign == "+" else value < number if sign == "-" else value == number


def _find(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
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
        return CommandResult(stderr=_b(f"find: {error}\n"), status=1)
    fs, cwd, uid = ctx.fs, ctx.cwd, ctx.uid
    out = _Out()
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
                stack.append(_FindVisit(_join_path(visit.path, name), name, child, depth))
        out.out("".join(lines))
    return out.result(status)


# --- touch, mkdir, rm ----------------------------------------------------------------------------


def _each_operand(applet: str, paths: list[str], change: Callable[[str], str | None]) -> CommandResult:
    """Apply ``change`` to every operand; a refusal prints toybox's ``applet: 'path': reason``."""
    out = _Out()
    status = 0
    for path in paths:
        try:
            out.out(change(path) or "")
        except FsError as error:
            out.err(f"{applet}: '{path}': {error.reason}\n")
            status = 1
    return out.result(status)


def _touch(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    parsed = _applet_args("touch", argv, "acmh", with_value="dtr", needs_operand=True)
    if isinstance(parsed, CommandResult):
        return parsed
    flags, _, paths = parsed
    create = "c" not in flags
    return _each_operand("touch", paths, lambda path: ctx.fs.touch(path, cwd=ctx.cwd, uid=ctx.uid, create=create))


def _mkdir(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    parsed = _applet_args("mkdir", argv, "pv", with_value="mZ", needs_operand=True)
    if isinstance(parsed, CommandResult):
        return parsed
    flags, _, paths = parsed
    make = ctx.fs.mkdirs if "p" in flags else ctx.fs.mkdir

    def change(path: str) -> str | None:
        make(path, cwd=ctx.cwd, uid=ctx.uid)
        return f"mkdir: created directory '{path}'\n" if "v" in flags else None

    return _each_operand("mkdir", paths, change)


def _rm(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    parsed = _applet_args("rm", argv, "fiRrv")
    if isinstance(parsed, CommandResult):
        return parsed
    flags, _, paths = parsed
    force, recursive = "f" in flags, bool(flags & {"r", "R"})
    if not paths and not force:
        return _needs_argument("rm")
    out = _Out()
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
                    ok = remove(_join_path(path, name), name) and ok
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


# --- cat, head, wc, grep -------------------------------------------------------------------------


def _read_inputs(
    ctx: ShellContext, applet: str, paths: list[str], stdin: bytes, out: _Out
) -> list[tuple[str, bytes | None]]:
    """(name, content) of each operand, ``-`` or none meaning stdin; None after an error message."""
    inputs: list[tuple[str, bytes | None]] = []
    for path in paths or ["-"]:
        if path == "-":
            inputs.append(("-", stdin))
            continue
        try:
            inputs.append((path, ctx.fs.read_file(path, cwd=ctx.cwd, uid=ctx.uid)))
        except FsError as error:
            out.err(f"{applet}: {path}: {error.reason}\n")
            inputs.append((path, None))
    return inputs


def _cat(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    parsed = _applet_args("cat", argv, "uvteA")
    if isinstance(parsed, CommandResult):
        return parsed
    paths = parsed[2]
    out = _Out()
    status = 0
    for _, data in _read_inputs(ctx, "cat", paths, stdin, out):
        if data is None:
            status = 1
        else:
            out.out(data)
    return out.result(status)


def _head(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    items = [argv[0]] + [f"-n{arg[1:]}" if re.fullmatch(r"-\d+", arg) else arg for arg in argv[1:]]
    parsed = _applet_args("head", items, "qv", with_value="nc")
    if isinstance(parsed, CommandResult):
        return parsed
    _, values, paths = parsed
    count_text = values.get("n", values.get("c", "10"))
    count = _int_arg(count_text)
    if count is None:
        return CommandResult(stderr=_b(f"head: not integer '{count_text}'\n"), status=1)
    out = _Out()
    status = 0
    inputs = _read_inputs(ctx, "head", paths, stdin, out)
    titled = len(inputs) > 1
    first = True
    for name, data in inputs:
        if data is None:
            status = 1
            continue
        if titled:
            out.out(("" if first else "\n") + f"==> {'standard input' if name == '-' else name} <==\n")
        first = False
        if "c" in values:
            out.out(data[:count] if count >= 0 else data[:count])
        else:
            lines = data.splitlines(keepends=True)
            out.out(b"".join(lines[:count] if count >= 0 else lines[:count]))
    return out.result(status)


def _wc(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    parsed = _applet_args("wc", argv, "lwcm")
    if isinstance(parsed, CommandResult):
        return parsed
    flags, _, paths = parsed
    shown = [letter for letter in "lwc" if letter in flags or (letter == "c" and "m" in flags)] or ["l", "w", "c"]
    out = _Out()
    status = 0
    totals = {"l": 0, "w": 0, "c": 0}
    for name, data in _read_inputs(ctx, "wc", paths, stdin, out):
        if data is None:
            status = 1
            continue
        counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data)}
        if "m" in flags:
            counts["c"] = len(_s(data))
        for letter in totals:
            totals[letter] += counts[letter]
        line = " ".join(str(counts[letter]) for letter in shown)
        out.out(f"{line} {name}\n" if paths else f"{line}\n")
    if len(paths) > 1:
        out.out(" ".join(str(totals[letter]) for letter in shown) + " total\n")
    return out.result(status)


def _basic_regex(pattern: str) -> str:
    """POSIX basic regular expression to Python: ``\\( \\) \\{ \\} \\| \\+ \\?`` are the operators."""
    result = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            following = pattern[index + 1]
            result.append(following if following in "(){}|+?" else "\\" + following)
            index += 2
            continue
        result.append("\\" + char if char in "(){}|+?" else char)
        index += 1
    return "".join(result)


def _grep(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    """toybox grep: -i -v -c -E -F -q -n -l -s -w -x -o -e; exit 0 match, 1 none, 2 error."""
    items = list(argv)
    patterns: list[str] = []
    rest = [items[0]]
    index = 1
    while index < len(items):  # -e PATTERN may repeat, collect it first
        if items[index] == "-e" and index + 1 < len(items):
            patterns.append(items[index + 1])
            index += 2
            continue
        rest.append(items[index])
        index += 1
    try:
        flags, _, operands = _toybox_options("grep", rest, "ivcEFqnlswxoHhrR")
    except _Usage as usage:
        return CommandResult(stderr=_b(usage.message + "\n"), status=2)
    if not patterns:
        if not operands:
            return _needs_argument("grep", status=2)
        patterns = [operands.pop(0)]
    sources = []
    for pattern in patterns:
        for alternative in pattern.split("\n"):
            if "F" in flags:
                source = re.escape(alternative)
            elif "E" in flags:
                source = alternative
            else:
                source = _basic_regex(alternative)
            if "w" in flags:
                source = rf"(?<!\w)(?:{source})(?!\w)"
            if "x" in flags:
                source = rf"(?:{source})\Z"
            sources.append(source)
    try:
        regex = re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE if "i" in flags else 0)
    except re.error as error:
        return CommandResult(stderr=_b(f"grep: bad REGEX '{patterns[0]}': {error}\n"), status=2)
    out = _Out()
    errors = _Out() if "s" in flags else out
    matched_any = False
    failed = False
    inputs = _read_inputs(ctx, "grep", operands, stdin, errors)
    prefix_names = len(inputs) > 1 and "h" not in flags or "H" in flags
    invert = "v" in flags
    for name, data in inputs:
        if data is None:
            failed = True
            continue
        shown_name = "(standard input)" if name == "-" else name
        count = 0
        for number, line in enumerate(_s(data).splitlines(), start=1):
            found = regex.search(line) if "x" not in flags else regex.match(line)
            if bool(found) == invert:
                continue
            count += 1
            matched_any = True
            if flags & {"q", "l", "c"}:
                continue
            prefix = (f"{shown_name}:" if prefix_names else "") + (f"{number}:" if "n" in flags else "")
            if "o" in flags and not invert:
                for match in regex.finditer(line):
                    if match.group():
                        out.out(f"{prefix}{match.group()}\n")
            else:
                out.out(f"{prefix}{line}\n")
        if "q" in flags and matched_any:
            return CommandResult(status=0)
        if "l" in flags and count:
            out.out(f"{shown_name}\n")
        elif "c" in flags and "q" not in flags:
            out.out((f"{shown_name}:" if prefix_names else "") + f"{count}\n")
    if "q" in flags:
        return CommandResult(status=0 if matched_any else (2 if failed else 1))
    return out.result(2 if failed else (0 if matched_any else 1))


# --- id, sleep, pwd, cd, basename, dirname, export, unset ----------------------------------------

_SHELL_ID = (
    "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),"
    "1015(sdcard_rw),1028(sdcard_r),3001(net_bt_admin),3002(net_bt),3003(inet),3006(net_bw_stats),"
    "3009(readproc),3011(uhid) context=u:r:shell:s0\n"
)
_ROOT_ID = "uid=0(root) gid=0(root) groups=0(root) context=u:r:su:s0\n"


def _id(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    if len(argv) > 1 and argv[1] in ("-u", "-g"):
        return CommandResult(stdout=b"0\n" if ctx.uid == ROOT_UID else b"2000\n")
    if len(argv) > 1 and argv[1] in ("-un", "-nu", "-gn", "-ng"):
        return CommandResult(stdout=b"root\n" if ctx.uid == ROOT_UID else b"shell\n")
    return CommandResult(stdout=_b(_ROOT_ID if ctx.uid == ROOT_UID else _SHELL_ID))


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)")


def _sleep(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    """Reports the duration as a :class:`Pause` event; the transport does the waiting."""
    if len(argv) < 2:
        return _needs_argument("sleep")
    seconds = 0.0
    for arg in argv[1:]:
        match = _DURATION.fullmatch(arg)
        if match is None:
            return CommandResult(stderr=_b(f"sleep: Bad number '{arg}'\n"), status=1)
        seconds += float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    out = _Out()
    if seconds > 0:
        out.pause(seconds)
    return out.result(0)


def _pwd(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return CommandResult(stdout=_b(ctx.cwd + "\n"))


def _cd(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
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
        return CommandResult(stderr=_b(f"{SH}: cd: {target}: {error.reason}\n"), status=2)
    ctx.env["OLDPWD"] = ctx.cwd
    ctx.cwd = path
    return CommandResult()


def _basename(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    if len(argv) < 2:
        return _needs_argument("basename")
    path = argv[1]
    stripped = path.rstrip("/")
    name = stripped.rsplit("/", 1)[-1] if stripped else ("/" if path else "")
    if len(argv) > 2 and name != argv[2] and name.endswith(argv[2]):
        name = name[: -len(argv[2])]
    return CommandResult(stdout=_b(name + "\n"))


def _dirname(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    if len(argv) < 2:
        return _needs_argument("dirname")
    path = argv[1].rstrip("/")
    if not path:
        return CommandResult(stdout=b"/\n" if argv[1] else b".\n")
    head = path.rsplit("/", 1)[0] if "/" in path else "."
    return CommandResult(stdout=_b((head.rstrip("/") or "/") + "\n"))


def _export(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    for arg in argv[1:]:
        name, sep, value = arg.partition("=")
        if sep:
            ctx.env[name] = value
        else:
            ctx.env.setdefault(name, "")
    return CommandResult()


def _unset(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    for name in argv[1:]:
        ctx.env.pop(name, None)
    return CommandResult()


BUILTINS: dict[str, Command] = {
    "echo": _echo,
    "printf": _printf,
    "true": _true,
    ":": _true,
    "false": _false,
    "test": _test,
    "[": _test,
    "[[": _test,
    "ls": _ls,
    "find": _find,
    "touch": _touch,
    "mkdir": _mkdir,
    "rm": _rm,
    "cat": _cat,
    "head": _head,
    "wc": _wc,
    "grep": _grep,
    "id": _id,
    "sleep": _sleep,
    "pwd": _pwd,
    "cd": _cd,
    "basename": _basename,
    "dirname": _dirname,
    "export": _export,
    "unset": _unset,
}

# A type check that run_script fits the contract.
_RUNNER: Callable[[str, ShellContext, CommandTable, CommandHooks], ShellOutcome] = run_script
__all__ = ["BUILTINS", "SH", "OrderedResult", "ShellSyntaxError", "parse", "run_script"]
