"""Verified boot and root, unknown sources, chat readers, debugging at handover."""

from __future__ import annotations

import dataclasses

import pytest

from facts_builder import (
    SYSTEM_LISTENER,
    SYSTEM_LISTENER_PACKAGE,
    SYSTEM_PACKAGES,
    change_build,
    change_global,
    change_props,
    change_settings,
    change_user,
    make_facts,
    restricted_user_facts,
    run_check,
    user_facts,
    with_user,
)
from wa_harden.checks import get_check
from wa_harden.facts import DeviceFacts, Gap, ListedPackage, Unknown, UserKind
from wa_harden.model import Outcome

ACCESSIBILITY = "secure:enabled_accessibility_services"
LISTENERS = "secure:enabled_notification_listeners"


def with_listed(facts: DeviceFacts, user_id: int, name: str, path: str | None) -> DeviceFacts:
    return change_user(facts, user_id, packages=facts.per_user[user_id].packages + (ListedPackage(name, path=path),))


def installed_apk(name: str) -> str:
    return f"/data/app/~~aGFzaA==/{name}-c2VlZA==/base.apk"


# --- device-verified-boot ------------------------------------------------------------------------


def test_verified_boot_passes_on_an_untouched_phone() -> None:
    ev = run_check("device-verified-boot", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "verified")
    assert ev.observed == {
        "props": {
            "ro.boot.verifiedbootstate": "green",
            "ro.boot.flash.locked": "1",
            "ro.build.tags": "release-keys",
        },
        "root_packages": [],
    }
    assert ev.expected == {
        "ro.boot.verifiedbootstate": "green",
        "ro.boot.flash.locked": "1",
        "ro.build.tags": "release-keys",
        "root_packages": [],
    }


@pytest.mark.parametrize(
    ("props", "words"),
    [
        ({"ro_boot_verifiedbootstate": "orange"}, "the verified boot state is orange: the bootloader is unlocked"),
        ({"ro_boot_verifiedbootstate": "yellow"}, "the verified boot state is yellow"),
        ({"ro_boot_verifiedbootstate": "red"}, "the verified boot state is red"),
        ({"ro_boot_flash_locked": "0"}, "the bootloader is unlocked (ro.boot.flash.locked=0)"),
        ({"ro_build_tags": "test-keys"}, "the system is signed with test keys (ro.build.tags=test-keys)"),
        ({"ro_build_tags": "release-keys,dev-keys"}, "signed with test keys"),
    ],
)
def test_unverified_system_fails(props: dict[str, str], words: str) -> None:
    ev = run_check("device-verified-boot", change_props(make_facts(), **props))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "boot-not-verified")
    assert ev.message.startswith("The phone's system cannot be trusted: ")
    assert words in ev.message


def test_unlocked_bootloader_message() -> None:
    facts = change_props(make_facts(), ro_boot_verifiedbootstate="orange", ro_boot_flash_locked="0")
    ev = run_check("device-verified-boot", facts)
    assert ev.message == (
        "The phone's system cannot be trusted: the verified boot state is orange: the bootloader is "
        "unlocked and does not verify the system; the bootloader is unlocked (ro.boot.flash.locked=0)."
    )


@pytest.mark.parametrize(
    "prop", ["ro_boot_verifiedbootstate", "ro_boot_flash_locked", "ro_build_tags"]
)
def test_missing_boot_prop_is_not_reported_never_a_pass(prop: str) -> None:
    ev = run_check("device-verified-boot", change_props(make_facts(), **{prop: None}))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")
    assert ev.message == f"The phone did not report {prop.replace('_', '.')}."


@pytest.mark.parametrize(
    "props", [{"ro_boot_verifiedbootstate": "purple"}, {"ro_boot_flash_locked": "yes"}, {"ro_build_tags": "keys"}]
)
def test_unknown_boot_prop_value_is_unparseable(props: dict[str, str]) -> None:
    ev = run_check("device-verified-boot", change_props(make_facts(), **props))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "unparseable")


