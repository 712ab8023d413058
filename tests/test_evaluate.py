from __future__ import annotations

import dataclasses
from datetime import date, datetime
from types import MappingProxyType

import pytest

from facts_builder import SERIAL, change_build, make_facts
from wa_harden.checks import REGISTRY, all_checks
from wa_harden.evaluate import evaluate_device
from wa_harden.facts import Gap, Unknown
from wa_harden.model import Attestation, Outcome, Severity, Waiver
from wa_harden.profile import CheckSettings, Profile, load_profile

OLD_PATCH = date(2025, 10, 1)  # 151 days before the builder's observed_at (2026-03-01)


def profile_with(
    *check_ids: str, waivers: tuple[Waiver, ...] = (), severity: Severity | None = None
) -> Profile:
    checks = {
        cid: CheckSettings(
            True, severity or REGISTRY[cid].severity, MappingProxyType(REGISTRY[cid].defaults())
        )
        for cid in check_ids
    }
    return Profile("test", "", "<test>", MappingProxyType(checks), waivers)


def waiver(expires: date, serials: tuple[str, ...] = (), check: str = "device-patch-age") -> Waiver:
    return Waiver(check, "replacement phone ordered", "IT lead", expires, serials)


def only(results: tuple) -> object:
    assert len(results) == 1
    return results[0]


def test_result_carries_spec_and_profile_fields() -> None:
    facts = change_build(make_facts(), security_patch=OLD_PATCH)
    result = only(
        evaluate_device(facts, profile_with("device-patch-age", severity=Severity.CRITICAL))
    )
    spec = REGISTRY["device-patch-age"]
    assert (result.check, result.title, result.area) == ("device-patch-age", spec.title, spec.area)
    assert (result.outcome, result.reason) == (Outcome.FAIL, "patch-too-old")
    assert result.severity is Severity.CRITICAL
    assert (result.gdpr, result.fixable, result.remedy) == (spec.gdpr, spec.fixable, spec.remedy)
    assert result.observed == {"security_patch": "2025-10-01", "age_days": 151}
    assert result.expected == {"max_age_days": 90}
    assert (result.waiver, result.attestation, result.notes) == (None, None, ())


def test_profile_params_reach_the_check() -> None:
    profile = load_profile("baseline")
    settings = dataclasses.replace(profile.checks["device-patch-age"], params={"max_age_days": 200})
    profile = dataclasses.replace(profile, checks={"device-patch-age": settings})
    facts = change_build(make_facts(), security_patch=OLD_PATCH)
    assert only(evaluate_device(facts, profile)).outcome is Outcome.PASS


# --- waivers -----------------------------------------------------------------------------------------


def test_valid_waiver_turns_fail_into_waived() -> None:
    facts = change_build(make_facts(), security_patch=OLD_PATCH)
    w = waiver(date(2026, 3, 31), serials=(SERIAL,))
    result = only(evaluate_device(facts, profile_with("device-patch-age", waivers=(w,))))
    assert (result.outcome, result.reason, result.waiver) == (Outcome.WAIVED, "patch-too-old", w)


def test_waiver_valid_on_its_last_day() -> None:
    facts = change_build(make_facts(), security_patch=OLD_PATCH)
    w = waiver(date(2026, 3, 1))
    assert (
        only(evaluate_device(facts, profile_with("device-patch-age", waivers=(w,)))).outcome
        is Outcome.WAIVED
    )


def test_expired_waiver_waives_nothing_and_leaves_a_note() -> None:
    facts = change_build(make_facts(), security_patch=OLD_PATCH)
    w = waiver(date(2026, 2, 28))
    result = only(evaluate_device(facts, profile_with("device-patch-age", waivers=(w,))))
    assert (result.outcome, result.waiver) == (Outcome.FAIL, None)
    assert result.notes == ("waiver expired on 2026-02-28 (approved by IT lead)",)


def test_expiry_is_judged_on_the_observation_day_not_today() -> None:
    facts = change_build(
        make_facts(observed_at=datetime(2026, 2, 1, 9, 0)), security_patch=OLD_PATCH
    )
    w = waiver(date(2026, 2, 28))
    assert (
        only(evaluate_device(facts, profile_with("device-patch-age", waivers=(w,)))).outcome
        is Outcome.WAIVED
    )


def test_waiver_for_another_serial_does_not_apply() -> None:
    facts = change_build(make_facts(), security_patch=OLD_PATCH)
    w = waiver(date(2027, 1, 1), serials=("OTHER0002",))
    result = only(evaluate_device(facts, profile_with("device-patch-age", waivers=(w,))))
    assert (result.outcome, result.waiver, result.notes) == (Outcome.FAIL, None, ())


def test_waiver_for_another_check_does_not_apply() -> None:
    facts = change_build(make_facts(), security_patch=OLD_PATCH)
    w = waiver(date(2027, 1, 1), check="device-os-version")
    assert (
        only(evaluate_device(facts, profile_with("device-patch-age", waivers=(w,)))).outcome
        is Outcome.FAIL
    )


