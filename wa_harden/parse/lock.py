"""``dumpsys lock_settings``: the screen-lock credential type of each user.

Read only under ``User State:`` (Android 12+); a later section (``Storage:`` ...) prints
CredentialType lines too.  Older versions list the ``User N`` blocks right under
``Current lock settings service state:`` and print the credential type as a number.
``locksettings`` itself is never used: on Android <= 13 it counts as a failed unlock.
"""

from __future__ import annotations

import re

from wa_harden.facts import CredentialType, Known, LockState
from wa_harden.parse.common import explain_failure, split_lines

_SECTION = "User State:"
_LEGACY_SECTION = "Current lock settings service state:"
_HEADER_RE = re.compile(r"^\S[^=]*:$")  # a top-level section header: "Storage:", "StrongAuth:"
_USER_RE = re.compile(r"^User (\d{1,9}):?$")
_CREDENTIAL_RE = re.compile(r"^CredentialType:\s*(.*)$")
_QUALITY_RE = re.compile(r"^Quality:\s*(-?\d{1,10})$")

_CREDENTIALS = {
    "none": CredentialType.NONE,
    "swipe": CredentialType.SWIPE,
    "pattern": CredentialType.PATTERN,
    "pin": CredentialType.PIN,
    "password": CredentialType.PASSWORD,
    "password_or_pin": CredentialType.PASSWORD,  # Android 14+: a knowledge factor, secure
    # LockPatternUtils.CREDENTIAL_TYPE_* as numbers (Android <= 10; PIN is a numeric password there)
    "-1": CredentialType.NONE,
    "1": CredentialType.PATTERN,
    "2": CredentialType.PASSWORD,
    "3": CredentialType.PIN,
    "4": CredentialType.PASSWORD,
}

# DevicePolicyManager.PASSWORD_QUALITY_*, for old dumps without a CredentialType line.  Quality 0
# (unspecified) is None or Swipe: it maps to OTHER, which never counts as secure.
_QUALITIES = {
    0x10000: CredentialType.PATTERN,
    0x20000: CredentialType.PIN,
    0x30000: CredentialType.PIN,
    0x40000: CredentialType.PASSWORD,
    0x50000: CredentialType.PASSWORD,
    0x60000: CredentialType.PASSWORD,
}


def credential_type(raw: str) -> CredentialType:
    return _CREDENTIALS.get(raw.strip().lower(), CredentialType.OTHER)


def parse_dumpsys_lock_settings(text: str) -> Known[dict[int, LockState]]:
    states: dict[int, LockState] = {}
    qualities: dict[int, int] = {}
    in_section = False
    user: int | None = None
    lines = split_lines(text)
    has_user_state = any(line.strip() == _SECTION for line in lines)
    start = _SECTION if has_user_state else _LEGACY_SECTION
    for line in lines:
        stripped = line.strip()
        if stripped == start:
            in_section = True
            continue
        if not in_section:
            continue
        match = _USER_RE.match(stripped)
        if match:
            user = int(match.group(1))
            continue
        if line[:1].strip() and _HEADER_RE.match(stripped):
            break  # the next top-level section
        if user is None:
            continue
        match = _CREDENTIAL_RE.match(stripped)
        if match and user not in states:
            states[user] = LockState(user, credential_type(match.group(1)), match.group(1).strip())
            continue
        match = _QUALITY_RE.match(stripped)
        if match:
            qualities.setdefault(user, int(match.group(1)))
    for user_id, quality in qualities.items():
        if user_id not in states:
            credential = _QUALITIES.get(quality, CredentialType.OTHER)
            states[user_id] = LockState(user_id, credential, f"Quality: {quality}")
    if in_section:
        return dict(sorted(states.items()))
    return explain_failure(text, "'User State:' section")