def test_build_unknown_is_an_error() -> None:
    ev = run_check("device-verified-boot", make_facts(build=Unknown(Gap.TIMEOUT)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "timeout")


def test_a_bad_prop_fails_even_when_another_is_missing() -> None:
    facts = change_props(make_facts(), ro_boot_verifiedbootstate="orange", ro_build_tags=None)
    ev = run_check("device-verified-boot", facts)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "boot-not-verified")
    assert ev.notes == ("The phone did not report ro.build.tags.",)


@pytest.mark.parametrize("name", ["com.topjohnwu.magisk", "me.weishu.kernelsu", "me.bmax.apatch",
                                  "eu.chainfire.supersu", "com.kingroot.kinguser"])
def test_root_manager_fails(name: str) -> None:
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE))
    ev = run_check("device-verified-boot", with_listed(facts, 10, name, installed_apk(name)))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "root-manager-installed")
    assert ev.message == (
        f"The phone's system cannot be trusted: the root manager {name} is installed in user 10 (work-profile)."
    )
    assert ev.observed["root_packages"] == [{"user": 10, "kind": "work-profile", "package": name}]


def test_root_list_is_a_param_with_a_maintained_default() -> None:
    default = get_check("device-verified-boot").defaults()["root_packages"]
    assert {"com.topjohnwu.magisk", "me.weishu.kernelsu", "me.bmax.apatch", "eu.chainfire.supersu",
            "com.noshufou.android.su", "com.koushikdutta.superuser", "com.kingroot.kinguser"} <= set(default)
    facts = with_listed(make_facts(), 0, "com.example.su", installed_apk("com.example.su"))
    assert run_check("device-verified-boot", facts).outcome is Outcome.PASS
    assert run_check("device-verified-boot", facts, root_packages=["com.example.su"]).outcome is Outcome.FAIL


@pytest.mark.parametrize("gap", [Gap.TIMEOUT, Gap.PERMISSION_DENIED, Gap.USER_RESTRICTED])
def test_package_list_of_user0_unknown_is_an_error(gap: Gap) -> None:
    ev = run_check("device-verified-boot", change_user(make_facts(), 0, packages=Unknown(gap)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, gap.value)


def test_empty_package_list_is_not_an_answer() -> None:
    ev = run_check("device-verified-boot", change_user(make_facts(), 0, packages=()))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "unparseable")


# --- device-unknown-sources ----------------------------------------------------------------------

CHROME = "com.android.chrome"
FILES = "com.example.files"
NO_UNKNOWN = "no_install_unknown_sources"


def sources(facts: DeviceFacts, *packages: str) -> DeviceFacts:
    """The device-wide answer of ``appops query-op REQUEST_INSTALL_PACKAGES allow``."""
    return dataclasses.replace(facts, install_sources=packages)


def work_profile_with(*names: str) -> DeviceFacts:
    """User 0 and a work profile (user 10) that has ``names`` installed."""
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE))
    for name in names:
        facts = with_listed(facts, 10, name, installed_apk(name))
    return dataclasses.replace(facts, restrictions={0: frozenset(), 10: frozenset()})


def test_unknown_sources_passes_without_install_sources() -> None:
    ev = run_check("device-unknown-sources", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "no-install-sources")
    assert ev.message == "No app may install other apps in any user."
    assert ev.observed == {"install_sources": [], "users": [], "unattributed": []}
    assert ev.expected == {"install_sources": [], "allowed_packages": []}
    assert ev.notes == ()


def test_an_app_allowed_to_install_apps_fails_in_the_user_that_has_it() -> None:
    facts = with_listed(with_listed(make_facts(), 0, CHROME, installed_apk(CHROME)), 0, FILES, installed_apk(FILES))
    ev = run_check("device-unknown-sources", sources(facts, CHROME, FILES))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "install-sources-allowed")
    assert ev.message == (
        "Apps may install other apps ('Install unknown apps'): user 0 (system): com.android.chrome, "
        "com.example.files."
    )
    assert ev.observed == {
        "install_sources": [CHROME, FILES],
        "users": [{"user": 0, "kind": "system", "install_sources": [CHROME, FILES], "restriction": None}],
        "unattributed": [],
    }
    assert ev.notes == ()


