"""Engine logic on fakes that implement the device interfaces (no adb server involved)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from fakes import FakeConnector, virtual_phone
from wa_harden import engine
from wa_harden.capture import Capture, dumps
from wa_harden.device.base import ServerAddress
from wa_harden.errors import DeviceSelectionError, ExitStatus, NoDeviceError
from wa_harden.model import DeviceStatus, Severity
from wa_harden.profile import load_profile
from wa_harden.report import RunInfo
from wa_harden.report.json_report import report_dict

ADDRESS = ServerAddress("127.0.0.1", 5999)
PROFILE = load_profile("whatsapp-business-gdpr")


def connector(*personas, states=None, **faults):
    phones = [virtual_phone(p, f"VIRT{i:04d}", **faults) for i, p in enumerate(personas)]
    return FakeConnector(phones, states)


def test_several_phones_and_none_chosen_is_a_usage_error_listing_them():
    fake = connector("hardened", "hardened")
    with pytest.raises(DeviceSelectionError) as error:
        engine.select_targets(fake, ADDRESS, [], False)
    assert error.value.exit_status is ExitStatus.USAGE
    assert "VIRT0000" in str(error.value) and "VIRT0001" in str(error.value)


@pytest.mark.parametrize("all_devices", [False, True])
def test_no_phone_attached_is_status_3_with_or_without_all(all_devices):
    with pytest.raises(NoDeviceError) as error:
        engine.select_targets(FakeConnector([]), ADDRESS, [], all_devices)
    assert error.value.exit_status is ExitStatus.DEVICE_UNAVAILABLE


def test_serial_and_all_together_are_refused():
    with pytest.raises(DeviceSelectionError, match="not both"):
        engine.select_targets(connector("hardened"), ADDRESS, ["VIRT0000"], True)


def test_targets_carry_their_adb_server():
    [target] = engine.select_targets(connector("hardened"), ADDRESS, [], False)
    assert (target.address, target.serial, target.attached.state) == (ADDRESS, "VIRT0000", "device")


def test_each_phone_gets_its_own_report_and_unreadable_ones_say_why():
    fake = connector("hardened", "fresh-noncompliant", "hardened", states={"VIRT0002": "unauthorized"})
    targets = engine.select_targets(fake, ADDRESS, ["VIRT0000", "VIRT0001", "VIRT0002", "ABSENT"], False)
    audited = engine.audit_targets(fake, targets, PROFILE, (), timeout=30)
    statuses = [a.report.status for a in audited]
    assert statuses == [DeviceStatus.AUDITED, DeviceStatus.AUDITED, DeviceStatus.UNAUTHORIZED,
                        DeviceStatus.NOT_FOUND]
    assert fake.connected == ["VIRT0000", "VIRT0001"] or sorted(fake.connected) == ["VIRT0000", "VIRT0001"]
    assert "accept the USB debugging prompt" in audited[2].report.message


def test_a_bug_while_auditing_one_phone_leaves_the_others_intact():
    fake = connector("hardened", "hardened")
    real_connect = fake.connect

    def connect(address, serial):
        if serial == "VIRT0001":
            raise RuntimeError("a bug")
        return real_connect(address, serial)

    fake.connect = connect
    targets = engine.select_targets(fake, ADDRESS, [], True)
    first, second = engine.audit_targets(fake, targets, PROFILE, (), timeout=30)
    assert first.crash is None and first.report.status is DeviceStatus.AUDITED
    assert second.crash is not None and second.report.status is DeviceStatus.FAILED
    assert "internal error" in second.report.message


def test_progress_is_reported_per_phone_as_it_finishes():
    fake = connector("hardened", "legacy-oreo")
    seen = []
    targets = engine.select_targets(fake, ADDRESS, [], True)
    engine.audit_targets(fake, targets, PROFILE, (), 30, progress=lambda a, s: seen.append(a.target.serial))
    assert sorted(seen) == ["VIRT0000", "VIRT0001"]


def test_a_capture_without_output_means_the_phone_was_not_audited():
    stamp = datetime(2026, 11, 30, tzinfo=UTC)
    timed_out = Capture("S1", stamp, incomplete="timeout", incomplete_detail="no answer", timeout=7.0)
    report = engine.audit_capture(timed_out, PROFILE)
    assert report.status is DeviceStatus.TIMEOUT and report.results == ()
    assert "did not answer within 7 s" in report.message
    assert engine.audit_capture(Capture("S1", stamp), PROFILE).status is DeviceStatus.FAILED


GAPS = {
    "timeout": {"hang_on": "dumpsys account"},
    "drop-mid-output": {"drop_mid_output_at": 8},
    "drop-after-commands": {"drop_after_commands": 5},
    "refused-user": {},  # consumer-whatsapp: Secure Folder refuses the shell
    "oem-refusal": {},  # xiaomi-locked
}
PERSONAS = {"refused-user": "consumer-whatsapp", "oem-refusal": "xiaomi-locked"}


@pytest.mark.parametrize("gap", GAPS)
def test_replaying_the_capture_gives_the_live_report(gap, tmp_path):
    from wa_harden.capture import read_capture

    fake = connector(PERSONAS.get(gap, "fresh-noncompliant"), **GAPS[gap])
    targets = engine.select_targets(fake, ADDRESS, [], True)
    [live] = engine.audit_targets(fake, targets, PROFILE, (), timeout=5)
    assert live.capture is not None
    expected_status = DeviceStatus.PARTIAL if gap in ("timeout", "drop-mid-output", "drop-after-commands") \
        else DeviceStatus.AUDITED
    assert live.report.status is expected_status
    path = tmp_path / "capture.json"
    path.write_text(dumps(live.capture))
    replayed = engine.audit_capture(read_capture(path), PROFILE)
    run = RunInfo(PROFILE.name, Severity.INFO, datetime(2026, 11, 30), "test")
    assert json.dumps(report_dict([replayed], run)) == json.dumps(report_dict([live.report], run))
