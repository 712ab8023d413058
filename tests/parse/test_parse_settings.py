"""settings get / settings list."""

from __future__ import annotations

from wa_harden.facts import Gap, Unknown
from wa_harden.parse.settings import parse_settings_get, parse_settings_list


def test_get_values() -> None:
    assert parse_settings_get("1\n") == "1"
    assert parse_settings_get("0\r\n") == "0"
    assert parse_settings_get("null\n") is None
    assert parse_settings_get("\n") == ""
    assert parse_settings_get("line one\nline two\n") == "line one\nline two"
    assert parse_settings_get(" spaced \n") == " spaced "


def test_get_errors() -> None:
    text = (
        "Exception occurred while executing 'get':\n"
        "java.lang.SecurityException: Shell does not have permission to access user 150\n"
    )
    assert parse_settings_get(text) == Unknown(
        Gap.USER_RESTRICTED,
        "java.lang.SecurityException: Shell does not have permission to access user 150",
    )


def test_list() -> None:
    text = (
        "adb_enabled=1\n"
        "alarm_alert=content://media/internal/audio/media/9?title=Cesium&canonical=1\n"
        "0#BLUETOOTHHEADSETPLUGIN=1\n"
        "empty=\n"
        "package_verifier_enable=null\n"
        "multi=first line\n"
        "second line\r\n"
    )
    assert parse_settings_list(text) == {
        "adb_enabled": "1",
        "alarm_alert": "content://media/internal/audio/media/9?title=Cesium&canonical=1",
        "0#BLUETOOTHHEADSETPLUGIN": "1",
        "empty": "",
        "package_verifier_enable": "null",
        "multi": "first line\nsecond line",
    }


def test_list_odd_outputs() -> None:
    assert parse_settings_list("") == {}
    assert parse_settings_list("no settings here\n") == Unknown(
        Gap.UNPARSEABLE, "no 'key=value' lines in the output"
    )
    assert parse_settings_list("Error: Invalid namespace\n") == Unknown(
        Gap.COMMAND_FAILED, "Error: Invalid namespace"
    )
