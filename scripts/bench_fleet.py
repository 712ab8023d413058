"""Fleet benchmark: N virtual phones with realistic latency, measured side by side in one run.

    python scripts/bench_fleet.py --phones 100 --naive-phones 3
    python scripts/bench_fleet.py --phones 500 --naive-phones 0

Measures, against one private adb server and the same phones:
- `wa-harden check --all` over N phones: wall time and the wa-harden process's peak RSS;
- `wa-harden check -s SERIAL` on one phone alone (the median of three);
- the naive admin script (scripts/naive_audit.sh: one `adb -s SERIAL shell CMD` per query, phone
  after phone) on a few phones; it is linear in the number of phones, so its time for N phones is
  extrapolated from its time per phone;
- `wa-harden --help`: wall time (median of five) and whether pandas, adbutils or tabulate were
  imported for it.
Targets (issue "Fleets and onboarding stations"): 100 phones in at most 1.5x the time of one phone,
500 in at most 3x; at least 50x faster than the naive script at 100 phones; under 200 MB peak RSS
for 500 phones; --help under 0.3 s without those imports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wa_harden import collect
from wa_harden.virtual.launcher import PrivateAdbServer, VirtualPhones, adb_binary

MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB, exit code of one command (in a fresh wrapper process)."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024, int(out[2])


def wa_harden(*args: str) -> list[str]:
    return [sys.executable, "-m", "wa_harden", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--naive-phones", type=int, default=3, help="phones the naive script audits (0: skip)")
    parser.add_argument("--persona", default="fresh-noncompliant")
    parser.add_argument("--latency-scale", type=float, default=1.0)
    parser.add_argument("--jobs", type=int, default=None, help="wa-harden --jobs (default: its own default)")
    options = parser.parse_args()

    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "phones": options.phones, "persona": options.persona, "latency_scale": options.latency_scale,
    }
    with tempfile.TemporaryDirectory(prefix="wa-harden-bench-") as home, \
            PrivateAdbServer(home=Path(home) / "adb") as server, \
            VirtualPhones([options.persona] * options.phones, adb_port=server.port,
                          latency_scale=options.latency_scale, start_server=False, connect_timeout=120) as fleet:
        env = {**server.env, "ANDROID_ADB_SERVER_PORT": str(server.port)}
        jobs = ["-j", str(options.jobs)] if options.jobs else []
        solo = [measured(wa_harden("check", "-s", fleet.serials[0], "-f", "json"), env)[0] for _ in range(3)]
        one = statistics.median(solo)
        wall, rss, code = measured(wa_harden("check", "--all", "-f", "json", *jobs), env)
        results.update(one_phone_s=round(one, 2), fleet_s=round(wall, 2), fleet_exit=code,
                       fleet_over_one=round(wall / one, 2), peak_rss_mib=round(rss, 1))
        if options.naive_phones:
            commands = Path(home) / "commands.txt"
            commands.write_text("\n".join(collect.round_one()) + "\n")
            script = Path(__file__).resolve().parent / "naive_audit.sh"
            naive_env = {**env, "ADB": adb_binary()}
            serials = fleet.serials[: options.naive_phones]
            naive, _rss, _code = measured(["bash", str(script), str(commands), *serials], naive_env)
            per_phone = naive / len(serials)
            results.update(naive_phones=len(serials), naive_s=round(naive, 2),
                           naive_per_phone_s=round(per_phone, 2),
                           naive_extrapolated_s=round(per_phone * options.phones, 1),
                           speedup=round(per_phone * options.phones / wall, 1),
                           queries_per_phone=len(collect.round_one()))
    helps = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(wa_harden("--help"), capture_output=True, check=True)
        helps.append(time.perf_counter() - started)
    probe = ("import sys; from wa_harden.cli import main; main(['--help']); "
             "print(' '.join(m for m in ('pandas', 'adbutils', 'tabulate') if m in sys.modules))")
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.splitlines()[-1]
    results.update(help_s=round(statistics.median(helps), 3), help_imports=imported.strip() or "none")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
