"""dumpsys package / lock_settings / account / device_policy / backup per generation."""

from __future__ import annotations

import pytest

from android_helpers import READ_CONTACTS, W4B, out, phone_for, run, shipped


def package_block(phone) -> list[str]:  # type: ignore[no-untyped-def]
    text = out(phone, f"dumpsys package {W4B}")
    lines = text.split("Packages:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return lines


def keys(lines: list[str], indent: int) -> set[str]:
    prefix = " " * indent
    return {line.strip().split("=", 1)[0] for line in lines
            if line.startswith(prefix) and not line.startswith(prefix + " ") and "=" in line}


@pytest.mark.parametrize(("android", "key"), [("8.1", "userId"), ("11", "userId"), ("13", "userId"), ("14", "appId"), ("15", "appId")])
def test_app_id_key_by_version(android, key):
    lines = package_block(phone_for(android))
    assert lines[1] == f"    {key}={phone_for(android).state.packages[W4B].app_id}"


def test_first_install_time_package_level_until_12_then_per_user():
    old = package_block(phone_for("12"))
    assert "firstInstallTime" in keys(old, 4)
    new = package_block(phone_for("13"))
    assert "firstInstallTime" not in keys(new, 4)
    user_part = "\n".join(new[new.index(next(row for row in new if row.startswith("    User 0:"))):])
    assert "      firstInstallTime=" in user_part


def test_installer_fields_by_generation():
    assert keys(package_block(phone_for("10")), 4) >= {"installerPackageName"}
    assert "packageSource" not in keys(package_block(phone_for("12")), 4)
    assert {"installerPackageName", "packageSource"} <= keys(package_block(phone_for("13")), 4)
    sideloaded = package_block(phone_for("13", apps=[{"package": W4B, "installer": "none"}]))
    assert "installerPackageName" not in keys(sideloaded, 4)
    new = package_block(phone_for("14", apps=[{"package": W4B, "installer": "none"}]))
    assert "    installerPackageName=null" in new
    assert "    installerPackageUid=-1" in new
    assert "    initiatingPackageName=com.android.shell" in new
    assert "    packageSource=1" in new


def test_user_line_keys_grow_with_the_version():
    def user_keys(android: str) -> list[str]:
        line = next(row for row in package_block(phone_for(android)) if row.startswith("    User 0:"))
        return [token.split("=")[0] for token in line.split(": ", 1)[1].split()]

    assert user_keys("8.1") == ["ceDataInode", "installed", "hidden", "suspended", "stopped", "notLaunched", "enabled", "instant"]
    assert user_keys("10")[-1] == "virtual"
    assert "distractionFlags" in user_keys("11") and "deDataInode" not in user_keys("14")
    assert user_keys("15")[:2] == ["ceDataInode", "deDataInode"] and user_keys("15")[-1] == "quarantined"


def test_runtime_flags_format_on_8_and_later():
    assert f"        {READ_CONTACTS}: granted=true, flags=[ USER_SET ]" in package_block(phone_for("8.1"))
    assert (f"        {READ_CONTACTS}: granted=true, flags=[ USER_SET|USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED]"
            in package_block(phone_for("11")))


def test_a_user_block_for_every_user_even_without_the_package():
    phone = shipped("consumer-whatsapp")
    text = out(phone, f"dumpsys package {W4B}")
    assert "    User 0: ceDataInode=0 installed=false" in text
    assert "    User 10: ceDataInode=" in text and "    User 150: ceDataInode=0 installed=false" in text
    user0 = text.split("    User 0:", 1)[1].split("    User 10:", 1)[0]
    assert "      firstInstallTime=1970-01-01 01:00:00" in user0
    assert f"        {READ_CONTACTS}: granted=false\n" in user0


def test_whatsapp_flags_and_allow_backup():
    assert "    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP KILL_AFTER_RESTORE RESTORE_ANY_VERSION ]" in package_block(phone_for("14"))


def test_not_installed_package():
    assert out(phone_for("13"), "dumpsys package com.example.none") == "Unable to find package: com.example.none\n"
    old = out(phone_for("12"), "dumpsys package com.example.none")
    assert "Package [" not in old and "Packages:" not in old


def test_unknown_service_is_reported_on_stderr_with_exit_0():
    result = run(phone_for("14"), "dumpsys nosuch")
    assert (result.stdout, result.stderr, result.status) == (b"", b"Can't find service: nosuch\n", 0)


@pytest.mark.parametrize(("android", "text"), [("10", "2"), ("12", "Pin"), ("13", "Pin"), ("14", "PIN")])
def test_lock_settings_credential_type_case(android, text):
    dump = out(phone_for(android), "dumpsys lock_settings")
    assert f"    CredentialType: {text}\n" in dump
    assert "User State:\n  User 0\n" in dump


def test_dumpsys_account_uses_synthetic_names():
    dump = out(shipped("fresh-noncompliant"), "dumpsys account")
    assert dump.startswith("User UserInfo{0:Owner:4c13}:\n  Accounts: 2\n")
    assert "    Account {name=user1@example.com, type=com.google}\n" in dump
    assert "    Account {name=15550100100, type=com.whatsapp.w4b}\n" in dump


def test_device_policy_dump_and_list_owners():
    phone = shipped("mdm-managed")
    dump = out(phone, "dumpsys device_policy")
    assert "  Device Owner: \n    admin=ComponentInfo{com.example.mdm/com.example.mdm.AdminReceiver}\n" in dump
    assert "    User ID: 0\n" in dump
    assert out(phone, "dpm list-owners") == "1 owner:\nUser  0: admin=com.example.mdm/.AdminReceiver,DeviceOwner\n"
    assert out(phone_for("14"), "dpm list-owners") == "no owners\n"
    assert out(phone_for("12"), "dpm list-owners") == "none\n"


def test_dpm_list_owners_before_12_is_the_java_tool_error():
    result = run(phone_for("11"), "dpm list-owners")
    assert result.status == 1
    assert result.stderr.decode().startswith("usage: dpm [subcommand] [options]\n")
    assert result.stderr.decode().endswith("\nError: unknown command 'list-owners'\n")


def test_dumpsys_backup_first_line():
    assert out(shipped("fresh-noncompliant"), "dumpsys backup").startswith(
        "Backup Manager is enabled / provisioned / not pending init\n")
