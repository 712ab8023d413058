"""The adbutils adapter: adb servers, attached devices, and one shell session with a deadline.

Everything that touches adbutils lives here.  Expected trouble (a pulled cable, a device that
stops answering) comes back as data in :class:`ShellResult`; only a server that cannot be reached
or started raises :class:`~wa_harden.errors.AdbServerError`.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence

import adbutils
from adbutils._adb import AdbConnection as _AdbConnection

from wa_harden.device.base import AttachedDevice, ServerAddress, ShellResult, server_stopped
from wa_harden.errors import AdbServerError
from wa_harden.facts import Gap

SERVER_TIMEOUT = 30.0  # seconds for one request to the adb server itself (listing, features)


class _Connection(_AdbConnection):
    """adbutils' connection, minus its habit of running `adb start-server` on the default port."""

    def _safe_connect(self):
        return self._create_socket()


class _Client(adbutils.AdbClient):
    def make_connection(self, timeout: float | None = None) -> _AdbConnection:
        try:
            conn = _Connection(self.host, self.port)
        except adbutils.AdbError as exc:
            raise AdbServerError(f"cannot reach the adb server at {self.host}:{self.port}: {exc}",
                                 hint="start it with `adb start-server` or pass -H/-P") from exc
        conn.conn.settimeout(timeout or SERVER_TIMEOUT)  # never wait forever on a stuck server
        return conn


def bundled_adb() -> str:
    return str(adbutils.adb_path())


def server_running(address: ServerAddress) -> bool:
    try:
        _Client(address.host, address.port).server_version()
        return True
    except (AdbServerError, adbutils.AdbError, OSError):
        return False


