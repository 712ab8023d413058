"""wa_harden.tomlcheck: strict kinds, "did you mean", key paths, and reading files within a bound."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from wa_harden.errors import ExitStatus, ProfileError, WaHardenError
from wa_harden.profile import load_attestations, validate_profile_file
from wa_harden.tomlcheck import (
    MAX_BYTES,
    Checker,
    Kind,
    ListOf,
    MapOf,
    Table,
    choice,
    describe,
    has_kind,
    join,
    kind_words,
    read_toml,
)
from wa_harden.virtual.android import PersonaError, load_persona, persona_from_data
from wa_harden.virtual.launcher import LauncherError

DEV_ZERO = Path("/dev/zero")
needs_dev_zero = pytest.mark.skipif(not DEV_ZERO.exists(), reason="no /dev/zero on this system")


class Problem(WaHardenError):
    """A stand-in for the caller's error class: tomlcheck takes any (source, key, problem) factory."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source, self.key, self.problem = source, key, problem


CHECK = Checker("f.toml", Problem)


def fails(func: Any, *args: Any) -> Problem:
    with pytest.raises(Problem) as info:
        func(*args)
    return info.value


# --- strict kinds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "ok"),
    [
        (True, int, False),  # a bool is not an int ...
        (True, float, False),  # ... nor a number
        (True, bool, True),
        (0, bool, False),
        (3, int, True),
        (3, float, True),  # an int is accepted as a number
        (3.5, int, False),
        (3.5, float, True),
        (datetime(2027, 3, 31, 10, 0), date, False),  # a date-time is not a date
        (datetime(2027, 3, 31, 10, 0), datetime, True),
        (date(2027, 3, 31), date, True),
        (date(2027, 3, 31), datetime, False),
        ("3", int, False),
        ("x", (int, str), True),
        ([1], list, True),
        ({}, dict, True),
        ({}, list, False),
    ],
)
def test_has_kind_is_strict_where_toml_and_python_disagree(value: Any, kind: Any, ok: bool) -> None:
    assert has_kind(value, kind) is ok


def test_words_for_kinds_and_values() -> None:
    assert kind_words(int) == "an integer"
    assert kind_words((str, list)) == "a string or a list"
    assert kind_words(date) == "a date (YYYY-MM-DD)"
    assert [describe(v) for v in (True, False, "x", 3, 2.5, date(2026, 1, 10), [1], {"a": 1})] == [
        "true", "false", "'x'", "3", "2.5", "2026-01-10", "a list", "a table",
    ]
    assert describe(datetime(2027, 3, 31, 10, 0)) == "a date and time 2027-03-31T10:00:00"


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        (True, int, "expected an integer, got true"),
        ("ninety", int, "expected an integer, got 'ninety'"),
        (30.5, int, "expected an integer, got 30.5"),
        (0, bool, "expected true or false, got 0"),
        ("2027-03-31", date, "expected a date (YYYY-MM-DD), got '2027-03-31'"),
        (datetime(2027, 3, 31, 10, 0), date, "expected a date (YYYY-MM-DD), got a date and time 2027-03-31T10:00:00"),
        ({"a": 1}, list, "expected a list, got a table"),
        ("urgent", choice("low", "high"), "expected one of low, high, got 'urgent'"),
        (-1, Kind("a non-negative integer", lambda v: v >= 0), "expected a non-negative integer, got -1"),
    ],
)
def test_expect_names_what_was_expected_and_what_was_found(value: Any, kind: Any, message: str) -> None:
    error = fails(CHECK.expect, value, kind, "checks.x.max_age_days")
    assert (error.source, error.key, error.problem) == ("f.toml", "checks.x.max_age_days", message)
    assert str(error) == f"f.toml: checks.x.max_age_days: {message}"


def test_expect_returns_the_value_and_an_int_is_a_number() -> None:
    assert CHECK.expect(3, float, "k") == 3
    assert CHECK.expect("x", str, "k") == "x"


def test_choice_accepts_only_its_strings() -> None:
    assert choice("14", "15").test("14")
    assert not choice("14", "15").test(14)
    assert not choice("a").test(["a"])


def test_text_must_not_be_blank() -> None:
    assert CHECK.text("DPO", "by") == "DPO"
    assert fails(CHECK.text, "  ", "by").problem == "expected a non-empty string, got '  '"
    assert fails(CHECK.text, 3, "by").problem == "expected a non-empty string, got 3"


