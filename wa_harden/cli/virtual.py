"""Virtual phones for training, trying profiles, and the demo."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from wa_harden.cli.app import (
    FORMATS,
    PORT,
    cli,
    run_info,
    server_address,
    summary,
    use_color,
)
from wa_harden.errors import ExitStatus
from wa_harden.policy import Judgement
from wa_harden.report import Format
from wa_harden.report.text import printable


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
    port = server_address(adb_host, adb_port).port
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
                click.echo(printable(f"{running.serial}\t{running.phone.persona.name}"))  # a persona file's words
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
    """Audit a virtual phone through a private adb server, fix it, show before and after, undo the
    fix, then clean up.

    Exits 0 when the demonstration itself ran, whatever the demo phone's findings.
    """
    from wa_harden import engine
    from wa_harden.device.base import ServerAddress, adb_connector
    from wa_harden.fix.apply import apply_fix, plan_targets, undo_run
    from wa_harden.journal import Journal
    from wa_harden.policy import exit_status
    from wa_harden.profile import load_profile
    from wa_harden.report import render
    from wa_harden.report.fix_report import PhoneFixView, render_fix_table
    from wa_harden.virtual.launcher import PrivateAdbServer, VirtualPhones

    profile = load_profile("whatsapp-business-gdpr")
    phones = _load_personas([persona])
    judgement = Judgement()
    run = run_info(profile.name, judgement)
    with tempfile.TemporaryDirectory(prefix="wa-harden-demo-") as home:
        click.echo("starting a private adb server and a virtual phone ...", err=True)
        with PrivateAdbServer(home=Path(home) / "home") as server, \
                VirtualPhones(phones, adb_port=server.port, latency_scale=latency_scale,
                              start_server=False) as fleet:
            address = ServerAddress("127.0.0.1", server.port)
            connector = adb_connector()
            targets = engine.select_targets(connector, address, fleet.serials, False)
            click.echo(f"1. auditing {targets[0].serial} ({persona}) through adb on port {server.port} ...",
                       err=True)
            plans = plan_targets(connector, targets, profile, (), 60.0, 4)
            reports = [plan.audited.report for plan in plans]
            click.echo(render(Format(fmt), reports, run, color=use_color(None, False)), nl=False)
            summary(reports, judgement, exit_status(reports, judgement), exit_label="`wa-harden check` would exit")
            journal = Journal(Path(home) / "journal")
            run_id = journal.new_run_id()
            actions = sum(len(plan.actions) for plan in plans)
            click.echo(f"\n2. fixing: `wa-harden fix --yes` applies {actions} action(s), journalled as run {run_id}, "
                       "then reads the phone again ...", err=True)
            journal.append("run", run_id, operation="fix", profile=profile.name, serials=fleet.serials)
            fixed = apply_fix(connector, plans, profile, (), journal, run_id, 60.0, 4)
            views = [PhoneFixView(r.before, r.results, r.after, r.message, r.handled) for r in fixed]
            click.echo("\n" + render_fix_table(views, run, run_id, "fix", False), nl=False)
            click.echo(f"\n3. undoing: `wa-harden undo {run_id} --yes` puts back what the snapshot recorded ...",
                       err=True)
            undone = undo_run(connector, targets, journal, run_id, journal.new_run_id(), profile, 60.0, 4)
            for result in undone:
                counts = {s.value: sum(1 for r in result.results if r.status is s) for s in {r.status for r in result.results}}
                click.echo(f"undo of run {run_id}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
                           + (f" — {result.message}" if result.message else ""))
            verified = journal.verify()
            click.echo(f"journal: {'intact' if verified.intact else 'BROKEN'}, {verified.records} records", err=True)
    return ExitStatus.COMPLIANT
