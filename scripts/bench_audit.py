"""Time a full audit against virtual phones with realistic command latency, side by side with a
naive collector that opens one `adb shell` per command (what a quick script would do).

    python scripts/bench_audit.py --phones 1 --repeat 3
    python scripts/bench_audit.py --phones 20 --repeat 1

Both collectors send the same commands to the same kind of phone through the same private adb
server in one run, so the ratio is measured under the same machine load.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from wa_harden import collect, engine
from wa_harden.device.adb import AdbConnector, DeviceSession
from wa_harden.device.base import ServerAddress
from wa_harden.profile import load_profile
from wa_harden.virtual.launcher import PrivateAdbServer, VirtualPhones


def batched(address: ServerAddress, serials: list[str]) -> float:
    profile = load_profile("whatsapp-business-gdpr")
    started = time.perf_counter()
    connector = AdbConnector()
    targets = engine.select_targets(connector, address, serials, False)
    reports = engine.audit_targets(connector, targets, profile, (), timeout=120)
    assert all(a.report.status.value == "audited" for a in reports)
    return time.perf_counter() - started


def naive(address: ServerAddress, serials: list[str]) -> float:
    """One shell session per command, phones one after the other."""
    started = time.perf_counter()
    for serial in serials:
        session = DeviceSession(address, serial)
        for command in collect.round_one():
            result = session.shell(command, timeout=60)
            assert result.complete
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--persona", default="fresh-noncompliant")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as home,
        PrivateAdbServer(home=home) as server,
        VirtualPhones(args.persona, count=args.phones, adb_port=server.port, latency_scale=1.0,
                      start_server=False) as fleet,
    ):
        address = ServerAddress("127.0.0.1", server.port)
        fast, slow = [], []
        for _ in range(args.repeat):
            fast.append(batched(address, fleet.serials))
            slow.append(naive(address, fleet.serials))
        sessions = [fleet.phone(s).counters.shell_sessions for s in fleet.serials]
    commands = len(collect.round_one())
    print(f"persona {args.persona}, {args.phones} phone(s), {commands} commands per audit, "
          f"{args.repeat} run(s), latency_scale 1")
    print(f"batched audit (1 shell session per phone, phones in parallel): median {statistics.median(fast):.2f} s")
    print(f"naive (1 shell session per command, phones in turn):          median {statistics.median(slow):.2f} s")
    print(f"ratio naive/batched: {statistics.median(slow) / statistics.median(fast):.1f}x; "
          f"shell sessions on the first phone: {sessions[0]}")


if __name__ == "__main__":
    main()
