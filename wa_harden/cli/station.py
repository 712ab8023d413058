"""`watch`: an onboarding station that audits (and with --fix hardens) each phone as it is plugged in."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from wa_harden.cli.app import (
    cli,
    fleet_options,
    internal_error,
    live_servers,
    load_judged,
    profile_options,
    report_folder,
    run_info,
    write_phone_report,
)
from wa_harden.errors import ExitStatus, UsageError
from wa_harden.policy import Judgement
from wa_harden.report.text import printable

if TYPE_CHECKING:  # pragma: no cover
    from wa_harden.device.base import AttachedDevice, ServerAddress
    from wa_harden.fix.apply import PhoneRun
    from wa_harden.model import DeviceReport
    from wa_harden.station import StationEvent


# States a phone passes through while it connects or is unplugged; others (recovery, bootloader,
# "no permissions") are worth a line.
TRANSIENT = frozenset({"offline", "connecting", "authorizing"})


@dataclass(frozen=True)
class Handled:
    """One phone handled by the station: its audit, and the fix when --fix."""

    report: DeviceReport
    fixed: PhoneRun | None = None
    run_id: str | None = None
    lost: tuple[str, ...] = ()  # what the disk refused: reports not written, a fix not recorded


def _line(event: StationEvent[Handled], judgement: Judgement) -> str:
    from wa_harden.policy import verdict
    from wa_harden.report.todo import summary_line
    from wa_harden.station import EventKind

    where = event.serial + (f" ({event.device.model})" if event.device and event.device.model else "")
    if event.kind is EventKind.WAITING:
        return f"waiting for phones on the adb server at {event.address} (Ctrl-C stops) ..."
    if event.kind is EventKind.SERVER_LOST:
        return f"the adb server at {event.address} stopped answering ({event.detail}); waiting for it to come back ..."
    if event.kind is EventKind.UNAUTHORIZED:
        return (f"{where}: unlock the phone and accept the USB debugging prompt (tick 'Always allow from this "
                "computer'); the audit starts as soon as you do")
    if event.kind is EventKind.NOT_READY:
        return f"{where}: {event.detail}; waiting for it to be ready"
    if event.kind is EventKind.UNPLUGGED:
        return f"{where}: unplugged"
    if event.kind is EventKind.STARTED:
        return f"{where}: auditing ..."
    if event.kind is EventKind.CRASHED:
        return f"{where}: internal error while handling this phone"
    handled = event.result
    assert handled is not None
    report = handled.fixed.after if handled.fixed is not None and handled.fixed.after is not None else handled.report
    judged = verdict(report, judgement).value
    text = f"{where}: {judged.upper().replace('-', ' ')}"
    if not report.audited:
        lost = "".join(f" — {what}" for what in handled.lost)
        return f"{text} — {report.message}{lost} ({event.seconds:.1f} s)"
    if handled.fixed is not None:
        counts: dict[str, int] = {}
        for result in handled.fixed.results:
            counts[result.status.value] = counts.get(result.status.value, 0) + 1
        done = ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to fix"
        text += f" after the fix (run {handled.run_id}: {done})"
        if handled.fixed.message:
            text += f" — {handled.fixed.message}"
    lost = "".join(f" — {what}" for what in handled.lost)
    why = f" — {report.message}" if report.message else ""  # an audit cut short says why
    return f"{text} — {summary_line(report)}{why}{lost} ({event.seconds:.1f} s)"


@cli.command()
@fleet_options
@profile_options(" (who, when, note)")
@click.option("--fix", "fix_phones", is_flag=True, help="Also harden each phone (as `wa-harden fix`).")
@click.option("--yes", is_flag=True, help="With --fix: apply without asking.")
@click.option("--safe-only", is_flag=True, help="With --fix: leave out disruptive actions.")
@click.option("--journal-dir", default=None, type=click.Path(file_okay=False),
              help="With --fix: the journal folder (default $WA_HARDEN_JOURNAL_DIR or the user's data folder).")
@click.option("--report-dir", type=click.Path(file_okay=False), default=None,
              help="Write one JSON report per phone (and its fix) into this folder.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86400), default=60.0, show_default=True,
              help="Seconds per phone for each read and each action.")
def watch(adb_host: str | None, adb_port: int | None, servers: Sequence[str], profile_name: str,
          attestations: str | None, fix_phones: bool, yes: bool, safe_only: bool, journal_dir: str | None,
          report_dir: str | None, timeout: float) -> int:
    """Station mode: audit (and with --fix harden) each phone once when it is ready; again when re-plugged.

    Waits with adb's own device tracking; tells the admin to accept the USB debugging prompt; survives
    phones being unplugged and the adb server restarting; Ctrl-C stops it (exit 0, or 2 when a
    report or a fix record could not be written).
    """
    from wa_harden import engine
    from wa_harden.report.json_report import render_json
    from wa_harden.station import EventKind, Station

    profile, attested = load_judged(profile_name, attestations)
    if (yes or safe_only or journal_dir) and not fix_phones:
        raise UsageError("--yes, --safe-only and --journal-dir go with --fix")
    folder = report_folder(report_dir)  # proved writable before the station waits for phones
    journal = None
    if fix_phones:
        from wa_harden.journal import Journal, default_journal_dir

        if not yes:
            if not (sys.stdin.isatty() and sys.stderr.isatty()):
                raise UsageError("watch --fix changes every phone that is plugged in: confirm with --yes")
            if not click.confirm("Fix every phone that is plugged in, without asking again?", default=False,
                                 err=True):
                click.echo("wa-harden: nothing was changed", err=True)
                return ExitStatus.USAGE
        journal = Journal(default_journal_dir(journal_dir))
        journal.ensure_writable()
    connector, addresses = live_servers(adb_host, adb_port, servers)
    judgement = Judgement()
    run = run_info(profile.name, judgement)

    def work(address: ServerAddress, device: AttachedDevice) -> Handled:
        from wa_harden.errors import OutputFileError
        from wa_harden.fix.apply import apply_fix, plan_targets
        from wa_harden.journal import JournalError

        target = engine.Target(address, device.serial, device, len(addresses) > 1)
        lost: list[str] = []
        fixed = None
        run_id = None
        if journal is None:
            [audited] = engine.audit_targets(connector, [target], profile, attested, timeout, 1)
            report = audited.report
        else:
            plans = plan_targets(connector, [target], profile, attested, timeout, 1, safe_only=safe_only)
            report = plans[0].audited.report
            if plans[0].actions:
                try:
                    run_id = journal.new_run_id()
                    journal.append("run", run_id, operation="fix", profile=profile.name, station=True,
                                   serials=[device.serial])
                    [fixed] = apply_fix(connector, plans, profile, attested, journal, run_id, timeout, 1)
                except JournalError as exc:  # nothing runs that the journal cannot record
                    lost.append(f"not changed: the journal could not be written ({exc.message})")
                    run_id = None
        if folder is not None:
            try:
                write_phone_report(folder, report, render_json([report], run))
                if fixed is not None and fixed.after is not None:
                    write_phone_report(folder, fixed.after, render_json([fixed.after], run), ".after-fix.json")
            except OutputFileError as exc:
                lost.append(f"report not written: {exc.message}")
        return Handled(report, fixed, run_id, tuple(lost))

    station: Station[Handled] = Station(connector, addresses, work)
    count = 0
    troubled = 0  # phones whose report or fix record the disk refused

    def observe(event: StationEvent[Handled]) -> None:
        nonlocal count, troubled
        if event.crash is not None:
            internal_error(event.crash.error)  # the crash log; the station carries on
        if event.kind is EventKind.DONE:
            count += 1
            handled = event.result
            troubled += bool(handled is not None and (handled.lost or handled.fixed is not None
                                                      and handled.fixed.journal_failed))
        if event.kind is EventKind.NOT_READY and event.detail in TRANSIENT:
            return  # every phone passes through these while it connects or goes away
        click.echo(printable(_line(event, judgement)), err=event.kind is not EventKind.DONE)

    try:
        station.run(observe)
    except KeyboardInterrupt:
        station.stop()
        lost = f"; for {troubled} of them the report(s) could not be written or the fix not recorded" \
            if troubled else ""
        click.echo(f"stopped: {count} phone(s) handled{lost}", err=True)
    # A station that lost evidence says so to whatever wraps it (exit 2, as a report that cannot be written).
    return ExitStatus.USAGE if troubled else ExitStatus.COMPLIANT