def test_allowed_packages_are_accepted() -> None:
    facts = sources(with_listed(make_facts(), 0, "com.example.mdm", installed_apk("com.example.mdm")),
                    "com.example.mdm")
    ev = run_check("device-unknown-sources", facts, allowed_packages=["com.example.mdm"])
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "no-install-sources")
    assert ev.message == "No app may install other apps in any user but the allowed packages."
    assert ev.observed == {"install_sources": ["com.example.mdm"], "users": [], "unattributed": []}
    assert run_check("device-unknown-sources", facts).outcome is Outcome.FAIL


@pytest.mark.parametrize("restriction", [NO_UNKNOWN, "no_install_unknown_sources_globally"])
def test_the_user_restriction_wins_over_the_app_op(restriction: str) -> None:
    facts = sources(with_listed(make_facts(), 0, CHROME, installed_apk(CHROME)), CHROME)
    facts = dataclasses.replace(facts, restrictions={0: frozenset({restriction, "no_add_user"})})
    ev = run_check("device-unknown-sources", facts)
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "restricted")
    assert ev.message == (
        "No app may install other apps in any readable user: where an app-op allows it, a user "
        "restriction forbids it."
    )
    assert ev.notes == (
        f"user 0 (system): com.android.chrome may install apps by its app-op, but the user restriction "
        f"{restriction} forbids it, and the restriction wins",
    )
    assert ev.observed["users"] == [
        {"user": 0, "kind": "system", "install_sources": [CHROME], "restriction": restriction}
    ]


def test_a_work_profile_app_fails_there_and_not_in_the_restricted_user_0() -> None:
    # query-op names the work profile's app whatever user is asked; only user 10 has it, and only
    # user 0 carries the restriction: the work profile fails, user 0 is not blamed.
    facts = sources(work_profile_with(FILES), FILES)
    facts = dataclasses.replace(facts, restrictions={0: frozenset({NO_UNKNOWN}), 10: frozenset()})
    ev = run_check("device-unknown-sources", facts)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "install-sources-allowed")
    assert ev.message == (
        "Apps may install other apps ('Install unknown apps'): user 10 (work-profile): com.example.files."
    )
    assert ev.observed == {
        "install_sources": [FILES],
        "users": [
            {"user": 0, "kind": "system", "install_sources": [], "restriction": None},
            {"user": 10, "kind": "work-profile", "install_sources": [FILES], "restriction": None},
        ],
        "unattributed": [],
    }
    assert ev.notes == ()


def test_a_package_in_two_users_is_judged_in_each() -> None:
    facts = sources(with_listed(work_profile_with(CHROME), 0, CHROME, installed_apk(CHROME)), CHROME)
    restricted_0 = dataclasses.replace(facts, restrictions={0: frozenset({NO_UNKNOWN}), 10: frozenset()})
    ev = run_check("device-unknown-sources", restricted_0)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "install-sources-allowed")
    assert ev.message == (
        "Apps may install other apps ('Install unknown apps'): user 10 (work-profile): com.android.chrome."
    )
    assert ev.notes == (
        f"user 0 (system): com.android.chrome may install apps by its app-op, but the user restriction "
        f"{NO_UNKNOWN} forbids it, and the restriction wins",
    )
    both = dataclasses.replace(facts, restrictions={0: frozenset({NO_UNKNOWN}), 10: frozenset({NO_UNKNOWN})})
    ev = run_check("device-unknown-sources", both)
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "restricted")
    assert [row["restriction"] for row in ev.observed["users"]] == [NO_UNKNOWN, NO_UNKNOWN]
    assert len(ev.notes) == 2


def test_a_package_in_no_user_fails_the_phone_when_every_user_was_read() -> None:
    facts = sources(work_profile_with(), "com.example.ghost")
    ev = run_check("device-unknown-sources", facts)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "install-sources-allowed")
    assert ev.message == (
        "Apps may install other apps ('Install unknown apps'): in no user's package list: com.example.ghost."
    )
    assert ev.observed["unattributed"] == ["com.example.ghost"]


