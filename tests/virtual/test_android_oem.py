"""Xiaomi (MIUI/HyperOS) without "USB debugging (Security settings)" and OPPO/OnePlus/realme
(ColorOS/OxygenOS) without "Disable permission monitoring": the shell is refused what a fix writes
(grant, revoke, permission flags, secure and global settings), in the words and banner of the
phone's Android; reading stays allowed, and nothing changes until the switch is on."""

from __future__ import annotations

import pytest

from android_helpers import READ_CONTACTS, W4B, phone_for, run, shipped

SWITCHES = {"xiaomi": "usb_debugging_security", "oppo": "permission_monitoring_disabled"}
GRANT = "android.permission.GRANT_RUNTIME_PERMISSIONS"
REVOKE = "android.permission.REVOKE_RUNTIME_PERMISSIONS"
WRITE_SECURE = "Permission denial: writing to settings requires:android.permission.WRITE_SECURE_SETTINGS"


def _refused_with(phone, line: str, message: str) -> str:
    """Run a refused write: exit 255 (Java ``Pm``: 1), the message in the stack, nothing changed."""
    before = phone.snapshot()
    result = run(phone, line)
    assert result.stdout == b"" and result.status in (1, 255), result
    text = result.stderr.decode()
    assert f"java.lang.SecurityException: {message}\n" in text, text
    assert phone.snapshot() == before, "\n".join(before.diff(phone.snapshot()))
    return text


# The two shipped personas: HyperOS on Android 14 (Kotlin service), ColorOS on Android 11.
PERSONAS = [
    ("xiaomi-locked", "usb_debugging_security",
     "updatePermissionFlags: Neither user 2000 nor current process has any of "
     f"{GRANT}, {REVOKE}"),
    ("coloros", "permission_monitoring_disabled",
     f"updatePermissionFlags requires {GRANT} or {REVOKE}"),
]


@pytest.mark.parametrize(("persona", "switch", "flags_refusal"), PERSONAS)
def test_shipped_personas_refuse_every_write_of_a_fix_and_allow_reading(persona, switch, flags_refusal):
    phone = shipped(persona)
    revoke = _refused_with(phone, f"pm revoke --user 0 {W4B} {READ_CONTACTS}",
                           f"revokeRuntimePermission: Neither user 2000 nor current process has {REVOKE}.")
    assert revoke.startswith("\nException occurred while executing 'revoke':\n")
    grant = _refused_with(phone, f"pm grant --user 0 {W4B} {READ_CONTACTS}",
                          f"grantRuntimePermission: Neither user 2000 nor current process has {GRANT}.")
    assert grant.startswith("\nException occurred while executing 'grant':\n")
    _refused_with(phone, f"pm set-permission-flags --user 0 {W4B} {READ_CONTACTS} user-set user-fixed",
                  flags_refusal)
    _refused_with(phone, f"pm clear-permission-flags --user 0 {W4B} {READ_CONTACTS} user-fixed", flags_refusal)
    put = _refused_with(phone, "settings put --user 0 secure lock_screen_allow_private_notifications 0",
                        WRITE_SECURE)
    assert put.startswith("\nException occurred while executing 'put':\n")
    assert "\tat com.android.providers.settings.SettingsProvider.enforceWritePermission(" in put
    assert "\tat com.android.providers.settings.SettingsProvider.mutateSecureSetting(" in put
    global_put = _refused_with(phone, "settings put global adb_wifi_enabled 1", WRITE_SECURE)
    assert "SettingsProvider.insertGlobalSetting(" in global_put
    _refused_with(phone, "settings delete secure lock_screen_show_notifications", WRITE_SECURE)
    # reading is allowed, and so is a system setting (WRITE_SETTINGS, which the shell keeps)
    assert run(phone, "settings get secure lock_screen_allow_private_notifications").stdout == b"1\n"
    assert run(phone, "settings list secure").status == 0
    assert run(phone, f"dumpsys package {W4B}").status == 0
    assert run(phone, "pm list packages --user 0").status == 0
    assert run(phone, "settings put system screen_off_timeout 60000").status == 0
    # with the switch on, the same writes go through
    phone.state.oem_switches[switch] = True
    for line in (f"pm revoke --user 0 {W4B} {READ_CONTACTS}",
                 f"pm set-permission-flags --user 0 {W4B} {READ_CONTACTS} user-set user-fixed",
                 "settings put --user 0 secure lock_screen_allow_private_notifications 0"):
        result = run(phone, line)
        assert (result.stderr, result.status) == (b"", 0), line
    assert run(phone, "settings get secure lock_screen_allow_private_notifications").stdout == b"0\n"
    assert not phone.state.packages[W4B].users[0].runtime[READ_CONTACTS].granted


