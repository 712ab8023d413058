"""The onboarding checklist: one page per phone, printed, signed and filed as evidence (GDPR Art. 5(2)).

It states what wa-harden read on the phone, what a fix run changed (from the journal), what a
person confirmed by hand (attestations, ticked with who and when) and what is still open
(unticked), and it ends with sign-off lines for the admin and the employee.  So that the paper can
be held against the system later, it carries the SHA-256 of the profile's resolved content and,
when a fix run is given, the journal's head hash: a profile or a journal changed afterwards no
longer matches what was signed.

One view (:func:`checklist`) feeds both formats: HTML from a Jinja2 template with autoescaping
(every value a phone chose is hostile input, and a maintained engine escapes it everywhere, where
hand-written escaping would miss a place), and Markdown with :func:`wa_harden.report.markdown.text`.
Every value also loses its control characters (:func:`wa_harden.report.text.printable`) before it is
escaped.  The verdict and the exit status are :mod:`wa_harden.policy`'s; this module only renders.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from wa_harden.checks import REGISTRY, check_order
from wa_harden.model import Area, DeviceReport, Outcome, Result
from wa_harden.profile import Profile
from wa_harden.report import RunInfo
from wa_harden.report.markdown import text as markdown_text
from wa_harden.report.table import finding_text
from wa_harden.report.text import printable
from wa_harden.report.todo import headline, todo

# The form of the hashed profile document; a change of form is a new name, so an old hash on paper
# is never compared with a document of another form.
PROFILE_HASH_FORM = "wa-harden-profile/1"
_TEMPLATE = "checklist.html.j2"
_SUFFIXES = {".html": "html", ".md": "markdown"}


# --- the profile's fingerprint ----------------------------------------------------------------------


def profile_document(profile: Profile) -> dict[str, Any]:
    """What a profile makes wa-harden do, resolved (``extends`` applied): the content that is hashed.

    Its name, every enabled check with its severity and params, the waivers and the attestations'
    maximum age.  Not the description, nor the file's path: neither changes a verdict.
    """
    return {
        "form": PROFILE_HASH_FORM,
        "name": profile.name,
        "checks": {check: {"severity": settings.severity.value, "params": dict(settings.params)}
                   for check, settings in profile.checks.items()},
        "waivers": [{"check": w.check, "serials": list(w.serials), "justification": w.justification,
                     "approver": w.approver, "expires": w.expires.isoformat()} for w in profile.waivers],
        "attestation_max_age_days": profile.attestation_max_age_days,
    }


def profile_sha256(profile: Profile) -> str:
    """SHA-256 (hex) of the profile's canonical JSON: keys sorted, no whitespace, UTF-8 (as the journal's)."""
    canonical = json.dumps(profile_document(profile), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- a fix run, as the journal recorded it -----------------------------------------------------------


@dataclass(frozen=True)
class RunAction:
    """One action of a fix (or undo) run on one phone: its command record and its verify record."""

    check: str
    user: str  # the Android user, or "device"
    command: str
    tier: str
    status: str  # verified | failed | refused | interrupted | not verified
    message: str


@dataclass(frozen=True)
class FixRun:
    """A run read from the journal, and the journal's state when the checklist was written."""

    run_id: str
    operation: str  # fix | undo
    profile: str
    started: str  # ISO 8601 UTC of its first record
    operator: str
    actions: Mapping[str, tuple[RunAction, ...]]  # by serial, in the order they ran
    journal_head: str
    journal_records: int
    journal_intact: bool
    journal_problem: str = ""  # where the chain is broken, when it is


_UNVERIFIED = "not verified"
# A command record's result, as a status and a message until its verify record says more.
_COMMAND_RESULTS = {
    "ran": (_UNVERIFIED, "ran; no verify record follows it in the journal"),
    "refused": ("refused", "the phone refused it"),
    "interrupted": ("interrupted", "the phone stopped answering while it ran: it may or may not have been applied"),
}


def _field(record: Mapping[str, Any], name: str) -> str:
    """A record's field as text: a journal is read back from a file, so nothing about its types is trusted."""
    value = record.get(name)
    return "" if value is None else str(value)


