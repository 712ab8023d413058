"""Error banners, line splitting, and the promise every parser keeps: never raise."""

from __future__ import annotations

import random
from datetime import datetime
from functools import partial

import pytest

from wa_harden import parse
from wa_harden.facts import FindListing, Gap, Unknown
from wa_harden.parse.common import (
    classify_error,
    explain_failure,
    key_values,
    parse_datetime,
    split_lines,
)

USER_150 = (
    "Exception occurred while executing 'list':\n"
    "java.lang.SecurityException: Shell does not have permission to access user 150\n"
    " com.android.server.am.ActivityManagerService.handleIncomingUser:14983\n"
    "\tat com.android.server.am.UserController.handleIncomingUser(UserController.java:2680)\n"
)
OEM_Q = (
    "Security exception: grantRuntimePermission: Neither user 2000 nor current process has "
    "android.permission.GRANT_RUNTIME_PERMISSIONS.\n\n"
    "java.lang.SecurityException: grantRuntimePermission: Neither user 2000 nor current process "
    "has android.permission.GRANT_RUNTIME_PERMISSIONS.\n"
)


@pytest.mark.parametrize(
    ("text", "reason", "detail"),
    [
        (
            USER_150,
            Gap.USER_RESTRICTED,
            "java.lang.SecurityException: Shell does not have permission to access user 150",
        ),
        (
            "package:com.qualcomm.qti.telephonyservice  installer=null uid:8\n"
            "Error: java.lang.SecurityException: Shell does not have permission to access user 10\n",
            Gap.USER_RESTRICTED,
            "Error: java.lang.SecurityException: Shell does not have permission to access user 10",
        ),
        (OEM_Q, Gap.OEM_RESTRICTED, OEM_Q.splitlines()[0]),
        (
            "Operation not allowed: java.lang.SecurityException: grantRuntimePermission: Neither "
            "user 2000 nor current process has android.permission.GRANT_RUNTIME_PERMISSIONS.\n",
            Gap.OEM_RESTRICTED,
            "Operation not allowed: java.lang.SecurityException: grantRuntimePermission: Neither "
            "user 2000 nor current process has android.permission.GRANT_RUNTIME_PERMISSIONS.",
        ),
        ("Error: Unknown option: -U\n", Gap.NOT_SUPPORTED, "Error: Unknown option: -U"),
        (
            "/system/bin/sh: dpm: inaccessible or not found\n",
            Gap.NOT_SUPPORTED,
            "/system/bin/sh: dpm: inaccessible or not found",
        ),
        ("sh: cmd: not found\n", Gap.NOT_SUPPORTED, "sh: cmd: not found"),
        (
            "Unknown command: list-owners\nUsage: \nDevice policy manager commands:\n  help\n",
            Gap.NOT_SUPPORTED,
            "Unknown command: list-owners",
        ),
        (
            "usage: dpm [subcommand] [options]\nusage: dpm set-active-admin [ --user <USER_ID> ]\n",
            Gap.NOT_SUPPORTED,
            "usage: dpm [subcommand] [options]",
        ),
        (
            "usage: dpm [subcommand] [options]\n\nError: unknown command 'list-owners'\n",
            Gap.NOT_SUPPORTED,
            "Error: unknown command 'list-owners'",
        ),
        (
            "cmd: Can't find service: lock_settings\n",
            Gap.NOT_SUPPORTED,
            "cmd: Can't find service: lock_settings",
        ),
        (
            "Bad argument: java.lang.IllegalArgumentException: Unknown package: com.example.app\n"
            "usage: pm path [--user USER_ID] PACKAGE\n",
            Gap.COMMAND_FAILED,
            "Bad argument: java.lang.IllegalArgumentException: Unknown package: com.example.app",
        ),
        (
            "Exception occurred while executing:\n"
            "java.lang.IllegalArgumentException: Unknown package: com.example.app\n"
            "        at com.android.server.pm.PackageManagerShellCommand.runGrant(x.java:1735)\n",
            Gap.COMMAND_FAILED,
            "java.lang.IllegalArgumentException: Unknown package: com.example.app",
        ),
        (
            "Exception caught:\njava.lang.SecurityException: No permission to configure backup\n",
            Gap.COMMAND_FAILED,
            "java.lang.SecurityException: No permission to configure backup",
        ),
        (
            "Failure [DELETE_FAILED_INTERNAL_ERROR]\n",
            Gap.COMMAND_FAILED,
            "Failure [DELETE_FAILED_INTERNAL_ERROR]",
        ),
        (
            "Error while accessing provider:com.android.contacts\n"
            "java.lang.IllegalStateException: Could not find provider\n",
            Gap.COMMAND_FAILED,
            "Error while accessing provider:com.android.contacts",
        ),
        (
            "Error: No UID for com.whatsapp in user 0\r\n",
            Gap.COMMAND_FAILED,
            "Error: No UID for com.whatsapp in user 0",
        ),
        (
            "find: '/storage/emulated/0/WhatsApp': Permission denied\n",
            Gap.PERMISSION_DENIED,
            "find: '/storage/emulated/0/WhatsApp': Permission denied",
        ),
        (
            "*** SERVICE 'package' DUMP TIMEOUT (10000ms) EXPIRED ***\n",
            Gap.TIMEOUT,
            "*** SERVICE 'package' DUMP TIMEOUT (10000ms) EXPIRED ***",
        ),
    ],
)
def test_classify_error_recognises_banners(text: str, reason: Gap, detail: str) -> None:
    assert classify_error(text) == Unknown(reason, detail)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "package:com.example.error\npackage:com.example.exception\n",
        "        7827b90 com.example.app/.ExceptionActivity filter 594ac89\n",
        "  Error: indented lines inside a dump are content\n",
        "Backup Manager currently enabled\n",
        "[ro.build.version.sdk]: [34]\n",
        "ErrorReporterEnabled=1\n",
    ],
)
def test_classify_error_ignores_content(text: str) -> None:
    assert classify_error(text) is None