def test_packages_in_no_user_are_named_together() -> None:
    facts = with_user(make_facts(), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    ev = run_check("device-unknown-sources", sources(facts, "com.example.a", "com.example.b"))
    assert ev.notes[0] == (
        "com.example.a, com.example.b may install apps by their app-op but are in no readable user's "
        "package list: they may be in user 150 (secure-folder), which refuses the shell; check there by hand"
    )
    ev = run_check("device-unknown-sources", sources(make_facts(), "com.example.a", "com.example.b"))
    assert ev.message == (
        "Apps may install other apps ('Install unknown apps'): in no user's package list: com.example.a, "
        "com.example.b."
    )


def test_a_package_in_no_readable_user_is_a_note_when_a_user_refuses_the_shell() -> None:
    facts = with_user(make_facts(), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    ev = run_check("device-unknown-sources", sources(facts, "com.example.hidden"))
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "no-install-sources")
    assert ev.message == "No app may install other apps in any readable user."
    assert ev.notes == (
        "com.example.hidden may install apps by its app-op but is in no readable user's package list: it "
        "may be in user 150 (secure-folder), which refuses the shell; check there by hand",
        "user 150 (secure-folder) refuses the shell; not checked",
    )
    assert ev.observed == {
        "install_sources": ["com.example.hidden"],
        "users": [{"user": 0, "kind": "system", "install_sources": [], "restriction": None}],
        "unattributed": ["com.example.hidden"],
    }


def test_a_package_in_no_readable_user_is_an_error_when_a_package_list_is_unknown() -> None:
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE, packages=Unknown(Gap.TIMEOUT)))
    facts = with_user(facts, restricted_user_facts(150, UserKind.SECURE_FOLDER))
    ev = run_check("device-unknown-sources", sources(facts, FILES))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "timeout")
    assert ev.message == (
        "Could not read the package list of user 10 (work-profile): the phone did not answer in time."
    )
    assert ev.notes == (
        "com.example.files may install apps by its app-op but is in no readable user's package list: it "
        "may be in a user whose package list could not be read",
        "user 150 (secure-folder) refuses the shell; not checked",
        "user 10 (work-profile) could not be read (timeout)",
    )


def test_a_package_in_no_readable_user_is_an_error_when_the_user_list_is_unknown() -> None:
    facts = sources(make_facts(users=Unknown(Gap.UNPARSEABLE)), "com.example.ghost")
    ev = run_check("device-unknown-sources", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "unparseable")
    assert ev.message.startswith("Could not read the list of Android users (pm list users)")


def test_nothing_to_attribute_needs_no_user_even_when_user_0_refuses_the_shell() -> None:
    # The answer covers every user, those refusing the shell included.
    for refused in (restricted_user_facts(0, UserKind.SYSTEM), restricted_user_facts(150, UserKind.SECURE_FOLDER)):
        ev = run_check("device-unknown-sources", with_user(make_facts(), refused))
        assert (ev.outcome, ev.reason, ev.notes) == (Outcome.PASS, "no-install-sources", ())


def test_user_0_refusing_the_shell_with_an_app_to_attribute_is_an_error() -> None:
    facts = with_user(make_facts(), restricted_user_facts(0, UserKind.SYSTEM))
    ev = run_check("device-unknown-sources", sources(facts, CHROME))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "user-restricted")


def test_restriction_of_another_user_does_not_count() -> None:
    facts = sources(work_profile_with(FILES), FILES)
    facts = dataclasses.replace(facts, restrictions={0: frozenset({NO_UNKNOWN}), 10: frozenset()})
    ev = run_check("device-unknown-sources", facts)
    assert ev.outcome is Outcome.FAIL
    assert "user 10 (work-profile): com.example.files" in ev.message


