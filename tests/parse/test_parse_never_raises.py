"""Parsers never raise: numbers past Python's int-string limit, truncation, junk lines."""

from __future__ import annotations

import re

import pytest

from fakes import InProcessPhone, virtual_phone
from wa_harden import collect, probes
from wa_harden.assemble import read_probe
from wa_harden.capture import CommandRecord

HUGE = "9" * 5000  # over Python's default int-string limit of 4300 digits


@pytest.fixture(scope="module")
def capture():
    phone = virtual_phone("consumer-whatsapp")
    return collect.collect(InProcessPhone(phone), phone.serial, timeout=30)


MUTATIONS = {
    "huge-numbers": lambda text: re.sub(r"\d+", HUGE, text),
    "huge-negative-numbers": lambda text: re.sub(r"\d+", "-" + HUGE, text),
    "half": lambda text: text[: len(text) // 2],
    "junk": lambda text: text + "\x00\udcff\u202e=:{}[]()\n" * 3,
    "hex-flood": lambda text: re.sub(r"[0-9a-f]{2,}", "f" * 5000, text),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
@pytest.mark.parametrize("probe", probes.PROBES, ids=lambda p: p.key)
def test_no_parser_raises_on_damaged_output(capture, probe, mutation):
    mutate = MUTATIONS[mutation]
    user = 0
    changed = {c: mutate(capture.get(c).output) for c in probe.commands(user)}
    records = tuple(CommandRecord(r.command, changed.get(r.command, r.output), r.exit_code)
                    for r in capture.commands)
    damaged = type(capture)(capture.serial, capture.captured_at, records)
    read_probe(damaged, probe, user)  # must return a value or an Unknown, never raise
