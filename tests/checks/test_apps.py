from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from facts_builder import (
    change_user,
    make_facts,
    package,
    restricted_user_facts,
    run_check,
    with_package,
    with_user,
)
from wa_harden.commands import WHATSAPP, WHATSAPP_BUSINESS
from wa_harden.facts import Gap, ListedPackage, PackageUserState, Unknown, UserKind
from wa_harden.model import Outcome

# --- wa-business-installed ----------------------------------------------------------------------


def test_business_installed_passes_and_lists_users() -> None:
    ev = run_check("wa-business-installed", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "installed")
    assert ev.observed == [{"user": 0, "kind": "system"}]


def test_business_not_installed_fails() -> None:
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, None)
    facts = change_user(facts, 0, packages=())
    ev = run_check("wa-business-installed", facts)
    assert (ev.outcome, ev.reason, ev.observed) == (Outcome.FAIL, "not-installed", [])


def test_business_uninstalled_in_every_user_fails() -> None:
    dump = package(users=(0,))
    dump = dataclasses.replace(dump, users={0: PackageUserState(0, installed=False)})
    facts = change_user(with_package(make_facts(), WHATSAPP_BUSINESS, dump), 0, packages=())
    assert run_check("wa-business-installed", facts).outcome is Outcome.FAIL


@pytest.mark.parametrize(
    "gap", [Gap.TIMEOUT, Gap.NOT_CAPTURED, Gap.UNPARSEABLE, Gap.CONNECTION_LOST]
)
def test_business_unknown_dump_without_listing_is_error(gap: Gap) -> None:
    facts = change_user(with_package(make_facts(), WHATSAPP_BUSINESS, Unknown(gap)), 0, packages=())
    ev = run_check("wa-business-installed", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, gap.value)


def test_business_unknown_dump_but_listed_passes() -> None:
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, Unknown(Gap.TIMEOUT))
    ev = run_check("wa-business-installed", facts)
    assert (ev.outcome, ev.observed) == (Outcome.PASS, [{"user": 0, "kind": "system"}])


def test_business_missing_from_capture_is_not_captured_error() -> None:
    facts = make_facts(packages={WHATSAPP: None})
    facts = change_user(facts, 0, packages=())
    ev = run_check("wa-business-installed", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-captured")


# --- wa-consumer-absent -------------------------------------------------------------------------


def test_consumer_absent_passes() -> None:
    ev = run_check("wa-consumer-absent", make_facts())
    assert (ev.outcome, ev.reason, ev.observed) == (Outcome.PASS, "absent", [])


def test_consumer_in_dual_app_and_secure_folder_fails_with_kinds() -> None:
    facts = with_user(make_facts(), restricted_user_facts(95, UserKind.DUAL_APP))
    facts = with_user(facts, restricted_user_facts(150, UserKind.SECURE_FOLDER))
    facts = with_package(facts, WHATSAPP, package(WHATSAPP, users=(95, 150)))
    ev = run_check("wa-consumer-absent", facts)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "consumer-installed")
    assert ev.observed == [{"user": 95, "kind": "dual-app"}, {"user": 150, "kind": "secure-folder"}]
    assert "user 95 (dual-app)" in ev.message


def test_consumer_listed_per_user_fails_even_when_dump_says_absent() -> None:
    facts = change_user(
        make_facts(),
        0,
        packages=(
            ListedPackage(WHATSAPP, installer="com.android.vending"),
            ListedPackage(WHATSAPP_BUSINESS),
        ),
    )
    ev = run_check("wa-consumer-absent", facts)
    assert (ev.outcome, ev.observed) == (Outcome.FAIL, [{"user": 0, "kind": "system"}])


def test_consumer_dump_unknown_is_error() -> None:
    facts = with_package(make_facts(), WHATSAPP, Unknown(Gap.COMMAND_FAILED, "Exception occurred"))
    ev = run_check("wa-consumer-absent", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "command-failed")
    assert "Exception occurred" in ev.message


# --- wa-app-current -----------------------------------------------------------------------------


