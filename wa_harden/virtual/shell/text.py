"""Text applets: echo, printf, true, false, and the readers cat, head, wc and grep."""

from __future__ import annotations

import re
from collections.abc import Sequence

from wa_harden.virtual.api import CommandResult, ShellContext
from wa_harden.virtual.fs import FsError
from wa_harden.virtual.shell.common import decode, encode
from wa_harden.virtual.shell.options import (
    Out,
    Usage,
    applet_args,
    int_arg,
    needs_argument,
    toybox_options,
)

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


def echo(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
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
    return CommandResult(stdout=encode(text + "\n" if newline else text))


_PRINTF_SPEC = re.compile(r"%([-+ #0]*)(\d*|\*)(?:\.(\d*))?([sdiuxXocb%])")


def printf(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    """toybox printf: the format is reused while arguments remain."""
    if len(argv) < 2:
        return needs_argument("printf")
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
            width = str(int_arg(take() or "0") or 0)
        value = take()
        spec = "%" + flags + width + ("." + precision if precision is not None else "")
        if conversion in "diuxXo":
            number = 0 if not value else int_arg(value.strip())
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
    return CommandResult(stdout=encode("".join(out)), stderr=encode("".join(errors)), status=1 if errors else 0)


def true(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return CommandResult()


def false(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return CommandResult(status=1)


# --- cat, head, wc, grep -------------------------------------------------------------------------


def _read_inputs(
    ctx: ShellContext, applet: str, paths: list[str], stdin: bytes, out: Out
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


def cat(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    parsed = applet_args("cat", argv, "uvteA")
    if isinstance(parsed, CommandResult):
        return parsed
    paths = parsed.operands
    out = Out()
    status = 0
    for _, data in _read_inputs(ctx, "cat", paths, stdin, out):
        if data is None:
            status = 1
        else:
            out.out(data)
    return out.result(status)


def head(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    items = [argv[0]] + [f"-n{arg[1:]}" if re.fullmatch(r"-\d+", arg) else arg for arg in argv[1:]]
    parsed = applet_args("head", items, "qv", with_value="nc")
    if isinstance(parsed, CommandResult):
        return parsed
    _, values, paths = parsed
    count_text = values.get("n", values.get("c", "10"))
    count = int_arg(count_text)
    if count is None:
        return CommandResult(stderr=encode(f"head: not integer '{count_text}'\n"), status=1)
    out = Out()
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
        # a negative count keeps all but the last -count (as a slice does)
        if "c" in values:
            out.out(data[:count])
        else:
            lines = data.splitlines(keepends=True)
            out.out(b"".join(lines[:count]))
    return out.result(status)


def wc(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    parsed = applet_args("wc", argv, "lwcm")
    if isinstance(parsed, CommandResult):
        return parsed
    flags, _, paths = parsed
    shown = [letter for letter in "lwc" if letter in flags or (letter == "c" and "m" in flags)] or ["l", "w", "c"]
    out = Out()
    status = 0
    totals = {"l": 0, "w": 0, "c": 0}
    for name, data in _read_inputs(ctx, "wc", paths, stdin, out):
        if data is None:
            status = 1
            continue
        counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data)}
        if "m" in flags:
            counts["c"] = len(decode(data))
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


def grep(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
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
        flags, _, operands = toybox_options("grep", rest, "ivcEFqnlswxoHhrR")
    except Usage as usage:
        return CommandResult(stderr=encode(usage.message + "\n"), status=2)
    if not patterns:
        if not operands:
            return needs_argument("grep", status=2)
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
        return CommandResult(stderr=encode(f"grep: bad REGEX '{patterns[0]}': {error}\n"), status=2)
    out = Out()
    errors = Out() if "s" in flags else out
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
        for number, line in enumerate(decode(data).splitlines(), start=1):
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
