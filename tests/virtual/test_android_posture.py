"""Device posture the audit reads: verified boot, debugging, user restrictions, install sources,
chat readers, lock-screen previews and timeouts, and whether the shell sees each user's storage."""

from __future__ import annotations

import pytest

from android_helpers import W4B, out, persona_data, phone_for, refusal, run, sh, shipped
from wa_harden.commands import APPOPS_INSTALL_SOURCES
from wa_harden.facts import FindListing
from wa_harden.parse.appops import parse_appops_query_op
from wa_harden.parse.getprop import parse_getprop
from wa_harden.parse.restrictions import parse_dumpsys_user
from wa_harden.parse.settings import parse_settings_get
from wa_harden.parse.storage import parse_find
from wa_harden.virtual.android import persona_from_data

WORK = [{"id": 0, "kind": "system"}, {"id": 10, "kind": "work-profile"}]
QUERY = "appops query-op --user 0 REQUEST_INSTALL_PACKAGES allow"
END = "wa-harden:end"
LAUNCHER_LISTENER = "com.google.android.apps.nexuslauncher/com.android.launcher3.notification.NotificationListener"
CHROME_ALLOWED = {"package": "com.android.chrome", "appops": {"REQUEST_INSTALL_PACKAGES": "allow"}}


# --- getprop: verified boot ------------------------------------------------------------------------


def props(phone) -> dict[str, str]:  # type: ignore[no-untyped-def]
    build = parse_getprop(out(phone, "getprop"))
    return dict(build.props)  # type: ignore[union-attr]


def test_a_stock_phone_boots_green_with_a_locked_bootloader_and_release_keys():
    got = props(shipped("hardened"))
    assert {k: got[k] for k in ("ro.boot.verifiedbootstate", "ro.boot.flash.locked", "ro.boot.vbmeta.device_state",
                                "ro.build.tags")} == {"ro.boot.verifiedbootstate": "green", "ro.boot.flash.locked": "1",
                                                      "ro.boot.vbmeta.device_state": "locked",
                                                      "ro.build.tags": "release-keys"}
    assert got["ro.build.fingerprint"].endswith(":user/release-keys")


def test_an_unlocked_bootloader_is_orange_and_test_keys_show_in_the_fingerprint():
    phone = phone_for("13", device={"oem": "google", "android": "13", "bootloader": "unlocked", "build_tags": "test-keys"})
    assert out(phone, "getprop ro.boot.verifiedbootstate") == "orange\n"
    assert out(phone, "getprop ro.boot.flash.locked") == "0\n"
    assert out(phone, "getprop ro.boot.vbmeta.device_state") == "unlocked\n"
    assert out(phone, "getprop ro.build.fingerprint").endswith(":13/TQ3A.230901.001/" +
                                                               phone.state.build.incremental + ":user/test-keys\n")
    yellow = phone_for("14", device={"oem": "google", "android": "14", "verified_boot": "yellow"})
    assert (out(yellow, "getprop ro.boot.verifiedbootstate"), out(yellow, "getprop ro.boot.flash.locked")) == \
        ("yellow\n", "1\n")


def test_the_fingerprint_carries_the_release_string():
    assert ":8.1.0/OPM1.171019.011/" in out(phone_for("8.1"), "getprop ro.build.fingerprint")


@pytest.mark.parametrize("device", [
    {"bootloader": "unlocked", "verified_boot": "green"},
    {"bootloader": "locked", "verified_boot": "orange"},
    {"verified_boot": "orange"},
])
def test_verified_boot_must_fit_the_bootloader(device):
    assert refusal(persona_data(device={"oem": "google", "android": "14", **device})).key == "device.verified_boot"


# --- global settings: debugging ------------------------------------------------------------------


def test_usb_debugging_is_on_and_wifi_debugging_exists_from_11():
    for android, wifi in (("10", "null\n"), ("11", "0\n"), ("16", "0\n")):
        phone = phone_for(android)
        assert out(phone, "settings get global adb_enabled") == "1\n"
        assert out(phone, "settings get global development_settings_enabled") == "1\n"
        assert out(phone, "settings get global adb_wifi_enabled") == wifi, android
    assert out(shipped("rooted-modded"), "settings get global adb_wifi_enabled") == "1\n"


