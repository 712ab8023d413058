from __future__ import annotations

from facts_builder import (
    SCOPED_ROOT,
    change_user,
    make_facts,
    media_tree,
    restricted_user_facts,
    run_check,
    user_facts,
    with_user,
)
from wa_harden.facts import Gap, MediaFolder, Unknown, UserKind
from wa_harden.model import Outcome

ROOT0 = SCOPED_ROOT.format(user=0)


def test_hidden_media_passes() -> None:
    ev = run_check("wa-media-hidden", make_facts())
    assert (ev.outcome, ev.reason, ev.observed, ev.expected) == (
        Outcome.PASS,
        "media-hidden",
        [],
        [],
    )


def test_visible_folders_fail_with_their_paths() -> None:
    facts = change_user(make_facts(), 0, media=(media_tree(0, hidden=False),))
    ev = run_check("wa-media-hidden", facts)
    assert (ev.outcome, ev.reason) == (Outcome.FAIL, "media-visible")
    assert ev.observed == [
        f"{ROOT0}/Media/WhatsApp Business Images",
        f"{ROOT0}/Media/WhatsApp Business Video",
    ]


def test_folder_hidden_by_an_ancestor_counts_as_hidden() -> None:
    folder = MediaFolder(
        "WhatsApp Business Images", f"{ROOT0}/Media/WhatsApp Business Images", f"{ROOT0}/.nomedia"
    )
    facts = change_user(make_facts(), 0, media=(media_tree(0, folders=(folder,)),))
    assert run_check("wa-media-hidden", facts).outcome is Outcome.PASS


def test_legacy_tree_is_checked_too() -> None:
    legacy = media_tree(
        0, hidden=False, layout="legacy", root="/storage/emulated/0/WhatsApp Business"
    )
    facts = change_user(make_facts(), 0, media=(media_tree(0), legacy))
    ev = run_check("wa-media-hidden", facts)
    assert ev.outcome is Outcome.FAIL
    assert len(ev.observed) == 2


def test_visible_folder_in_work_profile_fails() -> None:
    facts = with_user(
        make_facts(), user_facts(10, UserKind.WORK_PROFILE, media=(media_tree(10, hidden=False),))
    )
    ev = run_check("wa-media-hidden", facts)
    assert ev.outcome is Outcome.FAIL
    assert all(path.startswith("/storage/emulated/10/") for path in ev.observed)


def test_no_tree_is_not_applicable() -> None:
    facts = change_user(make_facts(), 0, media=(media_tree(0, present=False),))
    ev = run_check("wa-media-hidden", facts)
    assert (ev.outcome, ev.reason) == (Outcome.NOT_APPLICABLE, "no-media-tree")


def test_restricted_user_skipped_with_note() -> None:
    facts = with_user(make_facts(), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    ev = run_check("wa-media-hidden", facts)
    assert ev.outcome is Outcome.PASS
    assert ev.notes == ("user 150 (secure-folder) refuses the shell; not checked",)


def test_unknown_media_of_user0_is_error() -> None:
    facts = change_user(make_facts(), 0, media=Unknown(Gap.PERMISSION_DENIED))
    ev = run_check("wa-media-hidden", facts)
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "permission-denied")


def test_visible_in_user0_fails_even_if_user10_timed_out() -> None:
    facts = with_user(make_facts(), user_facts(10, UserKind.SECONDARY, media=Unknown(Gap.TIMEOUT)))
    facts = change_user(facts, 0, media=(media_tree(0, hidden=False),))
    ev = run_check("wa-media-hidden", facts)
    assert ev.outcome is Outcome.FAIL
    assert ev.notes == ("user 10 (secondary) could not be read (timeout)",)


def test_media_visibility_is_manual() -> None:
    ev = run_check("wa-media-visibility", make_facts())
    assert (ev.outcome, ev.reason) == (Outcome.MANUAL, "not-observable")
    assert "Media visibility" in ev.message
