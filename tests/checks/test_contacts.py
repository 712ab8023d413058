from __future__ import annotations

import pytest

from facts_builder import (
    CONTACT_PERMISSIONS,
    GET_ACCOUNTS,
    READ_CONTACTS,
    WRITE_CONTACTS,
    change_user,
    make_facts,
    package,
    restricted_user_facts,
    run_check,
    user_facts,
    user_state,
    with_package,
    with_user,
)
from wa_harden.commands import WHATSAPP, WHATSAPP_BUSINESS
from wa_harden.facts import ContactStats, Gap, PermissionGrant, Unknown, UserKind
from wa_harden.model import Outcome


def _granted(permission: str, *flags: str) -> PermissionGrant:
    return PermissionGrant(permission, granted=True, flags=frozenset(flags))


def _business_with(grants: dict[str, PermissionGrant], user_id: int = 0):
    denied = user_state(user_id).runtime_permissions
    return package(
        users=(), states=(user_state(user_id, runtime_permissions={**denied, **grants}),)
    )


# --- wa-contacts-denied -------------------------------------------------------------------------


def test_contacts_denied_passes_and_reports_every_permission() -> None:
    ev = run_check("wa-contacts-denied", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "contacts-denied")
    assert ev.observed == [
        {
            "package": WHATSAPP_BUSINESS,
            "user": 0,
            "permission": p,
            "granted": False,
            "flags": ["USER_SET"],
        }
        for p in CONTACT_PERMISSIONS
    ]
    assert ev.expected == {"granted": False, "permissions": list(CONTACT_PERMISSIONS)}


def test_read_contacts_granted_fails() -> None:
    dump = _business_with({READ_CONTACTS: _granted(READ_CONTACTS, "USER_SET")})
    ev = run_check("wa-contacts-denied", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "contacts-granted")
    assert ev.message == "WhatsApp may read the address book: com.whatsapp.w4b in user 0 holds READ_CONTACTS."
    assert ev.observed[0] == {
        "package": WHATSAPP_BUSINESS,
        "user": 0,
        "permission": READ_CONTACTS,
        "granted": True,
        "flags": ["USER_SET"],
    }


@pytest.mark.parametrize("permission", [WRITE_CONTACTS, GET_ACCOUNTS])
def test_only_another_contacts_permission_can_regain_access(permission: str) -> None:
    dump = _business_with({permission: _granted(permission, "USER_SET")})
    ev = run_check("wa-contacts-denied", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "contacts-granted")
    name = permission.removeprefix("android.permission.")
    assert ev.message == (
        "WhatsApp can regain access to the address book without asking: com.whatsapp.w4b in user 0 "
        f"holds {name} (same permission group as READ_CONTACTS, which Android then grants without a "
        "prompt)."
    )


def test_reading_and_regaining_are_told_apart_per_app_and_user() -> None:
    business = _business_with({WRITE_CONTACTS: _granted(WRITE_CONTACTS)})
    consumer = package(
        WHATSAPP, users=(), states=(user_state(0, runtime_permissions={
            **user_state(0).runtime_permissions, READ_CONTACTS: _granted(READ_CONTACTS)}),)
    )
    facts = with_package(with_package(make_facts(), WHATSAPP_BUSINESS, business), WHATSAPP, consumer)
    ev = run_check("wa-contacts-denied", facts)
    assert ev.message == (
        "WhatsApp may read the address book: com.whatsapp in user 0 holds READ_CONTACTS. "
        "WhatsApp can regain access to the address book without asking: com.whatsapp.w4b in user 0 "
        "holds WRITE_CONTACTS (same permission group as READ_CONTACTS, which Android then grants "
        "without a prompt)."
    )