def test_unknown_restrictions_with_an_allowed_app_is_an_error() -> None:
    facts = sources(with_listed(make_facts(), 0, CHROME, installed_apk(CHROME)), CHROME)
    ev = run_check("device-unknown-sources", dataclasses.replace(facts, restrictions=Unknown(Gap.TIMEOUT)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "timeout")
    ev = run_check("device-unknown-sources", dataclasses.replace(facts, restrictions={10: frozenset()}))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")
    assert ev.message == "The phone did not report the user restrictions of user 0 (system) (dumpsys user)."


def test_unknown_restrictions_without_install_sources_still_passes() -> None:
    # Nothing to override: the restriction is not needed to pass.
    facts = dataclasses.replace(make_facts(), restrictions=Unknown(Gap.TIMEOUT))
    assert run_check("device-unknown-sources", facts).outcome is Outcome.PASS


@pytest.mark.parametrize("gap", [Gap.TIMEOUT, Gap.UNPARSEABLE, Gap.NOT_CAPTURED, Gap.COMMAND_FAILED])
def test_install_sources_unknown_is_an_error(gap: Gap) -> None:
    ev = run_check("device-unknown-sources", make_facts(install_sources=Unknown(gap)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, gap.value)
    assert ev.message.startswith("Could not read the apps allowed to install apps (appops query-op): ")


def test_a_failing_user_wins_over_an_unreadable_one() -> None:
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE, packages=Unknown(Gap.TIMEOUT)))
    facts = sources(with_listed(facts, 0, FILES, installed_apk(FILES)), FILES)
    ev = run_check("device-unknown-sources", facts)
    assert ev.outcome is Outcome.FAIL
    assert ev.message == (
        "Apps may install other apps ('Install unknown apps'): user 0 (system): com.example.files."
    )
    assert ev.notes == ("user 10 (work-profile) could not be read (timeout)",)


def test_a_restricted_user_does_not_pass_while_another_users_package_list_is_unknown() -> None:
    # The app may be installed in user 10 as well, where no restriction may hold.
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE, packages=Unknown(Gap.TIMEOUT)))
    facts = sources(with_listed(facts, 0, CHROME, installed_apk(CHROME)), CHROME)
    facts = dataclasses.replace(facts, restrictions={0: frozenset({NO_UNKNOWN}), 10: frozenset()})
    ev = run_check("device-unknown-sources", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "timeout")
    assert ev.observed["users"] == [
        {"user": 0, "kind": "system", "install_sources": [CHROME], "restriction": NO_UNKNOWN}
    ]


# --- device-chat-readers -------------------------------------------------------------------------


def test_only_the_systems_own_listener_passes() -> None:
    ev = run_check("device-chat-readers", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "no-chat-readers")
    assert ev.observed == [
        {
            "user": 0,
            "kind": "system",
            "not_system": [],
            "accessibility_services": [],
            "notification_listeners": ["com.google.android.as"],
        }
    ]


def test_an_installed_accessibility_service_and_listener_fail_by_package() -> None:
    facts = with_listed(make_facts(), 0, "com.example.spy", installed_apk("com.example.spy"))
    facts = with_listed(facts, 0, "com.example.notes", installed_apk("com.example.notes"))
    facts = change_settings(facts, 0, {
        ACCESSIBILITY: "com.example.spy/com.example.spy.ReaderService",
        LISTENERS: f"{SYSTEM_LISTENER}:com.example.notes/.Listener:com.example.spy/.Other",
    })
    ev = run_check("device-chat-readers", facts)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "chat-readers")
    assert ev.message == (
        "Apps that are not part of the system can read every WhatsApp message on screen or in "
        "notifications: user 0 (system): com.example.spy (accessibility service); user 0 (system): "
        "com.example.notes (notification listener); user 0 (system): com.example.spy (notification listener)."
    )
    assert ev.observed[0]["not_system"] == ["com.example.spy", "com.example.notes", "com.example.spy"]
    assert "ReaderService" not in ev.message and "ReaderService" not in str(ev.observed)


def test_a_system_app_updated_from_play_is_part_of_the_system() -> None:
    # Android System Intelligence runs from /data/app/ once Play updated it; pm list packages -s
    # still lists it, and that decides.
    facts = make_facts()
    listed = {p.package: p for p in facts.per_user[0].packages}  # type: ignore[union-attr]
    assert listed[SYSTEM_LISTENER_PACKAGE].path.startswith("/data/app/")  # type: ignore[union-attr]
    assert run_check("device-chat-readers", facts).outcome is Outcome.PASS
    not_system = change_user(facts, 0, system_packages=SYSTEM_PACKAGES - {SYSTEM_LISTENER_PACKAGE})
    ev = run_check("device-chat-readers", not_system)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "chat-readers")
    assert ev.observed[0]["not_system"] == [SYSTEM_LISTENER_PACKAGE]


