"""One simulated Android: its state, shared storage, command table and adbd identity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wa_harden.virtual.android.latency import command_latency
from wa_harden.virtual.android.state import AndroidState, P, Q, R
from wa_harden.virtual.api import CommandTable, FaultConfig

if TYPE_CHECKING:  # pragma: no cover
    from wa_harden.virtual.android.snapshot import PhoneSnapshot
    from wa_harden.virtual.fs import VirtualFS

MAX_PAYLOAD_OLD = 256 * 1024  # adbd up to Android 8.1
MAX_PAYLOAD = 1024 * 1024  # adbd from Android 9


def adbd_features(sdk: int, shell_v2: bool = True) -> list[str]:
    """The ``features=`` of adbd's CNXN banner, as each Android generation announces them."""
    features = ["cmd"] + (["shell_v2"] if shell_v2 else [])
    features.append("stat_v2")  # Android 8
    if sdk >= P:
        features += ["ls_v2", "fixed_push_mkdir"]
    if sdk >= Q:
        features += ["apex", "abb", "fixed_push_symlink_timestamp", "abb_exec"]
    if sdk >= R:
        features += [
            "remount_shell",
            "track_app",
            "sendrecv_v2",
            "sendrecv_v2_brotli",
            "sendrecv_v2_lz4",
            "sendrecv_v2_zstd",
            "sendrecv_v2_dry_run_send",
        ]
    return features


@dataclass
class AndroidPhone:
    state: AndroidState
    fs: VirtualFS
    faults: FaultConfig = field(default_factory=FaultConfig)
    commands: CommandTable = field(init=False)

    def __post_init__(self) -> None:
        from wa_harden.virtual.android.commands import command_table

        self.commands = command_table()

    @property
    def shell_v2(self) -> bool:
        return self.faults.shell_v2 is not False  # every supported version (7+) has it

    @property
    def max_payload(self) -> int:
        return MAX_PAYLOAD if self.state.sdk >= P else MAX_PAYLOAD_OLD

    def banner(self) -> str:
        build = self.state.build
        features = ",".join(adbd_features(build.sdk, self.shell_v2))
        return (
            f"device::ro.product.name={build.product};ro.product.model={build.model};"
            f"ro.product.device={build.device};features={features}"
        )

    def snapshot(self, times: bool = False) -> PhoneSnapshot:
        """A deep, comparable copy of the simulated state and the shared-storage tree (snapshot.py);
        ``times=True`` also compares modification times."""
        from wa_harden.virtual.android.snapshot import take_snapshot

        return take_snapshot(self.state, self.fs, times)

    def latency(self, argv: Sequence[str]) -> float:
        """Realistic seconds for one command; a ``dumpsys`` that times out takes its whole timeout."""
        from wa_harden.virtual.android.dumpsys import timed_out_service

        timeout = timed_out_service(argv, self.faults)
        return timeout / 1000 if timeout is not None else command_latency(argv, self.state.sdk)
