"""Corpus fidelity: the virtual ``dumpsys package`` of each Android generation has the same shape as
real outputs of that generation (the keys the audit reads, where they sit, and what a parser gets).

The real files are read from ../shared/corpus and never copied; the test skips without them.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from android_helpers import W4B, out, phone_for
from conftest import corpus_files, read_corpus

# Generation of each corpus file (from its name / .src notes) -> the Android we simulate for it.
GENERATIONS = {
    "android8": "8.1",
    "unknown-likely11": "11",
    "unknown-wearos": "11",
    "unknown-likely13": "13",
    "unknown-likely14or15": "15",
    "unknown-likely14plus": "15",
    "unknown-likely15": "15",
    "unknown-likely15or16": "15",
    "unknown-likely16": "16",
}
MEMFAULT_ANDROID_9 = "memfault-bort-usagereporter__unknown"  # .src: "Android 9 era"

AUDIT_KEYS = {
    "userId", "appId", "versionCode", "versionName", "flags", "timeStamp", "firstInstallTime", "lastUpdateTime",
    "installerPackageName", "installerPackageUid", "initiatingPackageName", "originatingPackageName",
    "updateOwnerPackageName", "installerAttributionTag", "packageSource",
}
USER_SUB_KEYS = {"installReason", "firstInstallTime", "uninstallReason", "dataDir"}
SECTIONS = ("requested permissions:", "install permissions:", "runtime permissions:")
OEM_USER_KEYS = {"privacy_hidden", "ofs"}  # Samsung / ColorOS additions to the User line


def generation(path: Path) -> str | None:
    stem = path.stem
    if stem == MEMFAULT_ANDROID_9:
        return "9"
    return GENERATIONS.get(stem.rsplit("__", 1)[-1])


def corpus_cases() -> list[tuple[Path, str]]:
    files = corpus_files("dumpsys_package_pkg") + corpus_files("pm_dump_pkg")
    return [(path, android) for path in files if (android := generation(path))]


@dataclasses.dataclass
class Shape:
    package: str
    keys: set[str]
    sections: set[str]
    user_keys: list[str]
    user_sub_keys: set[str]
    installer: str | None


def shape(text: str) -> Shape:
    lines = text.split("\n")
    start = next(i for i, row in enumerate(lines) if row.lstrip().startswith("Package [") and "Packages:" in "".join(lines[:i]))
    indent = len(lines[start]) - len(lines[start].lstrip())
    package = re.search(r"Package \[([^\]]+)\]", lines[start]).group(1)  # type: ignore[union-attr]
    block = []
    for line in lines[start + 1:]:
        if not line.strip() or len(line) - len(line.lstrip()) <= indent:
            break
        block.append(line)
    level = " " * (indent + 2)  # package-level keys: two deeper than "Package ["
    keys = {row.strip().split("=", 1)[0] for row in block if row.startswith(level) and not row.startswith(level + " ") and "=" in row}
    keys = {k.split(" ")[0] for k in keys} & AUDIT_KEYS
    sections = {row.strip() for row in block if row.strip() in SECTIONS}
    users = [i for i, row in enumerate(block) if row.strip().startswith("User ") and ":" in row and "=" in row]
    first = next((i for i in users if "installed=true" in block[i]), users[0])
    user_keys = [t.split("=")[0] for t in block[first].split(": ", 1)[1].split() if t.split("=")[0] not in OEM_USER_KEYS]
    end = next((i for i in users if i > first), len(block))
    sub = {row.strip().split("=", 1)[0] for row in block[first + 1:end] if "=" in row} & USER_SUB_KEYS
    installer = next((row.split("=", 1)[1].strip() for row in block if row.strip().startswith("installerPackageName=")), None)
    return Shape(package, keys, sections, user_keys, sub, None if installer in (None, "null") else installer)


def virtual_text(real: Shape, android: str) -> str:
    phone = phone_for(android, apps=[{"package": W4B, "installer": real.installer or "none"}])
    return out(phone, f"dumpsys package {W4B}")


CASES = corpus_cases()


@pytest.mark.skipif(not CASES, reason="real corpus not found (../shared/corpus or $WA_HARDEN_CORPUS)")
@pytest.mark.parametrize(("path", "android"), CASES, ids=[p.stem for p, _ in CASES])
def test_package_block_has_the_real_generations_shape(path, android):
    real = shape(read_corpus(path))
    virtual = shape(virtual_text(real, android))
    assert virtual.keys == real.keys
    assert real.sections <= virtual.sections
    assert virtual.user_keys == real.user_keys
    assert virtual.user_sub_keys == real.user_sub_keys


def populated(value: object) -> set[str]:
    return {f.name for f in dataclasses.fields(value) if getattr(value, f.name) is not None}  # type: ignore[arg-type]


@pytest.mark.skipif(not CASES, reason="real corpus not found (../shared/corpus or $WA_HARDEN_CORPUS)")
@pytest.mark.parametrize(("path", "android"), CASES, ids=[p.stem for p, _ in CASES])
def test_parser_reads_the_same_fields_from_virtual_and_real(path, android):
    parser = pytest.importorskip("wa_harden.parse.dumpsys_package")
    text = read_corpus(path)
    real_shape = shape(text)
    real = parser.parse_dumpsys_package(text, real_shape.package)
    virtual = parser.parse_dumpsys_package(virtual_text(real_shape, android), W4B)
    assert populated(virtual) == populated(real)
    real_user = next(s for s in real.users.values() if s.installed)
    virtual_user = next(s for s in virtual.users.values() if s.installed)
    assert populated(virtual_user) == populated(real_user)


def test_not_installed_message_matches_the_real_one():
    files = [p for p in corpus_files("dumpsys_package_pkg") if "not-installed" in p.stem]
    if not files:
        pytest.skip("real corpus not found")
    real = read_corpus(files[0]).strip()
    package = real.rsplit(" ", 1)[1]
    assert out(phone_for("13"), f"dumpsys package {package}").strip() == real


# --- pm list packages -f: paths, fields and order ----------------------------------------------------

from wa_harden.parse.getprop import parse_getprop  # noqa: E402
from wa_harden.parse.packages import parse_pm_list_packages  # noqa: E402
from wa_harden.parse.settings import parse_settings_list  # noqa: E402
from wa_harden.virtual.android.output import array_map_order, hash_map_order  # noqa: E402

LIST_FILES = corpus_files("pm_list_packages_f") + corpus_files("pm_list_packages")
PARTITIONS = ("/system/", "/system_ext/", "/product/", "/vendor/", "/apex/", "/data/app/")


def android_of(path: Path) -> str | None:
    version = path.stem.rsplit("__android", 1)[-1] if "__android" in path.stem else None
    return version.replace("12L", "12") if version and version[0].isdigit() else None


def partition(path: str) -> str:
    return next(p for p in PARTITIONS if path.startswith(p))


@pytest.mark.skipif(not corpus_files("pm_list_packages_f"), reason="real corpus not found")
def test_pm_list_packages_f_parses_like_the_real_android_14_listing():
    [path] = [p for p in corpus_files("pm_list_packages_f") if android_of(p) == "14"]
    real = parse_pm_list_packages(read_corpus(path))
    virtual = parse_pm_list_packages(out(phone_for("14", oem="xiaomi"), "pm list packages --user 0 -f -i -U "
                                                                          "--show-versioncode"))
    assert real and virtual
    real_paths = {p.package: p.path for p in real}  # type: ignore[union-attr]
    virtual_paths = {p.package: p.path for p in virtual}  # type: ignore[union-attr]
    assert all(p and p.startswith(PARTITIONS) for p in [*real_paths.values(), *virtual_paths.values()])
    shared = set(real_paths) & set(virtual_paths)
    assert {"com.android.shell", "com.android.settings", "com.android.providers.contacts", "com.android.systemui",
            "com.android.vending", "com.google.android.gms", "com.google.android.inputmethod.latin"} <= shared
    for name in shared:  # same partition: system image, APEX, or updated into /data/app
        assert partition(virtual_paths[name]) == partition(real_paths[name]), name
    for name in ("com.android.shell", "com.android.providers.contacts", "com.android.settings"):
        assert virtual_paths[name] == real_paths[name]
    assert real_paths["com.android.vending"].startswith("/data/app/~~") and \
        virtual_paths["com.android.vending"].startswith("/data/app/~~")


@pytest.mark.skipif(not LIST_FILES, reason="real corpus not found")
def test_real_and_virtual_listings_come_in_the_same_order():
    """Up to 12 the package service's ArrayMap (hash-code order); from 13 a HashMap of the lines."""
    checked = 0
    for path in LIST_FILES:
        android = android_of(path)
        if android is None:
            continue
        for text in (read_corpus(path), out(phone_for(android), "pm list packages -f")):
            lines = [line for line in text.splitlines() if line.startswith("package:")]
            names = [line.removeprefix("package:").rsplit("=", 1)[-1] for line in lines]
            if int(android) >= 13:
                assert lines == hash_map_order(lines), path.name
            else:
                assert names == array_map_order(names), path.name
        checked += 1
    assert checked >= 3


