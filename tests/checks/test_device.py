from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from facts_builder import (
    change_build,
    change_settings,
    change_user,
    make_facts,
    package,
    restricted_user_facts,
    run_check,
    user_facts,
    with_package,
    with_user,
)
from wa_harden.commands import WHATSAPP, WHATSAPP_BUSINESS
from wa_harden.facts import (
    AccountSummary,
    AndroidUser,
    ContactStats,
    CredentialType,
    FindListing,
    Gap,
    LockState,
    Owners,
    Unknown,
    UserKind,
)
from wa_harden.model import Outcome

# --- device-patch-age ---------------------------------------------------------------------------


def test_patch_age_passes() -> None:
    ev = run_check("device-patch-age", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "patch-current")
    assert ev.observed == {"security_patch": "2026-02-01", "age_days": 28}
    assert ev.expected == {"max_age_days": 90}


def test_old_patch_fails() -> None:
    ev = run_check("device-patch-age", change_build(make_facts(), security_patch=date(2025, 10, 1)))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "patch-too-old")
    assert ev.observed == {"security_patch": "2025-10-01", "age_days": 151}


def test_patch_age_param_and_boundary() -> None:
    facts = make_facts()
    assert run_check("device-patch-age", facts, max_age_days=28).outcome is Outcome.PASS
    assert run_check("device-patch-age", facts, max_age_days=27).outcome is Outcome.FAIL


def test_patch_age_is_measured_against_observed_at() -> None:
    facts = change_build(
        make_facts(observed_at=datetime(2025, 10, 15)), security_patch=date(2025, 10, 1)
    )
    assert run_check("device-patch-age", facts).observed["age_days"] == 14


def test_patch_not_reported_is_error() -> None:
    ev = run_check("device-patch-age", change_build(make_facts(), security_patch=None))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")


@pytest.mark.parametrize("gap", [Gap.TIMEOUT, Gap.NOT_CAPTURED, Gap.CONNECTION_LOST])
def test_build_unknown_is_error(gap: Gap) -> None:
    facts = make_facts(build=Unknown(gap))
    for check_id in ("device-patch-age", "device-os-version", "device-encryption"):
        ev = run_check(check_id, facts)
        assert (ev.outcome, ev.reason) == (Outcome.ERROR, gap.value)


# --- device-os-version --------------------------------------------------------------------------


def test_os_version_pass_and_fail() -> None:
    ev = run_check("device-os-version", make_facts())
    assert (ev.outcome, ev.observed, ev.expected) == (
        Outcome.PASS,
        {"sdk": 34, "release": "14"},
        {"min_sdk": 34},
    )
    ev = run_check("device-os-version", change_build(make_facts(), sdk=29, release="10"))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "os-too-old")
    assert ev.message == "Android 10 (API 29) is older than the minimum API level 34."


def test_os_floor_is_android_14_as_of_2026_11_30() -> None:
    # Android 11 to 13 no longer get Android Security Bulletins in late 2026.
    ev = run_check("device-os-version", change_build(make_facts(), sdk=33, release="13"))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "os-too-old")
    assert ev.message == "Android 13 (API 33) is older than the minimum API level 34."
    ev = run_check("device-os-version", change_build(make_facts(), sdk=30, release="11"))
    assert ev.outcome is Outcome.FAIL


def test_os_version_param() -> None:
    assert run_check("device-os-version", make_facts(), min_sdk=35).outcome is Outcome.FAIL
    facts = change_build(make_facts(), sdk=30, release="11")
    assert run_check("device-os-version", facts, min_sdk=30).outcome is Outcome.PASS


def test_os_version_sdk_missing_is_error() -> None:
    ev = run_check("device-os-version", change_build(make_facts(), sdk=None))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")


# --- device-screen-lock -------------------------------------------------------------------------


def test_screen_lock_passes() -> None:
    ev = run_check("device-screen-lock", make_facts())
    assert ev.outcome is Outcome.PASS
    assert ev.observed == [{"user": 0, "kind": "system", "credential": "pin"}]


@pytest.mark.parametrize(
    "credential", [CredentialType.NONE, CredentialType.SWIPE, CredentialType.OTHER]
)
def test_insecure_lock_fails(credential: CredentialType) -> None:
    ev = run_check("device-screen-lock", make_facts(lock={0: LockState(0, credential)}))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "no-secure-lock")


