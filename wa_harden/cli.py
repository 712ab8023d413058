"""The ``wa-harden`` command: the only module that prints, prompts or exits.

Exit codes:
  0  compliant: nothing at or above --fail-on failed or went unchecked
  1  findings: a check at or above --fail-on failed or could not be checked
  2  usage or profile error, including several phones attached and none chosen
  3  a device could not be audited (not attached, unauthorized, offline, timed out, cut off)
  130 interrupted
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import click

from wa_harden import __version__
from wa_harden.errors import ExitStatus, UsageError, WaHardenError
from wa_harden.model import Severity

EXIT_CODES_HELP = """\b
Exit codes:
  0    compliant (nothing at or above --fail-on failed or went unchecked)
  1    findings at or above --fail-on
  2    usage or profile error (also: several phones attached, none chosen)
  3    a device could not be audited (not attached, unauthorized, offline,
       timed out, connection lost)
  130  interrupted"""


def _handle_errors(func: Callable[..., int]) -> Callable[..., None]:
    """One place that turns exceptions into messages and exit codes."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = func(*args, **kwargs)
        except WaHardenError as exc:
            click.echo(f"wa-harden: {exc}", err=True)
            sys.exit(int(exc.exit_status))
        except KeyboardInterrupt:
            click.echo("wa-harden: interrupted", err=True)
            sys.exit(int(ExitStatus.INTERRUPTED))
        sys.exit(int(code))

    return wrapper


def _server_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("-P", "--adb-port", type=int, default=None,
                        help="adb server port (default $ANDROID_ADB_SERVER_PORT or 5037).")(func)
    func = click.option("-H", "--adb-host", default=None,
                        help="adb server host (default $ANDROID_ADB_SERVER_HOST or 127.0.0.1).")(func)
    return func


def _address(adb_host: str | None, adb_port: int | None):
    from wa_harden.device.adb import ServerAddress

    return ServerAddress.resolve(adb_host, adb_port)


def _use_color(output: str | None, no_color: bool) -> bool:
    return not no_color and output is None and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _emit(text: str, output: str | None) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        from wa_harden.capture import write_atomic

        write_atomic(output, text)
        click.echo(f"wrote {output}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wa-harden")
def main() -> None:
    """Check and harden company Android phones used for WhatsApp Business under the GDPR."""


@main.command(epilog=EXIT_CODES_HELP)
@click.option("-s", "--serial", "serials", multiple=True, help="Phone to audit (repeatable); default $ANDROID_SERIAL.")
@click.option("--all", "all_devices", is_flag=True, help="Audit every attached phone.")
@_server_options
@click.option("-p", "--profile", "profile_name", default="whatsapp-business-gdpr", show_default=True,
              help="Shipped profile name or path to a TOML profile.")
@click.option("--attestations", type=click.Path(dir_okay=False), default=None,
              help="TOML file attesting manual items (who, when, note).")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]),
              default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option("--fail-on", type=click.Choice([s.value for s in Severity]), default="info", show_default=True,
              help="Lowest severity that makes the exit code 1 (default: any failure).")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds per phone for the whole audit.")
@click.option("--replay", "replays", multiple=True, type=click.Path(dir_okay=False),
              help="Audit a capture file instead of a phone (repeatable).")
@click.option("--no-color", is_flag=True, help="No colours (also: NO_COLOR set, or output not a terminal).")
@_handle_errors
def check(serials: Sequence[str], all_devices: bool, adb_host: str | None, adb_port: int | None,
          profile_name: str, attestations: str | None, fmt: str, output: str | None, fail_on: str,
          timeout: float, replays: Sequence[str], no_color: bool) -> int:
    """Audit phones (or capture files) against a GDPR hardening profile."""
    from wa_harden import engine
    from wa_harden.capture import read_capture
    from wa_harden.profile import load_attestations, load_profile
    from wa_harden.report import Format, RunInfo, render

    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if replays and (serials or all_devices):
        raise UsageError("--replay audits files; it cannot be combined with -s/--serial or --all")
    profile = load_profile(profile_name)  # everything is validated before any device is touched
    attested = load_attestations(attestations) if attestations else ()
    if replays:
        captures = [read_capture(path) for path in replays]
        reports = [engine.audit_capture(c, profile, attested) for c in captures]
    else:
        from wa_harden.device.adb import ensure_server

        address = _address(adb_host, adb_port)
        if ensure_server(address):
            click.echo(f"started an adb server on port {address.port}", err=True)
        targets = engine.select_targets(address, serials, all_devices)
        for target in targets:
            model = f" ({target.attached.model})" if target.attached and target.attached.model else ""
            click.echo(f"auditing {target.serial}{model} ...", err=True)
        reports = [report for _capture, report in
                   engine.audit_targets(address, targets, profile, attested, timeout)]
    threshold = Severity(fail_on)
    run = RunInfo(profile.name, threshold, datetime.now(timezone.utc).replace(microsecond=0), __version__)
    _emit(render(Format(fmt), reports, run, color=_use_color(output, no_color)), output)
    status = engine.exit_status(reports, threshold)
    _summary(reports, threshold, status)
    return status


