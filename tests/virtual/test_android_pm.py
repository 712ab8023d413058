"""pm / cmd package: listing formats, grant/revoke with every generation's error behaviour."""

from __future__ import annotations

import pytest

from android_helpers import READ_CONTACTS, W4B, err, grant_line, out, phone_for, run, shipped

SECURE_FOLDER = [{"id": 0, "kind": "system"}, {"id": 150, "kind": "secure-folder"}]


def test_list_packages_fields_in_real_order_with_two_spaces_before_installer():
    phone = phone_for("14")
    line = out(phone, f"pm list packages --user 0 -f -i -U --show-versioncode {W4B}").strip()
    package = phone.state.packages[W4B]
    assert line == (
        f"package:{package.code_path}/base.apk={W4B} versionCode:{package.version_code}"
        f"  installer=com.android.vending uid:{package.app_id}"
    )
    assert package.code_path.startswith("/data/app/~~")


def test_list_packages_path_style_before_android_11():
    phone = phone_for("10")
    path = out(phone, f"pm list packages -f {W4B}").strip()
    assert path.startswith(f"package:/data/app/{W4B}-") and path.endswith(f"==/base.apk={W4B}")


def test_list_packages_filter_is_a_substring_and_third_party_flag_works():
    phone = phone_for("14", apps=[{"package": W4B}, {"package": "com.whatsapp"}])
    listed = out(phone, "pm list packages --user 0 com.whatsapp").splitlines()
    assert sorted(listed) == ["package:com.whatsapp", "package:com.whatsapp.w4b"]  # in hash order, not sorted
    third = out(phone, "pm list packages -3 --user 0").split()
    assert "package:com.android.shell" not in third and "package:com.whatsapp" in third


@pytest.mark.parametrize("android", ["8.1", "11", "15"])
def test_system_flag_lists_system_apps_updated_from_play_too(android):
    """-s filters on FLAG_SYSTEM, which an update from Play keeps: Chrome is listed though its code
    runs from /data/app/; an installed app is not, and -3 is the complement."""
    phone = phone_for(android, users=[{"id": 0, "kind": "system"}, {"id": 10, "kind": "work-profile"}],
                      apps=[{"package": W4B, "users": [0, 10]}])
    for user in (0, 10):
        system = {line.removeprefix("package:") for line in out(phone, f"pm list packages --user {user} -s").split()}
        third = {line.removeprefix("package:") for line in out(phone, f"pm list packages --user {user} -3").split()}
        every = {line.removeprefix("package:") for line in out(phone, f"pm list packages --user {user}").split()}
        assert {"android", "com.android.shell", "com.android.chrome", "com.android.vending"} <= system
        assert W4B in third and W4B not in system and system | third == every and not system & third
    with_paths = dict(line.removeprefix("package:").rsplit("=", 1)[::-1]
                      for line in out(phone, "pm list packages --user 0 -s -f").split())
    assert with_paths["com.android.chrome"].startswith("/data/app/")  # updated: a system app all the same
    assert with_paths["com.android.shell"] == "/system/priv-app/Shell/Shell.apk"


def test_system_intelligence_on_a_pixel_is_an_updated_system_app():
    phone = phone_for("15")
    line = out(phone, "pm list packages --user 0 -f -s com.google.android.as").strip()
    assert line.startswith("package:/data/app/~~") and line.endswith("/base.apk=com.google.android.as")
    assert "UPDATED_SYSTEM_APP" in out(phone, "dumpsys package com.google.android.as")
    assert out(phone_for("14", oem="samsung"), "pm list packages --user 0 -s com.google.android.as") == ""


def test_unknown_list_option_is_reported_on_stdout_with_255():
    result = run(phone_for("14"), "pm list packages -Z")
    assert (result.stdout, result.status) == (b"Error: Unknown option: -Z\n", 255)


def test_list_packages_without_user_fails_on_13_with_a_restricted_profile():
    phone = phone_for("13", users=SECURE_FOLDER)
    result = run(phone, "pm list packages")
    assert result.status == 255
    assert result.stdout == b""
    text = result.stderr.decode()
    assert text.startswith("\nException occurred while executing 'list':\n")
    assert "java.lang.SecurityException: Shell does not have permission to access user 150" in text
    assert run(phone, "pm list packages --user 0 com.whatsapp").stdout == b"package:com.whatsapp.w4b\n"


def test_list_packages_without_user_lists_user_0_on_12():
    phone = phone_for("12", users=SECURE_FOLDER)
    assert run(phone, "pm list packages com.whatsapp").stdout == b"package:com.whatsapp.w4b\n"


def test_list_packages_for_a_refused_user_is_a_security_exception():
    result = run(phone_for("14", users=SECURE_FOLDER), "pm list packages --user 150")
    assert result.status == 255
    assert "Shell does not have permission to access user 150" in result.stderr.decode()


