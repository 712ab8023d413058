"""pm list users: ids, kinds and running state; names are never kept."""

from __future__ import annotations

import pytest

from wa_harden.facts import AndroidUser, Gap, Unknown, UserKind
from wa_harden.parse.users import parse_pm_list_users


def test_plain_list_with_tabs_and_header() -> None:
    text = "Users:\n\tUserInfo{0:Owner:13} running\n\tUserInfo{10:Work profile:1030} running\n"
    assert parse_pm_list_users(text) == (
        AndroidUser(0, UserKind.SYSTEM, 0x13, True),
        AndroidUser(10, UserKind.WORK_PROFILE, 0x1030, True),
    )


def test_names_with_colons_spaces_and_null_are_not_kept() -> None:
    text = (
        "Users:\n"
        "        UserInfo{0:null:4c13} running\n"
        "        UserInfo{11:Team: Sales A:410}\n"
    )
    users = parse_pm_list_users(text)
    assert users == (
        AndroidUser(0, UserKind.SYSTEM, 0x4C13, True),
        AndroidUser(11, UserKind.SECONDARY, 0x410, False),
    )
    assert "Sales" not in repr(users)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("UserInfo{150:Secure Folder:10061030} running", UserKind.SECURE_FOLDER),
        ("UserInfo{151:Secure Folder:10061030} running", UserKind.SECURE_FOLDER),
        ("UserInfo{150:Sicherer Ordner:10061030}", UserKind.SECURE_FOLDER),  # by id
        ("UserInfo{95:DUAL_APP:30}", UserKind.DUAL_APP),
        ("UserInfo{95:Dual Messenger:30}", UserKind.DUAL_APP),
        ("UserInfo{999:XSpace:801010}", UserKind.DUAL_APP),
        ("UserInfo{11:Arbeitsprofil:1030} running", UserKind.WORK_PROFILE),
        ("UserInfo{12:Guest:14}", UserKind.GUEST),
        ("UserInfo{13:Kids:18}", UserKind.RESTRICTED),
        ("UserInfo{14:Some profile:1010}", UserKind.PROFILE),
        ("UserInfo{15:Clone profile:1010}", UserKind.CLONE),
        ("UserInfo{16:Private space:1010}", UserKind.PRIVATE_SPACE),
        ("UserInfo{10:Second user:410}", UserKind.SECONDARY),
    ],
)
def test_kinds(line: str, kind: UserKind) -> None:
    users = parse_pm_list_users(f"Users:\n\t{line}\n")
    assert [u.kind for u in users] == [kind]


def test_verbose_form() -> None:
    text = (
        "2 users:\n\n"
        "0: id=0, name=Owner, type=full.SYSTEM, flags=ADMIN|FULL|INITIALIZED|MAIN|PRIMARY|SYSTEM "
        "(running) (current) (visible)\n"
        "1: id=10, name=Work, Inc., type=profile.MANAGED, flags=INITIALIZED|MANAGED_PROFILE|PROFILE "
        "(parentId=0) (running)\n"
        "2: id=11, name=Clone, type=profile.CLONE, flags=PROFILE\n"
        "3: id=12, name=Someone, type=full.SECONDARY, flags=FULL|INITIALIZED\n"
    )
    assert parse_pm_list_users(text) == (
        AndroidUser(0, UserKind.SYSTEM, 0x1 | 0x2 | 0x400 | 0x10 | 0x4000 | 0x800, True),
        AndroidUser(10, UserKind.WORK_PROFILE, 0x10 | 0x20 | 0x1000, True),
        AndroidUser(11, UserKind.CLONE, 0x1000, False),
        AndroidUser(12, UserKind.SECONDARY, 0x400 | 0x10, False),
    )


def test_errors_and_garbage() -> None:
    assert parse_pm_list_users("") == Unknown(
        Gap.UNPARSEABLE, "empty output (expected 'UserInfo{...}' user lines)"
    )
    assert parse_pm_list_users("Users:\n") == Unknown(
        Gap.UNPARSEABLE, "no 'UserInfo{...}' user lines in the output"
    )
    denied = "Security exception: You either need MANAGE_USERS or CREATE_USERS permission\n"
    assert parse_pm_list_users(denied) == Unknown(Gap.COMMAND_FAILED, denied.strip())


def test_truncated_line_is_skipped() -> None:
    users = parse_pm_list_users("Users:\n\tUserInfo{0:Owner:13} running\n\tUserInfo{10:Wo")
    assert users == (AndroidUser(0, UserKind.SYSTEM, 0x13, True),)
