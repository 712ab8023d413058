"""``dumpsys user``: every Android user with its restrictions, as UserManagerService prints them.

Per user (``dumpUserLocked``; AOSP ``UserManagerService.java``): ``UserInfo{id:name:hexflags}
serialNo=N`` (``isPrimary=`` from 11, ``parentId=`` for a profile), then four-space lines (from 11
also ``Type:``, ``Flags:``, start and unlock times; from 14 ``Last entered foreground:``), and four
restriction lists, each entry six spaces deep: ``Restrictions:`` (the user's own), ``Device policy
global restrictions:``, ``Device policy local restrictions:`` (from 11 a ``RestrictionsSet``: one
``User Id: N`` line per admin user, its entries two deeper) and ``Effective restrictions:``.  A list
prints ``none`` when empty and ``null`` when the service never computed it (a user not started).
Keys come out in ``Bundle`` (ArrayMap) order, i.e. by their hash code.
"""

from __future__ import annotations

from wa_harden.virtual.android.appops import format_duration
from wa_harden.virtual.android.catalog import GUEST_RESTRICTIONS, USER_TYPES, user_flag_names
from wa_harden.virtual.android.output import array_map_order, lines
from wa_harden.virtual.android.state import AndroidState, R, T, U, User, UserKind

_NO_USER = -10000  # UserHandle.USER_NULL: no device owner
_PROFILES = (UserKind.WORK_PROFILE, UserKind.CLONE, UserKind.PRIVATE_SPACE, UserKind.SECURE_FOLDER,
             UserKind.DUAL_APP)


def _restrictions(names: set[str] | None, prefix: str) -> list[str]:
    """``UserRestrictionsUtils.dumpRestrictions``: one per line, ``none`` if empty, ``null`` if unset."""
    if names is None:
        return [f"{prefix}null"]
    if not names:
        return [f"{prefix}none"]
    return [f"{prefix}{name}" for name in array_map_order(sorted(names))]


def _ago(seconds: int | None) -> str:
    return "<unknown>" if seconds is None else f"{format_duration(seconds)} ago"


def _user_block(state: AndroidState, user: User) -> list[str]:
    sdk = state.sdk
    head = f"  UserInfo{{{user.id}:{user.name}:{user.flags:x}}} serialNo={user.id}"
    if sdk >= R:
        head += f" isPrimary={'true' if user.kind is UserKind.SYSTEM else 'false'}"
        if user.kind in _PROFILES:
            head += " parentId=0"
    rows = [head]
    if sdk >= R:
        rows += [f"    Type: android.os.usertype.{USER_TYPES[user.kind]}",
                 f"    Flags: {user.flags} ({user_flag_names(user.flags)})"]
    rows.append(f"    State: {'RUNNING_UNLOCKED' if user.running else -1}")
    system = user.kind is UserKind.SYSTEM
    rows += [f"    Created: {_ago(None if system else 200 * 86400 + 3 * 3600 + 17)}",
             f"    Last logged in: {_ago(2 * 86400 + 5 * 3600 + 112 if user.running else None)}",
             f"    Last logged in fingerprint: {state.build.fingerprint}"]
    if sdk >= R:
        rows += [f"    Start time: {_ago(2 * 86400 + 5 * 3600 + 140 if user.running else None)}",
                 f"    Unlock time: {_ago(2 * 86400 + 5 * 3600 + 121 if user.running else None)}"]
    if sdk >= U:
        rows.append(f"    Last entered foreground: {_ago(3 * 3600 + 611 if user.running and system else None)}")
    owners = state.owners
    rows.append(f"    Has profile owner: {'true' if user.id in owners.profile_owners else 'false'}")
    computed = user.running or user.effective_restrictions
    rows.append("    Restrictions:")
    rows += _restrictions(user.restrictions if computed else None, "      ")
    rows.append("    Device policy global restrictions:")
    rows += _restrictions(None, "      ")
    rows.append("    Device policy local restrictions:")
    admin = owners.device_owner_user if owners.device_owner and user.id == owners.device_owner_user else user.id
    if sdk >= R:
        if user.policy_restrictions:
            rows.append(f"      User Id: {admin}")
            rows += _restrictions(user.policy_restrictions, "        ")
        else:
            rows.append("      none")
    else:
        rows += _restrictions(user.policy_restrictions or None, "      ")
    rows.append("    Effective restrictions:")
    rows += _restrictions(user.effective_restrictions if computed else None, "      ")
    if sdk >= T:
        rows.append("    Ignore errors preparing storage: false")
    return rows


def dumpsys_user(state: AndroidState) -> str:
    sdk = state.sdk
    rows = ["Current user: 0", ""] if sdk >= R else []
    rows.append("Users:")
    for user_id in sorted(state.users):
        rows += _user_block(state, state.users[user_id])
    owner = state.owners.device_owner_user if state.owners.device_owner else _NO_USER
    rows.append("")
    if sdk >= U:
        rows += ["Device properties:", f"  Device owner id:{owner}"]
    else:
        rows.append(f"  Device owner id:{owner}")
    rows += ["", "  Guest restrictions:", *_restrictions(set(GUEST_RESTRICTIONS), "    "), "",
             f"  Device managed: {'true' if state.owners.device_owner else 'false'}"]
    running = [user_id for user_id in sorted(state.users) if state.users[user_id].running]
    if sdk >= R:
        rows.append("  Started users state: [" + ", ".join(f"{u}=RUNNING_UNLOCKED" for u in running) + "]")
    else:
        rows.append("  Started users state: {" + ",".join(f"{u}=3" for u in running) + "}")
    rows += ["", f"  Max users: {4 if state.build.oem.value != 'samsung' else 8}",
             f"  Supports switchable users: {'true' if state.build.oem.value == 'google' else 'false'}"]
    return lines(rows)
