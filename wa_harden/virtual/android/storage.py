"""WhatsApp's folders on shared storage, as the app itself creates them (android-facts §4.1).

WhatsApp drops its own ``.nomedia`` only into ``Sent/`` and ``Private/`` sub-folders, Stickers,
Voice Notes, Video Notes, ``.Statuses``, ``.Links`` and ``.Shared`` -- never directly into Images,
Video, Audio, Documents or Animated Gifs, which is why received photos show up in the gallery.
A persona's ``media_hidden`` adds the ``.nomedia`` an administrator would add to every media folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from wa_harden.virtual.android.catalog import WHATSAPP_BUSINESS

if TYPE_CHECKING:  # pragma: no cover
    from wa_harden.virtual.fs import VirtualFS

NOMEDIA = ".nomedia"

# Media types whose files WhatsApp splits into Sent/ and Private/ (each with its own .nomedia).
SPLIT_TYPES = ("Images", "Video", "Audio", "Documents", "Animated Gifs")
# Media types WhatsApp hides itself.
SELF_HIDDEN_TYPES = ("Voice Notes", "Video Notes", "Stickers")
OTHER_TYPES = ("Profile Photos",)
HIDDEN_FOLDERS = (".Statuses", ".Links")

_MEDIA_FILES = {"Images": ("IMG", "jpg"), "Video": ("VID", "mp4"), "Documents": ("DOC", "pdf"), "Audio": ("AUD", "opus")}


def app_label(package: str) -> str:
    return "WhatsApp Business" if package == WHATSAPP_BUSINESS else "WhatsApp"


def tree_root(package: str, layout: str, user_id: int) -> str:
    base = f"/storage/emulated/{user_id}"
    if layout == "scoped":
        return f"{base}/Android/media/{package}/{app_label(package)}"
    return f"{base}/{app_label(package)}"


def media_folder_names(package: str) -> list[str]:
    label = app_label(package)
    types = SPLIT_TYPES + SELF_HIDDEN_TYPES + OTHER_TYPES
    return [f"{label} {kind}" for kind in types] + list(HIDDEN_FOLDERS)


def build_tree(
    fs: VirtualFS,
    package: str,
    root: str,
    now: datetime,
    *,
    media_hidden: bool = False,
    media_files: int = 3,
    extra_folders: Sequence[str] = (),
) -> None:
    """Create one WhatsApp tree under ``root`` as the app would have left it by ``now``; with the
    ``extra_folders`` a person made in its ``Media`` folder (any name a file system holds)."""
    label = app_label(package)
    media = f"{root}/Media"
    for kind in SPLIT_TYPES:
        folder = f"{media}/{label} {kind}"
        for sub in ("Sent", "Private"):
            fs.mkdirs(f"{folder}/{sub}")
            fs.write_file(f"{folder}/{sub}/{NOMEDIA}", mtime=now - timedelta(days=200))
    for kind in SELF_HIDDEN_TYPES:
        fs.mkdirs(f"{media}/{label} {kind}")
        fs.write_file(f"{media}/{label} {kind}/{NOMEDIA}", mtime=now - timedelta(days=200))
    for kind in OTHER_TYPES:
        fs.mkdirs(f"{media}/{label} {kind}")
    for hidden in HIDDEN_FOLDERS:
        fs.mkdirs(f"{media}/{hidden}")
        fs.write_file(f"{media}/{hidden}/{NOMEDIA}", mtime=now - timedelta(days=200))
    fs.mkdirs(f"{root}/.Shared")
    fs.write_file(f"{root}/.Shared/{NOMEDIA}", mtime=now - timedelta(days=200))
    fs.mkdirs(f"{root}/.Thumbs")
    _write_media(fs, media, label, now, media_files)
    _write_backups(fs, root, now)
    for name in extra_folders:
        fs.mkdirs(f"{media}/{name}")
    if media_hidden:
        for name in [*media_folder_names(package), *extra_folders]:
            fs.write_file(f"{media}/{name}/{NOMEDIA}", mtime=now - timedelta(days=30))


def _write_media(fs: VirtualFS, media: str, label: str, now: datetime, count: int) -> None:
    """A few synthetic received files (``IMG-20261101-WA0001.jpg``) and one sent one per type."""
    for kind, (prefix, ext) in _MEDIA_FILES.items():
        folder = f"{media}/{label} {kind}"
        for number in range(1, count + 1):
            when = now - timedelta(days=number * 3, hours=number)
            name = f"{prefix}-{when:%Y%m%d}-WA{number:04d}.{ext}"
            fs.write_file(f"{folder}/{name}", b"\0" * 64, mtime=when)
        if count:
            when = now - timedelta(days=1)
            fs.write_file(f"{folder}/Sent/{prefix}-{when:%Y%m%d}-WA{count + 1:04d}.{ext}", b"\0" * 64, mtime=when)


def _write_backups(fs: VirtualFS, root: str, now: datetime) -> None:
    """WhatsApp's local daily database backups (crypt15 = end-to-end encrypted format)."""
    databases = f"{root}/Databases"
    fs.mkdirs(databases)
    fs.write_file(f"{databases}/msgstore.db.crypt15", b"\0" * 128, mtime=now - timedelta(hours=5))
    for days in (1, 2):
        day = now - timedelta(days=days)
        fs.write_file(f"{databases}/msgstore-{day:%Y-%m-%d}.1.db.crypt15", b"\0" * 128, mtime=day)
    backups = f"{root}/Backups"
    fs.mkdirs(backups)
    for name in ("wa.db.crypt15", "stickers.db.crypt15", "chatsettingsbackup.db.crypt15"):
        fs.write_file(f"{backups}/{name}", b"\0" * 64, mtime=now - timedelta(hours=5))
