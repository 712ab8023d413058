"""Facts + profile -> Results: run the enabled checks, then apply waivers and attestations.

Pure: the same facts, profile and attestations always give the same results in the same order.
"Today" (for waiver expiry) is the day the facts were observed, so a replayed capture is judged as
it was on the day it was taken.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from wa_harden.checks import REGISTRY, check_order
from wa_harden.checks.base import Evaluation
from wa_harden.facts import DeviceFacts
from wa_harden.model import Attestation, Outcome, Result, Waiver
from wa_harden.profile import Profile

# A message may quote what the phone said (a setting's value, a line wa-harden did not expect), and a
# phone can say megabytes.  Reports keep the start of such a message (wa-harden's own are one line
# of a few hundred characters); the capture keeps the whole output.
MAX_MESSAGE_CHARS = 1000
MAX_MESSAGE_LINES = 10


def bounded(text: str) -> str:
    """``text``, or its first ``MAX_MESSAGE_LINES`` lines and ``MAX_MESSAGE_CHARS`` characters and
    how much more there was."""
    kept = "\n".join(text.split("\n", MAX_MESSAGE_LINES)[:MAX_MESSAGE_LINES])[:MAX_MESSAGE_CHARS]
    if kept == text:
        return text
    return f"{kept}… [{len(text) - len(kept)} more characters cut; `wa-harden capture` keeps the phone's whole output]"


def evaluate_device(
    facts: DeviceFacts, profile: Profile, attestations: Sequence[Attestation] = ()
) -> tuple[Result, ...]:
    """Every enabled check of ``profile`` on one device, in area-then-id order.

    A check function that raises is a bug and is not caught here.
    """
    results = []
    for spec in sorted((REGISTRY[cid] for cid in profile.checks), key=check_order):
        settings = profile.checks[spec.id]
        evaluation: Evaluation = spec.evaluate(facts, settings.params)
        result = Result(
            check=spec.id,
            title=spec.title,
            area=spec.area,
            outcome=evaluation.outcome,
            reason=evaluation.reason,
            message=bounded(evaluation.message),
            severity=settings.severity,
            observed=evaluation.observed,
            expected=evaluation.expected,
            remedy=spec.remedy,
            gdpr=spec.gdpr,
            fixable=spec.fixable,
            notes=tuple(bounded(note) for note in evaluation.notes),
        )
        result = _apply_waivers(result, facts, profile.waivers)
        results.append(_apply_attestations(result, facts.serial, attestations))
    return tuple(results)


def _apply_waivers(result: Result, facts: DeviceFacts, waivers: Sequence[Waiver]) -> Result:
    """A fail with a matching, unexpired waiver is waived; an expired one only leaves a note."""
    if result.outcome is not Outcome.FAIL:
        return result
    today = facts.observed_at.date()
    matching = [w for w in waivers if w.check == result.check and w.applies_to(facts.serial)]
    valid = [w for w in matching if not w.expired(today)]
    if valid:
        waiver = max(valid, key=lambda w: w.expires)
        return dataclasses.replace(result, outcome=Outcome.WAIVED, waiver=waiver)
    expired = tuple(
        f"waiver expired on {w.expires.isoformat()} (approved by {w.approver})" for w in matching
    )
    return dataclasses.replace(result, notes=result.notes + expired) if expired else result


def _apply_attestations(result: Result, serial: str, attestations: Sequence[Attestation]) -> Result:
    """A manual result someone attested counts as passed; the latest attestation is kept."""
    if result.outcome is not Outcome.MANUAL:
        return result
    matching = [a for a in attestations if a.check == result.check and a.applies_to(serial)]
    if not matching:
        return result
    attestation = max(matching, key=lambda a: a.on)
    note = f": {attestation.note}" if attestation.note else ""
    return dataclasses.replace(
        result,
        outcome=Outcome.PASS,
        reason="attested",
        message=f"Attested by {attestation.by} on {attestation.on.isoformat()}{note}",
        attestation=attestation,
    )
