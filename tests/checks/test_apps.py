from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from facts_builder import (
    PLAY_STORE,
    change_user,
    make_facts,
    package,
    restricted_user_facts,
    run_check,
    user_facts,
    with_package,
    with_user,
)
from wa_harden.checks import get_check
from wa_harden.commands import WHATSAPP, WHATSAPP_BUSINESS
from wa_harden.facts import Gap, ListedPackage, PackageUserState, Unknown, UserKind
from wa_harden.model import Outcome

SHELL = "com.android.shell"

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
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "current")
    assert ev.observed == {
        "version_code": 260407112,
        "version_name": "2.26.4.71",
        "last_update": "2026-02-20",
        "update_age_days": 9,
    }
    assert ev.expected == {"min_version": "2.26.1", "min_version_code": 0, "max_update_age_days": 60}


def test_app_current_fails_below_min_version_code() -> None:
    ev = run_check("wa-app-current", make_facts(), min_version_code=260407113)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "version-below-minimum")
    assert ev.message == (
        "WhatsApp Business is out of date: versionCode 260407112 is below the minimum 260407113."
    )


def test_two_year_old_version_updated_recently_fails() -> None:
    # The reported hole: a 2024 build installed 10 days before the audit passed on its update age.
    dump = package(version_name="2.24.5.18", version_code=240518000,
                   last_update_time=datetime(2026, 2, 19, 12, 0))
    ev = run_check("wa-app-current", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "version-below-minimum")
    assert ev.message == "WhatsApp Business is out of date: version 2.24.5.18 is older than 2.26.1."
    assert ev.observed["update_age_days"] == 10


@pytest.mark.parametrize(
    ("version_name", "min_version", "outcome"),
    [
        ("2.25.31.74", "2.25.30", Outcome.PASS),
        ("2.25.30", "2.25.30", Outcome.PASS),
        ("2.25.30.0", "2.25.30", Outcome.PASS),
        ("2.25.29.99", "2.25.30", Outcome.FAIL),
        ("2.25.9.1", "2.25.30", Outcome.FAIL),  # numerically, not as text: 9 < 30
        ("2.25.100.1", "2.25.30", Outcome.PASS),
        ("2.26.1.5", "2.26.1.6", Outcome.FAIL),
        ("2.25.30", "2.25.30.1", Outcome.FAIL),
        ("3.0.0", "2.26.1", Outcome.PASS),
    ],
)
def test_min_version_compares_part_by_part(version_name: str, min_version: str, outcome: Outcome) -> None:
    dump = package(version_name=version_name)
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, dump)
    assert run_check("wa-app-current", facts, min_version=min_version).outcome is outcome


def test_min_version_default_is_the_first_release_of_2026() -> None:
    assert get_check("wa-app-current").defaults()["min_version"] == "2.26.1"
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, package(version_name="2.25.37.8"))
    assert run_check("wa-app-current", facts).outcome is Outcome.FAIL
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, package(version_name="2.26.1.0"))
    assert run_check("wa-app-current", facts).outcome is Outcome.PASS


@pytest.mark.parametrize("version_name", ["2.25.x", "2.26.4.71-beta", "", "beta", "2"])
def test_unparseable_version_name_is_an_error_never_a_pass(version_name: str) -> None:
    dump = package(version_name=version_name)
    ev = run_check("wa-app-current", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")
    assert ev.observed["version_name"] == version_name


def test_missing_version_name_is_not_reported() -> None:
    dump = package(version_name=None)
    ev = run_check("wa-app-current", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")
    assert ev.message == "The phone did not report the versionName of WhatsApp Business."


def test_unreadable_version_but_stale_update_is_a_fail_with_a_note() -> None:
    dump = package(version_name="beta", last_update_time=datetime(2025, 11, 1, 8, 0))
    ev = run_check("wa-app-current", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "update-too-old")
    assert ev.notes == (
        "The phone did not report a version name wa-harden can compare (versionName 'beta').",
    )


def test_old_version_and_stale_update_both_named() -> None:
    dump = package(version_name="2.24.5.18", last_update_time=datetime(2025, 11, 1, 8, 0))
    ev = run_check("wa-app-current", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "version-below-minimum")
    assert ev.message == (
        "WhatsApp Business is out of date: version 2.24.5.18 is older than 2.26.1; "
        "it was last updated 120 days ago (at most 60 allowed)."
    )


def test_empty_min_version_is_not_enforced() -> None:
    dump = package(version_name="beta")
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, dump)
    assert run_check("wa-app-current", facts, min_version="").outcome is Outcome.PASS


def test_min_version_that_is_not_a_version_is_an_error() -> None:
    ev = run_check("wa-app-current", make_facts(), min_version="latest")
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "invalid-param")
    assert ev.message == "The profile's min_version 'latest' is not a version such as 2.26.1."


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
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "trusted-installer")
    assert ev.observed == [
        {
            "package": WHATSAPP_BUSINESS,
            "installer": "com.android.vending",
            "initiating_installer": "com.android.vending",
            "package_source": 0,
            "debuggable": False,
        }
    ]
    assert ev.expected == {"allowed_installers": ["com.android.vending"], "debuggable": False}


def test_adb_install_with_a_forged_play_installer_fails() -> None:
    # `adb install -i com.android.vending`: the installer name says Play, the shell started it.
    dump = package(installer=PLAY_STORE, initiating_installer=SHELL, package_source=1)
    ev = run_check("wa-installer-trusted", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "installed-over-adb")
    assert ev.message == (
        "Not a store release: WhatsApp Business (com.whatsapp.w4b): installed over ADB (initiating "
        "installer com.android.shell), whatever its installer name says (com.android.vending)."
    )


