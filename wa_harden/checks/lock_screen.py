"""What a locked phone shows, and how soon it locks: message previews on the lock screen, auto-lock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wa_harden.checks.base import (
    CheckSpec,
    Evaluation,
    Param,
    captured,
    could_not_read,
    first_error_or,
    not_reported,
    scan_users,
    setting_flag,
    user_label,
    user_ref,
)
from wa_harden.checks.device import PROFILE_KINDS
from wa_harden.facts import (
    AndroidUser,
    DeviceFacts,
    Gap,
    Known,
    Unknown,
    UserFacts,
    UserKind,
    is_known,
)
from wa_harden.model import Area, Outcome, Severity

SHOW_NOTIFICATIONS = "secure:lock_screen_show_notifications"
ALLOW_PRIVATE = "secure:lock_screen_allow_private_notifications"
LOCK_AFTER = "secure:lock_screen_lock_after_timeout"
SCREEN_OFF = "system:screen_off_timeout"
# Android's own defaults when a setting is unset: notifications and their contents are shown, and
# the phone locks 5 s after the screen goes off.
DEFAULT_SHOWN = 1
DEFAULT_LOCK_AFTER_MS = 5000
# Profiles Android does not manage (no MANAGED_PROFILE flag): the parent's redaction covers them.
_UNMANAGED_PROFILES = frozenset({UserKind.CLONE, UserKind.PRIVATE_SPACE})


@dataclass(frozen=True)
class _LockScreen:
    """One user's two lock-screen switches (unset = 1, Android's default); either may be unknown."""

    show: Known[int]
    private: Known[int]


def _lock_screen(user_facts: UserFacts) -> Known[_LockScreen]:
    show = captured(user_facts.settings, SHOW_NOTIFICATIONS)
    private = captured(user_facts.settings, ALLOW_PRIVATE)
    if not is_known(show) and not is_known(private):
        return show  # nothing read: the user is skipped (refuses the shell) or an error
    return _LockScreen(
        setting_flag(show, DEFAULT_SHOWN) if is_known(show) else show,
        setting_flag(private, DEFAULT_SHOWN) if is_known(private) else private,
    )


def _hiding_conditions(
    user: AndroidUser, own: _LockScreen, parent: _LockScreen | None
) -> list[tuple[Known[int], str]]:
    """The switches any one of which, at 0, keeps this user's message contents off the lock screen.

    A profile's notifications appear on its parent's lock screen (taken as user 0): SystemUI shows
    them only if the parent shows notifications (the profile's own switch does not count), and
    redacts them by the parent's choice too, except for a managed profile (work profile, Secure
    Folder, and whatever wa-harden cannot tell apart from one), whose own choice decides (AOSP
    NotificationLockscreenUserManagerImpl).
    """
    if user.kind not in PROFILE_KINDS or parent is None:
        return [
            (own.show, "shows no notifications on the lock screen"),
            (own.private, "hides their contents on the lock screen"),
        ]
    conditions = [(parent.show, "user 0 shows no notifications on the lock screen")]
    if user.kind in _UNMANAGED_PROFILES:
        conditions.append((parent.private, "user 0 hides notification contents"))
    conditions.append((own.private, "hides the contents of its notifications"))
    return conditions


def _lockscreen_previews(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    scan = scan_users(facts, _lock_screen)
    parent = next((state for user, state in scan.readable if user.user_id == 0), None)
    observed: list[dict[str, Any]] = []
    shown: list[str] = []
    undecided: list[Evaluation] = []
    for user, state in scan.readable:
        conditions = _hiding_conditions(user, state, parent)
        hidden_by = next((why for value, why in conditions if is_known(value) and value == 0), None)
        unknown = next((value for value, _ in conditions if not is_known(value)), None)
        row = {
            **user_ref(facts, user.user_id),
            "show_notifications": state.show if is_known(state.show) else None,
            "allow_private_notifications": state.private if is_known(state.private) else None,
            "contents_hidden": True,
        }
        observed.append(row)
        if hidden_by is not None:
            continue
        if unknown is not None:
            row["contents_hidden"] = None
            undecided.append(could_not_read(unknown, f"the lock-screen settings of {user_label(user)}"))
        else:
            row["contents_hidden"] = False
            shown.append(user_label(user))
    expected = {"contents_hidden": True}
    failed = None
    if shown:
        failed = Evaluation(
            Outcome.FAIL,
            reason="previews-shown",
            message=(
                "The lock screen shows the contents of WhatsApp messages to anyone holding the phone: "
                f"{', '.join(shown)}."
            ),
            observed=observed,
            expected=expected,
        )
    passed = Evaluation(
        Outcome.PASS,
        reason="previews-hidden",
        message="The lock screen hides message contents in every readable user.",
        observed=observed,
        expected=expected,
    )
    return scan.conclude("the lock-screen settings", failed, first_error_or(undecided, passed))


def _milliseconds(value: Known[str | None], key: str, user: str) -> int | Evaluation:
    """A timeout setting in ms, or the error that says why it cannot be used."""
    if not is_known(value):
        return could_not_read(value, f"{key} of {user}")
    if value is None:
        return not_reported(f"{key} of {user} (unset; its default differs from maker to maker)")
    parsed = setting_flag(value, 0)
    if not is_known(parsed):
        return could_not_read(parsed, f"{key} of {user}")
    return parsed


def _auto_lock(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    max_seconds: int = params["max_seconds"]
    expected = {"max_seconds": max_seconds}
    user_facts = facts.per_user.get(0)
    if user_facts is None:
        return could_not_read(Unknown(Gap.NOT_CAPTURED, "no facts for user 0"), "the screen timeout")
    user = user_label(user_facts.user)
    screen_off = _milliseconds(captured(user_facts.settings, SCREEN_OFF), "the screen timeout", user)
    if isinstance(screen_off, Evaluation):
        return screen_off
    lock_value = captured(user_facts.settings, LOCK_AFTER)
    lock_after = (
        DEFAULT_LOCK_AFTER_MS
        if is_known(lock_value) and lock_value is None
        else _milliseconds(lock_value, "the lock delay", user)
    )
    if isinstance(lock_after, Evaluation):
        return lock_after
    never = screen_off < 0 or lock_after < 0  # some makers store "never" as -1
    total_seconds = (screen_off + lock_after) / 1000
    observed = {
        "screen_off_timeout_ms": screen_off,
        "lock_after_timeout_ms": lock_after,
        "lock_after_is_default": is_known(lock_value) and lock_value is None,
        "locks_after_seconds": None if never else total_seconds,
    }
    timing = (
        "never locks by itself"
        if never
        else f"turns the screen off after {screen_off / 1000:g} s and locks {lock_after / 1000:g} s "
        f"later ({total_seconds:g} s)"
    )
    if never or total_seconds > max_seconds:
        return Evaluation(
            Outcome.FAIL,
            reason="locks-too-late",
            message=f"The phone {timing}; at most {max_seconds} s allowed.",
            observed=observed,
            expected=expected,
        )
    return Evaluation(
        Outcome.PASS,
        reason="locks-in-time",
        message=f"The phone {timing}, within {max_seconds} s.",
        observed=observed,
        expected=expected,
    )


CHECKS = (
    CheckSpec(
        id="device-lockscreen-previews",
        title="The lock screen hides message contents",
        area=Area.DEVICE,
        rationale=(
            "With previews on the lock screen, anyone near the phone reads customer messages without "
            "unlocking it (Art. 5(1)(f), 32)."
        ),
        severity=Severity.MEDIUM,
        gdpr=("Art. 5(1)(f)", "Art. 32"),
        remedy=(
            "Settings > Notifications > Notifications on lock screen (Samsung: Settings > Lock screen "
            "> Notifications): choose 'Don't show notifications' or hide sensitive content ('Show "
            "sensitive content' off); for a work profile also turn off 'Sensitive work profile "
            "notifications'. On managed phones set the keyguard feature in the MDM."
        ),
        params=(),
        evaluate=_lockscreen_previews,
    ),
    CheckSpec(
        id="device-auto-lock",
        title="The phone locks itself soon",
        area=Area.DEVICE,
        rationale=(
            "A phone that stays unlocked when put down gives the chats to whoever picks it up; a PIN "
            "helps only once the phone has locked (Art. 32)."
        ),
        severity=Severity.MEDIUM,
        gdpr=("Art. 32",),
        remedy=(
            "Settings > Display > Screen timeout: 1 minute or less; Settings > Security > Screen lock "
            "> gear icon > 'Lock after screen timeout': Immediately or 5 seconds (Samsung: Lock screen "
            "> Secure lock settings > Auto lock when screen turns off). On managed phones set the "
            "maximum time to lock in the MDM."
        ),
        params=(
            Param(
                "max_seconds",
                int,
                300,
                "the screen must turn off and lock within this many seconds of the last touch (user 0)",
                minimum=1,
            ),
        ),
        evaluate=_auto_lock,
    ),
)
