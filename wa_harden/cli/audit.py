"""Audit commands: check, capture, devices, profiles."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from wa_harden.cli.app import (
    EXIT_CODES_HELP,
    FORMATS,
    audit_phones,
    cli,
    crashes,
    emit,
    fleet_options,
    jobs_option,
    live_servers,
    load_judged,
    profile_options,
    report_folder,
    run_info,
    summary,
    use_color,
    write_fleet,
)
from wa_harden.errors import ExitStatus, OutputFileError, UsageError
from wa_harden.model import Severity
from wa_harden.policy import Judgement
from wa_harden.report import Format, format_for_output
from wa_harden.report.text import printable


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("-s", "--serial", "serials", multiple=True, help="Phone to audit (repeatable); default $ANDROID_SERIAL.")
@click.option("--all", "all_devices", is_flag=True, help="Audit every attached phone.")
@fleet_options
@profile_options(" (who, when, note)")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Report format [default: from the extension of -o FILE (.json, .csv, .md, .html, .xml for "
                   "junit, .txt for table), else table].")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option("--report-dir", type=click.Path(file_okay=False), default=None,
              help="Write one JSON report per phone and the fleet summary into DIR; the screen shows the summary.")
@click.option("--fail-on", type=click.Choice([s.value for s in Severity], case_sensitive=False), default="info",
              show_default=True, help="Lowest severity that makes the exit code 1 (default: any failure).")
@click.option("--skip-manual", is_flag=True,
              help="Judge the automated checks alone: items to confirm by hand do not count (the report says so).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86400), default=60.0, show_default=True,
              help="Seconds per phone for the whole audit.")
@jobs_option
@click.option("--replay", "replays", multiple=True, type=click.Path(dir_okay=False),
              help="Audit a capture file instead of a phone (repeatable).")
@click.option("--no-color", is_flag=True, help="No colours (also: NO_COLOR set, or output not a terminal).")
def check(serials: Sequence[str], all_devices: bool, adb_host: str | None, adb_port: int | None,
          servers: Sequence[str], profile_name: str, attestations: str | None, fmt: str | None,
          output: str | None, report_dir: str | None, fail_on: str, skip_manual: bool, timeout: float, jobs: int,
          replays: Sequence[str], no_color: bool) -> int:
    """Audit phones (or capture files) against a GDPR hardening profile."""
    from wa_harden.output import check_output_path
    from wa_harden.policy import exit_status
    from wa_harden.report import render

    if replays and (serials or all_devices):
        raise UsageError("--replay audits files; it cannot be combined with -s/--serial or --all")
    chosen = Format(fmt) if fmt else (format_for_output(output) if output else None) or Format.TABLE
    profile, attested = load_judged(profile_name, attestations)  # everything is validated before any device is touched
    if output is not None and output != "-":
        check_output_path(output, [*replays, *([attestations] if attestations else []), profile.source])
    folder = report_folder(report_dir)
    judgement = Judgement(Severity(fail_on.lower()), skip_manual)
    reports, audited = audit_phones(replays, adb_host, adb_port, servers, serials, all_devices, profile, attested,
                                    timeout, jobs, judgement)
    run = run_info(profile.name, judgement, replayed=bool(replays))
    status = exit_status(reports, judgement)
    try:
        if folder is not None:
            write_fleet(folder, reports, run)
            if output is not None:
                emit(render(chosen, reports, run), output)
        else:
            emit(render(chosen, reports, run, color=use_color(output, no_color)), output)
    except OutputFileError as exc:  # the disk refused the report: the screen still tells every phone's result
        summary(reports, judgement, exc.exit_status)
        raise
    summary(reports, judgement, status)
    internal = crashes(audited)
    return internal if internal is not None else status


@cli.command()
@click.option("-s", "--serial", "serials", multiple=True, help="Phone to capture; default $ANDROID_SERIAL or the only one.")
@fleet_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Capture file to write (JSON).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86400), default=60.0, show_default=True)
@click.option("--force", is_flag=True, help="Replace a complete capture even with an incomplete one.")
def capture(serials: Sequence[str], adb_host: str | None, adb_port: int | None, servers: Sequence[str],
            output: str, timeout: float, force: bool) -> int:
    """Write every raw output the audit needs to a JSON capture file (names masked)."""
    from wa_harden import engine
    from wa_harden.capture import Capture, CaptureFileError, dumps, read_capture
    from wa_harden.output import check_output_path, write_report

    if len(serials) > 1:
        raise UsageError("a capture file holds one phone: run `wa-harden capture -s SERIAL -o FILE` once per phone")
    check_output_path(output)
    connector, addresses = live_servers(adb_host, adb_port, servers)
    [target] = engine.select_targets(connector, addresses, serials, False)
    serial = printable(target.serial)  # the adb server's word for the phone: the phone may have chosen it
    got = engine.capture_target(connector, target, timeout)
    if not isinstance(got, Capture):
        click.echo(f"wa-harden: {serial}: {printable(got.message)}", err=True)
        return ExitStatus.DEVICE_UNAVAILABLE
    if not got.commands:
        click.echo(f"wa-harden: {serial}: {printable(engine.cut_short_message(got))}; nothing written", err=True)
        return ExitStatus.DEVICE_UNAVAILABLE
    if got.incomplete and not force and Path(output).is_file():
        try:
            kept = read_capture(output).incomplete is None
        except CaptureFileError:
            kept = False
        if kept:
            click.echo(f"wa-harden: {serial}: the new capture is incomplete ({got.incomplete}); "
                       f"the complete capture in {output} is kept (--force replaces it)", err=True)
            return ExitStatus.DEVICE_UNAVAILABLE
    write_report(output, dumps(got))
    note = f" (incomplete: {got.incomplete})" if got.incomplete else ""
    click.echo(f"wrote {output}: {len(got.commands)} commands from {serial}{note}", err=True)
    return ExitStatus.DEVICE_UNAVAILABLE if got.incomplete else ExitStatus.COMPLIANT


@cli.command()
@fleet_options
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86400), default=10.0, show_default=True)
@jobs_option
def devices(adb_host: str | None, adb_port: int | None, servers: Sequence[str], fmt: str, timeout: float,
            jobs: int) -> int:
    """List attached phones: serial, state, model, Android version."""
    from wa_harden import engine
    from wa_harden.report.listing import render_devices

    connector, addresses = live_servers(adb_host, adb_port, servers)
    rows = [row for address in addresses for row in engine.describe_devices(connector, address, timeout, jobs)]
    if rows or fmt == "json":
        click.echo(render_devices(rows, fmt, several_servers=len(addresses) > 1), nl=False)
    if not rows:
        click.echo("no phones attached to " + ", ".join(f"the adb server at {a}" for a in addresses), err=True)
    return ExitStatus.COMPLIANT


@cli.group()
def profiles() -> None:
    """List, show and validate hardening profiles."""


@profiles.command("list")
def profiles_list() -> int:
    from wa_harden.profile import list_profiles

    for name, description in list_profiles():
        click.echo(f"{name:28} {description}")
    return ExitStatus.COMPLIANT


@profiles.command("show")
@click.argument("name")
def profiles_show(name: str) -> int:
    """Show the resolved checks, severities and params of a profile."""
    from wa_harden.profile import load_profile
    from wa_harden.report.listing import render_profile

    click.echo(render_profile(load_profile(name)), nl=False)
    return ExitStatus.COMPLIANT


@profiles.command("validate")
@click.argument("path", type=click.Path(dir_okay=False))
def profiles_validate(path: str) -> int:
    """Validate a profile file; exit 2 with the key path and what was expected if it is wrong."""
    from wa_harden.profile import validate_profile_file

    profile = validate_profile_file(path)
    click.echo(f"{path}: valid profile '{profile.name}' with {len(profile.checks)} checks")
    return ExitStatus.COMPLIANT

