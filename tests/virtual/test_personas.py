"""Shipped personas: load, instantiate independently, answer every audit command, and parse back."""

from __future__ import annotations

import pytest

from android_helpers import NOW, W4B, out, run, shipped
from wa_harden import commands
from wa_harden.facts import ContactStats, is_known
from wa_harden.virtual.android import PersonaError, list_personas, load_persona
from wa_harden.virtual.api import NoHooks, ShellContext

REQUIRED = {
    "fresh-noncompliant", "hardened", "consumer-whatsapp", "legacy-oreo", "xiaomi-locked",
    "mdm-managed", "android15-private-space", "coloros", "rooted-modded",
}


def audit_commands(phone) -> list[str]:  # type: ignore[no-untyped-def]
    """Every command the audit's probe table sends to this phone (device, then each user)."""
    from wa_harden.probes import Scope, commands_for

    lines = commands_for(Scope.DEVICE)
    for user_id in phone.state.users:
        lines += commands_for(Scope.USER, user_id)
    return lines


def shell(phone, script: str):  # type: ignore[no-untyped-def]
    from wa_harden.virtual.shell import run_script

    return run_script(script, ShellContext(fs=phone.fs, phone=phone), phone.commands, NoHooks())


def test_every_required_persona_ships():
    assert set(list_personas()) >= REQUIRED


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_persona_answers_every_audit_command(name):
    phone = shipped(name)
    for line in audit_commands(phone):
        outcome = shell(phone, line)
        assert outcome.status is not None, line
        assert outcome.events, line


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_two_instances_are_independent(name):
    persona = load_persona(name)
    first, second = persona.instantiate("VIRT0001", NOW), persona.instantiate("VIRT0002", NOW)
    before = out(second, f"dumpsys package {W4B}")
    run(first, "settings put global package_verifier_enable 0")
    run(first, "bmgr enable false")
    first.state.oem_switches.update({"usb_debugging_security": True, "permission_monitoring_disabled": True})
    for user_id in first.state.users:
        run(first, f"pm revoke --user {user_id} {W4B} android.permission.READ_CONTACTS")
    first.fs.write_file("/storage/emulated/0/marker", b"x")
    assert out(second, f"dumpsys package {W4B}") == before
    assert out(second, "settings get global package_verifier_enable") != "0\n"
    assert not second.fs.exists("/storage/emulated/0/marker")
    assert second.state.oem_switches.get("usb_debugging_security") in (None, False)


def shell_text(outcome) -> str:  # type: ignore[no-untyped-def]
    return b"".join(e.data for e in outcome.events if hasattr(e, "data")).decode()


def test_fresh_noncompliant_storage_has_only_whatsapps_own_nomedia():
    phone = shipped("fresh-noncompliant")
    root = "/storage/emulated/0/Android/media/com.whatsapp.w4b/WhatsApp Business"
    media = f"{root}/Media"
    found = set(shell_text(shell(phone, commands.find_nomedia(root))).splitlines())
    assert found == {
        f"{root}/.Shared/.nomedia",
        f"{media}/WhatsApp Business Voice Notes/.nomedia",
        f"{media}/WhatsApp Business Video Notes/.nomedia",
        f"{media}/WhatsApp Business Stickers/.nomedia",
        f"{media}/.Statuses/.nomedia",
        f"{media}/.Links/.nomedia",
    }
    for folder in ("Images", "Video", "Documents", "Audio", "Animated Gifs"):
        assert phone.fs.exists(f"{media}/WhatsApp Business {folder}/Private/.nomedia")
        assert phone.fs.exists(f"{media}/WhatsApp Business {folder}/Sent/.nomedia")
    assert any(name.startswith("IMG-2026") and name.endswith("-WA0001.jpg")
               for name in phone.fs.listdir(f"{media}/WhatsApp Business Images"))


def test_hardened_hides_every_media_folder_and_legacy_oreo_uses_the_legacy_tree():
    hardened = shipped("hardened")
    media = "/storage/emulated/0/Android/media/com.whatsapp.w4b/WhatsApp Business/Media"
    for folder in hardened.fs.listdir(media):
        assert hardened.fs.exists(f"{media}/{folder}/.nomedia"), folder
    legacy = shipped("legacy-oreo")
    assert legacy.fs.is_dir("/storage/emulated/0/WhatsApp Business/Media/WhatsApp Business Images")
    assert not legacy.fs.exists("/storage/emulated/0/Android/media/com.whatsapp.w4b")


def test_touch_in_the_shell_is_seen_by_the_next_find():
    phone = shipped("fresh-noncompliant")
    root = "/storage/emulated/0/Android/media/com.whatsapp.w4b/WhatsApp Business"
    nomedia = f"{root}/Media/WhatsApp Business Images/.nomedia"
    assert nomedia not in shell_text(shell(phone, commands.find_nomedia(root)))
    shell(phone, "touch " + commands.quote(nomedia))
    assert nomedia in shell_text(shell(phone, commands.find_nomedia(root)))


def test_outputs_parse_into_the_personas_facts():
    from wa_harden.parse.contacts import parse_content_raw_contacts
    from wa_harden.parse.dumpsys_package import parse_dumpsys_package
    from wa_harden.parse.users import parse_pm_list_users

    phone = shipped("consumer-whatsapp")
    users = parse_pm_list_users(out(phone, "pm list users"))
    assert [u.user_id for u in users] == [0, 10, 150]
    dump = parse_dumpsys_package(out(phone, f"dumpsys package {W4B}"), W4B)
    assert is_known(dump) and dump.installed_users() == (10,)
    assert dump.users[10].runtime_permissions["android.permission.READ_CONTACTS"].granted is True
    stats = parse_content_raw_contacts(out(phone, commands.content_raw_contacts(10)))
    assert stats == ContactStats(by_account_type={"com.google": 60, "com.whatsapp.w4b": 25})


