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
    click.echo(f"wa-harden: internal error ({type(exc).__name__}: {exc}); this is a bug in wa-harden, "
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
        from wa_harden.output import write_atomic

        write_atomic(output, text)
        click.echo(f"wrote {output}", err=True)


def run_info(profile_name: str, judgement: Judgement, replayed: bool = False) -> Any:
    from wa_harden.report import RunInfo

    return RunInfo(profile_name, judgement.fail_on, datetime.now(UTC).replace(microsecond=0), __version__,
                   skip_manual=judgement.skip_manual, replayed=replayed)


def summary(reports: Sequence[DeviceReport], judgement: Judgement, status: int, exit_label: str = "exit") -> None:
    from wa_harden.policy import VERDICT_ORDER, verdict

    verdicts = [verdict(r, judgement) for r in reports]
    parts = [f"{verdicts.count(v)} {v.value}" for v in VERDICT_ORDER if verdicts.count(v)]
    noun = "phone" if len(reports) == 1 else "phones"
    click.echo(f"{len(reports)} {noun}: {', '.join(parts)} ({exit_label} {int(status)})", err=True)


def progress(judgement: Judgement, total: int) -> Callable[[Audited, float], None] | None:
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


