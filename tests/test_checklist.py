"""The onboarding checklist: what the printed page states, that device text cannot inject markup, that
the profile's hash is stable, that a fix run comes from the journal, and that `checklist` exits as
`check` does.  The HTML is opened and printed in headless Chromium where it is installed (CI installs
it); virtual phones run in-process and reach the CLI as replayed captures."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.resources
import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

import wa_harden.cli.checklist  # noqa: F401 - registers the command until cli/__init__.py imports it
from clirun import run
from fakes import FakeConnector, InProcessPhone, virtual_phone
from wa_harden import collect, engine
from wa_harden import commands as cmd
from wa_harden.capture import Capture, dumps, read_capture
from wa_harden.device.base import ServerAddress
from wa_harden.fix.apply import apply_fix, plan_targets
from wa_harden.journal import Journal
from wa_harden.model import Attestation, DeviceIdentity, DeviceReport, DeviceStatus, Outcome, Severity, Waiver
from wa_harden.profile import CheckSettings, Profile, load_profile
from wa_harden.report import RunInfo
from wa_harden.report.checklist import (
    checklist,
    fix_run,
    format_for,
    profile_document,
    profile_sha256,
    render_html,
    render_markdown,
)

PROFILE = load_profile("whatsapp-business-gdpr")
SERIAL = "R58M12345"
ADDRESS = ServerAddress("127.0.0.1", 5999)
CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (Debian package 'chromium'; .ci/run installs it)")
HOSTILE_MODEL = "<script>alert(1)</script>\x1b[31m\x1b[2J\u202eevil"


# --- helpers ---------------------------------------------------------------------------------------


def _capture(tmp_path: Path, persona: str = "hardened", serial: str = SERIAL, name: str = "capture.json",
             phone=None) -> Path:
    """A capture of a virtual phone, as `wa-harden capture` writes it, to replay."""
    phone = phone or virtual_phone(persona, serial=serial)
    path = tmp_path / name
    path.write_text(dumps(collect.collect(InProcessPhone(phone), phone.serial, timeout=30)), encoding="utf-8")
    return path


def _attestations(tmp_path: Path, checks, serial: str = SERIAL, by: str = "IT admin") -> Path:
    day = (date.today() - timedelta(days=10)).isoformat()  # attestations are judged against today
    path = tmp_path / "attest.toml"
    path.write_text("".join(f'[[attestation]]\ncheck = "{check}"\nby = "{by}"\ndate = {day}\n'
                            f'note = "confirmed at the onboarding station"\nserials = ["{serial}"]\n\n'
                            for check in checks), encoding="utf-8")
    return path


def _fixed_phone_with_a_run(tmp_path: Path) -> tuple[Path, Path, str]:
    """A phone fixed in-process (journal in tmp_path), then captured: (capture, journal folder, run id)."""
    phone = virtual_phone("fresh-noncompliant", serial="R58M67890")
    connector = FakeConnector([phone])
    targets = engine.select_targets(connector, ADDRESS, [phone.serial], False)
    journal = Journal(tmp_path / "journal")
    plans = plan_targets(connector, targets, PROFILE, (), 30, 4)
    run_id = journal.new_run_id()
    journal.append("run", run_id, operation="fix", profile=PROFILE.name, safe_only=False, only=[],
                   serials=[phone.serial])
    [done] = apply_fix(connector, plans, PROFILE, (), journal, run_id, 30, 4)
    assert done.handled, done.message
    return _capture(tmp_path, phone=phone, name="after-fix.json"), tmp_path / "journal", run_id


class _Node:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs, self.children, self.parts = tag, attrs, [], []

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[_Node]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and all(
                    child.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                found.append(child)
            found += child.find_all(tag, **attrs)
        return found


class _Tree(HTMLParser):
    """The DOM Chromium dumped, as a small tree (text of an element = all text below it)."""

    VOID = {"meta", "br", "col", "img", "input", "link", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.root = _Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        self.stack[-1].parts.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        while len(self.stack) > 1:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data):
        self.stack[-1].parts.append(data)


def _dom(html_file: Path, tmp_path: Path) -> _Node:
    tree = _Tree()
    tree.feed(_chromium(tmp_path, "--dump-dom", html_file.resolve().as_uri()).stdout)
    return tree.root


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", *args],
        capture_output=True, text=True, timeout=180, check=True)


def _squash(text: str) -> str:
    return " ".join(text.split())


# --- the profile's hash ----------------------------------------------------------------------------


def _tiny_profile(**changes) -> Profile:
    profile = Profile(
        name="tiny", description="two checks", source="/somewhere/tiny.toml",
        checks={"device-patch-age": CheckSettings(True, Severity.HIGH, {"max_age_days": 90}),
                "org-dpa": CheckSettings(True, Severity.HIGH, {})},
        waivers=(Waiver("device-patch-age", "replacement ordered", "IT lead", date(2027, 3, 31), ("R58M1",)),),
        attestation_max_age_days=365)
    return dataclasses.replace(profile, **changes)


def test_the_profile_hash_is_sha256_of_a_pinned_canonical_json():
    profile = _tiny_profile()
    canonical = ('{"attestation_max_age_days":365,"checks":{"device-patch-age":{"params":{"max_age_days":90},'
                 '"severity":"high"},"org-dpa":{"params":{},"severity":"high"}},"form":"wa-harden-profile/1",'
                 '"name":"tiny","waivers":[{"approver":"IT lead","check":"device-patch-age","expires":"2027-03-31",'
                 '"justification":"replacement ordered","serials":["R58M1"]}]}')
    assert json.dumps(profile_document(profile), sort_keys=True, separators=(",", ":")) == canonical
    assert profile_sha256(profile) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_the_profile_hash_is_stable_and_ignores_what_does_not_change_a_verdict():
    assert profile_sha256(load_profile("whatsapp-business-gdpr")) == profile_sha256(PROFILE)
    assert re.fullmatch(r"[0-9a-f]{64}", profile_sha256(PROFILE))
    base = profile_sha256(_tiny_profile())
    reordered = _tiny_profile(checks=dict(reversed(list(_tiny_profile().checks.items()))))
    assert profile_sha256(reordered) == base
    assert profile_sha256(_tiny_profile(description="other words", source="/elsewhere/tiny.toml")) == base


def test_the_profile_hash_changes_with_a_param_a_severity_a_waiver_or_the_attestation_age():
    base = profile_sha256(_tiny_profile())
    checks = dict(_tiny_profile().checks)
    param = {**checks, "device-patch-age": CheckSettings(True, Severity.HIGH, {"max_age_days": 91})}
    severity = {**checks, "device-patch-age": CheckSettings(True, Severity.CRITICAL, {"max_age_days": 90})}
    changed = [_tiny_profile(checks=param), _tiny_profile(checks=severity), _tiny_profile(waivers=()),
               _tiny_profile(attestation_max_age_days=180), _tiny_profile(name="tiny2")]
    hashes = {profile_sha256(p) for p in changed}
    assert base not in hashes and len(hashes) == len(changed)


def test_a_param_changed_in_a_profile_file_changes_the_hash(tmp_path):
    def extending(days: int) -> Path:
        path = tmp_path / f"mine-{days}.toml"
        path.write_text('[profile]\nname = "whatsapp-business-gdpr"\nextends = "whatsapp-business-gdpr"\n'
                        f'[checks.device-patch-age]\nmax_age_days = {days}\n', encoding="utf-8")
        return path

    assert profile_sha256(load_profile(str(extending(90)))) == profile_sha256(PROFILE)  # same resolved content
    assert profile_sha256(load_profile(str(extending(30)))) != profile_sha256(PROFILE)


# --- the content, in both formats ------------------------------------------------------------------


RUN = RunInfo(PROFILE.name, Severity.INFO, datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "0.1.0")


def _report(model: str = "SM-A536B", serial: str = SERIAL) -> DeviceReport:
    from wa_harden.model import Area, Result

    def result(check, outcome, area, **kw):
        return Result(check=check, title=f"title of {check}", area=area, outcome=outcome, reason=outcome.value,
                      message=kw.pop("message", f"{check} is {outcome.value}"), severity=Severity.HIGH, **kw)

    attested = Attestation("org-dpa", "Data protection officer", date(2026, 11, 2), "DPA filed")
    return DeviceReport(
        DeviceIdentity(serial, "samsung", model, "14", 34, "2026-10-01"), DeviceStatus.AUDITED,
        (result("wa-contacts-denied", Outcome.FAIL, Area.CONTACTS, remedy="Run wa-harden fix."),
         result("device-encryption", Outcome.PASS, Area.DEVICE),
         result("org-dpa", Outcome.PASS, Area.ORGANISATION, attestation=attested,
                message="Attested by Data protection officer on 2026-11-02: DPA filed"),
         result("wa-chat-backup", Outcome.MANUAL, Area.BACKUP, remedy="Open WhatsApp Business > Settings > Chats.")),
        observed_at=datetime(2026, 11, 30, 8, 59), profile=PROFILE.name)


def test_automated_results_and_manual_items_are_apart_and_attested_items_are_ticked():
    sheet = checklist([_report()], RUN, PROFILE)
    [phone] = sheet.phones
    assert [f.check for _area, rows in phone.areas for f in rows] == ["wa-contacts-denied", "device-encryption"]
    assert phone.todo == (("wa-contacts-denied", "Run wa-harden fix."),)
    items = {i.check: (i.state, i.ticked, i.detail) for i in phone.items}
    assert items == {"org-dpa": ("attested", True, "by Data protection officer on 2026-11-02: DPA filed"),
                     "wa-chat-backup": ("open", False, "Open WhatsApp Business > Settings > Chats.")}
    assert phone.verdict == "not-compliant" and phone.headline.startswith("NOT COMPLIANT")
    assert dict(phone.identity)["Profile SHA-256"] == profile_sha256(PROFILE) == sheet.profile_sha256


def test_html_and_markdown_state_the_same_content():
    sheet = checklist([_report()], RUN, PROFILE)
    html = render_html(sheet)
    markdown = render_markdown(sheet)
    for fact in (SERIAL, "SM-A536B", "Android 14 (SDK 34)", "2026-10-01", profile_sha256(PROFILE),
                 "2026-11-30 09:00:00 UTC", "wa-contacts-denied", "org-dpa", "wa-chat-backup",
                 "by Data protection officer on 2026-11-02: DPA filed", "NOT COMPLIANT", "Administrator", "Employee"):
        assert fact in html and fact in markdown, fact
    assert "- [x] org-dpa" in markdown and "- [ ] wa-chat-backup" in markdown
    assert markdown.count("Name: ___") == 2 and markdown.count("Signature: ___") == 2


def test_device_text_is_escaped_in_html_and_markdown():
    sheet = checklist([_report(model=HOSTILE_MODEL, serial="R58M<b>1</b>")], RUN, PROFILE)
    html = render_html(sheet)
    assert "<script" not in html and "<b>1</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "R58M&lt;b&gt;1&lt;/b&gt;" in html
    markdown = render_markdown(sheet)
    assert "<script>" not in markdown and r"\<script\>alert(1)\</script\>" in markdown
    for text in (html, markdown):
        assert not any(c in text for c in ("\x1b", "\u202e")), "terminal escapes and bidi overrides are removed"


def _capture_with_model(tmp_path: Path, model: str) -> Path:
    """A capture of the hardened phone whose getprop names the model ``model``."""
    capture = _capture(tmp_path)
    data = json.loads(capture.read_text(encoding="utf-8"))
    getprop = next(c for c in data["commands"] if c["command"] == cmd.GETPROP)
    getprop["output"] = getprop["output"].replace("[ro.product.model]: [Pixel 9]", f"[ro.product.model]: [{model}]")
    capture.write_text(json.dumps(data), encoding="utf-8")  # ensure_ascii: a lone surrogate as an escape
    return capture


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_a_lone_surrogate_from_a_capture_is_replaced_not_a_crash(tmp_path, suffix):
    out = tmp_path / f"checklist{suffix}"
    got = run("checklist", "--replay", _capture_with_model(tmp_path, "Pix\ud800el\ufffe 9"), "-o", out)
    assert got.exit_code == 1, got.stderr
    # Reading the capture replaces the lone surrogate (U+FFFD shows that something was there);
    # the non-character U+FFFE is dropped when the text is written.
    assert "Google Pix\ufffdel 9" in out.read_text(encoding="utf-8")


def test_the_html_is_self_contained():
    html = render_html(checklist([_report()], RUN, PROFILE))
    for outside in ("<script", " src=", " href=", "url(", "@import", "http://", "https://"):
        assert outside not in html, outside
    assert "@page" in html and "size: A4" in html and "break-before: page" in html


def test_the_template_ships_as_package_data():
    template = importlib.resources.files("wa_harden.report") / "templates" / "checklist.html.j2"
    assert template.is_file()


def test_jinja2_is_imported_only_by_the_checklist_reporter():
    package = Path(__file__).resolve().parent.parent / "wa_harden"
    importers = sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py")
                       if re.search(r"^\s*(from|import) jinja2", p.read_text(encoding="utf-8"), re.M))
    assert importers == ["report/checklist.py"]


def test_the_format_comes_from_the_extension():
    assert (format_for("a.html"), format_for("x/b.HTML"), format_for("c.md")) == ("html", "html", "markdown")
    assert format_for("d.pdf") is None and format_for("e") is None and format_for("f.html.txt") is None


# --- a fix run from the journal -------------------------------------------------------------------


def _record(kind, **fields):
    base = {"v": 1, "time": "2026-11-30T06:15:04.218000Z", "operator": "it-admin", "host": "laptop",
            "run": "20261130T061502Z-3f9a1c", "kind": kind, "serial": SERIAL, "check": "wa-contacts-denied",
            "user": 0, "tier": "safe"}
    return {**base, **fields}


def test_a_runs_actions_take_the_status_of_their_verify_record():
    records = [
        _record("run", operation="fix", profile="whatsapp-business-gdpr", serial=None, check=None),
        _record("command", command="pm revoke A", result="ran", exit_status=0),
        _record("command", command="bmgr enable false", check="android-backup-disabled", user=None, result="ran",
                tier="disruptive"),
        _record("command", command="pm revoke B", result="refused"),
        _record("command", command="touch x", check="wa-media-hidden", result="interrupted", detail="timeout"),
        _record("verify", command="pm revoke A", result="verified", message="the phone, read again, shows it"),
        _record("verify", command="bmgr enable false", check="android-backup-disabled", user=None, result="failed",
                tier="disruptive", message="did not hold"),
    ]
    run = fix_run("20261130T061502Z-3f9a1c", records, "ab" * 32, 9, True)
    assert (run.operation, run.profile, run.operator, run.started) == \
        ("fix", "whatsapp-business-gdpr", "it-admin", "2026-11-30T06:15:04.218000Z")
    assert [(a.command, a.user, a.status, a.message) for a in run.actions[SERIAL]] == [
        ("pm revoke A", "0", "verified", "the phone, read again, shows it"),
        ("bmgr enable false", "device", "failed", "did not hold"),
        ("pm revoke B", "0", "refused", "the phone refused it"),
        ("touch x", "0", "interrupted",
         "the phone stopped answering while it ran: it may or may not have been applied (timeout)"),
    ]


def test_checklist_with_a_run_shows_its_verified_actions_before_after_and_the_journal_head(tmp_path):
    capture, journal_dir, run_id = _fixed_phone_with_a_run(tmp_path)
    out = tmp_path / "checklist.md"
    got = run("checklist", "--replay", capture, "--run", run_id, "--journal-dir", journal_dir, "-o", out)
    assert got.exit_code == 1, got.stderr  # the manual items remain open
    text = out.read_text(encoding="utf-8")
    head = Journal(journal_dir).head_hash()
    assert f"| Journal head (SHA-256) | {head} |" in text
    assert f"Journal: intact, {len(Journal(journal_dir).records())} records, head {head}." in text
    assert "| verified | 0 | wa-contacts-denied | pm revoke --user 0 com.whatsapp.w4b android.permission.READ\\_CONTACTS" \
        in text
    for check in ("wa-contacts-denied", "android-backup-disabled", "wa-media-hidden"):
        assert f"| {check} | fail | pass |" in text
    # the paper keeps the head it was signed with: a record added or rewritten later moves the journal on
    Journal(journal_dir).append("note", run_id, text="later")
    assert Journal(journal_dir).head_hash() != head


def test_a_broken_journal_is_said_on_the_checklist_and_on_stderr(tmp_path):
    capture, journal_dir, run_id = _fixed_phone_with_a_run(tmp_path)
    path = journal_dir / "journal.jsonl"
    lines = path.read_text(encoding="ascii").splitlines(keepends=True)
    lines[2] = lines[2].replace('"result": "ran"', '"result": "RAN"', 1)
    path.write_text("".join(lines), encoding="ascii")
    out = tmp_path / "checklist.md"
    got = run("checklist", "--replay", capture, "--run", run_id, "--journal-dir", journal_dir, "-o", out)
    assert "the journal" in got.stderr and "is broken at line 3" in got.stderr
    assert "**THE JOURNAL IS BROKEN**: line 3: record 3 was changed after it was written" in out.read_text()


def test_an_unknown_or_malformed_run_is_exit_2_before_any_phone(tmp_path):
    _capture_path, journal_dir, _run_id = _fixed_phone_with_a_run(tmp_path)
    for bad in ("20200101T000000Z-000000", "../x"):
        got = run("checklist", "-s", SERIAL, "-P", "1", "--run", bad, "--journal-dir", journal_dir,
                  "-o", tmp_path / "c.html")
        assert got.exit_code == 2 and not (tmp_path / "c.html").exists(), got.stderr
    missing = run("checklist", "-s", SERIAL, "-P", "1", "--run", _run_id, "--journal-dir", tmp_path / "none",
                  "-o", tmp_path / "c.html")
    assert missing.exit_code == 2 and "there is no journal" in missing.stderr


# --- the command -----------------------------------------------------------------------------------


def test_an_output_that_is_not_html_or_md_is_a_usage_error_before_any_phone(tmp_path):
    # port 1: had the command contacted an adb server first, it would fail otherwise (exit 3)
    got = run("checklist", "-s", SERIAL, "-P", "1", "-o", tmp_path / "checklist.pdf")
    assert got.exit_code == 2
    assert "FILE.html (to print) or FILE.md" in got.stderr
    assert not (tmp_path / "checklist.pdf").exists()


def test_exit_status_is_the_one_check_gives_for_the_same_captures(tmp_path):
    hardened = _capture(tmp_path, "hardened", name="hardened.json")
    failing = _capture(tmp_path, "fresh-noncompliant", serial="R58M00002", name="failing.json")
    empty = tmp_path / "empty.json"
    empty.write_text(dumps(Capture("R58M00003", datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
                                   incomplete="connection-lost")), encoding="utf-8")
    manual = [r.check for r in engine.audit_capture(read_capture(hardened), PROFILE).results
              if r.outcome is Outcome.MANUAL]
    everything = _attestations(tmp_path, manual)
    cases = [([hardened], []), ([hardened], ["--attestations", everything]), ([failing], []),
             ([hardened, empty], []), ([hardened, failing], ["--attestations", everything])]
    seen = set()
    for captures, options in cases:
        replays = [a for c in captures for a in ("--replay", c)]
        expected = run("check", *replays, *options).exit_code
        out = tmp_path / "c.md"
        got = run("checklist", *replays, *options, "-o", out)
        assert got.exit_code == expected, (captures, options, got.stderr)
        assert out.read_text().count("# Onboarding checklist:") == len(captures)
        seen.add(expected)
    assert seen == {0, 1, 3}


def test_live_phones_are_audited_like_check_and_a_missing_one_is_written_not_audited(tmp_path, monkeypatch):
    phone = virtual_phone("hardened", serial=SERIAL)
    monkeypatch.setattr("wa_harden.device.base.adb_connector", lambda: FakeConnector([phone]))
    out = tmp_path / "checklist.md"
    got = run("checklist", "-s", SERIAL, "-s", "R58M99999", "-P", "5999", "-o", out)
    assert got.exit_code == run("check", "-s", SERIAL, "-s", "R58M99999", "-P", "5999").exit_code == 3
    text = out.read_text(encoding="utf-8")
    first, second = text.split("\n---\n")
    assert "NOT YET COMPLIANT" in first and "- [ ] wa-linked-devices" in first
    assert "**NOT AUDITED**" in second and "not attached" in second
    assert "This phone was not audited, so no item is judged here" in second
    assert "- [ ] org-dpa" in second  # the items are still listed, open, for the paper


# --- in Chromium -----------------------------------------------------------------------------------


def _html_checklist(tmp_path: Path, *extra: str) -> Path:
    capture = _capture(tmp_path)
    attest = _attestations(tmp_path, ["org-dpa", "wa-chat-backup"])
    out = tmp_path / "checklist.html"
    got = run("checklist", "--replay", capture, "--attestations", attest, *extra, "-o", out)
    assert got.exit_code == 1 and out.is_file(), got.stderr
    return out


@needs_chromium
def test_chromium_shows_serial_headline_items_sign_off_and_profile_hash(tmp_path):
    root = _dom(_html_checklist(tmp_path), tmp_path)
    [phone] = root.find_all("section", **{"class": "phone"})
    assert phone.attrs["data-serial"] == SERIAL
    text = _squash(phone.text)
    assert SERIAL in text and "Google Pixel 9" in text
    [headline] = phone.find_all("p", id="headline-1")
    assert _squash(headline.text).startswith("NOT YET COMPLIANT — 10 items to confirm by hand")
    [attested] = phone.find_all("li", data_check="org-dpa")
    assert attested.attrs["data-state"] == "attested"
    assert attested.find_all("span", role="img")[0].text == "✓"
    assert "attested by IT admin on" in _squash(attested.text)
    [open_item] = phone.find_all("li", data_check="wa-linked-devices")
    assert open_item.attrs["data-state"] == "open"
    assert open_item.find_all("span", role="img")[0].text.strip() == ""
    assert "open, to confirm" in _squash(open_item.text)
    signers = phone.find_all("div", **{"class": "signer signer-administrator"}) + \
        phone.find_all("div", **{"class": "signer signer-employee"})
    assert len(signers) == 2
    for signer in signers:
        assert [_squash(line.text) for line in signer.find_all("div") if "line" in line.attrs.get("class", "").split()] \
            == ["Name", "Date", "Signature"]
    assert profile_sha256(PROFILE) in text
    assert not root.find_all("script")


@needs_chromium
def test_chromium_shows_the_hostile_model_as_text(tmp_path):
    out = tmp_path / "hostile.html"
    assert run("checklist", "--replay", _capture_with_model(tmp_path, HOSTILE_MODEL), "-o", out).exit_code == 1
    source = out.read_text(encoding="utf-8")
    assert "<script" not in source and "\x1b" not in source and "\u202e" not in source
    root = _dom(out, tmp_path)
    assert not root.find_all("script")
    assert "Google <script>alert(1)</script>[31m[2Jevil" in _squash(root.text)


@needs_chromium
def test_chromium_prints_it_on_a4(tmp_path):
    pdf = tmp_path / "checklist.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", _html_checklist(tmp_path).as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = re.findall(rb"/Type\s*/Page\b", data)
    boxes = {(round(float(w)), round(float(h))) for w, h in
             re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)}
    assert len(pages) >= 1
    assert boxes and all(abs(w - 595) <= 2 and abs(h - 842) <= 2 for w, h in boxes), boxes


@needs_chromium
def test_chromium_shows_the_run_and_the_journal_head(tmp_path):
    capture, journal_dir, run_id = _fixed_phone_with_a_run(tmp_path)
    out = tmp_path / "run.html"
    got = run("checklist", "--replay", capture, "--run", run_id, "--journal-dir", journal_dir, "-o", out)
    assert got.exit_code == 1, got.stderr
    root = _dom(out, tmp_path)
    [head] = root.find_all("span", **{"class": "hash journal-head"})
    assert head.text == Journal(journal_dir).head_hash()
    statuses = {row.find_all("td")[0].text for row in root.find_all("table", **{"class": "run"})[0].find_all("tr")
                if row.find_all("td")}
    assert statuses == {"verified"}
    assert run_id in _squash(root.text)


# --- docs/CHECKLIST.md ----------------------------------------------------------------------------


DOC = Path(__file__).resolve().parent.parent / "docs" / "CHECKLIST.md"


def test_the_docs_one_liner_recomputes_the_profile_hash():
    import sys

    [code] = re.findall(r"^python -c '(.*)'$", DOC.read_text(encoding="utf-8"), re.M)
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert got.stdout.strip() == profile_sha256(PROFILE)


def test_the_pictures_the_docs_show_exist():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", DOC.read_text(encoding="utf-8"))
    assert len(pictures) == 4
    for name in pictures:
        assert (DOC.parent / name).read_bytes().startswith(b"\x89PNG"), name
