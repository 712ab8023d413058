"""Running a parsed script: lists and compounds, simple commands, redirections, expansion, globbing.

A script runs synchronously into *events*: a :class:`Pause` for each simple command's simulated
latency, then its output chunks on the stream they end up on after redirections.  Faults are asked
for per simple command (:class:`CommandHooks`) before it runs, so a command after a pulled cable
never changes the phone's state.
"""

from __future__ import annotations

import contextlib
import fnmatch
import posixpath
import re
from collections.abc import Iterator

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
    ShellRunner,
)
from wa_harden.virtual.fs import FsError, absolute
from wa_harden.virtual.shell.applets import BUILTINS
from wa_harden.virtual.shell.common import SH, OrderedResult, decode, encode, join_path
from wa_harden.virtual.shell.syntax import (
    Assignment,
    BlockParts,
    CommandList,
    CommandNode,
    Compound,
    ForParts,
    IfParts,
    LiteralPart,
    ParameterPart,
    Pipeline,
    Redirection,
    ShellSyntaxError,
    SimpleCommand,
    SubstitutionPart,
    Word,
    parse,
)

_MAX_LOOP_ROUNDS = 10_000  # a loop that never ends is a hang, as on the phone
_PID = "4242"
# A foreground job killed by SIGKILL: 128 + 9, and what mksh's j_print(JP_SHORT) writes to the
# shell's own stderr ("%s " per signalled process, then a newline), as every non-interactive mksh does.
KILLED_STATUS = 137
KILLED_MESSAGE = b"Killed \n"

# Command names the shell itself implements: the caller's table cannot replace them.
SPECIAL_BUILTINS = frozenset({"exit", "cd", "export", "unset", ":", "[[", "eval", "sh"})


# === output routing ==============================================================================


class Sink:
    __slots__ = ()

    def write(self, events: list[Event], data: bytes) -> None:
        raise NotImplementedError


class Terminal(Sink):
    """One of the connection's streams."""

    __slots__ = ("fd",)

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, events: list[Event], data: bytes) -> None:
        events.append(Output(self.fd, data))


class NullSink(Sink):
    __slots__ = ()

    def write(self, events: list[Event], data: bytes) -> None:
        pass