def test_adb_install_fails_even_when_the_shell_is_allowed() -> None:
    dump = package(installer=SHELL, initiating_installer=SHELL)
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, dump)
    ev = run_check("wa-installer-trusted", facts, allowed_installers=[PLAY_STORE, SHELL])
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "installed-over-adb")


def test_initiating_installer_outside_the_allowed_list_fails() -> None:
    dump = package(installer=PLAY_STORE, initiating_installer="com.example.helper")
    ev = run_check("wa-installer-trusted", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "untrusted-installer")
    assert ev.message == (
        "Not a store release: WhatsApp Business (com.whatsapp.w4b): the install was started by "
        "com.example.helper."
    )


@pytest.mark.parametrize(("source", "words"), [(3, "a local APK file"), (4, "a downloaded APK file")])
def test_apk_file_source_fails_even_with_allowed_installers(source: int, words: str) -> None:
    installer = "com.google.android.packageinstaller"
    dump = package(installer=installer, initiating_installer=installer, package_source=source)
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, dump)
    ev = run_check("wa-installer-trusted", facts, allowed_installers=[PLAY_STORE, installer])
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "untrusted-installer")
    assert f"installed from {words} (packageSource {source}, by {installer})" in ev.message


def test_without_initiating_installer_the_name_is_judged_as_before() -> None:
    # Android 10 and older print no initiatingPackageName.
    old = package(initiating_installer=None, package_source=None)
    ev = run_check("wa-installer-trusted", with_package(make_facts(), WHATSAPP_BUSINESS, old))
    assert ev.outcome is Outcome.PASS
    sideloaded = package(installer="com.google.android.packageinstaller", initiating_installer=None,
                         package_source=None)
    ev = run_check("wa-installer-trusted", with_package(make_facts(), WHATSAPP_BUSINESS, sideloaded))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "untrusted-installer")
    assert "WhatsApp Business (com.whatsapp.w4b): com.google.android.packageinstaller" in ev.message


def test_debuggable_build_from_play_fails() -> None:
    dump = package(flags=frozenset({"HAS_CODE", "DEBUGGABLE"}))
    ev = run_check("wa-installer-trusted", with_package(make_facts(), WHATSAPP_BUSINESS, dump))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "debuggable-build")
    assert ev.observed[0]["debuggable"] is True
    assert "a debuggable build (flag DEBUGGABLE)" in ev.message


def test_worst_reason_wins_and_every_problem_is_named() -> None:
    facts = with_package(make_facts(), WHATSAPP_BUSINESS, package(flags=frozenset({"DEBUGGABLE"})))
    consumer = package(WHATSAPP, installer=PLAY_STORE, initiating_installer=SHELL)
    ev = run_check("wa-installer-trusted", with_package(facts, WHATSAPP, consumer))
    assert ev.reason == "installed-over-adb"
    assert ev.message.count("WhatsApp") >= 2
    assert "WhatsApp (com.whatsapp): installed over ADB" in ev.message
    assert "WhatsApp Business (com.whatsapp.w4b): a debuggable build" in ev.message


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


# --- wa-mods-absent -----------------------------------------------------------------------------


def _with_listed(facts, user_id: int, *names: str):
    extra = tuple(ListedPackage(name, path=f"/data/app/~~x==/{name}-y==/base.apk") for name in names)
    return change_user(facts, user_id, packages=facts.per_user[user_id].packages + extra)


def test_mods_absent_passes() -> None:
    ev = run_check("wa-mods-absent", make_facts())
    assert (ev.outcome, ev.reason, ev.observed) == (Outcome.PASS, "no-mods", [])
    assert ev.expected == {"installed": []}


def test_mod_and_cloner_in_two_users_fail() -> None:
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE))
    facts = _with_listed(_with_listed(facts, 0, "com.gbwhatsapp"), 10, "com.lbe.parallel.intl")
    ev = run_check("wa-mods-absent", facts)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "mod-installed")
    assert ev.message == (
        "A modified WhatsApp or an app cloner is installed: user 0 (system): com.gbwhatsapp; "
        "user 10 (work-profile): com.lbe.parallel.intl."
    )
    assert ev.observed == [
        {"user": 0, "kind": "system", "package": "com.gbwhatsapp"},
        {"user": 10, "kind": "work-profile", "package": "com.lbe.parallel.intl"},
    ]


def test_mods_list_is_a_param() -> None:
    facts = _with_listed(make_facts(), 0, "com.example.waclone")
    assert run_check("wa-mods-absent", facts).outcome is Outcome.PASS
    ev = run_check("wa-mods-absent", facts, packages=["com.example.waclone"])
    assert ev.outcome is Outcome.FAIL


@pytest.mark.parametrize("gap", [Gap.TIMEOUT, Gap.NOT_CAPTURED, Gap.PERMISSION_DENIED])
def test_mods_package_list_unknown_is_error(gap: Gap) -> None:
    ev = run_check("wa-mods-absent", change_user(make_facts(), 0, packages=Unknown(gap)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, gap.value)


def test_mods_empty_package_list_is_not_an_answer() -> None:
    ev = run_check("wa-mods-absent", change_user(make_facts(), 0, packages=()))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "unparseable")


def test_mod_found_wins_over_an_unreadable_user() -> None:
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE, packages=Unknown(Gap.TIMEOUT)))
    ev = run_check("wa-mods-absent", _with_listed(facts, 0, "com.whatsapp.plus"))
    assert ev.outcome is Outcome.FAIL
    assert ev.notes == ("user 10 (work-profile) could not be read (timeout)",)
