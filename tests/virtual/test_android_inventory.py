"""What is installed and how: the full ``pm list packages -f`` of each maker and generation, and the
install-source, debuggable and version fields of ``dumpsys package``."""

from __future__ import annotations

import pytest

from android_helpers import NOW, W4B, out, phone_for, run, shipped
from wa_harden import commands
from wa_harden.parse.dumpsys_package import parse_dumpsys_package
from wa_harden.parse.packages import parse_pm_list_packages
from wa_harden.virtual.android.output import array_map_order, hash_map_order, java_hash

BASE = {"android", "com.android.shell", "com.android.settings", "com.android.systemui", "com.android.vending",
        "com.google.android.gms", "com.android.providers.contacts"}
LAUNCHER_AND_KEYBOARD = {
    "google": {"com.google.android.apps.nexuslauncher", "com.google.android.inputmethod.latin"},
    "samsung": {"com.sec.android.app.launcher", "com.samsung.android.honeyboard", "com.samsung.knox.securefolder"},
    "xiaomi": {"com.miui.home", "com.google.android.inputmethod.latin", "com.miui.securitycenter"},
    "oppo": {"com.android.launcher", "com.google.android.inputmethod.latin", "com.coloros.safecenter"},
    "generic": {"com.android.launcher3", "com.google.android.inputmethod.latin"},
}


def listing(phone, user: int = 0):  # type: ignore[no-untyped-def]
    packages = parse_pm_list_packages(out(phone, commands.pm_list_packages(user)))
    return {p.package: p for p in packages}  # type: ignore[union-attr]


@pytest.mark.parametrize("oem", sorted(LAUNCHER_AND_KEYBOARD))
def test_every_maker_lists_a_realistic_base_set_of_system_packages(oem):
    listed = listing(phone_for("14", oem=oem))
    assert BASE | LAUNCHER_AND_KEYBOARD[oem] | {W4B} <= set(listed)
    assert listed["com.android.shell"].path == "/system/priv-app/Shell/Shell.apk"
    assert listed["android"].path == "/system/framework/framework-res.apk"
    assert (listed["com.android.shell"].uids, listed["com.android.shell"].installer) == ((2000,), None)
    assert listed["com.android.vending"].installer == "com.android.vending"  # updated from Play


def test_system_paths_follow_the_partitions_of_each_generation():
    old, new = listing(phone_for("8.1")), listing(phone_for("14"))
    assert old["com.android.systemui"].path == "/system/priv-app/SystemUI/SystemUI.apk"
    assert new["com.android.systemui"].path == "/system_ext/priv-app/SystemUI/SystemUI.apk"
    assert new["com.google.android.permissioncontroller"].path.startswith("/apex/com.android.permission/priv-app/")
    assert "com.google.android.permissioncontroller" not in old  # a module from Android 10
    # updated system apps and installed apps run from /data/app, in each generation's style
    assert old["com.android.vending"].path.startswith("/data/app/com.android.vending-")
    assert new["com.android.vending"].path.startswith("/data/app/~~")
    assert new[W4B].path.endswith("/base.apk") and "/~~" in new[W4B].path


def test_listing_order_is_arraymap_up_to_12_and_hashmap_from_13():
    for android in ("9", "12"):
        names = [line.rsplit("=", 1)[-1] for line in out(phone_for(android), "pm list packages -f").split()]
        assert names == array_map_order(names) and [java_hash(n) for n in names] == sorted(map(java_hash, names))
    for android in ("13", "14"):
        lines = out(phone_for(android), "pm list packages --user 0 -f").splitlines()
        assert lines == hash_map_order(lines) and lines != sorted(lines)


def test_java_hash_and_hash_map_order_match_java():
    assert (java_hash("hello"), java_hash("no_sms")) == (99162322, -1040305701)
    assert hash_map_order(["b", "a", "c"]) == ["a", "b", "c"]  # tiny keys: bucket = code point


def test_a_restricted_user_still_refuses_the_listing():
    phone = phone_for("14", users=[{"id": 0, "kind": "system"}, {"id": 150, "kind": "secure-folder"}])
    result = run(phone, commands.pm_list_packages(150))
    assert (result.stdout, result.status) == (b"", 255)
    assert "java.lang.SecurityException: Shell does not have permission to access user 150" in result.stderr.decode()


