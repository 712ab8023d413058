"""The fix's journal: the hash chain, what verify detects, concurrent appends, snapshots, runs."""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wa_harden.errors import ExitStatus, WaHardenError
from wa_harden.journal import (
    CHAIN_FIELDS,
    GENESIS,
    RUN_ID,
    DamagedLine,
    Journal,
    JournalError,
    RunSummary,
    Verification,
    check_run_id,
    default_journal_dir,
    snapshot_name,
)

REPO = Path(__file__).resolve().parent.parent
RUN = "20261130T061502Z-3f9a1c"
OTHER_RUN = "20261130T070000Z-00beef"
REVOKE = "pm revoke --user 0 com.whatsapp.w4b android.permission.READ_CONTACTS"


class Clock:
    """A clock that moves one second each time it is read."""

    def __init__(self, start: datetime = datetime(2026, 11, 30, 6, 15, 2, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        now = self.now
        self.now += timedelta(seconds=1)
        return now


def command(serial: str = "R58M12345", result: str = "changed", **extra) -> dict:
    fields = {"serial": serial, "model": "SM-A536B", "check": "contacts-permission", "user": 0,
              "command": REVOKE, "exit_status": 0, "output_sha256": hashlib.sha256(b"").hexdigest(),
              "result": result}
    return {**fields, **extra}


def journal_with(tmp_path: Path, count: int) -> Journal:
    journal = Journal(tmp_path / "journal", clock=Clock())
    for index in range(count):
        journal.append("command", RUN, **command(user=index))
    return journal


def lines(journal: Journal) -> list[str]:
    return journal.path.read_text(encoding="utf-8").split("\n")[:-1]


def rewrite(journal: Journal, new_lines: list[str]) -> None:
    journal.path.write_text("".join(line + "\n" for line in new_lines), encoding="utf-8")


def canonical_hash(record: dict) -> str:
    body = {key: value for key, value in record.items() if key != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the chain ------------------------------------------------------------------------------------

def test_append_and_read_back_with_the_chain_fields_around_the_callers(tmp_path):
    journal = Journal(tmp_path / "journal", clock=Clock())
    first = journal.append("command", RUN, **command())
    second = journal.append("command", RUN, **command(result="failed", exit_status=255))

    assert journal.records() == [first, second]
    assert list(first) == ["v", "time", "operator", "host", "run", "kind", "serial", "model", "check", "user",
                           "command", "exit_status", "output_sha256", "result", "prev", "hash"]
    assert {key: first[key] for key in ("v", "time", "operator", "host", "run", "kind", "command", "user")} == {
        "v": 1, "time": "2026-11-30T06:15:02.000000Z", "operator": pwd.getpwuid(os.getuid()).pw_name,
        "host": socket.gethostname(), "run": RUN, "kind": "command", "command": REVOKE, "user": 0}
    assert second["time"] == "2026-11-30T06:15:03.000000Z"
    assert (second["result"], second["exit_status"]) == ("failed", 255)
    assert first["prev"] == GENESIS == "0" * 64
    assert first["hash"] == canonical_hash(first)
    assert second["prev"] == first["hash"]
    assert second["hash"] == canonical_hash(second)
    assert journal.head_hash() == second["hash"]
    assert [json.loads(line) for line in lines(journal)] == [first, second]


def test_stored_values_are_what_reads_back(tmp_path):
    journal = Journal(tmp_path / "journal", clock=Clock())
    stored = journal.append("note", RUN, status=ExitStatus.FINDINGS, packages=("com.whatsapp.w4b",),
                            text="Grüße \u2028 line\nbreak")
    assert (stored["status"], stored["packages"]) == (1, ["com.whatsapp.w4b"])
    assert journal.records() == [stored]
    assert lines(journal) == [json.dumps(stored)]  # ASCII: nothing splits a record, whatever splits lines
    assert journal.path.read_bytes().isascii()
    assert journal.verify().intact


def test_verify_an_intact_journal(tmp_path):
    journal = journal_with(tmp_path, 5)
    records = journal.records()
    assert all(later["prev"] == earlier["hash"] for earlier, later in zip(records, records[1:], strict=False))
    assert journal.verify() == Verification(intact=True, records=5, head=records[-1]["hash"])


def test_an_absent_or_empty_journal_is_intact(tmp_path):
    journal = Journal(tmp_path / "journal")
    assert journal.verify() == Verification(intact=True, records=0, head=GENESIS)
    assert journal.records() == []
    assert journal.head_hash() == GENESIS
    journal.path.write_bytes(b"")
    assert journal.verify() == Verification(intact=True, records=0, head=GENESIS)


def verify_after(journal: Journal, edit) -> Verification:
    """Edit the journal's lines (a list of str without line ends) by hand, then verify it."""
    rewrite(journal, edit(lines(journal)))
    return journal.verify()


def test_a_changed_field_is_detected_at_its_record(tmp_path):
    journal = journal_with(tmp_path, 4)
    found = verify_after(journal, lambda text: [*text[:2], text[2].replace('"result": "changed"',
                                                                           '"result": "unchanged"'), text[3]])
    assert found == Verification(intact=False, records=4, head=journal.records()[3]["hash"], broken_at=3,
                                 problem="record 3 was changed after it was written (its hash does not match)")


def test_a_changed_record_with_a_recomputed_hash_breaks_the_next_link(tmp_path):
    journal = journal_with(tmp_path, 4)
    forged = {**journal.records()[1], "command": "pm grant --user 0 com.whatsapp.w4b android.permission.READ_CONTACTS"}
    forged["hash"] = canonical_hash(forged)
    found = verify_after(journal, lambda text: [text[0], json.dumps(forged), *text[2:]])
    assert (found.broken_at, found.problem) == (
        3, "record 3 does not follow record 2 (a record was deleted, inserted or moved)")


def test_a_deleted_record_is_detected_where_the_gap_is(tmp_path):
    journal = journal_with(tmp_path, 4)
    found = verify_after(journal, lambda text: text[:2] + text[3:])
    assert (found.intact, found.records, found.broken_at) == (False, 3, 3)
    assert found.problem == "record 3 does not follow record 2 (a record was deleted, inserted or moved)"


def test_a_deleted_first_record_is_detected(tmp_path):
    found = verify_after(journal_with(tmp_path, 3), lambda text: text[1:])
    assert found.broken_at == 1
    assert found.problem.startswith("record 1 does not start the chain (its prev is not 64 zeros")


def test_a_reordered_pair_is_detected_at_the_first_of_the_two(tmp_path):
    found = verify_after(journal_with(tmp_path, 4), lambda text: [text[0], text[2], text[1], text[3]])
    assert (found.broken_at, found.problem) == (
        2, "record 2 does not follow record 1 (a record was deleted, inserted or moved)")


def test_a_truncated_last_line_is_reported_not_skipped(tmp_path):
    journal = journal_with(tmp_path, 4)
    intact_head = journal.records()[2]["hash"]
    data = journal.path.read_bytes()
    journal.path.write_bytes(data[: len(data) - 40])
    entries = journal.records()
    assert len(entries) == 4
    assert isinstance(entries[3], DamagedLine) and entries[3].line == 4
    found = journal.verify()
    assert (found.intact, found.records, found.broken_at, found.head) == (False, 4, 4, intact_head)
    assert found.problem == "line 4 is not a complete JSON record"
    assert journal.head_hash() == intact_head


def test_an_append_after_a_cut_line_starts_a_line_of_its_own(tmp_path):
    journal = journal_with(tmp_path, 3)
    data = journal.path.read_bytes()
    journal.path.write_bytes(data[: len(data) - 40])
    third_head = journal.records()[1]["hash"]
    record = journal.append("command", RUN, **command())
    entries = journal.records()
    assert isinstance(entries[2], DamagedLine)
    assert entries[3] == record and record["prev"] == third_head
    found = journal.verify()
    assert (found.records, found.broken_at, found.head) == (4, 3, record["hash"])


@pytest.mark.parametrize("at", ["write", "fsync"])
def test_a_full_disk_leaves_no_part_of_a_record(tmp_path, at):
    """The disk takes half the line and refuses the rest (at the write), or takes it all and says so at
    fsync (filesystems that allocate late): either way the record is removed whole, the journal
    verifies, and once there is room the next append links to the last whole record."""
    from diskfault import DiskFault

    journal = journal_with(tmp_path, 3)
    size, head = journal.path.stat().st_size, journal.head_hash()
    fault = DiskFault(journal.directory, "full")
    if at == "fsync":
        fault._write = lambda fd, data: fault._saved["write"](fd, data)  # every byte goes in; fsync fails
    with fault, pytest.raises(JournalError, match="No space left on device") as raised:
        journal.append("command", RUN, **command())
    assert raised.value.exit_status == ExitStatus.USAGE and "--journal-dir" in raised.value.hint
    assert journal.path.stat().st_size == size and journal.head_hash() == head
    assert journal.verify().intact
    record = journal.append("command", RUN, **command())
    assert record["prev"] == head and journal.verify().intact


def test_a_line_that_is_json_but_no_record_is_named(tmp_path):
    journal = journal_with(tmp_path, 2)
    rewrite(journal, [*lines(journal), "[1, 2]"])
    assert journal.records()[2] == DamagedLine(3, "[1, 2]")
    found = verify_after(journal, lambda text: [*text[:2], '{"v": 1}'])
    assert (found.broken_at, found.problem) == (3, "line 3 is not a journal record (it has no hash or no prev)")


def test_the_head_is_found_past_a_block_of_the_file(tmp_path):
    journal = Journal(tmp_path / "journal", clock=Clock())
    journal.append("note", RUN, text="x" * 100_000)
    big = journal.append("note", RUN, text="y" * 150_000)
    assert journal.head_hash() == big["hash"]
    last = journal.append("note", RUN, text="z")
    assert last["prev"] == big["hash"]
    assert journal.verify().intact


@pytest.mark.parametrize("name", CHAIN_FIELDS)
def test_fields_of_the_chain_are_refused(tmp_path, name):
    journal = Journal(tmp_path / "journal")
    with pytest.raises(ValueError, match=f"the field\\(s\\) {name} belong to the journal's chain"):
        journal.append("command", RUN, **{name: "x"})
    assert journal.records() == []


@pytest.mark.parametrize("value", [{"a"}, float("nan"), float("inf"), {1: "one"}, object(), b"bytes", "\udc80",
                                   [1, {"deep": {2}}]])
def test_values_json_cannot_hold_are_refused(tmp_path, value):
    journal = Journal(tmp_path / "journal")
    with pytest.raises(ValueError, match="field"):
        journal.append("command", RUN, field=value)
    assert journal.records() == []


@pytest.mark.parametrize(("kind", "run"), [("", RUN), ("command", "../x"), ("command", "latest")])
def test_a_record_needs_a_kind_and_a_run_id(tmp_path, kind, run):
    with pytest.raises(ValueError):
        Journal(tmp_path / "journal").append(kind, run)


def test_journal_files_are_private(tmp_path):
    journal = journal_with(tmp_path, 1)
    assert stat.S_IMODE(journal.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(journal.lock_path.stat().st_mode) == 0o600


# --- two processes at once ------------------------------------------------------------------------

WRITER = """
import os, sys, time
from pathlib import Path
from wa_harden.journal import Journal
folder, barrier, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
journal = Journal(folder)
(barrier / f"ready-{os.getpid()}").touch()
while not (barrier / "go").exists():
    time.sleep(0.001)
for index in range(count):
    journal.append("command", "20261130T061502Z-3f9a1c", writer=os.getpid(), index=index)
"""


def test_two_processes_appending_at_once_never_fork_the_chain(tmp_path):
    folder, barrier = tmp_path / "journal", tmp_path / "barrier"
    barrier.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(folder), str(barrier), "200"], env=env,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    deadline = time.monotonic() + 60
    while len(list(barrier.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    (barrier / "go").touch()
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors

    journal = Journal(folder)
    records = journal.records()
    assert len(records) == 400
    assert records[0]["prev"] == GENESIS
    assert all(later["prev"] == earlier["hash"] for earlier, later in zip(records, records[1:], strict=False))
    pids = [writer.pid for writer in writers]
    for pid in pids:  # each writer's records all there, in its own order
        assert [record["index"] for record in records if record["writer"] == pid] == list(range(200))
    # the appends really overlapped: one writer's records did not all come before the other's
    # (and without the lock, this test's journal forks: tried by hand)
    assert sum(earlier["writer"] != later["writer"] for earlier, later in zip(records, records[1:], strict=False)) > 1
    assert journal.verify() == Verification(intact=True, records=400, head=records[-1]["hash"])


def test_threads_sharing_one_journal_never_fork_the_chain(tmp_path):
    """The fix engine appends from the fleet's threads, through one Journal."""
    journal = Journal(tmp_path / "journal")

    def write(thread: int) -> None:
        for index in range(50):
            journal.append("command", RUN, thread=thread, index=index)

    threads = [threading.Thread(target=write, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = journal.records()
    assert all(later["prev"] == earlier["hash"] for earlier, later in zip(records, records[1:], strict=False))
    assert journal.verify() == Verification(intact=True, records=200, head=records[-1]["hash"])


# --- runs -----------------------------------------------------------------------------------------

def test_runs_newest_first_with_their_phones_and_counts(tmp_path):
    clock = Clock(datetime(2026, 11, 30, 6, 0, 0, tzinfo=UTC))
    journal = Journal(tmp_path / "journal", clock=clock)
    journal.append("run-start", RUN, profile="whatsapp-business-gdpr")
    journal.append("command", RUN, **command("R58M12345"))
    journal.append("command", RUN, **command("127.0.0.1:5555", result="failed"))
    journal.append("command", RUN, **command("127.0.0.1:5555"))
    clock.now = datetime(2026, 11, 30, 7, 0, 0, tzinfo=UTC)
    journal.append("command", OTHER_RUN, **command("emulator-5554", result="unchanged"))

    assert journal.runs() == [
        RunSummary(run=OTHER_RUN, first="2026-11-30T07:00:00.000000Z", last="2026-11-30T07:00:00.000000Z",
                   serials=("emulator-5554",), results={"unchanged": 1}),
        RunSummary(run=RUN, first="2026-11-30T06:00:00.000000Z", last="2026-11-30T06:00:03.000000Z",
                   serials=("127.0.0.1:5555", "R58M12345"), results={"changed": 2, "failed": 1}),
    ]
    assert journal.runs()[1].commands == 3
    assert [record["kind"] for record in journal.run_records(RUN)] == ["run-start", "command", "command", "command"]


def test_an_unknown_or_malformed_run_is_a_usage_error(tmp_path):
    journal = journal_with(tmp_path, 1)
    with pytest.raises(JournalError, match=f"there is no run {OTHER_RUN} in the journal "):
        journal.run_records(OTHER_RUN)
    with pytest.raises(JournalError, match=r"'\.\./x' is not a run id \(a run id looks like 20261130T061502Z-3f9a1c\)"):
        journal.run_records("../x")
    assert issubclass(JournalError, WaHardenError) and JournalError.exit_status == ExitStatus.USAGE


def test_new_run_ids_sort_by_time_and_are_valid_paths(tmp_path):
    journal = Journal(tmp_path / "journal", clock=Clock())
    first, second = journal.new_run_id(), journal.new_run_id()
    assert first.startswith("20261130T061502Z-") and second.startswith("20261130T061503Z-")
    assert RUN_ID.fullmatch(first) and check_run_id(first) == first
    assert first < second


@pytest.mark.parametrize("text", ["../x", "", "20261130T061502Z-3f9a1c/..", "20261130T061502Z-3F9A1C",
                                  "20261130T061502Z-3f9a1c\n", "latest"])
def test_check_run_id_refuses_what_is_not_one(text):
    with pytest.raises(JournalError, match="is not a run id"):
        check_run_id(text)


# --- snapshots ------------------------------------------------------------------------------------

STATE = {"backup_enabled": True, "grants": {"android.permission.READ_CONTACTS": True}, "nomedia": []}


def test_snapshot_round_trip_with_private_modes(tmp_path):
    journal = Journal(tmp_path / "journal")
    path = journal.write_snapshot(RUN, "R58M12345", STATE)
    assert path.parent == journal.directory / "runs" / RUN
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((journal.directory / "runs").stat().st_mode) == 0o700
    assert journal.read_snapshot(RUN, "R58M12345") == STATE
    assert journal.snapshot_serials(RUN) == ["R58M12345"]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


HOSTILE = ["../../etc/passwd", "a/b", "x:5555", "127.0.0.1:5555", "emulator-5554", "..", ".hidden", "s" * 500,
           "tab\there", "snowman-\u2603"]


def test_hostile_serials_get_safe_distinct_names_and_read_back(tmp_path):
    journal = Journal(tmp_path / "journal")
    paths = [journal.write_snapshot(RUN, serial, {"serial_number": index}) for index, serial in enumerate(HOSTILE)]
    folder = journal.directory / "runs" / RUN
    assert all(path.parent == folder for path in paths)
    assert sorted(p.name for p in folder.iterdir()) == sorted(path.name for path in paths)
    for path in paths:
        assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}-[0-9a-f]{12}\.json", path.name), path.name
    assert snapshot_name("../../etc/passwd") == (
        f"_._.._etc_passwd-{hashlib.sha256(b'../../etc/passwd').hexdigest()[:12]}.json")
    assert journal.snapshot_serials(RUN) == sorted(HOSTILE)
    assert [journal.read_snapshot(RUN, serial) for serial in HOSTILE] == [
        {"serial_number": index} for index in range(len(HOSTILE))]
    assert not (tmp_path / "etc").exists()


def test_serials_that_look_alike_stay_apart(tmp_path):
    journal = Journal(tmp_path / "journal")
    a = journal.write_snapshot(RUN, "10.0.0.7:5555", {"phone": "a"})
    b = journal.write_snapshot(RUN, "10.0.0.7_5555", {"phone": "b"})
    assert a != b and a.name.startswith("10.0.0.7_5555-") and b.name.startswith("10.0.0.7_5555-")
    assert journal.read_snapshot(RUN, "10.0.0.7:5555") == {"phone": "a"}
    assert journal.read_snapshot(RUN, "10.0.0.7_5555") == {"phone": "b"}
    assert journal.snapshot_serials(RUN) == ["10.0.0.7:5555", "10.0.0.7_5555"]


def test_a_renamed_snapshot_is_not_taken_for_another_phone(tmp_path):
    journal = Journal(tmp_path / "journal")
    a = journal.write_snapshot(RUN, "R58M1", {"phone": "a"})
    b = journal.snapshot_path(RUN, "R58M2")
    a.rename(b)
    with pytest.raises(JournalError, match="is of 'R58M1', not of 'R58M2'"):
        journal.read_snapshot(RUN, "R58M2")


@pytest.mark.parametrize("run_id", ["../x", "..", "/etc", "20261130T061502Z-3f9a1c/../../x"])
def test_a_run_id_that_is_no_run_id_never_reaches_a_path(tmp_path, run_id):
    journal = Journal(tmp_path / "journal")
    with pytest.raises(JournalError, match="is not a run id"):
        journal.write_snapshot(run_id, "R58M12345", STATE)
    with pytest.raises(JournalError, match="is not a run id"):
        journal.read_snapshot(run_id, "R58M12345")
    with pytest.raises(JournalError, match="is not a run id"):
        journal.snapshot_serials(run_id)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["journal"]


def test_unknown_runs_and_phones_are_usage_errors(tmp_path):
    journal = Journal(tmp_path / "journal")
    with pytest.raises(JournalError, match=f"there is no run {RUN} with snapshots in "):
        journal.read_snapshot(RUN, "R58M12345")
    with pytest.raises(JournalError, match=f"there is no run {RUN} with snapshots in "):
        journal.snapshot_serials(RUN)
    journal.write_snapshot(RUN, "R58M12345", STATE)
    with pytest.raises(JournalError, match=f"run {RUN} has no snapshot of emulator-5554 "):
        journal.read_snapshot(RUN, "emulator-5554")


def test_a_run_keeps_the_first_state_it_saw(tmp_path):
    journal = Journal(tmp_path / "journal")
    journal.write_snapshot(RUN, "R58M12345", STATE)
    with pytest.raises(JournalError, match=f"a snapshot of R58M12345 for run {RUN} already exists"):
        journal.write_snapshot(RUN, "R58M12345", {"backup_enabled": False})
    assert journal.read_snapshot(RUN, "R58M12345") == STATE


def test_a_damaged_snapshot_is_named(tmp_path):
    journal = Journal(tmp_path / "journal")
    path = journal.write_snapshot(RUN, "R58M12345", STATE)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(JournalError, match=f"the snapshot {re.escape(str(path))} is damaged"):
        journal.snapshot_serials(RUN)


def test_snapshot_data_must_be_json(tmp_path):
    journal = Journal(tmp_path / "journal")
    with pytest.raises(ValueError, match="snapshot"):
        journal.write_snapshot(RUN, "R58M12345", {"when": datetime(2026, 11, 30, tzinfo=UTC)})
    with pytest.raises(ValueError, match="serial"):
        journal.write_snapshot(RUN, "", STATE)


# --- folders --------------------------------------------------------------------------------------

def test_default_journal_dir_precedence(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.setenv("WA_HARDEN_JOURNAL_DIR", str(tmp_path / "from-env"))
    assert default_journal_dir(str(tmp_path / "from-option")) == tmp_path / "from-option"
    assert default_journal_dir(None) == tmp_path / "from-env"
    assert default_journal_dir("") == tmp_path / "from-env"
    monkeypatch.delenv("WA_HARDEN_JOURNAL_DIR")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    expected = Path(platformdirs.user_data_dir("wa-harden")) / "journal"
    assert default_journal_dir(None) == expected
    assert expected.is_relative_to(os.environ["HOME"])  # the tests' temporary home, never the real one
    monkeypatch.setenv("WA_HARDEN_JOURNAL_DIR", "")
    assert default_journal_dir(None) == expected


def test_a_missing_folder_is_created_private(tmp_path):
    journal = Journal(tmp_path / "a" / "b" / "journal")
    assert journal.directory.is_dir()
    assert stat.S_IMODE(journal.directory.stat().st_mode) == 0o700


def test_a_folder_that_cannot_be_made_or_read_names_the_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(JournalError, match=f"cannot use {re.escape(str(blocker))} as a journal folder: it is a file"):
        Journal(blocker)
    with pytest.raises(JournalError, match=f"cannot create the journal folder {re.escape(str(blocker / 'j'))}: "):
        Journal(blocker / "j")
    journal = Journal(tmp_path / "journal")
    journal.path.mkdir()
    with pytest.raises(JournalError, match=f"cannot read {re.escape(str(journal.path))}: ") as error:
        journal.records()
    assert "--journal-dir" in str(error.value)
    with pytest.raises(JournalError, match=f"cannot write to {re.escape(str(journal.path))}: "):
        journal.append("command", RUN)
    journal.path.rmdir()
    journal.lock_path.unlink()
    journal.directory.rmdir()  # gone since the Journal was made
    with pytest.raises(JournalError, match=f"cannot create {re.escape(str(journal.lock_path))}: "):
        journal.append("command", RUN)


# --- the documentation ----------------------------------------------------------------------------

def test_the_example_in_the_docs_is_a_real_journal(tmp_path):
    text = (REPO / "docs" / "JOURNAL.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```jsonl\n(.*?)```", text, re.DOTALL)
    journal = Journal(tmp_path / "journal")
    journal.path.write_text(block, encoding="utf-8")
    records = journal.records()
    assert journal.verify() == Verification(intact=True, records=len(records), head=records[-1]["hash"])
    assert [record["kind"] for record in records] == ["run", "snapshot", "command"]
    assert records[2]["command"].startswith("pm set-permission-flags")  # the order a fix acts in
