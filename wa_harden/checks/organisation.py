"""What no phone can show: contracts, notices and decisions.  Always manual, attested by a person."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wa_harden.checks.base import CheckSpec, Evaluation, manual
from wa_harden.facts import DeviceFacts
from wa_harden.model import Area, Severity


def _organisational(
    check_id: str, title: str, gdpr: tuple[str, ...], rationale: str, how_to: str
) -> CheckSpec:
    """A manual item: the message tells the admin what to verify, the remedy how to put it right."""

    def evaluate(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
        return manual("organisational", f"Check by hand: {title[0].lower()}{title[1:]}.")

    return CheckSpec(
        id=check_id,
        title=title,
        area=Area.ORGANISATION,
        rationale=rationale,
        severity=Severity.HIGH,
        gdpr=gdpr,
        remedy=how_to,
        params=(),
        evaluate=evaluate,
        manual=True,
    )


CHECKS = (
    _organisational(
        "org-dpa",
        "The WhatsApp Business data processing terms are accepted and filed",
        ("Art. 28",),
        "Meta processes customer data for the company only under a processing agreement (Art. 28).",
        (
            "Confirm that the WhatsApp Business Data Processing Terms were accepted for this business "
            "account, and file a dated copy with your records of processing (Art. 30)."
        ),
    ),
    _organisational(
        "org-privacy-notice",
        "The privacy notice covers WhatsApp",
        ("Art. 13", "Art. 14"),
        "Customers must be told that their messages go through WhatsApp (Art. 13, 14).",
        (
            "Check that the privacy notice names WhatsApp as a channel, Meta Platforms Ireland as "
            "processor, the transfer to the USA and its safeguard (EU-US Data Privacy Framework or "
            "standard contractual clauses), and link it in the WhatsApp Business profile."
        ),
    ),
    _organisational(
        "org-consent",
        "Customers start the conversation or gave documented consent",
        ("Art. 6", "Art. 7"),
        "Writing to someone on WhatsApp needs a legal basis; for marketing, provable consent (Art. 6, 7).",
        (
            "Check that staff only answer customers who wrote first, or write to customers whose "
            "consent to be contacted on WhatsApp is recorded (who, when, for what), and that "
            "withdrawing consent is as easy as giving it."
        ),
    ),
    _organisational(
        "org-health-data",
        "Health data is exchanged only after a legal review",
        ("Art. 9",),
        "Health and other special-category data need an Art. 9 exception and stronger safeguards.",
        (
            "If customers may send health data (prescriptions, diagnoses, photos of injuries), obtain "
            "a written legal review or a DPIA before WhatsApp is used for it; otherwise instruct staff "
            "to move such conversations to another channel."
        ),
    ),
    _organisational(
        "org-dedicated-phone",
        "The phone is a dedicated company phone",
        ("Art. 5(1)(c)", "Art. 25", "Art. 32"),
        "A phone shared with private use mixes private and customer data and widens access (Art. 25).",
        (
            "Confirm that the phone is owned by the company, handed out for business use only, listed "
            "in the asset register, and that its user signed the usage policy."
        ),
    ),
    _organisational(
        "org-retention",
        "Chats are deleted on a retention routine",
        ("Art. 5(1)(e)",),
        (
            "Customer chats may be kept only as long as their purpose needs; WhatsApp keeps them "
            "forever unless someone deletes them (Art. 5(1)(e))."
        ),
        (
            "Either turn on disappearing messages (WhatsApp Business > Settings > Privacy > Default "
            "message timer, e.g. 90 days) or write down a deletion routine (which chats, after how "
            "long, who deletes them and when, keeping what law requires such as invoices elsewhere) "
            "and follow it; file the routine with your records of processing (Art. 30)."
        ),
    ),
)
