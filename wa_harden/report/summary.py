"""The fleet summary (``wa-harden summary``): JSON reports of ``check -f json`` in, one overview out.

The reports may come from several stations and several days.  A phone seen in more than one is
counted once, from its newest report (``observed_at``, else the report's ``generated_at``), and the
summary says which reports were left out.  Verdicts are taken as each report recorded them: they
were decided by policy when the phone was checked, under that run's profile and ``--fail-on``.

:func:`summarise` is pure (report dicts in, a :class:`FleetSummary` out) and uses pandas, imported
inside it so that the command line starts without it; :func:`read_report` reads and checks one
file; the ``render_*`` functions turn a summary into table, CSV, Markdown, HTML or JSON
(schema ``wa-harden-summary`` version 1, docs/JSON-REPORT.md).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wa_harden.errors import WaHardenError
from wa_harden.model import Area, Outcome
from wa_harden.policy import VERDICT_ORDER, Verdict

SCHEMA = "wa-harden-summary"
SCHEMA_VERSION = 1
REPORT_SCHEMA = "wa-harden-report"
REPORT_SCHEMA_VERSION = 1
MAX_REPORT_BYTES = 64 * 1024 * 1024  # as for capture files: a fleet's report is far smaller
TOP_FAILING = 10

# The order "phones that need a person" are listed in: what a person must act on first.
_NEEDS_PERSON_ORDER = (Verdict.NOT_COMPLIANT, Verdict.INCOMPLETE, Verdict.NOT_AUDITED, Verdict.NOT_YET_COMPLIANT)
_UNKNOWN = "unknown"
_SURROGATES_RE = re.compile("[\ud800-\udfff]")


class ReportFileError(WaHardenError):
    """A file given to ``summary`` is not a readable wa-harden check report."""


# --- the summary -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One report file as it was read."""

    name: str
    generated_at: str | None
    profile: str | None
    fail_on: str | None
    skip_manual: bool
    devices: int


@dataclass(frozen=True)
class Sighting:
    """Where and when a phone was seen."""

    source: str
    observed_at: str | None  # naive UTC, as in the report; None: the report's generated_at was used


@dataclass(frozen=True)
class Duplicate:
    """A phone in several reports: the report kept and those left out."""

    serial: str
    kept: Sighting
    dropped: tuple[Sighting, ...]


@dataclass(frozen=True)
class CheckRate:
    """One check over the fleet.  ``audited`` counts the phones it applies to (every outcome but
    not applicable); ``compliance`` is ``passed / audited`` (None when it applies to none)."""

    check: str
    title: str
    area: str
    audited: int
    passed: int
    failed: int
    errors: int
    manual: int
    waived: int
    not_applicable: int

    @property
    def compliance(self) -> float | None:
        return _share(self.passed, self.audited)


@dataclass(frozen=True)
class GroupRate:
    """The phones of one Android version or one model, and how many of them are compliant."""

    name: str
    phones: int
    compliant: int

    @property
    def share(self) -> float | None:
        return _share(self.compliant, self.phones)


@dataclass(frozen=True)
class PhoneToDo:
    """A phone whose verdict is not ``compliant``."""

    serial: str
    model: str | None
    verdict: str
    failing: tuple[str, ...]
    unchecked: tuple[str, ...]
    manual: tuple[str, ...]
    source: str
    message: str


@dataclass(frozen=True)
class FleetSummary:
    generated_at: datetime
    tool_version: str
    sources: tuple[Source, ...]
    phones: int
    verdicts: Mapping[str, int]  # every verdict, in policy's order
    duplicates: tuple[Duplicate, ...]
    notes: tuple[str, ...]  # what a reader must know to trust the numbers
    checks: tuple[CheckRate, ...]  # by area, then check id
    android_versions: tuple[GroupRate, ...]  # oldest first, unknown last
    models: tuple[GroupRate, ...]  # most phones first
    top_failing: tuple[CheckRate, ...]  # the checks that fail on most phones, at most TOP_FAILING
    needs_person: tuple[PhoneToDo, ...]

    @property
    def compliant(self) -> int:
        return self.verdicts.get(Verdict.COMPLIANT.value, 0)

    @property
    def share_compliant(self) -> float | None:
        return _share(self.compliant, self.phones)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- reading and checking reports --------------------------------------------------------------