# --- keys -----------------------------------------------------------------------------------------


def test_unknown_key_suggests_the_closest_known_key() -> None:
    error = fails(CHECK.known_keys, {"name": 1, "extend": 2}, ("name", "description", "extends"), "profile")
    assert error.key == "profile.extend"
    assert error.problem == "unknown key; did you mean 'extends'? expected one of: name, description, extends"


def test_unknown_key_without_a_close_match_lists_the_known_keys() -> None:
    error = fails(CHECK.known_keys, {"colour": 1}, ("profile", "checks", "waivers"), "")
    assert error.key == "colour"
    assert error.problem == "unknown key; expected one of: profile, checks, waivers"


def test_required_key() -> None:
    assert CHECK.required({"check": "x"}, "check", "waivers[0]", "every waiver") == "x"
    error = fails(CHECK.required, {}, "check", "waivers[0]", "every waiver")
    assert (error.key, error.problem) == ("waivers[0].check", "missing: every waiver needs 'check'")


def test_key_paths_quote_keys_that_are_not_bare() -> None:
    assert join("", "checks") == "checks"
    assert join("checks", "device-patch-age", "max_age_days") == "checks.device-patch-age.max_age_days"
    assert join("users[0].accounts", "com.google") == 'users[0].accounts."com.google"'
    assert join("a", 'say "hi"') == 'a."say \\"hi\\""'


# --- schemas --------------------------------------------------------------------------------------

APP = Table(
    {"package": Kind.of(str), "users": ListOf(Kind.of(int)), "permissions": MapOf(choice("granted", "denied"))},
    required=("package",),
    what="every app",
)
DOC = Table(
    {"name": Kind.of(str), "apps": ListOf(APP), "device": Table({"encrypted": Kind.of(bool)}), "props": MapOf(Kind.of(str))},
    required=("name",),
    what="a document",
)


def test_schema_accepts_a_valid_document() -> None:
    doc = {"name": "x", "apps": [{"package": "p", "users": [0, 10], "permissions": {"CAMERA": "denied"}}]}
    assert CHECK.check(doc, DOC, "") is doc


@pytest.mark.parametrize(
    ("doc", "key", "problem"),
    [
        ({"name": "x", "app": []}, "app", "unknown key; did you mean 'apps'? expected one of: name, apps, device, props"),
        ({}, "name", "missing: a document needs 'name'"),
        ({"name": 3}, "name", "expected a string, got 3"),
        ({"name": "x", "apps": {"package": "p"}}, "apps", "expected an array of tables ([[apps]]), got a table"),
        ({"name": "x", "apps": [3]}, "apps[0]", "expected a table, got 3"),
        ({"name": "x", "apps": [{"package": "p"}, {}]}, "apps[1].package", "missing: every app needs 'package'"),
        ({"name": "x", "apps": [{"package": "p", "pakage": "q"}]}, "apps[0].pakage", "unknown key; did you mean 'package'? expected one of: package, users, permissions"),
        ({"name": "x", "apps": [{"package": "p", "users": 0}]}, "apps[0].users", "expected a list, got 0"),
        ({"name": "x", "apps": [{"package": "p", "users": [0, True]}]}, "apps[0].users[1]", "expected an integer, got true"),
        ({"name": "x", "apps": [{"package": "p", "permissions": {"READ_CONTACTS": "yes"}}]}, "apps[0].permissions.READ_CONTACTS", "expected one of granted, denied, got 'yes'"),
        ({"name": "x", "apps": [{"package": "p", "permissions": []}]}, "apps[0].permissions", "expected a table, got a list"),
        ({"name": "x", "device": {"encrypted": 1}}, "device.encrypted", "expected true or false, got 1"),
        ({"name": "x", "device": True}, "device", "expected a table, got true"),
        ({"name": "x", "props": {"ro.build.type": 1}}, 'props."ro.build.type"', "expected a string, got 1"),
    ],
)
def test_schema_problems_name_the_key_path(doc: dict[str, Any], key: str, problem: str) -> None:
    error = fails(CHECK.check, doc, DOC, "")
    assert (error.key, error.problem) == (key, problem)


# --- reading files --------------------------------------------------------------------------------


def read(path: Path, **kwargs: Any) -> dict[str, Any]:
    return read_toml(path, str(path), Problem, **kwargs)


