"""Capture -> DeviceFacts: look each planned command up in the capture and parse its output.

Pure: the same capture always gives the same facts, whether it came from a phone a second ago or
from a file.  A command missing from the capture leaves its facts unknown with the reason
``not-captured`` (or the reason the session was cut short).
"""

from __future__ import annotations

from datetime import timezone
from typing import Any, Callable

from wa_harden import commands as cmd
from wa_harden.capture import Capture
from wa_harden.facts import (
    AndroidUser, DeviceFacts, Gap, Known, MediaTree, Unknown, UserFacts, UserKind, is_known,
)
from wa_harden.parse.accounts import parse_dumpsys_account
from wa_harden.parse.appops import parse_appops_get
from wa_harden.parse.backup import parse_bmgr_enabled, parse_bmgr_transports
from wa_harden.parse.contacts import parse_content_raw_contacts
from wa_harden.parse.dumpsys_package import parse_dumpsys_package
from wa_harden.parse.getprop import parse_getprop
from wa_harden.parse.lock import parse_dumpsys_lock_settings
from wa_harden.parse.owners import parse_dpm_list_owners, parse_dumpsys_device_policy
from wa_harden.parse.packages import parse_pm_list_packages
from wa_harden.parse.settings import parse_settings_get
from wa_harden.parse.storage import build_media_tree, parse_find
from wa_harden.parse.users import parse_pm_list_users


class _Reader:
    def __init__(self, capture: Capture) -> None:
        self.capture = capture
        reasons = {gap.value: gap for gap in Gap}
        self.missing = reasons.get(capture.incomplete or "", Gap.NOT_CAPTURED)

    def read(self, command: str, parser: Callable[..., Any], *args: Any) -> Any:
        record = self.capture.get(command)
        if record is None:
            return Unknown(self.missing, f"`{command}` is not in the capture")
        return parser(record.output, *args)


def facts_from_capture(capture: Capture) -> DeviceFacts:
    reader = _Reader(capture)
    users = reader.read(cmd.PM_LIST_USERS, parse_pm_list_users)
    known_users = list(users) if is_known(users) else []
    if not any(u.user_id == 0 for u in known_users):
        known_users.insert(0, AndroidUser(0, UserKind.SYSTEM))
    owners = reader.read(cmd.DPM_LIST_OWNERS, parse_dpm_list_owners)
    if not is_known(owners):
        owners = reader.read(cmd.DUMPSYS_DEVICE_POLICY, parse_dumpsys_device_policy)
    observed_at = capture.captured_at
    if observed_at.tzinfo is not None:
        observed_at = observed_at.astimezone(timezone.utc).replace(tzinfo=None)
    return DeviceFacts(
        serial=capture.serial,
        observed_at=observed_at,
        build=reader.read(cmd.GETPROP, parse_getprop),
        users=users,
        packages={p: reader.read(cmd.dumpsys_package(p), parse_dumpsys_package, p)
                  for p in cmd.WHATSAPP_PACKAGES},
        per_user={u.user_id: _user_facts(reader, u) for u in known_users},
        lock=reader.read(cmd.DUMPSYS_LOCK_SETTINGS, parse_dumpsys_lock_settings),
        accounts=reader.read(cmd.DUMPSYS_ACCOUNT, parse_dumpsys_account),
        owners=owners,
        global_settings={key: reader.read(cmd.settings_get("global", key), parse_settings_get)
                         for key in cmd.GLOBAL_SETTING_KEYS},
        backup_transports=reader.read(cmd.BMGR_LIST_TRANSPORTS, parse_bmgr_transports),
    )


def _user_facts(reader: _Reader, user: AndroidUser) -> UserFacts:
    uid = user.user_id
    packages = reader.read(cmd.pm_list_packages(uid), parse_pm_list_packages)
    if isinstance(packages, Unknown) and packages.reason is Gap.USER_RESTRICTED:
        # The shell may not enter this user at all: say so for every per-user fact.
        refused = packages
        return UserFacts(user, refused, refused, refused,
                         {p: refused for p in cmd.WHATSAPP_PACKAGES}, refused, refused)
    return UserFacts(
        user=user,
        packages=packages,
        backup=reader.read(cmd.bmgr_enabled(uid), parse_bmgr_enabled),
        backup_setting=reader.read(cmd.backup_setting(uid), parse_settings_get),
        appops={p: reader.read(cmd.appops_get(uid, p), parse_appops_get) for p in cmd.WHATSAPP_PACKAGES},
        contacts=reader.read(cmd.content_raw_contacts(uid), parse_content_raw_contacts),
        media=_media(reader, uid),
    )


def _media(reader: _Reader, uid: int) -> Known[tuple[MediaTree, ...]]:
    trees = []
    for package, layout, root in cmd.media_tree_roots(uid):
        folders = reader.read(cmd.find_media_folders(root), parse_find, root + "/Media")
        nomedia = reader.read(cmd.find_nomedia(root), parse_find, root)
        tree = build_media_tree(package, layout, root, folders, nomedia)
        if not is_known(tree):
            return tree
        trees.append(tree)
    return tuple(trees)