@pytest.mark.parametrize("oem", ["xiaomi", "oppo"])
@pytest.mark.parametrize("android", ["8.1", "10", "11", "13", "14", "15"])
def test_refusals_in_each_generations_banner(oem, android):
    phone = phone_for(android, oem=oem)
    message = f"revokeRuntimePermission: Neither user 2000 nor current process has {REVOKE}."
    text = _refused_with(phone, f"pm revoke {W4B} {READ_CONTACTS}", message)
    result = run(phone, f"pm revoke {W4B} {READ_CONTACTS}")
    if android == "8.1":  # Java Pm: "Operation not allowed", exit 1 (MIUI 10 on a Redmi 5 Plus)
        assert result.status == 1 and text == f"Operation not allowed: java.lang.SecurityException: {message}\n"
    elif android == "10":  # ShellCommand's SecurityException banner (ColorOS 7 on a Realme C3)
        assert result.status == 255 and text.startswith(f"Security exception: {message}\n\n")
    else:
        assert result.status == 255 and text.startswith("\nException occurred while executing 'revoke':\n")
    settings = _refused_with(phone, "settings put secure lock_screen_show_notifications 0", WRITE_SECURE)
    if android in ("8.1", "10"):
        assert settings.startswith(f"Security exception: {WRITE_SECURE}\n\n")
    else:
        assert settings.startswith("\nException occurred while executing 'put':\n")
    if android not in ("8.1", "10"):
        flags = "updatePermissionFlags: Neither user 2000 nor current process has any of" \
            if android in ("14", "15") else "updatePermissionFlags requires"
        assert flags in run(phone, f"pm set-permission-flags {W4B} {READ_CONTACTS} user-fixed").stderr.decode()
    phone.state.oem_switches[SWITCHES[oem]] = True
    assert run(phone, f"pm revoke {W4B} {READ_CONTACTS}").status == 0
    assert run(phone, "settings put secure lock_screen_show_notifications 0").status == 0


@pytest.mark.parametrize("oem", ["google", "samsung", "generic"])
def test_other_makers_do_not_refuse(oem):
    phone = phone_for("14", oem=oem)
    for line in (f"pm revoke {W4B} {READ_CONTACTS}", f"pm set-permission-flags {W4B} {READ_CONTACTS} user-fixed",
                 "settings put secure lock_screen_show_notifications 0"):
        assert run(phone, line).status == 0, line


@pytest.mark.parametrize("android", ["8.1", "10", "11", "13", "14", "15"])
def test_a_refused_profile_fails_before_the_oem_switch_from_11(android):
    """From 11 ``pm`` resolves ``--user`` (handleIncomingUser) before the permission service runs;
    up to 10 the service checks the caller's permission before the user."""
    users = [{"id": 0, "kind": "system"}, {"id": 150, "kind": "secure-folder"}]
    text = run(phone_for(android, oem="xiaomi", users=users), f"pm revoke --user 150 {W4B} {READ_CONTACTS}").stderr
    if android in ("8.1", "10"):
        assert b"Neither user 2000 nor current process has" in text
    else:
        assert b"Shell does not have permission to access user 150" in text