def test_error_detail_is_capped() -> None:
    error = classify_error("Error: " + "x" * 500)
    assert error is not None and len(error.detail) == 200 and error.detail.endswith("...")


def test_explain_failure_separates_empty_from_odd_output() -> None:
    assert explain_failure("\n", "lines") == Unknown(
        Gap.UNPARSEABLE, "empty output (expected lines)"
    )
    assert explain_failure("hello\n", "lines") == Unknown(Gap.UNPARSEABLE, "no lines in the output")
    assert explain_failure("Error: boom\n", "lines") == Unknown(Gap.COMMAND_FAILED, "Error: boom")


def test_split_lines_tolerates_cr_and_bom() -> None:
    assert split_lines("\ufeffa\r\nb\r\r\nc\n") == ["a", "b", "c", ""]
    assert split_lines("") == []


def test_small_readers() -> None:
    assert parse_datetime("2026-01-06 19:50:14") == datetime(2026, 1, 6, 19, 50, 14)
    assert parse_datetime("2026-13-45 99:99:99") is None
    assert parse_datetime("never") is None
    assert key_values("a=1 b=x=y a=2 junk") == {"a": "1", "b": "x=y"}


# --- hostile input: every parser returns a value or an Unknown, never an exception ------------

_RANDOM = random.Random(20240101)
HOSTILE = {
    "empty": "",
    "blank": "\n \n\t\n",
    "nul": "\x00\x00\x00",
    "all-bytes": bytes(range(256)).decode("utf-8", errors="replace"),
    "random-bytes": bytes(_RANDOM.randrange(256) for _ in range(4000)).decode("latin-1"),
    "random-lines": "\n".join(
        "".join(_RANDOM.choice("[]{}:=, ()/.|aZ09 \t") for _ in range(60)) for _ in range(200)
    ),
    "long-line": "A" * 200_000,
    # Shapes that make backtracking regular expressions quadratic (a hang, not a failure).
    "long-spaced-line": "package:a" + " " * 50_000 + "x",
    "repeated-markers": "package:" + " uid:" * 20_000 + "\n" + "find: '" * 20_000,
    "brackets": "[\n]\n[]: [\n[[[: ]]]\nUser \nUser 0:\nPackage [\nPackage [x] (\n",
    "truncated-block": "Packages:\n  Package [com.whatsapp] (1):\n    appId=10\n    User 0: installed=tr",
    "other-command": "[ro.build.version.sdk]: [34]\n[ro.product.model]: [Pixel]\n",
    "error": USER_150,
}

PARSERS = {
    "getprop": parse.parse_getprop,
    "getprop_value": parse.parse_getprop_value,
    "users": parse.parse_pm_list_users,
    "packages": parse.parse_pm_list_packages,
    "dumpsys_package": partial(parse.parse_dumpsys_package, package="com.whatsapp"),
    "dumpsys_package_all": parse.parse_dumpsys_package_all,
    "appops_get": parse.parse_appops_get,
    "dumpsys_appops": parse.parse_dumpsys_appops,
    "bmgr_enabled": parse.parse_bmgr_enabled,
    "bmgr_transports": parse.parse_bmgr_transports,
    "settings_get": parse.parse_settings_get,
    "settings_list": parse.parse_settings_list,
    "lock": parse.parse_dumpsys_lock_settings,
    "accounts": parse.parse_dumpsys_account,
    "list_owners": parse.parse_dpm_list_owners,
    "device_policy": parse.parse_dumpsys_device_policy,
    "contacts": parse.parse_content_raw_contacts,
    "find": partial(parse.parse_find, start="/storage/emulated/0/WhatsApp"),
}


@pytest.mark.parametrize("parser_name", sorted(PARSERS))
@pytest.mark.parametrize("input_name", sorted(HOSTILE))
def test_parsers_never_raise(parser_name: str, input_name: str) -> None:
    PARSERS[parser_name](HOSTILE[input_name])


@pytest.mark.parametrize("parser_name", sorted(set(PARSERS) - {"getprop_value"}))
def test_error_output_is_never_a_fact(parser_name: str) -> None:
    assert PARSERS[parser_name](USER_150) == Unknown(
        Gap.USER_RESTRICTED,
        "java.lang.SecurityException: Shell does not have permission to access user 150",
    )


def test_media_tree_never_raises_on_odd_listings() -> None:
    odd = FindListing(paths=("", "/", "relative", "/storage/emulated/0/WhatsApp/Media/"))
    tree = parse.build_media_tree(
        "com.whatsapp", "legacy", "/storage/emulated/0/WhatsApp/", odd, odd
    )
    assert tree.present is True and tree.folders == ()


def test_oem_refusals_of_flags_and_settings_are_oem_restrictions() -> None:
    for text in (
        "Exception occurred while executing 'set-permission-flags':\njava.lang.SecurityException: "
        "updatePermissionFlags requires android.permission.GRANT_RUNTIME_PERMISSIONS\n",
        "Exception occurred while executing 'put':\njava.lang.SecurityException: Permission denial: writing to "
        "settings requires:android.permission.WRITE_SECURE_SETTINGS\n",
    ):
        assert classify_error(text).reason is Gap.OEM_RESTRICTED
