"""Install sources and chat readers as the audit reads them from virtual phones (in-process): the
app-op answer is device-wide and attributed to the users whose package list has the app; a system app
updated from Play (its code under /data/app/) is still part of the system."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import pytest

from facts_builder import run_check
from fakes import InProcessPhone, virtual_phone
from wa_harden import collect
from wa_harden.assemble import facts_from_capture
from wa_harden.facts import DeviceFacts, ListedPackage, is_known
from wa_harden.model import Outcome
from wa_harden.virtual.android import persona_from_data
from wa_harden.virtual.api import FaultConfig
from wa_harden.virtual.phone import VirtualPhone

ASI = "com.google.android.as"
LAUNCHER = "com.google.android.apps.nexuslauncher"


def read(phone: VirtualPhone) -> DeviceFacts:
    capture = collect.collect(InProcessPhone(phone), phone.serial, timeout=30)
    assert capture.incomplete is None
    return facts_from_capture(capture)


@cache
def shipped(persona: str) -> DeviceFacts:
    return read(virtual_phone(persona))


def listed(facts: DeviceFacts, user: int, package: str) -> ListedPackage:
    packages = facts.per_user[user].packages
    assert is_known(packages)
    return next(p for p in packages if p.package == package)


def test_hardened_pixel_an_updated_system_app_listening_to_notifications_is_not_flagged() -> None:
    facts = shipped("hardened")
    system = facts.per_user[0].system_packages
    assert is_known(system) and {ASI, LAUNCHER, "com.android.chrome", "android"} <= system
    assert "com.whatsapp.w4b" not in system
    assert listed(facts, 0, ASI).path.startswith("/data/app/~~")  # type: ignore[union-attr]
    ev = run_check("device-chat-readers", facts)
    assert (ev.outcome, ev.reason) == (Outcome.PASS, "no-chat-readers")
    assert ev.observed == [{"user": 0, "kind": "system", "not_system": [], "accessibility_services": [],
                            "notification_listeners": [LAUNCHER, ASI]}]


@pytest.mark.parametrize(("persona", "flagged"), [
    ("consumer-whatsapp", "user 0 (system): com.example.watchlink (notification listener)"),
    ("rooted-modded", "user 0 (system): com.example.autoreply (accessibility service)"),
])
def test_a_third_party_reader_is_still_flagged(persona: str, flagged: str) -> None:
    ev = run_check("device-chat-readers", shipped(persona))
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "chat-readers")
    assert ev.message == (
        "Apps that are not part of the system can read every WhatsApp message on screen or in "
        f"notifications: {flagged}."
    )


@pytest.mark.parametrize(("persona", "outcome", "reason", "sources"), [
    ("hardened", Outcome.PASS, "no-install-sources", ()),
    ("consumer-whatsapp", Outcome.PASS, "no-install-sources", ()),  # Secure Folder included: no note
    ("mdm-managed", Outcome.PASS, "restricted", ("com.android.chrome",)),
    ("rooted-modded", Outcome.FAIL, "install-sources-allowed", ("com.android.chrome",)),
    ("fresh-noncompliant", Outcome.FAIL, "install-sources-allowed", ("com.android.chrome",)),
])
def test_install_sources_of_the_shipped_personas(persona: str, outcome: Outcome, reason: str,
                                                 sources: tuple[str, ...]) -> None:
    facts = shipped(persona)
    assert facts.install_sources == sources
    ev = run_check("device-unknown-sources", facts)
    assert (ev.outcome, ev.reason) == (outcome, reason)
    if persona == "consumer-whatsapp":  # the answer covers the Secure Folder too: nothing to note
        assert ev.notes == ()


def test_a_work_profile_app_allowed_while_user_0_is_restricted() -> None:
    """query-op names the work profile's file manager whatever user is asked: it is attributed to
    user 10 only, where no restriction holds, and user 0's restriction does not hide it."""
    data: dict[str, Any] = {
        "name": "work-profile-installer",
        "device": {"oem": "google", "android": "14"},
        "users": [{"id": 0, "kind": "system", "restrictions": ["no_install_unknown_sources"]},
                  {"id": 10, "kind": "work-profile"}],
        "apps": [{"package": "com.whatsapp.w4b", "users": [0]},
                 {"package": "com.example.files", "users": [10],
                  "appops": {"REQUEST_INSTALL_PACKAGES": "allow"}}],
    }
    phone = VirtualPhone(persona_from_data(data), "VIRT0001", FaultConfig(latency_scale=0.0),
                         datetime(2026, 11, 30, 9, 0))
    facts = read(phone)
    assert facts.install_sources == ("com.example.files",)
    restrictions = facts.restrictions
    assert is_known(restrictions)
    assert "no_install_unknown_sources" in restrictions[0]
    assert not {"no_install_unknown_sources", "no_install_unknown_sources_globally"} & restrictions[10]
    ev = run_check("device-unknown-sources", facts)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "install-sources-allowed")
    assert ev.message == (
        "Apps may install other apps ('Install unknown apps'): user 10 (work-profile): com.example.files."
    )
    assert ev.observed == {
        "install_sources": ["com.example.files"],
        "users": [
            {"user": 0, "kind": "system", "install_sources": [], "restriction": None},
            {"user": 10, "kind": "work-profile", "install_sources": ["com.example.files"], "restriction": None},
        ],
        "unattributed": [],
    }
    assert ev.notes == ()
