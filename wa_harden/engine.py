"""Audit: choose phones, collect, evaluate.  Device trouble becomes a DeviceReport, not an error.

The engine never builds a device connection itself: it is given a
:class:`~wa_harden.device.base.Connector` (adbutils for real phones, fakes in tests), and it runs
phones through :mod:`wa_harden.fleet`, which owns concurrency and deadlines.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wa_harden import collect, fleet
from wa_harden.assemble import facts_from_capture
from wa_harden.capture import Capture
from wa_harden.device.base import AttachedDevice, Connector, ServerAddress, is_server_stopped
from wa_harden.errors import AdbServerError, DeviceSelectionError, NoDeviceError
from wa_harden.evaluate import evaluate_device
from wa_harden.facts import BuildInfo, Gap, is_known
from wa_harden.model import Attestation, DeviceIdentity, DeviceReport, DeviceRow, DeviceStatus
from wa_harden.parse.getprop import parse_getprop_value
from wa_harden.profile import Profile

REMEDIES = {
    "unauthorized": "unlock the phone and accept the USB debugging prompt "
                    "(tick 'Always allow from this computer'), then run again",
    "offline": "reconnect the cable (or run `adb connect HOST:PORT` again for Wi-Fi debugging) and run again",
    "not-found": "the serial is not attached to this adb server; `wa-harden devices` lists what is",
}


@dataclass(frozen=True)
class Target:
    """A phone to audit: attached (in some state) or asked for but absent, on one adb server."""

    address: ServerAddress
    serial: str
    attached: AttachedDevice | None
    several_servers: bool = False  # the run covers several adb servers: name phones with theirs
    server_error: str = ""  # the adb server could not be reached: the reason

    @property
    def model(self) -> str | None:
        return self.attached.model if self.attached else None

    @property
    def label(self) -> str:
        """How reports and progress lines name the phone: with its server where serials could collide."""
        return f"{self.serial} @ {self.address}" if self.several_servers else self.serial


def _split_named(serial: str) -> tuple[ServerAddress | None, str]:
    """``HOST:PORT/SERIAL`` names a phone on one server; a plain serial may be on any."""
    server, sep, rest = serial.rpartition("/")
    if not sep or not server:
        return None, serial
    return ServerAddress.parse(server), rest


def select_targets(connector: Connector, addresses: ServerAddress | Sequence[ServerAddress],
                   serials: Sequence[str], all_devices: bool, exact: bool = False) -> list[Target]:
    """The phones to audit, over one or several adb servers; never picks one silently.

    ``exact``: the serials are the phones' own (from the journal, for `undo`), never read as
    ``HOST:PORT/SERIAL`` (a phone may report a serial with a ``/``).

    A server that cannot be reached in a run over several servers becomes a target of its own
    (reported as such) instead of ending the run: the other stations' phones are still audited.
    """
    if serials and all_devices:
        raise DeviceSelectionError("choose phones with -s/--serial or --all, not both")
    servers = [addresses] if isinstance(addresses, ServerAddress) else list(dict.fromkeys(addresses))
    several = len(servers) > 1
    listings: dict[ServerAddress, dict[str, AttachedDevice]] = {}
    down: list[Target] = []
    for address in servers:
        try:
            listings[address] = {d.serial: d for d in connector.list_devices(address)}
        except AdbServerError as exc:
            if not several:
                raise
            down.append(Target(address, f"adb server {address}", None, True, str(exc)))
    everywhere = (f"the adb server at {servers[0]}" if not several
                  else "the adb servers at " + ", ".join(str(a) for a in servers))

    def find(serial: str) -> Target:
        server, plain = (None, serial) if exact else _split_named(serial)
        if server is not None:
            attached = listings.get(server, {}).get(plain)
            return Target(server, plain, attached, several)
        holders = [address for address in servers if plain in listings.get(address, {})]
        if len(holders) > 1:
            raise DeviceSelectionError(
                f"{plain} is attached to several adb servers ({', '.join(str(a) for a in holders)}); "
                f"name it as SERVER/SERIAL, e.g. {holders[0]}/{plain}")
        address = holders[0] if holders else servers[0]
        return Target(address, plain, listings.get(address, {}).get(plain), several)

    if serials:
        return [find(s) for s in dict.fromkeys(serials)] + down
    attached = [Target(address, serial, device, several)
                for address in servers for serial, device in sorted(listings.get(address, {}).items())]
    if all_devices:
        if not attached and not down:
            raise NoDeviceError(f"no phone is attached to {everywhere}")
        return attached + down
    env_serial = os.environ.get("ANDROID_SERIAL")
    if env_serial:
        return [find(env_serial)] + down
    if not attached:
        if down:
            return down
        raise NoDeviceError(
            f"no phone is attached to {everywhere}",
            hint="plug the phone in, enable USB debugging, and check `wa-harden devices`")
    if len(attached) > 1:
        listing = "\n".join(f"  {t.label}\t{t.attached.state if t.attached else ''}\t{t.model or ''}"
                            for t in attached)
        raise DeviceSelectionError(
            f"{len(attached)} phones are attached; choose with -s SERIAL (repeatable) or --all:\n{listing}")
    return attached + down


def not_audited(serial: str, model: str | None, status: DeviceStatus, message: str,
                server: str | None = None) -> DeviceReport:
    return DeviceReport(DeviceIdentity(serial, model=model, server=server), status, message=message)


def unavailable(target: Target) -> DeviceReport | None:
    """The report of a phone that cannot be read at all (absent, unauthorized, offline), else None."""
    server = str(target.address) if target.several_servers else None
    if target.server_error:
        return not_audited(target.serial, None, DeviceStatus.SERVER_UNREACHABLE,
                           f"{target.server_error}; its phones were not audited: check that the station and its "
                           "adb server run (and the SSH tunnel, if you reach it through one), then run again", server)
    if target.attached is None:
        return not_audited(target.serial, None, DeviceStatus.NOT_FOUND, f"not attached: {REMEDIES['not-found']}",
                           server)
    state = target.attached.state
    if state == "unauthorized":
        return not_audited(target.serial, target.model, DeviceStatus.UNAUTHORIZED,
                           f"unauthorized: {REMEDIES['unauthorized']}", server)
    if state != "device":
        return not_audited(target.serial, target.model, DeviceStatus.OFFLINE, f"{state}: {REMEDIES['offline']}",
                           server)
    return None


def capture_target(connector: Connector, target: Target, timeout: float) -> Capture | DeviceReport:
    """Collect one phone's capture, or say why it cannot be read at all."""
    report = unavailable(target)
    if report is not None:
        return report
    assert target.attached is not None
    device = {"model": target.attached.model, "product": target.attached.product,
              "device": target.attached.device}
    if target.several_servers:
        device["adb_server"] = str(target.address)
    return collect.collect(connector.connect(target.address, target.serial), target.serial, timeout, device)


