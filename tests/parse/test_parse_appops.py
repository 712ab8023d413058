"""appops get (all ops, one op) and dumpsys appops."""

from __future__ import annotations

from wa_harden.facts import AppOp, Gap, Unknown
from wa_harden.parse.appops import parse_appops_get, parse_dumpsys_appops


def test_get_all_ops() -> None:
    text = (
        "Uid mode: COARSE_LOCATION: foreground\n"
        "READ_CONTACTS: ignore; rejectTime=+1d11h18m7s331ms ago\n"
        "CAMERA: allow; time=+38d23h30m11s6ms ago; duration=+420ms\n"
        "WRITE_EXTERNAL_STORAGE: allow; time=+2h7m13s715ms ago\n"
        "MIUIOP(10008): deny\n"
        "GET_ACCOUNTS: mode=5\n"
    )
    assert parse_appops_get(text) == (
        AppOp("COARSE_LOCATION", "foreground", uid_level=True),
        AppOp("READ_CONTACTS", "ignore"),
        AppOp("CAMERA", "allow"),
        AppOp("WRITE_EXTERNAL_STORAGE", "allow"),
        AppOp("MIUIOP(10008)", "deny"),
        AppOp("GET_ACCOUNTS", "mode=5"),
    )


def test_get_one_op_and_no_operations() -> None:
    assert parse_appops_get("READ_CONTACTS: default\r\n") == (AppOp("READ_CONTACTS", "default"),)
    assert parse_appops_get("No operations.\nDefault mode: default\n") == ()


def test_get_errors() -> None:
    assert parse_appops_get("Error: No UID for com.whatsapp in user 0\n") == Unknown(
        Gap.COMMAND_FAILED, "Error: No UID for com.whatsapp in user 0"
    )
    # An op this Android version does not know (READ_MEDIA_IMAGES before 13).
    assert parse_appops_get("Error: Unknown operation string: READ_MEDIA_IMAGES\n") == Unknown(
        Gap.NOT_SUPPORTED, "Error: Unknown operation string: READ_MEDIA_IMAGES"
    )
    assert parse_appops_get("").reason == Gap.UNPARSEABLE
    assert parse_appops_get("Default mode: allow\n").reason == Gap.UNPARSEABLE


DUMP = """\
Current AppOps Service state:
  Settings:
    top_state_settle_time=+5s0ms

  Op mode watchers:
    Op READ_CONTACTS:
      #0: ModeCallback{2524d18 watchinguid=-1 flags=0x0 op=READ_CONTACTS from uid=1000 pid=1932}

  Uid u0a321:
    state=cch
    foregroundOps:
      CAMERA: WATCHER
    hasForegroundWatchers=true
      CAMERA: mode=foreground
      READ_CONTACTS: mode=ignore
    Package com.whatsapp:
      READ_CONTACTS (allow):
        null=[
          Access: [top-s] 2026-04-26 17:48:37.879 (-8d0h41m23s858ms)
        ]
      WRITE_CONTACTS (deny):
      MIUIOP(10008) (allow):
  Uid 1000:
    state=pers
      TURN_SCREEN_ON: mode=allow
    Package android:
      FINE_LOCATION (allow):

  AppOps policy location tags:
    #0: 1000=android[LocationService]
"""


def test_dumpsys_appops() -> None:
    assert parse_dumpsys_appops(DUMP) == {
        "u0a321": {"CAMERA": "foreground", "READ_CONTACTS": "ignore"},
        "com.whatsapp": {
            "READ_CONTACTS": "allow",
            "WRITE_CONTACTS": "deny",
            "MIUIOP(10008)": "allow",
        },
        "1000": {"TURN_SCREEN_ON": "allow"},
        "android": {"FINE_LOCATION": "allow"},
    }


def test_dumpsys_appops_odd_outputs() -> None:
    assert parse_dumpsys_appops("Current AppOps Service state:\n  Settings:\n") == {}
    assert parse_dumpsys_appops("").reason == Gap.UNPARSEABLE
    assert parse_dumpsys_appops(DUMP[: DUMP.index("WRITE_CONTACTS")]) == {
        "u0a321": {"CAMERA": "foreground", "READ_CONTACTS": "ignore"},
        "com.whatsapp": {"READ_CONTACTS": "allow"},
    }
