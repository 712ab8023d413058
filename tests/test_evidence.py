"""No pass without evidence: a property test over every check, every fact it needs, and every way
an output can be damaged.

For phones of several personas, read in-process into complete captures: every check that passes is
taken, and every probe the check needs (removing the probe's output from the capture stops the
pass) is damaged in turn: its output replaced by nothing, by an error line, by a cut-short half, or
its exit status by a failing one. None of these may still give PASS.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache

import pytest

from fakes import InProcessPhone, virtual_phone
from wa_harden import collect, probes
from wa_harden.assemble import facts_from_capture
from wa_harden.capture import Capture, CommandRecord
from wa_harden.evaluate import evaluate_device
from wa_harden.model import Outcome
from wa_harden.probes import Probe, Scope
from wa_harden.profile import load_profile

PERSONAS = ("hardened", "mdm-managed", "consumer-whatsapp", "fresh-noncompliant", "legacy-oreo",
            "android15-private-space")
PROFILE = load_profile("whatsapp-business-gdpr")


def _failing_status(record: CommandRecord, probe: Probe) -> int:
    return next(s for s in (1, 2, 255) if s not in probe.ok_statuses)


MUTATIONS: dict[str, Callable[[CommandRecord, Probe], CommandRecord]] = {
    "empty": lambda r, p: dataclasses.replace(r, output=""),
    "error-line": lambda r, p: dataclasses.replace(r, output="Error: the service is not available\n"),
    "cut-in-half": lambda r, p: dataclasses.replace(r, output=r.output[: len(r.output) // 2]),
    "failing-status": lambda r, p: dataclasses.replace(r, exit_code=_failing_status(r, p)),
    "killed": lambda r, p: dataclasses.replace(r, exit_code=137),
}


@cache
def capture_of(persona: str) -> Capture:
    phone = virtual_phone(persona)
    capture = collect.collect(InProcessPhone(phone), phone.serial, timeout=30)
    assert capture.incomplete is None, persona
    return capture


def outcomes(capture: Capture) -> dict[str, Outcome]:
    return {r.check: r.outcome for r in evaluate_device(facts_from_capture(capture), PROFILE)}


def commands_of(probe: Probe, capture: Capture) -> set[str]:
    users = collect.user_ids(capture) if probe.scope is Scope.USER else [0]
    return {command for user in users for command in probe.commands(user)}


def changed(capture: Capture, commands: set[str], change: Callable[[CommandRecord], CommandRecord | None]) -> Capture:
    records = []
    for record in capture.commands:
        new = change(record) if record.command in commands else record
        if new is not None:
            records.append(new)
    return dataclasses.replace(capture, commands=tuple(records))


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_check_passes_on_a_damaged_fact(persona):
    capture = capture_of(persona)
    intact = outcomes(capture)
    passing = {check for check, outcome in intact.items() if outcome is Outcome.PASS}
    assert passing, f"{persona}: no check passes, the property would test nothing"
    violations = []
    needed_pairs = 0
    for probe in probes.PROBES:
        commands = commands_of(probe, capture)
        without = outcomes(changed(capture, commands, lambda r: None))
        needed = {check for check in passing if without[check] is not Outcome.PASS}
        needed_pairs += len(needed)
        for name, mutate in MUTATIONS.items():
            damaged = changed(capture, commands, lambda r, m=mutate, p=probe: m(r, p))
            if damaged.commands == capture.commands:
                continue
            after = outcomes(damaged)
            violations += [(probe.key, name, check) for check in needed if after[check] is Outcome.PASS]
    assert needed_pairs, f"{persona}: no check needs any probe"
    assert violations == []
