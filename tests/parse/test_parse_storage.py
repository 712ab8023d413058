"""find listings and the media tree built from them."""

from __future__ import annotations

from wa_harden.facts import FindListing, Gap, Known, MediaFolder, MediaTree, Unknown
from wa_harden.parse.storage import build_media_tree, parse_find

ROOT = "/storage/emulated/0/Android/media/com.whatsapp.w4b/WhatsApp Business"
MEDIA = f"{ROOT}/Media"


def test_find_paths_with_spaces() -> None:
    text = f"{MEDIA}/WhatsApp Business Images\n{MEDIA}/.Statuses\n"
    assert parse_find(text, MEDIA) == FindListing(
        paths=(f"{MEDIA}/WhatsApp Business Images", f"{MEDIA}/.Statuses")
    )
    assert parse_find("", MEDIA) == FindListing()


def test_find_missing_and_denied_start() -> None:
    assert parse_find(f"find: '{MEDIA}': No such file or directory\n", MEDIA) == FindListing(
        missing=True
    )
    assert parse_find(f"find: {MEDIA}/: No such file or directory\n", MEDIA) == FindListing(
        missing=True
    )
    assert parse_find(f"find: '{MEDIA}': Permission denied\n", MEDIA) == FindListing(denied=True)


def test_find_keeps_paths_when_a_sub_folder_is_refused() -> None:
    text = f"{ROOT}/.nomedia\nfind: '{ROOT}/.Shared': Permission denied\n{MEDIA}/.nomedia\n"
    assert parse_find(text, ROOT) == FindListing(paths=(f"{ROOT}/.nomedia", f"{MEDIA}/.nomedia"))


def test_find_failures() -> None:
    assert parse_find("/system/bin/sh: find: inaccessible or not found\n", ROOT) == Unknown(
        Gap.NOT_SUPPORTED, "/system/bin/sh: find: inaccessible or not found"
    )
    assert parse_find("find: Unknown option 'mindepth'\n", ROOT) == Unknown(
        Gap.NOT_SUPPORTED, "find: Unknown option 'mindepth'"
    )
    assert parse_find("find: bad expression\n", ROOT) == Unknown(
        Gap.COMMAND_FAILED, "find: bad expression"
    )


def _tree(folders: Known[FindListing], nomedia: Known[FindListing]) -> Known[MediaTree]:
    return build_media_tree("com.whatsapp.w4b", "scoped", ROOT, folders, nomedia)


def test_media_tree_visibility() -> None:
    folders = FindListing(
        paths=(
            MEDIA,
            f"{MEDIA}/WhatsApp Business Video",
            f"{MEDIA}/WhatsApp Business Images",
            f"{MEDIA}/.Statuses",
            f"{MEDIA}/WhatsApp Business Stickers",
        )
    )
    nomedia = FindListing(
        paths=(
            f"{MEDIA}/WhatsApp Business Images/.nomedia",
            f"{MEDIA}/WhatsApp Business Images/Private/.nomedia",
            f"{MEDIA}/WhatsApp Business Video/Sent/.nomedia",
            f"{MEDIA}/.Statuses/.nomedia",
        )
    )
    tree = _tree(folders, nomedia)
    assert tree == MediaTree(
        package="com.whatsapp.w4b",
        root=ROOT,
        layout="scoped",
        present=True,
        folders=(
            MediaFolder(
                "WhatsApp Business Images",
                f"{MEDIA}/WhatsApp Business Images",
                f"{MEDIA}/WhatsApp Business Images/.nomedia",
            ),
            MediaFolder("WhatsApp Business Stickers", f"{MEDIA}/WhatsApp Business Stickers", None),
            MediaFolder("WhatsApp Business Video", f"{MEDIA}/WhatsApp Business Video", None),
        ),
    )
    assert [f.name for f in tree.visible_folders] == [
        "WhatsApp Business Stickers",
        "WhatsApp Business Video",
    ]


def test_media_tree_hidden_by_an_ancestor() -> None:
    folders = FindListing(paths=(MEDIA, f"{MEDIA}/WhatsApp Business Images"))
    by_media = _tree(folders, FindListing(paths=(f"{MEDIA}/.nomedia", f"{ROOT}/.nomedia")))
    assert by_media.folders[0].hidden_by == f"{MEDIA}/.nomedia"
    by_root = _tree(folders, FindListing(paths=(f"{ROOT}/.nomedia",)))
    assert by_root.folders[0].hidden_by == f"{ROOT}/.nomedia"


def test_media_tree_absent_or_empty() -> None:
    assert _tree(FindListing(missing=True), FindListing(missing=True)) == MediaTree(
        "com.whatsapp.w4b", ROOT, "scoped", present=False
    )
    assert _tree(FindListing(missing=True), FindListing()) == MediaTree(
        "com.whatsapp.w4b", ROOT, "scoped", present=True
    )


def test_media_tree_unknown_when_a_listing_is() -> None:
    refused = Unknown(Gap.USER_RESTRICTED, "no access")
    assert _tree(refused, FindListing()) == refused
    assert _tree(FindListing(paths=(MEDIA,)), refused) == refused
    assert _tree(FindListing(denied=True), FindListing()) == Unknown(
        Gap.PERMISSION_DENIED, f"find: '{MEDIA}': Permission denied"
    )
    assert _tree(FindListing(paths=(MEDIA,)), FindListing(denied=True)) == Unknown(
        Gap.PERMISSION_DENIED, f"find: '{ROOT}': Permission denied"
    )


def test_a_folder_listing_without_the_folder_itself_is_no_evidence() -> None:
    # find prints its start folder first; an empty (or cut) listing must not read as "no folders".
    assert _tree(FindListing(), FindListing()) == Unknown(
        Gap.UNPARSEABLE, f"the listing of '{MEDIA}' does not name the folder itself"
    )
    assert _tree(FindListing(paths=(MEDIA,)), FindListing()) == MediaTree(
        "com.whatsapp.w4b", ROOT, "scoped", present=True
    )


def test_find_output_with_junk_or_a_kill_message_is_unknown() -> None:
    for junk in ("Killed", "Segmentation fault", "\x00\x01garbage"):
        text = f"{MEDIA}/WhatsApp Business Images\n{junk}\n"
        got = parse_find(text, MEDIA)
        assert isinstance(got, Unknown) and got.reason is Gap.UNPARSEABLE, junk
