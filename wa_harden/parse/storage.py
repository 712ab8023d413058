"""``find`` listings of WhatsApp's shared storage, and the media tree built from two of them.

A media folder shows in the gallery unless a ``.nomedia`` sits in it or in an ancestor up to the
tree root.  Folder names are read at run time: WhatsApp Business prefixes them ("WhatsApp
Business Images"), and paths contain spaces.
"""

from __future__ import annotations

import re

from wa_harden.facts import FindListing, Gap, Known, MediaFolder, MediaTree, Unknown
from wa_harden.parse.common import classify_error, error_from_lines, split_lines

# GNU find quotes the path, toybox (Android) does not.
_FIND_ERROR_RE = re.compile(r"^find: '?(.+?)'?: (No such file or directory|Permission denied)$")
_NOMEDIA = ".nomedia"


def normalise_path(path: str) -> str:
    """Collapse repeated slashes and drop a trailing one, so listed and expected paths compare."""
    path = re.sub(r"/{2,}", "/", path.strip("\n"))
    return path.rstrip("/") or "/"


def parse_find(text: str, start: str) -> Known[FindListing]:
    start = normalise_path(start)
    paths: list[str] = []
    missing = denied = False
    other: list[str] = []
    for line in split_lines(text):
        if not line.strip():
            continue
        error = _FIND_ERROR_RE.match(line)
        if error:
            if normalise_path(error.group(1)) == start:
                missing = missing or error.group(2).startswith("No such")
                denied = denied or error.group(2) == "Permission denied"
            continue  # a refused sub-folder does not spoil the rest of the listing
        listed = normalise_path(line)
        if listed == start or listed.startswith(start + "/"):
            paths.append(line)
        else:
            other.append(line)
    if other:
        failure = classify_error("\n".join(other))
        if failure is not None:
            return failure
        find_errors = [line for line in other if line.startswith("find:")]
        if find_errors:
            return error_from_lines(find_errors)
        # find prints only paths under its start: anything else ("Killed", junk) is no listing.
        return Unknown(Gap.UNPARSEABLE, f"unexpected line in the listing of '{start}': {other[0][:80]!r}")
    return FindListing(paths=tuple(paths), missing=missing, denied=denied)


def build_media_tree(
    package: str,
    layout: str,
    root: str,
    folders: Known[FindListing],
    nomedia: Known[FindListing],
) -> Known[MediaTree]:
    """``folders``: ``find ROOT/Media -maxdepth 1 -type d`` (the folder itself, then its folders);
    ``nomedia``: ``find ROOT -maxdepth 3 -name .nomedia``."""
    root = normalise_path(root)
    media = f"{root}/Media"
    for listing, start in ((folders, media), (nomedia, root)):
        if isinstance(listing, Unknown):
            return listing
        if isinstance(listing, FindListing) and listing.denied:
            return Unknown(Gap.PERMISSION_DENIED, f"find: '{start}': Permission denied")
    if not (isinstance(folders, FindListing) and isinstance(nomedia, FindListing)):
        return Unknown(Gap.UNPARSEABLE, "not a find listing")
    if folders.missing:
        return MediaTree(package, root, layout, present=not nomedia.missing)
    if not any(normalise_path(path) == media for path in folders.paths):
        # find prints its start folder first: without it the listing is not a complete answer.
        return Unknown(Gap.UNPARSEABLE, f"the listing of '{media}' does not name the folder itself")
    markers = {normalise_path(path) for path in nomedia.paths}
    found: dict[str, MediaFolder] = {}
    for listed in folders.paths:
        path = normalise_path(listed)
        parent, _, name = path.rpartition("/")
        if parent != media or not name or name.startswith(".") or name in found:
            continue
        candidates = (f"{path}/{_NOMEDIA}", f"{media}/{_NOMEDIA}", f"{root}/{_NOMEDIA}")
        hidden_by = next((marker for marker in candidates if marker in markers), None)
        found[name] = MediaFolder(name=name, path=path, hidden_by=hidden_by)
    return MediaTree(
        package, root, layout, present=True, folders=tuple(found[name] for name in sorted(found))
    )