def test_app_current_passes_with_observed_values() -> None:
    ev = run_check("wa-app-current", make_facts())
    assert ev.outcome is Outcome.PASS
    assert ev.observed == {
        "version_code": 252000000,
        "version_name": "2.25.20.77",
        "last_update": "2026-02-20",
        "update_age_days": 9,
    }
    assert ev.expected == {"min_version_code": 0, "max_update_age_days": 60}


def test_app_current_fails_below_min_version_code() -> None:
    ev = run_check("wa-app-current", make_facts(), min_version_code=252000001)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "version-below-minimum")
    assert "below the minimum 252000001" in ev.message


def test_app_current_fails_when_update_is_too_old() -> None:
    dump = package(last_update_time=datetime(2025, 11, 1, 8, 0))
    ev = run_check("wa-app-current", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "update-too-old")
    assert ev.observed["update_age_days"] == 120


def test_app_current_age_uses_observed_at_not_the_clock() -> None:
    dump = package(last_update_time=datetime(2025, 11, 1, 8, 0))
    facts = with_package(
        make_facts(observed_at=datetime(2025, 12, 1, 8, 0)), WHATSAPP_BUSINESS, dump
    )
    ev = run_check("wa-app-current", facts)
    assert (ev.outcome, ev.observed["update_age_days"]) == (Outcome.PASS, 30)


def test_app_current_zero_disables_the_age_limit() -> None:
    dump = package(last_update_time=datetime(2020, 1, 1))
    ev = run_check(
        "wa-app-current", with_package(make_facts(), WHATSAPP_BUSINESS, dump), max_update_age_days=0
    )
    assert ev.outcome is Outcome.PASS


def test_app_current_not_applicable_without_business() -> None:
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, None)
    ev = run_check("wa-app-current", facts)
    assert (ev.outcome, ev.reason) == (Outcome.NOT_APPLICABLE, "not-installed")


def test_app_current_missing_update_time_is_not_reported_error() -> None:
    dump = package(last_update_time=None)
    ev = run_check("wa-app-current", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")


def test_app_current_unknown_dump_is_error() -> None:
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, Unknown(Gap.TIMEOUT))
    assert run_check("wa-app-current", facts).reason == "timeout"


# --- wa-installer-trusted -----------------------------------------------------------------------


def test_installer_trusted_passes() -> None:
    ev = run_check("wa-installer-trusted", make_facts())
    assert ev.outcome is Outcome.PASS
    assert ev.observed == [{"package": WHATSAPP_BUSINESS, "installer": "com.android.vending"}]
    assert ev.expected == {"allowed_installers": ["com.android.vending"]}


def test_installer_missing_is_sideloaded_fail() -> None:
    dump = package(installer=None)
    ev = run_check("wa-installer-trusted", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "untrusted-installer")
    assert "no installer recorded (sideloaded or preinstalled)" in ev.message


def test_installer_clone_app_fails_unless_allowed() -> None:
    dump = package(installer="com.hihonor.android.clone")
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, dump)
    assert run_check("wa-installer-trusted", facts).outcome is Outcome.FAIL
    allowed = ["com.android.vending", "com.hihonor.android.clone"]
    assert (
        run_check("wa-installer-trusted", facts, allowed_installers=allowed).outcome is Outcome.PASS
    )


def test_installer_checks_consumer_app_too() -> None:
    facts = with_package(make_facts(), WHATSAPP, package(WHATSAPP, installer="com.example.store"))
    ev = run_check("wa-installer-trusted", facts)
    assert ev.outcome is Outcome.FAIL
    assert "WhatsApp (com.whatsapp): com.example.store" in ev.message


def test_installer_not_applicable_without_whatsapp() -> None:
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, None)
    assert run_check("wa-installer-trusted", facts).outcome is Outcome.NOT_APPLICABLE


def test_installer_unknown_dump_is_error_unless_another_fails() -> None:
    facts = with_package(make_facts(), WHATSAPP, Unknown(Gap.TIMEOUT))
    ev = run_check("wa-installer-trusted", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "timeout")
    facts = with_package(facts, WHATSAPP_BUSINESS, package(installer=None))
    ev = run_check("wa-installer-trusted", facts)
    assert ev.outcome is Outcome.FAIL
    assert ev.notes == ("com.whatsapp could not be read (timeout)",)
