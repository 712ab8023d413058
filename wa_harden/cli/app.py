"""The command group and what every command shares: server and job options, output, summaries,
progress lines, and the crash log of the error boundary."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click

from wa_harden import __version__
from wa_harden.errors import ExitStatus
from wa_harden.fleet import DEFAULT_JOBS, Crashed
from wa_harden.policy import Judgement
from wa_harden.report import REPORTERS
from wa_harden.report.text import printable

if TYPE_CHECKING:  # pragma: no cover
    from wa_harden.device.base import Connector, ServerAddress
    from wa_harden.engine import Audited
    from wa_harden.model import DeviceReport

EXIT_CODES_HELP = """\b
Exit codes:
  0    compliant (nothing at or above --fail-on failed, went unchecked
       or is open: manual items count unless --skip-manual)
  1    findings or open manual items at or above --fail-on
  2    usage or profile error (also: several phones attached, none chosen),
       or a report file could not be written
  3    a device could not be audited (not attached, unauthorized, offline,
       timed out, connection lost)
  70   internal error (a bug: the traceback is written to a crash log)
  130  interrupted"""

FORMATS = [f.value for f in REPORTERS]


def crash_log(text: str) -> Path:
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


def internal_error(exc: BaseException) -> int:
    text = (f"wa-harden {__version__}, Python {sys.version.split()[0]}, argv {sys.argv!r}\n\n"
            + "".join(traceback.format_exception(exc)))
    try:
        where = f"the traceback is in {crash_log(text)}"
    except OSError:
        where = "no crash log could be written"
    click.echo(f"wa-harden: internal error ({type(exc).__name__}: {printable(str(exc))}); this is a bug in wa-harden, "
               f"{where}; please attach it to a bug report", err=True)
    return ExitStatus.INTERNAL


# --- shared options --------------------------------------------------------------------------


PORT = click.IntRange(1, 65535)


def server_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("-P", "--adb-port", type=PORT, default=None,
                        help="adb server port (default $ANDROID_ADB_SERVER_PORT or 5037).")(func)
    func = click.option("-H", "--adb-host", default=None,
                        help="adb server host (default $ANDROID_ADB_SERVER_HOST or 127.0.0.1).")(func)
    return func


def fleet_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """-H/-P and --server HOST:PORT (repeatable): one run over the phones of several adb servers."""
    func = click.option("--server", "servers", multiple=True, metavar="HOST:PORT",
                        help="An adb server to reach (repeatable), beside -H/-P: e.g. each onboarding "
                             "station's `adb -a -P PORT nodaemon server` (through an SSH tunnel).")(func)
    return server_options(func)


def live_servers(adb_host: str | None, adb_port: int | None,
                 servers: Sequence[str]) -> tuple[Connector, list[ServerAddress]]:
    """The adb connector and every server of the run: --server values, plus -H/-P (or the default
    server) when those are given or no --server is; a local default server is started if none runs."""
    from wa_harden.device.base import ServerAddress, adb_connector
    from wa_harden.fleet import raise_open_file_limit

    addresses = [ServerAddress.parse(text) for text in servers]
    default = server_address(adb_host, adb_port)  # validates the environment before adbutils is imported
    raise_open_file_limit()  # a socket per phone in flight, before a server we start inherits the limit
    connector = adb_connector()
    if not addresses or adb_host is not None or adb_port is not None:
        # Only this server is started when none runs: a --server is a station's own, never ours to start.
        if connector.ensure_server(default):
            click.echo(f"started an adb server on port {default.port}", err=True)
        addresses.insert(0, default)
    return connector, list(dict.fromkeys(addresses))


def jobs_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("-j", "--jobs", type=click.IntRange(min=1), default=DEFAULT_JOBS, show_default=True,
                        help="Phones handled at the same time.")(func)


def server_address(adb_host: str | None, adb_port: int | None) -> ServerAddress:
    from wa_harden.device.base import ServerAddress

    return ServerAddress.resolve(adb_host, adb_port)


def live(adb_host: str | None, adb_port: int | None) -> tuple[Connector, ServerAddress]:
    """The adb connector and a running server (the bundled one is started if none runs locally)."""
    from wa_harden.device.base import adb_connector

    address = server_address(adb_host, adb_port)  # validates the environment before adbutils is imported
    connector = adb_connector()
    if connector.ensure_server(address):
        click.echo(f"started an adb server on port {address.port}", err=True)
    return connector, address


def use_color(output: str | None, no_color: bool) -> bool:
    return not no_color and output is None and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def emit(text: str, output: str | None) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        from wa_harden.output import write_report

        write_report(output, text)
        click.echo(f"wrote {output}", err=True)


def write_phone_report(folder: Path, report: DeviceReport, text: str, suffix: str = ".json") -> Path:
    """One report per phone in a folder, named safely from its server and serial
    (OutputFileError when the disk refuses it)."""
    from wa_harden.output import safe_file_name, write_report

    name = f"{report.identity.server}_{report.identity.serial}" if report.identity.server else report.identity.serial
    path = folder / safe_file_name(name, suffix)
    write_report(path, text)
    return path


def audit_phones(replays: Sequence[str], adb_host: str | None, adb_port: int | None, servers: Sequence[str],
                 serials: Sequence[str], all_devices: bool, profile: Any, attestations: Sequence[Any],
                 timeout: float, jobs: int, judgement: Judgement) -> tuple[list[DeviceReport], list[Audited]]:
    """The reports of a run over capture files or live phones (with progress), and the live audits
    (for their crashes): what `check` and `checklist` share."""
    from wa_harden import engine
    from wa_harden.capture import read_capture

    if replays:
        return [engine.audit_capture(read_capture(path), profile, attestations) for path in replays], []
    connector, addresses = live_servers(adb_host, adb_port, servers)
    targets = engine.select_targets(connector, addresses, serials, all_devices)
    for target in targets:
        model = f" ({target.model})" if target.model else ""
        click.echo(f"auditing {printable(target.label)}{printable(model)} ...", err=True)
    audited = engine.audit_targets(connector, targets, profile, attestations, timeout, jobs,
                                   progress=progress(judgement, len(targets)), keep_captures=False)
    return [a.report for a in audited], audited


def profile_options(attestations_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-p/--profile and --attestations, as every command that judges phones takes them."""
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        func = click.option("--attestations", type=click.Path(dir_okay=False), default=None,
                            help=f"TOML file attesting manual items{attestations_help}.")(func)
        return click.option("-p", "--profile", "profile_name", default="whatsapp-business-gdpr", show_default=True,
                            help="Shipped profile name or path to a TOML profile.")(func)
    return decorate


