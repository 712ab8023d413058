"""Audit: choose devices, collect, evaluate.  Device trouble becomes a DeviceReport, not an error."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence

from wa_harden import collect
from wa_harden.assemble import facts_from_capture
from wa_harden.capture import Capture
from wa_harden.device.adb import AttachedDevice, DeviceSession, ServerAddress, list_devices
from wa_harden.errors import DeviceSelectionError, ExitStatus, NoDeviceError
from wa_harden.evaluate import evaluate_device
from wa_harden.facts import BuildInfo, Gap, is_known
from wa_harden.model import Attestation, DeviceIdentity, DeviceReport, DeviceStatus
from wa_harden.profile import Profile

REMEDIES = {
    "unauthorized": "unlock the phone and accept the USB debugging prompt "
                    "(tick 'Always allow from this computer'), then run again",
    "offline": "reconnect the cable (or run `adb connect HOST:PORT` again for Wi-Fi debugging) and run again",
    "not-found": "the serial is not attached to this adb server; `wa-harden devices` lists what is",
}


@dataclass(frozen=True)
class Target:
    """A device to audit: attached (in some state) or asked for but absent."""

    serial: str
    attached: AttachedDevice | None


def select_targets(address: ServerAddress, serials: Sequence[str], all_devices: bool) -> list[Target]:
    """The devices to audit; never picks one silently when several are attached."""
    attached = {d.serial: d for d in list_devices(address)}
    if serials:
        return [Target(s, attached.get(s)) for s in dict.fromkeys(serials)]
    if all_devices:
        if not attached:
            raise DeviceSelectionError(f"no phone is attached to the adb server at {address}")
        return [Target(s, d) for s, d in sorted(attached.items())]
    env_serial = os.environ.get("ANDROID_SERIAL")
    if env_serial:
        return [Target(env_serial, attached.get(env_serial))]
    if not attached:
        raise NoDeviceError(
            f"no phone is attached to the adb server at {address}",
            hint="plug the phone in, enable USB debugging, and check `wa-harden devices`")
    if len(attached) > 1:
        listing = "\n".join(f"  {d.serial}\t{d.state}\t{d.model or ''}" for d in attached.values())
        raise DeviceSelectionError(
            f"{len(attached)} phones are attached; choose with -s SERIAL (repeatable) or --all:\n{listing}")
    only = next(iter(attached.values()))
    return [Target(only.serial, only)]


def not_audited(target: Target, status: DeviceStatus, message: str) -> DeviceReport:
    model = target.attached.model if target.attached else None
    return DeviceReport(DeviceIdentity(target.serial, model=model), status, message=message)


def capture_target(address: ServerAddress, target: Target, timeout: float) -> Capture | DeviceReport:
    """Collect one device's capture, or say why it cannot be audited."""
    if target.attached is None:
        return not_audited(target, DeviceStatus.NOT_FOUND, f"not attached: {REMEDIES['not-found']}")
    state = target.attached.state
    if state == "unauthorized":
        return not_audited(target, DeviceStatus.UNAUTHORIZED, f"unauthorized: {REMEDIES['unauthorized']}")
    if state != "device":
        return not_audited(target, DeviceStatus.OFFLINE, f"{state}: {REMEDIES['offline']}")
    device = {"model": target.attached.model, "product": target.attached.product,
              "device": target.attached.device}
    capture = collect.collect(DeviceSession(address, target.serial), target.serial, timeout, device)
    if not capture.commands:
        status = DeviceStatus.TIMEOUT if capture.incomplete == Gap.TIMEOUT.value else DeviceStatus.FAILED
        return not_audited(target, status, _cut_short_message(capture.incomplete, timeout))
    return capture


def _cut_short_message(reason: str | None, timeout: float | None) -> str:
    if reason == Gap.TIMEOUT.value:
        return (f"the phone did not answer within {timeout:g} s: unlock it, check the cable, "
                "and run again (or raise --timeout)")
    if reason == Gap.CONNECTION_LOST.value:
        return "the connection dropped during the audit (cable pulled?): reconnect and run again"
    return f"the audit's output was incomplete ({reason}): run again"


def identity_of(capture: Capture, build: object) -> DeviceIdentity:
    if isinstance(build, BuildInfo) and is_known(build):
        return DeviceIdentity(
            serial=capture.serial, manufacturer=build.manufacturer,
            model=build.model or capture.device.get("model"), android_release=build.release,
            sdk=build.sdk, security_patch=build.security_patch.isoformat() if build.security_patch else None)
    return DeviceIdentity(serial=capture.serial, model=capture.device.get("model"))


def audit_capture(capture: Capture, profile: Profile, attestations: Sequence[Attestation] = (),
                  timeout: float | None = None) -> DeviceReport:
    """Evaluate a capture (live or replayed): the same capture always gives the same report."""
    facts = facts_from_capture(capture)
    results = evaluate_device(facts, profile, attestations)
    status = DeviceStatus.AUDITED if capture.incomplete is None else DeviceStatus.PARTIAL
    message = "" if status is DeviceStatus.AUDITED else \
        "partly audited: " + _cut_short_message(capture.incomplete, timeout)
    return DeviceReport(identity_of(capture, facts.build), status, tuple(results), message,
                        facts.observed_at, profile.name)


def audit_targets(address: ServerAddress, targets: Sequence[Target], profile: Profile,
                  attestations: Sequence[Attestation], timeout: float,
                  workers: int = 8) -> list[tuple[Capture | None, DeviceReport]]:
    """Audit every target, several at a time; one device's trouble never touches another's result."""
    def one(target: Target) -> tuple[Capture | None, DeviceReport]:
        got = capture_target(address, target, timeout)
        if isinstance(got, DeviceReport):
            return None, got
        return got, audit_capture(got, profile, attestations, timeout)

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets)))) as pool:
        return list(pool.map(one, targets))


def exit_status(reports: Sequence[DeviceReport], fail_on) -> ExitStatus:
    """3 if any device could not be (fully) audited, else 1 for findings, else 0."""
    from wa_harden.report import counts_against

    if any(r.status is not DeviceStatus.AUDITED for r in reports):
        return ExitStatus.DEVICE_UNAVAILABLE
    if any(counts_against(res, fail_on) for r in reports for res in r.results):
        return ExitStatus.FINDINGS
    return ExitStatus.COMPLIANT
