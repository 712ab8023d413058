"""Whether WhatsApp's media folders show up in the gallery (and in Google Photos backup)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wa_harden import commands as cmd
from wa_harden.checks.base import CheckSpec, Evaluation, installed_users, manual, scan_users
from wa_harden.facts import DeviceFacts, Gap, Known, MediaFolder, MediaTree, Unknown, UserFacts, is_known
from wa_harden.model import Action, Area, FileEffect, Outcome, Severity, Tier

# WhatsApp's own media-type folders (WhatsApp Business prefixes them with "WhatsApp Business ").
# Any other folder name was made by a person and may be personal: it is masked in reports.
_OWN_FOLDERS = frozenset({
    "Images", "Video", "Audio", "Documents", "Animated Gifs", "Voice Notes", "Video Notes", "Stickers",
    "Sticker Packs", "Profile Photos", "AI Media", "Bug Report Attachments", "Backup Excluded Stickers",
})
_OWN_PLAIN = frozenset({"Wallpaper", ".Statuses", ".Links"})
MASK = "***"


def shown_name(folder: MediaFolder) -> str:
    """The folder's name as reports show it: WhatsApp's own names as they are, others masked."""
    for prefix in ("WhatsApp Business ", "WhatsApp "):
        if folder.name.startswith(prefix) and folder.name[len(prefix):] in _OWN_FOLDERS:
            return folder.name
    return folder.name if folder.name in _OWN_PLAIN else MASK


def _shown_path(folder: MediaFolder) -> str:
    return f"{folder.path.rpartition('/')[0]}/{shown_name(folder)}"


def _whatsapp_in(facts: DeviceFacts, user_id: int) -> Known[bool]:
    """Whether any WhatsApp app is installed in this user (as far as that can be read)."""
    known = True
    for package in cmd.WHATSAPP_PACKAGES:
        users = installed_users(facts, package)
        if not is_known(users):
            known = False
        elif user_id in users:
            return True
    return False if known else Unknown(Gap.NOT_CAPTURED, "whether WhatsApp is installed in this user")


def _trees(facts: DeviceFacts) -> Any:
    """Per user: the media trees, unless none was found in a storage the shell cannot see.

    On Android 11+ the shell may get "No such file or directory" for another user's storage: no
    tree there is then no evidence of "no WhatsApp media" when WhatsApp is installed in that user.
    """

    def read(user_facts: UserFacts) -> Known[tuple[MediaTree, ...]]:
        trees = user_facts.media
        if not is_known(trees) or any(tree.present for tree in trees):
            return trees
        storage = user_facts.storage
        root = cmd.storage_root(user_facts.user.user_id)
        if is_known(storage) and not storage.missing and not storage.denied \
                and any(path.rstrip("/") == root for path in storage.paths):
            return trees  # the storage is visible and holds no WhatsApp tree
        installed = _whatsapp_in(facts, user_facts.user.user_id)
        if installed is False:
            return trees
        why = storage.detail if isinstance(storage, Unknown) else "No such file or directory"
        return Unknown(Gap.PERMISSION_DENIED, f"the shell cannot see {root} ({why}), where WhatsApp is installed")

    return read


def _media_hidden(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    scan = scan_users(facts, _trees(facts))
    present = [tree for _, trees in scan.readable for tree in trees if tree.present]
    visible = [_shown_path(folder) for tree in present for folder in tree.visible_folders]
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
    scan = scan_users(facts, _trees(facts))
    return tuple(
        Action("wa-media-hidden", user.user_id, cmd.touch(f"{folder.path}/.nomedia"), Tier.SAFE,
               cmd.remove_file(f"{folder.path}/.nomedia"),
               f"the gallery stops showing '{shown_name(folder)}' (the files stay where they are)",
               FileEffect(f"{folder.path}/.nomedia", exists=True))
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