def cut_short_message(capture: Capture) -> str:
    """What happened to a capture that was cut short, and what to do; from the capture alone."""
    reason = capture.incomplete
    if reason == Gap.TIMEOUT.value:
        within = f" within {capture.timeout:g} s" if capture.timeout is not None else " in time"
        return (f"the phone did not answer{within}: unlock it, check the cable, "
                "and run again (or raise --timeout)")
    if reason == Gap.CONNECTION_LOST.value and is_server_stopped(capture.incomplete_detail):
        return (f"{capture.incomplete_detail} during the audit (stopped, crashed or its machine restarted): "
                "start it again (`adb start-server`; `adb connect` phones attached over the network again) "
                "and run again")
    if reason == Gap.CONNECTION_LOST.value:
        return "the connection dropped during the audit (cable pulled?): reconnect and run again"
    detail = f": {capture.incomplete_detail}" if capture.incomplete_detail else ""
    return f"the audit's output was incomplete ({reason}{detail}): run again"


def identity_of(capture: Capture, build: object) -> DeviceIdentity:
    if isinstance(build, BuildInfo) and is_known(build):
        return DeviceIdentity(
            serial=capture.serial, manufacturer=build.manufacturer,
            model=build.model or capture.device.get("model"), android_release=build.release,
            sdk=build.sdk, security_patch=build.security_patch.isoformat() if build.security_patch else None,
            server=capture.device.get("adb_server"))
    return DeviceIdentity(serial=capture.serial, model=capture.device.get("model"),
                          server=capture.device.get("adb_server"))


