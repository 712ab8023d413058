"""What a person does next, shared by the screen and Markdown reports.

"What to do" lists the failures, in the order they must be done (deny WhatsApp the address book
before removing its sync account; uninstall the consumer app before anything is configured), then
the checks that could not be done with how to get the data. Manual items are listed apart: they
are confirmed by a person and recorded in an attestations file, not "fixed".
"""

from __future__ import annotations

from dataclasses import dataclass

from wa_harden.model import DeviceReport, Outcome, Result
from wa_harden.policy import Judgement, Verdict, counts_against, verdict
from wa_harden.report import RunInfo, outcome_counts

# The order a person must work in; checks not listed follow in report order.
ORDER = (
    "wa-consumer-absent",  # move the chats off the phone first: everything else touches the Business app
    "wa-mods-absent",
    "wa-business-installed",
    "wa-installer-trusted",  # reinstalling from Play comes before updating or configuring it
    "wa-app-current",
    "wa-contacts-denied",  # deny the permission before removing the sync account, or it comes back
    "wa-contact-sync-traces",
    "android-backup-disabled",
    "wa-media-hidden",
    "device-verified-boot",
    "device-os-version",
    "device-patch-age",
    "device-encryption",
    "device-screen-lock",  # a lock before the lock-screen settings that depend on it
    "device-auto-lock",
    "device-lockscreen-previews",
    "device-unknown-sources",
    "device-chat-readers",
    "device-play-protect",
    "device-dedicated",
)

# How to get the data when a check could not be done, by reason.
_HOW_TO_READ = {
    "timeout": "the phone did not answer in time: unlock it, check the cable and run again (or raise --timeout)",
    "connection-lost": "the connection dropped: reconnect the phone and run again",
    "user-restricted": "the phone keeps this Android user closed to the ADB shell: check it on the phone by hand",
    "permission-denied": "the phone refused the ADB shell: unlock it and run again; if it repeats, check by hand",
    "oem-restricted": "a manufacturer setting blocks the ADB shell (Xiaomi: Developer options > 'USB debugging "
                      "(Security settings)'; OPPO/OnePlus/realme: 'Disable permission monitoring'): turn it on "
                      "and run again",
    "not-supported": "this Android version cannot report it: check it on the phone by hand",
    "not-reported": "the phone does not report it: check it on the phone by hand",
    "command-failed": "a command failed on the phone: run again; if it repeats, send `wa-harden capture` to support",
    "unparseable": "the phone's answer was incomplete or unexpected: run again; if it repeats, send "
                   "`wa-harden capture` to support",
}
_NOT_CAPTURED = {
    False: "the phone was not read completely: run again",
    True: "the capture file does not hold this command: capture the phone again with this wa-harden version",
}


@dataclass(frozen=True)
class Todo:
    fixes: tuple[Result, ...]  # failures, in the order a person must do them
    unchecked: tuple[tuple[Result, str], ...]  # errors, with how to get the data
    by_hand: tuple[Result, ...]  # open manual items


def _rank(result: Result) -> int:
    return ORDER.index(result.check) if result.check in ORDER else len(ORDER)


def how_to_read(reason: str, replayed: bool) -> str:
    if reason == "not-captured":
        return _NOT_CAPTURED[replayed]
    return _HOW_TO_READ.get(reason, "run again")


def todo(report: DeviceReport, run: RunInfo) -> Todo:
    results = report.results
    fixes = sorted((r for r in results if r.outcome is Outcome.FAIL), key=_rank)
    unchecked = tuple((r, how_to_read(r.reason, run.replayed)) for r in results if r.outcome is Outcome.ERROR)
    by_hand = tuple(r for r in results if r.outcome is Outcome.MANUAL)
    return Todo(tuple(fixes), unchecked, by_hand)


def summary_line(report: DeviceReport) -> str:
    counts = outcome_counts(report.results)
    shown = [(counts[o.value], name) for o, name in (
        (Outcome.FAIL, "failed"), (Outcome.ERROR, "not checked"), (Outcome.MANUAL, "to confirm by hand"),
        (Outcome.WAIVED, "waived"), (Outcome.PASS, "passed"), (Outcome.NOT_APPLICABLE, "not applicable"))]
    return ", ".join(f"{n} {name}" for n, name in shown if n)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def headline(report: DeviceReport, run: RunInfo) -> tuple[Verdict, str]:
    """The verdict and the words that lead a phone's block: never "compliant" above open findings."""
    judgement: Judgement = run.judgement
    v = verdict(report, judgement)
    summary = summary_line(report)
    if v is Verdict.NOT_AUDITED:
        return v, "NOT AUDITED"
    if v is Verdict.NOT_COMPLIANT:
        return v, f"NOT COMPLIANT — {summary}"
    if v is Verdict.INCOMPLETE:
        return v, f"INCOMPLETE — {summary}"
    if v is Verdict.NOT_YET_COMPLIANT:
        open_items = sum(1 for r in report.results if r.outcome is Outcome.MANUAL and counts_against(r, judgement))
        return v, (f"NOT YET COMPLIANT — {_plural(open_items, 'item', 'items')} to confirm by hand"
                   f" ({summary})")
    below = [r for r in report.results if r.outcome in (Outcome.FAIL, Outcome.ERROR)]
    if below:
        return v, (f"NO FINDINGS AT {judgement.fail_on.value.upper()} OR ABOVE — {summary} "
                   f"(below {judgement.fail_on.value})")
    if judgement.skip_manual and any(r.outcome is Outcome.MANUAL for r in report.results):
        return v, f"AUTOMATED CHECKS PASSED (--skip-manual: items to confirm by hand not judged) — {summary}"
    manual_below = any(r.outcome is Outcome.MANUAL for r in report.results)
    if manual_below:
        return v, f"NO OPEN ITEMS AT {judgement.fail_on.value.upper()} OR ABOVE — {summary}"
    return v, f"COMPLIANT — {summary}"


def sections(report: DeviceReport, run: RunInfo) -> list[tuple[str, list[tuple[str, str]]]]:
    """The to-do as (title, [(check, what to do)]) sections, for every human format."""
    work = todo(report, run)
    out: list[tuple[str, list[tuple[str, str]]]] = []
    entries = [(r.check, r.remedy or r.message) for r in work.fixes]
    entries += [(r.check, f"Not checked: {how}.") for r, how in work.unchecked]
    if entries:
        out.append(("What to do", entries))
    if work.by_hand:
        out.append(("To confirm by hand (record each in an attestations file, see docs/ATTESTATIONS.md)",
                    [(r.check, r.remedy or r.message) for r in work.by_hand]))
    return out