def ensure_server(address: ServerAddress) -> bool:
    """Make sure a server answers; start the bundled adb on a local port if none runs.

    Returns True when this call started it.  A running server is never killed or restarted.
    """
    if server_running(address):
        return False
    if not address.local:
        raise AdbServerError(f"no adb server answers at {address}",
                             hint="start it on that machine, or check -H/--adb-host")
    try:
        result = subprocess.run([bundled_adb(), "-P", str(address.port), "start-server"],
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AdbServerError(f"could not start the adb server on port {address.port}: {exc}") from exc
    if not server_running(address):
        raise AdbServerError(f"could not start the adb server on port {address.port}",
                             hint=(result.stderr or result.stdout).strip())
    return True


def list_devices(address: ServerAddress) -> list[AttachedDevice]:
    client = _Client(address.host, address.port)
    try:
        infos = client.list(extended=True)
    except (adbutils.AdbError, OSError) as exc:
        raise AdbServerError(f"the adb server at {address} did not list devices: {exc}") from exc
    return [_attached(info.serial, info.state, info.tags) for info in infos]


def _attached(serial: str, state: str, tags: dict[str, str]) -> AttachedDevice:
    return AttachedDevice(serial=serial, state=state, model=(tags.get("model") or "").replace("_", " ") or None,
                          product=tags.get("product"), device=tags.get("device"))


def parse_device_list(text: str) -> list[AttachedDevice]:
    """The lines of ``adb devices -l`` (also what ``host:track-devices-l`` sends on each change)."""
    devices = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        tags = dict(part.split(":", 1) for part in parts[2:] if ":" in part)
        devices.append(_attached(parts[0], parts[1], tags))
    return devices


def track_devices(address: ServerAddress, stop: threading.Event, poll: float = 0.5) -> Iterator[list[AttachedDevice]]:
    """Every phone of the server each time one comes, goes or changes state (adb's own device
    tracking, no polling of the phones); returns when ``stop`` is set.

    Raises AdbServerError when the server cannot be reached or closes the tracking (it was killed).
    """
    client = _Client(address.host, address.port)
    try:
        conn = client.make_connection(timeout=SERVER_TIMEOUT)
        conn.send_command("host:track-devices-l")
        conn.check_okay()
    except (adbutils.AdbError, OSError) as exc:
        raise AdbServerError(f"cannot track the phones of the adb server at {address}: {exc}") from exc
    sock = conn.conn
    sock.settimeout(poll)
    buffer = b""
    try:
        while not stop.is_set():
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError as exc:
                raise AdbServerError(f"the adb server at {address} stopped answering: {exc}") from exc
            if not chunk:
                raise AdbServerError(f"the adb server at {address} closed the connection (was it stopped?)")
            buffer += chunk
            while len(buffer) >= 4:
                length = int(buffer[:4], 16)
                if len(buffer) < 4 + length:
                    break
                block, buffer = buffer[4:4 + length], buffer[4 + length:]
                yield parse_device_list(block.decode("utf-8", "replace"))
    finally:
        conn.close()


class DeviceSession:
    """Shell access to one attached device through one adb server."""

    def __init__(self, address: ServerAddress, serial: str) -> None:
        self.address = address
        self.serial = serial
        self._client = _Client(address.host, address.port)
        self._device = adbutils.AdbDevice(self._client, serial=serial)
        self._v2: bool | None = None

    def supports_shell_v2(self, timeout: float = 10.0) -> bool:
        if self._v2 is None:
            with self._device.open_transport("features", timeout=timeout) as conn:
                features = conn.read_string_block()
            self._v2 = "shell_v2" in features.split(",")
        return self._v2

    def shell(self, script: str, timeout: float) -> ShellResult:
        """Run ``script`` in one shell session; give up after ``timeout`` seconds in total."""
        deadline = time.monotonic() + timeout
        try:
            v2 = self.supports_shell_v2(timeout=timeout)
            conn = self._device.open_transport(timeout=max(0.1, deadline - time.monotonic()))
        except (adbutils.AdbError, AdbServerError, OSError) as exc:
            return self._cut(b"", b"", _failure_of(exc), str(exc), True)
        stdout = bytearray()
        stderr = bytearray()
        try:
            conn.send_command(f"shell,v2,raw:{script}" if v2 else f"shell:{script}")
            conn.check_okay()
            reader = _Reader(conn.conn, deadline)
            if v2:
                while True:
                    header = reader.exact(5)
                    length = int.from_bytes(header[1:5], "little")
                    body = reader.exact(length)
                    if header[0] == 1:
                        stdout += body
                    elif header[0] == 2:
                        stderr += body
                    elif header[0] == 3:
                        return ShellResult(bytes(stdout), bytes(stderr), body[0] if body else None)
            else:
                while True:
                    chunk = reader.some()
                    if not chunk:
                        return ShellResult(bytes(stdout), shell_v2=False)
                    stdout += chunk
        except TimeoutError:
            return ShellResult(bytes(stdout), bytes(stderr), failure=Gap.TIMEOUT, shell_v2=v2,
                               detail=f"no complete answer within {timeout:g} s")
        except (EOFError, ConnectionError, OSError, adbutils.AdbError) as exc:
            return self._cut(bytes(stdout), bytes(stderr), Gap.CONNECTION_LOST,
                             str(exc) or "the connection closed before the output ended", v2)
        finally:
            conn.close()

    def _cut(self, stdout: bytes, stderr: bytes, failure: Gap, detail: str, v2: bool) -> ShellResult:
        """A session cut short; when the adb server itself went away (killed, crashed, its host
        rebooted), that is what the detail says, not a cable."""
        if not server_running(self.address):
            failure, detail = Gap.CONNECTION_LOST, server_stopped(self.address)
        return ShellResult(stdout, stderr, failure=failure, shell_v2=v2, detail=detail)


class _Reader:
    """Reads from a socket against one overall deadline (adbutils' timeout is per read)."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.buffer = bytearray()

    def _recv(self) -> bytes:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.sock.settimeout(remaining)
        return self.sock.recv(65536)

    def some(self) -> bytes:
        if self.buffer:
            data = bytes(self.buffer)
            self.buffer.clear()
            return data
        return self._recv()

    def exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self._recv()
            if not chunk:
                raise EOFError("the connection closed before the output ended")
            self.buffer += chunk
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data


def _failure_of(exc: BaseException) -> Gap:
    if isinstance(exc, (socket.timeout, adbutils.AdbTimeout)):
        return Gap.TIMEOUT
    return Gap.CONNECTION_LOST


class AdbConnector:
    """The :class:`~wa_harden.device.base.Connector` for real adb servers."""

    def list_devices(self, address: ServerAddress) -> Sequence[AttachedDevice]:
        return list_devices(address)

    def connect(self, address: ServerAddress, serial: str) -> DeviceSession:
        return DeviceSession(address, serial)

    def ensure_server(self, address: ServerAddress) -> bool:
        return ensure_server(address)

    def track(self, address: ServerAddress, stop: threading.Event) -> Iterator[list[AttachedDevice]]:
        return track_devices(address, stop)
