"""Capture files: round trip, Windows encodings, and clear errors for bad files."""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime

import pytest

from wa_harden.capture import Capture, CommandRecord, dumps, read_capture
from wa_harden.errors import CaptureFileError
from wa_harden.output import write_atomic

CAPTURE = Capture(
    serial="127.0.0.1:40001",
    captured_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
    commands=(CommandRecord("getprop ro.build.version.sdk", "34\n", 0),
              CommandRecord("bmgr enabled", "Backup Manager currently enabled\n", None)),
    device={"model": "Pixel 7"},
)


def test_round_trip_keeps_every_field(tmp_path):
    path = tmp_path / "c.json"
    write_atomic(path, dumps(CAPTURE))
    again = read_capture(path)
    assert again == CAPTURE
    data = json.loads(path.read_text())
    assert data["format"] == "wa-harden-capture" and data["version"] == 1
    assert data["commands"][1] == {"command": "bmgr enabled", "output": "Backup Manager currently enabled\n",
                                   "exit_code": None}


@pytest.mark.parametrize("encoding,bom", [("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
                                          ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_reads_windows_encodings_and_crlf(tmp_path, encoding, bom):
    text = dumps(CAPTURE).replace("\n", "\r\n").replace("\\n", "\\r\\n")
    path = tmp_path / "win.json"
    path.write_bytes(bom + text.encode(encoding))
    again = read_capture(path)
    assert again.get("getprop ro.build.version.sdk").output == "34\n"
    assert again.serial == "127.0.0.1:40001"


def test_get_returns_the_last_record_and_none_when_missing():
    capture = CAPTURE.extended((CommandRecord("bmgr enabled", "Backup Manager currently disabled\n", 0),))
    assert capture.get("bmgr enabled").output == "Backup Manager currently disabled\n"
    assert capture.get("pm list users") is None


@pytest.mark.parametrize("content,fragment", [
    (b"not json", "not valid JSON (line 1"),
    (b'{"format": "other", "version": 1}', "not a wa-harden capture"),
    (b'{"format": "wa-harden-capture", "version": 9, "commands": []}', "version 9 is not supported"),
    (b'{"format": "wa-harden-capture", "version": 1, "commands": {}}', "'commands' must be a list"),
    (b'{"format": "wa-harden-capture", "version": 1, "captured_at": "2026-01-01T00:00:00",'
     b' "commands": [{"command": "x"}]}', "commands[0] needs a string"),
    (b'{"format": "wa-harden-capture", "version": 1, "captured_at": "2026-01-01T00:00:00",'
     b' "commands": [{"command": "x", "output": "", "exit_code": "0"}]}', "exit_code must be an integer"),
    (b'{"format": "wa-harden-capture", "version": 1, "captured_at": "yesterday", "commands": []}',
     "'captured_at' is not an ISO"),
])
def test_bad_files_give_a_clear_message(tmp_path, content, fragment):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CaptureFileError) as info:
        read_capture(path)
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_a_capture_error(tmp_path):
    with pytest.raises(CaptureFileError, match="cannot read"):
        read_capture(tmp_path / "nope.json")


def test_write_atomic_leaves_no_partial_file_on_failure(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")

    with pytest.raises(TypeError):
        write_atomic(target, None)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
