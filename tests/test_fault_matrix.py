"""The fault matrix: `check`, `fix`, `undo` and `watch` on five virtual phones through the real adb
server, one phone (or its adb server, or the disk) in trouble.

Every case proves the same four things (docs/RELIABILITY.md lists the cases and their results):

1. the four healthy phones finish with exactly their normal results: `check` results equal to a
   healthy run of the same phones, `fix`/`undo` reports equal to a healthy run of one phone of the
   persona, and the whole simulated state changed exactly as a healthy fix changes it (or put back
   exactly as it was);
2. the faulty phone's status and message say precisely what happened (a dead adb server says so,
   a shell-v1 phone that drops says "connection lost", never "unparseable");
3. nothing is half-written (no temporary file left, every JSON file parses, the journal verifies)
   and the exit status is the documented one;
4. running again once the trouble is over completes the job.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from clirun import Ran, run
from diskfault import DiskFault, fill, mount_allowed, small_tmpfs
from wa_harden.output import safe_file_name
from wa_harden.virtual.launcher import PrivateAdbServer, VirtualPhones, kill_adb_server, start_adb_server
from watchrun import Watch

HEALTHY = "fresh-noncompliant"  # every check the tool can fix fails on it: the fix has 13 actions
REPO = Path(__file__).resolve().parent.parent
MODEL = "Pixel 8"


# --- views of reports --------------------------------------------------------------------------------


def audit_view(device: dict[str, Any]) -> dict[str, Any]:
    """A phone's audit without what names its server or dates the run."""
    view = {k: v for k, v in device.items() if k not in ("serial", "adb_server", "observed_at")}
    view["identity"] = {k: v for k, v in device.get("identity", {}).items() if k != "server"}
    return view


def fix_view(device: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in device.items() if k != "serial"}


def outcomes(device: dict[str, Any]) -> dict[str, str]:
    return {r["check"]: r["outcome"] for r in device["results"]}


def by_serial(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["serial"]: d for d in data["devices"]}


def assert_same(got: dict[str, Any], expected: dict[str, Any], serial: str) -> None:
    """``got`` equals the healthy run's ``expected``; a difference is named check by check."""
    if got == expected:
        return
    lists = ("results", "actions", "before", "after")
    differences: dict[str, Any] = {k: (got.get(k), expected.get(k)) for k in set(got) | set(expected)
                                   if k not in lists and got.get(k) != expected.get(k)}
    for key in lists:
        mine = {json.dumps([r.get("check"), r.get("command")]): r for r in got.get(key) or []}
        theirs = {json.dumps([r.get("check"), r.get("command")]): r for r in expected.get(key) or []}
        for name in set(mine) | set(theirs):
            if mine.get(name) != theirs.get(name):
                differences[f"{key} {name}"] = (mine.get(name), theirs.get(name))
    raise AssertionError(f"{serial} differs from a healthy run: {differences}")


