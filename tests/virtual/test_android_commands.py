"""getprop, bmgr, settings, appops, content, locksettings: formats, exits and state changes."""

from __future__ import annotations

import pytest

from android_helpers import W4B, out, phone_for, run, shipped


def test_getprop_all_sorted_and_single_values():
    phone = shipped("fresh-noncompliant")
    text = out(phone, "getprop")
    lines = text.splitlines()
    assert lines == sorted(lines)
    assert "[ro.build.version.sdk]: [34]" in lines and "[ro.crypto.type]: [file]" in lines
    assert out(phone, "getprop ro.build.version.release") == "14\n"
    assert out(phone, "getprop ro.no.such.prop") == "\n"
    assert out(phone_for("8.1"), "getprop ro.build.version.release") == "8.1.0\n"


def test_security_patch_is_relative_and_on_the_1st_or_5th():
    patch = out(shipped("hardened"), "getprop ro.build.version.security_patch").strip()
    assert patch[-2:] in ("01", "05") and patch.startswith("2026-1")


def test_xiaomi_props():
    phone = shipped("xiaomi-locked")
    assert out(phone, "getprop ro.mi.os.version.name") == "OS1.0\n"
    assert out(phone, "getprop ro.product.brand") == "Redmi\n"


def test_bmgr_enable_false_is_visible_in_bmgr_and_settings():
    phone = shipped("fresh-noncompliant")
    assert out(phone, "settings get secure backup_enabled") == "1\n"
    assert out(phone, "bmgr enable false") == "Backup Manager now disabled\n"
    assert out(phone, "bmgr enabled") == "Backup Manager currently disabled\n"
    assert out(phone, "settings --user 0 get secure backup_enabled") == "0\n"
    run(phone, "settings put secure backup_enabled 1")
    assert out(phone, "bmgr enabled") == "Backup Manager currently enabled\n"


def test_bmgr_not_activated_and_activate_still_exit_0():
    phone = shipped("mdm-managed")
    result = run(phone, "bmgr enabled")
    assert (result.stdout, result.stderr, result.status) == (b"", b"Error: Backup Manager is not activated for user 0\n", 0)
    assert out(phone, "bmgr activated") == "Backup Manager currently deactivated\n"
    activate = run(phone, "bmgr activate true")
    assert activate.status == 0
    assert activate.stderr.decode().startswith(
        "Exception caught:\njava.lang.SecurityException: No permission to configure backup activity\n\tat ")


def test_bmgr_user_option_only_from_android_10():
    users = [{"id": 0, "kind": "system"}, {"id": 10, "kind": "work-profile", "backup_activated": True}]
    assert out(phone_for("10", users=users), "bmgr --user 10 enabled") == "Backup Manager currently disabled\n"
    old = run(phone_for("9", users=users), "bmgr --user 10 enabled")
    assert old.status == 0 and old.stdout == b""
    assert old.stderr.decode().startswith("Unknown command\nusage: bmgr [backup|restore|list|transport|run]\n")


def test_bmgr_list_transports_marks_the_current_one():
    assert out(shipped("fresh-noncompliant"), "bmgr list transports") == (
        "    com.google.android.gms/.backup.migrate.service.D2dTransport\n"
        "  * com.google.android.gms/.backup.BackupTransportService\n"
        "    com.android.localtransport/.LocalTransport\n"
    )


def test_settings_put_get_list_delete():
    phone = phone_for("14")
    assert out(phone, "settings get global package_verifier_enable") == "null\n"
    assert run(phone, "settings put global package_verifier_enable 1").stdout == b""
    assert out(phone, "settings get global package_verifier_enable") == "1\n"
    listing = out(phone, "settings list global").splitlines()
    assert "package_verifier_enable=1" in listing and listing == sorted(listing)
    assert out(phone, "settings delete global package_verifier_enable") == "Deleted 1 rows\n"
    assert out(phone, "cmd settings get global package_verifier_enable") == "null\n"


def test_settings_for_a_refused_user():
    phone = shipped("consumer-whatsapp")
    result = run(phone, "settings --user 150 get secure backup_enabled")
    assert result.status == 255
    assert "Shell does not have permission to access user 150" in result.stderr.decode()


def test_appops_set_then_get():
    phone = phone_for("14")
    assert run(phone, f"appops set --user 0 {W4B} READ_CONTACTS ignore").status == 0
    assert out(phone, f"appops get --user 0 {W4B} READ_CONTACTS").startswith("READ_CONTACTS: ignore; time=+")
    assert out(phone, f"appops get --user 0 {W4B} REQUEST_INSTALL_PACKAGES") == "No operations.\nDefault mode: default\n"