# --- per-user settings: chat readers, lock screen, timeouts --------------------------------------


def test_per_user_defaults_by_maker():
    pixel, samsung = phone_for("14", users=WORK), phone_for("14", oem="samsung")
    expected = {
        "secure enabled_accessibility_services": None,
        "secure enabled_notification_listeners": LAUNCHER_LISTENER,
        "secure lock_screen_show_notifications": "1",
        "secure lock_screen_allow_private_notifications": "1",
        "secure lock_screen_lock_after_timeout": None,  # unset: Settings shows its 5 s default
        "system screen_off_timeout": "30000",
    }
    for key, value in expected.items():
        assert parse_settings_get(out(pixel, f"settings --user 0 get {key}")) == value, key
    assert out(pixel, "settings --user 10 get secure enabled_notification_listeners") == "null\n"  # the profile's own
    assert out(pixel, "settings --user 10 get secure lock_screen_allow_private_notifications") == "1\n"
    assert out(samsung, "settings --user 0 get secure enabled_notification_listeners") == "null\n"


def test_chat_readers_and_lock_screen_overrides_per_user():
    phone = phone_for("14", users=[
        {"id": 0, "kind": "system", "notification_listeners": ["com.example.watchlink/com.example.watchlink.Mirror"],
         "accessibility_services": ["com.example.watchlink/.Reader", "com.example.watchlink/com.example.watchlink.Tts"],
         "secure_settings": {"lock_screen_allow_private_notifications": "0", "lock_screen_show_notifications": "null"},
         "system_settings": {"screen_off_timeout": "15000"}},
        {"id": 10, "kind": "work-profile", "secure_settings": {"lock_screen_lock_after_timeout": "0"}},
    ], apps=[{"package": W4B}, {"package": "com.example.watchlink"}])
    assert out(phone, "settings --user 0 get secure enabled_notification_listeners") == \
        f"{LAUNCHER_LISTENER}:com.example.watchlink/com.example.watchlink.Mirror\n"
    assert out(phone, "settings --user 0 get secure enabled_accessibility_services") == \
        "com.example.watchlink/.Reader:com.example.watchlink/com.example.watchlink.Tts\n"
    assert out(phone, "settings --user 0 get secure accessibility_enabled") == "1\n"
    assert out(phone, "settings --user 0 get secure lock_screen_allow_private_notifications") == "0\n"
    assert out(phone, "settings --user 0 get secure lock_screen_show_notifications") == "null\n"  # "null" unsets
    assert out(phone, "settings --user 0 get system screen_off_timeout") == "15000\n"
    assert out(phone, "settings --user 10 get secure lock_screen_lock_after_timeout") == "0\n"
    assert out(phone, "settings --user 0 get secure lock_screen_lock_after_timeout") == "null\n"


def test_a_chat_reader_must_belong_to_an_app_the_phone_has():
    data = persona_data(users=[{"id": 0, "kind": "system", "notification_listeners": ["com.example.ghost/.Listener"]}])
    assert refusal(data).key == "users[0].notification_listeners[0]"
    data["users"][0]["notification_listeners"] = ["com.android.systemui/.Listener"]  # preinstalled: fine
    persona_from_data(data)


def test_settings_of_a_refused_user_fail_like_android():
    phone = phone_for("14", users=[{"id": 0, "kind": "system"}, {"id": 150, "kind": "secure-folder"}])
    result = run(phone, "settings --user 150 get secure enabled_accessibility_services")
    assert result.status == 255
    assert "Shell does not have permission to access user 150" in result.stderr.decode()


# --- dumpsys user: restrictions --------------------------------------------------------------------


def test_dumpsys_user_android_8_prints_bundles_without_types():
    phone = phone_for("8.1", users=[{"id": 0, "kind": "system", "restrictions": ["no_install_unknown_sources"]}])
    text = out(phone, "dumpsys user")
    assert text.startswith("Users:\n  UserInfo{0:Owner:13} serialNo=0\n    State: RUNNING_UNLOCKED\n")
    assert "    Restrictions:\n      no_install_unknown_sources\n    Device policy global restrictions:\n      null\n" \
           "    Device policy local restrictions:\n      null\n    Effective restrictions:\n" \
           "      no_install_unknown_sources\n" in text
    assert "Type:" not in text and "isPrimary" not in text
    assert "\n  Guest restrictions:\n    no_sms\n    no_install_unknown_sources\n    no_config_wifi\n" \
           "    no_outgoing_calls\n" in text  # Bundle order: by hash code
    assert parse_dumpsys_user(text) == {0: frozenset({"no_install_unknown_sources"})}