def test_list_users_formats_by_generation():
    assert out(phone_for("9"), "pm list users") == "Users:\n\tUserInfo{0:Owner:13} running\n"
    assert out(phone_for("12"), "pm list users") == "Users:\n\tUserInfo{0:Owner:c13} running\n"
    phone = phone_for("14", users=[{"id": 0, "kind": "system"}, {"id": 10, "kind": "work-profile"}])
    assert out(phone, "pm list users") == (
        "Users:\n        UserInfo{0:Owner:4c13} running\n        UserInfo{10:Work profile:1030} running\n"
    )


def test_revoke_changes_the_next_dumpsys():
    phone = phone_for("14")
    assert "granted=true" in grant_line(phone)
    result = run(phone, f"pm revoke --user 0 {W4B} {READ_CONTACTS}")
    assert (result.stdout, result.stderr, result.status) == (b"", b"", 0)
    assert grant_line(phone) == f"{READ_CONTACTS}: granted=false, flags=[ USER_SET|USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED]"
    assert out(phone, f"appops get --user 0 {W4B} READ_CONTACTS").startswith("Uid mode: READ_CONTACTS: ignore\n")
    run(phone, f"pm grant --user 0 {W4B} {READ_CONTACTS}")
    assert "granted=true" in grant_line(phone)


def test_android_8_java_pm_bad_argument_goes_to_stderr_with_usage_and_exit_1():
    result = run(phone_for("8.1"), f"pm grant com.example.missing {READ_CONTACTS}")
    text = result.stderr.decode()
    assert result.status == 1 and result.stdout == b""
    assert text.startswith("Bad argument: java.lang.IllegalArgumentException: Unknown package: com.example.missing\nusage: pm path")
    assert "--versionCode VERSION_CODE" in text


def test_android_8_java_pm_security_exception_is_operation_not_allowed():
    result = run(phone_for("8.1"), f"pm revoke {W4B} android.permission.INTERNET")
    assert result.status == 1
    assert result.stderr == (
        b"Operation not allowed: java.lang.SecurityException: "
        b"Permission android.permission.INTERNET is not a changeable permission type\n"
    )


@pytest.mark.parametrize("android", ["9", "10"])
def test_android_9_and_10_banner_without_command_name_exit_255(android):
    result = run(phone_for(android), f"pm grant {W4B} android.permission.NOT_A_PERMISSION")
    text = result.stderr.decode()
    assert result.status == 255
    assert text.startswith("\nException occurred while executing:\njava.lang.IllegalArgumentException: "
                           "Unknown permission: android.permission.NOT_A_PERMISSION\n\tat ")


def test_android_10_security_exception_special_banner():
    result = run(phone_for("10"), f"pm revoke {W4B} android.permission.SEND_SMS")
    assert result.status == 255
    assert result.stderr.decode().startswith(
        f"Security exception: Package {W4B} has not requested permission android.permission.SEND_SMS\n\n"
        "java.lang.SecurityException: "
    )


def test_android_11_banner_names_the_command():
    result = run(phone_for("11"), f"pm grant {W4B} android.permission.NOT_A_PERMISSION")
    assert result.status == 255
    assert result.stderr.decode().startswith(
        "\nException occurred while executing 'grant':\n"
        "java.lang.IllegalArgumentException: Unknown permission: android.permission.NOT_A_PERMISSION\n\tat "
    )


def test_revoke_not_requested_throws_before_14():
    result = run(phone_for("13"), f"pm revoke {W4B} android.permission.SEND_SMS")
    assert result.status == 255
    assert f"java.lang.SecurityException: Package {W4B} has not requested permission android.permission.SEND_SMS" in result.stderr.decode()


def test_revoke_not_requested_is_a_silent_no_op_from_14():
    result = run(phone_for("14"), f"pm revoke {W4B} android.permission.SEND_SMS")
    assert (result.stdout, result.stderr, result.status) == (b"", b"", 0)


def test_revoke_policy_fixed_throws_before_14_and_is_silent_and_unchanged_from_14():
    apps = [{"package": W4B, "contacts": "policy-granted"}]
    old = run(phone_for("13", apps=apps), f"pm revoke {W4B} {READ_CONTACTS}")
    assert old.status == 255
    assert f"Cannot revoke policy fixed permission {READ_CONTACTS} for package {W4B}" in old.stderr.decode()
    phone = phone_for("14", apps=apps)
    new = run(phone, f"pm revoke {W4B} {READ_CONTACTS}")
    assert (new.stderr, new.status) == (b"", 0)
    assert grant_line(phone).startswith(f"{READ_CONTACTS}: granted=true, flags=[ POLICY_FIXED|")


