"""WhatsApp's in-app settings no ADB command reads: manual items a person attests."""

from __future__ import annotations

import pytest

from facts_builder import make_facts, run_check
from wa_harden.checks import get_check
from wa_harden.facts import Gap, Unknown
from wa_harden.model import Area, Outcome, Severity

IN_APP = {
    "wa-media-autodownload": (Area.MEDIA, Severity.MEDIUM, ("Art. 5(1)(c)", "Art. 25"),
                              "Settings > Storage and data > Media auto-download"),
    "wa-two-step-verification": (Area.APPS, Severity.HIGH, ("Art. 32",),
                                 "Settings > Account > Two-step verification"),
    "wa-linked-devices": (Area.APPS, Severity.HIGH, ("Art. 5(1)(f)", "Art. 32"), "Linked devices"),
}


@pytest.mark.parametrize("check_id", sorted(IN_APP))
def test_in_app_items_are_attestable_manual_checks(check_id: str) -> None:
    area, severity, gdpr, where = IN_APP[check_id]
    spec = get_check(check_id)
    assert (spec.area, spec.severity, spec.gdpr, spec.manual, spec.params) == (
        area, severity, gdpr, True, ()
    )
    ev = run_check(check_id, make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.MANUAL, "not-observable")
    assert ev.message.startswith(
        "WhatsApp keeps this setting to itself, so it cannot be read over ADB: open WhatsApp Business > "
    )
    assert where in ev.message


@pytest.mark.parametrize("check_id", sorted(IN_APP))
def test_in_app_items_need_no_facts(check_id: str) -> None:
    facts = make_facts(build=Unknown(Gap.TIMEOUT), users=Unknown(Gap.TIMEOUT), per_user={}, packages={})
    assert run_check(check_id, facts).outcome is Outcome.MANUAL


def test_two_step_verification_asks_for_the_pin_in_the_password_manager() -> None:
    ev = run_check("wa-two-step-verification", make_facts())
    assert "its PIN is stored in the company's password manager" in ev.message
    assert "password manager" in get_check("wa-two-step-verification").remedy