def audit_capture(capture: Capture, profile: Profile, attestations: Sequence[Attestation] = ()) -> DeviceReport:
    """Evaluate a capture, live or replayed: the same capture always gives the same report.

    A capture without a single command output means the phone was not audited at all.
    """
    if not capture.commands:
        status = DeviceStatus.TIMEOUT if capture.incomplete == Gap.TIMEOUT.value else DeviceStatus.FAILED
        message = cut_short_message(capture) if capture.incomplete else "the capture holds no command output"
        return not_audited(capture.serial, capture.device.get("model"), status, message,
                           capture.device.get("adb_server"))
    facts = facts_from_capture(capture)
    results = evaluate_device(facts, profile, attestations)
    status = DeviceStatus.AUDITED if capture.incomplete is None else DeviceStatus.PARTIAL
    message = "" if status is DeviceStatus.AUDITED else "partly audited: " + cut_short_message(capture)
    return DeviceReport(identity_of(capture, facts.build), status, tuple(results), message,
                        facts.observed_at, profile.name)


@dataclass(frozen=True)
class Audited:
    """One phone's audit: its capture (None when the phone could not be read) and its report."""

    target: Target
    capture: Capture | None
    report: DeviceReport
    crash: fleet.Crashed | None = None  # a bug while auditing this phone; reported, then exit 70


ProgressObserver = Callable[[Audited, float], None]


def audit_targets(connector: Connector, targets: Sequence[Target], profile: Profile,
                  attestations: Sequence[Attestation], timeout: float, jobs: int = fleet.DEFAULT_JOBS,
                  progress: ProgressObserver | None = None, keep_captures: bool = True) -> list[Audited]:
    """Audit every target, several at a time; one phone's trouble never touches another's result.

    ``keep_captures=False`` drops each raw capture once its report is made: a fleet's reports are
    small, its captures are not.
    """

    def one(target: Target) -> Audited:
        got = capture_target(connector, target, timeout)
        if isinstance(got, DeviceReport):
            return Audited(target, None, got)
        return Audited(target, got if keep_captures else None, audit_capture(got, profile, attestations))

    def settle(target: Target, outcome: fleet.Outcome[Audited]) -> Audited:
        if isinstance(outcome, fleet.Finished):
            return outcome.value
        if isinstance(outcome, fleet.Crashed):
            message = f"internal error while auditing this phone: {type(outcome.error).__name__}: {outcome.error}"
            return Audited(target, None, not_audited(target.serial, target.model, DeviceStatus.FAILED, message,
                                                     str(target.address) if target.several_servers else None),
                           crash=outcome)
        message = (f"the phone did not answer within {timeout:g} s and was given up: "
                   "unplug and reconnect it, then run again (or raise --timeout)")
        return Audited(target, None, not_audited(target.serial, target.model, DeviceStatus.TIMEOUT, message,
                                                 str(target.address) if target.several_servers else None))

    def observe(index: int, target: Target, outcome: fleet.Outcome[Audited]) -> None:
        if progress is not None:
            progress(settle(target, outcome), outcome.seconds)

    outcomes = fleet.run(targets, one, jobs=jobs, deadline=timeout, observer=observe)
    return [settle(target, outcome) for target, outcome in zip(targets, outcomes, strict=True)]


def describe_devices(connector: Connector, address: ServerAddress, timeout: float,
                     jobs: int = fleet.DEFAULT_JOBS) -> list[DeviceRow]:
    """Every phone attached to ``address`` with its state, model and Android version."""
    asked = ["getprop ro.build.version.release", "getprop ro.build.version.sdk"]

    def one(device: AttachedDevice) -> DeviceRow:
        values: dict[str, str | None] = {}
        if device.state == "device":
            got = collect.run_round(connector.connect(address, device.serial), asked, timeout)
            values = {r.command: parse_getprop_value(r.output) for r in got.records if r.exit_code in (0, None)}
        release, sdk = values.get(asked[0]), values.get(asked[1])
        return DeviceRow(device.serial, device.state, device.model, release,
                         int(sdk) if sdk and sdk.isdigit() and len(sdk) < 4 else None, str(address))

    devices = list(connector.list_devices(address))
    rows = []
    for device, outcome in zip(devices, fleet.run(devices, one, jobs=jobs, deadline=timeout), strict=True):
        if isinstance(outcome, fleet.Finished):
            rows.append(outcome.value)
        elif isinstance(outcome, fleet.Crashed):
            raise outcome.error
        else:
            rows.append(DeviceRow(device.serial, device.state, device.model, None, None, str(address)))
    return rows