def test_a_work_profile_lists_its_own_packages_with_its_uids():
    phone = phone_for("14", users=[{"id": 0, "kind": "system"}, {"id": 10, "kind": "work-profile"}],
                      apps=[{"package": W4B, "users": [10]}])
    work = listing(phone, 10)
    assert W4B in work and W4B not in listing(phone, 0)
    assert work["com.android.shell"].uids == (1002000,)


# --- dumpsys package: install source, debuggable, version ---------------------------------------------


def dump(phone, package: str = W4B):  # type: ignore[no-untyped-def]
    return parse_dumpsys_package(out(phone, f"dumpsys package {package}"), package)


def installer_lines(phone, package: str = W4B) -> list[str]:  # type: ignore[no-untyped-def]
    keys = ("installerPackageName", "installerPackageUid", "initiatingPackageName", "originatingPackageName",
            "updateOwnerPackageName", "packageSource")
    return [line.strip() for line in out(phone, f"dumpsys package {package}").splitlines()
            if line.strip().split("=")[0] in keys]


def test_adb_install_with_a_forged_installer_name_on_14():
    phone = phone_for("14", apps=[{"package": W4B, "install_source": "adb", "installer": "com.android.vending"}])
    assert installer_lines(phone) == ["installerPackageName=com.android.vending", "installerPackageUid=10139",
                                      "initiatingPackageName=com.android.shell", "originatingPackageName=null",
                                      "packageSource=1"]
    parsed = dump(phone)
    assert (parsed.installer, parsed.initiating_installer, parsed.package_source) == \
        ("com.android.vending", "com.android.shell", 1)
    # before 14 the dump has only the installer name: the forgery cannot be seen
    assert installer_lines(phone_for("13", apps=[{"package": W4B, "install_source": "adb",
                                                  "installer": "com.android.vending"}])) == \
        ["installerPackageName=com.android.vending", "packageSource=1"]


def test_plain_adb_install_store_install_and_a_downloaded_apk():
    plain = phone_for("15", apps=[{"package": W4B, "installer": "none"}])
    assert installer_lines(plain) == ["installerPackageName=null", "installerPackageUid=-1",
                                      "initiatingPackageName=com.android.shell", "originatingPackageName=null",
                                      "packageSource=1"]
    store = phone_for("15")
    assert installer_lines(store) == ["installerPackageName=com.android.vending", "installerPackageUid=10139",
                                      "initiatingPackageName=com.android.vending", "originatingPackageName=null",
                                      "updateOwnerPackageName=com.android.vending", "packageSource=0"]
    downloaded = phone_for("14", apps=[{"package": W4B, "install_source": "package-installer",
                                        "originating_installer": "com.android.chrome"}])
    assert installer_lines(downloaded) == [
        "installerPackageName=com.google.android.packageinstaller", "installerPackageUid=10046",
        "initiatingPackageName=com.google.android.packageinstaller", "originatingPackageName=com.android.chrome",
        "packageSource=4"]


def test_a_debuggable_build_has_the_flag_where_android_prints_it():
    phone = phone_for("14", apps=[{"package": W4B, "debuggable": True}])
    text = out(phone, f"dumpsys package {W4B}")
    assert "    flags=[ DEBUGGABLE HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP KILL_AFTER_RESTORE RESTORE_ANY_VERSION ]\n" \
           in text
    assert "    pkgFlags=[ DEBUGGABLE HAS_CODE " in text
    assert "DEBUGGABLE" in dump(phone).flags and "DEBUGGABLE" not in dump(phone_for("14")).flags


def test_whatsapp_is_current_relative_to_now_unless_a_persona_pins_an_old_version():
    current = dump(phone_for("14"))
    assert current.version_name == f"2.{NOW.year % 100}.30.74" and current.version_code == 263007412
    old = dump(shipped("rooted-modded"))
    assert (old.version_name, old.version_code, old.target_sdk) == ("2.23.24.84", 232408412, 33)
    assert (NOW - old.last_update_time).days < 7  # an old release, installed again recently
