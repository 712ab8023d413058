"""Contracts between the parts of a virtual phone: the adbd transport, the mini shell, and the
simulated Android commands.

The shell runs a whole command line synchronously and returns *events* (output chunks and pauses);
the transport replays them with real (asyncio) delays.  A command is any callable with the
:class:`Command` signature.  Faults are decided per simple command by :class:`CommandHooks`, so a
command after a pulled cable never changes the phone's state.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

if TYPE_CHECKING:  # pragma: no cover
    from wa_harden.virtual.fs import VirtualFS

STDOUT = 1
STDERR = 2
SHELL_UID = 2000


@dataclass(frozen=True)
class CommandResult:
    stdout: bytes = b""
    stderr: bytes = b""
    status: int = 0


@dataclass
class ShellContext:
    """What a command sees: the shared-storage file system, the simulated Android, the caller."""

    fs: VirtualFS
    phone: Any  # the simulated Android state; opaque to the shell itself
    uid: int = SHELL_UID
    cwd: str = "/"
    env: dict[str, str] = field(default_factory=dict)


class Command(Protocol):
    def __call__(self, ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult: ...


class Fault(enum.StrEnum):
    HANG = "hang"  # stop answering before this command runs; the stream stays open
    DROP = "drop"  # close the connection before this command runs
    DROP_MID_OUTPUT = "drop-mid-output"  # run the command, send half its output, then close
    KILL = "kill"  # the command is killed by SIGKILL: half its output, status 137, "Killed" from sh


@dataclass(frozen=True)
class CommandPlan:
    """What happens around one simple command: its simulated duration and an optional fault."""

    latency: float = 0.0
    fault: Fault | None = None


class CommandHooks(Protocol):
    def before_command(self, argv: Sequence[str]) -> CommandPlan: ...


class NoHooks:
    def before_command(self, argv: Sequence[str]) -> CommandPlan:
        return CommandPlan()


@dataclass(frozen=True)
class Output:
    fd: int  # STDOUT or STDERR
    data: bytes


@dataclass(frozen=True)
class Pause:
    seconds: float


Event: TypeAlias = Output | Pause


@dataclass
class ShellOutcome:
    events: list[Event]
    status: int | None  # None when the run ended in a fault
    fault: Fault | None = None
    commands_run: int = 0


CommandTable = Mapping[str, Command]
ShellRunner = Callable[[str, ShellContext, CommandTable, CommandHooks], ShellOutcome]


@dataclass
class FaultConfig:
    """Faults of one virtual phone; personas set defaults and tests or the launcher override them.

    Command counts are 1-based and count simple commands (``echo``, ``pm ...``) over the phone's
    whole life, across shell sessions.
    """

    latency_scale: float = 1.0  # 0 disables simulated latency (tests), 1 is realistic
    drop_after_commands: int | None = None  # close the connection instead of running command N+1
    drop_mid_output_at: int | None = None  # command N sends half its output, then the cable goes
    hang_at_command: int | None = None  # command N never answers
    hang_on: str | None = None  # any command line starting with this never answers
    drop_on: str | None = None  # the cable goes instead of running a command line starting with this
    drop_mid_output_on: str | None = None  # such a command runs, sends half its output, then the cable goes
    killed_on: str | None = None  # any command line starting with this is killed (SIGKILL, status 137)
    dumpsys_timeout: str | None = None  # ``dumpsys`` of this service times out after part of its dump
    unauthorized: bool = False  # answer CNXN with AUTH and never accept the key
    # With `unauthorized`: the person taps "Allow" this many seconds after the prompt appeared
    # (the host sent its public key); the phone then finishes the handshake.
    authorize_after: float | None = None
    offline: bool = False  # accept TCP but never finish the handshake
    shell_v2: bool | None = None  # None: as the Android version has it; False: force v1 only