def test_reads_utf8_with_and_without_a_byte_order_mark(tmp_path: Path) -> None:
    plain, bom = tmp_path / "plain.toml", tmp_path / "bom.toml"
    plain.write_text('name = "Zoë"\n', encoding="utf-8")
    bom.write_text('name = "Zoë"\n', encoding="utf-8-sig")
    assert read(plain) == read(bom) == {"name": "Zoë"}
    assert CHECK.read(plain) == {"name": "Zoë"}


def test_unreadable_files_are_clear_problems(tmp_path: Path) -> None:
    (tmp_path / "latin1.toml").write_bytes('name = "Zoë"\n'.encode("latin-1"))
    (tmp_path / "bad.toml").write_text("name = \n")
    cases = {
        "latin1.toml": "the file is not UTF-8 text",
        "bad.toml": "invalid TOML: ",
        "missing.toml": "cannot read the file (No such file or directory)",
        ".": "cannot read the file (Is a directory)",
    }
    for name, problem in cases.items():
        path = tmp_path / name
        error = fails(read, path)
        assert (error.source, error.key) == (str(path), "")
        assert error.problem.startswith(problem), error.problem


def test_a_file_over_the_bound_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"# padding\n" * (2 * 1024 * 1024 // 10) + b'name = "x"\n')  # 2 MiB of valid TOML
    assert big.stat().st_size > 2 * 1024 * 1024 > MAX_BYTES
    error = fails(read, big)
    assert error.problem.startswith("the file is larger than 1 MiB; refusing to read it")


def test_the_bound_is_inclusive(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_bytes(b"x = 1\n")  # 6 bytes
    assert read(path, max_bytes=6) == {"x": 1}
    error = fails(lambda: read(path, max_bytes=5))
    assert error.problem.startswith("the file is larger than 5 bytes")


@needs_dev_zero
def test_an_endless_file_ends_at_once() -> None:
    started = time.monotonic()
    error = fails(read, DEV_ZERO)
    assert error.problem.startswith("the file is larger than 1 MiB")
    assert time.monotonic() - started < 5


@needs_dev_zero
def test_profiles_attestations_and_personas_use_the_bound(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="/dev/zero: the file is larger than 1 MiB"):
        validate_profile_file(DEV_ZERO)
    with pytest.raises(ProfileError, match="/dev/zero: the file is larger than 1 MiB"):
        load_attestations(DEV_ZERO)
    zero = tmp_path / "zero.toml"
    zero.symlink_to(DEV_ZERO)
    with pytest.raises(PersonaError, match="zero.toml: the file is larger than 1 MiB"):
        load_persona(zero)


@needs_dev_zero
def test_profiles_validate_dev_zero_exits_2_at_once() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    got = subprocess.run(
        [sys.executable, "-m", "wa_harden", "profiles", "validate", "/dev/zero"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )
    assert got.returncode == ExitStatus.USAGE
    assert "wa-harden: /dev/zero: the file is larger than 1 MiB" in got.stderr


# --- the callers' errors --------------------------------------------------------------------------


def test_persona_problems_are_wa_harden_errors_with_key_paths() -> None:
    data = {"name": "x", "device": {"oem": "google", "android": "14"},
            "apps": [{"package": "com.whatsapp.w4b", "permissions": {"READ_CONTACTS": "yes"}}]}
    with pytest.raises(PersonaError) as info:
        persona_from_data(data, "p.toml")
    assert isinstance(info.value, WaHardenError) and isinstance(info.value, ValueError)
    assert info.value.exit_status == ExitStatus.USAGE
    assert info.value.key == "apps[0].permissions.READ_CONTACTS"
    assert str(info.value).startswith("p.toml: apps[0].permissions.READ_CONTACTS: expected one of ")
    assert str(info.value).endswith(", got 'yes'")


def test_persona_unknown_keys_suggest_the_closest_key() -> None:
    data = {"name": "x", "device": {"oem": "google", "android": "14", "modell": "Pixel"}}
    with pytest.raises(PersonaError) as info:
        persona_from_data(data, "p.toml")
    assert info.value.key == "device.modell"
    assert "did you mean 'model'?" in info.value.problem


def test_launcher_errors_mean_no_device() -> None:
    assert issubclass(LauncherError, WaHardenError)
    assert LauncherError("no adb server").exit_status == ExitStatus.DEVICE_UNAVAILABLE
