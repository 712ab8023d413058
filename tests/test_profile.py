from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from wa_harden.checks import REGISTRY
from wa_harden.errors import ProfileError
from wa_harden.model import Area, Attestation, Severity, Waiver
from wa_harden.profile import (
    DEFAULT_PROFILE,
    list_profiles,
    load_attestations,
    load_profile,
    shipped_profiles_dir,
    validate_profile_file,
)

DEVICE_IDS = {cid for cid, spec in REGISTRY.items() if spec.area is Area.DEVICE}


def write(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- shipped profiles -----------------------------------------------------------------------------


def test_list_profiles_names_both_shipped_profiles() -> None:
    profiles = dict(list_profiles())
    assert sorted(profiles) == ["baseline", "whatsapp-business-gdpr"]
    assert all(description for description in profiles.values())


def test_shipped_file_names_match_profile_names() -> None:
    for entry in shipped_profiles_dir().iterdir():
        if entry.name.endswith(".toml"):
            assert load_profile(entry.name.removesuffix(".toml")).name == entry.name.removesuffix(
                ".toml"
            )


def test_baseline_is_every_device_check() -> None:
    profile = load_profile("baseline")
    assert set(profile.checks) == DEVICE_IDS
    assert profile.checks["device-patch-age"].params == {"max_age_days": 90}
    assert profile.waivers == ()


def test_default_profile_has_every_check_with_spec_defaults() -> None:
    profile = load_profile(DEFAULT_PROFILE)
    assert set(profile.checks) == set(REGISTRY)
    for check_id, settings in profile.checks.items():
        spec = REGISTRY[check_id]
        assert settings.enabled is True
        assert settings.severity is spec.severity
        assert dict(settings.params) == spec.defaults(), check_id


def test_shipped_profiles_validate_as_files() -> None:
    for name in ("baseline", "whatsapp-business-gdpr"):
        path = Path(str(shipped_profiles_dir() / f"{name}.toml"))
        assert validate_profile_file(path).name == name


def test_checks_are_in_report_order() -> None:
    ids = list(load_profile(DEFAULT_PROFILE).checks)
    assert ids[0] == "wa-app-current"
    assert ids[-1] == "org-retention"


def test_unknown_shipped_name_suggests_the_closest() -> None:
    with pytest.raises(ProfileError, match="unknown profile 'basline'.*did you mean 'baseline'"):
        load_profile("basline")


# --- extends, overrides, disabling ----------------------------------------------------------------


def test_child_overrides_key_by_key_and_disables(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[profile]
name = "shop"
description = "our shop"
extends = "whatsapp-business-gdpr"

[checks.device-patch-age]
severity = "critical"
max_age_days = 60

[checks.device-dedicated]
max_contacts = 500

[checks.wa-media-visibility]
enabled = false
""",
    )
    profile = load_profile(str(path))
    assert (profile.name, profile.description, profile.source) == ("shop", "our shop", str(path))
    assert "wa-media-visibility" not in profile.checks
    patch = profile.checks["device-patch-age"]
    assert (patch.severity, patch.params["max_age_days"]) == (Severity.CRITICAL, 60)
    dedicated = profile.checks["device-dedicated"].params
    assert (dedicated["max_contacts"], dedicated["max_accounts"]) == (500, 3)
    assert profile.checks["device-dedicated"].severity is Severity.MEDIUM


def test_relative_extends_chain_and_reenable(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(
        tmp_path,
        '[profile]\nname = "a"\nextends = "baseline"\n[checks.device-managed]\nenabled = false\n'
        "[checks.device-patch-age]\nmax_age_days = 30\n",
        "a.toml",
    )
    write(tmp_path, '[profile]\nname = "b"\nextends = "../a.toml"\n', "sub/b.toml")
    path = write(
        tmp_path,
        '[profile]\nname = "c"\nextends = "b.toml"\n[checks.device-managed]\nenabled = true\n',
        "sub/c.toml",
    )
    profile = load_profile(str(path))
    assert profile.name == "c"
    assert "device-managed" in profile.checks
    assert profile.checks["device-patch-age"].params == {"max_age_days": 30}


def test_waivers_are_inherited_and_parsed(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
[profile]
name = "parent"
[checks.device-patch-age]
[[waivers]]
check = "device-patch-age"
justification = "replacement ordered"
approver = "IT lead"
expires = 2027-03-31
""",
        "parent.toml",
    )
    path = write(
        tmp_path,
        """
[profile]
name = "child"
extends = "parent.toml"
[[waivers]]
check = "device-os-version"
serials = ["TEST0001", "TEST0002"]
justification = "kiosk phone"
approver = "DPO"
expires = 2026-12-31
""",
    )
    profile = load_profile(str(path))
    assert profile.waivers == (
        Waiver("device-patch-age", "replacement ordered", "IT lead", date(2027, 3, 31)),
        Waiver(
            "device-os-version", "kiosk phone", "DPO", date(2026, 12, 31), ("TEST0001", "TEST0002")
        ),
    )


@pytest.mark.parametrize(
    ("files", "start"),
    [
        ({"a.toml": "b.toml", "b.toml": "a.toml"}, "a.toml"),
        ({"self.toml": "self.toml"}, "self.toml"),
        ({"x.toml": "y.toml", "y.toml": "z.toml", "z.toml": "y.toml"}, "x.toml"),
    ],
)
def test_extends_cycles_are_errors(tmp_path: Path, files: dict[str, str], start: str) -> None:
    for name, parent in files.items():
        write(tmp_path, f'[profile]\nname = "{name}"\nextends = "{parent}"\n', name)
    with pytest.raises(ProfileError) as info:
        load_profile(str(tmp_path / start))
    assert info.value.key == "profile.extends"
    assert "must not loop" in info.value.problem


def test_error_in_a_parent_names_the_parent_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[profile]\nname = "p"\n[checks.device-os-version]\nmin_sdk = "30"\n',
        "parent.toml",
    )
    path = write(tmp_path, '[profile]\nname = "c"\nextends = "parent.toml"\n')
    with pytest.raises(ProfileError) as info:
        load_profile(str(path))
    assert info.value.path == str(tmp_path / "parent.toml")
    assert info.value.key == "checks.device-os-version.min_sdk"