class Buffer(Sink):
    """A pipe or a command substitution."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, events: list[Event], data: bytes) -> None:
        self.data += data


class FileSink(Sink):
    __slots__ = ("data", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.data = bytearray()

    def write(self, events: list[Event], data: bytes) -> None:
        self.data += data


_STDOUT_SINK = Terminal(STDOUT)
_STDERR_SINK = Terminal(STDERR)
_NULL_SINK = NullSink()


class IO:
    """Where one command reads and writes.

    Mutable on purpose: ``exec`` with only redirections (``exec 2>&1``) changes the streams of the
    shell it runs in, i.e. of every later command that shares this object.  Subshells and
    redirected compounds get their own copy, so the change never leaks out of them.
    """

    __slots__ = ("err", "out", "stdin")

    def __init__(self, stdin: bytes, out: Sink, err: Sink) -> None:
        self.stdin = stdin
        self.out = out
        self.err = err

    def __iter__(self) -> Iterator[bytes | Sink]:
        return iter((self.stdin, self.out, self.err))

    def copy(self) -> IO:
        return IO(self.stdin, self.out, self.err)

    def become(self, other: IO) -> None:
        self.stdin, self.out, self.err = other.stdin, other.out, other.err


class _Stop(Exception):
    def __init__(self, fault: Fault) -> None:
        self.fault = fault


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


# === interpreter =================================================================================


class _Interpreter:
    __slots__ = ("commands", "commands_run", "ctx", "events", "exec_files", "hooks", "status")

    def __init__(self, ctx: ShellContext, commands: CommandTable, hooks: CommandHooks) -> None:
        self.ctx = ctx
        self.commands = commands
        self.hooks = hooks
        self.events: list[Event] = []
        self.status = 0
        self.commands_run = 0
        self.exec_files: list[FileSink] = []  # files ``exec >FILE`` opened for the rest of the shell

    # --- lists and compounds -------------------------------------------------------------------

    def run_list(self, items: CommandList, io: IO) -> int:
        for and_or in items:
            status = self.run_pipeline(and_or.first, io)
            for op, pipeline in and_or.rest:
                if (status == 0) == (op == "&&"):
                    status = self.run_pipeline(pipeline, io)
            self.status = status
        return self.status

    def run_pipeline(self, pipeline: Pipeline, io: IO) -> int:
        commands = pipeline.commands
        if len(commands) == 1:
            status = self.run_command(commands[0], io)
        else:
            stdin, out, err = io.stdin, io.out, io.err
            last = len(commands) - 1
            for index, command in enumerate(commands):
                if index == last:
                    status = self.run_isolated(command, IO(stdin, out, err))
                else:
                    pipe = Buffer()
                    status = self.run_isolated(command, IO(stdin, pipe, err))
                    stdin = bytes(pipe.data)
        if pipeline.negate:
            status = 0 if status else 1
        self.status = status
        return status

    def run_isolated(self, command: CommandNode, io: IO) -> int:
        """Run in a subshell: variables, ``cd``, ``exec`` and ``exit`` do not reach the parent."""
        env, cwd = dict(self.ctx.env), self.ctx.cwd
        try:
            return self.run_command(command, io.copy())
        except _Exit as exit_:
            return exit_.status
        finally:
            self.ctx.env, self.ctx.cwd = env, cwd

    def run_command(self, command: CommandNode, io: IO) -> int:
        if type(command) is SimpleCommand:
            return self.run_simple(command, io)
        assert isinstance(command, Compound)
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

    def run_compound(self, command: Compound, io: IO) -> int:
        kind, parts = command.kind, command.parts
        if isinstance(parts, BlockParts):
            if kind == "group":
                return self.run_list(parts.body, io)
            return self.run_isolated_list(parts.body, io)  # subshell
        if isinstance(parts, IfParts):
            for condition, body in parts.branches:
                if self.run_list(condition, io) == 0:
                    return self.run_list(body, io)
            return self.run_list(parts.otherwise, io) if parts.otherwise else 0
        if isinstance(parts, ForParts):
            values = [field for word in parts.words for field in self.expand_word(word, io.err)]
            status = 0
            for value in values:
                self.ctx.env[parts.name] = value
                status = self.run_list(parts.body, io)
            return status
        # while / until
        status = 0
        for _ in range(_MAX_LOOP_ROUNDS):
            if (self.run_list(parts.condition, io) == 0) != (kind == "while"):
                return status
            status = self.run_list(parts.body, io)
        raise _Stop(Fault.HANG)

    def run_isolated_list(self, items: CommandList, io: IO) -> int:
        env, cwd = dict(self.ctx.env), self.ctx.cwd
        try:
            return self.run_list(items, io.copy())
        except _Exit as exit_:
            return exit_.status
        finally:
            self.ctx.env, self.ctx.cwd = env, cwd

    # --- simple commands -----------------------------------------------------------------------

    def run_simple(self, command: SimpleCommand, io: IO) -> int:
        err = io.err
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
        if argv == ["exec"]:
            self.commands_run += 1
            return self.exec_redirections(command.redirs, io)
        shell_err = io.err  # where the shell itself reports, before the command's redirections
        files: list[FileSink] = []
        if command.redirs:
            opened = self.open_redirections(command.redirs, io)
            if opened is None:
                return 1
            io, files = opened
        replaces_shell = argv[0] == "exec"  # exec CMD: the command replaces the shell
        mark = len(self.events)
        try:
            status = self.dispatch(argv[1:] if replaces_shell else argv, command.assigns, io,
                                   killed=fault is Fault.KILL)
        finally:
            self.commands_run += 1
            self.flush(files)
            self.flush(self.exec_files)
        if fault is Fault.DROP_MID_OUTPUT:
            self.events[mark:] = _first_half(self.events[mark:])
            raise _Stop(Fault.DROP)
        if fault is Fault.KILL:
            shell_err.write(self.events, KILLED_MESSAGE)
            status = KILLED_STATUS
        if replaces_shell:
            raise _Exit(status)
        return status

    def exec_redirections(self, redirs: list[Redirection], io: IO) -> int:
        """``exec 2>&1``, ``exec 2>/dev/null``, ``exec >FILE``: redirect the shell itself."""
        if not redirs:
            return 0
        opened = self.open_redirections(redirs, io)
        if opened is None:
            return 1
        changed, files = opened
        io.become(changed)
        self.exec_files.extend(files)
        return 0

    def dispatch(self, argv: list[str], assigns: list[Assignment], io: IO, killed: bool = False) -> int:
        stdin, out, err = io.stdin, io.out, io.err
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
            err.write(self.events, encode(f"{SH}: {name}: inaccessible or not found\n"))
            return 127
        ctx = self.ctx
        if assigns:
            env = dict(ctx.env)
            for var, word in assigns:
                env[var] = self.expand_string(word, err)
            ctx = ShellContext(fs=ctx.fs, phone=ctx.phone, uid=ctx.uid, cwd=ctx.cwd, env=env)
        result = command(ctx, argv, stdin)
        if killed:
            result = _first_half_of(result)
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

    def exit_status(self, argv: list[str], err: Sink) -> int:
        if len(argv) < 2:
            return self.status
        try:
            return int(argv[1]) & 0xFF
        except ValueError:
            err.write(self.events, encode(f"{SH}: exit: {argv[1]}: bad number\n"))
            return 1

    def eval(self, args: list[str], io: IO, isolated: bool = False) -> int:
        """``eval ARGS`` in this shell, or ``sh -c SCRIPT`` in a child shell (``isolated``)."""
        try:
            body = parse(" ".join(args))
        except ShellSyntaxError as error:
            io.err.write(self.events, encode(f"{SH}: {error.message}\n"))
            return 1
        return self.run_isolated_list(body, io) if isolated else self.run_list(body, io)

    # --- redirections --------------------------------------------------------------------------

    def open_redirections(self, redirs: list[Redirection], io: IO) -> tuple[IO, list[FileSink]] | None:
        stdin, out, err = io.stdin, io.out, io.err
        fds: dict[int, Sink] = {1: out, 2: err}
        files: list[FileSink] = []
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
                    fds[2].write(self.events, encode(f"{SH}: {target}: bad file descriptor\n"))
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
                    fds[2].write(self.events, encode(f"{SH}: can't open {target}: {error.reason}\n"))
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
                fds[2].write(self.events, encode(f"{SH}: can't create {target}: {error.reason}\n"))
                self.flush(files)
                return None
            sink = FileSink(target)
            files.append(sink)
            fds[redir.fd] = sink
        return IO(stdin, fds[1], fds[2]), files

    def flush(self, files: list[FileSink]) -> None:
        ctx = self.ctx
        for sink in files:
            if sink.data:
                # removed or refused while the command ran: the write is lost, as on a phone
                with contextlib.suppress(FsError):
                    ctx.fs.write_file(sink.path, bytes(sink.data), cwd=ctx.cwd, uid=ctx.uid, append=True)
                sink.data.clear()

    # --- expansion -----------------------------------------------------------------------------

    def expand_word(self, word: Word, err: Sink) -> list[str]:
        """Fields of one word: parameter and command substitution, field splitting, globbing."""
        if len(word) == 1 and isinstance(word[0], LiteralPart):
            text = word[0].text
            if word[0].quoted or not _has_glob(text):
                return [text]
        # each field is a list of (text, glob characters active) pieces
        fields: list[list[tuple[str, bool]]] = []
        current: list[tuple[str, bool]] = []
        real = False
        for part in word:
            if isinstance(part, LiteralPart):
                current.append((part.text, not part.quoted))
                real = True
                continue
            text = self.substitute(part, err)
            if part.quoted:
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

    def expand_string(self, word: Word, err: Sink) -> str:
        """One string, no splitting or globbing (assignments, redirection targets)."""
        return "".join(
            part.text if isinstance(part, LiteralPart) else self.substitute(part, err) for part in word
        )

    def substitute(self, part: ParameterPart | SubstitutionPart, err: Sink) -> str:
        if isinstance(part, SubstitutionPart):
            buffer = Buffer()
            env, cwd = dict(self.ctx.env), self.ctx.cwd
            try:
                self.run_list(part.body, IO(b"", buffer, err))
            except _Exit as exit_:
                self.status = exit_.status
            finally:
                self.ctx.env, self.ctx.cwd = env, cwd
            return decode(bytes(buffer.data)).rstrip("\n")
        name, op, arg = part.name, part.op, part.arg
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
                            found.append(join_path(base, name))
                else:
                    path = join_path(base, component)
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


def _first_half_of(result: CommandResult) -> OrderedResult:
    """What a command killed half-way had written: the first half of its output, in order."""
    chunks = getattr(result, "chunks", None)
    if chunks is None:
        chunks = tuple(Output(fd, data) for fd, data in ((STDOUT, result.stdout), (STDERR, result.stderr)) if data)
    kept = tuple(_first_half(list(chunks)))
    stdout = b"".join(c.data for c in kept if type(c) is Output and c.fd == STDOUT)
    stderr = b"".join(c.data for c in kept if type(c) is Output and c.fd == STDERR)
    return OrderedResult(stdout=stdout, stderr=stderr, status=result.status, chunks=kept)


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
        return ShellOutcome([Output(STDERR, encode(f"{SH}: {error.message}\n"))], status=1)
    own_ctx = ShellContext(fs=ctx.fs, phone=ctx.phone, uid=ctx.uid, cwd=ctx.cwd, env=dict(ctx.env))
    interpreter = _Interpreter(own_ctx, commands, hooks)
    try:
        status = interpreter.run_list(body, IO(b"", _STDOUT_SINK, _STDERR_SINK))
    except _Stop as stop:
        return ShellOutcome(interpreter.events, status=None, fault=stop.fault, commands_run=interpreter.commands_run)
    except _Exit as exit_:
        status = exit_.status
    return ShellOutcome(interpreter.events, status=status, commands_run=interpreter.commands_run)


# A type check that run_script fits the contract.
_RUNNER: ShellRunner = run_script
