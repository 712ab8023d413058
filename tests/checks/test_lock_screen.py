"""Message previews on the lock screen, and how soon the phone locks."""

from __future__ import annotations

import pytest

from facts_builder import (
    change_settings,
    change_user,
    make_facts,
    run_check,
    user_facts,
    with_user,
)
from wa_harden.facts import DeviceFacts, Gap, Unknown, UserKind
from wa_harden.model import Outcome

SHOW = "secure:lock_screen_show_notifications"
PRIVATE = "secure:lock_screen_allow_private_notifications"
LOCK_AFTER = "secure:lock_screen_lock_after_timeout"
SCREEN_OFF = "system:screen_off_timeout"


def lock_screen(facts: DeviceFacts, user_id: int, show: object, private: object) -> DeviceFacts:
    return change_settings(facts, user_id, {SHOW: show, PRIVATE: private})


# --- device-lockscreen-previews ------------------------------------------------------------------


def test_previews_hidden_passes_with_observed_values() -> None:
    ev = run_check("device-lockscreen-previews", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "previews-hidden")
    assert ev.observed == [
        {
            "user": 0,
            "kind": "system",
            "show_notifications": 1,
            "allow_private_notifications": 0,
            "contents_hidden": True,
        }
    ]
    assert ev.expected == {"contents_hidden": True}


@pytest.mark.parametrize(
    ("show", "private", "outcome"),
    [
        ("0", "1", Outcome.PASS),  # no notifications on the lock screen at all
        ("0", None, Outcome.PASS),
        ("1", "0", Outcome.PASS),  # notifications, contents hidden
        (None, "0", Outcome.PASS),
        ("1", "1", Outcome.FAIL),
        (None, None, Outcome.FAIL),  # unset: Android's default shows everything
        ("1", None, Outcome.FAIL),
        (None, "1", Outcome.FAIL),
    ],
)
def test_previews_per_setting(show: str | None, private: str | None, outcome: Outcome) -> None:
    ev = run_check("device-lockscreen-previews", lock_screen(make_facts(), 0, show, private))
    assert ev.outcome is outcome


def test_previews_shown_fails_naming_the_user() -> None:
    ev = run_check("device-lockscreen-previews", lock_screen(make_facts(), 0, None, None))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "previews-shown")
    assert ev.message == (
        "The lock screen shows the contents of WhatsApp messages to anyone holding the phone: "
        "user 0 (system)."
    )
    assert ev.observed[0] == {
        "user": 0,
        "kind": "system",
        "show_notifications": 1,
        "allow_private_notifications": 1,
        "contents_hidden": False,
    }


def test_a_secondary_user_is_judged_by_its_own_settings() -> None:
    facts = with_user(make_facts(), user_facts(11, UserKind.SECONDARY))
    facts = lock_screen(lock_screen(facts, 0, "0", "1"), 11, "1", "1")
    ev = run_check("device-lockscreen-previews", facts)
    assert ev.outcome is Outcome.FAIL
    assert ev.message.endswith("user 11 (secondary).")


def test_a_profile_shows_on_user_0s_lock_screen() -> None:
    # User 0 shows no notifications on the lock screen: nothing of the work profile shows either.
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE))
    facts = lock_screen(lock_screen(facts, 0, "0", "1"), 10, None, None)
    assert run_check("device-lockscreen-previews", facts).outcome is Outcome.PASS


def test_a_work_profile_decides_its_own_redaction() -> None:
    # User 0 hides contents, but a work profile's notifications follow its own choice (AOSP).
    facts = with_user(make_facts(), user_facts(10, UserKind.WORK_PROFILE))
    facts = lock_screen(lock_screen(facts, 0, "1", "0"), 10, "1", "1")
    ev = run_check("device-lockscreen-previews", facts)
    assert ev.outcome is Outcome.FAIL
    assert ev.message.endswith("user 10 (work-profile).")
    facts = lock_screen(facts, 10, "1", "0")
    assert run_check("device-lockscreen-previews", facts).outcome is Outcome.PASS


@pytest.mark.parametrize("kind", [UserKind.CLONE, UserKind.PRIVATE_SPACE])
def test_an_unmanaged_profile_follows_user_0s_redaction(kind: UserKind) -> None:
    facts = with_user(make_facts(), user_facts(10, kind))
    facts = lock_screen(lock_screen(facts, 0, "1", "0"), 10, None, None)
    assert run_check("device-lockscreen-previews", facts).outcome is Outcome.PASS


@pytest.mark.parametrize("kind", [UserKind.SECURE_FOLDER, UserKind.DUAL_APP, UserKind.PROFILE])
def test_other_profiles_decide_their_own_redaction(kind: UserKind) -> None:
    # Secure Folder carries the MANAGED_PROFILE flag; what wa-harden cannot tell apart is judged so too.
    facts = with_user(make_facts(), user_facts(95, kind))
    facts = lock_screen(lock_screen(facts, 0, "1", "0"), 95, "0", None)  # its own show switch: no effect
    assert run_check("device-lockscreen-previews", facts).outcome is Outcome.FAIL


