"""`check -o FILE` without `-f` writes the format the file's extension names."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from clirun import run
from wa_harden import commands as cmd
from wa_harden.capture import Capture, CommandRecord, dumps
from wa_harden.errors import UsageError
from wa_harden.report import EXTENSIONS, Format, format_for_output


@pytest.fixture
def capture_file(tmp_path):
    path = tmp_path / "phone.json"
    path.write_text(dumps(Capture("R58M00001", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), (CommandRecord(
        cmd.GETPROP, "[ro.build.version.sdk]: [34]\n[ro.build.version.release]: [14]\n", 0),))))
    return path


def test_the_extension_names_the_format():
    assert {ext: fmt.value for ext, fmt in EXTENSIONS.items()} == {
        ".json": "json", ".csv": "csv", ".md": "markdown", ".html": "html", ".xml": "junit", ".txt": "table"}
    assert format_for_output("out/Fleet.REPORT.JSON") is Format.JSON
    assert format_for_output("/dev/stdout") is None and format_for_output("-") is None
    with pytest.raises(UsageError) as error:
        format_for_output("report.xml", [Format.TABLE, Format.JSON])
    assert str(error.value) == ("cannot tell the report format of report.xml from its extension '.xml'\n"
                                "  give -f/--format, or name the file with one of .json (json), .txt (table)")


@pytest.mark.parametrize("name,looks_right", [
    ("fleet.json", lambda text: json.loads(text)["schema"] == "wa-harden-report"),
    ("fleet.csv", lambda text: text.startswith("serial,manufacturer,model,")),
    ("fleet.md", lambda text: text.startswith("# wa-harden report")),
    ("fleet.html", lambda text: text.startswith("<!DOCTYPE html>")),
    ("fleet.xml", lambda text: ET.fromstring(text).tag == "testsuites"),
    ("fleet.txt", lambda text: text.startswith("Unknown phone · R58M00001") and "\033[" not in text),
])
def test_check_infers_the_format_from_the_extension(capture_file, tmp_path, name, looks_right):
    got = run("check", "--replay", capture_file, "-o", tmp_path / name)
    assert got.exit_code == 1, got.stderr
    assert looks_right((tmp_path / name).read_text(encoding="utf-8"))


def test_an_explicit_format_wins(capture_file, tmp_path):
    run("check", "--replay", capture_file, "-f", "json", "-o", tmp_path / "report.html")
    assert json.loads((tmp_path / "report.html").read_text())["schema"] == "wa-harden-report"


def test_a_name_without_extension_is_the_table_as_before(capture_file, tmp_path):
    run("check", "--replay", capture_file, "-o", tmp_path / "report")
    assert (tmp_path / "report").read_text().startswith("Unknown phone · R58M00001")


def test_an_unknown_extension_is_a_usage_error_before_anything_runs(capture_file, tmp_path):
    got = run("check", "--replay", capture_file, "-o", tmp_path / "report.pdf")
    assert got.exit_code == 2 and got.stdout == ""
    assert "cannot tell the report format of" in got.stderr and "report.pdf from its extension '.pdf'" in got.stderr
    assert ("give -f/--format, or name the file with one of .json (json), .csv (csv), .md (markdown), .html (html), "
            ".xml (junit), .txt (table)") in got.stderr
    assert not (tmp_path / "report.pdf").exists()
    # no phone is contacted either: the adb server of the tests' environment (port 1) is never tried
    got = run("check", "-o", tmp_path / "report.pdf")
    assert got.exit_code == 2 and "report.pdf" in got.stderr
