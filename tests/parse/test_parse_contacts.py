"""content query raw_contacts: counts by account type, deleted rows skipped."""

from __future__ import annotations

from wa_harden.facts import ContactStats, Gap, Unknown
from wa_harden.parse.contacts import parse_content_raw_contacts


def test_counts_by_account_type() -> None:
    text = (
        "Row: 0 account_type=com.whatsapp, deleted=0\n"
        "Row: 1 account_type=com.whatsapp, deleted=0\n"
        "Row: 2 account_type=com.google, deleted=0\n"
        "Row: 3 account_type=NULL, deleted=0\n"
        "Row: 4 account_type=com.google, deleted=1\n"
        "Row: 5 account_type=weird, deleted=x, deleted=0\r\n"
        "Row: 6 account_type=vnd.sec.contact.phone, deleted=0\n"
    )
    stats = parse_content_raw_contacts(text)
    assert stats == ContactStats(
        {
            "com.google": 1,
            "com.whatsapp": 2,
            "local": 1,
            "vnd.sec.contact.phone": 1,
            "weird, deleted=x": 1,
        }
    )
    assert stats.total == 6
    assert stats.count("com.whatsapp", "com.whatsapp.w4b") == 2


def test_no_result_and_errors() -> None:
    assert parse_content_raw_contacts("No result found.\n") == ContactStats({})
    error = (
        "Error while accessing provider:com.android.contacts\n"
        "java.lang.SecurityException: Shell does not have permission to access user 150\n"
    )
    assert parse_content_raw_contacts(error) == Unknown(
        Gap.USER_RESTRICTED,
        "java.lang.SecurityException: Shell does not have permission to access user 150",
    )
    # A provider failing after some rows: the count would be wrong, so it is not given.
    partial = (
        "Row: 0 account_type=com.google, deleted=0\n"
        "Error while accessing provider:com.android.contacts\n"
    )
    assert parse_content_raw_contacts(partial).reason == Gap.COMMAND_FAILED
    assert parse_content_raw_contacts("").reason == Gap.UNPARSEABLE
    assert (
        parse_content_raw_contacts("usage: adb shell content [subcommand]\n").reason
        == Gap.NOT_SUPPORTED
    )


def test_continuation_lines_are_skipped() -> None:
    text = "Row: 0 account_type=com.google, deleted=0\ncontinued value\nRow: 1 account_type=com.whatsapp, deleted=0\n"
    assert parse_content_raw_contacts(text) == ContactStats({"com.google": 1, "com.whatsapp": 1})


def test_a_listing_cut_short_is_unknown_not_fewer_contacts() -> None:
    cut_in_a_row = "Row: 0 account_type=com.google, deleted=0\nRow: 1 account_type=com.wha"
    assert parse_content_raw_contacts(cut_in_a_row) == Unknown(
        Gap.UNPARSEABLE, "row 1 ends before its 'deleted' column (cut short)")
    rows_lost = "Row: 0 account_type=com.google, deleted=0\nRow: 7 account_type=com.whatsapp, deleted=0\n"
    assert parse_content_raw_contacts(rows_lost) == Unknown(Gap.UNPARSEABLE, "row 1 is missing before 'Row: 7'")
