"""The ``wa-harden`` command: the only module that prints, prompts or exits.

:func:`main` is the one error boundary: every subcommand returns an exit status, a
:class:`~wa_harden.errors.WaHardenError` prints its message and returns its own status, and an
unexpected exception (a bug) prints one line, writes the traceback to a crash log and returns 70.

Exit codes:
  0   compliant: nothing at or above --fail-on failed, went unchecked or is open (manual items)
  1   findings: a check at or above --fail-on failed, could not be checked, or is to confirm by hand
  2   usage or profile error, including several phones attached and none chosen
  3   a phone could not be audited (not attached, unauthorized, offline, timed out, cut off)
  70  internal error (a bug in wa-harden; the traceback is in a crash log)
  130 interrupted
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from wa_harden import __version__
from wa_harden.errors import ExitStatus, UsageError, WaHardenError
from wa_harden.fleet import DEFAULT_JOBS
from wa_harden.model import Severity
from wa_harden.policy import Judgement
from wa_harden.report import REPORTERS, Format

if TYPE_CHECKING:  # pragma: no cover
    from wa_harden.device.base import Connector, ServerAddress
    from wa_harden.engine import Audited
    from wa_harden.model import DeviceReport

EXIT_CODES_HELP = """\b
Exit codes:
  0    compliant (nothing at or above --fail-on failed, went unchecked
       or is open: manual items count unless --skip-manual)
  1    findings or open manual items at or above --fail-on
  2    usage or profile error (also: several phones attached, none chosen)
  3    a device could not be audited (not attached, unauthorized, offline,
       timed out, connection lost)
  70   internal error (a bug: the traceback is written to a crash log)
  130  interrupted"""

FORMATS = [f.value for f in REPORTERS]


# --- the error boundary ------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status; never raises, never calls exit."""
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="wa-harden",
                          standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("wa-harden: interrupted", err=True)
        return ExitStatus.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return ExitStatus.USAGE
    except WaHardenError as exc:
        click.echo(f"wa-harden: {exc}", err=True)
        return exc.exit_status
    except Exception as exc:  # the one place a bug becomes exit 70
        return _internal_error(exc)
    return int(result) if isinstance(result, int) else ExitStatus.COMPLIANT


