"""What every part of the shell shares: its path, the byte/text conversion, path joining, and the
result type that keeps stdout, stderr and pauses in order."""

from __future__ import annotations

from dataclasses import dataclass

from wa_harden.virtual.api import CommandResult, Output, Pause

SH = "/system/bin/sh"
_ENCODING = "utf-8"
_ERRORS = "surrogateescape"


def encode(text: str) -> bytes:
    return text.encode(_ENCODING, _ERRORS)


def decode(data: bytes) -> str:
    return data.decode(_ENCODING, _ERRORS)


def join_path(base: str, name: str) -> str:
    if not base:
        return name
    return base + name if base.endswith("/") else f"{base}/{name}"


@dataclass(frozen=True)
class OrderedResult(CommandResult):
    """A result that also keeps how stdout, stderr and pauses interleaved (for ``2>&1``)."""

    chunks: tuple[Output | Pause, ...] = ()
