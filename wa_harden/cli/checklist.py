"""The onboarding checklist: audit phones (or capture files) and write a page per phone to print and sign."""

from __future__ import annotations

from collections.abc import Sequence

import click

from wa_harden.cli.app import (
    audit_phones,
    cli,
    crashes,
    emit,
    fleet_options,
    jobs_option,
    journal_option,
    load_judged,
    open_journal,
    profile_options,
    run_info,
    summary,
)
from wa_harden.errors import UsageError
from wa_harden.policy import Judgement

CHECKLIST_EXIT_CODES_HELP = """\b
Exit codes (those of `check` for the same phones; the checklist is
written in every case):
  0    compliant (nothing failed, went unchecked or is open)
  1    findings or open manual items
  2    usage, profile, attestations or journal error, or an output that is
       not .html or .md (found before any phone is contacted; nothing is
       written); also several phones attached and none chosen
  3    a device could not be audited (its page says why)
  70   internal error (a bug: the traceback is written to a crash log)
  130  interrupted"""


@cli.command("checklist", epilog=CHECKLIST_EXIT_CODES_HELP)
@click.option("-s", "--serial", "serials", multiple=True, help="Phone to audit (repeatable); default $ANDROID_SERIAL.")
@click.option("--all", "all_devices", is_flag=True, help="Audit every attached phone.")
@fleet_options
@profile_options(": ticked on the checklist with who and when")
@click.option("--run", "run_id", default=None, metavar="RUN_ID",
              help="A fix run (see `wa-harden journal list`): its actions, their verified status and the "
                   "journal's head hash go on the checklist.")
@journal_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="FILE.html (self-contained, prints on A4) or FILE.md; the extension chooses the format.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86400), default=60.0, show_default=True,
              help="Seconds per phone for the whole audit.")
@jobs_option
@click.option("--replay", "replays", multiple=True, type=click.Path(dir_okay=False),
              help="Audit a capture file instead of a phone (repeatable).")
def checklist_command(serials: Sequence[str], all_devices: bool, adb_host: str | None, adb_port: int | None,
                      servers: Sequence[str], profile_name: str, attestations: str | None, run_id: str | None, journal_dir: str | None,
                      output: str, timeout: float, jobs: int, replays: Sequence[str]) -> int:
    """Write the onboarding checklist: per phone the audit, the manual items (attested ones ticked), a fix
    run from the journal, the profile's hash and sign-off lines; to print, sign and file.

    The exit status is the one `check` gives for the same phones; the checklist is written in every case.
    """
    from wa_harden.output import check_output_path
    from wa_harden.policy import exit_status
    from wa_harden.report.checklist import FixRun, checklist, fix_run, format_for, render

    fmt = format_for(output)
    if fmt is None:  # before anything is read or any phone contacted
        raise UsageError(f"-o {output}: the checklist is written as FILE.html (to print) or FILE.md; "
                         "the extension chooses the format")
    if replays and (serials or all_devices):
        raise UsageError("--replay audits files; it cannot be combined with -s/--serial or --all")
    profile, attested = load_judged(profile_name, attestations)  # everything is validated before any device is touched
    inputs = [*replays, *([attestations] if attestations else []), profile.source]
    fixes: FixRun | None = None
    if run_id is not None:
        from wa_harden.journal import check_run_id

        journal = open_journal(journal_dir, must_exist=True)
        records = journal.run_records(check_run_id(run_id))
        inputs.append(str(journal.path))
        state = journal.verify()
        fixes = fix_run(run_id, records, state.head, state.records, state.intact,
                        "" if state.intact else f"line {state.broken_at}: {state.problem}")
        if not state.intact:
            click.echo(f"wa-harden: warning: the journal {journal.path} is broken at line {state.broken_at}: "
                       f"{state.problem}; the checklist says so", err=True)
    check_output_path(output, inputs)
    judgement = Judgement()  # as `check` judges by default: every severity, manual items count
    reports, audited = audit_phones(replays, adb_host, adb_port, servers, serials, all_devices, profile, attested,
                                    timeout, jobs, judgement)
    run = run_info(profile.name, judgement, replayed=bool(replays))
    emit(render(fmt, checklist(reports, run, profile, fixes)), output)
    status = exit_status(reports, judgement)
    summary(reports, judgement, status)
    internal = crashes(audited)
    return internal if internal is not None else status
