"""Changing phones: fix, undo, and the journal that proves what was changed."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from wa_harden.cli.app import (
    cli,
    crashes,
    emit,
    fleet_options,
    jobs_option,
    journal_option,
    live_servers,
    load_judged,
    open_journal,
    profile_options,
    run_info,
)
from wa_harden.errors import ExitStatus, UsageError
from wa_harden.policy import Judgement
from wa_harden.report.text import printable

if TYPE_CHECKING:  # pragma: no cover
    from wa_harden.fix.apply import PhonePlan, PhoneRun
    from wa_harden.report.fix_report import PhoneFixView

FIX_EXIT_CODES_HELP = """\b
Exit codes:
  0    every planned action verified, and no failure left that wa-harden could fix
  1    actions verified, but findings remain that need a person (see the report)
  2    usage or profile error, the plan was not confirmed or the journal
       cannot be written (nothing changed); the report could not be written
  3    a phone could not be (fully) handled (not attached, unauthorized, not
       read whole, connection or adb server lost, journal full mid-run)
  4    an action did not hold, or the phone refused it
  70   internal error
  130  interrupted"""

FIX_FORMATS = ["table", "json", "markdown"]


def _render(views: Sequence[PhoneFixView], fmt: str, profile_name: str, run_id: str | None, operation: str,
            dry_run: bool) -> str:
    from wa_harden.report.fix_report import render_fix_json, render_fix_markdown, render_fix_table

    run = run_info(profile_name, Judgement())
    renderer = {"table": render_fix_table, "json": render_fix_json, "markdown": render_fix_markdown}[fmt]
    return renderer(views, run, run_id, operation, dry_run)


def _plan_views(plans: Sequence[PhonePlan]) -> list[PhoneFixView]:
    from wa_harden.model import ActionResult, ActionStatus
    from wa_harden.report.fix_report import PhoneFixView

    views = []
    for plan in plans:
        results = tuple(ActionResult(a, ActionStatus.PLANNED) for a in plan.actions)
        results += tuple(ActionResult(left.action, ActionStatus.SKIPPED, left.reason) for left in plan.left_out)
        views.append(PhoneFixView(plan.audited.report, results, None, plan.audited.report.message,
                                  plan.audited.report.audited))
    return views


def _run_views(runs: Sequence[PhoneRun]) -> list[PhoneFixView]:
    from wa_harden.report.fix_report import PhoneFixView

    return [PhoneFixView(run.before, run.results, run.after, run.message, run.handled, run.notes) for run in runs]


def _confirm(question: str, yes: bool) -> bool:
    """--yes confirms; a terminal is asked; without one, nothing is applied."""
    if yes:
        return True
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        click.echo("wa-harden: nothing was changed: there is no terminal to confirm on; "
                   "run again with --yes to apply the plan", err=True)
        return False
    if click.confirm(question, default=False, err=True):
        return True
    click.echo("wa-harden: nothing was changed", err=True)
    return False


def _exit_of(runs: Sequence[PhoneRun]) -> ExitStatus:
    from wa_harden.policy import fix_exit_status

    statuses = [result.status for run in runs for result in run.results]
    after = [run.after for run in runs if run.after is not None]
    return fix_exit_status([run.handled for run in runs], statuses, after, Judgement())


def _emit_after_changes(text: str, output: str | None, operation: str, run_id: str) -> None:
    """The report of a run that changed phones: if it cannot be written, say that the phones were
    changed all the same and where the record of it is."""
    from wa_harden.errors import OutputFileError

    try:
        emit(text, output)
    except OutputFileError as exc:
        raise OutputFileError(f"the {operation} ran (run {run_id}) but its report could not be written: {exc.message}",
                              hint=f"the journal has what was done: `wa-harden journal show {run_id}`; "
                                   "free some space or choose another -o FILE") from None


def _progress_line(run: PhoneRun, seconds: float) -> None:
    counts: dict[str, int] = {}
    for result in run.results:
        counts[result.status.value] = counts.get(result.status.value, 0) + 1
    done = ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to change"
    problem = f" — {run.message}" if run.message else ""
    click.echo(printable(f"  {run.target.label}: {done} in {seconds:.1f} s{problem}"), err=True)


@cli.command(epilog=FIX_EXIT_CODES_HELP)
@click.option("-s", "--serial", "serials", multiple=True, help="Phone to fix (repeatable); default $ANDROID_SERIAL.")
@click.option("--all", "all_devices", is_flag=True, help="Fix every attached phone.")
@fleet_options
@profile_options(" (judged in the report after the fix)")
@click.option("--only", "only", multiple=True, help="Fix only this check (repeatable), e.g. wa-contacts-denied.")
@click.option("--dry-run", is_flag=True, help="Show the plan and change nothing.")
@click.option("--yes", is_flag=True, help="Apply without asking (for scripts).")
@click.option("--safe-only", is_flag=True, help="Leave out disruptive actions (e.g. turning Android backup off).")
@journal_option
@click.option("-f", "--format", "fmt", type=click.Choice(FIX_FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86400), default=60.0,
              show_default=True, help="Seconds per phone for each read and each action.")
@jobs_option
def fix(serials: Sequence[str], all_devices: bool, adb_host: str | None, adb_port: int | None,
        servers: Sequence[str], profile_name: str, attestations: str | None, only: Sequence[str], dry_run: bool, yes: bool,
        safe_only: bool, journal_dir: str | None, fmt: str, output: str | None, timeout: float,
        jobs: int) -> int:
    """Harden phones: plan the allow-listed fixes, confirm, apply, verify by reading the phone again.

    Every command is journalled (hash-chained) and `wa-harden undo RUN_ID` puts the phone back.
    """
    from wa_harden import engine
    from wa_harden.checks import REGISTRY, closest_check_id
    from wa_harden.fix.apply import apply_fix, plan_targets
    from wa_harden.output import check_output_path
    from wa_harden.policy import exit_status

    for check_id in only:
        if check_id not in REGISTRY:
            close = closest_check_id(check_id)
            raise UsageError(f"--only: unknown check '{check_id}'" + (f"; did you mean '{close}'?" if close else ""))
        if not REGISTRY[check_id].fixable:
            fixable = ", ".join(sorted(c for c, s in REGISTRY.items() if s.fixable))
            raise UsageError(f"--only: wa-harden cannot fix '{check_id}'; it can fix: {fixable}")
    profile, attested = load_judged(profile_name, attestations)
    if output is not None and output != "-":
        check_output_path(output, [*([attestations] if attestations else []), profile.source])
    journal = None if dry_run else open_journal(journal_dir, write=True)
    connector, addresses = live_servers(adb_host, adb_port, servers)
    targets = engine.select_targets(connector, addresses, serials, all_devices)
    for target in targets:
        click.echo(printable(f"auditing {target.label}{f' ({target.model})' if target.model else ''} ..."), err=True)
    plans = plan_targets(connector, targets, profile, attested, timeout, jobs, only, safe_only)
    total = sum(len(plan.actions) for plan in plans)
    if dry_run or total == 0 or journal is None:
        emit(_render(_plan_views(plans), fmt, profile.name, None, "fix", True), output)
        return exit_status([p.audited.report for p in plans], Judgement())
    click.echo(_render(_plan_views(plans), "table", profile.name, None, "fix", True), err=True, nl=False)
    phones = sum(1 for plan in plans if plan.actions)
    if not _confirm(f"Apply {total} action(s) to {phones} phone(s)?", yes):
        return ExitStatus.USAGE
    run_id = journal.new_run_id()
    journal.append("run", run_id, operation="fix", profile=profile.name, safe_only=safe_only,
                   only=list(only), serials=[plan.audited.target.serial for plan in plans if plan.actions])
    click.echo(f"applying (run {run_id}) ...", err=True)
    runs = apply_fix(connector, plans, profile, attested, journal, run_id, timeout, jobs, _progress_line)
    _emit_after_changes(_render(_run_views(runs), fmt, profile.name, run_id, "fix", False), output, "fix", run_id)
    internal = crashes(runs)
    return internal if internal is not None else _exit_of(runs)

@cli.command(epilog=FIX_EXIT_CODES_HELP)
@click.argument("run_id")
@click.option("-s", "--serial", "serials", multiple=True, help="Undo only on this phone (repeatable).")
@fleet_options
@click.option("--yes", is_flag=True, help="Undo without asking (for scripts).")
@journal_option
@click.option("-f", "--format", "fmt", type=click.Choice(FIX_FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86400), default=60.0,
              show_default=True)
@jobs_option
def undo(run_id: str, serials: Sequence[str], adb_host: str | None, adb_port: int | None, servers: Sequence[str],
         yes: bool,
         journal_dir: str | None, fmt: str, output: str | None, timeout: float, jobs: int) -> int:
    """Put back what a fix changed, from its snapshot, and verify it by reading the phone again.

    Refuses a phone whose serial or build differs from the snapshot's.
    """
    from wa_harden import engine
    from wa_harden.fix.apply import undo_run
    from wa_harden.journal import JournalError, check_run_id
    from wa_harden.output import check_output_path
    from wa_harden.profile import load_profile

    journal = open_journal(journal_dir, must_exist=True, write=True)
    run_id = check_run_id(run_id)
    saved = journal.snapshot_serials(run_id)
    chosen = [s for s in saved if not serials or s in serials]
    missing = [s for s in serials if s not in saved]
    if missing:
        raise JournalError(f"run {run_id} changed no phone {', '.join(missing)}; it changed: {', '.join(saved)}")
    if not chosen:
        raise JournalError(f"run {run_id} has no snapshot: it changed no phone")
    if output is not None and output != "-":
        check_output_path(output)
    profile = load_profile("whatsapp-business-gdpr")
    connector, addresses = live_servers(adb_host, adb_port, servers)
    targets = engine.select_targets(connector, addresses, chosen, False, exact=True)
    if not _confirm(f"Put back what run {run_id} changed on {len(targets)} phone(s)?", yes):
        return ExitStatus.USAGE
    undo_id = journal.new_run_id()
    journal.append("run", undo_id, operation="undo", undoes=run_id, serials=list(chosen))
    runs = undo_run(connector, targets, journal, run_id, undo_id, profile, timeout, jobs, _progress_line)
    _emit_after_changes(_render(_run_views(runs), fmt, profile.name, run_id, "undo", False), output, "undo", undo_id)
    internal = crashes(runs)
    statuses = [result.status for run in runs for result in run.results]
    from wa_harden.policy import fix_exit_status

    undone = fix_exit_status([run.handled for run in runs], statuses, [], Judgement())
    return internal if internal is not None else undone

@cli.group()
def journal() -> None:
    """List, show and verify the journal of fixes and undos."""

@journal.command("list")
@journal_option
def journal_list(journal_dir: str | None) -> int:
    """Runs, newest first."""
    from wa_harden.report.listing import render_runs

    click.echo(render_runs(open_journal(journal_dir, must_exist=True).runs()), nl=False)
    return ExitStatus.COMPLIANT

@journal.command("show")
@click.argument("run_id")
@journal_option
def journal_show(run_id: str, journal_dir: str | None) -> int:
    """Every record of one run."""
    from wa_harden.journal import JournalError, check_run_id
    from wa_harden.report.listing import render_run_records

    records = open_journal(journal_dir, must_exist=True).run_records(check_run_id(run_id))
    if not records:
        raise JournalError(f"the journal has no run {run_id}", hint="`wa-harden journal list` shows the runs")
    click.echo(render_run_records(records), nl=False)
    return ExitStatus.COMPLIANT

@journal.command("verify")
@journal_option
def journal_verify(journal_dir: str | None) -> int:
    """Check the hash chain: exit 0 when intact, 1 naming the first broken record."""
    result = open_journal(journal_dir, must_exist=True).verify()
    if result.intact:
        click.echo(f"journal intact: {result.records} records, head {result.head}")
        return ExitStatus.COMPLIANT
    click.echo(f"journal broken at line {result.broken_at}: {result.problem}")
    return ExitStatus.FINDINGS