def test_a_system_package_passes_whatever_its_path() -> None:
    for path in ("/system/priv-app/Talkback/Talkback.apk", "/product/app/X/X.apk", "/vendor/app/Y/Y.apk",
                 "/apex/com.android.x/app/A.apk", installed_apk("com.example.system"), None):
        facts = with_listed(make_facts(), 0, "com.example.system", path)
        facts = change_user(facts, 0, system_packages=SYSTEM_PACKAGES | {"com.example.system"})
        facts = change_settings(facts, 0, {ACCESSIBILITY: "com.example.system/.Service"})
        assert run_check("device-chat-readers", facts).outcome is Outcome.PASS, path


def test_allowed_packages_are_accepted_for_readers() -> None:
    facts = with_listed(make_facts(), 0, "com.example.mdm", installed_apk("com.example.mdm"))
    facts = change_settings(facts, 0, {LISTENERS: "com.example.mdm/.Listener"})
    assert run_check("device-chat-readers", facts).outcome is Outcome.FAIL
    assert run_check("device-chat-readers", facts, allowed_packages=["com.example.mdm"]).outcome is Outcome.PASS


def test_a_component_whose_package_is_not_installed_cannot_be_told() -> None:
    facts = change_settings(make_facts(), 0, {ACCESSIBILITY: "com.example.ghost/.Service"})
    ev = run_check("device-chat-readers", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")
    assert ev.message == (
        "The phone did not report whether the accessibility service com.example.ghost of user 0 (system) "
        "is part of the system: its package is in none of the user's package lists."
    )


def test_an_outsider_fails_even_next_to_an_unknown_component() -> None:
    facts = with_listed(make_facts(), 0, "com.example.spy", installed_apk("com.example.spy"))
    facts = change_settings(facts, 0, {ACCESSIBILITY: "com.example.ghost/.A:com.example.spy/.B"})
    assert run_check("device-chat-readers", facts).outcome is Outcome.FAIL


@pytest.mark.parametrize("key", [ACCESSIBILITY, LISTENERS])
@pytest.mark.parametrize("gap", [Gap.TIMEOUT, Gap.COMMAND_FAILED, Gap.UNPARSEABLE])
def test_a_reader_setting_unknown_is_an_error(key: str, gap: Gap) -> None:
    ev = run_check("device-chat-readers", change_settings(make_facts(), 0, {key: Unknown(gap)}))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, gap.value)


def test_a_reader_setting_not_collected_is_not_captured() -> None:
    settings = dict(make_facts().per_user[0].settings)
    del settings[LISTENERS]
    ev = run_check("device-chat-readers", change_user(make_facts(), 0, settings=settings))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-captured")


@pytest.mark.parametrize("gap", [Gap.TIMEOUT, Gap.UNPARSEABLE, Gap.NOT_CAPTURED])
def test_system_packages_unknown_is_an_error_for_the_readers_it_would_decide(gap: Gap) -> None:
    facts = change_user(make_facts(), 0, system_packages=Unknown(gap))
    ev = run_check("device-chat-readers", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, gap.value)
    assert ev.message.startswith(
        "Could not read whether the notification listener com.google.android.as of user 0 (system) is part "
        "of the system (pm list packages -s): "
    )
    # Only allowed readers, or none: nothing to decide.
    assert run_check("device-chat-readers", facts, allowed_packages=[SYSTEM_LISTENER_PACKAGE]).outcome is Outcome.PASS
    assert run_check("device-chat-readers", change_settings(facts, 0, {LISTENERS: None})).outcome is Outcome.PASS


def test_an_outsider_fails_even_when_the_system_packages_are_unknown_for_another_reader() -> None:
    facts = with_listed(make_facts(), 0, "com.example.spy", installed_apk("com.example.spy"))
    facts = change_user(facts, 0, system_packages=SYSTEM_PACKAGES)
    facts = change_settings(facts, 0, {ACCESSIBILITY: "com.example.spy/.Service"})
    with_unknown = with_user(facts, user_facts(10, UserKind.WORK_PROFILE, system_packages=Unknown(Gap.TIMEOUT)))
    ev = run_check("device-chat-readers", with_unknown)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "chat-readers")


