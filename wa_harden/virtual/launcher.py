"""Start virtual phones, connect them to an adb server, and take them down cleanly.

``VirtualPhones`` is the context manager used by tests, benchmarks, the demo and ``wa-harden
virtual``.  Phones run on one asyncio loop in a background thread (200 phones in one process are
fine); each listens on its own 127.0.0.1 port, outside adb's emulator range 5555-5585, and is
attached with ``adb connect 127.0.0.1:PORT`` through the adb server's host protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from wa_harden.errors import ExitStatus, WaHardenError
from wa_harden.virtual.adbd import AdbdConnection
from wa_harden.virtual.android import load_persona
from wa_harden.virtual.api import FaultConfig
from wa_harden.virtual.phone import VirtualPhone


class LauncherError(WaHardenError):
    """The adb server cannot be reached or started, or a phone did not come up."""

    exit_status = ExitStatus.DEVICE_UNAVAILABLE


# --- a minimal client of the adb server's host protocol (no audit-side imports) --------------------


def host_request(host: str, port: int, request: str, timeout: float = 10.0) -> str:
    """Send one ``host:`` request and return the length-prefixed answer ('' when there is none)."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        payload = request.encode()
        sock.sendall(b"%04x" % len(payload) + payload)
        status = _recv_exact(sock, 4)
        if status == b"FAIL":
            raise LauncherError(_read_block(sock))
        if status != b"OKAY":
            raise LauncherError(f"unexpected answer {status!r} to {request}")
        try:
            return _read_block(sock)
        except (TimeoutError, ConnectionError, LauncherError):
            return ""


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise LauncherError("the adb server closed the connection")
        data += chunk
    return data


def _read_block(sock: socket.socket) -> str:
    length = int(_recv_exact(sock, 4), 16)
    return _recv_exact(sock, length).decode("utf-8", errors="replace") if length else ""


def server_running(host: str, port: int) -> bool:
    try:
        host_request(host, port, "host:version", timeout=2.0)
        return True
    except (OSError, LauncherError):
        return False


def adb_binary() -> str:
    import adbutils  # the adb binary shipped in the adbutils wheel

    return str(adbutils.adb_path())


