"""WhatsApp's own settings that matter for the GDPR but live in its private storage.

No ADB command reads them without root, so each is a manual item: the message says where to look
in the app, an attestation records that a person did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wa_harden.checks.base import CheckSpec, Evaluation, manual
from wa_harden.facts import DeviceFacts
from wa_harden.model import Area, Severity


def _in_app(
    check_id: str,
    title: str,
    area: Area,
    severity: Severity,
    gdpr: tuple[str, ...],
    rationale: str,
    where: str,
    remedy: str,
) -> CheckSpec:
    """A manual item about an in-app setting: ``where`` tells the person what to open and check."""

    def evaluate(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
        return manual(
            "not-observable",
            f"WhatsApp keeps this setting to itself, so it cannot be read over ADB: {where}",
        )

    return CheckSpec(
        id=check_id,
        title=title,
        area=area,
        rationale=rationale,
        severity=severity,
        gdpr=gdpr,
        remedy=remedy,
        params=(),
        evaluate=evaluate,
        manual=True,
    )


CHECKS = (
    _in_app(
        "wa-media-autodownload",
        "WhatsApp does not download media automatically",
        Area.MEDIA,
        Severity.MEDIUM,
        ("Art. 5(1)(c)", "Art. 25"),
        (
            "With auto-download on, every photo, video and document a customer sends is stored on "
            "the phone, needed or not; off by default is data protection by default (Art. 5(1)(c), "
            "25)."
        ),
        (
            "open WhatsApp Business > Settings > Storage and data > Media auto-download and check "
            "that 'When using mobile data', 'When connected on Wi-Fi' and 'When roaming' each have "
            "no media type selected."
        ),
        (
            "In WhatsApp Business > Settings > Storage and data > Media auto-download, open each of "
            "'When using mobile data', 'When connected on Wi-Fi' and 'When roaming' and untick Photos, "
            "Audio, Videos and Documents. Staff then download only what a conversation needs. Record "
            "the check with an attestation."
        ),
    ),
    _in_app(
        "wa-two-step-verification",
        "Two-step verification protects the WhatsApp Business account",
        Area.APPS,
        Severity.HIGH,
        ("Art. 32",),
        (
            "Without two-step verification anyone who receives the SMS code (SIM swap, a phished "
            "code) registers the business number on another phone and reads every new customer "
            "message (Art. 32)."
        ),
        (
            "open WhatsApp Business > Settings > Account > Two-step verification and check that it is "
            "on, and that its PIN is stored in the company's password manager."
        ),
        (
            "In WhatsApp Business > Settings > Account > Two-step verification > Turn on, choose a "
            "6-digit PIN, store it in the company's password manager (not with the phone), and give "
            "a company mailbox as the recovery address. Record the check with an attestation."
        ),
    ),
    _in_app(
        "wa-linked-devices",
        "Only known devices are linked to the WhatsApp Business account",
        Area.APPS,
        Severity.HIGH,
        ("Art. 5(1)(f)", "Art. 32"),
        (
            "Every linked device (WhatsApp Web, Desktop, a tablet) receives every customer message; "
            "a forgotten browser session on a shared or private computer is a leak (Art. 5(1)(f), 32)."
        ),
        (
            "open WhatsApp Business > Settings (or the three-dot menu) > Linked devices and check that every "
            "device listed is a company computer in use, with a recent 'Last active'."
        ),
        (
            "In WhatsApp Business > Linked devices, tap each device that is not a company computer in "
            "current use and choose Log out. Review the list at every audit, and when someone leaves. "
            "Record the review with an attestation."
        ),
    ),
)