def test_granted_with_ignored_appop_is_still_a_fail_with_a_note() -> None:
    # The compliant phone already has READ_CONTACTS: ignore as app-op for Business in user 0.
    dump = _business_with({READ_CONTACTS: _granted(READ_CONTACTS)})
    ev = run_check("wa-contacts-denied", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert ev.outcome is Outcome.FAIL
    assert ev.notes == (
        "com.whatsapp.w4b in user 0: the READ_CONTACTS app-op is 'ignore' but the permission is still "
        "granted; Android resets the app-op from the permission, so this does not last",
    )


def test_policy_fixed_and_user_fixed_are_explained() -> None:
    dump = _business_with(
        {
            READ_CONTACTS: _granted(READ_CONTACTS, "POLICY_FIXED"),
            GET_ACCOUNTS: _granted(GET_ACCOUNTS, "USER_FIXED", "USER_SET"),
        }
    )
    facts = change_user(with_package(make_facts(), WHATSAPP_BUSINESS, dump), 0, appops={})
    ev = run_check("wa-contacts-denied", facts)
    assert ev.message == (
        "WhatsApp may read the address book: com.whatsapp.w4b in user 0 holds READ_CONTACTS, "
        "GET_ACCOUNTS."
    )
    assert ev.notes == (
        "com.whatsapp.w4b in user 0: READ_CONTACTS is POLICY_FIXED: a device policy fixes this state: "
        "change it in the MDM",
        "com.whatsapp.w4b in user 0: GET_ACCOUNTS is USER_FIXED: the phone's user fixed this choice in Settings",
    )
    assert ev.observed[2]["flags"] == ["USER_FIXED", "USER_SET"]


def test_not_requested_permission_counts_as_not_granted() -> None:
    dump = package(
        requested_permissions=(), users=(), states=(user_state(0, runtime_permissions={}),)
    )
    ev = run_check("wa-contacts-denied", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert ev.outcome is Outcome.PASS
    assert [row["granted"] for row in ev.observed] == [False, False, False]


def test_consumer_app_in_work_profile_is_checked() -> None:
    grants = {READ_CONTACTS: _granted(READ_CONTACTS)}
    consumer = package(WHATSAPP, users=(), states=(user_state(10, runtime_permissions=grants),))
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE))
    ev = run_check("wa-contacts-denied", with_package(facts, WHATSAPP, consumer))
    assert ev.outcome is Outcome.FAIL
    assert "com.whatsapp in user 10 holds READ_CONTACTS" in ev.message


def test_restricted_user_is_still_checked_from_dumpsys_package() -> None:
    # dumpsys package shows grants of every user, even one that refuses the shell.
    secure_folder = user_state(150, runtime_permissions={READ_CONTACTS: _granted(READ_CONTACTS)})
    dump = package(users=(0,), states=(secure_folder,))
    facts = with_user(make_facts(), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    ev = run_check("wa-contacts-denied", with_package(facts, WHATSAPP_BUSINESS, dump))
    assert ev.outcome is Outcome.FAIL
    assert "user 150" in ev.message


def test_custom_permission_list() -> None:
    dump = _business_with({GET_ACCOUNTS: _granted(GET_ACCOUNTS)})
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, dump)
    assert run_check("wa-contacts-denied", facts).outcome is Outcome.FAIL
    ev = run_check("wa-contacts-denied", facts, permissions=[READ_CONTACTS])
    assert ev.outcome is Outcome.PASS
    assert len(ev.observed) == 1


def test_contacts_unknown_dump_is_error() -> None:
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, Unknown(Gap.UNPARSEABLE))
    ev = run_check("wa-contacts-denied", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "unparseable")


def test_contacts_not_applicable_without_whatsapp() -> None:
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, None)
    assert run_check("wa-contacts-denied", facts).outcome is Outcome.NOT_APPLICABLE


# --- wa-contact-sync-traces ---------------------------------------------------------------------


def test_no_traces_passes_with_counts() -> None:
    ev = run_check("wa-contact-sync-traces", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "no-traces")
    assert ev.observed == [
        {"user": 0, "kind": "system", "counts": {WHATSAPP: 0, WHATSAPP_BUSINESS: 0}}
    ]


def test_whatsapp_raw_contacts_fail() -> None:
    stats = ContactStats({"com.google": 120, WHATSAPP_BUSINESS: 37})
    ev = run_check("wa-contact-sync-traces", change_user(make_facts(), 0, contacts=stats))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "sync-traces")
    assert ev.observed[0]["counts"] == {WHATSAPP: 0, WHATSAPP_BUSINESS: 37}
    assert "user 0 (system): 37" in ev.message


def test_restricted_user_is_skipped_with_a_note() -> None:
    facts = with_user(make_facts(), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    ev = run_check("wa-contact-sync-traces", facts)
    assert ev.outcome is Outcome.PASS
    assert ev.notes == ("user 150 (secure-folder) refuses the shell; not checked",)
    assert [row["user"] for row in ev.observed] == [0]


def test_user0_contacts_unknown_is_error_with_its_reason() -> None:
    facts = change_user(make_facts(), 0, contacts=Unknown(Gap.PERMISSION_DENIED))
    ev = run_check("wa-contact-sync-traces", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "permission-denied")


def test_user0_restricted_is_an_error_not_a_skip() -> None:
    facts = change_user(make_facts(), 0, contacts=Unknown(Gap.USER_RESTRICTED))
    ev = run_check("wa-contact-sync-traces", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "user-restricted")


def test_traces_in_one_user_fail_even_if_another_is_unreadable() -> None:
    facts = with_user(
        make_facts(), user_facts(10, UserKind.WORK_PROFILE, contacts=Unknown(Gap.TIMEOUT))
    )
    facts = change_user(facts, 0, contacts=ContactStats({WHATSAPP: 2}))
    ev = run_check("wa-contact-sync-traces", facts)
    assert ev.outcome is Outcome.FAIL
    assert ev.notes == ("user 10 (work-profile) could not be read (timeout)",)
