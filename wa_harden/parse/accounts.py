"""``dumpsys account``: which kinds of accounts each user has (Google, WhatsApp ...), counted.

Account names are e-mail addresses and phone numbers and are never kept.  Every line of a user's
listing is one account (AccountManager lists each once): the collector masks the names before any
parser sees them (``***@gmail.com``), so two accounts may print alike and names cannot tell them
apart.  Only a listing with more lines than its own ``Accounts: N`` has repeats, which are dropped.
"""

from __future__ import annotations

import re
from collections import Counter

from wa_harden.facts import AccountSummary, Known
from wa_harden.parse.common import explain_failure, split_lines

_USER_RE = re.compile(r"^User UserInfo\{(\d{1,9}):.*\}:?\s*$")
_LISTING_RE = re.compile(r"^Accounts:\s*(\d*)\s*$")
_ACCOUNT_PREFIX = "Account {name="
_TYPE_SEPARATOR = ", type="


def _account_type(line: str) -> tuple[str, str] | None:
    """(name, type) of ``Account {name=..., type=...}``; a name may contain ', ' so split at the
    last ``, type=``."""
    body = line.strip()[len(_ACCOUNT_PREFIX) :]
    if not body.endswith("}"):
        return None  # cut off: the type may be incomplete
    name, sep, account_type = body[:-1].rpartition(_TYPE_SEPARATOR)
    account_type = account_type.strip()
    if not sep or not account_type:
        return None
    return name, account_type


def parse_dumpsys_account(text: str) -> Known[dict[int, AccountSummary]]:
    listed: dict[int, list[tuple[str, str]]] = {}
    counts: dict[int, int] = {}  # a user's "Accounts: N"
    user: int | None = None
    listing = False
    for line in split_lines(text):
        stripped = line.strip()
        match = _USER_RE.match(stripped)
        if match:
            user = int(match.group(1))
            listed.setdefault(user, [])
            listing = False
            continue
        match = _LISTING_RE.match(stripped)
        if match:
            if user is None:  # very old single-user dumps have no "User UserInfo{..}" line
                user = 0
                listed.setdefault(user, [])
            if 0 < len(match.group(1)) <= 9:
                counts.setdefault(user, int(match.group(1)))
            listing = True
            continue
        if listing and stripped.startswith(_ACCOUNT_PREFIX):
            account = _account_type(stripped)
            if account is not None:
                listed[user].append(account)  # type: ignore[index]
            continue
        listing = False
    if not listed:
        return explain_failure(text, "'User UserInfo{...}:' sections")
    summaries: dict[int, AccountSummary] = {}
    for user_id, accounts in listed.items():
        if len(accounts) > counts.get(user_id, len(accounts)):
            accounts = list(dict.fromkeys(accounts))  # lines repeated beyond the listing's count
        by_type = Counter(account_type for _, account_type in accounts)
        summaries[user_id] = AccountSummary(user_id, dict(sorted(by_type.items())))
    return summaries