def fix_run(run_id: str, records: Sequence[Mapping[str, Any]], head: str, record_count: int, intact: bool,
            problem: str = "") -> FixRun:
    """A run from its journal records (``Journal.run_records``) and the journal's verification.

    A ``command`` record says an action ran (or was refused, or cut off); the ``verify`` record after
    it says whether the phone, read again, showed its effect.
    """
    header: Mapping[str, Any] = next((r for r in records if r.get("kind") == "run"), records[0] if records else {})
    rows_by_serial: dict[str, list[list[str]]] = {}
    for record in records:
        kind = record.get("kind")
        if kind not in ("command", "verify"):
            continue
        key = [_field(record, "check"), "device" if record.get("user") is None else _field(record, "user"),
               _field(record, "command"), _field(record, "tier")]
        rows = rows_by_serial.setdefault(_field(record, "serial"), [])
        result = _field(record, "result")
        if kind == "command":
            rows.append([*key, *_COMMAND_RESULTS.get(result, (result, ""))])
            if result == "interrupted" and _field(record, "detail"):
                rows[-1][5] += f" ({_field(record, 'detail')})"
            continue
        ran = next((row for row in reversed(rows) if row[:4] == key and row[4] == _UNVERIFIED), None)
        if ran is None:  # a verify record without its command record: shown as it is
            rows.append([*key, result, _field(record, "message")])
        else:
            ran[4:] = [result, _field(record, "message")]
    return FixRun(
        run_id=run_id, operation=_field(header, "operation") or "fix", profile=_field(header, "profile"),
        started=_field(header, "time"), operator=_field(header, "operator"),
        actions={serial: tuple(RunAction(*row) for row in rows) for serial, rows in rows_by_serial.items()},
        journal_head=head, journal_records=record_count, journal_intact=intact, journal_problem=problem)


# --- the view both formats render ------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One automated check's row."""

    outcome: str
    check: str
    severity: str
    text: str


@dataclass(frozen=True)
class Item:
    """A manual or organisational item: a checkbox, ticked when it is done."""

    check: str
    title: str
    state: str  # attested | passed | open | not-applicable | failed | not-checked | waived
    ticked: bool
    detail: str  # who attested it and when, or what to confirm, or what wa-harden found

    @property
    def label(self) -> str:
        return _ITEM_LABELS[self.state]


_ITEM_LABELS = {"attested": "attested", "passed": "checked by wa-harden", "open": "open, to confirm",
                "not-applicable": "not applicable", "failed": "failed", "not-checked": "not checked",
                "waived": "waived"}


@dataclass(frozen=True)
class Change:
    """A check a run touched: its outcome before the run and in this checklist's audit."""

    check: str
    before: str
    now: str


@dataclass(frozen=True)
class Phone:
    """Everything one phone's pages state."""

    name: str  # manufacturer and model, as the phone gives them
    serial: str
    identity: tuple[tuple[str, str], ...]  # (label, value): the phone, the profile, the date, the run
    audited: bool
    verdict: str
    headline: str
    message: str  # why it was not (fully) audited
    areas: tuple[tuple[str, tuple[Finding, ...]], ...]  # the automated checks by area
    todo: tuple[tuple[str, str], ...]  # (check, what to do) for the automated checks
    items: tuple[Item, ...]  # the manual and organisational items
    items_note: str
    run_actions: tuple[RunAction, ...]
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Checklist:
    """The whole file: a page (or a few) per phone."""

    date: str  # the day it was written (UTC)
    tool_version: str
    profile: str
    profile_sha256: str
    phones: tuple[Phone, ...]
    run: FixRun | None  # the fix run given with --run


def _is_manual(result: Result) -> bool:
    spec = REGISTRY.get(result.check)
    return spec.manual if spec is not None else result.outcome is Outcome.MANUAL or result.attestation is not None


def _item(result: Result) -> Item:
    if result.attestation is not None:
        att = result.attestation
        note = f": {att.note}" if att.note else ""
        return Item(result.check, result.title, "attested", True, f"by {att.by} on {att.on.isoformat()}{note}")
    state, ticked, detail = {
        Outcome.MANUAL: ("open", False, result.remedy or result.message),
        Outcome.PASS: ("passed", True, result.message),
        Outcome.NOT_APPLICABLE: ("not-applicable", False, result.message),
        Outcome.FAIL: ("failed", False, f"{result.message} {result.remedy}".rstrip()),
        Outcome.ERROR: ("not-checked", False, result.message),
        Outcome.WAIVED: ("waived", False, finding_text(result)),
    }[result.outcome]
    return Item(result.check, result.title, state, ticked, detail)


