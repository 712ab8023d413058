"""The error boundary and bad input: exit codes, messages, and nothing lost, before any phone is touched.

The environment points ANDROID_ADB_SERVER_PORT at port 1 (tests/conftest.py): a command that tried
to reach an adb server before refusing bad input would fail differently (exit 3).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clirun import run
from wa_harden import commands as cmd
from wa_harden.capture import Capture, CommandRecord, dumps

GETPROP = "[ro.build.version.sdk]: [34]\n[ro.build.version.release]: [14]\n"


@pytest.fixture
def capture_file(tmp_path):
    path = tmp_path / "phone.json"
    capture = Capture("R58M00001", datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
                      (CommandRecord(cmd.GETPROP, GETPROP, 0),))
    path.write_text(dumps(capture))
    return path


def _python(*code_args, env=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, *code_args], capture_output=True, text=True, env=full_env, timeout=60)


def test_an_unexpected_exception_exits_70_with_one_line_and_a_crash_log(capture_file, monkeypatch, tmp_path):
    from wa_harden import engine

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(engine, "audit_capture", broken)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    got = run("check", "--replay", capture_file)
    assert got.exit_code == 70
    [line] = got.stderr.strip().splitlines()
    assert "internal error (RuntimeError: simulated bug)" in line and "this is a bug in wa-harden" in line
    log = line.split("the traceback is in ", 1)[1].split(";", 1)[0]
    crash_log = Path(log).read_text()
    assert "Traceback" in crash_log and "simulated bug" in crash_log


@pytest.mark.parametrize("args,message", [
    (["check", "-P", "70000"], "70000 is not in the range 1<=x<=65535"),
    (["check", "-P", "0"], "0 is not in the range 1<=x<=65535"),
    (["devices", "-P", "-1"], "-1 is not in the range"),
    (["check", "--timeout", "0"], "--timeout"),
    (["check", "--jobs", "0"], "--jobs"),
])
def test_invalid_options_exit_2(args, message):
    got = run(*args)
    assert got.exit_code == 2
    assert message in got.stderr


@pytest.mark.parametrize("value", ["abc", "0", "99999", "-5"])
def test_a_bad_adb_port_in_the_environment_exits_2_before_adbutils_is_imported(value):
    got = _python("-m", "wa_harden", "check", env={"ANDROID_ADB_SERVER_PORT": value})
    assert got.returncode == 2, got.stderr
    assert f"ANDROID_ADB_SERVER_PORT is not a port number between 1 and 65535: '{value}'" in got.stderr
    assert "Traceback" not in got.stderr


def test_fail_on_accepts_any_case(capture_file):
    got = run("check", "--replay", capture_file, "--fail-on", "HIGH", "-f", "json")
    assert json.loads(got.stdout)["fail_on"] == "high"


def test_output_into_a_missing_folder_exits_2_before_any_phone_is_contacted(tmp_path):
    got = run("check", "-o", tmp_path / "no-such-folder" / "report.json")
    assert got.exit_code == 2
    assert "the folder" in got.stderr and "does not exist" in got.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes everywhere")
def test_output_into_a_read_only_folder_exits_2(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    got = run("check", "-o", folder / "report.json")
    assert got.exit_code == 2 and "not writable" in got.stderr


def test_a_replay_never_overwrites_its_own_input(capture_file):
    before = capture_file.read_text()
    got = run("check", "--replay", capture_file, "-o", capture_file)
    assert got.exit_code == 2 and "also an input of this run" in got.stderr
    assert capture_file.read_text() == before


def test_an_existing_report_keeps_its_mode(capture_file, tmp_path):
    out = tmp_path / "report.json"
    out.write_text("old")
    out.chmod(0o640)
    run("check", "--replay", capture_file, "-f", "json", "-o", out)
    assert json.loads(out.read_text())["schema"] == "wa-harden-report"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_a_new_report_follows_the_umask(capture_file, tmp_path):
    out = tmp_path / "new.json"
    old = os.umask(0o022)
    try:
        run("check", "--replay", capture_file, "-f", "json", "-o", out)
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_output_to_a_fifo_is_written_through_not_replaced(capture_file, tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    got = run("check", "--replay", capture_file, "-f", "json", "-o", fifo)
    reader.join(timeout=30)
    assert got.exit_code == 1
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(received[0])["schema"] == "wa-harden-report"


def test_a_replay_of_an_endless_file_ends_with_a_message():
    got = run("check", "--replay", "/dev/zero")
    assert got.exit_code == 2 and "larger than 64 MiB" in got.stderr


def test_a_replay_of_deeply_nested_json_is_refused(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000 + "]" * 100000)
    got = run("check", "--replay", path)
    assert got.exit_code == 2 and "not a wa-harden capture" in got.stderr


def test_help_and_replay_never_import_adbutils_or_tabulate(capture_file):
    code = ("import sys; from wa_harden.cli import main; code = main(sys.argv[1:]); "
            "print(sorted(m for m in ('adbutils', 'tabulate', 'pandas', 'wa_harden.virtual') if m in sys.modules))")
    helped = _python("-c", code, "--help")
    assert helped.stdout.strip().endswith("[]"), helped.stdout
    replayed = _python("-c", code, "check", "--replay", str(capture_file), "-f", "json")
    assert replayed.stdout.strip().endswith("[]"), replayed.stdout[-300:]


def test_the_console_entry_and_python_m_return_the_exit_code(capture_file):
    got = _python("-m", "wa_harden", "check", "--replay", str(capture_file), "-f", "json")
    assert got.returncode == 1 and json.loads(got.stdout)["summary"]["devices"] == 1


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html", "junit"])
def test_a_capture_with_a_lone_surrogate_is_reported_not_crashed(tmp_path, fmt):
    path = tmp_path / "odd.json"
    capture = Capture("R58M\udc00", datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
                      (CommandRecord(cmd.GETPROP, GETPROP.replace("34", "3\udc004"), 0),),
                      device={"model": "Pixel\udc00"})
    path.write_text(json.dumps(capture.to_dict()), encoding="ascii")  # JSON escapes the surrogate: \udc00
    got = run("check", "--replay", path, "-f", fmt)
    assert got.exit_code in (1, 3), got.stderr
    assert "internal error" not in got.stderr and "\ufffd" in got.stdout
