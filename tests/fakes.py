"""Fakes that implement the real device interfaces (no adb server): virtual phones run in-process.

``InProcessPhone`` is a :class:`wa_harden.device.base.Device` whose shell is the virtual phone's
own shell, with its faults: a hang becomes a timeout, a drop a lost connection.  Engine and fix
logic is tested with these; the whole path (adb server, adbutils) is tested end to end elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from wa_harden.device.base import AttachedDevice, ServerAddress, ShellResult
from wa_harden.facts import Gap
from wa_harden.virtual.api import STDERR, STDOUT, Fault, Output
from wa_harden.virtual.phone import VirtualPhone

NOW = datetime(2026, 11, 30, 9, 0)


class InProcessPhone:
    def __init__(self, phone: VirtualPhone) -> None:
        self.phone = phone
        self.serial = phone.serial

    def shell(self, script: str, timeout: float) -> ShellResult:
        outcome = self.phone.run_shell(script)
        stdout = b"".join(e.data for e in outcome.events if isinstance(e, Output) and e.fd == STDOUT)
        stderr = b"".join(e.data for e in outcome.events if isinstance(e, Output) and e.fd == STDERR)
        if outcome.fault is Fault.HANG:
            return ShellResult(stdout, stderr, failure=Gap.TIMEOUT, detail=f"no complete answer within {timeout:g} s")
        if outcome.fault is not None:
            return ShellResult(stdout, stderr, failure=Gap.CONNECTION_LOST, detail="the connection closed")
        return ShellResult(stdout, stderr, outcome.status)


class FakeConnector:
    """A :class:`wa_harden.device.base.Connector` over in-process virtual phones."""

    def __init__(self, phones: Sequence[VirtualPhone], states: dict[str, str] | None = None) -> None:
        self.phones = {p.serial: p for p in phones}
        self.states = states or {}
        self.connected: list[str] = []

    def list_devices(self, address: ServerAddress) -> list[AttachedDevice]:
        return [AttachedDevice(serial, self.states.get(serial, "device"), model=phone.android.state.build.model)
                for serial, phone in self.phones.items()]

    def connect(self, address: ServerAddress, serial: str) -> InProcessPhone:
        self.connected.append(serial)
        return InProcessPhone(self.phones[serial])

    def ensure_server(self, address: ServerAddress) -> bool:
        return False


def virtual_phone(persona: str, serial: str = "VIRT0001", **faults: object) -> VirtualPhone:
    from dataclasses import replace

    from wa_harden.virtual.android import load_persona

    loaded = load_persona(persona)
    config = replace(loaded.faults, latency_scale=0.0, **faults)
    return VirtualPhone(loaded, serial, config, NOW)
