"""Deciding a fix, purely from facts: what to change, what to remember, whether it held, how to undo.

Nothing here talks to a phone.  ``apply.py`` does the writing; it hands the facts it read before and
after to these functions, so every decision is tested from facts alone.

- :func:`plan_actions`: the allow-listed actions of every failing check that can plan them.
- :func:`snapshot`: the state the plan touches, per user and package, as it was before; with the
  serial and build fingerprint, so an undo never lands on another phone.
- :func:`holds`: whether an action's effect is true in freshly read facts (success is never judged
  by an exit status).
- :func:`undo_actions`: from a snapshot and the phone's current facts, the actions that put back
  exactly what the fix changed: grants back, only the flags the fix set cleared, backup on again
  where it was on, only the ``.nomedia`` files the fix created removed.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wa_harden import commands as cmd
from wa_harden.checks import REGISTRY
from wa_harden.facts import DeviceFacts, Gap, Known, PermissionGrant, Unknown, is_known
from wa_harden.model import (
    Action,
    BackupEffect,
    FileEffect,
    Outcome,
    PermissionEffect,
    Result,
    Tier,
)
from wa_harden.profile import Profile

SNAPSHOT_FORMAT = "wa-harden-snapshot"
SNAPSHOT_VERSION = 1
# Android's flag names as `pm set/clear-permission-flags` spells them.
_FLAG_WORDS = {"USER_SET": "user-set", "USER_FIXED": "user-fixed"}


@dataclass(frozen=True)
class LeftOut:
    """A planned action that will not run, and why (``--safe-only``, ``--only``)."""

    action: Action
    reason: str


def plan_actions(facts: DeviceFacts, profile: Profile, results: Sequence[Result],
                 only: Iterable[str] = (), safe_only: bool = False) -> tuple[tuple[Action, ...], tuple[LeftOut, ...]]:
    """The actions that would make the failing checks pass, and those left out by the options."""
    wanted = set(only)
    actions: list[Action] = []
    left_out: list[LeftOut] = []
    for result in results:
        spec = REGISTRY[result.check]
        if result.outcome is not Outcome.FAIL or spec.plan is None:
            continue
        for action in spec.plan(facts, profile.checks[spec.id].params):
            if wanted and action.check not in wanted:
                left_out.append(LeftOut(action, "not among the checks chosen with --only"))
            elif safe_only and action.tier is not Tier.SAFE:
                left_out.append(LeftOut(action, f"{action.tier.value}: left out by --safe-only"))
            else:
                actions.append(action)
    return tuple(actions), tuple(left_out)


# --- reading an effect in facts --------------------------------------------------------------------


def _grant(facts: DeviceFacts, user: int, package: str, permission: str) -> Known[PermissionGrant | None]:
    """The grant of one permission in one user; None when the package does not request it."""
    dump = facts.packages.get(package, Unknown(Gap.NOT_CAPTURED, f"{package} was not read"))
    if not is_known(dump):
        return dump
    if dump is None:
        return Unknown(Gap.NOT_CAPTURED, f"{package} is no longer installed")
    state = dump.users.get(user)
    if state is None or not state.installed:
        return Unknown(Gap.NOT_CAPTURED, f"{package} is not installed in user {user}")
    return state.runtime_permissions.get(permission) or dump.install_permissions.get(permission)


def _backup_enabled(facts: DeviceFacts, user: int) -> Known[bool]:
    user_facts = facts.per_user.get(user)
    if user_facts is None:
        return Unknown(Gap.NOT_CAPTURED, f"user {user} was not read")
    backup = user_facts.backup
    if is_known(backup):
        return backup.enabled and backup.activated
    return backup


def _file_exists(facts: DeviceFacts, user: int, path: str) -> Known[bool]:
    """Whether a ``.nomedia`` exists in a media folder, from the folder listing of its tree."""
    user_facts = facts.per_user.get(user)
    if user_facts is None:
        return Unknown(Gap.NOT_CAPTURED, f"user {user} was not read")
    trees = user_facts.media
    if not is_known(trees):
        return trees
    folder_path = posixpath.dirname(path)
    for tree in trees:
        for folder in tree.folders:
            if folder.path == folder_path:
                return folder.hidden_by == path
    return Unknown(Gap.NOT_CAPTURED, f"the folder {folder_path} was not found when the phone was read again")


def holds(action: Action, facts: DeviceFacts) -> Known[bool]:
    """Whether ``action``'s effect is true in ``facts`` (read after the action ran)."""
    effect = action.effect
    user = action.user if action.user is not None else 0
    if isinstance(effect, PermissionEffect):
        grant = _grant(facts, user, effect.package, effect.permission)
        if not is_known(grant):
            return grant
        granted = grant.granted if grant is not None else False
        flags = grant.flags if grant is not None else frozenset()
        return ((effect.granted is None or granted == effect.granted)
                and effect.flags_present <= flags and not (effect.flags_absent & flags))
    if isinstance(effect, BackupEffect):
        enabled = _backup_enabled(facts, user)
        return enabled if not is_known(enabled) else enabled == effect.enabled
    if isinstance(effect, FileEffect):
        exists = _file_exists(facts, user, effect.path)
        return exists if not is_known(exists) else exists == effect.exists
    return Unknown(Gap.NOT_CAPTURED, "the action names no effect to verify")