# --- settings: the keys the audit reads ----------------------------------------------------------------

LOCK_SCREEN_KEYS = ("lock_screen_show_notifications", "lock_screen_allow_private_notifications",
                    "install_non_market_apps")
COMPONENT_LIST = re.compile(r"^[\w.]+/[\w.$]+(?::[\w.]+/[\w.$]+)*$")


@pytest.mark.skipif(not corpus_files("settings_list_secure"), reason="real corpus not found")
def test_secure_settings_have_the_real_defaults_and_component_list_format():
    virtual = parse_settings_list(out(phone_for("14"), "settings list secure"))
    assert isinstance(virtual, dict)
    assert COMPONENT_LIST.match(virtual["enabled_notification_listeners"])
    for path in corpus_files("settings_list_secure"):
        real = parse_settings_list(read_corpus(path))
        assert isinstance(real, dict), path.name
        for key in LOCK_SCREEN_KEYS:
            assert real[key] == virtual[key] == "1", (path.name, key)
        for key in ("enabled_accessibility_services", "enabled_notification_listeners"):
            if key in real:
                assert COMPONENT_LIST.match(real[key]), (path.name, key)
        assert "lock_screen_lock_after_timeout" not in real  # unset until the user picks a delay
    assert "lock_screen_lock_after_timeout" not in virtual


