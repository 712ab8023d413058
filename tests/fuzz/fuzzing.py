"""What the fuzz tests share: their hypothesis settings, the outputs they start from, and the ways
an output is damaged.

Settings.  CI runs a fixed, bounded set of examples: ``derandomize`` (the same examples on every
run, nothing random between two CI runs), no example database (a failure is never replayed from an
earlier run), no deadline (a slow CI machine is not a failure).  ``HYPOTHESIS_PROFILE=release``
draws new examples on every run, ten times as many; ``WA_HARDEN_FUZZ_EXAMPLES=N`` multiplies every
test's CI count by N instead (under either profile).  docs/RELIABILITY.md gives the commands and
their durations.

The profiles are registered here and not in a ``tests/fuzz/conftest.py``: the test folders have no
``__init__.py``, so a second ``conftest`` module would take the place of ``tests/conftest.py`` in
``sys.modules`` and break every ``from conftest import ...`` collected after it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from conftest import corpus_files, corpus_root
from fakes import NOW, InProcessPhone
from wa_harden import collect
from wa_harden.capture import Capture
from wa_harden.parse.text import decode_output
from wa_harden.virtual.android import list_personas, load_persona, persona_from_data
from wa_harden.virtual.android.state import RELEASES
from wa_harden.virtual.phone import VirtualPhone

# --- settings ------------------------------------------------------------------------------------

CI = "ci"
RELEASE = "release"
_SHARED = settings(
    database=None,
    deadline=None,
    print_blob=True,
    # Inputs are whole command outputs (up to 1 MB of real dumps): generating them is slow by design.
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example),
)
settings.register_profile(CI, _SHARED, derandomize=True)
settings.register_profile(RELEASE, _SHARED, derandomize=False)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", CI)
SCALE = int(os.environ.get("WA_HARDEN_FUZZ_EXAMPLES") or (10 if PROFILE == RELEASE else 1))


def fuzz_settings(ci_examples: int) -> settings:
    """The profile's settings with this test's example count (scaled for a release run)."""
    return settings(settings.get_profile(PROFILE), max_examples=max(1, ci_examples * SCALE))


# --- the outputs fuzzing starts from ----------------------------------------------------------------

# Families of the real corpus (../shared/corpus) and the packages their dumps are of.
_PACKAGE_NAME_RE = re.compile(r"Package \[([^\]]+)\]|Unable to find package: (\S+)")


@dataclass(frozen=True)
class CorpusSample:
    family: str
    name: str
    raw: bytes  # exactly as published: UTF-8, UTF-8 with BOM, UTF-16 with BOM and CRLF
    text: str  # decoded as the collector decodes

    @property
    def package(self) -> str:
        """The package a ``dumpsys package PKG`` sample is of."""
        match = _PACKAGE_NAME_RE.search(self.text)
        return (match.group(1) or match.group(2)) if match else "com.whatsapp.w4b"


@cache
def corpus_samples(family: str) -> tuple[CorpusSample, ...]:
    samples = []
    for path in corpus_files(family):
        raw = path.read_bytes()
        samples.append(CorpusSample(family, path.name, raw, decode_output(raw)))
    return tuple(samples)


def corpus_families() -> list[str]:
    root = corpus_root()
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root is not None else []


def release_persona(android: str) -> dict[str, object]:
    """A persona with a bit of everything on one Android release: two WhatsApps in two users with
    both storage layouts, a work profile, a Secure Folder that refuses the shell, accounts,
    contacts, settings and restrictions."""
    return {
        "name": f"fuzz-android-{android}",
        "device": {"oem": "samsung", "android": android},
        "users": [
            {"id": 0, "kind": "system", "accounts": {"com.google": 1, "com.whatsapp.w4b": 1},
             "contacts": {"local": 3, "com.google": 20, "com.whatsapp.w4b": 5},
             "secure_settings": {"lock_screen_lock_after_timeout": "5000"},
             "accessibility_services": ["com.example.helper/.ReaderService"]},
            {"id": 10, "kind": "secondary", "backup": True, "backup_activated": True,
             "accounts": {"com.whatsapp": 1}, "contacts": {"com.whatsapp": 4},
             "restrictions": ["no_install_unknown_sources"]},
            {"id": 11, "kind": "work-profile"},
            {"id": 150, "kind": "secure-folder"},
        ],
        "apps": [
            {"package": "com.whatsapp.w4b", "users": [0, 10], "media_layout": "both",
             "permissions": {"CAMERA": "denied-fixed", "ACCESS_FINE_LOCATION": "granted"}},
            {"package": "com.whatsapp", "users": [0, 11], "media_hidden": True, "contacts": "denied"},
            {"package": "com.example.helper", "users": [0], "appops": {"REQUEST_INSTALL_PACKAGES": "allow"}},
        ],
        "settings": {"global": {"package_verifier_enable": "0"}},
    }


def complete_capture(phone: VirtualPhone) -> Capture:
    capture = collect.collect(InProcessPhone(phone), phone.serial, timeout=30)
    assert capture.incomplete is None, (phone.serial, capture.incomplete_detail)
    return capture


def phone_of(persona: object, serial: str) -> VirtualPhone:
    faults = replace(persona.faults, latency_scale=0.0)  # type: ignore[attr-defined]
    return VirtualPhone(persona, serial, faults, NOW)


@cache
def persona_captures() -> tuple[tuple[str, Capture], ...]:
    """Complete in-process captures of every shipped persona and of one persona per Android release
    (8.0 to 16), by name."""
    captures = [(name, complete_capture(phone_of(load_persona(name), f"SHIP{index:04d}")))
                for index, name in enumerate(list_personas())]
    for index, android in enumerate(sorted(RELEASES, key=RELEASES.__getitem__)):
        persona = persona_from_data(release_persona(android))
        captures.append((f"android-{android}", complete_capture(phone_of(persona, f"REL{index:04d}"))))
    return tuple(captures)


@cache
def line_pool() -> tuple[str, ...]:
    """Every distinct line of the real corpus and of the virtual phones' outputs: what a splice
    takes lines from."""
    lines: dict[str, None] = {}
    for family in corpus_families():
        for sample in corpus_samples(family):
            lines.update(dict.fromkeys(sample.text.split("\n")))
    for _name, capture in persona_captures():
        for record in capture.commands:
            lines.update(dict.fromkeys(record.output.split("\n")))
    return tuple(lines)


# --- mutations -------------------------------------------------------------------------------------

# What Android prints when a command fails: no answer at all.
ERROR_LINES = (
    "Error: the service is not available",
    "Error: Could not access the Backup Manager.  Is the system running?",
    "Exception occurred while executing 'get':",
    "java.lang.IllegalStateException: Could not find provider: com.android.contacts",
    "java.lang.NullPointerException: Attempt to invoke virtual method on a null object reference",
    "Security exception: Permission Denial: not allowed to query",
    "Failure [not installed for 0]",
    "Exception caught: java.lang.RuntimeException: android.os.DeadObjectException",
    "Error while accessing provider:com.android.contacts",
)
# What Android prints about itself: answers, though in an error's words (a user the shell may not
# enter, a command or service this Android lacks, a backup service nobody activated).
ANSWER_LINES = (
    "java.lang.SecurityException: Shell does not have permission to access user 10",
    "/system/bin/sh: dumpsys: inaccessible or not found",
    "cmd: Can't find service: package",
    "Unknown command: list-owners",
    "Error: Backup Manager is not activated for user 10",
)
SERVICES = ("package", "lock_settings", "account", "device_policy", "backup", "user", "appops", "x y")


def timeout_marker(service: str, milliseconds: int) -> str:
    return f"*** SERVICE '{service}' DUMP TIMEOUT ({milliseconds}ms) EXPIRED ***"


# Any text, lone surrogates and control characters included.
UNICODE = st.characters(exclude_categories=())
UNICODE_TEXT = st.text(UNICODE, max_size=300)
_INDEX = st.integers(min_value=0, max_value=2**24)


class Mutation:
    """One change of an output's text."""

    def apply(self, text: str) -> str:
        raise NotImplementedError