def test_readers_package_list_is_needed_only_outside_the_system_packages() -> None:
    ev = run_check("device-chat-readers", change_user(make_facts(), 0, packages=Unknown(Gap.TIMEOUT)))
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "no-chat-readers")
    facts = change_settings(make_facts(), 0, {ACCESSIBILITY: "com.example.spy/.Service"})
    ev = run_check("device-chat-readers", change_user(facts, 0, packages=Unknown(Gap.TIMEOUT)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "timeout")
    assert ev.message.startswith("Could not read whether the accessibility service com.example.spy of user 0 "
                                 "(system) is part of the system (pm list packages): ")
    ev = run_check("device-chat-readers", change_user(facts, 0, packages=()))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "unparseable")


def test_readers_of_every_user_and_a_user_refusing_the_shell() -> None:
    work = user_facts(10, UserKind.WORK_PROFILE)
    work = dataclasses.replace(
        work,
        packages=work.packages + (ListedPackage("com.example.kb", path=installed_apk("com.example.kb")),),
        settings={**work.settings, ACCESSIBILITY: "com.example.kb/.Service"},
    )
    facts = with_user(with_user(make_facts(), work), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    ev = run_check("device-chat-readers", facts)
    assert ev.outcome is Outcome.FAIL
    assert "user 10 (work-profile): com.example.kb (accessibility service)" in ev.message
    assert ev.notes == ("user 150 (secure-folder) refuses the shell; not checked",)
    facts = with_user(make_facts(), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    assert run_check("device-chat-readers", facts).outcome is Outcome.PASS


# --- device-debugging-handover -------------------------------------------------------------------


def test_debugging_on_during_the_audit_is_a_handover_item() -> None:
    spec = get_check("device-debugging-handover")
    assert spec.manual is True
    ev = run_check("device-debugging-handover", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.MANUAL, "debugging-on")
    assert ev.message == (
        "Developer options and USB debugging are on now, as expected while wa-harden audits the phone; "
        "switch them off before the phone is handed to an employee, then record the handover with an "
        "attestation."
    )
    assert ev.observed == {"development_settings_enabled": 1, "adb_enabled": 1, "adb_wifi_enabled": 0}


def test_wireless_debugging_alone_is_named() -> None:
    facts = change_global(make_facts(), development_settings_enabled="0", adb_enabled="0", adb_wifi_enabled="1")
    ev = run_check("device-debugging-handover", facts)
    assert ev.outcome is Outcome.MANUAL
    assert ev.message.startswith("Wireless debugging is on now, as expected while wa-harden audits the "
                                 "phone; switch it off before")
    facts = change_global(make_facts(), adb_wifi_enabled="1")
    assert run_check("device-debugging-handover", facts).message.startswith(
        "Developer options, USB debugging and wireless debugging are on now"
    )


def test_debugging_off_or_unset_passes() -> None:
    facts = change_global(make_facts(), development_settings_enabled="0", adb_enabled=None, adb_wifi_enabled=None)
    ev = run_check("device-debugging-handover", facts)
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "debugging-off")
    assert ev.observed == {"development_settings_enabled": 0, "adb_enabled": 0, "adb_wifi_enabled": 0}


@pytest.mark.parametrize("key", ["development_settings_enabled", "adb_enabled", "adb_wifi_enabled"])
def test_a_debugging_switch_unknown_is_an_error(key: str) -> None:
    ev = run_check("device-debugging-handover", change_global(make_facts(), **{key: Unknown(Gap.TIMEOUT)}))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "timeout")
    assert key in ev.message
    ev = run_check("device-debugging-handover", change_global(make_facts(), **{key: "on"}))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "unparseable")
    settings = {k: v for k, v in make_facts().global_settings.items() if k != key}
    ev = run_check("device-debugging-handover", make_facts(global_settings=settings))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-captured")


def test_build_facts_are_not_needed_for_debugging() -> None:
    facts = change_build(make_facts(), props={})
    assert run_check("device-debugging-handover", facts).outcome is Outcome.MANUAL