def load_report(raw: bytes, source: str) -> dict[str, Any]:
    """The JSON object of one report file's bytes (UTF-8 or UTF-16 with BOM), checked to be a
    wa-harden check report; a ReportFileError naming ``source`` otherwise."""
    from wa_harden.parse.text import decode_bytes

    if len(raw) > MAX_REPORT_BYTES:
        raise ReportFileError(f"{source}: larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB; "
                              "not a wa-harden check report")
    try:
        data = json.loads(decode_bytes(raw).lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ReportFileError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",
                              hint="give the JSON reports of `wa-harden check -f json`") from exc
    except (RecursionError, ValueError) as exc:  # nesting too deep; numbers past Python's digit limit
        raise ReportFileError(f"{source}: not a wa-harden check report ({type(exc).__name__})") from None
    check_report(data, source)
    return data


def read_report(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read one report file, at most :data:`MAX_REPORT_BYTES` of it (``/dev/zero`` ends with a message)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except OSError as exc:
        raise ReportFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return load_report(raw, str(path))


class _Invalid(Exception):
    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)


_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
               float: "a number", type(None): "null"}


def _need(value: object, kind: type, where: str, what: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _Invalid(where, f"expected {what}, found {_JSON_TYPES.get(type(value), type(value).__name__)}")
    return value


def _optional_text(value: object, where: str) -> str | None:
    return None if value is None else _need(value, str, where, "a string or null")


def _time(value: object, where: str) -> datetime | None:
    """A report's time as naive UTC (``observed_at`` is naive UTC, ``generated_at`` has an offset)."""
    text = _optional_text(value, where)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Invalid(where, f"not an ISO 8601 time: {text[:40]!r}") from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _check_device(value: object, where: str) -> None:
    device: dict[str, Any] = _need(value, dict, where, "an object")
    serial = _need(device.get("serial"), str, f"{where}.serial", "a string")
    if not serial:
        raise _Invalid(f"{where}.serial", "empty")
    _need(device.get("status"), str, f"{where}.status", "a string")
    verdict = _need(device.get("verdict"), str, f"{where}.verdict", "a string")
    if verdict not in {v.value for v in Verdict}:
        raise _Invalid(f"{where}.verdict", f"unknown verdict {verdict[:40]!r}")
    _optional_text(device.get("message", ""), f"{where}.message")
    identity = _need(device.get("identity", {}), dict, f"{where}.identity", "an object")
    for key in ("manufacturer", "model", "android_release"):
        _optional_text(identity.get(key), f"{where}.identity.{key}")
    _time(device.get("observed_at"), f"{where}.observed_at")
    results = _need(device.get("results", []), list, f"{where}.results", "a list")
    outcomes = {o.value for o in Outcome}
    for n, item in enumerate(results):
        at = f"{where}.results[{n}]"
        result: dict[str, Any] = _need(item, dict, at, "an object")
        for key in ("check", "area", "outcome"):
            _need(result.get(key), str, f"{at}.{key}", "a string")
        _optional_text(result.get("title"), f"{at}.title")
        if result["outcome"] not in outcomes:
            raise _Invalid(f"{at}.outcome", f"unknown outcome {result['outcome'][:40]!r}")


def check_report(data: object, source: str) -> None:
    """Raise ReportFileError unless ``data`` is a wa-harden check report this version reads."""
    hint = "give the JSON reports of `wa-harden check -f json`"
    if not isinstance(data, dict):
        raise ReportFileError(f"{source}: not a wa-harden check report (a JSON {type(data).__name__}, "
                              "not an object)", hint=hint)
    schema = data.get("schema")
    if schema != REPORT_SCHEMA:
        what = f"schema {schema!r}" if isinstance(schema, str) else "no schema field"
        raise ReportFileError(f"{source}: not a wa-harden check report ({what[:80]})", hint=hint)
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ReportFileError(f"{source}: not a wa-harden check report (schema_version {version!r:.40})", hint=hint)
    if version > REPORT_SCHEMA_VERSION:
        raise ReportFileError(f"{source}: written by a newer wa-harden (report schema_version {version}); this "
                              f"one reads version {REPORT_SCHEMA_VERSION}", hint="update wa-harden")
    try:
        _time(data.get("generated_at"), "generated_at")
        for key in ("profile", "fail_on"):
            _optional_text(data.get(key), key)
        devices = _need(data.get("devices"), list, "devices", "a list")
        for n, device in enumerate(devices):
            _check_device(device, f"devices[{n}]")
    except _Invalid as exc:
        raise ReportFileError(f"{source}: not a valid wa-harden check report: {exc}", hint=hint) from None


# --- the computation ---------------------------------------------------------------------------


def _text(value: str) -> str:
    """Text from a report file without lone surrogates (JSON may spell them; no output can hold them)."""
    return _SURROGATES_RE.sub("\ufffd", value)


def _version_key(release: str) -> tuple[int, tuple[int, ...], str]:
    """Android releases in numeric order ("8.1.0" < "10" < "14"); names and unknown last."""
    parts = release.split(".")
    if release != _UNKNOWN and all(p.isdigit() for p in parts):
        return (0, tuple(int(p) for p in parts), release)
    return (1 if release != _UNKNOWN else 2, (), release)


def _area_rank(area: str) -> int:
    values = [a.value for a in Area]
    return values.index(area) if area in values else len(values)


def summarise(reports: Sequence[Mapping[str, Any]], sources: Sequence[str] = (), *,
              generated_at: datetime | None = None, tool_version: str = "") -> FleetSummary:
    """The fleet summary of check reports (dicts of schema ``wa-harden-report``), in the order given.

    ``sources`` names each report (its file) for messages and the duplicate notes; a phone in
    several reports is kept from the newest (the later report on a tie).
    """
    import pandas as pd  # imported here, never for --help

    names = list(sources) + [f"report {n}" for n in range(len(sources) + 1, len(reports) + 1)]
    for data, name in zip(reports, names, strict=False):
        check_report(data, name)
    seen: list[dict[str, Any]] = []
    for order, (data, name) in enumerate(zip(reports, names, strict=False)):
        generated = _time(data.get("generated_at"), "generated_at")
        for device in data["devices"]:
            observed = _time(device.get("observed_at"), "observed_at")
            when = observed or generated
            identity = device.get("identity") or {}
            server = device.get("adb_server")
            # A phone is its serial, and its adb server where the report names one (serials of
            # emulators and network phones repeat across stations).
            phone = f"{device['serial']} @ {server}" if isinstance(server, str) and server else device["serial"]
            seen.append({  # no None in text columns: pandas would make it NaN
                "serial": _text(phone), "order": order, "source": _text(name),
                "when": when.replace(tzinfo=UTC).timestamp() if when else -math.inf,
                "observed_at": _text(device.get("observed_at") or ""), "model": _text(identity.get("model") or ""),
                "android": _text(identity.get("android_release") or _UNKNOWN), "verdict": device["verdict"],
                "message": _text(device.get("message") or ""), "device": device,
            })
    columns = ["serial", "order", "source", "when", "observed_at", "model", "android", "verdict", "message",
               "device"]
    sightings = pd.DataFrame(seen, columns=columns).sort_values(["when", "order"], kind="stable")
    phones = sightings.drop_duplicates("serial", keep="last").sort_values(["order", "serial"], kind="stable")
    duplicates = _duplicates(sightings)

    results = pd.DataFrame(
        [{"serial": row.serial, "check": _text(r["check"]), "title": _text(r.get("title") or r["check"]),
          "area": _text(r["area"]), "outcome": r["outcome"]}
         for row in phones.itertuples() for r in row.device.get("results", [])],
        columns=["serial", "check", "title", "area", "outcome"])
    checks = _check_rates(pd, results)
    phones = phones.assign(compliant=phones["verdict"] == Verdict.COMPLIANT.value,
                           model_name=phones["model"].replace("", _UNKNOWN))
    verdict_counts = phones["verdict"].value_counts()
    return FleetSummary(
        generated_at=generated_at or datetime.now(UTC).replace(microsecond=0),
        tool_version=tool_version,
        sources=tuple(_source(data, name) for data, name in zip(reports, names, strict=False)),
        phones=len(phones),
        verdicts={v.value: int(verdict_counts.get(v.value, 0)) for v in VERDICT_ORDER},
        duplicates=duplicates,
        notes=_notes(reports),
        checks=checks,
        android_versions=tuple(sorted(_groups(phones, "android"), key=lambda g: _version_key(g.name))),
        models=tuple(sorted(_groups(phones, "model_name"), key=lambda g: (-g.phones, g.name == _UNKNOWN, g.name))),
        top_failing=tuple(sorted((c for c in checks if c.failed), key=lambda c: (-c.failed, c.check))[:TOP_FAILING]),
        needs_person=_needs_person(phones, results),
    )


def _source(data: Mapping[str, Any], name: str) -> Source:
    def optional(value: Any) -> str | None:
        return None if value is None else _text(value)

    return Source(_text(name), optional(data.get("generated_at")), optional(data.get("profile")),
                  optional(data.get("fail_on")), data.get("skip_manual") is True, len(data["devices"]))


def _duplicates(sightings: Any) -> tuple[Duplicate, ...]:
    """Phones seen more than once; ``sightings`` is sorted oldest first, so the last one is kept."""
    repeated = sightings[sightings.duplicated("serial", keep=False)].sort_values("serial", kind="stable")
    seen: dict[str, list[Sighting]] = {}
    for serial, source, observed in zip(repeated["serial"], repeated["source"], repeated["observed_at"], strict=True):
        seen.setdefault(serial, []).append(Sighting(source, observed or None))
    return tuple(Duplicate(serial, found[-1], tuple(found[:-1])) for serial, found in seen.items())


def _check_rates(pd: Any, results: Any) -> tuple[CheckRate, ...]:
    if results.empty:
        return ()
    counts = pd.crosstab(results["check"], results["outcome"]).reindex(columns=[o.value for o in Outcome],
                                                                        fill_value=0)
    about = results.groupby("check")[["title", "area"]].first()
    rates = []
    for check, row in counts.iterrows():
        n = {o: int(row[o.value]) for o in Outcome}
        rates.append(CheckRate(
            str(check), str(about.at[check, "title"]), str(about.at[check, "area"]),
            audited=sum(n.values()) - n[Outcome.NOT_APPLICABLE], passed=n[Outcome.PASS], failed=n[Outcome.FAIL],
            errors=n[Outcome.ERROR], manual=n[Outcome.MANUAL], waived=n[Outcome.WAIVED],
            not_applicable=n[Outcome.NOT_APPLICABLE]))
    return tuple(sorted(rates, key=lambda c: (_area_rank(c.area), c.area, c.check)))


def _groups(phones: Any, column: str) -> list[GroupRate]:
    grouped = phones.groupby(column, sort=False).agg(phones=("serial", "size"), compliant=("compliant", "sum"))
    return [GroupRate(str(name), int(row.phones), int(row.compliant)) for name, row in grouped.iterrows()]


def _needs_person(phones: Any, results: Any) -> tuple[PhoneToDo, ...]:
    waiting = phones[~phones["compliant"]]
    mine = results[results["serial"].isin(waiting["serial"])]
    checks: dict[tuple[str, str], tuple[str, ...]] = {}
    for serial, outcome, check in zip(mine["serial"], mine["outcome"], mine["check"], strict=True):
        checks[serial, outcome] = (*checks.get((serial, outcome), ()), check)
    todo = [PhoneToDo(row.serial, row.model or None, row.verdict, checks.get((row.serial, Outcome.FAIL.value), ()),
                      checks.get((row.serial, Outcome.ERROR.value), ()),
                      checks.get((row.serial, Outcome.MANUAL.value), ()), row.source, row.message)
            for row in waiting.itertuples()]
    rank = [v.value for v in _NEEDS_PERSON_ORDER]
    return tuple(sorted(todo, key=lambda p: (rank.index(p.verdict) if p.verdict in rank else len(rank), p.serial)))


def _notes(reports: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    notes = []
    for key, what in (("profile", "profiles"), ("fail_on", "--fail-on thresholds")):
        values = sorted({_text(str(r.get(key))) for r in reports})
        if len(values) > 1:
            notes.append(f"the reports were judged with different {what} ({', '.join(values)}): "
                         "their verdicts are not strictly comparable")
    if len({r.get("skip_manual") is True for r in reports}) > 1:
        notes.append("some reports were made with --skip-manual (items to confirm by hand not judged), others not")
    elif any(r.get("skip_manual") is True for r in reports):
        notes.append("the reports were made with --skip-manual: items to confirm by hand were not judged")
    return tuple(notes)


# --- rendering ---------------------------------------------------------------------------------


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _json_share(share: float | None) -> float | None:
    return None if share is None else round(share, 4)


def _duplicate_lines(summary: FleetSummary) -> list[str]:
    """One sentence per phone seen in several reports."""
    def sighting(s: Sighting) -> str:
        return f"{s.source} (read {s.observed_at})" if s.observed_at else s.source

    return [f"{d.serial} is in {len(d.dropped) + 1} reports: counted from the newest, {sighting(d.kept)}; "
            f"left out {', '.join(sighting(s) for s in d.dropped)}" for d in summary.duplicates]


def _headline(summary: FleetSummary) -> str:
    noun = "phone" if summary.phones == 1 else "phones"
    return (f"{summary.phones} {noun}, {summary.compliant} compliant ({_percent(summary.share_compliant)}), "
            f"from {len(summary.sources)} report{'' if len(summary.sources) == 1 else 's'}")


def _open_items(phone: PhoneToDo) -> str:
    parts = []
    if phone.unchecked:
        parts.append(f"not checked: {', '.join(phone.unchecked)}")
    if phone.manual:
        parts.append(f"{len(phone.manual)} to confirm by hand")
    if not parts and phone.message:
        parts.append(phone.message)
    return "; ".join(parts)


@dataclass(frozen=True)
class _Section:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    empty: str = ""


def _sections(summary: FleetSummary) -> list[_Section]:
    """The tables every human format shows, in order, with raw (unescaped) cells."""
    return [
        _Section("Verdicts", ("verdict", "phones"),
                 tuple((v, n) for v, n in summary.verdicts.items())),
        _Section("Compliance per check", ("check", "area", "audited", "pass", "fail", "error", "manual",
                                          "waived", "n/a", "compliance"),
                 tuple((c.check, c.area, c.audited, c.passed, c.failed, c.errors, c.manual, c.waived,
                        c.not_applicable, _percent(c.compliance)) for c in summary.checks),
                 "No check results: no phone was audited."),
        _Section("Per Android version", ("android", "phones", "compliant", "share"),
                 tuple((g.name, g.phones, g.compliant, _percent(g.share)) for g in summary.android_versions)),
        _Section("Per model", ("model", "phones", "compliant", "share"),
                 tuple((g.name, g.phones, g.compliant, _percent(g.share)) for g in summary.models)),
        _Section(f"Checks that fail most (top {TOP_FAILING})", ("check", "title", "failing phones", "audited",
                                                                  "compliance"),
                 tuple((c.check, c.title, c.failed, c.audited, _percent(c.compliance)) for c in summary.top_failing),
                 "No check failed on any phone."),
        _Section("Phones that need a person", ("serial", "model", "verdict", "failing checks", "also open"),
                 tuple((p.serial, p.model or "", p.verdict, ", ".join(p.failing), _open_items(p))
                       for p in summary.needs_person),
                 "None: every phone is compliant."),
    ]


_KEYS = {"serial", "verdict", "check", "model", "area"}  # HTML: kept whole unless very long
_NUMERIC = {"phones", "audited", "pass", "fail", "error", "manual", "waived", "n/a", "compliance", "share",
            "compliant", "failing phones"}


def _source_lines(summary: FleetSummary) -> list[str]:
    return [f"{s.name}: {s.devices} phone{'' if s.devices == 1 else 's'}, profile {s.profile}, "
            f"fail-on {s.fail_on}, generated {s.generated_at}" for s in summary.sources]


def render_summary_table(summary: FleetSummary) -> str:
    from tabulate import tabulate

    from wa_harden.report.text import printable

    out = [printable(f"wa-harden fleet summary: {_headline(summary)}")]
    out += [printable(f"  {line}") for line in _source_lines(summary)]
    out += [printable(f"Note: {line}") for line in [*summary.notes, *_duplicate_lines(summary)]]
    for section in _sections(summary):
        out += ["", section.title.upper()]
        if not section.rows:
            out.append(section.empty)
            continue
        out.append(printable(tabulate([[str(c) for c in row] for row in section.rows], headers=section.headers,
                                      tablefmt="simple", disable_numparse=True,
                                      colalign=["right" if h in _NUMERIC else "left" for h in section.headers],
                                      maxcolwidths=[50 if h in ("failing checks", "also open", "title") else None
                                                    for h in section.headers])))
    return "\n".join(out) + "\n"


def render_summary_markdown(summary: FleetSummary) -> str:
    from wa_harden.report.markdown import text

    def cell(value: object) -> str:
        return text(str(value)).replace("\n", "<br>")

    out = ["# wa-harden fleet summary", "", f"**{text(_headline(summary))}**; generated "
           f"{summary.generated_at.isoformat()} by wa-harden {text(summary.tool_version)}.", ""]
    out += [f"- {text(line)}" for line in _source_lines(summary)]
    out.append("")
    for line in [*summary.notes, *_duplicate_lines(summary)]:
        out += [f"> **Note:** {text(line)}", ""]
    for section in _sections(summary):
        out += [f"## {text(section.title)}", ""]
        if not section.rows:
            out += [text(section.empty), ""]
            continue
        out.append("| " + " | ".join(section.headers) + " |")
        out.append("|" + "|".join("---:" if h in _NUMERIC else "---" for h in section.headers) + "|")
        out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in section.rows]
        out.append("")
    return "\n".join(out)


def render_summary_html(summary: FleetSummary) -> str:
    from wa_harden.report.html import esc, page, table

    body = ["<header>", "<h1>wa-harden fleet summary</h1>", f"<p><strong>{esc(_headline(summary))}</strong>; "
            f"generated {esc(summary.generated_at.isoformat())} by wa-harden {esc(summary.tool_version)}.</p>",
            "<ul>", *(f"<li>{esc(line)}</li>" for line in _source_lines(summary)), "</ul>"]
    body += [f'<p class="note"><strong>Note:</strong> {esc(line)}</p>'
             for line in [*summary.notes, *_duplicate_lines(summary)]]
    body.append("</header>")
    for section in _sections(summary):
        body += ["<section>", f"<h2>{esc(section.title)}</h2>"]
        if section.rows:
            body += table(section.headers, ([esc(c) for c in row] for row in section.rows),
                          numeric=[i for i, h in enumerate(section.headers) if h in _NUMERIC],
                          keys=[i for i, h in enumerate(section.headers) if h in _KEYS])
        else:
            body.append(f"<p>{esc(section.empty)}</p>")
        body.append("</section>")
    return page("wa-harden fleet summary", body)


def summary_dict(summary: FleetSummary) -> dict[str, Any]:
    def rate(c: CheckRate) -> dict[str, Any]:
        return {"check": c.check, "title": c.title, "area": c.area, "audited": c.audited, "pass": c.passed,
                "fail": c.failed, "error": c.errors, "manual": c.manual, "waived": c.waived,
                "not_applicable": c.not_applicable, "compliance": _json_share(c.compliance)}

    def group(key: str, g: GroupRate) -> dict[str, Any]:
        return {key: g.name, "phones": g.phones, "compliant": g.compliant, "share_compliant": _json_share(g.share)}

    def sighting(s: Sighting) -> dict[str, Any]:
        return {"source": s.source, "observed_at": s.observed_at}

    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "tool_version": summary.tool_version,
        "generated_at": summary.generated_at.isoformat(),
        "sources": [{"file": s.name, "generated_at": s.generated_at, "profile": s.profile, "fail_on": s.fail_on,
                     "skip_manual": s.skip_manual, "devices": s.devices} for s in summary.sources],
        "phones": summary.phones,
        "compliant": summary.compliant,
        "share_compliant": _json_share(summary.share_compliant),
        "verdicts": dict(summary.verdicts),
        "duplicates": [{"serial": d.serial, "kept": sighting(d.kept), "dropped": [sighting(s) for s in d.dropped]}
                       for d in summary.duplicates],
        "notes": list(summary.notes),
        "checks": [rate(c) for c in summary.checks],
        "android_versions": [group("android_release", g) for g in summary.android_versions],
        "models": [group("model", g) for g in summary.models],
        "top_failing": [rate(c) for c in summary.top_failing],
        "needs_person": [{"serial": p.serial, "model": p.model, "verdict": p.verdict, "failing": list(p.failing),
                          "unchecked": list(p.unchecked), "manual": list(p.manual), "source": p.source,
                          "message": p.message} for p in summary.needs_person],
    }