def start_adb_server(port: int, env: dict[str, str] | None = None) -> None:
    """Start the bundled adb server on ``port`` (it daemonizes and outlives this call)."""
    result = subprocess.run([adb_binary(), "-P", str(port), "start-server"], env=env,
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0 or not server_running("127.0.0.1", port):
        raise LauncherError(f"could not start an adb server on port {port}: "
                            f"{(result.stderr or result.stdout).strip()}")


def kill_adb_server(port: int, env: dict[str, str] | None = None) -> None:
    """Stop the adb server on ``port``; only for servers the caller started itself."""
    subprocess.run([adb_binary(), "-P", str(port), "kill-server"], env=env,
                   capture_output=True, timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateAdbServer:
    """An adb server on a free port with its own HOME (keys), killed on exit: for tests and demos."""

    def __init__(self, home: str | os.PathLike[str] | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.env = dict(os.environ)
        if home is not None:
            Path(home).mkdir(parents=True, exist_ok=True)
            self.env["HOME"] = str(home)
        self.env.pop("ANDROID_ADB_SERVER_PORT", None)
        self.env.pop("ANDROID_SERIAL", None)

    def __enter__(self) -> PrivateAdbServer:
        start_adb_server(self.port, self.env)
        return self

    def __exit__(self, *exc: object) -> None:
        kill_adb_server(self.port, self.env)


# --- phones ---------------------------------------------------------------------------------------


@dataclass
class RunningPhone:
    serial: str  # what adb calls it: 127.0.0.1:PORT
    port: int
    phone: VirtualPhone
    server: asyncio.base_events.Server


class VirtualPhones:
    """Run virtual phones and attach them to the adb server at ``adb_host:adb_port``."""

    def __init__(self, personas: str | Sequence[str] = "fresh-noncompliant", count: int = 1,
                 adb_host: str = "127.0.0.1", adb_port: int = 5037,
                 faults: FaultConfig | dict[str, Any] | None = None,
                 latency_scale: float | None = None, connect: bool = True,
                 start_server: bool = True, now: datetime | None = None,
                 connect_timeout: float = 15.0) -> None:
        names = [personas] * count if isinstance(personas, str) else list(personas)
        self.personas = [load_persona(name) if isinstance(name, str) else name for name in names]
        self.adb_host = adb_host
        self.adb_port = adb_port
        self.fault_overrides = faults
        self.latency_scale = latency_scale
        self.connect = connect
        self.start_server = start_server
        self.now = now
        self.connect_timeout = connect_timeout
        self.phones: list[RunningPhone] = []
        self.server_started = False  # a server we started keeps running, as `adb start-server` does
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="virtual-phones",
                                        daemon=True)

    @property
    def serials(self) -> list[str]:
        return [p.serial for p in self.phones]

    def __enter__(self) -> VirtualPhones:
        self._thread.start()
        try:
            if self.connect and not server_running(self.adb_host, self.adb_port):
                if not self.start_server or self.adb_host not in ("127.0.0.1", "localhost"):
                    raise LauncherError(f"no adb server at {self.adb_host}:{self.adb_port}")
                start_adb_server(self.adb_port)
                self.server_started = True
            for persona in self.personas:
                self.add(persona, wait=False)
            if self.connect:
                self._wait_for_states(self.phones)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def add(self, persona: Any, faults: FaultConfig | dict[str, Any] | None = None,
            wait: bool = True) -> RunningPhone:
        """Start one more phone (at any time) and attach it."""
        if isinstance(persona, str):
            persona = load_persona(persona)
        fault_config = self._faults_for(persona, faults)
        phone_holder: dict[str, VirtualPhone] = {}

        async def start() -> tuple[asyncio.base_events.Server, int]:
            def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Any:
                return AdbdConnection(phone_holder["phone"], reader, writer).serve()

            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            return server, int(server.sockets[0].getsockname()[1])

        server, port = asyncio.run_coroutine_threadsafe(start(), self._loop).result(timeout=30)
        serial = f"127.0.0.1:{port}"
        phone = VirtualPhone(persona, serial, fault_config, self.now)
        phone_holder["phone"] = phone
        running = RunningPhone(serial, port, phone, server)
        self.phones.append(running)
        if self.connect:
            self._attach(running)
            if wait:
                self._wait_for_states([running])
        return running

    def _attach(self, running: RunningPhone) -> None:
        """`adb connect` the phone; an offline one in the background: adb lists it as offline at
        once and gives up on the handshake only after about 10 s."""
        if running.phone.faults.offline:
            threading.Thread(target=self._connect_quietly, args=(running.serial,), daemon=True,
                             name=f"connect-{running.serial}").start()
            return
        answer = host_request(self.adb_host, self.adb_port, f"host:connect:{running.serial}",
                              timeout=self.connect_timeout)
        if "connected to" not in answer and "failed to authenticate" not in answer:
            raise LauncherError(f"adb connect {running.serial}: {answer}")

    def _connect_quietly(self, serial: str) -> None:
        with contextlib.suppress(OSError, LauncherError):
            host_request(self.adb_host, self.adb_port, f"host:connect:{serial}", timeout=self.connect_timeout)

    def _faults_for(self, persona: Any, faults: FaultConfig | dict[str, Any] | None) -> FaultConfig:
        """Persona defaults, then the launcher's overrides, then this phone's own."""
        config: FaultConfig = persona.faults
        for overrides in (self.fault_overrides, faults):
            if isinstance(overrides, FaultConfig):
                config = overrides
            elif isinstance(overrides, dict):
                config = replace(config, **overrides)
        if self.latency_scale is not None:
            config = replace(config, latency_scale=self.latency_scale)
        return config

    def _wait_for_states(self, phones: Iterable[RunningPhone]) -> None:
        wanted = {p.serial: _expected_state(p.phone.faults) for p in phones}
        deadline = time.monotonic() + self.connect_timeout
        states: dict[str, str] = {}
        while True:
            states = self.states()
            if all(states.get(serial) in accepted for serial, accepted in wanted.items()):
                return
            if time.monotonic() > deadline:
                late = {s: states.get(s, "absent") for s, ok in wanted.items() if states.get(s) not in ok}
                raise LauncherError(f"virtual phones did not reach their state: {late}")
            time.sleep(0.05)

    def states(self) -> dict[str, str]:
        """Serial -> state as the adb server lists it."""
        listing = host_request(self.adb_host, self.adb_port, "host:devices")
        states = {}
        for line in listing.splitlines():
            parts = line.split("\t")
            if len(parts) == 2:
                states[parts[0]] = parts[1]
        return states

    def phone(self, serial: str) -> VirtualPhone:
        for running in self.phones:
            if running.serial == serial:
                return running.phone
        raise KeyError(serial)

    def replug(self, serial: str, **faults: Any) -> None:
        """Unplug a phone, change its faults (``unauthorized=False``: the person accepted the
        prompt), plug it in again and wait until the adb server lists it as its faults say."""
        running = next(p for p in self.phones if p.serial == serial)
        self.disconnect(serial)
        running.phone.with_faults(**faults)
        self._attach(running)
        self._wait_for_states([running])

    def disconnect(self, serial: str) -> None:
        with contextlib.suppress(OSError, LauncherError):
            host_request(self.adb_host, self.adb_port, f"host:disconnect:{serial}", timeout=5)

    def __exit__(self, *exc: object) -> None:
        if self.connect:
            for running in self.phones:
                self.disconnect(running.serial)

        async def stop() -> None:
            for running in self.phones:
                running.server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        if self._thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout=10)


def _expected_state(faults: FaultConfig) -> tuple[str, ...]:
    """The states the adb server may list a newly attached phone in, by its faults."""
    if faults.unauthorized:
        # A phone whose prompt is accepted later is unauthorized first, then a device.
        return ("unauthorized",) if faults.authorize_after is None else ("unauthorized", "device")
    if faults.offline:
        return ("offline",)
    return ("device",)
