from __future__ import annotations

import json

import pytest

from facts_builder import make_facts, run_check
from wa_harden.checks import REGISTRY, all_checks, get_check
from wa_harden.facts import Gap, Unknown
from wa_harden.model import Area, Outcome, Severity

ORG_GDPR = {
    "org-dpa": ("Art. 28",),
    "org-privacy-notice": ("Art. 13", "Art. 14"),
    "org-consent": ("Art. 6", "Art. 7"),
    "org-health-data": ("Art. 9",),
    "org-dedicated-phone": ("Art. 5(1)(c)", "Art. 25", "Art. 32"),
    "org-retention": ("Art. 5(1)(e)",),
}


@pytest.mark.parametrize("check_id", sorted(ORG_GDPR))
def test_organisational_items_are_manual_high_and_explained(check_id: str) -> None:
    spec = get_check(check_id)
    assert (spec.area, spec.severity, spec.gdpr, spec.manual) == (
        Area.ORGANISATION,
        Severity.HIGH,
        ORG_GDPR[check_id],
        True,
    )
    ev = run_check(check_id, make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.MANUAL, "organisational")
    assert ev.message == f"Check by hand: {spec.title[0].lower()}{spec.title[1:]}."
    assert len(spec.remedy) > 40  # the how-to goes to "What to do", not into the table's finding


def test_organisational_items_need_no_facts() -> None:
    facts = make_facts(build=Unknown(Gap.TIMEOUT), users=Unknown(Gap.TIMEOUT), per_user={})
    assert run_check("org-dpa", facts).outcome is Outcome.MANUAL
    assert run_check("org-retention", facts).outcome is Outcome.MANUAL


def test_retention_names_both_ways_to_comply() -> None:
    spec = get_check("org-retention")
    assert "disappearing messages" in spec.remedy
    assert "deletion routine" in spec.remedy
    assert run_check("org-retention", make_facts()).message == (
        "Check by hand: chats are deleted on a retention routine."
    )


# --- the registry -------------------------------------------------------------------------------

# fmt: off
EXPECTED_IDS = {
    "wa-business-installed", "wa-consumer-absent", "wa-app-current", "wa-installer-trusted",
    "wa-contacts-denied", "wa-contact-sync-traces", "android-backup-disabled", "wa-chat-backup",
    "wa-media-hidden", "wa-media-visibility", "device-patch-age", "device-os-version",
    "device-screen-lock", "device-encryption", "device-play-protect", "device-dedicated",
    "device-managed", "device-users-auditable", *ORG_GDPR,
    # added 2026-11-30: device posture and WhatsApp items an expert expects
    "wa-mods-absent", "wa-two-step-verification", "wa-linked-devices", "wa-media-autodownload",
    "device-verified-boot", "device-unknown-sources", "device-chat-readers",
    "device-lockscreen-previews", "device-auto-lock", "device-debugging-handover",
}
# fmt: on


def test_registry_holds_exactly_the_stable_ids() -> None:
    assert set(REGISTRY) == EXPECTED_IDS


def test_all_checks_sorted_by_area_then_id() -> None:
    ids = [spec.id for spec in all_checks()]
    assert ids[:4] == [
        "wa-app-current",
        "wa-business-installed",
        "wa-consumer-absent",
        "wa-installer-trusted",
    ]
    assert ids[-1] == "org-retention"
    areas = [spec.area for spec in all_checks()]
    assert areas == sorted(areas, key=list(Area).index)


def test_get_check_suggests_the_closest_id() -> None:
    with pytest.raises(KeyError, match="did you mean 'device-patch-age'"):
        get_check("device-patch-ages")


def test_specs_are_documented_and_defaults_have_their_kind() -> None:
    for spec in all_checks():
        assert spec.title and spec.rationale and spec.remedy and spec.gdpr, spec.id
        for param in spec.params:
            assert isinstance(param.default, param.kind), (spec.id, param.name)
            assert param.help


def test_every_check_gives_json_able_output_on_a_compliant_phone() -> None:
    for spec in all_checks():
        ev = spec.evaluate(make_facts(), spec.defaults())
        json.dumps([ev.observed, ev.expected, list(ev.notes)])
        assert ev.outcome in (Outcome.PASS, Outcome.MANUAL), spec.id