def _profile_items(profile: Profile) -> tuple[Item, ...]:
    """The profile's manual items for a phone that was not audited: all open, nothing judged."""
    specs = sorted((REGISTRY[check] for check in profile.checks if REGISTRY[check].manual), key=check_order)
    return tuple(Item(spec.id, spec.title, "open", False, spec.remedy) for spec in specs)


def _changes(report: DeviceReport, actions: Sequence[RunAction], operation: str) -> tuple[Change, ...]:
    now = {r.check: r.outcome.value for r in report.results}
    # a fix plans actions only for checks that failed; what an undo started from the journal does not say
    before = "fail" if operation == "fix" else "—"
    checks = dict.fromkeys(a.check for a in actions)
    return tuple(Change(check, before, now.get(check, "not audited")) for check in checks)


def _utc(moment: datetime) -> str:
    """A time as a person reads it on paper; a naive time is UTC (as ``DeviceFacts.observed_at``)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _identity(report: DeviceReport, run: RunInfo, profile_hash: str,
              fixes: FixRun | None) -> tuple[tuple[str, str], ...]:
    ident = report.identity
    android = "unknown"
    if ident.android_release:
        android = f"Android {ident.android_release}" + (f" (SDK {ident.sdk})" if ident.sdk else "")
    read_at = _utc(report.observed_at) if report.observed_at else "not read"
    rows = [("Manufacturer", ident.manufacturer or "unknown"), ("Model", ident.model or "unknown"),
            ("Serial", ident.serial), ("Android", android), ("Security patch", ident.security_patch or "unknown"),
            *((("adb server", ident.server),) if ident.server else ()),
            ("Captured at" if run.replayed else "Read at", read_at),
            ("Profile", run.profile), ("Profile SHA-256", profile_hash),
            ("Checklist written", _utc(run.generated_at)), ("wa-harden", run.tool_version)]
    if fixes is not None:
        rows += [(f"{fixes.operation.capitalize()} run", fixes.run_id), ("Journal head (SHA-256)", fixes.journal_head)]
    return tuple(rows)


def _phone(report: DeviceReport, run: RunInfo, profile: Profile, profile_hash: str, fixes: FixRun | None) -> Phone:
    ident = report.identity
    verdict, words = headline(report, run)
    actions = fixes.actions.get(ident.serial, ()) if fixes is not None else ()
    areas: list[tuple[str, tuple[Finding, ...]]] = []
    for area in Area:
        rows = tuple(Finding(r.outcome.value, r.check, r.severity.value, finding_text(r))
                     for r in report.results if r.area is area and not _is_manual(r))
        if rows:
            areas.append((area.value.capitalize(), rows))
    work = todo(report, run)
    todo_rows = tuple((r.check, r.remedy or r.message) for r in work.fixes if not _is_manual(r))
    todo_rows += tuple((r.check, f"Not checked: {how}.") for r, how in work.unchecked if not _is_manual(r))
    if report.audited:
        items = tuple(_item(r) for r in report.results if _is_manual(r))
        items_note = ""
    else:
        items = _profile_items(profile)
        items_note = ("This phone was not audited, so no item is judged here: audit it and write the checklist "
                      "again before it is handed over.")
    return Phone(
        name=" ".join(p for p in (ident.manufacturer, ident.model) if p) or "Unknown phone", serial=ident.serial,
        identity=_identity(report, run, profile_hash, fixes), audited=report.audited, verdict=verdict.value,
        headline=words, message=report.message, areas=tuple(areas), todo=todo_rows, items=items,
        items_note=items_note, run_actions=tuple(actions),
        changes=_changes(report, actions, fixes.operation) if fixes is not None and report.audited else ())


def checklist(reports: Sequence[DeviceReport], run: RunInfo, profile: Profile, fixes: FixRun | None = None) -> Checklist:
    """Everything the checklist states, decided once for both formats."""
    digest = profile_sha256(profile)
    return Checklist(
        date=run.generated_at.date().isoformat(), tool_version=run.tool_version, profile=profile.name,
        profile_sha256=digest, phones=tuple(_phone(report, run, profile, digest, fixes) for report in reports), run=fixes)


# --- rendering ---------------------------------------------------------------------------------------


def plain(value: str) -> str:
    """Text as a person may read it: no control characters, no code points a file cannot hold."""
    return printable(value)


def _plain(value: Any) -> Any:
    """Jinja2's ``finalize``: every value is made plain before it is escaped."""
    return plain(value) if isinstance(value, str) else value