class ByteMutation(Mutation):
    """One change of an output's bytes, decoded afterwards as the collector decodes them (a text is
    taken as the UTF-8 a phone sends)."""

    def apply_bytes(self, data: bytes) -> bytes:
        raise NotImplementedError

    def apply(self, text: str) -> str:
        return decode_output(self.apply_bytes(text.encode("utf-8", "surrogatepass")))


@dataclass(frozen=True)
class FlipBits(ByteMutation):
    flips: tuple[tuple[int, int], ...]  # (position, bit mask)

    def apply_bytes(self, data: bytes) -> bytes:
        changed = bytearray(data)
        for position, mask in self.flips:
            if changed:
                changed[position % len(changed)] ^= mask
        return bytes(changed)


@dataclass(frozen=True)
class CutBytes(ByteMutation):
    at: int

    def apply_bytes(self, data: bytes) -> bytes:
        return data[: self.at % (len(data) + 1)]


@dataclass(frozen=True)
class Cut(Mutation):
    at: int

    def apply(self, text: str) -> str:
        return text[: self.at % (len(text) + 1)]


def _lines_op(text: str, change: object) -> str:
    lines = text.split("\n")
    return "\n".join(change(lines))  # type: ignore[operator]


@dataclass(frozen=True)
class DuplicateLines(Mutation):
    at: int
    count: int
    times: int

    def apply(self, text: str) -> str:
        def change(lines: list[str]) -> list[str]:
            start = self.at % len(lines)
            block = lines[start : start + self.count]
            return lines[: start + self.count] + block * self.times + lines[start + self.count :]

        return _lines_op(text, change)


