"""`wa-harden summary`: a fleet of five phones from two stations, each format, the duplicate rule, bad input."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest

import wa_harden.cli.summary  # noqa: F401 - registers the command (the lead wires it in cli/__init__.py)
from clirun import run
from report.markup_check import assert_self_contained
from wa_harden.report.summary import (
    CheckRate,
    GroupRate,
    ReportFileError,
    render_summary_csv,
    render_summary_html,
    render_summary_json,
    render_summary_markdown,
    render_summary_table,
    summarise,
)

AREAS = {"wa-contacts-denied": "contacts", "android-backup-disabled": "backup", "device-patch-age": "device",
         "device-screen-lock": "device", "org-dpa": "organisation"}
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def device(serial, verdict, outcomes=None, model=None, release=None, observed_at=None, status="audited",
           message=""):
    """A device of a `check -f json` report; ``outcomes`` maps check id to outcome, in report order."""
    return {
        "serial": serial, "adb_server": None, "status": status, "verdict": verdict, "message": message,
        "identity": {"manufacturer": None, "model": model, "android_release": release, "sdk": None,
                     "security_patch": None},
        "observed_at": observed_at, "counts": {},
        "results": [{"check": check, "title": check.replace("-", " "), "area": AREAS[check], "outcome": outcome,
                     "reason": outcome, "message": f"{check} {outcome}", "severity": "high", "observed": None,
                     "expected": None, "remedy": "", "gdpr": [], "fixable": False, "waiver": None,
                     "attestation": None, "notes": []}
                    for check, outcome in (outcomes or {}).items()],
    }


def report(generated_at, *devices, profile="whatsapp-business-gdpr", fail_on="info", skip_manual=False):
    return {"schema": "wa-harden-report", "schema_version": 1, "tool_version": "0.1.0",
            "generated_at": generated_at, "profile": profile, "fail_on": fail_on, "skip_manual": skip_manual,
            "summary": {}, "devices": list(devices)}


def outcomes(contacts, backup, patch, lock, dpa):
    return {"wa-contacts-denied": contacts, "android-backup-disabled": backup, "device-patch-age": patch,
            "device-screen-lock": lock, "org-dpa": dpa}


# Station 1 read R58M0001-3 on 20 November; station 2 read R58M0002 again a day later (it stays
# not compliant, but its backup is fixed), an older reading of R58M0003, HT7A0004 and a phone that
# refused the USB debugging prompt.
STATION_1 = report(
    "2026-11-20T10:00:00+00:00",
    device("R58M0001", "compliant", outcomes("pass", "waived", "pass", "pass", "pass"), "SM-A536B", "14",
           "2026-11-20T09:50:00"),
    device("R58M0002", "not-compliant", outcomes("fail", "fail", "pass", "fail", "manual"), "SM-A536B", "14",
           "2026-11-20T09:52:00"),
    device("R58M0003", "incomplete", outcomes("pass", "error", "pass", "pass", "pass"), "Pixel 7", "13",
           "2026-11-20T09:55:00"),
)
STATION_2 = report(
    "2026-11-21T08:00:00+00:00",
    device("R58M0002", "not-compliant", outcomes("fail", "pass", "pass", "fail", "manual"), "SM-A536B", "14",
           "2026-11-21T07:55:00"),
    device("R58M0003", "compliant", outcomes("pass", "pass", "pass", "pass", "pass"), "Pixel 7", "13",
           "2026-11-19T16:00:00"),
    device("HT7A0004", "not-yet-compliant", outcomes("pass", "pass", "not_applicable", "pass", "manual"),
           "Pixel 7", "14", "2026-11-21T07:58:00"),
    device("R58M0005", "not-audited", status="unauthorized",
           message="unauthorized: unlock the phone and accept the USB debugging prompt"),
)


def fleet():
    return summarise([STATION_1, STATION_2], ["station-1.json", "station-2.json"], generated_at=NOW,
                     tool_version="0.1.0")


def test_the_fleet_counts_each_phone_once_from_its_newest_report():
    summary = fleet()
    assert summary.phones == 5 and summary.compliant == 1 and summary.share_compliant == 0.2
    assert dict(summary.verdicts) == {"compliant": 1, "not-yet-compliant": 1, "not-compliant": 1,
                                      "incomplete": 1, "not-audited": 1}
    assert [(d.serial, d.kept.source, d.kept.observed_at, [(s.source, s.observed_at) for s in d.dropped])
            for d in summary.duplicates] == [
        ("R58M0002", "station-2.json", "2026-11-21T07:55:00", [("station-1.json", "2026-11-20T09:52:00")]),
        # the later file holds the older reading: the newest reading wins, not the last file
        ("R58M0003", "station-1.json", "2026-11-20T09:55:00", [("station-2.json", "2026-11-19T16:00:00")]),
    ]
    assert summary.notes == ()


def test_compliance_per_check_counts_the_kept_reports_only():
    assert fleet().checks == (
        CheckRate("wa-contacts-denied", "wa contacts denied", "contacts", audited=4, passed=3, failed=1, errors=0,
                  manual=0, waived=0, not_applicable=0),
        # station 1's failure of R58M0002 is superseded by station 2's pass
        CheckRate("android-backup-disabled", "android backup disabled", "backup", audited=4, passed=2, failed=0,
                  errors=1, manual=0, waived=1, not_applicable=0),
        CheckRate("device-patch-age", "device patch age", "device", audited=3, passed=3, failed=0, errors=0,
                  manual=0, waived=0, not_applicable=1),
        CheckRate("device-screen-lock", "device screen lock", "device", audited=4, passed=3, failed=1, errors=0,
                  manual=0, waived=0, not_applicable=0),
        CheckRate("org-dpa", "org dpa", "organisation", audited=4, passed=2, failed=0, errors=0, manual=2,
                  waived=0, not_applicable=0),
    )
    assert [c.compliance for c in fleet().checks] == [0.75, 0.5, 1.0, 0.75, 0.5]


def test_per_android_version_and_model():
    summary = fleet()
    assert summary.android_versions == (GroupRate("13", 1, 0), GroupRate("14", 3, 1), GroupRate("unknown", 1, 0))
    assert summary.models == (GroupRate("Pixel 7", 2, 0), GroupRate("SM-A536B", 2, 1), GroupRate("unknown", 1, 0))
    assert [g.share for g in summary.models] == [0.0, 0.5, 0.0]


def test_top_failing_and_the_phones_that_need_a_person():
    summary = fleet()
    assert [(c.check, c.failed) for c in summary.top_failing] == [("device-screen-lock", 1), ("wa-contacts-denied", 1)]
    assert [(p.serial, p.model, p.verdict, p.failing, p.unchecked, p.manual, p.source)
            for p in summary.needs_person] == [
        ("R58M0002", "SM-A536B", "not-compliant", ("wa-contacts-denied", "device-screen-lock"), (), ("org-dpa",),
         "station-2.json"),
        ("R58M0003", "Pixel 7", "incomplete", (), ("android-backup-disabled",), (), "station-1.json"),
        ("R58M0005", None, "not-audited", (), (), (), "station-2.json"),
        ("HT7A0004", "Pixel 7", "not-yet-compliant", (), (), ("org-dpa",), "station-2.json"),
    ]


def test_a_tie_keeps_the_later_report_and_a_missing_observed_at_falls_back_to_generated_at():
    first = report("2026-11-20T10:00:00+00:00", device("R1", "compliant", observed_at="2026-11-20T09:00:00"))
    second = report("2026-11-20T10:00:00+00:00", device("R1", "not-compliant", observed_at="2026-11-20T09:00:00"))
    assert summarise([first, second]).needs_person[0].source == "report 2"
    unread = report("2026-11-21T08:00:00+00:00", device("R1", "not-audited", status="offline"))
    kept = summarise([first, unread], ["a.json", "b.json"]).duplicates[0]
    assert (kept.kept.source, kept.kept.observed_at, kept.dropped[0].source) == ("b.json", None, "a.json")


def test_an_empty_fleet_is_a_summary_with_no_shares():
    summary = summarise([report("2026-11-20T10:00:00+00:00")], generated_at=NOW)
    assert (summary.phones, summary.share_compliant, summary.checks, summary.needs_person) == (0, None, (), ())
    assert "0 phones, 0 compliant (—), from 1 report" in render_summary_table(summary)
    assert json.loads(render_summary_json(summary))["share_compliant"] is None


def test_reports_judged_differently_are_flagged():
    other = report("2026-11-21T08:00:00+00:00", device("X1", "compliant"), fail_on="high", skip_manual=True)
    assert summarise([STATION_1, other]).notes == (
        "the reports were judged with different --fail-on thresholds (high, info): their verdicts are not "
        "strictly comparable",
        "some reports were made with --skip-manual (items to confirm by hand not judged), others not",
    )


# --- formats ---------------------------------------------------------------------------------


def test_table():
    text = render_summary_table(fleet())
    assert text.startswith("wa-harden fleet summary: 5 phones, 1 compliant (20.0%), from 2 reports\n"
                           "  station-1.json: 3 phones, profile whatsapp-business-gdpr, fail-on info, generated "
                           "2026-11-20T10:00:00+00:00\n")
    assert ("Note: R58M0002 is in 2 reports: counted from the newest, station-2.json (read 2026-11-21T07:55:00); "
            "left out station-1.json (read 2026-11-20T09:52:00)") in text
    lines = text.splitlines()
    assert lines[lines.index("COMPLIANCE PER CHECK") + 3].split() == [
        "wa-contacts-denied", "contacts", "4", "3", "1", "0", "0", "0", "0", "75.0%"]
    assert lines[lines.index("PER ANDROID VERSION") + 4].split() == ["14", "3", "1", "33.3%"]
    needs = lines[lines.index("PHONES THAT NEED A PERSON") + 3:]
    assert needs[0].split()[:5] == ["R58M0002", "SM-A536B", "not-compliant", "wa-contacts-denied,",
                                    "device-screen-lock"]
    assert needs[2].split()[:3] == ["R58M0005", "not-audited", "unauthorized:"]
    assert needs[3].strip() == "debugging prompt" and needs[4].startswith("HT7A0004")  # the message wraps


def test_csv_is_one_long_table():
    rows = list(csv.reader(io.StringIO(render_summary_csv(fleet()))))
    assert rows[0] == ["section", "key", "measure", "value"]
    assert rows[1:4] == [["fleet", "", "phones", "5"], ["fleet", "", "compliant", "1"],
                         ["fleet", "", "share_compliant", "0.2"]]
    assert ["source", "station-2.json", "devices", "4"] in rows
    assert ["duplicate", "R58M0003", "kept", "station-1.json"] in rows
    assert ["duplicate", "R58M0003", "dropped", "station-2.json"] in rows
    assert ["check", "org-dpa", "manual", "2"] in rows and ["check", "org-dpa", "compliance", "0.5"] in rows
    assert ["android", "unknown", "phones", "1"] in rows and ["model", "SM-A536B", "share_compliant", "0.5"] in rows
    assert ["top_failing", "device-screen-lock", "fail", "1"] in rows
    assert ["needs_person", "R58M0002", "failing", "wa-contacts-denied;device-screen-lock"] in rows
    assert ["needs_person", "R58M0005", "model", ""] in rows
    assert all(len(row) == 4 for row in rows)


def test_markdown():
    text = render_summary_markdown(fleet())
    assert text.startswith("# wa-harden fleet summary\n\n**5 phones, 1 compliant (20.0%), from 2 reports**; "
                           "generated 2026-11-22T12:00:00+00:00 by wa-harden 0.1.0.\n")
    assert "| android | phones | compliant | share |\n|---|---:|---:|---:|\n| 13 | 1 | 0 | 0.0% |\n" in text
    assert "| R58M0002 | SM-A536B | not-compliant | wa-contacts-denied, device-screen-lock | 1 to confirm by hand |" \
        in text
    assert "| R58M0003 | Pixel 7 | incomplete |  | not checked: android-backup-disabled |" in text


def test_json_schema():
    data = json.loads(render_summary_json(fleet()))
    assert (data["schema"], data["schema_version"], data["generated_at"]) == (
        "wa-harden-summary", 1, "2026-11-22T12:00:00+00:00")
    assert (data["phones"], data["compliant"], data["share_compliant"]) == (5, 1, 0.2)
    assert data["sources"][1] == {"file": "station-2.json", "generated_at": "2026-11-21T08:00:00+00:00",
                                  "profile": "whatsapp-business-gdpr", "fail_on": "info", "skip_manual": False,
                                  "devices": 4}
    assert data["duplicates"][0] == {"serial": "R58M0002",
                                     "kept": {"source": "station-2.json", "observed_at": "2026-11-21T07:55:00"},
                                     "dropped": [{"source": "station-1.json", "observed_at": "2026-11-20T09:52:00"}]}
    assert data["checks"][1] == {"check": "android-backup-disabled", "title": "android backup disabled",
                                 "area": "backup", "audited": 4, "pass": 2, "fail": 0, "error": 1, "manual": 0,
                                 "waived": 1, "not_applicable": 0, "compliance": 0.5}
    assert data["android_versions"][1] == {"android_release": "14", "phones": 3, "compliant": 1,
                                           "share_compliant": 0.3333}
    assert data["models"][2] == {"model": "unknown", "phones": 1, "compliant": 0, "share_compliant": 0.0}
    assert [c["check"] for c in data["top_failing"]] == ["device-screen-lock", "wa-contacts-denied"]
    assert data["needs_person"][2] == {"serial": "R58M0005", "model": None, "verdict": "not-audited", "failing": [],
                                       "unchecked": [], "manual": [], "source": "station-2.json",
                                       "message": "unauthorized: unlock the phone and accept the USB debugging "
                                                  "prompt"}


def test_html_is_one_self_contained_page():
    page = render_summary_html(fleet())
    parsed = assert_self_contained(page)
    assert page.startswith("<!DOCTYPE html>") and "@page { size: A4;" in page
    assert ('<td class="k">R58M0002</td><td class="k">SM-A536B</td><td class="k">not-compliant</td>'
            "<td>wa-contacts-denied, device-screen-lock</td>") in page
    assert '<td class="n">33.3%</td>' in page
    assert "5 phones, 1 compliant (20.0%), from 2 reports" in "".join(parsed.text)


HOSTILE = report("2026-11-20T10:00:00+00:00", device(
    "R58\x1b]0;pwned\x07M1", "not-compliant", {"wa-contacts-denied": "fail"},
    model='<script>alert("x")</script>"onerror=alert(1) & =HYPERLINK("http://x")|# \ud800', release="14\u202e"))


def test_hostile_text_is_escaped_in_every_format():
    summary = summarise([HOSTILE], ['evil<b>.json'], generated_at=NOW)
    page = render_summary_html(summary)
    assert_self_contained(page)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&quot;onerror=alert(1) &amp; =HYPERLINK" in page
    assert "evil&lt;b&gt;.json" in page and "\x1b" not in page and "\u202e" not in page
    table = render_summary_table(summary)
    assert "\x1b" not in table and "\x07" not in table and "\u202e" not in table
    markdown = render_summary_markdown(summary)
    assert "\\<script\\>" in markdown and "\\|\\#" in markdown and re.search(r"(?<!\\)<script", markdown) is None
    rows = list(csv.reader(io.StringIO(render_summary_csv(summary))))
    assert ["needs_person", "R58]0;pwnedM1", "model",
            '<script>alert("x")</script>"onerror=alert(1) & =HYPERLINK("http://x")|# \ufffd'] in rows
    assert json.loads(render_summary_json(summary))["needs_person"][0]["serial"] == "R58\x1b]0;pwned\x07M1"
    for text in (page, table, markdown, render_summary_csv(summary), render_summary_json(summary)):
        text.encode("utf-8")  # the lone surrogate is gone: every format can be written


def test_a_formula_in_a_csv_cell_is_defused():
    summary = summarise([report("2026-11-20T10:00:00+00:00", device("=cmd|' /C calc'!A0", "not-audited"))])
    rows = list(csv.reader(io.StringIO(render_summary_csv(summary))))
    assert ["needs_person", "'=cmd|' /C calc'!A0", "verdict", "not-audited"] in rows


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("data,message", [
    ([], "not a wa-harden check report (a JSON list, not an object)"),
    ({"schema": "wa-harden-fix", "schema_version": 1}, "not a wa-harden check report (schema 'wa-harden-fix')"),
    ({"captured_at": "x"}, "not a wa-harden check report (no schema field)"),
    ({"schema": "wa-harden-report", "schema_version": 2, "devices": []},
     "written by a newer wa-harden (report schema_version 2); this one reads version 1"),
    ({"schema": "wa-harden-report", "schema_version": 1}, "devices: expected a list, found null"),
    (report("2026-11-20T10:00:00+00:00", {"serial": "X"}), "devices[0].status: expected a string, found null"),
    (report("2026-11-20T10:00:00+00:00", device("X", "great")), "devices[0].verdict: unknown verdict 'great'"),
    (report("2026-11-20T10:00:00+00:00", device("X", "compliant", {"org-dpa": "maybe"})),
     "devices[0].results[0].outcome: unknown outcome 'maybe'"),
    (report("2026-11-20T10:00:00+00:00", device("X", "compliant", observed_at="yesterday")),
     "devices[0].observed_at: not an ISO 8601 time: 'yesterday'"),
    (report("2026-11-20T10:00:00+00:00", device("", "compliant")), "devices[0].serial: empty"),
])
def test_other_json_is_refused_naming_the_file(data, message):
    with pytest.raises(ReportFileError) as error:
        summarise([STATION_1, data], ["station-1.json", "other.json"])
    assert str(error.value).startswith("other.json: ") and message in str(error.value)


def _write(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_command_writes_every_format_and_infers_it_from_the_extension(tmp_path):
    one, two = _write(tmp_path / "station-1.json", STATION_1), _write(tmp_path / "station-2.json", STATION_2)
    got = run("summary", one, two)
    assert got.exit_code == 0 and got.stdout.startswith("wa-harden fleet summary: 5 phones, 1 compliant (20.0%)")
    assert got.stderr == ("5 phones from 2 reports: 1 compliant, 2 seen in several reports (counted once)\n")
    for name, check in (("s.json", lambda t: json.loads(t)["schema"] == "wa-harden-summary"),
                        ("s.csv", lambda t: t.startswith("section,key,measure,value\n")),
                        ("s.md", lambda t: t.startswith("# wa-harden fleet summary")),
                        ("s.html", lambda t: t.startswith("<!DOCTYPE html>")),
                        ("s.txt", lambda t: t.startswith("wa-harden fleet summary:"))):
        got = run("summary", one, two, "-o", tmp_path / name)
        assert got.exit_code == 0 and check((tmp_path / name).read_text(encoding="utf-8")), name
    got = run("summary", one, "-f", "csv", "-o", tmp_path / "forced.html")
    assert (tmp_path / "forced.html").read_text().startswith("section,key")
    assert json.loads(run("summary", "-", "-f", "json", input=json.dumps(STATION_2)).stdout)["phones"] == 4


def test_the_command_exits_2_for_input_it_cannot_read(tmp_path):
    good = _write(tmp_path / "good.json", STATION_1)
    for content, message in (("{not json", "broken.json: not valid JSON (line 1, column 2)"),
                             ('{"schema": "wa-harden-fix", "schema_version": 1}',
                              "broken.json: not a wa-harden check report (schema 'wa-harden-fix')"),
                             ("[" * 100000 + "]" * 100000, "broken.json: not a wa-harden check report")):
        (tmp_path / "broken.json").write_text(content)
        got = run("summary", good, tmp_path / "broken.json")
        assert got.exit_code == 2 and message in got.stderr and got.stdout == "", got.stderr
    got = run("summary", tmp_path / "missing.json")
    assert got.exit_code == 2 and "cannot read" in got.stderr and "missing.json" in got.stderr
    got = run("summary", "/dev/zero")
    assert got.exit_code == 2 and "/dev/zero: larger than 64 MiB" in got.stderr
    got = run("summary", good, "-o", tmp_path / "summary.pdf")
    assert got.exit_code == 2 and "give -f/--format" in got.stderr and ".html (html)" in got.stderr
    assert ".xml" not in got.stderr  # no JUnit summary
    got = run("summary", good, "-o", good)
    assert got.exit_code == 2 and "also an input of this run" in got.stderr
    assert run("summary").exit_code == 2


def test_a_check_report_round_trips_into_the_summary(tmp_path):
    from wa_harden import commands as cmd
    from wa_harden.capture import Capture, CommandRecord, dumps

    capture = tmp_path / "phone.json"
    capture.write_text(dumps(Capture("R58M00001", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), (CommandRecord(
        cmd.GETPROP, "[ro.build.version.sdk]: [34]\n[ro.build.version.release]: [14]\n", 0),))))
    assert run("check", "--replay", capture, "-o", tmp_path / "fleet.json").exit_code == 1
    data = json.loads(run("summary", tmp_path / "fleet.json", "-f", "json").stdout)
    assert (data["phones"], data["android_versions"][0]["android_release"]) == (1, "14")
    assert data["needs_person"][0]["serial"] == "R58M00001"


def test_help_does_not_import_pandas():
    code = ("import sys; import wa_harden.cli.summary; from wa_harden.cli import main; main(sys.argv[1:]); "
            "print(sorted(m for m in ('pandas', 'tabulate', 'adbutils') if m in sys.modules))")
    for args in (["--help"], ["summary", "--help"]):
        got = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
        assert got.stdout.strip().endswith("[]"), got.stdout[-300:]