def _crash_log(text: str) -> Path:
    """Write a traceback to the user's log folder (or the temp folder) and return its path."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"crash-{stamp}-{os.getpid()}.log"
    candidates = []
    try:
        import platformdirs

        candidates.append(Path(platformdirs.user_log_dir("wa-harden")))
    except ImportError:  # pragma: no cover - installed with wa-harden
        pass
    candidates.append(Path(tempfile.gettempdir()))
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    raise OSError("no folder for the crash log is writable")


def _internal_error(exc: BaseException) -> int:
    text = (f"wa-harden {__version__}, Python {sys.version.split()[0]}, argv {sys.argv!r}\n\n"
            + "".join(traceback.format_exception(exc)))
    try:
        where = f"the traceback is in {_crash_log(text)}"
    except OSError:
        where = "no crash log could be written"
    click.echo(f"wa-harden: internal error ({type(exc).__name__}: {exc}); this is a bug in wa-harden, "
               f"{where}; please attach it to a bug report", err=True)
    return ExitStatus.INTERNAL


# --- shared options --------------------------------------------------------------------------


PORT = click.IntRange(1, 65535)


def _server_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("-P", "--adb-port", type=PORT, default=None,
                        help="adb server port (default $ANDROID_ADB_SERVER_PORT or 5037).")(func)
    func = click.option("-H", "--adb-host", default=None,
                        help="adb server host (default $ANDROID_ADB_SERVER_HOST or 127.0.0.1).")(func)
    return func


def _jobs_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("-j", "--jobs", type=click.IntRange(min=1), default=DEFAULT_JOBS, show_default=True,
                        help="Phones handled at the same time.")(func)


def _address(adb_host: str | None, adb_port: int | None) -> ServerAddress:
    from wa_harden.device.base import ServerAddress

    return ServerAddress.resolve(adb_host, adb_port)


def _live(adb_host: str | None, adb_port: int | None) -> tuple[Connector, ServerAddress]:
    """The adb connector and a running server (the bundled one is started if none runs locally)."""
    from wa_harden.device.base import adb_connector

    address = _address(adb_host, adb_port)  # validates the environment before adbutils is imported
    connector = adb_connector()
    if connector.ensure_server(address):
        click.echo(f"started an adb server on port {address.port}", err=True)
    return connector, address


def _use_color(output: str | None, no_color: bool) -> bool:
    return not no_color and output is None and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _emit(text: str, output: str | None) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        from wa_harden.output import write_atomic

        write_atomic(output, text)
        click.echo(f"wrote {output}", err=True)


def _run_info(profile_name: str, judgement: Judgement, replayed: bool = False) -> Any:
    from wa_harden.report import RunInfo

    return RunInfo(profile_name, judgement.fail_on, datetime.now(UTC).replace(microsecond=0), __version__,
                   skip_manual=judgement.skip_manual, replayed=replayed)


def _summary(reports: Sequence[DeviceReport], judgement: Judgement, status: int, exit_label: str = "exit") -> None:
    from wa_harden.policy import VERDICT_ORDER, verdict

    verdicts = [verdict(r, judgement) for r in reports]
    parts = [f"{verdicts.count(v)} {v.value}" for v in VERDICT_ORDER if verdicts.count(v)]
    noun = "phone" if len(reports) == 1 else "phones"
    click.echo(f"{len(reports)} {noun}: {', '.join(parts)} ({exit_label} {int(status)})", err=True)


def _progress(judgement: Judgement, total: int) -> Callable[[Audited, float], None] | None:
    """One line per phone as it finishes, when there is more than one."""
    if total < 2:
        return None
    from wa_harden.policy import verdict

    def show(audited: Audited, seconds: float) -> None:
        report = audited.report
        model = f" ({report.identity.model})" if report.identity.model else ""
        click.echo(f"  {report.identity.serial}{model}: {verdict(report, judgement).value} in {seconds:.1f} s",
                   err=True)

    return show


def _crashes(audited: Sequence[Audited]) -> int | None:
    """Exit 70 after the reports are out, when auditing a phone hit a bug."""
    crashed = [a for a in audited if a.crash is not None]
    if not crashed:
        return None
    first = crashed[0]
    assert first.crash is not None
    return _internal_error(first.crash.error)


# --- commands --------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wa-harden")
def cli() -> None:
    """Check and harden company Android phones used for WhatsApp Business under the GDPR."""


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("-s", "--serial", "serials", multiple=True, help="Phone to audit (repeatable); default $ANDROID_SERIAL.")
@click.option("--all", "all_devices", is_flag=True, help="Audit every attached phone.")
@_server_options
@click.option("-p", "--profile", "profile_name", default="whatsapp-business-gdpr", show_default=True,
              help="Shipped profile name or path to a TOML profile.")
@click.option("--attestations", type=click.Path(dir_okay=False), default=None,
              help="TOML file attesting manual items (who, when, note).")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option("--fail-on", type=click.Choice([s.value for s in Severity], case_sensitive=False), default="info",
              show_default=True, help="Lowest severity that makes the exit code 1 (default: any failure).")
@click.option("--skip-manual", is_flag=True,
              help="Judge the automated checks alone: items to confirm by hand do not count (the report says so).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86400), default=60.0, show_default=True,
              help="Seconds per phone for the whole audit.")
@_jobs_option
@click.option("--replay", "replays", multiple=True, type=click.Path(dir_okay=False),
              help="Audit a capture file instead of a phone (repeatable).")
@click.option("--no-color", is_flag=True, help="No colours (also: NO_COLOR set, or output not a terminal).")
def check(serials: Sequence[str], all_devices: bool, adb_host: str | None, adb_port: int | None,
          profile_name: str, attestations: str | None, fmt: str, output: str | None, fail_on: str,
          skip_manual: bool, timeout: float, jobs: int, replays: Sequence[str], no_color: bool) -> int:
    """Audit phones (or capture files) against a GDPR hardening profile."""
    from wa_harden import engine
    from wa_harden.capture import read_capture
    from wa_harden.output import check_output_path
    from wa_harden.policy import exit_status
    from wa_harden.profile import load_attestations, load_profile
    from wa_harden.report import render

    if replays and (serials or all_devices):
        raise UsageError("--replay audits files; it cannot be combined with -s/--serial or --all")
    profile = load_profile(profile_name)  # everything is validated before any device is touched
    attested = load_attestations(attestations, date.today(), profile.attestation_max_age_days) \
        if attestations else ()
    if output is not None and output != "-":
        check_output_path(output, [*replays, *([attestations] if attestations else []), profile.source])
    judgement = Judgement(Severity(fail_on.lower()), skip_manual)
    crash = None
    if replays:
        reports = [engine.audit_capture(read_capture(path), profile, attested) for path in replays]
    else:
        connector, address = _live(adb_host, adb_port)
        targets = engine.select_targets(connector, address, serials, all_devices)
        for target in targets:
            model = f" ({target.model})" if target.model else ""
            click.echo(f"auditing {target.serial}{model} ...", err=True)
        audited = engine.audit_targets(connector, targets, profile, attested, timeout, jobs,
                                       progress=_progress(judgement, len(targets)))
        reports = [a.report for a in audited]
        crash = audited
    _emit(render(Format(fmt), reports, _run_info(profile.name, judgement, replayed=bool(replays)),
                 color=_use_color(output, no_color)), output)
    status = exit_status(reports, judgement)
    _summary(reports, judgement, status)
    internal = _crashes(crash) if crash is not None else None
    return internal if internal is not None else status


@cli.command()
@click.option("-s", "--serial", "serials", multiple=True, help="Phone to capture; default $ANDROID_SERIAL or the only one.")
@_server_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Capture file to write (JSON).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86400), default=60.0, show_default=True)
@click.option("--force", is_flag=True, help="Replace a complete capture even with an incomplete one.")
def capture(serials: Sequence[str], adb_host: str | None, adb_port: int | None, output: str, timeout: float,
            force: bool) -> int:
    """Write every raw output the audit needs to a JSON capture file (names masked)."""
    from wa_harden import engine
    from wa_harden.capture import Capture, CaptureFileError, dumps, read_capture
    from wa_harden.output import check_output_path, write_atomic

    if len(serials) > 1:
        raise UsageError("a capture file holds one phone: run `wa-harden capture -s SERIAL -o FILE` once per phone")
    check_output_path(output)
    connector, address = _live(adb_host, adb_port)
    [target] = engine.select_targets(connector, address, serials, False)
    got = engine.capture_target(connector, target, timeout)
    if not isinstance(got, Capture):
        click.echo(f"wa-harden: {target.serial}: {got.message}", err=True)
        return ExitStatus.DEVICE_UNAVAILABLE
    if not got.commands:
        click.echo(f"wa-harden: {target.serial}: {engine.cut_short_message(got)}; nothing written", err=True)
        return ExitStatus.DEVICE_UNAVAILABLE
    if got.incomplete and not force and Path(output).is_file():
        try:
            kept = read_capture(output).incomplete is None
        except CaptureFileError:
            kept = False
        if kept:
            click.echo(f"wa-harden: {target.serial}: the new capture is incomplete ({got.incomplete}); "
                       f"the complete capture in {output} is kept (--force replaces it)", err=True)
            return ExitStatus.DEVICE_UNAVAILABLE
    write_atomic(output, dumps(got))
    note = f" (incomplete: {got.incomplete})" if got.incomplete else ""
    click.echo(f"wrote {output}: {len(got.commands)} commands from {got.serial}{note}", err=True)
    return ExitStatus.DEVICE_UNAVAILABLE if got.incomplete else ExitStatus.COMPLIANT


@cli.command()
@_server_options
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86400), default=10.0, show_default=True)
@_jobs_option
def devices(adb_host: str | None, adb_port: int | None, fmt: str, timeout: float, jobs: int) -> int:
    """List attached phones: serial, state, model, Android version."""
    from wa_harden import engine
    from wa_harden.report.listing import render_devices

    connector, address = _live(adb_host, adb_port)
    rows = engine.describe_devices(connector, address, timeout, jobs)
    if rows or fmt == "json":
        click.echo(render_devices(rows, fmt), nl=False)
    if not rows:
        click.echo(f"no phones attached to the adb server at {address}", err=True)
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


@cli.command()
@click.option("--persona", "personas", multiple=True, default=("fresh-noncompliant",), show_default=True,
              help="Persona name or TOML file (repeatable).")
@click.option("--count", type=click.IntRange(min=1), default=1, show_default=True, help="Phones per persona.")
@click.option("--adb-host", default="127.0.0.1", show_default=True)
@click.option("--adb-port", type=PORT, default=None, help="adb server port (default $ANDROID_ADB_SERVER_PORT or 5037).")
@click.option("--latency-scale", type=click.FloatRange(min=0), default=None,
              help="1 = realistic command latency, 0 = none.")
@click.option("--list", "list_only", is_flag=True, help="List the shipped personas and exit.")
def virtual(personas: Sequence[str], count: int, adb_host: str, adb_port: int | None,
            latency_scale: float | None, list_only: bool) -> int:
    """Start virtual phones and attach them to an adb server until Ctrl-C."""
    import time

    from wa_harden.virtual.android import list_personas, load_persona
    from wa_harden.virtual.launcher import VirtualPhones

    if list_only:
        for name in list_personas():
            click.echo(f"{name:28} {load_persona(name).description}")
        return ExitStatus.COMPLIANT
    port = _address(adb_host, adb_port).port
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
    from wa_harden.virtual.android import load_persona  # PersonaError: exit 2 with file and key

    return [load_persona(name) for name in names]


@cli.command()
@click.option("--persona", default="fresh-noncompliant", show_default=True, help="Persona of the demo phone.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--latency-scale", type=click.FloatRange(min=0), default=1.0, show_default=True)
def demo(persona: str, fmt: str, latency_scale: float) -> int:
    """Audit a virtual phone through a private adb server, then clean up.

    Exits 0 when the demonstration itself ran, whatever the demo phone's findings.
    """
    from wa_harden import engine
    from wa_harden.device.base import ServerAddress, adb_connector
    from wa_harden.policy import exit_status
    from wa_harden.profile import load_profile
    from wa_harden.report import render
    from wa_harden.virtual.launcher import PrivateAdbServer, VirtualPhones

    profile = load_profile("whatsapp-business-gdpr")
    phones = _load_personas([persona])
    with tempfile.TemporaryDirectory(prefix="wa-harden-demo-") as home:
        click.echo("starting a private adb server and a virtual phone ...", err=True)
        with PrivateAdbServer(home=Path(home) / "home") as server, \
                VirtualPhones(phones, adb_port=server.port, latency_scale=latency_scale,
                              start_server=False) as fleet:
            address = ServerAddress("127.0.0.1", server.port)
            connector = adb_connector()
            targets = engine.select_targets(connector, address, fleet.serials, False)
            click.echo(f"auditing {targets[0].serial} ({persona}) through adb on port {server.port} ...", err=True)
            reports = [a.report for a in engine.audit_targets(connector, targets, profile, (), 60.0)]
    judgement = Judgement()
    click.echo(render(Format(fmt), reports, _run_info(profile.name, judgement),
                      color=_use_color(None, False)), nl=False)
    _summary(reports, judgement, exit_status(reports, judgement), exit_label="`wa-harden check` would exit")
    return ExitStatus.COMPLIANT
