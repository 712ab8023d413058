"""Every parser, fed mutated real outputs and arbitrary text: no exception, a value or an Unknown.

Three sources of input: the real corpus (../shared/corpus, decoded from its own bytes, UTF-16
included), the virtual phones' outputs of every probe (every shipped persona and one persona per
Android release 8.0-16), and arbitrary unicode (lone surrogates and control characters included).
The mutations are in ``fuzzing.py``: bits flipped in the bytes, cuts anywhere, lines duplicated,
deleted, inserted or spliced in from other outputs, a dumpsys timeout line, numbers of thousands of
digits, the whole text replaced.

Through ``assemble.read_probe`` (the path every output takes) the evidence rules must also hold: a
failing exit status, a dumpsys timeout line or an output that ends inside a line never give a value.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fuzzing import (
    MUTATIONS,
    UNICODE_TEXT,
    CorpusSample,
    Mutation,
    apply_mutations,
    corpus_families,
    corpus_samples,
    fuzz_settings,
    line_pool,
    persona_captures,
)
from hypothesis import given
from hypothesis import strategies as st

from wa_harden import collect, probes
from wa_harden.assemble import facts_from_capture, read_probe
from wa_harden.capture import Capture, CommandRecord
from wa_harden.facts import (
    BackupService,
    BackupTransports,
    BuildInfo,
    ContactStats,
    FindListing,
    Gap,
    MediaTree,
    Owners,
    PackageDump,
    Unknown,
)
from wa_harden.parse import (
    classify_error,
    parse_appops_get,
    parse_bmgr_enabled,
    parse_bmgr_transports,
    parse_dumpsys_account,
    parse_dumpsys_appops,
    parse_dumpsys_device_policy,
    parse_dumpsys_package,
    parse_dumpsys_package_all,
    parse_find,
    parse_getprop,
    parse_getprop_value,
    parse_pm_list_packages,
    parse_pm_list_users,
    parse_settings_list,
)
from wa_harden.parse.appops import parse_appops_query_op
from wa_harden.probes import Probe, Scope

NoneType = type(None)


@dataclasses.dataclass(frozen=True)
class Parser:
    """A parser of one kind of output, and the types of the values it may give besides Unknown."""

    parse: Callable[[str, CorpusSample | None], Any]
    kinds: tuple[type, ...]


def _package_dump(text: str, sample: CorpusSample | None) -> Any:
    return parse_dumpsys_package(text, sample.package if sample is not None else "com.whatsapp.w4b")


def _plain(parser: Callable[[str], Any]) -> Callable[[str, CorpusSample | None], Any]:
    return lambda text, _sample: parser(text)


# Every corpus family (a folder of ../shared/corpus) and its parser.
CORPUS_PARSERS: dict[str, Parser] = {
    "appops_get": Parser(_plain(parse_appops_get), (tuple,)),
    "appops_get_op": Parser(_plain(parse_appops_get), (tuple,)),
    "bmgr_enabled": Parser(_plain(parse_bmgr_enabled), (BackupService,)),
    "bmgr_list_transports": Parser(_plain(parse_bmgr_transports), (BackupTransports,)),
    "dumpsys_account": Parser(_plain(parse_dumpsys_account), (dict,)),
    "dumpsys_appops": Parser(_plain(parse_dumpsys_appops), (dict,)),
    "dumpsys_device_policy": Parser(_plain(parse_dumpsys_device_policy), (Owners,)),
    "dumpsys_package_all": Parser(_plain(parse_dumpsys_package_all), (dict,)),
    "dumpsys_package_pkg": Parser(_package_dump, (PackageDump, NoneType)),
    "getprop": Parser(_plain(parse_getprop), (BuildInfo,)),
    "pm_dump_pkg": Parser(_package_dump, (PackageDump, NoneType)),
    "pm_list_packages": Parser(_plain(parse_pm_list_packages), (tuple,)),
    "pm_list_packages_f": Parser(_plain(parse_pm_list_packages), (tuple,)),
    "pm_list_packages_versioncode": Parser(_plain(parse_pm_list_packages), (tuple,)),
    "pm_list_users": Parser(_plain(parse_pm_list_users), (tuple,)),
    "settings_list_global": Parser(_plain(parse_settings_list), (dict,)),
    "settings_list_secure": Parser(_plain(parse_settings_list), (dict,)),
    "settings_list_system": Parser(_plain(parse_settings_list), (dict,)),
}

# Parsers no probe and no corpus family reaches.
OTHER_PARSERS: dict[str, Parser] = {
    "getprop-value": Parser(_plain(parse_getprop_value), (str, NoneType)),
    "appops-query-op": Parser(_plain(parse_appops_query_op), (tuple,)),
    "find": Parser(_plain(lambda text: parse_find(text, "/storage/emulated/0/WhatsApp Business")), (FindListing,)),
    "classify-error": Parser(_plain(classify_error), (NoneType,)),
}

# What each probe's parser gives, by (scope, fact).
PROBE_KINDS: dict[tuple[Scope, str], tuple[type, ...]] = {
    (Scope.DEVICE, "build"): (BuildInfo,),
    (Scope.DEVICE, "users"): (tuple,),
    (Scope.DEVICE, "packages"): (PackageDump, NoneType),
    (Scope.DEVICE, "lock"): (dict,),
    (Scope.DEVICE, "accounts"): (dict,),
    (Scope.DEVICE, "owners"): (Owners,),
    (Scope.DEVICE, "backup_transports"): (BackupTransports,),
    (Scope.DEVICE, "global_settings"): (str, NoneType),
    (Scope.DEVICE, "restrictions"): (dict,),
    (Scope.DEVICE, "install_sources"): (tuple,),
    (Scope.USER, "packages"): (tuple,),
    (Scope.USER, "system_packages"): (frozenset,),
    (Scope.USER, "backup"): (BackupService,),
    (Scope.USER, "backup_setting"): (str, NoneType),
    (Scope.USER, "appops"): (tuple,),
    (Scope.USER, "contacts"): (ContactStats,),
    (Scope.USER, "settings"): (str, NoneType),
    (Scope.USER, "storage"): (FindListing,),
    (Scope.USER, "media"): (MediaTree,),
}


def assert_value_or_unknown(result: object, kinds: tuple[type, ...]) -> None:
    """A value of the parser's kinds, or an Unknown with a Gap and a short detail; printable."""
    if isinstance(result, Unknown):
        assert isinstance(result.reason, Gap) and isinstance(result.detail, str)
        assert len(result.detail) <= 1000, f"an Unknown's detail of {len(result.detail)} characters"
    else:
        assert isinstance(result, kinds), f"{type(result).__name__} is none of {kinds}"
    repr(result)  # every value can be shown (no int past the digit limit inside)


