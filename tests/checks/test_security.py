"""Verified boot and root, unknown sources, chat readers, debugging at handover."""

from __future__ import annotations

import dataclasses

import pytest

from facts_builder import (
    SYSTEM_LISTENER,
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


def test_unknown_sources_passes_without_install_sources() -> None:
    ev = run_check("device-unknown-sources", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "no-install-sources")
    assert ev.observed == [{"user": 0, "kind": "system", "install_sources": [], "restriction": None}]
    assert ev.expected == {"install_sources": [], "allowed_packages": []}


def test_an_app_allowed_to_install_apps_fails() -> None:
    facts = change_user(make_facts(), 0, install_sources=("com.android.chrome", "com.example.files"))
    ev = run_check("device-unknown-sources", facts)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "install-sources-allowed")
    assert ev.message == (
        "Apps may install other apps ('Install unknown apps'): user 0 (system): com.android.chrome, "
        "com.example.files."
    )


def test_allowed_packages_are_accepted() -> None:
    facts = change_user(make_facts(), 0, install_sources=("com.example.mdm",))
    ev = run_check("device-unknown-sources", facts, allowed_packages=["com.example.mdm"])
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "no-install-sources")
    assert ev.observed[0]["install_sources"] == ["com.example.mdm"]


@pytest.mark.parametrize("restriction", ["no_install_unknown_sources", "no_install_unknown_sources_globally"])
def test_the_user_restriction_wins_over_the_app_op(restriction: str) -> None:
    facts = change_user(make_facts(), 0, install_sources=("com.android.chrome",))
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
    assert ev.observed[0]["restriction"] == restriction


def test_restriction_of_another_user_does_not_count() -> None:
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE, install_sources=("com.example.files",)))
    facts = dataclasses.replace(
        facts, restrictions={0: frozenset({"no_install_unknown_sources"}), 10: frozenset()}
    )
    ev = run_check("device-unknown-sources", facts)
    assert ev.outcome is Outcome.FAIL
    assert "user 10 (work-profile): com.example.files" in ev.message


def test_unknown_restrictions_with_an_allowed_app_is_an_error() -> None:
    facts = change_user(make_facts(), 0, install_sources=("com.android.chrome",))
    ev = run_check("device-unknown-sources", dataclasses.replace(facts, restrictions=Unknown(Gap.TIMEOUT)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "timeout")
    ev = run_check("device-unknown-sources", dataclasses.replace(facts, restrictions={10: frozenset()}))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")
    assert ev.message == "The phone did not report the user restrictions of user 0 (system) (dumpsys user)."


def test_unknown_restrictions_without_install_sources_still_passes() -> None:
    # Nothing to override: the restriction is not needed to pass.
    facts = dataclasses.replace(make_facts(), restrictions=Unknown(Gap.TIMEOUT))
    assert run_check("device-unknown-sources", facts).outcome is Outcome.PASS


@pytest.mark.parametrize("gap", [Gap.TIMEOUT, Gap.UNPARSEABLE, Gap.NOT_CAPTURED, Gap.USER_RESTRICTED])
def test_install_sources_of_user0_unknown_is_an_error(gap: Gap) -> None:
    ev = run_check("device-unknown-sources", change_user(make_facts(), 0, install_sources=Unknown(gap)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, gap.value)


def test_a_failing_user_wins_over_an_unreadable_one() -> None:
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE, install_sources=Unknown(Gap.TIMEOUT)))
    facts = change_user(facts, 0, install_sources=("com.example.files",))
    ev = run_check("device-unknown-sources", facts)
    assert ev.outcome is Outcome.FAIL
    assert ev.notes == ("user 10 (work-profile) could not be read (timeout)",)


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


def test_a_system_image_component_passes_whatever_its_partition() -> None:
    for path in ("/system/priv-app/Talkback/Talkback.apk", "/product/app/X/X.apk",
                 "/vendor/app/Y/Y.apk", "/system_ext/priv-app/Z/Z.apk", "/apex/com.android.x/app/A.apk"):
        facts = with_listed(make_facts(), 0, "com.example.system", path)
        facts = change_settings(facts, 0, {ACCESSIBILITY: "com.example.system/.Service"})
        assert run_check("device-chat-readers", facts).outcome is Outcome.PASS, path


def test_allowed_packages_are_accepted_for_readers() -> None:
    facts = with_listed(make_facts(), 0, "com.example.mdm", installed_apk("com.example.mdm"))
    facts = change_settings(facts, 0, {LISTENERS: "com.example.mdm/.Listener"})
    assert run_check("device-chat-readers", facts).outcome is Outcome.FAIL
    assert run_check("device-chat-readers", facts, allowed_packages=["com.example.mdm"]).outcome is Outcome.PASS


@pytest.mark.parametrize("path", [None, "absent"])
def test_a_component_whose_package_is_not_listed_cannot_be_told(path: str | None) -> None:
    facts = make_facts()
    if path is None:
        facts = with_listed(facts, 0, "com.example.ghost", None)  # listed without a path
    facts = change_settings(facts, 0, {ACCESSIBILITY: "com.example.ghost/.Service"})
    ev = run_check("device-chat-readers", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")
    assert ev.message == (
        "The phone did not report whether the accessibility service com.example.ghost of user 0 (system) "
        "is part of the system: its package is not in the user's package list with a path."
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


def test_readers_package_list_unknown_or_empty_is_an_error() -> None:
    ev = run_check("device-chat-readers", change_user(make_facts(), 0, packages=Unknown(Gap.TIMEOUT)))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "timeout")
    ev = run_check("device-chat-readers", change_user(make_facts(), 0, packages=()))
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