def test_set_permission_flags_changes_dumpsys_on_11_plus():
    phone = phone_for("12")
    run(phone, f"pm revoke --user 0 {W4B} {READ_CONTACTS}")
    result = run(phone, f"pm set-permission-flags --user 0 {W4B} {READ_CONTACTS} user-set user-fixed")
    assert result.status == 0
    assert grant_line(phone) == (
        f"{READ_CONTACTS}: granted=false, flags=[ USER_SET|USER_FIXED|USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED]"
    )
    run(phone, f"pm clear-permission-flags --user 0 {W4B} {READ_CONTACTS} user-fixed")
    assert "USER_FIXED" not in grant_line(phone)


def test_set_permission_flags_rejects_an_unknown_flag():
    result = run(phone_for("14"), f"pm set-permission-flags {W4B} {READ_CONTACTS} policy-fixed")
    assert (result.stdout, result.status) == (b"", 1)
    assert result.stderr == (b"Error: specified flag policy-fixed is not one of "
                             b"[review-required, revoked-compat, revoke-when-requested, user-fixed, user-set]\n")


def test_set_permission_flags_does_not_exist_before_11():
    result = run(phone_for("10"), f"pm set-permission-flags {W4B} {READ_CONTACTS} user-fixed")
    assert (result.stdout, result.status) == (b"Unknown command: set-permission-flags\n", 255)
    java = run(phone_for("8.1"), f"pm set-permission-flags {W4B} {READ_CONTACTS} user-fixed")
    assert java.status == 1
    assert java.stderr.decode().startswith("Error: unknown command 'set-permission-flags'\nusage: pm path")


def test_unknown_package_throws_up_to_9_and_is_only_logged_from_10():
    """AOSP 10-13 return when the package does not exist (and throw only when it exists but is not
    visible); the Kotlin service of 14 returns in both cases."""
    assert "Unknown package: com.example.x\n" in err(phone_for("9"), f"pm grant com.example.x {READ_CONTACTS}")
    for android in ("10", "13", "14"):
        result = run(phone_for(android), f"pm grant com.example.x {READ_CONTACTS}")
        assert (result.stdout, result.stderr, result.status) == (b"", b"", 0), android


@pytest.mark.parametrize(("persona", "switch", "banner"), [
    ("xiaomi-locked", "usb_debugging_security", "\nException occurred while executing 'revoke':\n"),
    ("coloros", "permission_monitoring_disabled", "\nException occurred while executing 'revoke':\n"),
])
def test_oem_personas_refuse_grant_revoke_until_the_switch_is_on(persona, switch, banner):
    phone = shipped(persona)
    refused = run(phone, f"pm revoke --user 0 {W4B} {READ_CONTACTS}")
    assert refused.status == 255
    assert refused.stderr.decode().startswith(
        banner + "java.lang.SecurityException: revokeRuntimePermission: Neither user 2000 nor current process "
        "has android.permission.REVOKE_RUNTIME_PERMISSIONS.\n"
    )
    assert "granted=true" in grant_line(phone)
    phone.state.oem_switches[switch] = True
    assert run(phone, f"pm revoke --user 0 {W4B} {READ_CONTACTS}").status == 0
    assert "granted=false" in grant_line(phone)


def test_xiaomi_on_android_8_refuses_with_operation_not_allowed():
    phone = phone_for("8.1", oem="xiaomi")
    result = run(phone, f"pm grant {W4B} {READ_CONTACTS}")
    assert result.status == 1
    assert result.stderr == (
        b"Operation not allowed: java.lang.SecurityException: grantRuntimePermission: "
        b"Neither user 2000 nor current process has android.permission.GRANT_RUNTIME_PERMISSIONS.\n"
    )


def test_path_and_dump():
    phone = phone_for("14")
    assert out(phone, f"pm path {W4B}") == f"package:{phone.state.packages[W4B].code_path}/base.apk\n"
    assert run(phone, "pm path com.example.missing").status == 1
    dump = out(phone, f"pm dump {W4B}")
    assert dump.startswith("DUMP OF SERVICE package:\n  Activity Resolver Table:\n")
    assert f"    Package [{W4B}]" in dump


def test_cmd_package_is_pm_and_unknown_service_exits_20():
    phone = phone_for("14")
    assert out(phone, "cmd package list packages --user 0 com.whatsapp") == "package:com.whatsapp.w4b\n"
    result = run(phone, "cmd nosuchservice list")
    assert (result.stderr, result.status) == (b"cmd: Can't find service: nosuchservice\n", 20)


def test_cmd_package_grant_on_android_8_uses_the_shell_command_banner():
    result = run(phone_for("8.1"), f"cmd package grant com.example.missing {READ_CONTACTS}")
    assert result.status == 255
    assert result.stderr.decode().startswith("\nException occurred while executing:\n")