def load_judged(profile_name: str, attestations: str | None) -> tuple[Any, tuple[Any, ...]]:
    """The profile and the attestations (checked against today and the profile's maximum age),
    both validated before any phone is contacted."""
    from datetime import date

    from wa_harden.profile import load_attestations, load_profile

    profile = load_profile(profile_name)
    attested = tuple(load_attestations(attestations, date.today(), profile.attestation_max_age_days)) \
        if attestations else ()
    return profile, attested


def journal_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--journal-dir", default=None, type=click.Path(file_okay=False),
                        help="Journal folder (default $WA_HARDEN_JOURNAL_DIR, else the user's data folder).")(func)


def open_journal(journal_dir: str | None, must_exist: bool = False, write: bool = False) -> Any:
    """The journal of --journal-dir (or its default); for reading, it must already exist; for
    writing, it is proved writable before any phone is contacted."""
    from wa_harden.journal import Journal, JournalError, default_journal_dir

    directory = default_journal_dir(journal_dir)
    if must_exist and not (directory / "journal.jsonl").is_file():
        raise JournalError(f"there is no journal in {directory}",
                           hint="give the folder of an existing journal with --journal-dir")
    journal = Journal(directory)
    if write:
        journal.ensure_writable()
    return journal


def report_folder(report_dir: str | None) -> Path | None:
    """The --report-dir folder, made and proved writable before any phone is contacted."""
    if report_dir is None:
        return None
    from wa_harden.errors import OutputFileError

    folder = Path(report_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFileError(f"cannot make the report folder {folder}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputFileError(f"cannot write into the report folder {folder}")
    return folder


def write_fleet(folder: Path, reports: Sequence[DeviceReport], run: Any) -> None:
    """--report-dir: one JSON report per phone, the fleet summary (JSON and Markdown) beside them,
    and the summary on the screen."""
    from wa_harden.errors import OutputFileError
    from wa_harden.output import write_report
    from wa_harden.report.json_report import render_json, report_dict
    from wa_harden.report.summary import render_summary_json, render_summary_markdown, render_summary_table, summarise

    fleet = summarise([report_dict(reports, run)], ["this run"], generated_at=run.generated_at,
                      tool_version=run.tool_version)
    failed: list[OutputFileError] = []
    written = 0
    for report in reports:  # every file is tried: a full disk may still take a small one
        try:
            write_phone_report(folder, report, render_json([report], run))
            written += 1
        except OutputFileError as exc:
            failed.append(exc)
    for name, text in (("summary.json", render_summary_json(fleet)), ("summary.md", render_summary_markdown(fleet))):
        try:
            write_report(folder / name, text)
        except OutputFileError as exc:
            failed.append(exc)
    click.echo(render_summary_table(fleet), nl=False)  # the screen has the results whatever the disk did
    if failed:
        raise OutputFileError(f"{len(failed)} file(s) could not be written to {folder} ({written} of "
                              f"{len(reports)} phone report(s) were): {failed[0].message}", hint=failed[0].hint)
    click.echo(f"wrote {len(reports)} phone report(s), summary.json and summary.md to {folder}", err=True)


def run_info(profile_name: str, judgement: Judgement, replayed: bool = False) -> Any:
    from wa_harden.report import RunInfo

    return RunInfo(profile_name, judgement.fail_on, datetime.now(UTC).replace(microsecond=0), __version__,
                   skip_manual=judgement.skip_manual, replayed=replayed)


def phone_name(report: DeviceReport) -> str:
    ident = report.identity
    return f"{ident.serial} @ {ident.server}" if ident.server else ident.serial


def summary(reports: Sequence[DeviceReport], judgement: Judgement, status: int, exit_label: str = "exit") -> None:
    """The closing lines on stderr: counts per verdict and the exit status, then, by name, the phones
    that could not be audited (with why) and those that are not compliant."""
    from wa_harden.policy import VERDICT_ORDER, Verdict, verdict

    verdicts = [verdict(r, judgement) for r in reports]
    parts = [f"{verdicts.count(v)} {v.value}" for v in VERDICT_ORDER if verdicts.count(v)]
    noun = "phone" if len(reports) == 1 else "phones"
    click.echo(f"{len(reports)} {noun}: {', '.join(parts)} ({exit_label} {int(status)})", err=True)
    if len(reports) < 2:
        return
    for wanted, title in ((Verdict.NOT_AUDITED, "not audited"), (Verdict.INCOMPLETE, "incomplete"),
                          (Verdict.NOT_COMPLIANT, "not compliant")):
        named = [r for r, v in zip(reports, verdicts, strict=True) if v is wanted]
        if named:
            shown = "; ".join(phone_name(r) + (f" ({r.message.split(':')[0]})" if wanted is Verdict.NOT_AUDITED
                                               else "") for r in named)
            click.echo(f"  {title}: {printable(shown)}", err=True)


class _Bar:
    """A one-line progress bar on a terminal, redrawn as each phone finishes."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.counts: dict[str, int] = {}

    def step(self, verdict: str) -> None:
        self.done += 1
        self.counts[verdict] = self.counts.get(verdict, 0) + 1
        width = 30
        filled = width * self.done // self.total
        tally = ", ".join(f"{n} {v}" for v, n in sorted(self.counts.items()))
        end = "\n" if self.done == self.total else ""
        click.echo(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} phones · {tally}\033[K{end}",
                   err=True, nl=False)


def progress(judgement: Judgement, total: int) -> Callable[[Audited, float], None] | None:
    """As each phone finishes: a progress bar on a terminal, else one line per phone (serial,
    model, verdict, seconds), when there is more than one phone."""
    if total < 2:
        return None
    from wa_harden.policy import verdict

    bar = _Bar(total) if sys.stderr.isatty() else None

    def show(audited: Audited, seconds: float) -> None:
        report = audited.report
        judged = verdict(report, judgement).value
        if bar is not None:
            bar.step(judged)
            return
        model = f" ({printable(report.identity.model)})" if report.identity.model else ""
        click.echo(f"  {printable(phone_name(report))}{model}: {judged} in {seconds:.1f} s", err=True)

    return show


class _MayCrash(Protocol):
    @property
    def crash(self) -> Crashed | None: ...


def crashes(audited: Sequence[_MayCrash]) -> int | None:
    """Exit 70 after the reports are out, when a phone's audit, fix or undo hit a bug."""
    crashed = [a for a in audited if a.crash is not None]
    if not crashed:
        return None
    first = crashed[0]
    assert first.crash is not None
    return internal_error(first.crash.error)


# --- commands --------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wa-harden")
def cli() -> None:
    """Check and harden company Android phones used for WhatsApp Business under the GDPR."""


