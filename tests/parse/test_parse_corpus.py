"""Every real output in ../shared/corpus parses to a known fact, and a few are checked in detail.

The expected values below were read from the corpus files; the files themselves stay outside the
project.  Tests skip when the corpus is absent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import corpus_files, read_corpus
from wa_harden.facts import (
    AccountSummary,
    AndroidUser,
    AppOp,
    BackupTransports,
    Gap,
    Owners,
    PermissionGrant,
    Unknown,
    UserKind,
)
from wa_harden.parse import (
    parse_appops_get,
    parse_bmgr_enabled,
    parse_bmgr_transports,
    parse_dumpsys_account,
    parse_dumpsys_appops,
    parse_dumpsys_device_policy,
    parse_dumpsys_package,
    parse_dumpsys_package_all,
    parse_getprop,
    parse_pm_list_packages,
    parse_pm_list_users,
    parse_settings_list,
)

_PACKAGE_NAME_RE = re.compile(r"Package \[([^\]]+)\]|Unable to find package: (\S+)")


def _parse_package_dump(text: str) -> Any:
    """dumpsys/pm dump of one package: the package asked for is the one the file names."""
    match = _PACKAGE_NAME_RE.search(text)
    assert match, "the corpus file names no package"
    return parse_dumpsys_package(text, match.group(1) or match.group(2))


FAMILIES: dict[str, Callable[[str], Any]] = {
    "appops_get": parse_appops_get,
    "appops_get_op": parse_appops_get,
    "bmgr_enabled": parse_bmgr_enabled,
    "bmgr_list_transports": parse_bmgr_transports,
    "dumpsys_account": parse_dumpsys_account,
    "dumpsys_appops": parse_dumpsys_appops,
    "dumpsys_device_policy": parse_dumpsys_device_policy,
    "dumpsys_package_all": parse_dumpsys_package_all,
    "dumpsys_package_pkg": _parse_package_dump,
    "getprop": parse_getprop,
    "pm_dump_pkg": _parse_package_dump,
    "pm_list_packages": parse_pm_list_packages,
    "pm_list_packages_f": parse_pm_list_packages,
    "pm_list_packages_versioncode": parse_pm_list_packages,
    "pm_list_users": parse_pm_list_users,
    "settings_list_global": parse_settings_list,
    "settings_list_secure": parse_settings_list,
    "settings_list_system": parse_settings_list,
}

# Files that record a failure or an absence; their expected value is checked below.
ERROR_SAMPLES = {
    "issue-seedvault-77-aosp10-secondary-user-error__android10.txt": Unknown(
        Gap.COMMAND_FAILED, "Error: Could not access the Backup Manager.  Is the system running?"
    ),
    "funnyenglish-not-installed__unknown.txt": None,
    # A trimmed test fixture (its .src says so): only the 'Packages:' block, so the output ends
    # inside the package's block, which in a real dump means the dump was cut short.
    "appium-adb-getPackageInfo-fixture__unknown-likely7.txt": Unknown(
        Gap.UNPARSEABLE, "the dump ends inside the block of com.example.testapp.first (cut short)"
    ),
}

ALL_FILES = [(family, path) for family in sorted(FAMILIES) for path in corpus_files(family)]


@pytest.mark.parametrize(("family", "path"), ALL_FILES, ids=[f"{f}/{p.name}" for f, p in ALL_FILES])
def test_every_corpus_file_parses(family: str, path: Path) -> None:
    result = FAMILIES[family](read_corpus(path))
    if path.name in ERROR_SAMPLES:
        assert result == ERROR_SAMPLES[path.name]
    else:
        assert result is not None and not isinstance(result, Unknown)


def test_every_family_folder_has_a_parser(corpus: Path) -> None:
    folders = {p.name for p in corpus.iterdir() if p.is_dir()}
    assert folders <= set(FAMILIES)


def _read(corpus: Path, family: str, name: str) -> str:
    return read_corpus(corpus / family / name)


# --- getprop ------------------------------------------------------------------------------------


def test_getprop_pixel_8_pro_android_16(corpus: Path) -> None:
    info = parse_getprop(_read(corpus, "getprop", "hands-on-metal-pixel8pro-husky__android16.txt"))
    assert (info.sdk, info.release, info.security_patch) == (36, "16", date(2026, 3, 5))
    assert (info.manufacturer, info.brand, info.model, info.device) == (
        "Google",
        "google",
        "Pixel 8 Pro",
        "husky",
    )
    assert info.fingerprint == "google/husky/husky:16/CP1A.260305.018/14887507:user/release-keys"
    assert (info.crypto_state, info.crypto_type, info.serialno) == ("encrypted", "file", None)


def test_getprop_multiline_value_and_old_box(corpus: Path) -> None:
    oneplus = parse_getprop(
        _read(corpus, "getprop", "device_oneplus_billie-n10-tmo__android11.txt")
    )
    assert oneplus.props["persist.sys.boot.reason.history"] == (
        "reboot,ota,1691858645\nreboot,unattended,ota_update,1691858601\nreboot,ota,1691857091"
    )
    assert (oneplus.sdk, oneplus.model, oneplus.security_patch) == (30, "BE2028", date(2023, 7, 5))
    box = parse_getprop(_read(corpus, "getprop", "multibox-rk322x-tvbox__android7.1.2.txt"))
    assert (box.sdk, box.crypto_state, box.crypto_type) == (25, "unencrypted", None)
    allwinner = parse_getprop(
        _read(corpus, "getprop", "linknlink-allwinner-ceres-c3__android10.txt")
    )
    assert allwinner.brand == "Allwinner"  # ro.product.brand is empty: from ro.product.vendor.brand


# --- users and packages -------------------------------------------------------------------------


def test_pm_list_users_samsung_secure_folder(corpus: Path) -> None:
    text = _read(corpus, "pm_list_users", "issue-adb_client-99-samsung-securefolder__unknown.txt")
    assert parse_pm_list_users(text) == (
        AndroidUser(0, UserKind.SYSTEM, 0x4C13, True),
        AndroidUser(150, UserKind.SECURE_FOLDER, 0x10061030, True),
    )


def test_pm_list_users_secondary_user(corpus: Path) -> None:
    text = _read(corpus, "pm_list_users", "issue-flutter-pr58815-owner-jane__unknown.txt")
    assert parse_pm_list_users(text) == (
        AndroidUser(0, UserKind.SYSTEM, 0x13, True),
        AndroidUser(10, UserKind.SECONDARY, 0x10, True),
    )


def test_pm_list_packages_families(corpus: Path) -> None:
    plain = parse_pm_list_packages(
        _read(corpus, "pm_list_packages", "gwm-haval-h6gt-headunit__android9.txt")
    )
    assert len(plain) == 137 and plain[0].package == "com.android.cts.priv.ctsshim"
    with_paths = parse_pm_list_packages(
        _read(corpus, "pm_list_packages_f", "xiaomi-pad6-pipa-hyperos2__android14.txt")
    )
    assert len(with_paths) == 322
    app_manager = next(p for p in with_paths if p.package == "io.github.muntashirakon.AppManager")
    assert app_manager.path == (
        "/data/app/~~bt-GwgDT0B0WlSsvXrZynw==/"
        "io.github.muntashirakon.AppManager-Vgj7nt0khQox6qBv7ngwMQ==/base.apk"
    )
    versions = parse_pm_list_packages(
        _read(corpus, "pm_list_packages_versioncode", "appium-adb-unit-mock__unknown.txt")
    )
    assert {p.package: p.version_code for p in versions}["com.android.chrome"] == 636771932


# --- dumpsys package ----------------------------------------------------------------------------


def test_coloros_package_installed_by_whatsapp(corpus: Path) -> None:
    text = _read(
        corpus, "dumpsys_package_pkg", "manet-oppo-coloros-installer-whatsapp__unknown-likely11.txt"
    )
    dump = parse_dumpsys_package(text, "com.example.pkmproject")
    assert (dump.app_id, dump.installer, dump.version_code, dump.target_sdk) == (
        10441,
        "com.whatsapp",
        1,
        36,
    )
    assert dump.first_install_time == datetime(2026, 1, 6, 19, 50, 14)
    assert "ALLOW_BACKUP" in dump.flags and len(dump.requested_permissions) == 18
    assert sorted(dump.users) == [0, 999]
    assert dump.installed_users() == (0,)
    fine = dump.users[0].runtime_permissions["android.permission.ACCESS_FINE_LOCATION"]
    assert fine == PermissionGrant(
        "android.permission.ACCESS_FINE_LOCATION",
        True,
        frozenset(
            {"USER_SET", "USER_SENSITIVE_WHEN_GRANTED", "USER_SENSITIVE_WHEN_DENIED", "524288"}
        ),
    )
    assert dump.users[999].installed is False and dump.users[999].runtime_permissions == {}


def test_samsung_play_install_with_per_user_install_times(corpus: Path) -> None:
    text = _read(
        corpus, "dumpsys_package_pkg", "blop-samsung-play-installed-utf16__unknown-likely15or16.txt"
    )
    dump = parse_dumpsys_package(text, "com.benschwank.blop")
    assert (dump.app_id, dump.version_code, dump.version_name) == (10614, 766, "3.15.4.67")
    assert (dump.installer, dump.initiating_installer, dump.update_owner) == (
        "com.android.vending",
        "com.android.vending",
        "com.android.vending",
    )
    assert (dump.originating_installer, dump.package_source, dump.first_install_time) == (
        None,
        0,
        None,
    )
    assert dump.users[0].first_install_time == datetime(2026, 4, 14, 11, 23, 36)
    assert dump.users[10].first_install_time == datetime(1970, 1, 1, 1, 0, 0)
    assert (dump.users[0].installed, dump.users[10].installed, dump.users[0].hidden) == (
        True,
        False,
        False,
    )


def test_headless_automotive_user_10(corpus: Path) -> None:
    text = _read(
        corpus,
        "dumpsys_package_pkg",
        "cockpit-ui-aaos-emulator-headless-utf16__unknown-likely14or15.txt",
    )
    dump = parse_dumpsys_package(text, "com.wheelchair.cockpit")
    assert dump.installed_users() == (10,)
    assert dump.users[10].runtime_permissions[
        "android.car.permission.CAR_SPEED"
    ] == PermissionGrant("android.car.permission.CAR_SPEED", True, frozenset({"USER_SET"}))
    assert (dump.installer, dump.initiating_installer, dump.package_source) == (
        None,
        "com.android.shell",
        1,
    )


def test_first_block_not_the_hidden_system_copy(corpus: Path) -> None:
    memfault = parse_dumpsys_package(
        _read(corpus, "dumpsys_package_pkg", "memfault-bort-usagereporter__unknown.txt"),
        "com.memfault.usagereporter",
    )
    assert (
        memfault.version_name == "2.7.1+0-DEV-144c8b06b" and "UPDATED_SYSTEM_APP" in memfault.flags
    )
    wear = parse_dumpsys_package(
        _read(corpus, "dumpsys_package_pkg", "tekartik-android_utils-example1__unknown-wearos.txt"),
        "com.tekartik.package1",
    )
    assert (wear.version_code, wear.installer) == (20, "com.android.vending")


def test_indented_fixture_and_android_8_pm_dump(corpus: Path) -> None:
    # The fixture is trimmed after its block; the section a real dump prints next is added back.
    appium = parse_dumpsys_package(
        _read(
            corpus, "dumpsys_package_pkg", "appium-adb-getPackageInfo-fixture__unknown-likely7.txt"
        )
        + "\nDexopt state:\n",
        "com.example.testapp.first",
    )
    assert (appium.app_id, appium.target_sdk, sorted(appium.users)) == (10225, 24, [0])
    assert appium.first_install_time == datetime(2016, 11, 3, 1, 12, 9)
    swisscom = parse_dumpsys_package(
        _read(corpus, "pm_dump_pkg", "python-adb-client-swisscom-tvbox__android8.txt"),
        "com.swisscom.android.tv.library",
    )
    assert (swisscom.app_id, swisscom.version_code, swisscom.version_name) == (1000, 9, "10.2.0")
    assert (len(swisscom.requested_permissions), len(swisscom.install_permissions)) == (25, 94)
    assert swisscom.users[0].installed is True


def test_restricted_permissions_and_system_app(corpus: Path) -> None:
    dump = parse_dumpsys_package(
        _read(
            corpus,
            "dumpsys_package_pkg",
            "voboost-qinggan-car-headunit-systemapp__unknown-likely11.txt",
        ),
        "com.voboost.voiceassistant",
    )
    assert "android.permission.READ_EXTERNAL_STORAGE" in dump.requested_permissions
    assert dump.users[0].enabled == 1 and "SYSTEM" in dump.flags


def test_full_dumps(corpus: Path) -> None:
    sizes = {
        "multibox-rk322x-tvbox__android7.1.2.txt": 84,
        "mvt-tests-samsung-trimmed__unknown.txt": 2,
        "penumbraos-humane-aipin__android12L.txt": 172,
    }
    for name, size in sizes.items():
        assert len(parse_dumpsys_package_all(_read(corpus, "dumpsys_package_all", name))) == size
    samsung = parse_dumpsys_package_all(
        _read(corpus, "dumpsys_package_all", "mvt-tests-samsung-trimmed__unknown.txt")
    )
    grants = samsung["com.sec.android.app.DataCreate"].users[0].runtime_permissions
    assert grants["android.permission.READ_CONTACTS"].granted is False
    box = parse_dumpsys_package_all(
        _read(corpus, "dumpsys_package_all", "multibox-rk322x-tvbox__android7.1.2.txt")
    )
    changeled = box["com.example.changeled"]
    assert (changeled.app_id, changeled.version_code, changeled.first_install_time) == (
        10002,
        25,
        datetime(2019, 12, 18, 6, 47, 39),
    )


# --- appops, backup, accounts, owners, settings -------------------------------------------------


def test_appops(corpus: Path) -> None:
    sample = parse_appops_get(
        _read(corpus, "appops_get", "isdi-android_permissions-sample__unknown.txt")
    )
    assert len(sample) == 8 and sample[0] == AppOp("VIBRATE", "allow")
    chrome = parse_appops_get(
        _read(corpus, "appops_get_op", "byd-kachi-chrome-uid-mode__android10-emulator.txt")
    )
    assert chrome == (AppOp("COARSE_LOCATION", "foreground", uid_level=True),)
    maps = parse_appops_get(
        _read(corpus, "appops_get_op", "byd-kachi-maps-no-operations__android10-emulator.txt")
    )
    assert maps == ()
    youtube = parse_appops_get(
        _read(
            corpus, "appops_get_op", "byd-kachi-youtube-default-rejecttime__android10-emulator.txt"
        )
    )
    assert youtube == (AppOp("SYSTEM_ALERT_WINDOW", "default"),)


def test_dumpsys_appops_xiaomi(corpus: Path) -> None:
    modes = parse_dumpsys_appops(
        _read(corpus, "dumpsys_appops", "xiaomi-pad6-pipa-hyperos2__android14.txt")
    )
    assert modes["com.whatsapp"]["READ_CONTACTS"] == "allow"
    assert modes["com.whatsapp"]["WRITE_MEDIA_IMAGES"] == "deny"
    assert modes["u0a321"]["CAMERA"] == "foreground"
    assert modes["1000"]["TURN_SCREEN_ON"] == "allow"


def test_backup_transports_seedvault(corpus: Path) -> None:
    text = _read(
        corpus, "bmgr_list_transports", "issue-seedvault-77-aosp10-seedvault__android10.txt"
    )
    assert parse_bmgr_transports(text) == BackupTransports(
        current="com.stevesoltys.seedvault.transport.ConfigurableBackupTransport",
        available=(
            "com.android.localtransport/.LocalTransport",
            "com.stevesoltys.seedvault.transport.ConfigurableBackupTransport",
        ),
    )


def test_accounts_head_unit_without_accounts(corpus: Path) -> None:
    text = _read(corpus, "dumpsys_account", "gwm-haval-h6gt-headunit__android9.txt")
    assert parse_dumpsys_account(text) == {0: AccountSummary(0, {}), 10: AccountSummary(10, {})}


def test_device_policy_samsung_knoxguard_is_unmanaged(corpus: Path) -> None:
    text = _read(corpus, "dumpsys_device_policy", "focusguard-samsung-knoxguard-utf16__unknown.txt")
    owners = parse_dumpsys_device_policy(text)
    assert owners == Owners() and owners.device_owner is None and not owners.managed


def test_settings_lists(corpus: Path) -> None:
    xiaomi_global = parse_settings_list(
        _read(corpus, "settings_list_global", "xiaomi-pad6-pipa-hyperos2__android14.txt")
    )
    assert len(xiaomi_global) == 584
    assert (
        xiaomi_global["development_settings_enabled"],
        xiaomi_global["package_verifier_enable"],
    ) == ("1", "1")
    secure = parse_settings_list(
        _read(corpus, "settings_list_secure", "penumbraos-humane-aipin__android12L.txt")
    )
    assert secure["backup_enabled"] == "0"
    system = parse_settings_list(
        _read(corpus, "settings_list_system", "penumbraos-humane-aipin__android12L.txt")
    )
    assert (
        system["alarm_alert"] == "content://media/internal/audio/media/9?title=Cesium&canonical=1"
    )