# --- snapshot and undo ---------------------------------------------------------------------------


def snapshot(facts: DeviceFacts, actions: Sequence[Action], taken_at: str) -> dict[str, Any]:
    """The state every action will touch, as ``facts`` show it before the fix (JSON-able)."""
    build = facts.build
    permissions: dict[tuple[int, str, str], dict[str, Any]] = {}
    backup: dict[int, dict[str, Any]] = {}
    files: dict[str, dict[str, Any]] = {}
    for action in actions:
        user = action.user if action.user is not None else 0
        effect = action.effect
        if isinstance(effect, PermissionEffect):
            grant = _grant(facts, user, effect.package, effect.permission)
            if is_known(grant):
                permissions[(user, effect.package, effect.permission)] = {
                    "user": user, "package": effect.package, "permission": effect.permission,
                    "granted": bool(grant and grant.granted), "flags": sorted(grant.flags) if grant else []}
        elif isinstance(effect, BackupEffect):
            enabled = _backup_enabled(facts, user)
            if is_known(enabled):
                backup[user] = {"user": user, "enabled": enabled}
        elif isinstance(effect, FileEffect):
            exists = _file_exists(facts, user, effect.path)
            if is_known(exists):
                files[effect.path] = {"user": user, "path": effect.path, "existed": exists}
    return {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "serial": facts.serial,
        "fingerprint": build.fingerprint if is_known(build) else None,
        "model": build.model if is_known(build) else None,
        "sdk": build.sdk if is_known(build) else None,
        "taken_at": taken_at,
        "permissions": list(permissions.values()),
        "backup": list(backup.values()),
        "files": list(files.values()),
    }


def same_phone(saved: Mapping[str, Any], facts: DeviceFacts) -> str | None:
    """None when ``facts`` come from the phone of the snapshot; else why not (serial, build)."""
    if saved.get("serial") != facts.serial:
        return f"the snapshot is of {saved.get('serial')}, not {facts.serial}"
    build = facts.build
    if not is_known(build) or build.fingerprint is None:
        return "the phone's build fingerprint could not be read, so it cannot be matched to the snapshot"
    if saved.get("fingerprint") != build.fingerprint:
        return (f"the phone's build changed since the fix (was {saved.get('fingerprint')}, now {build.fingerprint}): "
                "an update may have reset what the snapshot describes")
    return None


def undo_actions(saved: Mapping[str, Any], facts: DeviceFacts) -> tuple[tuple[Action, ...], tuple[str, ...]]:
    """The actions that restore the snapshot where the phone now differs from it, and notes on what
    cannot be told (a fact that could not be read again)."""
    actions: list[Action] = []
    notes: list[str] = []
    for entry in saved.get("permissions", []):
        user, package, permission = entry["user"], entry["package"], entry["permission"]
        grant = _grant(facts, user, package, permission)
        if not is_known(grant):
            notes.append(f"{package} {permission} in user {user}: {grant.detail or grant.reason.value}")
            continue
        flags = grant.flags if grant else frozenset()
        extra = sorted(flag for flag in _FLAG_WORDS if flag in flags and flag not in entry["flags"])
        check = "wa-contacts-denied"
        if extra:
            words = tuple(_FLAG_WORDS[flag] for flag in extra)
            actions.append(Action(check, user, cmd.pm_clear_permission_flags(user, package, permission, words),
                                  Tier.SAFE, None, f"the fixed denial of {permission} for {package} is lifted",
                                  PermissionEffect(package, permission, flags_absent=frozenset(extra))))
        if entry["granted"] and not (grant and grant.granted):
            actions.append(Action(check, user, cmd.pm_grant(user, package, permission), Tier.SAFE, None,
                                  f"{package} gets {permission} back in user {user}",
                                  PermissionEffect(package, permission, granted=True)))
    for entry in saved.get("backup", []):
        user = entry["user"]
        enabled = _backup_enabled(facts, user)
        if not is_known(enabled):
            notes.append(f"Android backup of user {user}: {enabled.detail or enabled.reason.value}")
        elif entry["enabled"] and not enabled:
            actions.append(Action("android-backup-disabled", user, cmd.bmgr_enable(user, True), Tier.SAFE, None,
                                  f"Android backup is turned on again in user {user}", BackupEffect(enabled=True)))
    for entry in saved.get("files", []):
        user, path = entry["user"], entry["path"]
        exists = _file_exists(facts, user, path)
        if not is_known(exists):
            notes.append(f"{path}: {exists.detail or exists.reason.value}")
        elif not entry["existed"] and exists:
            actions.append(Action("wa-media-hidden", user, cmd.remove_file(path), Tier.SAFE, None,
                                  "the .nomedia wa-harden created is removed", FileEffect(path, exists=False)))
    return tuple(actions), tuple(notes)
