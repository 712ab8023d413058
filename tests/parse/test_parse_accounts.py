"""dumpsys account: accounts counted by type per user; names dropped."""

from __future__ import annotations

from wa_harden.facts import AccountSummary, Gap
from wa_harden.parse.accounts import parse_dumpsys_account

DUMP = """\
User UserInfo{0:Owner:13}:
  Accounts: 4
    Account {name=+1 555-0100, type=com.whatsapp}
    Account {name=+1 555-0101, type=com.whatsapp.w4b}
    Account {name=user1@example.com, type=com.google}
    Account {name=Team, Sales, type=x, type=com.google}
    Account {name=user1@example.com, type=com.google}

  AccountId, Action_Type, timestamp, UID, TableName, Key
  Accounts History
  -1,action_called_account_add,2024-08-20 06:14:22,0,accounts,1

  Active Sessions: 1
    Session: expectLaunch false, connected true, stats (0/0/0), lifetime 0.1, addAccount, Account {name=user2@example.com, type=com.google}

  RegisteredServicesCache: 2 services
    ServiceInfo: AuthenticatorDescription {type=com.whatsapp}, ComponentInfo{com.whatsapp/com.whatsapp.accountsync.AccountAuthenticatorService}, uid 10210

User UserInfo{95:Dual Messenger:30}:
  Accounts: 1
    Account {name=***@example.com, type=com.whatsapp}

User UserInfo{10:Work: Sales:1030}:
  Accounts: 0
"""


def test_counts_by_type_without_names() -> None:
    summary = parse_dumpsys_account(DUMP)
    assert summary == {
        0: AccountSummary(0, {"com.google": 2, "com.whatsapp": 1, "com.whatsapp.w4b": 1}),
        95: AccountSummary(95, {"com.whatsapp": 1}),
        10: AccountSummary(10, {}),
    }
    assert summary[0].total == 4
    assert "example.com" not in repr(summary) and "555" not in repr(summary)


def test_crlf_and_truncation() -> None:
    crlf = DUMP.replace("\n", "\r\n")
    cut = crlf[: crlf.index("w4b}") + 2]  # "... type=com.whatsapp.w4" with no closing brace
    assert parse_dumpsys_account(cut) == {0: AccountSummary(0, {"com.whatsapp": 1})}


def test_single_user_dump_without_user_lines() -> None:
    text = "Accounts: 1\n  Account {name=user1@example.com, type=com.google}\n"
    assert parse_dumpsys_account(text) == {0: AccountSummary(0, {"com.google": 1})}


def test_odd_outputs() -> None:
    assert parse_dumpsys_account("").reason == Gap.UNPARSEABLE
    assert parse_dumpsys_account("hello\n").reason == Gap.UNPARSEABLE
    broken = (
        "User UserInfo{0:Owner:13}:\n  Accounts: 2\n"
        "    Account {name=a}\n    Account {name=b, type=}\n"
    )
    assert parse_dumpsys_account(broken) == {0: AccountSummary(0, {})}
