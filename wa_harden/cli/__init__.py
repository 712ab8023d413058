"""The ``wa-harden`` command: the only module that prints, prompts or exits.

:func:`main` is the one error boundary: every subcommand returns an exit status, a
:class:`~wa_harden.errors.WaHardenError` prints its message and returns its own status, and an
unexpected exception (a bug) prints one line, writes the traceback to a crash log and returns 70.

Exit codes:
  0   compliant: nothing at or above --fail-on failed, went unchecked or is open (manual items)
  1   findings: a check at or above --fail-on failed, could not be checked, or is to confirm by hand
  2   usage or profile error, including several phones attached and none chosen;
      a report or journal that cannot be written
  3   a phone could not be audited (not attached, unauthorized, offline, timed out, cut off)
  70  internal error (a bug in wa-harden; the traceback is in a crash log)
  130 interrupted
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from wa_harden.cli import audit, checklist, fix, station, summary, virtual  # noqa: F401 - the commands register
from wa_harden.cli.app import cli, internal_error
from wa_harden.errors import ExitStatus, WaHardenError
from wa_harden.report.text import printable

__all__ = ["cli", "main"]


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
        # a message may quote what a phone, an adb server or a file chose (a serial, a model name)
        click.echo(f"wa-harden: {printable(str(exc))}", err=True)
        return exc.exit_status
    except Exception as exc:  # the one place a bug becomes exit 70
        return internal_error(exc)
    return int(result) if isinstance(result, int) else ExitStatus.COMPLIANT