@pytest.mark.skipif(not corpus_files("settings_list_global"), reason="real corpus not found")
def test_global_debugging_settings_have_the_real_shape():
    virtual = parse_settings_list(out(phone_for("14"), "settings list global"))
    assert isinstance(virtual, dict) and virtual["adb_enabled"] == "1" and virtual["adb_wifi_enabled"] == "0"
    for path in corpus_files("settings_list_global"):
        real = parse_settings_list(read_corpus(path))
        assert isinstance(real, dict) and real["adb_enabled"] == "1", path.name  # all captured over adb
        assert real.get("adb_wifi_enabled") in ("0", "1"), path.name


@pytest.mark.skipif(not corpus_files("settings_list_system"), reason="real corpus not found")
def test_screen_off_timeout_is_milliseconds_as_on_real_phones():
    virtual = parse_settings_list(out(phone_for("14"), "settings list system"))
    assert isinstance(virtual, dict) and virtual["screen_off_timeout"].isdigit()
    for path in corpus_files("settings_list_system"):
        real = parse_settings_list(read_corpus(path))
        assert isinstance(real, dict) and real["screen_off_timeout"].isdigit(), path.name


# --- getprop: verified boot --------------------------------------------------------------------------

BOOT_KEYS = ("ro.boot.verifiedbootstate", "ro.boot.flash.locked", "ro.boot.vbmeta.device_state", "ro.build.tags")


def boot_props(text: str) -> dict[str, str]:
    build = parse_getprop(text)
    return {k: v for k, v in build.props.items() if k in BOOT_KEYS}  # type: ignore[union-attr]


def consistent(props: dict[str, str]) -> bool:
    """Orange exactly when the bootloader is unlocked, as every real capture shows."""
    unlocked = props.get("ro.boot.flash.locked") == "0"
    if "ro.boot.vbmeta.device_state" in props:
        assert (props["ro.boot.vbmeta.device_state"] == "unlocked") == unlocked
    return (props["ro.boot.verifiedbootstate"] == "orange") == unlocked


@pytest.mark.skipif(not corpus_files("getprop"), reason="real corpus not found")
def test_verified_boot_properties_read_like_real_ones():
    real_files = [p for p in corpus_files("getprop") if "ro.boot.verifiedbootstate" in read_corpus(p)]
    assert real_files
    for path in real_files:
        real = boot_props(read_corpus(path))
        assert set(real) >= {"ro.boot.verifiedbootstate", "ro.boot.flash.locked", "ro.build.tags"}, path.name
        assert consistent(real), path.name
    for device in ({}, {"bootloader": "unlocked"}, {"bootloader": "unlocked", "build_tags": "test-keys"}):
        virtual = boot_props(out(phone_for("14", device={"oem": "google", "android": "14", **device}), "getprop"))
        assert set(virtual) == set(BOOT_KEYS) and consistent(virtual)