def test_dumpsys_user_android_11_plus_has_types_and_restriction_sets_per_admin():
    phone = phone_for("14", users=WORK, device_policy={"device_owner": "com.example.mdm/.AdminReceiver"})
    text = out(phone, "dumpsys user")
    assert text.startswith("Current user: 0\n\nUsers:\n  UserInfo{0:Owner:4c13} serialNo=0 isPrimary=true\n"
                           "    Type: android.os.usertype.full.SYSTEM\n"
                           "    Flags: 19475 (ADMIN|FULL|INITIALIZED|MAIN|PRIMARY|SYSTEM)\n")
    assert "  UserInfo{10:Work profile:1030} serialNo=10 isPrimary=false parentId=0\n" in text
    # what DevicePolicyManagerService sets by itself for a device owner and for a managed profile
    assert "    Device policy local restrictions:\n      User Id: 0\n        no_add_managed_profile\n" \
           "        no_add_clone_profile\n    Effective restrictions:\n" in text
    assert "      User Id: 10\n        no_bluetooth_sharing\n" in text
    assert "Device properties:\n  Device owner id:0\n" in text and "  Device managed: true\n" in text
    assert parse_dumpsys_user(text) == {0: frozenset({"no_add_managed_profile", "no_add_clone_profile"}),
                                        10: frozenset({"no_bluetooth_sharing"})}


def test_dumpsys_user_without_restrictions_and_for_a_user_never_started():
    phone = phone_for("15", users=[{"id": 0, "kind": "system"}, {"id": 11, "kind": "private-space", "running": False}])
    text = out(phone, "dumpsys user")
    assert "    Restrictions:\n      none\n    Device policy global restrictions:\n      null\n" \
           "    Device policy local restrictions:\n      none\n    Effective restrictions:\n      none\n" in text
    assert "    State: -1\n" in text and "    Effective restrictions:\n      null\n" in text
    assert parse_dumpsys_user(text) == {0: frozenset(), 11: frozenset()}


def test_mdm_managed_restricts_unknown_sources_through_its_dpc():
    effective = parse_dumpsys_user(out(shipped("mdm-managed"), "dumpsys user"))
    assert effective == {0: frozenset({"no_install_unknown_sources", "no_add_managed_profile", "no_add_clone_profile"})}
    assert parse_dumpsys_user(out(shipped("hardened"), "dumpsys user")) == {0: frozenset()}


def test_restrictions_are_validated():
    data = persona_data(users=[{"id": 0, "kind": "system", "restrictions": ["no_fun_at_all"]}])
    assert refusal(data).key == "users[0].restrictions[0]"


# --- appops query-op: install sources --------------------------------------------------------------


def test_query_op_says_no_operations_when_no_package_has_the_op():
    phone = phone_for("14")
    assert run(phone, QUERY).stdout == b"No operations.\n"
    assert parse_appops_query_op(sh(phone, f"{QUERY} && echo {END}")[0]) == ()


def test_query_op_prints_matching_packages_and_nothing_when_entries_do_not_match():
    phone = phone_for("14", apps=[{"package": W4B}, CHROME_ALLOWED])
    assert out(phone, QUERY) == "com.android.chrome\n"
    assert parse_appops_query_op(sh(phone, f"{QUERY} && echo {END}")[0]) == ("com.android.chrome",)
    run(phone, "appops set --user 0 com.android.chrome REQUEST_INSTALL_PACKAGES deny")
    result = run(phone, QUERY)
    assert (result.stdout, result.status) == (b"", 0)
    assert out(phone, "appops query-op --user 0 REQUEST_INSTALL_PACKAGES deny") == "com.android.chrome\n"
    assert out(phone, "appops query-op REQUEST_INSTALL_PACKAGES") == ""  # the default mode is ignore
    run(phone, "appops set --user 0 com.android.chrome REQUEST_INSTALL_PACKAGES default")
    assert out(phone, QUERY) == "No operations.\n"


