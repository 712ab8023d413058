"""``phone.snapshot()``: a deep, comparable copy of a virtual phone's whole simulated state and
shared storage, so a test can assert that an undo brought everything back exactly."""

from __future__ import annotations

import copy

import pytest

from android_helpers import READ_CONTACTS, W4B, run, sh, shipped, virtual_phone

MEDIA = "/storage/emulated/0/Android/media/com.whatsapp.w4b/WhatsApp Business/Media"


def test_two_phones_of_one_persona_and_serial_are_equal_and_a_snapshot_is_a_copy():
    phone = shipped("fresh-noncompliant")
    before = phone.snapshot()
    assert before == shipped("fresh-noncompliant").snapshot()
    assert before.diff(phone.snapshot()) == []
    run(phone, f"pm revoke --user 0 {W4B} {READ_CONTACTS}")
    assert before.state.packages[W4B].users[0].runtime[READ_CONTACTS].granted  # the copy did not move
    assert before != phone.snapshot()


def test_diff_names_state_and_files():
    phone = shipped("fresh-noncompliant")
    before = phone.snapshot()
    run(phone, f"pm revoke --user 0 {W4B} {READ_CONTACTS}")
    run(phone, "bmgr enable false")
    sh(phone, f"touch '{MEDIA}/.nomedia'")
    sh(phone, f"echo hi > '{MEDIA}/WhatsApp Business Images/note.txt'")
    sh(phone, f"rm -f '{MEDIA}/WhatsApp Business Images/'*.jpg")
    after = phone.snapshot()
    lines = before.diff(after)
    user = f"state.packages['{W4B}'].users[0]"
    assert f"{user}.runtime['{READ_CONTACTS}'].granted: True -> False" in lines
    assert f"{user}.uid_modes['READ_CONTACTS']: <missing> -> 'ignore'" in lines
    assert "state.settings_secure[0]['backup_enabled']: '1' -> '0'" in lines
    assert f"file {MEDIA}/.nomedia: only after" in lines
    assert f"file {MEDIA}/WhatsApp Business Images/note.txt: only after" in lines
    assert any(line.startswith(f"file {MEDIA}/WhatsApp Business Images/") and line.endswith(": only before") for line in lines)
    assert after.file(f"{MEDIA}/WhatsApp Business Images/note.txt").data == b"hi\n"  # type: ignore[union-attr]


def test_the_shells_access_is_part_of_the_tree():
    phone = shipped("consumer-whatsapp")  # Android 13: the work profile's storage is hidden from the shell
    snapshot = phone.snapshot()
    own, other = snapshot.file("/storage/emulated/0"), snapshot.file("/storage/emulated/10")
    assert own is not None and own.readable and own.writable
    assert other is not None and not other.readable and not other.writable


def test_times_are_compared_only_when_asked():
    phone = shipped("fresh-noncompliant")
    before, timed = phone.snapshot(), phone.snapshot(times=True)
    assert sh(phone, f"touch '{MEDIA}/.nomedia'")[2] == 0
    assert sh(phone, f"rm -f '{MEDIA}/.nomedia'")[2] == 0
    assert phone.snapshot() == before
    changed = timed.diff(phone.snapshot(times=True))
    assert changed == [f"file {MEDIA}: mtime differs"]


def test_the_virtual_phone_offers_the_same_snapshot():
    phone = virtual_phone("hardened")
    assert phone.snapshot() == phone.android.snapshot()
    assert phone.snapshot().state.build.serial == "VIRT0001"


# --- what a fix test asserts: undo brought the whole phone back exactly --------------------------------


def _persona(android: str) -> dict:
    """fresh-noncompliant (contacts shared, backup on, media visible) on another Android generation."""
    from wa_harden.virtual.android import load_persona

    data = copy.deepcopy(load_persona("fresh-noncompliant").data)
    data["name"] = f"fresh-noncompliant-{android}"
    data["device"]["android"] = android
    return data


@pytest.mark.parametrize("persona", ["8.1", "10", "11", "13", "14", "15", "consumer-whatsapp", "legacy-oreo"])
def test_fix_then_undo_leaves_the_whole_phone_as_it_was(persona, tmp_path):
    from fakes import FakeConnector
    from wa_harden import engine
    from wa_harden.device.base import ServerAddress
    from wa_harden.fix.apply import apply_fix, plan_targets, undo_run
    from wa_harden.journal import Journal
    from wa_harden.model import ActionStatus
    from wa_harden.profile import load_profile

    profile = load_profile("whatsapp-business-gdpr")
    phone = virtual_phone(persona if "-" in persona else _persona(persona))
    connector = FakeConnector([phone])
    targets = engine.select_targets(connector, ServerAddress("127.0.0.1", 5999), [phone.serial], False)
    before = phone.snapshot()
    journal = Journal(tmp_path / "journal")
    plans = plan_targets(connector, targets, profile, (), 30, 4)
    run_id = journal.new_run_id()
    [fixed] = apply_fix(connector, plans, profile, (), journal, run_id, 30, 4)
    assert fixed.handled and {r.status for r in fixed.results} == {ActionStatus.VERIFIED}, fixed.message
    changed = before.diff(phone.snapshot())
    assert any(".runtime['android.permission.READ_CONTACTS'].granted: True -> False" in line for line in changed)
    assert any(line.endswith("/.nomedia: only after") for line in changed)
    [undone] = undo_run(connector, targets, journal, run_id, journal.new_run_id(), profile, 30, 4)
    assert undone.handled and {r.status for r in undone.results} == {ActionStatus.VERIFIED}, undone.message
    assert phone.snapshot() == before, "\n".join(before.diff(phone.snapshot()))
