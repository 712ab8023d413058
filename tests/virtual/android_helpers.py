"""Build small virtual phones for the Android command tests and run one command on them."""

from __future__ import annotations

import shlex
from datetime import datetime
from typing import Any

from wa_harden.virtual.android import load_persona, persona_from_data
from wa_harden.virtual.api import CommandResult, ShellContext

NOW = datetime(2026, 11, 20, 10, 0, 0)
W4B = "com.whatsapp.w4b"
READ_CONTACTS = "android.permission.READ_CONTACTS"


def phone_for(android: str = "14", oem: str = "google", users: list[dict[str, Any]] | None = None,
              apps: list[dict[str, Any]] | None = None, **extra: Any) -> Any:
    """A phone with WhatsApp Business (contacts granted) in user 0 unless told otherwise."""
    data: dict[str, Any] = {
        "name": f"test-{android}",
        "device": {"oem": oem, "android": android},
        "users": users or [{"id": 0, "kind": "system"}],
        "apps": apps if apps is not None else [{"package": W4B, "contacts": "granted"}],
    }
    data.update(extra)
    return persona_from_data(data).instantiate("VIRT0001", NOW)


def shipped(name: str) -> Any:
    return load_persona(name).instantiate("VIRT0001", NOW)


def run(phone: Any, line: str) -> CommandResult:
    argv = shlex.split(line)
    return phone.commands[argv[0]](ShellContext(fs=phone.fs, phone=phone), argv, b"")


def out(phone: Any, line: str) -> str:
    return run(phone, line).stdout.decode()


def err(phone: Any, line: str) -> str:
    return run(phone, line).stderr.decode()


def grant_line(phone: Any, permission: str = READ_CONTACTS, package: str = W4B, user: int = 0) -> str:
    """The ``runtime permissions:`` line of one permission in one ``User N:`` block."""
    text = out(phone, f"dumpsys package {package}")
    block = text.split(f"    User {user}:", 1)[1]
    for line in block.splitlines():
        if line.strip().startswith(permission + ":"):
            return line.strip()
    raise AssertionError(f"{permission} not in User {user} block")


def sh(phone: Any, script: str) -> tuple[str, str, int | None]:
    """Run a script through the phone's mini shell (no faults): (stdout, stderr, status)."""
    from wa_harden.virtual.api import STDERR, NoHooks, Output
    from wa_harden.virtual.shell import run_script

    outcome = run_script(script, ShellContext(fs=phone.fs, phone=phone), phone.commands, NoHooks())
    chunks = [e for e in outcome.events if isinstance(e, Output)]
    stdout = b"".join(e.data for e in chunks if e.fd != STDERR).decode()
    return stdout, b"".join(e.data for e in chunks if e.fd == STDERR).decode(), outcome.status


def virtual_phone(persona: str | dict[str, Any], **faults: Any) -> Any:
    """A whole VirtualPhone (hooks, counters, faults) of a shipped persona or of persona data."""
    from wa_harden.virtual.api import FaultConfig
    from wa_harden.virtual.phone import VirtualPhone

    loaded = load_persona(persona) if isinstance(persona, str) else persona_from_data(persona)
    return VirtualPhone(loaded, "VIRT0001", FaultConfig(latency_scale=0.0, **faults), NOW)


def refusal(data: dict[str, Any]) -> Any:
    """The PersonaError that validating this persona data raises (the test fails if none is)."""
    import pytest

    from wa_harden.virtual.android import PersonaError

    with pytest.raises(PersonaError) as error:
        persona_from_data(data)
    return error.value


def persona_data(*, users: list[dict[str, Any]] | None = None, apps: list[dict[str, Any]] | None = None,
                 **extra: Any) -> dict[str, Any]:
    """Minimal persona data of a Pixel with Android 14 (``device`` may be overridden)."""
    data: dict[str, Any] = {"name": "x", "device": {"oem": "google", "android": "14"}}
    if users is not None:
        data["users"] = users
    if apps is not None:
        data["apps"] = apps
    data.update(extra)
    return data
