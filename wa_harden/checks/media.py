"""Whether WhatsApp's media folders show up in the gallery (and in Google Photos backup)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wa_harden import commands as cmd
from wa_harden.checks.base import CheckSpec, Evaluation, manual, scan_users
from wa_harden.facts import DeviceFacts
from wa_harden.model import Action, Area, Outcome, Severity, Tier


def _media_hidden(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    scan = scan_users(facts, lambda user_facts: user_facts.media)
    present = [tree for _, trees in scan.readable for tree in trees if tree.present]
    visible = [folder.path for tree in present for folder in tree.visible_folders]
    failed = None
    if visible:
        failed = Evaluation(
            Outcome.FAIL,
            reason="media-visible",
            message=(
                f"{len(visible)} WhatsApp media folder(s) have no .nomedia, so the gallery and photo "
                "backup apps show customer media."
            ),
            observed=visible,
            expected=[],
        )
    if not present:
        otherwise = Evaluation(
            Outcome.NOT_APPLICABLE,
            reason="no-media-tree",
            message="No WhatsApp storage tree exists on the phone.",
            observed=[],
            expected=[],
        )
    else:
        otherwise = Evaluation(
            Outcome.PASS,
            reason="media-hidden",
            message=f"Every media folder of {len(present)} WhatsApp storage tree(s) is hidden by a .nomedia.",
            observed=[],
            expected=[],
        )
    return scan.conclude("the WhatsApp media folders", failed, otherwise)


def _plan_media(facts: DeviceFacts, params: Mapping[str, Any]) -> tuple[Action, ...]:
    """An empty ``.nomedia`` in every media folder the gallery can see."""
    scan = scan_users(facts, lambda user_facts: user_facts.media)
    return tuple(
        Action("wa-media-hidden", user.user_id, cmd.touch(f"{folder.path}/.nomedia"), Tier.SAFE,
               cmd.remove_file(f"{folder.path}/.nomedia"),
               f"the gallery stops showing '{folder.name}' (the files stay where they are)")
        for user, trees in scan.readable
        for tree in trees
        if tree.present
        for folder in tree.visible_folders
    )


def _media_visibility(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    return manual(
        "not-observable",
        "WhatsApp's 'Media visibility' setting cannot be read over ADB: open WhatsApp Business > "
        "Settings > Chats and check that 'Media visibility' is off.",
    )


CHECKS = (
    CheckSpec(
        id="wa-media-hidden",
        title="WhatsApp media folders are hidden from the gallery",
        area=Area.MEDIA,
        rationale=(
            "Photos and documents customers send land in shared storage; without a .nomedia file the "
            "gallery shows them and photo apps may upload them (Art. 5(1)(f), 32)."
        ),
        severity=Severity.HIGH,
        gdpr=("Art. 5(1)(f)", "Art. 32"),
        remedy=(
            "With a file manager, create an empty file named '.nomedia' in every folder under "
            "Android/media/com.whatsapp.w4b/WhatsApp Business/Media (and the legacy 'WhatsApp "
            "Business/Media' folder if present), e.g. 'WhatsApp Business Images' and 'WhatsApp "
            "Business Video'; then turn off Media visibility in the app."
        ),
        params=(),
        evaluate=_media_hidden,
        plan=_plan_media,
    ),
    CheckSpec(
        id="wa-media-visibility",
        title="WhatsApp 'Media visibility' is off",
        area=Area.MEDIA,
        rationale=(
            "With 'Media visibility' off, WhatsApp saves new media where the gallery does not index "
            "it; the setting is private to WhatsApp (Art. 5(1)(f), 32)."
        ),
        severity=Severity.MEDIUM,
        gdpr=("Art. 5(1)(f)", "Art. 32"),
        remedy=(
            "Open WhatsApp Business > Settings > Chats and turn 'Media visibility' off. Check that no "
            "chat overrides it (chat > contact info > Media visibility = Default or No)."
        ),
        params=(),
        evaluate=_media_visibility,
        manual=True,
    ),
)
