from __future__ import annotations

import pytest

from facts_builder import (
    GOOGLE_TRANSPORT,
    change_user,
    make_facts,
    restricted_user_facts,
    run_check,
    user_facts,
    with_package,
    with_user,
)
from wa_harden.commands import WHATSAPP_BUSINESS
from wa_harden.facts import AccountSummary, BackupService, Gap, Unknown, UserKind
from wa_harden.model import Outcome

# --- android-backup-disabled --------------------------------------------------------------------


def test_backup_disabled_passes_with_full_observation() -> None:
    ev = run_check("android-backup-disabled", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "backup-disabled")
    assert ev.observed == {
        "users": [
            {"user": 0, "kind": "system", "enabled": False, "activated": True, "source": "bmgr"}
        ],
        "transport": GOOGLE_TRANSPORT,
        "whatsapp_allow_backup": {WHATSAPP_BUSINESS: True},
    }
    assert ev.expected == {"enabled": False}


def test_backup_enabled_fails_and_names_the_transport() -> None:
    facts = change_user(make_facts(), 0, backup=BackupService(enabled=True))
    ev = run_check("android-backup-disabled", facts)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "backup-enabled")
    assert ev.message == (
        "Android backup is on for user 0 (system): app data, including com.whatsapp.w4b "
        f"(ALLOW_BACKUP), is copied to {GOOGLE_TRANSPORT}."
    )


def test_enabled_but_not_activated_passes() -> None:
    facts = change_user(make_facts(), 0, backup=BackupService(enabled=True, activated=False))
    ev = run_check("android-backup-disabled", facts)
    assert ev.outcome is Outcome.PASS
    assert ev.observed["users"][0]["activated"] is False


@pytest.mark.parametrize(("setting", "outcome"), [("0", Outcome.PASS), ("1", Outcome.FAIL)])
def test_falls_back_to_the_secure_setting(setting: str, outcome: Outcome) -> None:
    facts = change_user(make_facts(), 0, backup=Unknown(Gap.COMMAND_FAILED), backup_setting=setting)
    ev = run_check("android-backup-disabled", facts)
    assert ev.outcome is outcome
    assert ev.observed["users"][0]["source"] == "settings"


@pytest.mark.parametrize("setting", [None, Unknown(Gap.TIMEOUT)])
def test_no_bmgr_and_no_usable_setting_is_error_with_bmgr_reason(setting: object) -> None:
    facts = change_user(make_facts(), 0, backup=Unknown(Gap.NOT_SUPPORTED), backup_setting=setting)
    ev = run_check("android-backup-disabled", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-supported")


def test_work_profile_with_backup_on_fails() -> None:
    facts = with_user(
        make_facts(), user_facts(10, UserKind.WORK_PROFILE, backup=BackupService(enabled=True))
    )
    ev = run_check("android-backup-disabled", facts)
    assert ev.outcome is Outcome.FAIL
    assert "user 10 (work-profile)" in ev.message


def test_restricted_user_is_skipped() -> None:
    facts = with_user(make_facts(), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    ev = run_check("android-backup-disabled", facts)
    assert ev.outcome is Outcome.PASS
    assert ev.notes == ("user 150 (secure-folder) refuses the shell; not checked",)


def test_unknown_transport_is_reported_as_none() -> None:
    facts = make_facts(backup_transports=Unknown(Gap.TIMEOUT))
    facts = with_package(facts, WHATSAPP_BUSINESS, None)
    ev = run_check("android-backup-disabled", facts)
    assert ev.outcome is Outcome.PASS
    assert (ev.observed["transport"], ev.observed["whatsapp_allow_backup"]) == (None, {})


# --- wa-chat-backup -----------------------------------------------------------------------------


def test_chat_backup_is_always_manual_with_google_account_count() -> None:
    accounts = {
        0: AccountSummary(0, {"com.google": 1}),
        10: AccountSummary(10, {"com.google": 1, "com.whatsapp.w4b": 1}),
    }
    ev = run_check("wa-chat-backup", make_facts(accounts=accounts))
    assert (ev.outcome, ev.reason) == (Outcome.MANUAL, "not-observable")
    assert ev.observed == {"google_accounts": 2}
    assert "Settings > Chats > Chat backup" in ev.message
    assert "'Never'" in ev.message


def test_chat_backup_stays_manual_when_accounts_are_unknown() -> None:
    ev = run_check("wa-chat-backup", make_facts(accounts=Unknown(Gap.TIMEOUT)))
    assert ev.outcome is Outcome.MANUAL
    assert ev.observed == {"google_accounts": None}