def kinds_of(probe: Probe) -> tuple[type, ...]:
    return PROBE_KINDS[(probe.scope, probe.fact)]


def test_every_corpus_family_and_probe_is_fuzzed() -> None:
    """A new corpus folder or a new kind of probe needs its entry above, or it would go unfuzzed."""
    assert set(corpus_families()) <= set(CORPUS_PARSERS)
    assert {(p.scope, p.fact) for p in probes.PROBES} <= set(PROBE_KINDS)


# --- the real corpus -------------------------------------------------------------------------------

CORPUS = [family for family in sorted(CORPUS_PARSERS) if corpus_samples(family)]


@pytest.mark.parametrize("family", CORPUS)
@fuzz_settings(100)
@given(data=st.data(), mutations=MUTATIONS)
def test_mutated_corpus_outputs(family: str, data: st.DataObject, mutations: list[Mutation]) -> None:
    sample = data.draw(st.sampled_from(corpus_samples(family)), label="sample")
    parser = CORPUS_PARSERS[family]
    text = apply_mutations(sample.raw, mutations)
    assert_value_or_unknown(parser.parse(text, sample), parser.kinds)


# --- every probe, on the virtual phones' outputs -----------------------------------------------------


def _samples(probe: Probe) -> list[tuple[str, int]]:
    """(persona, user) wherever the persona's capture holds the probe's outputs."""
    found = []
    for name, capture in persona_captures():
        users = collect.user_ids(capture) if probe.scope is Scope.USER else [0]
        found += [(name, user) for user in users
                  if all(capture.get(command) is not None for command in probe.commands(user))]
    return found


def _with_outputs(capture: Capture, records: dict[str, CommandRecord]) -> Capture:
    return dataclasses.replace(capture, commands=tuple(records.get(r.command, r) for r in capture.commands))


def _ends_inside_a_line(text: str) -> bool:
    return bool(text) and not text.endswith("\n")


# The line dumpsys prints when it gives up on a service (docs/EVIDENCE.md), whatever its numbers.
_TIMEOUT_LINE_RE = re.compile(r"^\*\*\* SERVICE '[^'\n]*' DUMP TIMEOUT \(\d+ms\) EXPIRED \*\*\*", re.MULTILINE)


def _has_timeout_line(text: str) -> bool:
    return bool(_TIMEOUT_LINE_RE.search(text))


