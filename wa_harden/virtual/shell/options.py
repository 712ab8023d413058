"""What the built-in applets share: toybox-style option parsing, usage errors, ordered output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from wa_harden.virtual.api import STDERR, STDOUT, CommandResult, Output, Pause
from wa_harden.virtual.shell.common import OrderedResult, encode


class Out:
    """Collects one command's output in order; ``result`` turns it into an :class:`OrderedResult`."""

    __slots__ = ("chunks",)

    def __init__(self) -> None:
        self.chunks: list[Output | Pause] = []

    def out(self, text: str | bytes) -> None:
        if text:
            self.chunks.append(Output(STDOUT, encode(text) if isinstance(text, str) else text))

    def err(self, text: str) -> None:
        self.chunks.append(Output(STDERR, encode(text)))

    def pause(self, seconds: float) -> None:
        self.chunks.append(Pause(seconds))

    def result(self, status: int) -> OrderedResult:
        stdout = b"".join(c.data for c in self.chunks if type(c) is Output and c.fd == STDOUT)
        stderr = b"".join(c.data for c in self.chunks if type(c) is Output and c.fd == STDERR)
        return OrderedResult(stdout=stdout, stderr=stderr, status=status, chunks=tuple(self.chunks))


class Usage(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


class Options(NamedTuple):
    """An applet's parsed command line."""

    flags: set[str]  # the option letters seen (those taking a value too)
    values: dict[str, str]  # the value of each option that takes one
    operands: list[str]


def toybox_options(name: str, argv: Sequence[str], flags: str, with_value: str = "") -> Options:
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
                        raise Usage(f"{name}: Missing argument to -{letter} (see \"{name} --help\")")
                    rest = items[index]
                    index += 1
                values[letter] = rest
                seen.add(letter)
                break
            if letter not in flags:
                raise Usage(f"{name}: Unknown option '{letter}' (see \"{name} --help\")")
            seen.add(letter)
    return Options(seen, values, args)


def needs_argument(name: str, status: int = 1) -> CommandResult:
    return CommandResult(stderr=encode(f'{name}: Needs 1 argument (see "{name} --help")\n'), status=status)


def applet_args(
    name: str, argv: Sequence[str], flags: str, with_value: str = "", needs_operand: bool = False
) -> Options | CommandResult:
    """Options and operands of a toybox applet, or the usage error it prints (status 1)."""
    try:
        parsed = toybox_options(name, argv, flags, with_value)
    except Usage as usage:
        return CommandResult(stderr=encode(usage.message + "\n"), status=1)
    if needs_operand and not parsed.operands:
        return needs_argument(name)
    return parsed


def int_arg(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