# --- every validation error, with its exact key path -----------------------------------------------

HEAD = '[profile]\nname = "t"\n'
WAIVER = 'check = "device-patch-age"\njustification = "j"\napprover = "a"\nexpires = 2027-03-31\n'

# fmt: off
BAD_PROFILES = [
    # (id, text, key path, words of the problem)
    ("unknown top key", "colour = 1\n" + HEAD, "colour", "unknown key; expected one of: profile, checks, waivers"),
    ("missing profile", '[checks.device-managed]\n', "profile", "missing"),
    ("missing name", '[profile]\ndescription = "d"\n', "profile.name", "missing"),
    ("empty name", '[profile]\nname = ""\n', "profile.name", "expected a non-empty string, got ''"),
    ("unknown profile key", HEAD + "extend = 'baseline'\n", "profile.extend", "did you mean 'extends'"),
    ("description type", HEAD + "description = 3\n", "profile.description", "expected a string, got 3"),
    ("unknown extends", HEAD + 'extends = "basline"\n', "profile.extends", "unknown profile 'basline'"),
    ("missing extends file", HEAD + 'extends = "nope.toml"\n', "profile.extends", "no profile file"),
    ("unknown check", HEAD + "[checks.device-patch-ages]\n", "checks.device-patch-ages", "did you mean 'device-patch-age'"),
    ("check not a table", HEAD + "[checks]\ndevice-managed = true\n", "checks.device-managed", "expected a table, got true"),
    ("unknown check key", HEAD + "[checks.device-patch-age]\nmax_days = 3\n", "checks.device-patch-age.max_days", "unknown key"),
    ("param on check without params", HEAD + "[checks.device-managed]\nlimit = 3\n", "checks.device-managed.limit", "expected one of: enabled, severity"),
    ("string for int", HEAD + '[checks.device-patch-age]\nmax_age_days = "ninety"\n', "checks.device-patch-age.max_age_days", "expected an integer, got 'ninety'"),
    ("bool for int", HEAD + "[checks.device-patch-age]\nmax_age_days = true\n", "checks.device-patch-age.max_age_days", "expected an integer, got true"),
    ("float for int", HEAD + "[checks.device-os-version]\nmin_sdk = 30.5\n", "checks.device-os-version.min_sdk", "expected an integer, got 30.5"),
    ("negative int", HEAD + "[checks.device-patch-age]\nmax_age_days = -1\n", "checks.device-patch-age.max_age_days", "expected an integer >= 0, got -1"),
    ("string for list", HEAD + '[checks.wa-installer-trusted]\nallowed_installers = "com.android.vending"\n', "checks.wa-installer-trusted.allowed_installers", "expected a list, got 'com.android.vending'"),
    ("bad list item", HEAD + '[checks.wa-contacts-denied]\npermissions = ["android.permission.READ_CONTACTS", 2]\n', "checks.wa-contacts-denied.permissions[1]", "expected a string, got 2"),
    ("int for enabled", HEAD + "[checks.device-managed]\nenabled = 0\n", "checks.device-managed.enabled", "expected true or false, got 0"),
    ("bad severity", HEAD + '[checks.device-managed]\nseverity = "urgent"\n', "checks.device-managed.severity", "expected one of info, low, medium, high, critical, got 'urgent'"),
    ("upper-case severity", HEAD + '[checks.device-managed]\nseverity = "HIGH"\n', "checks.device-managed.severity", "got 'HIGH'"),
    ("waivers as table", HEAD + "[waivers]\ncheck = 'device-patch-age'\n", "waivers", "expected a list, got a table"),
    ("waiver missing justification", HEAD + '[[waivers]]\ncheck = "device-patch-age"\napprover = "a"\nexpires = 2027-03-31\n', "waivers[0].justification", "missing"),
    ("waiver missing approver", HEAD + '[[waivers]]\ncheck = "device-patch-age"\njustification = "j"\nexpires = 2027-03-31\n', "waivers[0].approver", "missing"),
    ("waiver missing expires", HEAD + '[[waivers]]\ncheck = "device-patch-age"\njustification = "j"\napprover = "a"\n', "waivers[0].expires", "missing"),
    ("waiver missing check", HEAD + '[[waivers]]\njustification = "j"\napprover = "a"\nexpires = 2027-03-31\n', "waivers[0].check", "missing"),
    ("waiver unknown check", HEAD + "[[waivers]]\n" + WAIVER.replace("device-patch-age", "patch-age"), "waivers[0].check", "unknown check 'patch-age'"),
    ("waiver string date", HEAD + "[[waivers]]\n" + WAIVER.replace("2027-03-31", '"2027-03-31"'), "waivers[0].expires", "expected a date (YYYY-MM-DD), got '2027-03-31'"),
    ("waiver datetime", HEAD + "[[waivers]]\n" + WAIVER.replace("2027-03-31", "2027-03-31T10:00:00"), "waivers[0].expires", "expected a date (YYYY-MM-DD), got a date and time"),
    ("waiver empty justification", HEAD + "[[waivers]]\n" + WAIVER.replace('"j"', '""'), "waivers[0].justification", "non-empty"),
    ("waiver unknown key", HEAD + "[[waivers]]\n" + WAIVER + "reason = 'x'\n", "waivers[0].reason", "unknown key"),
    ("waiver serials type", HEAD + "[[waivers]]\n" + WAIVER + "serials = 'TEST0001'\n", "waivers[0].serials", "expected a list"),
    ("second waiver", HEAD + "[[waivers]]\n" + WAIVER + "[[waivers]]\n" + WAIVER.replace('approver = "a"\n', ""), "waivers[1].approver", "missing"),
]
# fmt: on


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [row[1:] for row in BAD_PROFILES],
    ids=[row[0] for row in BAD_PROFILES],
)
def test_validation_errors_name_the_key_path(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as info:
        validate_profile_file(path)
    assert info.value.key == key
    assert problem in info.value.problem
    assert str(info.value).startswith(f"{path}: {key}: ")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (HEAD + "[checks.device-patch-age]\nmax_age_days = \n", "line 4, column 16"),
        ('[profile]\nname = "t"\nname = "u"\n', "line 3"),
        (HEAD + "[[waivers]]\n" + WAIVER.replace("2027-03-31", "2027-02-30"), "line 7"),
    ],
)
def test_toml_syntax_errors_give_line_and_column(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as info:
        validate_profile_file(path)
    assert info.value.key == ""
    assert info.value.problem.startswith("invalid TOML: ")
    assert where in info.value.problem


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read the file"):
        validate_profile_file(tmp_path / "missing.toml")
    with pytest.raises(ProfileError, match="cannot read the file"):
        load_profile(str(tmp_path))  # a directory
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[profile]\nname = "caf\xe9"\n')
    with pytest.raises(ProfileError, match="not UTF-8"):
        validate_profile_file(path)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbf[profile]\nname = "bom"\n')
    assert validate_profile_file(path).checks == {}


# --- attestations --------------------------------------------------------------------------------------


def test_attestations_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[attestation]]
check = "wa-chat-backup"
by = "IT lead"
date = 2026-02-27
note = "Back up to Google Drive = Never"
serials = ["TEST0001"]

