"""dumpsys lock_settings: credential type per user, only under "User State:"."""

from __future__ import annotations

from wa_harden.facts import CredentialType, Gap, LockState, Unknown
from wa_harden.parse.lock import parse_dumpsys_lock_settings

ANDROID_14 = """\
Current lock settings service state:

User State:
  User 0
    SP Handle: 5f0ef3437a85f55
    Last changed: 2021-07-28 20:22:36 (b8212446331f2358)
    SID: 3fffcda35ee6c180
    Quality: 0
    CredentialType: PIN
    SeparateChallenge: true
    Metrics: known
  User 10
    Quality: 0
    CredentialType: NONE
    SeparateChallenge: false
  User 11
    CredentialType: PASSWORD_OR_PIN
  User 12
    CredentialType: UNKNOWN_7

Keys in namespace:
  User 0
    CredentialType: Password
Storage:
  User 10
    CredentialType: Pattern
"""


def test_user_state_section_only() -> None:
    assert parse_dumpsys_lock_settings(ANDROID_14) == {
        0: LockState(0, CredentialType.PIN, "PIN"),
        10: LockState(10, CredentialType.NONE, "NONE"),
        11: LockState(11, CredentialType.PASSWORD, "PASSWORD_OR_PIN"),
        12: LockState(12, CredentialType.OTHER, "UNKNOWN_7"),
    }


def test_older_capitalisation_and_odd_indentation() -> None:
    text = (
        "User State:\n"
        " User 0\n"
        " SP Handle: 5f0ef3437a85f55\n"
        "Last changed: 2021-07-28 20:22:36 (b8212446331f2358)\n"
        "  Quality: 0\n"
        " CredentialType: Pattern\r\n"
        "User 150:\n"
        " CredentialType: Swipe\n"
    )
    states = parse_dumpsys_lock_settings(text)
    assert states == {
        0: LockState(0, CredentialType.PATTERN, "Pattern"),
        150: LockState(150, CredentialType.SWIPE, "Swipe"),
    }
    assert states[0].credential.secure and not states[150].credential.secure


def test_quality_only_dumps_are_read_conservatively() -> None:
    text = "User State:\n  User 0\n    Quality: 0\n  User 10\n    Quality: 131072\n"
    states = parse_dumpsys_lock_settings(text)
    assert states == {
        0: LockState(0, CredentialType.OTHER, "Quality: 0"),
        10: LockState(10, CredentialType.PIN, "Quality: 131072"),
    }
    assert not states[0].credential.secure


def test_odd_outputs() -> None:
    assert parse_dumpsys_lock_settings("User State:\n\nStorage:\n") == {}
    assert parse_dumpsys_lock_settings("").reason == Gap.UNPARSEABLE
    assert parse_dumpsys_lock_settings("Storage:\n  User 0\n    CredentialType: Pin\n") == Unknown(
        Gap.UNPARSEABLE, "no 'User State:' section in the output"
    )
    assert parse_dumpsys_lock_settings("Can't find service: lock_settings\n") == Unknown(
        Gap.NOT_SUPPORTED, "Can't find service: lock_settings"
    )


def test_pre_android_12_layout_without_user_state_and_numeric_types():
    text = ("Current lock settings service state:\n\n  User 0\n    SP Handle: 5f0ef3437a85f55\n"
            "    Quality: 131072\n    CredentialType: 2\n    SeparateChallenge: true\n"
            "  User 10\n    Quality: 0\n    CredentialType: -1\n\nStrongAuth:\n  User 0: 0x0\n")
    states = parse_dumpsys_lock_settings(text)
    assert {u: s.credential for u, s in states.items()} == {0: CredentialType.PASSWORD, 10: CredentialType.NONE}
    assert states[0].raw == "2"
