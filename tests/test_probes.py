"""The probe table: every probe is sent by the collector and parsed into the fact it names."""

from __future__ import annotations

import dataclasses

import pytest

from fakes import InProcessPhone, virtual_phone
from wa_harden import collect, probes
from wa_harden.assemble import facts_from_capture, read_probe
from wa_harden.capture import CommandRecord
from wa_harden.facts import Gap, Unknown, is_known
from wa_harden.probes import Scope

SENTINEL = "Error: probe sentinel {key}"


@pytest.fixture(scope="module")
def capture():
    """A complete capture of a phone with three Android users, read in-process."""
    phone = virtual_phone("consumer-whatsapp")
    got = collect.collect(InProcessPhone(phone), phone.serial, timeout=30)
    assert got.incomplete is None
    assert collect.user_ids(got) == [0, 10, 150]
    return got


def test_keys_are_unique_and_facts_are_fields_of_the_facts_types():
    from wa_harden.facts import DeviceFacts, UserFacts

    keys = [p.key for p in probes.PROBES]
    assert len(keys) == len(set(keys))
    device_fields = {f.name for f in dataclasses.fields(DeviceFacts)}
    user_fields = {f.name for f in dataclasses.fields(UserFacts)}
    for probe in probes.PROBES:
        assert probe.fact in (device_fields if probe.scope is Scope.DEVICE else user_fields), probe.key


def test_every_probe_is_sent_in_round_one_or_for_each_other_user(capture):
    sent = [record.command for record in capture.commands]
    for probe in probes.probes(Scope.DEVICE):
        assert all(c in sent for c in probe.commands()), probe.key
    for probe in probes.probes(Scope.USER):
        for user in (0, 10):
            assert all(c in sent for c in probe.commands(user)), (probe.key, user)
    assert len(sent) == len(set(sent))
    assert collect.round_one()[: len(collect.device_commands())] == collect.device_commands()


def _with_outputs(capture, replacements):
    records = tuple(CommandRecord(r.command, replacements.get(r.command, r.output), r.exit_code)
                    for r in capture.commands)
    return dataclasses.replace(capture, commands=records)


def _contains(value, key):
    """True when a fact (or a mapping/tuple of facts) holds the sentinel Unknown of ``key``."""
    if isinstance(value, Unknown):
        return f"probe sentinel {key}" in value.detail
    if isinstance(value, dict) or hasattr(value, "values"):
        return any(_contains(v, key) for v in value.values())
    return False


@pytest.mark.parametrize("probe", probes.PROBES, ids=lambda p: p.key)
def test_every_probe_is_parsed_into_its_fact(capture, probe):
    user = 0 if probe.scope is Scope.DEVICE else 10
    # The parser is wired: an error in the probe's output becomes its Unknown ...
    broken = _with_outputs(capture, {c: SENTINEL.format(key=probe.key) + "\n" for c in probe.commands(user)})
    value = read_probe(broken, probe, user)
    assert isinstance(value, Unknown) and value.reason is Gap.COMMAND_FAILED
    assert _contains(value, probe.key)
    # ... and reaches the fact it names once every probe of that fact is broken the same way.
    same_fact = [p for p in probes.probes(probe.scope) if p.fact == probe.fact]
    all_broken = _with_outputs(capture, {c: SENTINEL.format(key=p.key) + "\n"
                                         for p in same_fact for c in p.commands(user)})
    facts = facts_from_capture(all_broken)
    holder = facts if probe.scope is Scope.DEVICE else facts.per_user[user]
    fact = getattr(holder, probe.fact)
    assert not is_known(fact) or any(_contains(fact, p.key) for p in same_fact)
    intact = getattr(facts_from_capture(capture) if probe.scope is Scope.DEVICE
                     else facts_from_capture(capture).per_user[user], probe.fact)
    assert fact != intact


def test_a_user_that_refuses_the_shell_carries_the_refusal_in_every_fact(capture):
    facts = facts_from_capture(capture)
    secure = facts.per_user[150]  # Secure Folder of this persona refuses the shell
    values = [getattr(secure, f.name) for f in dataclasses.fields(secure) if f.name != "user"]
    flat = [v for value in values for v in (value.values() if isinstance(value, dict) else [value])]
    assert all(isinstance(v, Unknown) and v.reason is Gap.USER_RESTRICTED for v in flat)