[[attestation]]
check = "org-dpa"
by = "DPO"
date = 2026-01-10
note = "terms accepted, filed in the processing records"
""",
        "att.toml",
    )
    assert load_attestations(path) == (
        Attestation(
            "wa-chat-backup",
            "IT lead",
            date(2026, 2, 27),
            "Back up to Google Drive = Never",
            ("TEST0001",),
        ),
        Attestation(
            "org-dpa", "DPO", date(2026, 1, 10), "terms accepted, filed in the processing records"
        ),
    )


def test_empty_attestation_file_is_no_attestations(tmp_path: Path) -> None:
    assert load_attestations(write(tmp_path, "", "att.toml")) == ()


ATT = 'check = "org-dpa"\nby = "DPO"\ndate = 2026-01-10\nnote = "filed"\n'


# fmt: off
@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("[[attestation]]\n" + ATT.replace("org-dpa", "device-patch-age"), "attestation[0].check", "checked automatically and cannot be attested"),
        ("[[attestation]]\n" + ATT.replace("org-dpa", "org-dap"), "attestation[0].check", "did you mean 'org-dpa'"),
        ("[[attestation]]\n" + ATT.replace('by = "DPO"\n', ""), "attestation[0].by", "missing"),
        ("[[attestation]]\n" + ATT.replace("2026-01-10", '"yesterday"'), "attestation[0].date", "expected a date (YYYY-MM-DD), got 'yesterday'"),
        ("[[attestation]]\n" + ATT.replace('note = "filed"\n', ""), "attestation[0].note", "missing"),
        ("[[attestation]]\n" + ATT + "signature = 'x'\n", "attestation[0].signature", "unknown key"),
        ("[[attestations]]\n" + ATT, "attestations", "did you mean 'attestation'"),
    ],
)
# fmt: on
def test_attestation_errors(tmp_path: Path, text: str, key: str, problem: str) -> None:
    with pytest.raises(ProfileError) as info:
        load_attestations(write(tmp_path, text, "att.toml"))
    assert info.value.key == key
    assert problem in info.value.problem


def test_a_min_version_that_is_no_version_is_refused_when_the_profile_loads(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[profile]\nname = "bad"\nextends = "whatsapp-business-gdpr"\n'
                   '[checks.wa-app-current]\nmin_version = "2.26.x"\n')
    with pytest.raises(ProfileError) as error:
        validate_profile_file(bad)
    assert str(error.value) == (f'{bad}: checks.wa-app-current.min_version: expected a version such as "2.26.1" '
                                "(numbers separated by dots), or \"\" for none, got '2.26.x'")
