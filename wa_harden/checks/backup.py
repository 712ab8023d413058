"""Android's device backup and WhatsApp's own chat backup: both copy chats to Google's cloud."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wa_harden import commands as cmd
from wa_harden.checks.base import (
    CheckSpec,
    Evaluation,
    manual,
    package_dump,
    scan_users,
    user_label,
)
from wa_harden.commands import WHATSAPP_PACKAGES
from wa_harden.facts import DeviceFacts, Known, UserFacts, is_known
from wa_harden.model import Action, Area, BackupEffect, Outcome, Severity, Tier

GOOGLE_ACCOUNT = "com.google"


@dataclass(frozen=True)
class _BackupState:
    enabled: bool
    activated: bool
    source: str  # "bmgr" or "settings" (secure backup_enabled, when bmgr could not be read)


def _backup_state(user_facts: UserFacts) -> Known[_BackupState]:
    backup = user_facts.backup
    if is_known(backup):
        return _BackupState(backup.enabled, backup.activated, "bmgr")
    setting = user_facts.backup_setting
    if is_known(setting) and setting in ("0", "1"):
        return _BackupState(setting == "1", True, "settings")
    return backup


def _allow_backup(facts: DeviceFacts) -> dict[str, bool]:
    """Which installed WhatsApp apps let Android back up their data (manifest ALLOW_BACKUP)."""
    declared = {}
    for package in WHATSAPP_PACKAGES:
        dump = package_dump(facts, package)
        if is_known(dump) and dump is not None:
            declared[package] = "ALLOW_BACKUP" in dump.flags
    return declared


def _android_backup_disabled(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    scan = scan_users(facts, _backup_state)
    transports = facts.backup_transports
    allow_backup = _allow_backup(facts)
    observed = {
        "users": [
            {
                "user": user.user_id,
                "kind": user.kind.value,
                "enabled": state.enabled,
                "activated": state.activated,
                "source": state.source,
            }
            for user, state in scan.readable
        ],
        "transport": transports.current if is_known(transports) else None,
        "whatsapp_allow_backup": allow_backup,
    }
    expected = {"enabled": False}
    enabled = [user for user, state in scan.readable if state.enabled and state.activated]
    failed = None
    if enabled:
        apps = [p for p, allowed in allow_backup.items() if allowed]
        who = f", including {', '.join(apps)} (ALLOW_BACKUP)," if apps else ""
        failed = Evaluation(
            Outcome.FAIL,
            reason="backup-enabled",
            message=(
                f"Android backup is on for {', '.join(user_label(u) for u in enabled)}: app data{who} "
                f"is copied to {observed['transport'] or 'the backup transport'}."
            ),
            observed=observed,
            expected=expected,
        )
    passed = Evaluation(
        Outcome.PASS,
        reason="backup-disabled",
        message="Android backup is off (or not activated) in every readable user.",
        observed=observed,
        expected=expected,
    )
    return scan.conclude("the Android backup state", failed, passed)


def _plan_backup(facts: DeviceFacts, params: Mapping[str, Any]) -> tuple[Action, ...]:
    """``bmgr enable false`` for every user whose Android backup is on (never the setting itself)."""
    scan = scan_users(facts, _backup_state)
    return tuple(
        Action("android-backup-disabled", user.user_id, cmd.bmgr_enable(user.user_id, False), Tier.DISRUPTIVE,
               cmd.bmgr_enable(user.user_id, True),
               f"Android backup stops for every app in {user_label(user)}; turning it on again later does "
               "not bring back the backup set deleted now", BackupEffect(enabled=False))
        for user, state in scan.readable
        if state.enabled and state.activated
    )


def _google_accounts(facts: DeviceFacts) -> int | None:
    accounts = facts.accounts
    if not is_known(accounts):
        return None
    return sum(summary.by_type.get(GOOGLE_ACCOUNT, 0) for summary in accounts.values())


def _chat_backup(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    google = _google_accounts(facts)
    indicator = (
        "the Google accounts could not be counted"
        if google is None
        else f"{google} Google account(s) on the phone; Drive backup needs one"
    )
    return manual(
        "not-observable",
        (
            "WhatsApp's own chat backup cannot be read over ADB: open WhatsApp Business > Settings > "
            "Chats > Chat backup and check that 'Back up to Google Drive' is 'Never', or that "
            f"end-to-end encrypted backup is on ({indicator})."
        ),
        observed={"google_accounts": google},
    )


CHECKS = (
    CheckSpec(
        id="android-backup-disabled",
        title="Android device backup is off",
        area=Area.BACKUP,
        rationale=(
            "Android's backup (Google One) copies app data, including WhatsApp's, to Google's cloud "
            "outside any agreement the company controls (Art. 32, 44)."
        ),
        severity=Severity.HIGH,
        gdpr=("Art. 32", "Art. 44"),
        remedy=(
            "Settings > Google > Backup > turn off 'Backup by Google One' (Samsung: Settings > Accounts "
            "and backup > Back up data), in every user and work profile; on managed phones set "
            "backupService to disabled in the MDM."
        ),
        params=(),
        evaluate=_android_backup_disabled,
        plan=_plan_backup,
    ),
    CheckSpec(
        id="wa-chat-backup",
        title="WhatsApp chat backup to Google Drive is off or end-to-end encrypted",
        area=Area.BACKUP,
        rationale=(
            "WhatsApp's Drive backup stores customer chats in a Google account, unencrypted unless "
            "end-to-end encrypted backup is on (Art. 32, 44). The setting is private to WhatsApp."
        ),
        severity=Severity.HIGH,
        gdpr=("Art. 32", "Art. 44"),
        remedy=(
            "On the phone open WhatsApp Business > Settings > Chats > Chat backup. Set 'Back up to "
            "Google Drive' to 'Never', or turn on 'End-to-end encrypted backup' and keep the password "
            "or key in the company's password manager. Record the check with an attestation."
        ),
        params=(),
        evaluate=_chat_backup,
        manual=True,
    ),
)