@pytest.mark.parametrize("gap", [Gap.TIMEOUT, Gap.COMMAND_FAILED, Gap.NOT_CAPTURED])
def test_a_deciding_setting_unknown_is_an_error(gap: Gap) -> None:
    facts = lock_screen(make_facts(), 0, "1", Unknown(gap))
    ev = run_check("device-lockscreen-previews", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, gap.value)
    assert ev.message.startswith("Could not read the lock-screen settings of user 0 (system)")
    facts = lock_screen(make_facts(), 0, Unknown(gap), Unknown(gap))
    assert run_check("device-lockscreen-previews", facts).reason == gap.value


def test_a_setting_read_as_hidden_is_enough_when_the_other_is_unknown() -> None:
    facts = lock_screen(make_facts(), 0, "0", Unknown(Gap.TIMEOUT))
    assert run_check("device-lockscreen-previews", facts).outcome is Outcome.PASS


def test_a_setting_not_collected_is_not_captured() -> None:
    settings = {k: v for k, v in make_facts().per_user[0].settings.items() if k not in (SHOW, PRIVATE)}
    ev = run_check("device-lockscreen-previews", change_user(make_facts(), 0, settings=settings))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-captured")


def test_a_value_that_is_not_a_number_is_unparseable() -> None:
    ev = run_check("device-lockscreen-previews", lock_screen(make_facts(), 0, "yes", "1"))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "unparseable")


def test_a_fail_wins_over_an_unreadable_user() -> None:
    facts = with_user(make_facts(), user_facts(11, UserKind.SECONDARY))
    facts = lock_screen(lock_screen(facts, 0, "1", "1"), 11, Unknown(Gap.TIMEOUT), Unknown(Gap.TIMEOUT))
    ev = run_check("device-lockscreen-previews", facts)
    assert ev.outcome is Outcome.FAIL
    assert ev.notes == ("user 11 (secondary) could not be read (timeout)",)


# --- device-auto-lock ----------------------------------------------------------------------------


def auto_lock(screen_off: object, lock_after: object) -> DeviceFacts:
    return change_settings(make_facts(), 0, {SCREEN_OFF: screen_off, LOCK_AFTER: lock_after})


def test_auto_lock_passes_with_observed_values() -> None:
    ev = run_check("device-auto-lock", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "locks-in-time")
    assert ev.message == "The phone turns the screen off after 30 s and locks 5 s later (35 s), within 300 s."
    assert ev.observed == {
        "screen_off_timeout_ms": 30000,
        "lock_after_timeout_ms": 5000,
        "lock_after_is_default": False,
        "locks_after_seconds": 35,
    }
    assert ev.expected == {"max_seconds": 300}


def test_auto_lock_boundary_and_param() -> None:
    assert run_check("device-auto-lock", auto_lock("295000", "5000")).outcome is Outcome.PASS
    ev = run_check("device-auto-lock", auto_lock("300000", "5000"))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "locks-too-late")
    assert ev.message == (
        "The phone turns the screen off after 300 s and locks 5 s later (305 s); at most 300 s allowed."
    )
    assert run_check("device-auto-lock", make_facts(), max_seconds=34).outcome is Outcome.FAIL
    assert run_check("device-auto-lock", make_facts(), max_seconds=35).outcome is Outcome.PASS


def test_long_lock_delay_fails_although_the_screen_goes_off_soon() -> None:
    ev = run_check("device-auto-lock", auto_lock("30000", "1800000"))
    assert ev.outcome is Outcome.FAIL
    assert ev.observed["locks_after_seconds"] == 1830


def test_unset_lock_delay_is_androids_default_of_5_seconds() -> None:
    ev = run_check("device-auto-lock", auto_lock("60000", None))
    assert ev.outcome is Outcome.PASS
    assert ev.observed["lock_after_timeout_ms"] == 5000
    assert ev.observed["lock_after_is_default"] is True


@pytest.mark.parametrize("screen_off", ["2147483647", "-1"])
def test_never_turning_off_fails(screen_off: str) -> None:
    ev = run_check("device-auto-lock", auto_lock(screen_off, "5000"))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "locks-too-late")


def test_unset_screen_timeout_is_not_reported() -> None:
    ev = run_check("device-auto-lock", auto_lock(None, "5000"))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-reported")


@pytest.mark.parametrize("key", [SCREEN_OFF, LOCK_AFTER])
@pytest.mark.parametrize("gap", [Gap.TIMEOUT, Gap.COMMAND_FAILED, Gap.USER_RESTRICTED])
def test_an_unknown_timeout_is_an_error(key: str, gap: Gap) -> None:
    ev = run_check("device-auto-lock", change_settings(make_facts(), 0, {key: Unknown(gap)}))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, gap.value)


@pytest.mark.parametrize("key", [SCREEN_OFF, LOCK_AFTER])
def test_a_timeout_that_is_not_a_number_or_not_collected_is_an_error(key: str) -> None:
    ev = run_check("device-auto-lock", change_settings(make_facts(), 0, {key: "30s"}))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "unparseable")
    settings = {k: v for k, v in make_facts().per_user[0].settings.items() if k != key}
    ev = run_check("device-auto-lock", change_user(make_facts(), 0, settings=settings))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-captured")


def test_only_user_0_is_judged() -> None:
    other = user_facts(10, UserKind.WORK_PROFILE)
    facts = change_settings(with_user(make_facts(), other), 10, {SCREEN_OFF: "600000"})
    assert run_check("device-auto-lock", facts).outcome is Outcome.PASS


def test_no_facts_for_user_0_is_an_error() -> None:
    ev = run_check("device-auto-lock", make_facts(per_user={}))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "not-captured")
