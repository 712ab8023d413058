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
from wa_harden.device.base import AttachedDevice, Connector, ServerAddress
from wa_harden.errors import DeviceSelectionError, NoDeviceError
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

    @property
    def model(self) -> str | None:
        return self.attached.model if self.attached else None


def select_targets(connector: Connector, address: ServerAddress, serials: Sequence[str],
                   all_devices: bool) -> list[Target]:
    """The phones to audit; never picks one silently when several are attached."""
    if serials and all_devices:
        raise DeviceSelectionError("choose phones with -s/--serial or --all, not both")
    attached = {d.serial: d for d in connector.list_devices(address)}
    if serials:
        return [Target(address, s, attached.get(s)) for s in dict.fromkeys(serials)]
    if all_devices:
        if not attached:
            raise NoDeviceError(f"no phone is attached to the adb server at {address}")
        return [Target(address, s, d) for s, d in sorted(attached.items())]
    env_serial = os.environ.get("ANDROID_SERIAL")
    if env_serial:
        return [Target(address, env_serial, attached.get(env_serial))]
    if not attached:
        raise NoDeviceError(
            f"no phone is attached to the adb server at {address}",
            hint="plug the phone in, enable USB debugging, and check `wa-harden devices`")
    if len(attached) > 1:
        listing = "\n".join(f"  {d.serial}\t{d.state}\t{d.model or ''}" for d in attached.values())
        raise DeviceSelectionError(
            f"{len(attached)} phones are attached; choose with -s SERIAL (repeatable) or --all:\n{listing}")
    only = next(iter(attached.values()))
    return [Target(address, only.serial, only)]


def not_audited(serial: str, model: str | None, status: DeviceStatus, message: str) -> DeviceReport:
    return DeviceReport(DeviceIdentity(serial, model=model), status, message=message)


def unavailable(target: Target) -> DeviceReport | None:
    """The report of a phone that cannot be read at all (absent, unauthorized, offline), else None."""
    if target.attached is None:
        return not_audited(target.serial, None, DeviceStatus.NOT_FOUND, f"not attached: {REMEDIES['not-found']}")
    state = target.attached.state
    if state == "unauthorized":
        return not_audited(target.serial, target.model, DeviceStatus.UNAUTHORIZED,
                           f"unauthorized: {REMEDIES['unauthorized']}")
    if state != "device":
        return not_audited(target.serial, target.model, DeviceStatus.OFFLINE, f"{state}: {REMEDIES['offline']}")
    return None


def capture_target(connector: Connector, target: Target, timeout: float) -> Capture | DeviceReport:
    """Collect one phone's capture, or say why it cannot be read at all."""
    report = unavailable(target)
    if report is not None:
        return report
    assert target.attached is not None
    device = {"model": target.attached.model, "product": target.attached.product,
              "device": target.attached.device, "adb_server": str(target.address)}
    return collect.collect(connector.connect(target.address, target.serial), target.serial, timeout, device)


def cut_short_message(capture: Capture) -> str:
    """What happened to a capture that was cut short, and what to do; from the capture alone."""
    reason = capture.incomplete
    if reason == Gap.TIMEOUT.value:
        within = f" within {capture.timeout:g} s" if capture.timeout is not None else " in time"
        return (f"the phone did not answer{within}: unlock it, check the cable, "
                "and run again (or raise --timeout)")
    if reason == Gap.CONNECTION_LOST.value:
        return "the connection dropped during the audit (cable pulled?): reconnect and run again"
    detail = f": {capture.incomplete_detail}" if capture.incomplete_detail else ""
    return f"the audit's output was incomplete ({reason}{detail}): run again"


def identity_of(capture: Capture, build: object) -> DeviceIdentity:
    if isinstance(build, BuildInfo) and is_known(build):
        return DeviceIdentity(
            serial=capture.serial, manufacturer=build.manufacturer,
            model=build.model or capture.device.get("model"), android_release=build.release,
            sdk=build.sdk, security_patch=build.security_patch.isoformat() if build.security_patch else None)
    return DeviceIdentity(serial=capture.serial, model=capture.device.get("model"))


def audit_capture(capture: Capture, profile: Profile, attestations: Sequence[Attestation] = ()) -> DeviceReport:
    """Evaluate a capture, live or replayed: the same capture always gives the same report.

    A capture without a single command output means the phone was not audited at all.
    """
    if not capture.commands:
        status = DeviceStatus.TIMEOUT if capture.incomplete == Gap.TIMEOUT.value else DeviceStatus.FAILED
        message = cut_short_message(capture) if capture.incomplete else "the capture holds no command output"
        return not_audited(capture.serial, capture.device.get("model"), status, message)
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
                  progress: ProgressObserver | None = None) -> list[Audited]:
    """Audit every target, several at a time; one phone's trouble never touches another's result."""

    def one(target: Target) -> Audited:
        got = capture_target(connector, target, timeout)
        if isinstance(got, DeviceReport):
            return Audited(target, None, got)
        return Audited(target, got, audit_capture(got, profile, attestations))

    def settle(target: Target, outcome: fleet.Outcome[Audited]) -> Audited:
        if isinstance(outcome, fleet.Finished):
            return outcome.value
        if isinstance(outcome, fleet.Crashed):
            message = f"internal error while auditing this phone: {type(outcome.error).__name__}: {outcome.error}"
            return Audited(target, None, not_audited(target.serial, target.model, DeviceStatus.FAILED, message),
                           crash=outcome)
        message = (f"the phone did not answer within {timeout:g} s and was given up: "
                   "unplug and reconnect it, then run again (or raise --timeout)")
        return Audited(target, None, not_audited(target.serial, target.model, DeviceStatus.TIMEOUT, message))

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
