"""Measure what N virtual phones cost in one process, attached to a private adb server.

    python scripts/virtual_memory.py --count 200

Prints the process's resident memory before and after, per phone, and checks that the adb server
lists every phone as `device` and that each one answers a shell command through it.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

from wa_harden.device.adb import DeviceSession
from wa_harden.device.base import ServerAddress
from wa_harden.virtual.launcher import PrivateAdbServer, VirtualPhones


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--persona", default="fresh-noncompliant")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, PrivateAdbServer(home=home) as server:
        gc.collect()
        before = rss_kib()
        started = time.monotonic()
        with VirtualPhones(args.persona, count=args.count, adb_port=server.port, latency_scale=0,
                           start_server=False, connect_timeout=120) as fleet:
            attached = time.monotonic() - started
            gc.collect()
            after = rss_kib()
            states = fleet.states()
            ready = sum(1 for s in fleet.serials if states.get(s) == "device")
            address = ServerAddress("127.0.0.1", server.port)
            answered = sum(1 for s in fleet.serials
                           if DeviceSession(address, s).shell("getprop ro.product.model", 30).exit_code == 0)
    print(f"phones: {args.count} ({args.persona}), listed as device: {ready}, answered a shell command: {answered}")
    print(f"attach time: {attached:.1f} s")
    print(f"RSS before: {before / 1024:.1f} MiB, with phones: {after / 1024:.1f} MiB, "
          f"per phone: {(after - before) / args.count:.0f} KiB")


if __name__ == "__main__":
    main()
