"""dpm list-owners and dumpsys device_policy."""

from __future__ import annotations

from wa_harden.facts import Gap, Owners, Unknown
from wa_harden.parse.owners import (
    parse_dpm_list_owners,
    parse_dumpsys_device_policy,
    short_component,
)


def test_list_owners_none() -> None:
    assert parse_dpm_list_owners("no owners\n") == Owners()
    assert parse_dpm_list_owners("none\n") == Owners()
    assert not parse_dpm_list_owners("no owners\n").managed


def test_list_owners_device_and_profile_owners() -> None:
    text = (
        "2 owners:\n"
        "User  0: admin=com.example.mdm/.AdminReceiver,DeviceOwner,Affiliated\n"
        "User 10: admin=com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver,"
        "ManagedProfileOwner(parentUserId=0)\n"
    )
    assert parse_dpm_list_owners(text) == Owners(
        device_owner="com.example.mdm/.AdminReceiver",
        device_owner_user=0,
        profile_owners={
            10: "com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver"
        },
    )
    assert parse_dpm_list_owners("1 owner:\nUser 11: admin=a.b/.C,ProfileOwner\n") == Owners(
        profile_owners={11: "a.b/.C"}
    )


def test_list_owners_not_supported_before_android_12() -> None:
    java_dpm = (
        "usage: dpm [subcommand] [options]\n"
        "usage: dpm set-active-admin [ --user <USER_ID> | current ] <COMPONENT>\n\n"
        "Error: unknown command 'list-owners'\n"
    )
    assert parse_dpm_list_owners(java_dpm) == Unknown(
        Gap.NOT_SUPPORTED, "Error: unknown command 'list-owners'"
    )
    assert (
        parse_dpm_list_owners("Unknown command: list-owners\nUsage: \n").reason == Gap.NOT_SUPPORTED
    )
    assert parse_dpm_list_owners("usage: dpm [subcommand] [options]\n").reason == Gap.NOT_SUPPORTED
    assert parse_dpm_list_owners("").reason == Gap.UNPARSEABLE


DEVICE_POLICY = """\
Current Device Policy Manager state:
  Immutable state:
    mHasFeature=true
  Device Owner: 
    admin=ComponentInfo{com.example.mdm/com.example.mdm.AdminReceiver}
    name=Example MDM
    package=com.example.mdm
    User ID: 0

  Profile Owner (User 10): 
    admin=ComponentInfo{com.google.android.apps.work.clouddpc/com.google.android.apps.work.clouddpc.receivers.CloudDeviceAdminReceiver}
    name=
    package=com.google.android.apps.work.clouddpc

  Enabled Device Admins (User 0, provisioningState: 3):
    com.example.mdm/.AdminReceiver:
      uid=10123

Device state cache:
  Device provisioned: true
  Device Owner Type: 0
"""  # noqa: W291 - dumpsys prints "Device Owner: " and "Profile Owner (User 10): " with a trailing space


def test_device_policy_blocks() -> None:
    assert parse_dumpsys_device_policy(DEVICE_POLICY) == Owners(
        device_owner="com.example.mdm/.AdminReceiver",
        device_owner_user=0,
        profile_owners={
            10: "com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver"
        },
    )
    assert parse_dumpsys_device_policy(DEVICE_POLICY.replace("\n", "\r\n")).device_owner_user == 0


def test_device_policy_one_line_style() -> None:
    text = (
        "Current Device Policy Manager state:\n"
        "  Device Owner (User 0): ComponentInfo{com.f15.applock/com.f15.applock.device.AdminReceiver}\n"
    )
    assert parse_dumpsys_device_policy(text) == Owners("com.f15.applock/.device.AdminReceiver", 0)


def test_device_policy_unmanaged_admin_only() -> None:
    text = (
        "Current Device Policy Manager state:\n"
        "  Enabled Device Admins (User 0, provisioningState: 0):\n"
        "    com.samsung.android.kgclient/.agent.KGDeviceAdminReceiver:\n"
        "      uid=10086\n"
        "Device state cache:\n"
        "  Device Owner Type: -1\n"
        "  Has PO:\n"
    )
    assert parse_dumpsys_device_policy(text) == Owners()


def test_device_policy_odd_outputs() -> None:
    assert parse_dumpsys_device_policy("").reason == Gap.UNPARSEABLE
    assert parse_dumpsys_device_policy("random text\n").reason == Gap.UNPARSEABLE
    assert (
        parse_dumpsys_device_policy("Can't find service: device_policy\n").reason
        == Gap.NOT_SUPPORTED
    )
    # An owner header cut off before its admin line names no owner.
    assert (
        parse_dumpsys_device_policy("Current Device Policy Manager state:\n  Device Owner: \n")
        == Owners()
    )


def test_short_component() -> None:
    assert short_component("ComponentInfo{com.a/com.a.b.C}") == "com.a/.b.C"
    assert short_component("com.a/org.other.C") == "com.a/org.other.C"
    assert short_component("com.a/.C") == "com.a/.C"
