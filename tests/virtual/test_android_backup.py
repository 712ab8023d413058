"""Android backup per user, as AOSP's BackupManagerService keeps it: from Android 10 a work profile or
secondary user has no backup service until it is activated for it; ``bmgr --user N`` exists from 10;
every ``bmgr`` answer exits 0, errors are text on stderr."""

from __future__ import annotations

import pytest

from android_helpers import phone_for, run, shipped
from conftest import read_corpus

USERS = [{"id": 0, "kind": "system"}, {"id": 10, "kind": "work-profile"}, {"id": 11, "kind": "secondary"}]
NOT_RUNNING = "Error: Could not access the Backup Manager.  Is the system running?\n"


def _not_activated(android: str, user: int) -> str:
    return NOT_RUNNING if android == "10" else f"Error: Backup Manager is not activated for user {user}\n"


def _unchanged(phone, line: str, stderr: str) -> None:
    before = phone.snapshot()
    result = run(phone, line)
    assert (result.stdout.decode(), result.stderr.decode(), result.status) == ("", stderr, 0)
    assert phone.snapshot() == before


@pytest.mark.parametrize("android", ["10", "11", "13", "14", "15"])
@pytest.mark.parametrize("user", [10, 11])
def test_other_users_have_no_backup_service_by_default_from_10(android, user):
    phone = phone_for(android, users=USERS)
    assert run(phone, f"bmgr --user {user} activated").stdout == b"Backup Manager currently deactivated\n"
    _unchanged(phone, f"bmgr --user {user} enabled", _not_activated(android, user))
    _unchanged(phone, f"bmgr --user {user} enable false", _not_activated(android, user))
    _unchanged(phone, f"bmgr --user {user} enable true", _not_activated(android, user))
    assert run(phone, f"settings --user {user} get secure backup_enabled").stdout == b"0\n"
    # the system user's service runs
    assert run(phone, "bmgr activated").stdout == b"Backup Manager currently activated\n"
    assert run(phone, "bmgr --user 0 enable false").stdout == b"Backup Manager now disabled\n"


def test_android_10s_answer_is_the_corpus_line(corpus):
    """AOSP 10, a secondary user and a work profile (seedvault-app/seedvault#77): the generic text."""
    [real] = sorted((corpus / "bmgr_enabled").glob("*android10.txt"))
    result = run(phone_for("10", users=USERS), "bmgr --user 10 enabled")
    assert result.stderr.decode() == read_corpus(real)


@pytest.mark.parametrize("android", ["10", "11", "13", "14", "15"])
def test_a_persona_may_activate_a_profiles_backup(android):
    users = [{"id": 0, "kind": "system"}, {"id": 10, "kind": "work-profile", "backup": True, "backup_activated": True}]
    phone = phone_for(android, users=users)
    assert run(phone, "bmgr --user 10 enabled").stdout == b"Backup Manager currently enabled\n"
    assert run(phone, "bmgr --user 10 enable false").stdout == b"Backup Manager now disabled\n"
    assert run(phone, "settings --user 10 get secure backup_enabled").stdout == b"0\n"
    assert run(phone, "bmgr enabled").stdout == b"Backup Manager currently enabled\n"  # user 0 untouched


@pytest.mark.parametrize("android", ["11", "14"])
def test_a_suppressed_system_user_deactivates_every_user(android):
    users = [{"id": 0, "kind": "system", "backup_activated": False},
             {"id": 10, "kind": "work-profile", "backup": True, "backup_activated": True}]
    phone = phone_for(android, users=users)
    assert run(phone, "bmgr --user 10 activated").stdout == b"Backup Manager currently deactivated\n"
    _unchanged(phone, "bmgr --user 10 enable false", _not_activated(android, 10))
    _unchanged(phone, "bmgr enable false", _not_activated(android, 0))


@pytest.mark.parametrize("android", ["11", "15"])
def test_a_user_that_does_not_exist_is_not_activated(android):
    phone = phone_for(android)
    assert run(phone, "bmgr --user 42 activated").stdout == b"Backup Manager currently deactivated\n"
    _unchanged(phone, "bmgr --user 42 enable false", _not_activated(android, 42))


def test_before_10_bmgr_has_no_user_option():
    phone = phone_for("8.1", users=USERS[:2])
    before = phone.snapshot()
    result = run(phone, "bmgr --user 10 enable false")
    assert (result.stdout, result.status) == (b"", 0)
    assert result.stderr.decode().startswith("Unknown command\nusage: bmgr [backup|restore|list|transport|run]\n")
    assert phone.snapshot() == before
    assert run(phone, "bmgr enable false").stdout == b"Backup Manager now disabled\n"


def test_shipped_personas_say_which_profiles_back_up():
    consumer = shipped("consumer-whatsapp")  # its work profile's DPC activated backup
    assert run(consumer, "bmgr --user 10 enabled").stdout == b"Backup Manager currently enabled\n"
    xiaomi = shipped("xiaomi-locked")  # the dual-app user 999 runs no backup service
    assert run(xiaomi, "bmgr --user 999 enabled").stderr == b"Error: Backup Manager is not activated for user 999\n"
    managed = shipped("mdm-managed")  # the device owner suppressed backup
    assert run(managed, "bmgr enable true").stderr == b"Error: Backup Manager is not activated for user 0\n"
