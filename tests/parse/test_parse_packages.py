"""pm list packages with every flag combination and the per-user errors of new Android."""

from __future__ import annotations

import pytest

from conftest import corpus_files, read_corpus
from wa_harden.facts import Gap, ListedPackage, Unknown
from wa_harden.parse.packages import parse_pm_list_packages
from wa_harden.probes import probe

NEW_PATH = "/data/app/~~8Q4H9D9NIx9Ay5almSt2cg==/com.whatsapp-7qj63AJ5CtcwwGeDJpCMwQ==/base.apk"


def test_all_fields_with_android_11_path() -> None:
    text = (
        f"package:{NEW_PATH}=com.whatsapp versionCode:263607422  installer=com.android.vending "
        "uid:10317\n"
    )
    assert parse_pm_list_packages(text) == (
        ListedPackage("com.whatsapp", NEW_PATH, 263607422, "com.android.vending", (10317,)),
    )


def test_field_combinations() -> None:
    text = (
        "package:com.whatsapp\n"
        "package:com.whatsapp.w4b versionCode:251234567\n"
        "package:com.whatsapp  installer=null uid:10201\n"
        "package:/system/priv-app/Shell/Shell.apk=com.android.shell versionCode:34  installer=null\n"
        "package:/data/app/com.whatsapp-1/base.apk=com.whatsapp  installer=com.android.vending\n"
        "package:com.whatsapp.w4b versionCode:2  installer=com.android.vending uid:10123,1010123\n"
    )
    assert parse_pm_list_packages(text) == (
        ListedPackage("com.whatsapp"),
        ListedPackage("com.whatsapp.w4b", version_code=251234567),
        ListedPackage("com.whatsapp", uids=(10201,)),
        ListedPackage("com.android.shell", "/system/priv-app/Shell/Shell.apk", 34),
        ListedPackage(
            "com.whatsapp", "/data/app/com.whatsapp-1/base.apk", installer="com.android.vending"
        ),
        ListedPackage("com.whatsapp.w4b", None, 2, "com.android.vending", (10123, 1010123)),
    )


def test_packages_survive_per_user_errors() -> None:
    text = (
        "package:com.whatsapp versionCode:1  installer=com.android.vending uid:10317\r\n"
        "Error: java.lang.SecurityException: Shell does not have permission to access user 150\r\n"
        "package:com.whatsapp.w4b versionCode:2  installer=null uid:10318\r\n"
    )
    assert [p.package for p in parse_pm_list_packages(text)] == ["com.whatsapp", "com.whatsapp.w4b"]


def test_nothing_matched_the_filter() -> None:
    assert parse_pm_list_packages("") == ()
    assert parse_pm_list_packages("\n") == ()


def test_errors_without_packages() -> None:
    restricted = (
        "Exception occurred while executing 'list':\n"
        "java.lang.SecurityException: Shell does not have permission to access user 150\n"
        "\tat com.android.server.am.UserController.handleIncomingUser(UserController.java:2680)\n"
    )
    assert parse_pm_list_packages(restricted) == Unknown(
        Gap.USER_RESTRICTED,
        "java.lang.SecurityException: Shell does not have permission to access user 150",
    )
    assert parse_pm_list_packages("Error: Unknown option: -U\n") == Unknown(
        Gap.NOT_SUPPORTED, "Error: Unknown option: -U"
    )
    assert parse_pm_list_packages("hello world\n") == Unknown(
        Gap.UNPARSEABLE, "no 'package:' lines in the output"
    )


def test_malformed_lines_are_skipped() -> None:
    text = (
        "package:\npackage:not a name\npackage:com.whatsapp versionCode:12\npackage:/data/app/x=\n"
    )
    assert parse_pm_list_packages(text) == (ListedPackage("com.whatsapp", version_code=12),)


def test_line_cut_inside_a_field_is_skipped() -> None:
    text = (
        "package:com.whatsapp versionCode:1  installer=null uid:10317\n"
        "package:com.whatsapp.w4b versionCo"
    )
    assert [p.package for p in parse_pm_list_packages(text)] == ["com.whatsapp"]


# --- pm list packages --user N -s: the system packages probe --------------------------------------


def test_system_packages_are_the_names_and_an_empty_listing_is_no_answer() -> None:
    parse = probe("pm-list-packages-system").parse
    assert parse(0, "package:android\npackage:com.google.android.as\n") == frozenset(
        {"android", "com.google.android.as"}
    )
    for text in ("", "\n"):
        value = parse(0, text)
        assert isinstance(value, Unknown) and value.reason is Gap.UNPARSEABLE
    value = parse(0, "Error: java.lang.SecurityException: Shell does not have permission to access user 10\n")
    assert isinstance(value, Unknown) and value.reason is Gap.USER_RESTRICTED


def _corpus(family: str, name: str) -> str:
    paths = [p for p in corpus_files(family) if p.name.startswith(name)]
    if not paths:
        pytest.skip("real corpus not found (../shared/corpus or $WA_HARDEN_CORPUS)")
    return read_corpus(paths[0])


def test_real_system_listing_holds_system_apps_updated_from_play() -> None:
    """A Xiaomi Pad 6 (Android 14): its ``-s`` listing, its third-party listing and its ``-f``
    listing, taken together.  24 system apps (Play services, Gboard, TalkBack ...) run from /data/,
    updated from Play; -s lists them all the same, and no third-party app."""
    system = probe("pm-list-packages-system").parse(0, _corpus("pm_list_packages", "xiaomi-pad6-pipa-hyperos2-system"))
    third = parse_pm_list_packages(_corpus("pm_list_packages", "xiaomi-pad6-pipa-hyperos2-user"))
    every = parse_pm_list_packages(_corpus("pm_list_packages_f", "xiaomi-pad6-pipa-hyperos2"))
    assert isinstance(system, frozenset) and isinstance(third, tuple) and isinstance(every, tuple)
    paths = {p.package: p.path or "" for p in every}
    assert (len(system), len(third), len(paths)) == (267, 55, 322)
    assert system | {p.package for p in third} == set(paths) and not system & {p.package for p in third}
    updated = {name for name in system if paths[name].startswith("/data/")}
    assert len(updated) == 24
    assert {"com.google.android.gms", "com.google.android.inputmethod.latin",
            "com.google.android.marvin.talkback", "com.android.vending"} <= updated
