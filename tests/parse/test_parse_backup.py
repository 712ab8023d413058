"""bmgr enabled / list transports: bmgr exits 0 on errors, so the text decides."""

from __future__ import annotations

from wa_harden.facts import BackupService, BackupTransports, Gap, Unknown
from wa_harden.parse.backup import parse_bmgr_enabled, parse_bmgr_transports


def test_enabled_states() -> None:
    assert parse_bmgr_enabled("Backup Manager currently enabled\n") == BackupService(enabled=True)
    assert parse_bmgr_enabled("Backup Manager currently disabled\r\n") == BackupService(
        enabled=False
    )


def test_not_activated_is_a_state_not_an_error() -> None:
    text = "Error: Backup Manager is not activated for user 10\n"
    assert parse_bmgr_enabled(text) == BackupService(enabled=False, activated=False)


def test_enabled_errors() -> None:
    not_running = "Error: Could not access the Backup Manager.  Is the system running?\n"
    assert parse_bmgr_enabled(not_running) == Unknown(Gap.COMMAND_FAILED, not_running.strip())
    caught = (
        "Exception caught:\n"
        "java.lang.SecurityException: No permission to configure backup activity\n"
        "\tat android.os.Parcel.createExceptionOrNull(Parcel.java:3011)\n"
    )
    assert parse_bmgr_enabled(caught) == Unknown(
        Gap.COMMAND_FAILED,
        "java.lang.SecurityException: No permission to configure backup activity",
    )
    assert parse_bmgr_enabled("").reason == Gap.UNPARSEABLE
    assert parse_bmgr_enabled("Backup Manager currently\n").reason == Gap.UNPARSEABLE


def test_transports() -> None:
    text = (
        "\n"
        "    com.android.localtransport/.LocalTransport\n"
        "  * com.google.android.gms/.backup.BackupTransportService\n"
        "    com.google.android.gms/.backup.migrate.service.D2dTransport\n"
    )
    assert parse_bmgr_transports(text) == BackupTransports(
        current="com.google.android.gms/.backup.BackupTransportService",
        available=(
            "com.android.localtransport/.LocalTransport",
            "com.google.android.gms/.backup.BackupTransportService",
            "com.google.android.gms/.backup.migrate.service.D2dTransport",
        ),
    )


def test_transports_none_and_errors() -> None:
    assert parse_bmgr_transports("No transports available.\n") == BackupTransports(current=None)
    assert parse_bmgr_transports("    android/com.android.internal.backup.LocalTransport\n") == (
        BackupTransports(None, ("android/com.android.internal.backup.LocalTransport",))
    )
    assert parse_bmgr_transports("Error: Backup Manager is not activated for user 0\n") == Unknown(
        Gap.COMMAND_FAILED, "Error: Backup Manager is not activated for user 0"
    )
    assert parse_bmgr_transports("").reason == Gap.UNPARSEABLE