def _second_user_lock(user_id: int, kind: UserKind, credential: CredentialType):
    """A phone with user 0 on a PIN and one more user with ``credential``."""
    facts = with_user(make_facts(), user_facts(user_id, kind))
    lock = {0: LockState(0, CredentialType.PIN), user_id: LockState(user_id, credential)}
    return run_check("device-screen-lock", dataclasses.replace(facts, lock=lock))


def test_secondary_user_without_lock_fails() -> None:
    ev = _second_user_lock(11, UserKind.SECONDARY, CredentialType.NONE)
    assert ev.outcome is Outcome.FAIL
    assert "user 11 (secondary): none" in ev.message


def test_secondary_user_with_password_passes() -> None:
    assert (
        _second_user_lock(11, UserKind.SECONDARY, CredentialType.PASSWORD).outcome is Outcome.PASS
    )


def test_profile_without_own_lock_uses_parents_and_passes() -> None:
    ev = _second_user_lock(10, UserKind.WORK_PROFILE, CredentialType.NONE)
    assert ev.outcome is Outcome.PASS
    assert ev.notes == (
        "user 10 (work-profile) has no own credential; it unlocks with its parent's",
    )


def test_screen_lock_unknown_and_missing_user0() -> None:
    ev = run_check("device-screen-lock", make_facts(lock=Unknown(Gap.UNPARSEABLE)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "unparseable")
    ev = run_check("device-screen-lock", make_facts(lock={}))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")


# --- device-encryption --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "outcome", "reason"),
    [
        ("encrypted", Outcome.PASS, "encrypted"),
        ("unencrypted", Outcome.FAIL, "not-encrypted"),
        ("unsupported", Outcome.FAIL, "not-encrypted"),
        (None, Outcome.ERROR, "not-reported"),
        ("weird", Outcome.ERROR, "unparseable"),
    ],
)
def test_encryption(state: str | None, outcome: Outcome, reason: str) -> None:
    ev = run_check("device-encryption", change_build(make_facts(), crypto_state=state))
    assert (ev.outcome, ev.reason) == (outcome, reason)
    if state is not None:
        assert ev.observed == {"crypto_state": state, "crypto_type": "file"}


# --- device-play-protect ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "outcome", "reason"),
    [
        ("1", Outcome.PASS, "play-protect-on"),
        ("0", Outcome.FAIL, "play-protect-off"),
        (None, Outcome.MANUAL, "not-reported"),
        ("2", Outcome.ERROR, "unparseable"),
        (Unknown(Gap.TIMEOUT), Outcome.ERROR, "timeout"),
    ],
)
def test_play_protect(value: object, outcome: Outcome, reason: str) -> None:
    ev = run_check(
        "device-play-protect", make_facts(global_settings={"package_verifier_enable": value})
    )
    assert (ev.outcome, ev.reason) == (outcome, reason)


def test_play_protect_manual_tells_where_to_look() -> None:
    ev = run_check(
        "device-play-protect", make_facts(global_settings={"package_verifier_enable": None})
    )
    assert "Play Store" in ev.message


def test_play_protect_not_collected_is_not_captured() -> None:
    ev = run_check("device-play-protect", make_facts(global_settings={}))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-captured")


# --- device-dedicated ---------------------------------------------------------------------------


def test_dedicated_passes_with_counts() -> None:
    ev = run_check("device-dedicated", make_facts())
    assert ev.outcome is Outcome.PASS
    assert ev.observed == {
        "google_accounts": 1,
        "accounts": 2,
        "contacts": 125,
        "forbidden_accounts": {},
    }
    assert ev.expected == {
        "max_google_accounts": 1,
        "max_accounts": 3,
        "max_contacts": 2000,
        "forbidden_account_types": ["com.whatsapp"],
    }


def test_personal_accounts_fail() -> None:
    accounts = {
        0: AccountSummary(0, {"com.google": 2, "com.whatsapp": 1}),
        10: AccountSummary(10, {"com.example.mail": 1}),
    }
    ev = run_check("device-dedicated", make_facts(accounts=accounts))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "personal-use")
    assert ev.observed["forbidden_accounts"] == {"com.whatsapp": 1}
    assert ev.message == (
        "The phone looks like it is also used privately: 1 account(s) of type com.whatsapp; "
        "2 Google accounts (at most 1); 4 accounts (at most 3)."
    )


