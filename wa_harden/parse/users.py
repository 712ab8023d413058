"""``pm list users`` (plain and ``-v``): which Android users exist and what kind they are.

The kind decides how the audit treats a user: Samsung Secure Folder and dual-app spaces refuse
the shell, a work profile belongs to the company's MDM.  User names are read only to recognise
those spaces and are never kept.
"""

from __future__ import annotations

import re

from wa_harden.facts import AndroidUser, Known, UserKind
from wa_harden.parse.common import explain_failure, split_lines

# UserInfo{<id>:<name>:<hex flags>}; the name may itself contain ':' (so: greedy up to the last).
_USERINFO_RE = re.compile(r"UserInfo\{(\d{1,9}):(.*):([0-9a-fA-F]{1,16})\}(.*)$")
# -v (Android 11+): "0: id=0, name=Owner, type=full.SYSTEM, flags=ADMIN|FULL|... (running)"
_VERBOSE_RE = re.compile(r"\bid=(\d{1,9}), name=(.*?), type=([\w.]+)(?:, flags=([\w|]*))?(.*)$")

FLAG_PRIMARY = 0x1
FLAG_GUEST = 0x4
FLAG_RESTRICTED = 0x8
FLAG_MANAGED_PROFILE = 0x20
FLAG_PROFILE = 0x1000

_FLAG_NAMES = {
    "PRIMARY": 0x1,
    "ADMIN": 0x2,
    "GUEST": 0x4,
    "RESTRICTED": 0x8,
    "INITIALIZED": 0x10,
    "MANAGED_PROFILE": 0x20,
    "DISABLED": 0x40,
    "QUIET_MODE": 0x80,
    "EPHEMERAL": 0x100,
    "DEMO": 0x200,
    "FULL": 0x400,
    "SYSTEM": 0x800,
    "PROFILE": 0x1000,
    "EPHEMERAL_ON_CREATE": 0x2000,
    "MAIN": 0x4000,
    "FOR_TESTING": 0x8000,
}

# Spaces recognised by their (English, OEM-given) names.
_KIND_BY_NAME = (
    ("secure folder", UserKind.SECURE_FOLDER),
    ("dual messenger", UserKind.DUAL_APP),
    ("dual app", UserKind.DUAL_APP),
    ("xspace", UserKind.DUAL_APP),
    ("app twin", UserKind.DUAL_APP),
    ("private space", UserKind.PRIVATE_SPACE),
)

# -v user types, without the "android.os.usertype." prefix.
_KIND_BY_TYPE = {
    "full.SYSTEM": UserKind.SYSTEM,
    "system.HEADLESS": UserKind.SYSTEM,
    "full.SECONDARY": UserKind.SECONDARY,
    "full.DEMO": UserKind.SECONDARY,
    "full.GUEST": UserKind.GUEST,
    "full.RESTRICTED": UserKind.RESTRICTED,
    "profile.MANAGED": UserKind.WORK_PROFILE,
    "profile.CLONE": UserKind.CLONE,
    "profile.PRIVATE": UserKind.PRIVATE_SPACE,
}

# Well-known ids of OEM spaces: Samsung Secure Folder 150, Samsung Dual Messenger 95,
# Xiaomi/ColorOS dual apps 999.
_KIND_BY_ID = {150: UserKind.SECURE_FOLDER, 95: UserKind.DUAL_APP, 999: UserKind.DUAL_APP}


# Names Android or the phone maker gives users by default: they say what a user is, not who.
_GENERIC_NAMES = frozenset({"owner", "null", "guest", "work profile", "work", "clone profile", "private"})


def is_generic_name(name: str) -> bool:
    """True for names that are not personal data (OEM spaces, defaults); others are masked."""
    lowered = name.strip().lower().replace("_", " ")
    return lowered in _GENERIC_NAMES or any(needle in lowered for needle, _kind in _KIND_BY_NAME)


def _kind_from_flags(user_id: int, flags: int | None) -> UserKind:
    if user_id == 0:
        return UserKind.SYSTEM
    flags = flags or 0
    if flags & FLAG_MANAGED_PROFILE:
        return UserKind.WORK_PROFILE
    if flags & FLAG_GUEST:
        return UserKind.GUEST
    if flags & FLAG_RESTRICTED:
        return UserKind.RESTRICTED
    if flags & FLAG_PROFILE:
        return UserKind.PROFILE
    return UserKind.SECONDARY


def user_kind(user_id: int, name: str, flags: int | None, user_type: str | None = None) -> UserKind:
    """Name of a known space first, then the -v type, a well-known id, and last the flags."""
    if user_id == 0:
        return UserKind.SYSTEM
    lowered = name.strip().lower()
    for needle, kind in _KIND_BY_NAME:
        if needle in lowered:
            return kind
    typed = _KIND_BY_TYPE.get((user_type or "").removeprefix("android.os.usertype."))
    if typed is not None:
        return typed
    if user_id in _KIND_BY_ID:
        return _KIND_BY_ID[user_id]
    if "clone" in lowered:
        return UserKind.CLONE
    return _kind_from_flags(user_id, flags)


def _flags_from_names(names: str | None) -> int | None:
    if not names:
        return None
    return sum(_FLAG_NAMES.get(name, 0) for name in set(names.split("|")))


def _parse_line(line: str) -> AndroidUser | None:
    match = _USERINFO_RE.search(line)
    if match:
        user_id = int(match.group(1))
        hex_flags = int(match.group(3), 16)
        return AndroidUser(
            user_id=user_id,
            kind=user_kind(user_id, match.group(2), hex_flags),
            flags=hex_flags,
            running="running" in match.group(4),
        )
    match = _VERBOSE_RE.search(line)
    if match:
        user_id = int(match.group(1))
        named_flags = _flags_from_names(match.group(4))
        return AndroidUser(
            user_id=user_id,
            kind=user_kind(user_id, match.group(2), named_flags, match.group(3)),
            flags=named_flags,
            running="(running)" in match.group(5),
        )
    return None


def parse_pm_list_users(text: str) -> Known[tuple[AndroidUser, ...]]:
    users: dict[int, AndroidUser] = {}
    for line in split_lines(text):
        user = _parse_line(line)
        if user is not None and user.user_id not in users:
            users[user.user_id] = user
    if not users:
        return explain_failure(text, "'UserInfo{...}' user lines")
    return tuple(users.values())