def _summary(reports: Sequence[Any], threshold: Severity, status: ExitStatus,
             exit_label: str = "exit") -> None:
    from wa_harden.report import verdict

    verdicts = [verdict(r, threshold).value for r in reports]
    parts = [f"{verdicts.count(v)} {v}" for v in ("compliant", "not-compliant", "incomplete", "not-audited")
             if verdicts.count(v)]
    noun = "phone" if len(reports) == 1 else "phones"
    click.echo(f"{len(reports)} {noun}: {', '.join(parts)} ({exit_label} {int(status)})", err=True)


@main.command()
@click.option("-s", "--serial", default=None, help="Phone to capture; default $ANDROID_SERIAL or the only one.")
@_server_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Capture file to write (JSON).")
@click.option("--timeout", type=float, default=60.0, show_default=True)
@_handle_errors
def capture(serial: str | None, adb_host: str | None, adb_port: int | None, output: str, timeout: float) -> int:
    """Write every raw output the audit needs to a JSON capture file (names masked)."""
    from wa_harden import engine
    from wa_harden.capture import Capture, dumps, write_atomic
    from wa_harden.device.adb import ensure_server

    address = _address(adb_host, adb_port)
    ensure_server(address)
    targets = engine.select_targets(address, [serial] if serial else [], False)
    got = engine.capture_target(address, targets[0], timeout)
    if not isinstance(got, Capture):
        click.echo(f"wa-harden: {targets[0].serial}: {got.message}", err=True)
        return ExitStatus.DEVICE_UNAVAILABLE
    write_atomic(output, dumps(got))
    note = f" (incomplete: {got.incomplete})" if got.incomplete else ""
    click.echo(f"wrote {output}: {len(got.commands)} commands from {got.serial}{note}", err=True)
    return ExitStatus.DEVICE_UNAVAILABLE if got.incomplete else ExitStatus.COMPLIANT


@main.command()
@_server_options
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--timeout", type=float, default=10.0, show_default=True)
@_handle_errors
def devices(adb_host: str | None, adb_port: int | None, fmt: str, timeout: float) -> int:
    """List attached phones: serial, state, model, Android version."""
    import json

    from tabulate import tabulate

    from wa_harden.collect import run_round
    from wa_harden.device.adb import DeviceSession, ensure_server, list_devices
    from wa_harden.parse.getprop import parse_getprop_value

    address = _address(adb_host, adb_port)
    ensure_server(address)
    asked = ["getprop ro.build.version.release", "getprop ro.build.version.sdk"]
    rows = []
    for device in list_devices(address):
        release = sdk = None
        if device.state == "device":
            records, _missing = run_round(DeviceSession(address, device.serial), asked, timeout)
            values = {r.command: parse_getprop_value(r.output) for r in records}
            release, sdk = values.get(asked[0]), values.get(asked[1])
        rows.append({"serial": device.serial, "state": device.state, "model": device.model,
                     "android": release, "sdk": int(sdk) if sdk and sdk.isdigit() else None})
    if fmt == "json":
        click.echo(json.dumps({"devices": rows}, indent=2))
    elif rows:
        click.echo(tabulate([[r["serial"], r["state"], r["model"] or "", r["android"] or "", r["sdk"] or ""]
                             for r in rows], headers=["serial", "state", "model", "android", "sdk"]))
    else:
        click.echo(f"no phones attached to the adb server at {address}", err=True)
    return ExitStatus.COMPLIANT


@main.group()
def profiles() -> None:
    """List, show and validate hardening profiles."""


@profiles.command("list")
@_handle_errors
def profiles_list() -> int:
    from wa_harden.profile import list_profiles

    for name, description in list_profiles():
        click.echo(f"{name:28} {description}")
    return ExitStatus.COMPLIANT


@profiles.command("show")
@click.argument("name")
@_handle_errors
def profiles_show(name: str) -> int:
    """Show the resolved checks, severities and params of a profile."""
    from tabulate import tabulate

    from wa_harden.checks import get_check
    from wa_harden.profile import load_profile

    profile = load_profile(name)
    click.echo(f"{profile.name}: {profile.description}\nsource: {profile.source}\n")
    rows = []
    for check_id, settings in profile.checks.items():
        spec = get_check(check_id)
        params = ", ".join(f"{k}={v!r}" for k, v in settings.params.items())
        rows.append([check_id, spec.area.value, settings.severity.value, params])
    click.echo(tabulate(rows, headers=["check", "area", "severity", "params"]))
    for waiver in profile.waivers:
        click.echo(f"waiver: {waiver.check} until {waiver.expires} ({waiver.approver}): {waiver.justification}")
    return ExitStatus.COMPLIANT