def test_large_address_book_fails_and_whatsapp_copies_do_not_count() -> None:
    stats = ContactStats({"local": 1500, "com.google": 600, "com.whatsapp.w4b": 900})
    facts = change_user(make_facts(), 0, contacts=stats)
    ev = run_check("device-dedicated", facts)
    assert ev.outcome is Outcome.FAIL
    assert ev.observed["contacts"] == 2100
    assert run_check("device-dedicated", facts, max_contacts=2100).outcome is Outcome.PASS


def test_dedicated_accounts_unknown_is_error() -> None:
    ev = run_check("device-dedicated", make_facts(accounts=Unknown(Gap.COMMAND_FAILED)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "command-failed")


def test_dedicated_skips_restricted_users_for_contacts() -> None:
    facts = with_user(make_facts(), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    ev = run_check("device-dedicated", facts)
    assert ev.outcome is Outcome.PASS
    assert ev.notes == ("user 150 (secure-folder) refuses the shell; not checked",)


# --- device-managed -----------------------------------------------------------------------------


def test_unmanaged_is_informational_pass() -> None:
    ev = run_check("device-managed", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "unmanaged")
    assert ev.observed == {"device_owner": None, "profile_owners": {}}


def test_managed_names_the_mdm() -> None:
    owners = Owners(profile_owners={10: "com.example.mdm/.AdminReceiver"})
    ev = run_check("device-managed", make_facts(owners=owners))
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "managed")
    assert ev.observed == {
        "device_owner": None,
        "profile_owners": {"10": "com.example.mdm/.AdminReceiver"},
    }
    assert "MDM" in ev.message


def test_owners_unknown_is_error() -> None:
    ev = run_check("device-managed", make_facts(owners=Unknown(Gap.NOT_SUPPORTED)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-supported")


# --- device-users-auditable ---------------------------------------------------------------------


def test_all_users_readable_passes() -> None:
    ev = run_check("device-users-auditable", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "all-readable")
    assert ev.observed == [{"user": 0, "kind": "system", "readable": True}]


def test_restricted_users_are_manual() -> None:
    facts = with_user(make_facts(), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    facts = with_user(facts, restricted_user_facts(95, UserKind.DUAL_APP))
    ev = run_check("device-users-auditable", facts)
    assert (ev.outcome, ev.reason) == (Outcome.MANUAL, "user-restricted")
    assert ev.message.startswith(
        "The ADB shell may not enter user 95 (dual-app), user 150 (secure-folder):"
    )
    assert ev.observed == [
        {"user": 0, "kind": "system", "readable": True},
        {"user": 95, "kind": "dual-app", "readable": False},
        {"user": 150, "kind": "secure-folder", "readable": False},
    ]


def test_listed_user_without_facts_is_error() -> None:
    users = (AndroidUser(0, UserKind.SYSTEM), AndroidUser(10, UserKind.WORK_PROFILE))
    ev = run_check("device-users-auditable", make_facts(users=users))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-captured")


def test_listed_user_without_facts_names_the_user() -> None:
    users = (AndroidUser(0, UserKind.SYSTEM), AndroidUser(10, UserKind.WORK_PROFILE))
    ev = run_check("device-users-auditable", make_facts(users=users))
    assert ev.message == (
        "Not every Android user could be audited: nothing was collected for user 10 (work-profile)."
    )


@pytest.mark.parametrize(
    "gap", [Gap.PERMISSION_DENIED, Gap.CONNECTION_LOST, Gap.TIMEOUT, Gap.NOT_CAPTURED, Gap.UNPARSEABLE]
)
def test_a_failed_per_user_read_is_an_error_naming_user_and_reason(gap: Gap) -> None:
    # The reported hole: these passed, because only "user restricted" counted.
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE, media=Unknown(gap)))
    ev = run_check("device-users-auditable", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, gap.value)
    assert ev.message == (
        "Not every Android user could be audited: user 10 (work-profile) could not be read "
        f"({gap.value}: WhatsApp media)."
    )
    assert ev.observed == [
        {"user": 0, "kind": "system", "readable": True},
        {"user": 10, "kind": "work-profile", "readable": False, "unread": [gap.value]},
    ]


def test_round_two_cut_short_leaves_every_fact_of_a_user_unknown() -> None:
    lost = Unknown(Gap.CONNECTION_LOST, "the session ended before user 10 was read")
    other = user_facts(
        10, UserKind.SECONDARY, packages=lost, backup=lost, backup_setting=lost, contacts=lost,
        media=lost, storage=lost, system_packages=lost, appops={WHATSAPP_BUSINESS: lost},
        settings={"secure:lock_screen_show_notifications": lost},
    )
    ev = run_check("device-users-auditable", with_user(make_facts(), other))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "connection-lost")
    assert ev.message == (
        "Not every Android user could be audited: user 10 (secondary) could not be read "
        "(connection-lost: package list, system packages, Android backup, backup setting, address book, "
        "WhatsApp media, shared storage, secure:lock_screen_show_notifications)."
    )  # WhatsApp Business is not installed in user 10 (dumpsys package): no app-ops to miss


def test_a_failed_setting_or_system_package_read_counts_too() -> None:
    facts = change_user(make_facts(), 0, system_packages=Unknown(Gap.TIMEOUT))
    ev = run_check("device-users-auditable", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "timeout")
    assert ev.message == (
        "Not every Android user could be audited: user 0 (system) could not be read (timeout: system packages)."
    )
    facts = change_settings(make_facts(), 0, {"system:screen_off_timeout": Unknown(Gap.COMMAND_FAILED)})
    ev = run_check("device-users-auditable", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "command-failed")
    assert "system:screen_off_timeout" in ev.message


@pytest.mark.parametrize(
    ("listing", "reason"),
    [
        (FindListing(denied=True), "permission-denied"),
        (FindListing(), "unparseable"),  # empty output: not an answer
        (FindListing(paths=("/storage/emulated/0/Android",)), "unparseable"),
    ],
)
def test_storage_root_refused_or_not_answered_is_a_failed_read(listing: FindListing, reason: str) -> None:
    ev = run_check("device-users-auditable", change_user(make_facts(), 0, storage=listing))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, reason)
    assert f"user 0 (system) could not be read ({reason}: shared storage)" in ev.message