@dataclass(frozen=True)
class DeleteLines(Mutation):
    at: int
    count: int

    def apply(self, text: str) -> str:
        def change(lines: list[str]) -> list[str]:
            start = self.at % len(lines)
            return lines[:start] + lines[start + self.count :]

        return _lines_op(text, change)


@dataclass(frozen=True)
class InsertLines(Mutation):
    at: int
    inserted: tuple[str, ...]

    def apply(self, text: str) -> str:
        def change(lines: list[str]) -> list[str]:
            start = self.at % (len(lines) + 1)
            return lines[:start] + list(self.inserted) + lines[start:]

        return _lines_op(text, change)


@dataclass(frozen=True)
class SpliceLines(InsertLines):
    """Lines of other outputs (the pool is looked up when the mutation is drawn)."""


@dataclass(frozen=True)
class HugeNumbers(Mutation):
    """Some numbers of the output replaced by thousands of digits (past Python's 4300-digit limit
    for int(), so a parser that converts without care raises)."""

    first: int
    count: int
    digits: int
    sign: str

    def apply(self, text: str) -> str:
        matches = list(re.finditer(r"\d+", text))
        if not matches:
            return text
        start = self.first % len(matches)
        chosen = matches[start : start + self.count]
        parts, position = [], 0
        for match in chosen:
            parts += [text[position : match.start()], self.sign + "9" * self.digits]
            position = match.end()
        return "".join(parts) + text[position:]


@dataclass(frozen=True)
class ReplaceText(Mutation):
    text: str

    def apply(self, text: str) -> str:
        return self.text


def apply_mutations(data: bytes | str, mutations: Sequence[Mutation]) -> str:
    """The output after every mutation in turn.  Bytes (a corpus file as published) stay bytes
    while only bytes are changed, and are decoded as the collector decodes before the first change
    of the text."""
    current: bytes | str = data
    for mutation in mutations:
        if isinstance(mutation, ByteMutation) and isinstance(current, bytes):
            current = mutation.apply_bytes(current)
        else:
            current = mutation.apply(current if isinstance(current, str) else decode_output(current))
    return current if isinstance(current, str) else decode_output(current)


def _spliced(at: int, picks: list[int]) -> SpliceLines:
    pool = line_pool()
    return SpliceLines(at, tuple(pool[pick % len(pool)] for pick in picks))


def _marker(at: int, service: str, milliseconds: int) -> InsertLines:
    return InsertLines(at, (timeout_marker(service, milliseconds),))


# Changes that bring in no line Android prints about itself: bits, cuts, the output's own lines
# repeated or dropped, arbitrary text, failures, a timeout line, long numbers.
NOISE = st.one_of(
    st.builds(FlipBits, st.lists(st.tuples(_INDEX, st.integers(1, 255)), min_size=1, max_size=8).map(tuple)),
    st.builds(CutBytes, _INDEX),
    st.builds(Cut, _INDEX),
    st.builds(DuplicateLines, _INDEX, st.integers(1, 5), st.integers(1, 3)),
    st.builds(DeleteLines, _INDEX, st.integers(1, 5)),
    st.builds(InsertLines, _INDEX, st.lists(UNICODE_TEXT, min_size=1, max_size=3).map(tuple)),
    st.builds(InsertLines, _INDEX, st.lists(st.sampled_from(ERROR_LINES), min_size=1, max_size=2).map(tuple)),
    st.builds(_marker, _INDEX, st.sampled_from(SERVICES), st.integers(0, 10**9)),
    st.builds(HugeNumbers, _INDEX, st.integers(1, 4), st.integers(4301, 6000), st.sampled_from(("", "-", "+"))),
    st.builds(ReplaceText, UNICODE_TEXT),
)
# Any change: also lines of other outputs (a refusal, another command's answer) and Android's
# answers in an error's words.
MUTATION = st.one_of(
    NOISE,
    st.builds(_spliced, _INDEX, st.lists(_INDEX, min_size=1, max_size=6)),
    st.builds(InsertLines, _INDEX, st.lists(st.sampled_from(ANSWER_LINES), min_size=1, max_size=2).map(tuple)),
)
MUTATIONS = st.lists(MUTATION, min_size=1, max_size=4)