@profiles.command("validate")
@click.argument("path", type=click.Path(dir_okay=False))
@_handle_errors
def profiles_validate(path: str) -> int:
    """Validate a profile file; exit 2 with the key path and what was expected if it is wrong."""
    from wa_harden.profile import validate_profile_file

    profile = validate_profile_file(path)
    click.echo(f"{path}: valid profile '{profile.name}' with {len(profile.checks)} checks")
    return ExitStatus.COMPLIANT


@main.command()
@click.option("--persona", "personas", multiple=True, default=("fresh-noncompliant",), show_default=True,
              help="Persona name or TOML file (repeatable).")
@click.option("--count", type=int, default=1, show_default=True, help="Phones per persona.")
@click.option("--adb-host", default="127.0.0.1", show_default=True)
@click.option("--adb-port", type=int, default=None, help="adb server port (default $ANDROID_ADB_SERVER_PORT or 5037).")
@click.option("--latency-scale", type=float, default=None, help="1 = realistic command latency, 0 = none.")
@click.option("--list", "list_only", is_flag=True, help="List the shipped personas and exit.")
@_handle_errors
def virtual(personas: Sequence[str], count: int, adb_host: str, adb_port: int | None,
            latency_scale: float | None, list_only: bool) -> int:
    """Start virtual phones and attach them to an adb server until Ctrl-C."""
    import time

    from wa_harden.virtual.android import list_personas, load_persona
    from wa_harden.virtual.launcher import LauncherError, VirtualPhones

    if list_only:
        for name in list_personas():
            click.echo(f"{name:28} {load_persona(name).description}")
        return ExitStatus.COMPLIANT
    if count < 1:
        raise UsageError("--count must be at least 1")
    port = adb_port or int(os.environ.get("ANDROID_ADB_SERVER_PORT") or 5037)
    names = [p for p in personas for _ in range(count)]
    _stop_on_signals()
    try:
        fleet = VirtualPhones(_load_personas(names), adb_host=adb_host, adb_port=port,
                              latency_scale=latency_scale)
        with fleet:
            if fleet.server_started:
                click.echo(f"started an adb server on port {port} (it keeps running; "
                           f"`adb -P {port} kill-server` stops it)", err=True)
            for running in fleet.phones:
                click.echo(f"{running.serial}\t{running.phone.persona.name}")
            click.echo(f"{len(fleet.phones)} virtual phone(s) attached to {adb_host}:{port}; "
                       "Ctrl-C stops them", err=True)
            while True:
                time.sleep(3600)
    except LauncherError as exc:
        raise WaHardenError(str(exc)) from exc
    except KeyboardInterrupt:
        click.echo("virtual phones disconnected", err=True)
        return ExitStatus.COMPLIANT


def _stop_on_signals() -> None:
    """Ctrl-C, and SIGTERM from a service manager or `kill`, both end `virtual` cleanly.

    SIGINT is set explicitly because shells start background jobs with it ignored.
    """
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def _load_personas(names: Sequence[str]) -> list[Any]:
    from wa_harden.virtual.android import load_persona

    try:
        return [load_persona(name) for name in names]
    except (ValueError, OSError) as exc:
        raise UsageError(f"persona: {exc}") from exc


@main.command()
@click.option("--persona", default="fresh-noncompliant", show_default=True, help="Persona of the demo phone.")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]),
              default="table", show_default=True)
@click.option("--latency-scale", type=float, default=1.0, show_default=True)
@_handle_errors
def demo(persona: str, fmt: str, latency_scale: float) -> int:
    """Audit a virtual phone through a private adb server, then clean up.

    Exits 0 when the demonstration itself ran, whatever the demo phone's findings.
    """
    from wa_harden import engine
    from wa_harden.device.adb import ServerAddress
    from wa_harden.profile import load_profile
    from wa_harden.report import Format, RunInfo, render
    from wa_harden.virtual.launcher import PrivateAdbServer, VirtualPhones

    profile = load_profile("whatsapp-business-gdpr")
    with tempfile.TemporaryDirectory(prefix="wa-harden-demo-") as home:
        click.echo("starting a private adb server and a virtual phone ...", err=True)
        with PrivateAdbServer(home=Path(home) / "home") as server, \
                VirtualPhones(_load_personas([persona]), adb_port=server.port,
                              latency_scale=latency_scale, start_server=False) as fleet:
            address = ServerAddress("127.0.0.1", server.port)
            targets = engine.select_targets(address, fleet.serials, False)
            click.echo(f"auditing {targets[0].serial} ({persona}) through adb on port {server.port} ...", err=True)
            reports = [r for _c, r in engine.audit_targets(address, targets, profile, (), 60.0)]
    run = RunInfo(profile.name, Severity.INFO, datetime.now(timezone.utc).replace(microsecond=0), __version__)
    click.echo(render(Format(fmt), reports, run, color=_use_color(None, False)), nl=False)
    _summary(reports, Severity.INFO, engine.exit_status(reports, Severity.INFO),
             exit_label="`wa-harden check` would exit")
    return ExitStatus.COMPLIANT