def test_storage_root_missing_is_an_answer() -> None:
    # Android 11+ may hide another user's storage from the shell: wa-media-hidden judges that.
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE, storage=FindListing(missing=True)))
    assert run_check("device-users-auditable", facts).outcome is Outcome.PASS


def test_not_supported_is_not_a_failed_read() -> None:
    facts = change_user(make_facts(), 0, system_packages=Unknown(Gap.NOT_SUPPORTED, "pm list packages -s"))
    ev = run_check("device-users-auditable", facts)
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "all-readable")


def test_appops_of_a_whatsapp_app_not_installed_in_the_user_do_not_count() -> None:
    no_uid = Unknown(Gap.COMMAND_FAILED, "Error: No UID for com.whatsapp in user 0")
    appops = {**make_facts().per_user[0].appops, WHATSAPP: no_uid}
    facts = change_user(make_facts(), 0, appops=appops)
    assert run_check("device-users-auditable", facts).outcome is Outcome.PASS
    # Installed there, its app-ops must have been read.
    facts = with_package(facts, WHATSAPP, package(WHATSAPP, users=(0,)))
    ev = run_check("device-users-auditable", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "command-failed")
    assert "appops of com.whatsapp" in ev.message


def test_failed_reads_outrank_restricted_users_which_become_notes() -> None:
    facts = with_user(make_facts(), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    facts = with_user(facts, user_facts(10, UserKind.WORK_PROFILE, contacts=Unknown(Gap.PERMISSION_DENIED)))
    ev = run_check("device-users-auditable", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "permission-denied")
    assert "user 10 (work-profile) could not be read (permission-denied: address book)" in ev.message
    assert ev.notes == ("the ADB shell may not enter user 150 (secure-folder): check it by hand",)


def test_user_list_unknown_is_error() -> None:
    ev = run_check("device-users-auditable", make_facts(users=Unknown(Gap.TIMEOUT)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "timeout")


def test_per_user_checks_note_an_unknown_user_list() -> None:
    ev = run_check("android-backup-disabled", make_facts(users=Unknown(Gap.TIMEOUT)))
    assert ev.outcome is Outcome.PASS
    assert ev.notes == (
        "the list of Android users could not be read (timeout); only users 0 were checked",
    )