EXIT_STATUS = st.one_of(st.none(), st.just(0), st.just(1), st.sampled_from((2, 127, 137, 139, 255)),
                        st.integers(-(2**31), 2**31 - 1))


@pytest.mark.parametrize("probe", probes.PROBES, ids=lambda p: p.key)
@fuzz_settings(100)
@given(data=st.data(), mutations=MUTATIONS, status=EXIT_STATUS)
def test_mutated_probe_outputs(probe: Probe, data: st.DataObject, mutations: list[Mutation], status: int | None) -> None:
    name, user = data.draw(st.sampled_from(_samples(probe)), label="persona, user")
    capture = dict(persona_captures())[name]
    commands = probe.commands(user)
    damaged = data.draw(st.sets(st.sampled_from(commands), min_size=1), label="damaged commands")
    outputs = {c: apply_mutations(capture.get(c).output, mutations) if c in damaged else capture.get(c).output
               for c in commands}
    assert_value_or_unknown(probe.parse(user, *outputs.values()), kinds_of(probe))

    records = {c: CommandRecord(c, outputs[c], status if c in damaged else capture.get(c).exit_code)
               for c in commands}
    fact = read_probe(_with_outputs(capture, records), probe, user)
    assert_value_or_unknown(fact, kinds_of(probe))
    for command in damaged:
        text = outputs[command]
        if status is not None and status not in probe.ok_statuses or _has_timeout_line(text) \
                or _ends_inside_a_line(text):
            assert isinstance(fact, Unknown), (name, command, "damage read as a value")


def test_a_timeout_line_with_a_long_count_is_still_a_timeout() -> None:
    """Found by this fuzzing: the line was recognised only with at most 9 digits of milliseconds, so
    a dump marked `(1000000000ms)`, or one whose count had thousands of digits, was read as complete
    (here: an account dump that dumpsys gave up on, read as "user 0 has no account")."""
    probe = probes.probe("dumpsys-account")
    for milliseconds in ("1000000000", "9" * 5000):
        text = f"*** SERVICE 'account' DUMP TIMEOUT ({milliseconds}ms) EXPIRED ***\nAccounts: 0\n"
        capture = Capture("FUZZ", datetime(2026, 11, 30, 9, 0), (CommandRecord("dumpsys account", text, 0),))
        fact = read_probe(capture, probe)
        assert fact == Unknown(Gap.TIMEOUT, "`dumpsys account`: dumpsys gave up on the 'account' service after "
                                            "more than 11 days, so its dump is incomplete")


# --- arbitrary text --------------------------------------------------------------------------------

# Text made of real lines, arbitrary lines and lone characters, with or without a last line end.
LINE = st.one_of(st.integers(0, 2**24).map(lambda i: line_pool()[i % len(line_pool())]), UNICODE_TEXT)
SOUP = st.builds(lambda lines, end: "\n".join(lines) + end, st.lists(LINE, max_size=40), st.sampled_from(("", "\n")))
ARBITRARY = st.one_of(UNICODE_TEXT, SOUP)


def _probe_parser(probe: Probe) -> Parser:
    """The probe's parser with the same text as each of its outputs."""
    return Parser(lambda text, _sample: probe.parse(0, *(text,) * len(probe.commands(0))), kinds_of(probe))


TEXT_PARSERS: dict[str, Parser] = {
    **{f"corpus:{family}": parser for family, parser in CORPUS_PARSERS.items()},
    **{f"probe:{p.key}": _probe_parser(p) for p in probes.PROBES},
    **OTHER_PARSERS,
}


@pytest.mark.parametrize("target", sorted(TEXT_PARSERS))
@fuzz_settings(60)
@given(text=ARBITRARY)
def test_arbitrary_text(target: str, text: str) -> None:
    parser = TEXT_PARSERS[target]
    assert_value_or_unknown(parser.parse(text, None), parser.kinds)


@fuzz_settings(200)
@given(outputs=st.lists(ARBITRARY, min_size=1, max_size=3), status=EXIT_STATUS)
def test_arbitrary_capture_of_one_user(outputs: list[str], status: int | None) -> None:
    """Every probe read from a capture whose every output is arbitrary text."""
    records = tuple(CommandRecord(command, outputs[index % len(outputs)], status)
                    for index, command in enumerate(collect.round_one()))
    capture = Capture("FUZZ", datetime(2026, 11, 30, 9, 0), records)
    for probe in probes.PROBES:
        assert_value_or_unknown(read_probe(capture, probe, 0), kinds_of(probe))
    facts_from_capture(capture)
