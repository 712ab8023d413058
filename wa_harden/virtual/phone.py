"""A virtual phone: a persona's simulated Android behind the mini shell, with faults and counters."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from wa_harden.virtual.api import CommandPlan, Fault, FaultConfig, ShellContext, ShellOutcome
from wa_harden.virtual.shell import run_script


@dataclass
class PhoneCounters:
    """What a test may want to know about a phone's life: shell sessions and commands."""

    shell_sessions: int = 0
    commands_run: int = 0
    scripts: list[str] = field(default_factory=list)


class VirtualPhone:
    """One simulated phone.  The transport calls :meth:`run_shell` once per shell session."""

    def __init__(self, persona: Any, serial: str, faults: FaultConfig | None = None,
                 now: datetime | None = None) -> None:
        self.persona = persona
        self.serial = serial
        self.android = persona.instantiate(serial, now or datetime.now())
        self.faults = copy.copy(faults if faults is not None else persona.faults)
        self.android.faults = self.faults  # the simulated Android sees the faults it must act out
        self.counters = PhoneCounters()

    # --- what the transport reads -------------------------------------------------------------
    def banner(self) -> str:
        """The CNXN banner; without ``shell_v2`` in its features when the phone is v1-only."""
        banner = self.android.banner()
        if self.shell_v2:
            return banner
        head, sep, features = banner.rpartition("features=")
        kept = ",".join(f for f in features.split(",") if f != "shell_v2")
        return f"{head}{sep}{kept}"

    @property
    def shell_v2(self) -> bool:
        if self.faults.shell_v2 is False:
            return False
        return bool(self.android.shell_v2)

    @property
    def max_payload(self) -> int:
        return int(self.android.max_payload)

    def prompt(self) -> str:
        device = getattr(self.android.state, "device", None) or "generic"
        return f"{device}:/ $ "

    # --- shell ----------------------------------------------------------------------------------
    def run_shell(self, script: str) -> ShellOutcome:
        self.counters.shell_sessions += 1
        self.counters.scripts.append(script)
        ctx = ShellContext(fs=self.android.fs, phone=self.android)
        return run_script(script, ctx, self.android.commands, self)

    def before_command(self, argv: Sequence[str]) -> CommandPlan:
        """Count the command, then decide its simulated latency and any fault."""
        faults = self.faults
        number = self.counters.commands_run + 1
        line = " ".join(argv)
        fault: Fault | None = None
        if (faults.drop_after_commands is not None and number > faults.drop_after_commands) or (
            faults.drop_on and line.startswith(faults.drop_on)
        ):
            fault = Fault.DROP
        elif (faults.hang_at_command is not None and number == faults.hang_at_command) or (
            faults.hang_on and line.startswith(faults.hang_on)
        ):
            fault = Fault.HANG
        elif (faults.drop_mid_output_at is not None and number == faults.drop_mid_output_at) or (
            faults.drop_mid_output_on and line.startswith(faults.drop_mid_output_on)
        ):
            fault = Fault.DROP_MID_OUTPUT
        elif faults.killed_on and line.startswith(faults.killed_on):
            fault = Fault.KILL
        if fault in (None, Fault.DROP_MID_OUTPUT, Fault.KILL):
            self.counters.commands_run = number
        latency = self.android.latency(argv) * faults.latency_scale if faults.latency_scale else 0.0
        return CommandPlan(latency=latency, fault=fault)

    def snapshot(self, times: bool = False) -> Any:
        """The simulated phone's whole state and shared storage, comparable with ``==``
        (:class:`wa_harden.virtual.android.snapshot.PhoneSnapshot`)."""
        return self.android.snapshot(times)

    def with_faults(self, **changes: Any) -> VirtualPhone:
        """Change faults at run time (e.g. pull the cable after the next command)."""
        self.faults = replace(self.faults, **changes)
        self.android.faults = self.faults
        return self