def assert_whole_files(folder: Path) -> None:
    """Nothing half-written: no temporary file left, every JSON file parses."""
    if not folder.exists():
        return
    leftovers = [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers, leftovers
    for path in folder.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def baseline(adb_server, tmp_path_factory) -> dict[str, Any]:
    """`check`, `fix` and `undo` of one healthy phone of the persona.

    Phones of one persona differ in small details (each has its own random seed: update times,
    inodes), so states are compared as changes (``pristine.diff(now)``), and `check` results with a
    healthy run of the same phones; the fix and undo reports hold none of those details."""
    journal = tmp_path_factory.mktemp("baseline-journal")
    env = {"ANDROID_ADB_SERVER_PORT": str(adb_server.port), "WA_HARDEN_JOURNAL_DIR": str(journal)}
    with VirtualPhones([HEALTHY], adb_port=adb_server.port, latency_scale=0.0, start_server=False) as fleet:
        serial = fleet.serials[0]
        phone = fleet.phone(serial)
        pristine = phone.snapshot()
        checked = run("check", "-s", serial, "-f", "json", env=env)
        fixed = run("fix", "-s", serial, "--yes", "-f", "json", env=env)
        hardening = pristine.diff(phone.snapshot())
        undone = run("undo", json.loads(fixed.stdout)["run_id"], "--yes", "-f", "json", env=env)
        assert (checked.exit_code, fixed.exit_code, undone.exit_code) == (1, 1, 0), undone.output
        assert phone.snapshot() == pristine and len(hardening) >= 13
    return {"outcomes": outcomes(json.loads(checked.stdout)["devices"][0]),
            "fix": fix_view(json.loads(fixed.stdout)["devices"][0]),
            "undo": fix_view(json.loads(undone.stdout)["devices"][0]),
            "hardening": hardening}


# --- five phones ---------------------------------------------------------------------------------------


@dataclass
class Five:
    """Four healthy phones and a fifth one in trouble (on the same adb server, or alone on a second
    one that the test may kill), a journal and a report folder of the test's own."""

    healthy_fleet: VirtualPhones
    bad_fleet: VirtualPhones
    tmp: Path
    port: int
    second: PrivateAdbServer | None = None
    pristine: dict[str, Any] = field(default_factory=dict)

    @property
    def healthy(self) -> list[str]:
        return self.healthy_fleet.serials

    @property
    def bad(self) -> str:
        return self.bad_fleet.serials[0]

    @property
    def serials(self) -> list[str]:
        return [*self.healthy, self.bad]

    @property
    def bad_phone(self) -> Any:
        return self.bad_fleet.phone(self.bad)

    @property
    def journal(self) -> Path:
        return self.tmp / "journal"

    def phone(self, serial: str) -> Any:
        return self.bad_phone if serial == self.bad else self.healthy_fleet.phone(serial)

    def env(self) -> dict[str, str]:
        return {"ANDROID_ADB_SERVER_PORT": str(self.port), "WA_HARDEN_JOURNAL_DIR": str(self.journal)}

    def servers(self) -> list[str]:
        """The phones' servers on the command line (empty when all are on the default one)."""
        if self.second is None:
            return []
        return ["--server", f"127.0.0.1:{self.port}", "--server", f"127.0.0.1:{self.second.port}"]

    def cli(self, *args: str) -> Ran:
        return run(*args, env=self.env())

    def process(self, *args: str) -> subprocess.Popen[str]:
        """`wa-harden ARGS` in a process of its own, so that the test can kill a server meanwhile."""
        return subprocess.Popen([sys.executable, "-m", "wa_harden", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, **self.env()}, cwd=REPO)

    def while_its_server_dies(self, at: str, *args: str) -> tuple[int, str, str]:
        """`wa-harden ARGS` in a process; once the phone in trouble runs ``at`` (and hangs there),
        its adb server is stopped.  The exit status, stdout and stderr."""
        assert self.second is not None
        proc = self.process(*args)
        wait_for_script(self.bad_phone, at)
        kill_adb_server(self.second.port, self.second.env)
        out, err = proc.communicate(timeout=60)
        return proc.returncode, out, err

    def normal_checks(self, serials: list[str]) -> dict[str, dict[str, Any]]:
        """`check` of healthy phones alone: the results they must keep when a phone is in trouble."""
        got = self.cli("check", *self.servers(), *[a for s in serials for a in ("-s", s)], "-f", "json")
        assert got.exit_code == 1, got.output
        return {s: audit_view(d) for s, d in by_serial(json.loads(got.stdout)).items()}

    # --- state of the phones ---

    def assert_untouched(self, serial: str) -> None:
        assert self.pristine[serial].diff(self.phone(serial).snapshot()) == [], serial

    def assert_hardened(self, serial: str, baseline: dict[str, Any]) -> None:
        assert self.pristine[serial].diff(self.phone(serial).snapshot()) == baseline["hardening"], serial

    def assert_journal_intact(self) -> None:
        if (self.journal / "journal.jsonl").exists():
            verified = self.cli("journal", "verify")
            assert verified.exit_code == 0 and verified.stdout.startswith("journal intact: "), verified.output
        assert_whole_files(self.journal)

    # --- the trouble ---

    def trouble(self, **faults: Any) -> None:
        """Faults switched on while the phone is attached; faults of the connection itself
        (unauthorized, offline, shell v1) come with plugging it in again."""
        if {"unauthorized", "offline", "shell_v2"} & set(faults):
            self.bad_fleet.replug(self.bad, **faults)
        else:
            self.bad_phone.with_faults(**faults)

    def over(self, cleared: dict[str, Any]) -> None:
        """The trouble is over: faults cleared, the phone plugged in again, authorized, online."""
        self.bad_fleet.replug(self.bad, **cleared)


@pytest.fixture
def five(adb_server, tmp_path):
    """five(faults, latency=0.0, second_server=False): four healthy phones and one with ``faults``."""
    opened: list[Any] = []

    def start(faults: dict[str, Any] | None = None, latency: float = 0.0, second_server: bool = False) -> Five:
        healthy = VirtualPhones([HEALTHY] * 4, adb_port=adb_server.port, latency_scale=0.0, start_server=False)
        opened.append(healthy.__enter__())
        second = None
        if second_server:
            second = PrivateAdbServer(home=tmp_path / "adb-home-2")
            opened.append(second.__enter__())
        port = second.port if second is not None else adb_server.port
        bad = VirtualPhones([], adb_port=port, latency_scale=latency, start_server=False)
        opened.append(bad.__enter__())
        bad.add(HEALTHY, faults=faults or {})
        phones = Five(healthy, bad, tmp_path, adb_server.port, second)
        phones.pristine = {s: phones.phone(s).snapshot() for s in phones.serials}
        return phones

    yield start
    for thing in reversed(opened):
        thing.__exit__(None, None, None)


def wait_for_script(phone: Any, text: str, timeout: float = 30.0) -> None:
    """Until the phone runs a script with ``text``: the run is in the middle of it."""
    deadline = time.monotonic() + timeout
    while not any(text in script for script in phone.counters.scripts):
        assert time.monotonic() < deadline, f"the phone never ran {text!r}"
        time.sleep(0.05)
    time.sleep(0.3)


# --- the faults of one phone ------------------------------------------------------------------------


@dataclass(frozen=True)
class Trouble:
    """One phone in trouble: its faults, its latency, the command line's extra arguments, the
    faults that end the trouble, and what its report then says (status, words of the message)."""

    faults: dict[str, Any]
    cleared: dict[str, Any]
    status: str
    words: str
    latency: float = 0.0
    args: tuple[str, ...] = ()


DROPPED = "the connection dropped during the audit (cable pulled?)"
COLLECTION: dict[str, Trouble] = {
    # the cable goes after the first six commands of the audit
    "unplugged": Trouble({"drop_after_commands": 6}, {"drop_after_commands": None}, "partial", DROPPED),
    # a command never answers; --timeout bounds the wait
    "hanging": Trouble({"hang_on": "dumpsys package"}, {"hang_on": None}, "partial",
                       "the phone did not answer within 3 s", args=("--timeout", "3")),
    # twice the realistic latency (about 8 s for an audit) against a 3 s deadline; the healthy
    # phones need a fraction of a second even on a loaded machine
    "slower-than-deadline": Trouble({}, {"latency_scale": 0.0}, "partial",
                                    "the phone did not answer within 3 s", latency=2.0, args=("--timeout", "3")),
    "unauthorized": Trouble({"unauthorized": True}, {"unauthorized": False}, "unauthorized",
                            "accept the USB debugging prompt"),
    "offline": Trouble({"offline": True}, {"offline": False}, "offline", "reconnect the cable"),
    # an adbd without shell protocol v2 (no exit statuses) whose cable goes mid-audit
    "shell-v1-drop": Trouble({"shell_v2": False, "drop_after_commands": 6}, {"drop_after_commands": None},
                             "partial", DROPPED),
}


# --- check -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(COLLECTION))
def test_check_with_one_phone_in_trouble(five, baseline, name):
    trouble = COLLECTION[name]
    phones = five(trouble.faults, trouble.latency)
    normal = phones.normal_checks(phones.healthy)
    report = phones.tmp / "report.json"
    got = phones.cli("check", "--all", "-f", "json", "-o", str(report), *trouble.args)
    assert got.exit_code == 3, got.output  # a phone could not be (fully) audited
    devices = by_serial(json.loads(report.read_text()))
    for serial in phones.healthy:
        assert_same(audit_view(devices[serial]), normal[serial], serial)
    bad = devices[phones.bad]
    assert bad["status"] == trouble.status and trouble.words in bad["message"], bad
    assert "unparseable" not in json.dumps(bad)
    assert f"{phones.bad} (" in got.stderr
    assert_whole_files(phones.tmp)

    phones.over(trouble.cleared)
    again = phones.cli("check", "--all", "-f", "json", "-o", str(report))
    assert again.exit_code == 1, again.output
    devices = by_serial(json.loads(report.read_text()))
    for serial in phones.healthy:
        assert_same(audit_view(devices[serial]), normal[serial], serial)
    assert devices[phones.bad]["status"] == "audited" and outcomes(devices[phones.bad]) == baseline["outcomes"]


def test_check_when_the_adb_server_of_one_phone_is_killed_mid_run_and_started_again(five, baseline):
    phones = five({"hang_on": "dumpsys package"}, second_server=True)
    normal = phones.normal_checks(phones.healthy)
    report = phones.tmp / "report.json"
    status, _out, err = phones.while_its_server_dies(
        "dumpsys package", "check", *phones.servers(), "--all", "-f", "json", "-o", str(report), "--timeout", "20")
    assert status == 3, err
    devices = by_serial(json.loads(report.read_text()))
    for serial in phones.healthy:
        assert_same(audit_view(devices[serial]), normal[serial], serial)
    bad = devices[phones.bad]
    assert bad["status"] == "partial", bad
    assert f"the adb server at 127.0.0.1:{phones.second.port} stopped answering during the audit" in bad["message"]
    assert "cable" not in bad["message"]

    start_adb_server(phones.second.port, phones.second.env)
    phones.over({"hang_on": None})
    again = phones.cli("check", *phones.servers(), "--all", "-f", "json", "-o", str(report))
    assert again.exit_code == 1, again.output
    assert outcomes(by_serial(json.loads(report.read_text()))[phones.bad]) == baseline["outcomes"]


@pytest.mark.parametrize("mode", ["read-only", "full"])
def test_check_with_a_report_folder_that_is_read_only_or_full(five, mode):
    phones = five()
    normal = phones.normal_checks(phones.serials)
    folder = phones.tmp / "reports"
    folder.mkdir()
    (folder / "summary.json").write_text('{"kept": true}\n')  # a previous run's file
    sessions = phones.bad_phone.counters.shell_sessions
    with DiskFault(folder, mode) as disk:
        got = phones.cli("check", "--all", "--report-dir", str(folder))
    assert got.exit_code == 2, got.output
    assert disk.failures > 0 or mode == "read-only"
    if mode == "read-only":  # refused before any phone is contacted
        assert f"cannot write into the report folder {folder}" in got.stderr
        assert phones.bad_phone.counters.shell_sessions == sessions
    else:  # the audit ran and the screen shows every phone; the files could not be written
        assert f"cannot write {folder}" in got.stderr and "No space left on device" in got.stderr, got.stderr
        assert "5 phones" in got.output and "not compliant" in got.output
    assert json.loads((folder / "summary.json").read_text()) == {"kept": True}  # whole, unchanged
    assert_whole_files(folder)

    again = phones.cli("check", "--all", "--report-dir", str(folder))
    assert again.exit_code == 1, again.output
    reports = [p for p in folder.glob("*.json") if p.name != "summary.json"]
    assert len(reports) == 5
    for path in reports:
        device = json.loads(path.read_text())["devices"][0]
        assert_same(audit_view(device), normal[device["serial"]], device["serial"])


@pytest.mark.skipif(not mount_allowed(), reason="this machine does not allow mounting a tmpfs")
def test_a_real_full_disk_gives_what_the_injected_one_gives(five):
    phones = five()
    folder = phones.tmp / "small"
    with small_tmpfs(folder, "1m"):
        fill(folder)
        got = phones.cli("check", "--all", "--report-dir", str(folder))
        assert got.exit_code == 2, got.output
        assert f"cannot write {folder}" in got.stderr and "No space left on device" in got.stderr
        assert_whole_files(folder)
        (folder / "filler").unlink()
        again = phones.cli("check", "--all", "--report-dir", str(folder))
        assert again.exit_code == 1, again.output
        assert len([p for p in folder.glob("*.json") if p.name != "summary.json"]) == 5


# --- fix ---------------------------------------------------------------------------------------------


LOST_FIX = "the connection to the phone was lost during the fix"
DURING_FIX: dict[str, tuple[Trouble, int, str]] = {
    # (trouble, the action that was cut, why).  The first action marks READ_CONTACTS user-fixed, the
    # second (pm revoke) takes it away.  The cable goes after the first action, before the second:
    "unplugged-after-first-action": (Trouble({"drop_on": "pm revoke"}, {"drop_on": None},
                                             "incomplete", LOST_FIX), 1, "connection-lost"),
    # the second action runs and takes effect; the cable goes while its answer comes back
    "unplugged-mid-action": (Trouble({"drop_mid_output_on": "pm revoke"}, {"drop_mid_output_on": None},
                                     "incomplete", LOST_FIX), 1, "connection-lost"),
    "hanging-action": (Trouble({"hang_on": "pm revoke"}, {"hang_on": None}, "incomplete", LOST_FIX,
                               args=("--timeout", "3")), 1, "timeout"),
    "shell-v1-drop-mid-action": (Trouble({"shell_v2": False, "drop_mid_output_on": "pm revoke"},
                                         {"drop_mid_output_on": None}, "incomplete", LOST_FIX), 1, "connection-lost"),
}


def assert_cut_at(actions: list[dict[str, Any]], cut: int, why: str) -> None:
    """The actions before ``cut`` ran (verified, or unverifiable if the phone could not be read
    again), the one at ``cut`` may or may not have been applied, the rest did not run."""
    for action in actions[:cut]:
        assert action["status"] == "verified" or action["message"].startswith("could not be verified"), action
    assert actions[cut]["status"] == "failed", actions[cut]
    assert f"while this ran ({why}): it may or may not have been applied" in actions[cut]["message"], actions[cut]
    assert all(a["status"] == "skipped" and a["message"].startswith("not run: ") for a in actions[cut + 1:]), actions


@pytest.mark.parametrize("name", [*COLLECTION, *DURING_FIX])
def test_fix_with_one_phone_in_trouble(five, baseline, name):
    trouble, cut, why = DURING_FIX[name] if name in DURING_FIX else (COLLECTION[name], -1, "")
    phones = five(trouble.faults, trouble.latency)
    got = phones.cli("fix", "--all", "--yes", "-f", "json", *trouble.args)
    assert got.exit_code == 3, got.output
    data = json.loads(got.stdout)
    devices = by_serial(data)
    for serial in phones.healthy:
        assert_same(fix_view(devices[serial]), baseline["fix"], serial)
        phones.assert_hardened(serial, baseline)
    bad = devices[phones.bad]
    assert trouble.words in bad["message"], bad
    if cut >= 0:
        assert bad["status"] == "incomplete", bad
        assert_cut_at(bad["actions"], cut, why)
    else:  # a phone that cannot be read whole is not touched at all
        assert bad["actions"] == [], bad
        phones.assert_untouched(phones.bad)
    assert "unparseable" not in json.dumps(bad)
    phones.assert_journal_intact()

    phones.over(trouble.cleared)
    again = phones.cli("fix", "--all", "--yes")
    assert again.exit_code == 1, again.output  # every phone fixed; manual items remain for a person
    for serial in phones.serials:
        phones.assert_hardened(serial, baseline)
    if cut >= 0:  # the interrupted run's snapshot puts the phone back whatever ran
        undone = phones.cli("undo", data["run_id"], "--yes", "-s", phones.bad)
        assert undone.exit_code == 0, undone.output
        phones.assert_untouched(phones.bad)
    phones.assert_journal_intact()


def test_fix_when_the_adb_server_of_one_phone_is_killed_mid_action(five, baseline):
    phones = five({"hang_on": "pm revoke"}, second_server=True)
    status, out, err = phones.while_its_server_dies(
        "pm revoke", "fix", *phones.servers(), "--all", "--yes", "-f", "json", "--timeout", "20")
    assert status == 3, err
    devices = by_serial(json.loads(out))
    for serial in phones.healthy:
        assert_same(fix_view(devices[serial]), baseline["fix"], serial)
        phones.assert_hardened(serial, baseline)
    bad = devices[phones.bad]
    gone = f"the adb server at 127.0.0.1:{phones.second.port} stopped answering"
    assert f"{gone} during the fix" in bad["message"] and "cable" not in bad["message"], bad
    assert f"{gone} while this ran" in bad["actions"][1]["message"], bad["actions"][1]  # the pm revoke
    phones.assert_journal_intact()

    start_adb_server(phones.second.port, phones.second.env)
    phones.over({"hang_on": None})
    again = phones.cli("fix", *phones.servers(), "--all", "--yes")
    assert again.exit_code == 1, again.output
    phones.assert_hardened(phones.bad, baseline)


def test_fix_with_a_read_only_journal_folder_changes_nothing(five):
    phones = five()
    phones.journal.mkdir()
    with DiskFault(phones.journal, "read-only"):
        got = phones.cli("fix", "--all", "--yes")
    assert got.exit_code == 2, got.output
    assert f"cannot write to {phones.journal}" in got.stderr and "Read-only file system" in got.stderr
    assert "--journal-dir" in got.stderr
    assert phones.bad_phone.counters.shell_sessions == 0  # refused before any phone is contacted
    for serial in phones.serials:
        phones.assert_untouched(serial)


def test_fix_with_a_journal_on_a_full_disk_changes_nothing(five):
    phones = five()
    phones.journal.mkdir()
    with DiskFault(phones.journal, "full") as disk:
        got = phones.cli("fix", "--all", "--yes")
    assert disk.failures > 0
    assert got.exit_code == 2, got.output
    assert "No space left on device" in got.stderr
    for serial in phones.serials:  # nothing runs that the journal could not record
        phones.assert_untouched(serial)
    phones.assert_journal_intact()


def test_fix_with_a_journal_whose_disk_fills_up_during_the_run(five, baseline):
    """The disk fills after some records: no record is half there, each phone either finished or
    stopped before an action the journal could not record, and undo (once there is room) puts every
    phone back from its snapshot; a new fix then completes."""
    phones = five()
    phones.journal.mkdir()
    with DiskFault(phones.journal, "full", after=12) as disk:
        got = phones.cli("fix", "--all", "--yes", "-f", "json")
    assert disk.failures > 0
    assert got.exit_code == 3, got.output
    data = json.loads(got.stdout)
    stopped = [d for d in data["devices"] if d["status"] != "done"]
    assert stopped, data
    for device in stopped:
        assert "No space left on device" in device["message"], device
        assert "the journal could not be written" in device["message"] or \
            "not changed: the snapshot could not be saved in the journal" in device["message"], device
    phones.assert_journal_intact()

    undone = phones.cli("undo", data["run_id"], "--yes")
    assert undone.exit_code == 0, undone.output
    for serial in phones.serials:
        phones.assert_untouched(serial)
    again = phones.cli("fix", "--all", "--yes")
    assert again.exit_code == 1, again.output
    for serial in phones.serials:
        phones.assert_hardened(serial, baseline)
    phones.assert_journal_intact()


def test_fix_whose_report_file_cannot_be_written_says_that_the_fix_ran(five, baseline):
    phones = five()
    folder = phones.tmp / "out"
    folder.mkdir()
    with DiskFault(folder, "full"):
        got = phones.cli("fix", "--all", "--yes", "-f", "json", "-o", str(folder / "fix.json"))
    assert got.exit_code == 2, got.output
    assert "No space left on device" in got.stderr and "wa-harden journal show" in got.stderr
    assert not (folder / "fix.json").exists()
    assert_whole_files(folder)
    for serial in phones.serials:
        phones.assert_hardened(serial, baseline)
    phones.assert_journal_intact()


# --- undo --------------------------------------------------------------------------------------------


LOST_UNDO = "the connection to the phone was lost during the undo"
DURING_UNDO: dict[str, Trouble] = {
    "unplugged-during-undo": Trouble({"drop_on": "pm grant"}, {"drop_on": None}, "done", LOST_UNDO),
    "hanging-action": Trouble({"hang_on": "pm grant"}, {"hang_on": None}, "done", LOST_UNDO,
                              args=("--timeout", "3")),
    "shell-v1-drop-mid-action": Trouble({"shell_v2": False, "drop_mid_output_on": "pm grant"},
                                        {"drop_mid_output_on": None}, "done", LOST_UNDO),
}


@pytest.mark.parametrize("name", [*COLLECTION, *DURING_UNDO])
def test_undo_with_one_phone_in_trouble(five, baseline, name):
    trouble = DURING_UNDO.get(name) or COLLECTION[name]
    phones = five(latency=0.0)
    fixed = phones.cli("fix", "--all", "--yes", "-f", "json")
    assert fixed.exit_code == 1, fixed.output
    run_id = json.loads(fixed.stdout)["run_id"]
    phones.trouble(**trouble.faults)
    if trouble.latency:
        phones.bad_phone.with_faults(latency_scale=trouble.latency)
    got = phones.cli("undo", run_id, "--yes", "-f", "json", *trouble.args)
    assert got.exit_code == 3, got.output
    devices = by_serial(json.loads(got.stdout))
    for serial in phones.healthy:
        assert_same(fix_view(devices[serial]), baseline["undo"], serial)
        phones.assert_untouched(serial)
    bad = devices[phones.bad]
    assert trouble.words in bad["message"], bad
    if name in COLLECTION:
        phones.assert_hardened(phones.bad, baseline)  # not touched by the undo
    assert "unparseable" not in json.dumps(bad)
    phones.assert_journal_intact()

    phones.over(trouble.cleared)
    again = phones.cli("undo", run_id, "--yes")
    assert again.exit_code == 0, again.output
    for serial in phones.serials:
        phones.assert_untouched(serial)
    phones.assert_journal_intact()


def test_undo_when_the_adb_server_of_one_phone_is_killed_mid_action(five, baseline):
    phones = five(second_server=True)
    fixed = phones.cli("fix", *phones.servers(), "--all", "--yes", "-f", "json")
    assert fixed.exit_code == 1, fixed.output
    run_id = json.loads(fixed.stdout)["run_id"]
    phones.bad_phone.with_faults(hang_on="pm grant")
    status, out, err = phones.while_its_server_dies(
        "pm grant", "undo", run_id, *phones.servers(), "--yes", "-f", "json", "--timeout", "20")
    assert status == 3, err
    devices = by_serial(json.loads(out))
    for serial in phones.healthy:
        assert_same(fix_view(devices[serial]), baseline["undo"], serial)
        phones.assert_untouched(serial)
    assert f"the adb server at 127.0.0.1:{phones.second.port} stopped answering during the undo" in \
        devices[phones.bad]["message"]
    phones.assert_journal_intact()

    start_adb_server(phones.second.port, phones.second.env)
    phones.over({"hang_on": None})
    again = phones.cli("undo", run_id, *phones.servers(), "--yes")
    assert again.exit_code == 0, again.output
    phones.assert_untouched(phones.bad)


@pytest.mark.parametrize("mode", ["read-only", "full"])
def test_undo_with_a_journal_that_cannot_be_written_changes_nothing(five, baseline, mode):
    phones = five()
    fixed = phones.cli("fix", "--all", "--yes", "-f", "json")
    run_id = json.loads(fixed.stdout)["run_id"]
    with DiskFault(phones.journal, mode):
        got = phones.cli("undo", run_id, "--yes")
    assert got.exit_code == 2, got.output
    assert ("Read-only file system" if mode == "read-only" else "No space left on device") in got.stderr
    for serial in phones.serials:
        phones.assert_hardened(serial, baseline)
    phones.assert_journal_intact()
    again = phones.cli("undo", run_id, "--yes")
    assert again.exit_code == 0, again.output
    for serial in phones.serials:
        phones.assert_untouched(serial)


# --- watch -------------------------------------------------------------------------------------------


@pytest.fixture
def station(adb_server):
    started: list[Watch] = []

    def start(*args: str, **kwargs: Any) -> Watch:
        watch = Watch(adb_server, *args, **kwargs)
        started.append(watch)
        return watch

    yield start
    for watch in started:
        watch.kill()


WHOLE = "NOT COMPLIANT — 6 failed, 13 to confirm by hand, 15 passed ("  # a whole audit of the persona


def line(watch: Watch, text: str, timeout: float = 30.0) -> str:
    """The first line with ``text``, among those seen already or still to come."""
    for seen in watch.seen:
        if text in seen:
            return seen
    return watch.expect(text, timeout)


def station_report(folder: Path, serial: str, server: str | None = None) -> dict[str, Any]:
    """The station's report of one phone (named with its server when it watches several)."""
    name = f"{server}_{serial}" if server else serial
    [device] = json.loads((folder / safe_file_name(name, ".json")).read_text())["devices"]
    return device


@pytest.mark.parametrize("name", list(COLLECTION))
def test_watch_with_one_phone_in_trouble(five, station, baseline, name):
    trouble = COLLECTION[name]
    phones = five(trouble.faults, trouble.latency)
    normal = phones.normal_checks(phones.healthy)
    folder = phones.tmp / "reports"
    watch = station("--report-dir", str(folder), *trouble.args)
    for serial in phones.healthy:
        line(watch, f"{serial} ({MODEL}): NOT COMPLIANT")
        assert_same(audit_view(station_report(folder, serial)), normal[serial], serial)
    bad = phones.bad
    if name == "offline":  # nothing to say until it comes online; it is never audited while offline
        time.sleep(1)
        assert not any(bad in seen for seen in watch.seen), watch.seen
    elif name == "unauthorized":
        line(watch, f"{bad}: unlock the phone and accept the USB debugging prompt")
        assert not (folder / safe_file_name(bad, ".json")).exists()
    else:  # INCOMPLETE, or NOT COMPLIANT when a failure was read before the trouble
        said = line(watch, trouble.words)
        assert said.startswith(f"{bad} ({MODEL}): ") and "unparseable" not in said, said
        assert station_report(folder, bad)["status"] == "partial"
    assert_whole_files(folder)

    phones.over(trouble.cleared)  # plugged in again (authorized, online): audited as any other
    line(watch, f"{bad} ({MODEL}): {WHOLE}", timeout=60)
    assert outcomes(station_report(folder, bad)) == baseline["outcomes"]
    assert watch.stop() == 0
    assert not any("internal error" in seen for seen in watch.seen), watch.seen


def test_watch_when_the_adb_server_of_one_phone_is_killed_and_started_again(five, station, baseline):
    phones = five({"hang_on": "dumpsys package"}, second_server=True)
    normal = phones.normal_checks(phones.healthy)
    folder = phones.tmp / "reports"
    watch = station("--report-dir", str(folder), *phones.servers(), "--timeout", "20")
    wait_for_script(phones.bad_phone, "dumpsys package")
    kill_adb_server(phones.second.port, phones.second.env)
    where = f"127.0.0.1:{phones.second.port}"
    line(watch, f"the adb server at {where} stopped answering")
    said = line(watch, f"{phones.bad} ({MODEL}): INCOMPLETE")
    assert f"the adb server at {where} stopped answering during the audit" in said and "cable" not in said
    for serial in phones.healthy:
        line(watch, f"{serial} ({MODEL}): NOT COMPLIANT")
        report = station_report(folder, serial, f"127.0.0.1:{phones.port}")
        assert_same(audit_view(report), normal[serial], serial)

    start_adb_server(phones.second.port, phones.second.env)
    phones.over({"hang_on": None})
    line(watch, f"waiting for phones on the adb server at {where}", timeout=60)
    line(watch, f"{phones.bad} ({MODEL}): {WHOLE}", timeout=60)
    assert watch.stop() == 0


def test_watch_refuses_a_read_only_report_folder_before_it_waits(five, station):
    phones = five()
    folder = phones.tmp / "reports"
    folder.mkdir()
    watch = station("--report-dir", str(folder), disk_fault=("read-only", folder, 0))
    assert watch.proc.wait(timeout=30) == 2
    line(watch, f"cannot write into the report folder {folder}")
    assert phones.bad_phone.counters.shell_sessions == 0


def test_watch_on_a_full_report_folder_says_so_for_each_phone_and_goes_on(five, station):
    phones = five()
    folder = phones.tmp / "reports"
    folder.mkdir()
    watch = station("--report-dir", str(folder), disk_fault=("full", folder, 0))
    for serial in phones.serials:
        said = line(watch, f"{serial} ({MODEL}): NOT COMPLIANT")
        assert "report not written" in said and "No space left on device" in said, said
    assert watch.stop() == 2  # reports were lost: a wrapping script must know
    line(watch, "for 5 of them the report(s) could not be written")
    assert_whole_files(folder)
    assert list(folder.glob("*.json")) == []


def test_watch_fix_with_a_journal_on_a_full_disk_changes_nothing(five, station):
    phones = five()
    phones.journal.mkdir()
    watch = station("--fix", "--yes", "--journal-dir", str(phones.journal),
                    disk_fault=("full", phones.journal, 0))
    for serial in phones.serials:
        said = line(watch, f"{serial} ({MODEL}): NOT COMPLIANT")
        assert "not changed: the journal could not be written" in said and "No space left on device" in said, said
    assert watch.stop() == 2
    for serial in phones.serials:
        phones.assert_untouched(serial)
    phones.assert_journal_intact()


def test_watch_fix_with_a_journal_that_fills_up_during_a_fix(five, station, baseline):
    """The disk fills in the middle of the station's fixes: the phone whose record did not fit stops
    before its next action and says so, the journal stays whole, and the station ends with exit 2."""
    phones = five()
    phones.journal.mkdir()
    watch = station("--fix", "--yes", "--journal-dir", str(phones.journal),
                    disk_fault=("full", phones.journal, 6))
    said = [line(watch, f"{serial} ({MODEL}): NOT COMPLIANT", timeout=60) for serial in phones.serials]
    assert any("the journal could not be written" in text and "No space left on device" in text for text in said), said
    assert watch.stop() == 2
    line(watch, "the report(s) could not be written or the fix not recorded")
    phones.assert_journal_intact()
    for serial in phones.serials:  # each phone either finished or was stopped: `fix` again completes it
        assert phones.cli("fix", "-s", serial, "--yes").exit_code == 1
        phones.assert_hardened(serial, baseline)


def test_watch_fix_with_a_read_only_journal_folder_refuses_to_start(five, station):
    phones = five()
    phones.journal.mkdir()
    watch = station("--fix", "--yes", "--journal-dir", str(phones.journal),
                    disk_fault=("read-only", phones.journal, 0))
    assert watch.proc.wait(timeout=30) == 2
    line(watch, "Read-only file system")
    assert phones.bad_phone.counters.shell_sessions == 0