def test_waiver_on_a_passing_check_changes_nothing() -> None:
    w = waiver(date(2027, 1, 1))
    result = only(evaluate_device(make_facts(), profile_with("device-patch-age", waivers=(w,))))
    assert (result.outcome, result.waiver) == (Outcome.PASS, None)


def test_waiver_never_turns_an_error_into_anything_else() -> None:
    facts = make_facts(build=Unknown(Gap.TIMEOUT))
    w = waiver(date(2027, 1, 1))
    result = only(evaluate_device(facts, profile_with("device-patch-age", waivers=(w,))))
    assert (result.outcome, result.reason, result.waiver) == (Outcome.ERROR, "timeout", None)


def test_valid_waiver_wins_over_an_expired_one() -> None:
    facts = change_build(make_facts(), security_patch=OLD_PATCH)
    old, new = waiver(date(2025, 12, 31)), waiver(date(2026, 6, 30))
    result = only(evaluate_device(facts, profile_with("device-patch-age", waivers=(old, new))))
    assert (result.outcome, result.waiver) == (Outcome.WAIVED, new)


# --- attestations --------------------------------------------------------------------------------------


def test_attestation_turns_manual_into_attested_pass() -> None:
    att = Attestation("wa-chat-backup", "IT lead", date(2026, 2, 27), "Drive backup = Never")
    result = only(evaluate_device(make_facts(), profile_with("wa-chat-backup"), [att]))
    assert (result.outcome, result.reason, result.attestation) == (Outcome.PASS, "attested", att)
    assert result.message == "Attested by IT lead on 2026-02-27: Drive backup = Never"


def test_latest_matching_attestation_is_kept() -> None:
    older = Attestation("org-dpa", "DPO", date(2025, 1, 1), "first")
    newer = Attestation("org-dpa", "DPO", date(2026, 1, 1), "renewed")
    result = only(evaluate_device(make_facts(), profile_with("org-dpa"), [newer, older]))
    assert result.attestation == newer


def test_attestation_for_another_serial_or_check_does_not_apply() -> None:
    atts = [
        Attestation("org-dpa", "DPO", date(2026, 1, 1), "x", serials=("OTHER0002",)),
        Attestation("org-consent", "DPO", date(2026, 1, 1), "x"),
    ]
    result = only(evaluate_device(make_facts(), profile_with("org-dpa"), atts))
    assert (result.outcome, result.attestation) == (Outcome.MANUAL, None)


def test_attestation_does_not_touch_a_non_manual_result() -> None:
    # device-play-protect is attestable, but here the phone reports "1": the result stays as read.
    att = Attestation("device-play-protect", "IT lead", date(2026, 1, 1), "checked")
    result = only(evaluate_device(make_facts(), profile_with("device-play-protect"), [att]))
    assert (result.outcome, result.reason, result.attestation) == (
        Outcome.PASS,
        "play-protect-on",
        None,
    )
    facts = make_facts(global_settings={"package_verifier_enable": "0"})
    assert (
        only(evaluate_device(facts, profile_with("device-play-protect"), [att])).outcome
        is Outcome.FAIL
    )


# --- ordering and purity -------------------------------------------------------------------------------


def test_results_follow_area_then_id_whatever_the_profile_order() -> None:
    ids = [spec.id for spec in all_checks()]
    reversed_profile = profile_with(*reversed(ids))
    results = evaluate_device(make_facts(), reversed_profile)
    assert [r.check for r in results] == ids


def test_evaluation_is_deterministic() -> None:
    profile = load_profile("whatsapp-business-gdpr")
    facts = change_build(make_facts(), security_patch=OLD_PATCH)
    assert evaluate_device(facts, profile) == evaluate_device(facts, profile)


def test_default_profile_on_a_compliant_phone_has_no_fail_or_error() -> None:
    results = evaluate_device(make_facts(), load_profile("whatsapp-business-gdpr"))
    outcomes = {r.check: r.outcome for r in results}
    assert {o for o in outcomes.values()} == {Outcome.PASS, Outcome.MANUAL}
    assert sorted(cid for cid, o in outcomes.items() if o is Outcome.MANUAL) == [
        "device-debugging-handover",  # audited over USB: debugging is on until the phone is handed over
        "org-consent",
        "org-dedicated-phone",
        "org-dpa",
        "org-health-data",
        "org-privacy-notice",
        "org-retention",
        "wa-chat-backup",
        "wa-linked-devices",
        "wa-media-autodownload",
        "wa-media-visibility",
        "wa-two-step-verification",
    ]


def test_a_check_that_raises_is_not_swallowed() -> None:
    facts = make_facts(packages={"com.whatsapp.w4b": "not a dump"})  # type: ignore[dict-item]
    with pytest.raises(AttributeError):
        evaluate_device(facts, profile_with("wa-app-current"))