def test_query_op_answers_for_every_user_whatever_user_is_asked():
    """AOSP parses --user but getPackagesForOps covers every uid: user 10's app shows in user 0."""
    phone = phone_for("14", users=WORK, apps=[{"package": W4B, "users": [10]},
                                              {"package": "com.example.files", "users": [10],
                                               "appops": {"REQUEST_INSTALL_PACKAGES": "allow"}}])
    assert out(phone, QUERY) == "com.example.files\n"
    assert out(phone, QUERY.replace("--user 0", "--user 10")) == "com.example.files\n"
    # The audit asks once, without --user (commands.APPOPS_INSTALL_SOURCES), and gets the same.
    assert sh(phone, APPOPS_INSTALL_SOURCES)[0] == f"com.example.files\n{END}\n"
    both = phone_for("14", users=WORK, apps=[{"package": W4B, "users": [0, 10]},
                                             {**CHROME_ALLOWED, "users": [0, 10]}])
    assert out(both, QUERY) == "com.android.chrome\ncom.android.chrome\n"  # uid order: 10131, 1010131
    assert parse_appops_query_op(sh(both, APPOPS_INSTALL_SOURCES)[0]) == ("com.android.chrome",)  # once


def test_query_op_errors():
    phone = phone_for("14")
    for line, message in (("appops query-op --user 0", "Error: Operation not specified.\n"),
                          ("appops query-op --user 0 NO_SUCH_OP allow", "Error: Unknown operation string: NO_SUCH_OP\n"),
                          ("appops query-op REQUEST_INSTALL_PACKAGES maybe", "Error: Mode maybe is not valid\n")):
        result = run(phone, line)
        assert (result.stdout, result.stderr.decode(), result.status) == (b"", message, 255), line
    text, _, _ = sh(phone, f"appops query-op --user 0 NO_SUCH_OP allow && echo {END}")
    assert text == ""  # the end mark is missing: the parser sees a failure, not "no package"


def test_install_sources_of_the_shipped_personas():
    assert out(shipped("fresh-noncompliant"), QUERY) == "com.android.chrome\n"
    assert out(shipped("mdm-managed"), QUERY) == "com.android.chrome\n"  # but the DPC's restriction wins
    assert out(shipped("hardened"), QUERY) == "No operations.\n"


def test_a_preinstalled_package_in_apps_may_only_set_app_ops():
    data = persona_data(apps=[{"package": "com.android.chrome", "version_name": "1.0"}])
    assert refusal(data).key == "apps[0].version_name"


# --- storage of each user --------------------------------------------------------------------------


@pytest.mark.parametrize(("android", "visible"), [("8.1", True), ("10", True), ("11", False), ("15", False)])
def test_find_on_another_users_storage(android, visible):
    phone = phone_for(android, users=WORK)
    stdout, stderr, _ = sh(phone, "find /storage/emulated/10 -maxdepth 0 -type d; echo $?")
    own, _, _ = sh(phone, "find /storage/emulated/0 -maxdepth 0 -type d")
    assert own == "/storage/emulated/0\n"
    if visible:  # 8-10: the folder is there, refused to list
        assert (stdout, stderr) == ("/storage/emulated/10\n0\n", "")
        assert sh(phone, "ls /storage/emulated/10")[1] == "ls: /storage/emulated/10: Permission denied\n"
        assert parse_find(stdout.split("\n")[0], "/storage/emulated/10") == \
            FindListing(paths=("/storage/emulated/10",), missing=False, denied=False)
    else:  # 11+: the shell's FUSE view has its own user only (toybox prints the path unquoted)
        assert (stdout, stderr) == ("1\n", "find: /storage/emulated/10: No such file or directory\n")
        assert parse_find(stderr, "/storage/emulated/10") == FindListing(paths=(), missing=True, denied=False)
        assert sh(phone, "ls /storage/emulated")[0] == "0\n"


def test_find_media_folders_starts_with_the_start_directory():
    phone = shipped("fresh-noncompliant")
    media = "/storage/emulated/0/Android/media/com.whatsapp.w4b/WhatsApp Business/Media"
    lines = sh(phone, f"find '{media}' -maxdepth 1 -type d")[0].splitlines()
    assert lines[0] == media
    assert f"{media}/WhatsApp Business Images" in lines and len(lines) == 12