def write(tmp_path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


def test_validation_names_the_file_and_key(tmp_path):
    path = write(tmp_path, 'name = "x"\n[device]\noem = "google"\nandroid = "14"\nsecurity_patch_age_days = "old"\n')
    with pytest.raises(PersonaError) as error:
        load_persona(path)
    assert str(error.value) == f"{path}: device.security_patch_age_days: expected an integer from 0 to 36500 (days), got 'old'"


def test_validation_of_unknown_keys_missing_keys_and_bad_users(tmp_path):
    cases = {
        'name = "x"\n[device]\noem = "google"\nandroid = "14"\ncolour = "red"\n': "device.colour",
        'name = "x"\n[device]\noem = "nokia"\nandroid = "14"\n': "device.oem",
        'name = "x"\n[device]\noem = "google"\n': "device.android",
        'name = "x"\n[device]\noem = "google"\nandroid = "14"\n[[apps]]\npackage = "com.whatsapp"\nusers = [10]\n': "apps[0].users",
        'name = "x"\n[device]\noem = "google"\nandroid = "14"\n[[apps]]\npackage = "com.whatsapp"\ncontacts = "yes"\n': "apps[0].contacts",
        'name = "x"\n[device]\noem = "google"\nandroid = "14"\n[[users]]\nid = 10\nkind = "secondary"\n': "users",
    }
    for text, key in cases.items():
        with pytest.raises(PersonaError) as error:
            load_persona(write(tmp_path, text))
        assert error.value.key == key, text
        assert error.value.source == str(tmp_path / "bad.toml")


# --- what the new checks read, persona by persona ---------------------------------------------------

QUERY = commands.APPOPS_INSTALL_SOURCES
RAW = {
    "getprop ro.boot.verifiedbootstate": {"hardened": "green", "rooted-modded": "orange"},
    "getprop ro.boot.flash.locked": {"hardened": "1", "rooted-modded": "0"},
    "settings get global adb_wifi_enabled": {"hardened": "0", "rooted-modded": "1", "legacy-oreo": "null"},
    QUERY: {"hardened": "No operations.\nwa-harden:end", "fresh-noncompliant": "com.android.chrome\nwa-harden:end",
            "mdm-managed": "com.android.chrome\nwa-harden:end", "rooted-modded": "com.android.chrome\nwa-harden:end"},
    "settings --user 0 get secure enabled_accessibility_services": {
        "hardened": "null", "fresh-noncompliant": "null",
        "rooted-modded": "com.example.autoreply/com.example.autoreply.ChatReaderService"},
    "settings --user 0 get secure enabled_notification_listeners": {
        "hardened": "com.google.android.apps.nexuslauncher/com.android.launcher3.notification.NotificationListener:"
                    "com.google.android.as/com.google.android.apps.miphone.aiai.common.notification.service."
                    "AiAiNotificationListenerService",
        "consumer-whatsapp": "com.example.watchlink/com.example.watchlink.NotificationMirrorService"},
    "settings --user 0 get secure lock_screen_allow_private_notifications": {
        "hardened": "0", "fresh-noncompliant": "1", "rooted-modded": "1"},
    "settings --user 0 get secure lock_screen_lock_after_timeout": {"hardened": "0", "fresh-noncompliant": "null"},
    "settings --user 0 get system screen_off_timeout": {"hardened": "60000", "fresh-noncompliant": "30000",
                                                        "rooted-modded": "600000"},
}


@pytest.mark.parametrize("line", sorted(RAW))
def test_personas_answer_what_the_new_checks_read(line):
    from android_helpers import sh

    for name, expected in RAW[line].items():
        assert sh(shipped(name), line)[0].strip() == expected, (name, line)


def test_rooted_modded_has_root_mods_and_a_forged_debuggable_whatsapp():
    from wa_harden.parse.dumpsys_package import parse_dumpsys_package
    from wa_harden.parse.packages import parse_pm_list_packages

    phone = shipped("rooted-modded")
    listed = {p.package: p for p in parse_pm_list_packages(out(phone, commands.pm_list_packages(0)))}  # type: ignore[union-attr]
    assert {"com.topjohnwu.magisk", "com.gbwhatsapp", "com.lbe.parallel.intl", "com.example.autoreply"} <= set(listed)
    assert listed["com.gbwhatsapp"].installer == "com.google.android.packageinstaller"
    assert listed[W4B].installer == "com.android.vending"  # the forged name, as pm prints it
    dump = parse_dumpsys_package(out(phone, commands.dumpsys_package(W4B)), W4B)
    assert (dump.installer, dump.initiating_installer, dump.package_source) == \
        ("com.android.vending", "com.android.shell", 1)  # type: ignore[union-attr]
    assert "DEBUGGABLE" in dump.flags and dump.version_name.startswith("2.23.")  # type: ignore[union-attr]


def test_hardened_whatsapp_is_current_and_from_play_started_by_play():
    from wa_harden.parse.dumpsys_package import parse_dumpsys_package

    dump = parse_dumpsys_package(out(shipped("hardened"), commands.dumpsys_package(W4B)), W4B)
    assert (dump.installer, dump.initiating_installer, dump.package_source) == \
        ("com.android.vending", "com.android.vending", 0)  # type: ignore[union-attr]
    assert "DEBUGGABLE" not in dump.flags  # type: ignore[union-attr]
    assert dump.version_name == f"2.{NOW.year % 100}.30.74"  # type: ignore[union-attr]


def test_unknown_persona_name():
    with pytest.raises(PersonaError, match="a shipped persona"):
        load_persona("no-such-persona")