def render_summary_json(summary: FleetSummary) -> str:
    return json.dumps(summary_dict(summary), indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = ("section", "key", "measure", "value")


def _csv_rows(summary: FleetSummary) -> Iterable[tuple[str, str, str, object]]:
    """The summary as (section, key, measure, value) rows: one layout for every part."""
    data = summary_dict(summary)
    yield "fleet", "", "phones", summary.phones
    yield "fleet", "", "compliant", summary.compliant
    yield "fleet", "", "share_compliant", data["share_compliant"]
    for v, n in summary.verdicts.items():
        yield "fleet", "", v, n
    for source in data["sources"]:
        for measure in ("generated_at", "profile", "fail_on", "skip_manual", "devices"):
            yield "source", source["file"], measure, source[measure]
    for d in summary.duplicates:
        yield "duplicate", d.serial, "kept", d.kept.source
        yield "duplicate", d.serial, "kept_observed_at", d.kept.observed_at
        for s in d.dropped:
            yield "duplicate", d.serial, "dropped", s.source
    for note in summary.notes:
        yield "note", "", "note", note
    for section, key, rows in (("check", "check", data["checks"]), ("android", "android_release",
                                                                    data["android_versions"]),
                               ("model", "model", data["models"]), ("top_failing", "check", data["top_failing"])):
        for row in rows:
            for measure, value in row.items():
                if measure != key:
                    yield section, row[key], measure, value
    for phone in data["needs_person"]:
        for measure, value in phone.items():
            if measure != "serial":
                yield "needs_person", phone["serial"], measure, ";".join(value) if isinstance(value, list) else value


def render_summary_csv(summary: FleetSummary) -> str:
    from wa_harden.report.text import csv_cell

    def cell(value: object) -> object:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return csv_cell(value) if isinstance(value, str) else value

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([cell(c) for c in row] for row in _csv_rows(summary))
    return buffer.getvalue()


SUMMARY_RENDERERS: Mapping[str, Callable[[FleetSummary], str]] = {
    "table": render_summary_table,
    "csv": render_summary_csv,
    "markdown": render_summary_markdown,
    "html": render_summary_html,
    "json": render_summary_json,
}