def md(value: str) -> str:
    """Text for Markdown: made plain, then markup escaped."""
    return markdown_text(plain(value))


# Who signs, and what each signature says.
SIGNERS = (
    ("Administrator", "I audited this phone with wa-harden as recorded above, made the changes listed, and "
                      "confirmed the ticked items."),
    ("Employee", "I received this phone in the state recorded above, with the company's rules for using "
                 "WhatsApp Business on it."),
)


def render_html(sheet: Checklist) -> str:
    """One self-contained HTML file (styles inline, no scripts, no external assets) that prints on A4."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    environment = Environment(loader=PackageLoader("wa_harden.report", "templates"), autoescape=True,
                              undefined=StrictUndefined, finalize=_plain, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True)
    return environment.get_template(_TEMPLATE).render(sheet=sheet, signers=SIGNERS)


def _cell(value: str) -> str:
    return md(value).replace("\n", "<br>")


def _box(item: Item) -> str:
    return "[x]" if item.ticked else "[ ]"


def _run_markdown(run: FixRun, phone: Phone) -> list[str]:
    out = [f"## {md(run.operation.capitalize())} run {md(run.run_id)}", "",
           md(f"Started {run.started} by {run.operator}, profile {run.profile or 'not recorded'}."), ""]
    if not run.journal_intact:
        out += [f"**THE JOURNAL IS BROKEN**: {md(run.journal_problem)}", ""]
    if not phone.run_actions:
        out += [md(f"Run {run.run_id} changed nothing on this phone."), ""]
    else:
        out += ["| status | user | check | command | result |", "|---|---|---|---|---|"]
        out += [f"| {md(a.status)} | {md(a.user)} | {md(a.check)} | {_cell(a.command)} | {_cell(a.message)} |"
                for a in phone.run_actions]
        out.append("")
    if phone.changes:
        out += ["| check | before the run | now (this audit) |", "|---|---|---|"]
        out += [f"| {md(c.check)} | {md(c.before)} | {md(c.now)} |" for c in phone.changes]
        out.append("")
    out += [md(f"Journal: {'intact' if run.journal_intact else 'broken'}, {run.journal_records} records, "
               f"head {run.journal_head}."), ""]
    return out


def render_markdown(sheet: Checklist) -> str:
    """The same content as the HTML, markup-escaped; phones apart by a rule."""
    blocks = []
    for phone in sheet.phones:
        out = [f"# Onboarding checklist: {md(phone.name)} ({md(phone.serial)})", "", f"**{md(phone.headline)}**", ""]
        if phone.message:
            out += [md(phone.message), ""]
        out += ["| | |", "|---|---|"] + [f"| {md(k)} | {_cell(v)} |" for k, v in phone.identity]
        out.append("")
        if phone.areas:
            out += ["## Automated checks", ""]
            for area, findings in phone.areas:
                out += [f"### {md(area)}", "", "| outcome | check | severity | finding |", "|---|---|---|---|"]
                out += [f"| {md(f.outcome)} | {md(f.check)} | {md(f.severity)} | {_cell(f.text)} |" for f in findings]
                out.append("")
        if phone.todo:
            out += ["## What to do", ""] + [f"1. {md(check)}: {_cell(what)}" for check, what in phone.todo] + [""]
        out += [f"## To confirm by hand and organisational items: {md(phone.serial)}", ""]
        if phone.items_note:
            out += [md(phone.items_note), ""]
        out += [f"- {_box(i)} {md(i.check)} — {md(i.title)}. **{md(i.label.upper())}** {_cell(i.detail)}"
                for i in phone.items] + [""]
        if sheet.run is not None:
            out += _run_markdown(sheet.run, phone)
        out += [f"## Sign-off: {md(phone.name)}, serial {md(phone.serial)}", ""]
        for who, statement in SIGNERS:
            out += [f"**{who}**: {md(statement)}", "", "Name: ______________________________  "
                    "Date: ______________  Signature: ______________________________", ""]
        blocks.append("\n".join(out))
    return "\n---\n\n".join(blocks)


Renderer = Callable[[Checklist], str]
RENDERERS: Mapping[str, Renderer] = {"html": render_html, "markdown": render_markdown}


def format_for(path: str) -> str | None:
    """The checklist's format from the output file's extension (``.html`` or ``.md``), else None."""
    return _SUFFIXES.get(PurePath(path).suffix.lower())


def render(fmt: str, sheet: Checklist) -> str:
    return RENDERERS[fmt](sheet)

