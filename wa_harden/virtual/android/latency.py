"""How long one simple command takes on a real phone, so virtual fleets feel like real ones.

The figures are typical wall-clock times of a warm phone over USB, measured from the command's
start to its last output byte (the adb round trip itself is the transport's business):

* Tools started with ``app_process`` (``bmgr``, ``content``, and Android 8's Java ``pm``) boot a
  small Java VM for every call: ~0.35-0.5 s, whatever they do.
* ``cmd``-based tools (``pm`` from Android 9, ``settings``, ``appops``, ``locksettings``, ``dpm``
  from 12) are a native binary that makes one binder call into system_server: ~0.08-0.2 s.
* ``dumpsys SERVICE`` is a binder call too, but the service formats a long report:
  ``dumpsys package PKG`` ~0.2 s, a short service such as ``account`` ~0.08 s.
* ``getprop`` reads the property area in shared memory: ~0.01 s.
* toybox applets (``ls``, ``find``, ``echo``, ``test``, ``touch`` ...) are plain syscalls on the
  FUSE-backed /storage: ~0.002-0.01 s.
"""

from __future__ import annotations

from collections.abc import Sequence

from wa_harden.virtual.android.output import pm_is_java

APP_PROCESS = 0.42  # JVM start of app_process + the tool's own work
CMD_BINDER = 0.12  # native cmd + one binder transaction
TOYBOX = 0.004
UNKNOWN = 0.005

LATENCY_SECONDS: dict[str, float] = {
    "bmgr": APP_PROCESS,
    "content": 0.38,
    "am": APP_PROCESS,
    "pm": CMD_BINDER,
    "cmd": CMD_BINDER,
    "settings": 0.09,
    "appops": 0.1,
    "locksettings": 0.15,
    "dpm": CMD_BINDER,
    "getprop": 0.01,
    "dumpsys": 0.08,
    "ls": TOYBOX,
    "find": 0.01,
    "echo": 0.002,
    "test": 0.002,
    "[": 0.002,
    "touch": TOYBOX,
    "cat": TOYBOX,
    "mkdir": TOYBOX,
    "rm": TOYBOX,
    "stat": TOYBOX,
    "wc": 0.003,
    "grep": 0.004,
    "head": 0.003,
    "id": 0.003,
}

# Per-subcommand refinements: the heavy dumps.
DUMPSYS_SECONDS: dict[str, float] = {
    "package": 0.2,
    "account": 0.08,
    "lock_settings": 0.06,
    "device_policy": 0.1,
    "backup": 0.09,
    "user": 0.05,
}


def command_latency(argv: Sequence[str], sdk: int) -> float:
    """Realistic seconds for one simple command (before ``latency_scale``)."""
    if not argv:
        return 0.0
    name = argv[0].rsplit("/", 1)[-1]
    if name == "dumpsys" and len(argv) > 1:
        return DUMPSYS_SECONDS.get(argv[1], LATENCY_SECONDS["dumpsys"])
    if name == "pm" and pm_is_java(sdk):
        return APP_PROCESS  # Android 8: /system/bin/pm starts the Java Pm tool
    if name == "pm" and len(argv) > 1 and argv[1] == "dump":
        return DUMPSYS_SECONDS["package"] + 0.3  # dumps several services
    return LATENCY_SECONDS.get(name, UNKNOWN)