def test_appops_errors_exit_255():
    phone = phone_for("14")
    missing = run(phone, "appops get --user 0 com.example.none")
    assert (missing.stderr, missing.status) == (b"Error: No UID for com.example.none in user 0\n", 255)
    bad_mode = run(phone, f"appops set {W4B} READ_CONTACTS maybe")
    assert (bad_mode.stderr, bad_mode.status) == (b"Error: Mode maybe is not valid\n", 255)


CONTACTS = "content query --user {user} --uri content://com.android.contacts/raw_contacts --projection account_type:deleted"


def test_content_rows_from_counts_and_where():
    phone = shipped("fresh-noncompliant")
    rows = out(phone, CONTACTS.format(user=0)).splitlines()
    assert len(rows) == 20 + 180 + 85
    assert rows[0] == "Row: 0 account_type=NULL, deleted=0"
    where = out(phone, CONTACTS.format(user=0) + " --where \"account_type='com.whatsapp.w4b'\"").splitlines()
    assert len(where) == 85 and where[-1] == "Row: 84 account_type=com.whatsapp.w4b, deleted=0"
    names = out(phone, "content query --uri content://com.android.contacts/contacts --projection display_name")
    assert names.splitlines()[0] == "Row: 0 display_name=Contact 0001"


def test_content_errors_always_exit_0():
    phone = shipped("consumer-whatsapp")
    refused = run(phone, CONTACTS.format(user=150))
    assert refused.status == 0 and refused.stdout == b""
    assert refused.stderr.decode().startswith(
        "Error while accessing provider:com.android.contacts\n"
        "java.lang.SecurityException: Shell does not have permission to access user 150\n")
    assert out(shipped("hardened"), CONTACTS.format(user=0) + " --where \"account_type='com.whatsapp.w4b'\"") == "No result found.\n"
    usage = run(phone, "content query")
    assert usage.status == 0 and "[ERROR] Content provider URI not specified" in usage.stdout.decode()


@pytest.mark.parametrize("android", ["8.1", "10", "12"])
def test_locksettings_counts_a_failed_attempt_up_to_12(android):
    phone = phone_for(android)
    result = run(phone, "locksettings get-disabled")
    assert (result.stdout, result.status) == (b"Old password '' didn't match\n", 255)
    assert phone.state.locks[0].failed_unlock_attempts == 1
    run(phone, "cmd lock_settings get-disabled")
    assert phone.state.locks[0].failed_unlock_attempts == 2


@pytest.mark.parametrize("android", ["13", "14", "15"])
def test_locksettings_get_disabled_is_side_effect_free_from_13(android):
    phone = phone_for(android)
    assert out(phone, "locksettings get-disabled") == "false\n"
    assert phone.state.locks[0].failed_unlock_attempts == 0


def test_dumpsys_lock_settings_never_counts():
    phone = phone_for("12")
    run(phone, "dumpsys lock_settings")
    assert phone.state.locks[0].failed_unlock_attempts == 0


def test_locksettings_with_the_right_old_credential():
    phone = phone_for("12")
    assert out(phone, "locksettings verify --old 1357") == "Lock credential verified successfully\n"
    assert out(phone, "locksettings clear --old 1357") == "Lock credential cleared\n"
    assert out(phone, "locksettings get-disabled") == "false\n"
    assert phone.state.locks[0].failed_unlock_attempts == 0


def test_banner_features_payload_and_latency():
    new = phone_for("14")
    assert new.banner().startswith("device::ro.product.name=shiba;ro.product.model=Pixel 8;ro.product.device=shiba;features=")
    features = new.banner().split("features=")[1].split(",")
    assert {"shell_v2", "cmd", "stat_v2", "abb_exec", "sendrecv_v2"} <= set(features)
    old = phone_for("8.1")
    assert "ls_v2" not in old.banner() and "stat_v2" in old.banner()
    assert (old.max_payload, new.max_payload) == (256 * 1024, 1024 * 1024)
    assert old.latency(["pm", "list", "packages"]) > new.latency(["pm", "list", "packages"])
    assert new.latency(["bmgr", "enabled"]) > new.latency(["settings", "get"]) > new.latency(["getprop"]) > new.latency(["ls"])


def test_shell_v2_can_be_forced_off():
    phone = phone_for("14", faults={"shell_v2": False})
    assert phone.shell_v2 is False and "shell_v2" not in phone.banner()
