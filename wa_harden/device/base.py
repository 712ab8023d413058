"""The device seam: what the audit needs from a phone, with no adb library behind it.

Everything right of this seam (collect, engine, fix) talks to a :class:`Device` and a
:class:`Connector`; ``device/adb.py`` implements them with adbutils, tests implement them with
fakes, and ``--replay`` never imports an adb library at all.  Expected trouble (a pulled cable, a
device that stops answering) comes back as data in :class:`ShellResult`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from wa_harden.errors import UsageError
from wa_harden.facts import Gap

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5037
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def parse_port(value: object, source: str) -> int:
    """A TCP port 1-65535, else a UsageError naming where the bad value came from.

    0 is refused: adb itself reads it as "the default", which would silently reach 5037.
    """
    text = str(value).strip()
    if not text.isdigit() or len(text) > 5 or not 1 <= int(text) <= 65535:
        raise UsageError(f"{source} is not a port number between 1 and 65535: {value!r}")
    return int(text)


@dataclass(frozen=True, order=True)
class ServerAddress:
    """An adb server: where phones are listed and shells are opened."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT

    @classmethod
    def resolve(cls, host: str | None = None, port: int | None = None) -> ServerAddress:
        """Command-line values win, then the variables adb itself reads, then 127.0.0.1:5037.

        The environment is validated here, before any adb library is imported (adbutils reads
        ``ANDROID_ADB_SERVER_PORT`` while being imported and crashes on a bad value).
        """
        env_host = os.environ.get("ANDROID_ADB_SERVER_HOST") or DEFAULT_HOST
        env_port = os.environ.get("ANDROID_ADB_SERVER_PORT")
        if env_port is not None and env_port != "":
            checked = parse_port(env_port, "ANDROID_ADB_SERVER_PORT")
            port = port if port is not None else checked
        if port is not None:
            port = parse_port(port, "the adb server port")
        return cls(host or env_host, port or DEFAULT_PORT)

    @classmethod
    def parse(cls, text: str) -> ServerAddress:
        """``HOST:PORT`` (``[v6]:PORT`` for IPv6), as given to ``--server`` or before the ``/`` of
        ``-s HOST:PORT/SERIAL`` (so a serial with a ``/`` in it is read as one)."""
        host, sep, port = text.rpartition(":")
        if not sep or not host:
            raise UsageError(f"expected an adb server as HOST:PORT (--server HOST:PORT, -s HOST:PORT/SERIAL), "
                             f"got {text!r}")
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        return cls(host, parse_port(port, f"the port of the adb server {text}"))

    @property
    def local(self) -> bool:
        return self.host in LOCAL_HOSTS

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class AttachedDevice:
    """One line of ``adb devices -l``."""

    serial: str
    state: str  # device | unauthorized | offline | ...
    model: str | None = None
    product: str | None = None
    device: str | None = None


SERVER_STOPPED = "stopped answering"  # in a detail: "the adb server at HOST:PORT stopped answering"


def server_stopped(address: object) -> str:
    """The detail of a session cut short because the adb server itself went away."""
    return f"the adb server at {address} {SERVER_STOPPED}"


def is_server_stopped(detail: str | None) -> bool:
    return bool(detail) and str(detail).startswith("the adb server at ") and SERVER_STOPPED in str(detail)


@dataclass(frozen=True)
class ShellResult:
    """What one shell session gave back, complete or not."""

    stdout: bytes
    stderr: bytes = b""
    exit_code: int | None = None  # None with shell v1, or when the session was cut short
    failure: Gap | None = None  # TIMEOUT or CONNECTION_LOST
    detail: str = ""
    shell_v2: bool = True

    @property
    def complete(self) -> bool:
        return self.failure is None


class Device(Protocol):
    """Shell access to one attached phone."""

    serial: str

    def shell(self, script: str, timeout: float) -> ShellResult:
        """Run ``script`` in one shell session; give up after ``timeout`` seconds in total."""
        ...


class Connector(Protocol):
    """Lists the phones of an adb server and opens one for shell access."""

    def list_devices(self, address: ServerAddress) -> Sequence[AttachedDevice]: ...

    def connect(self, address: ServerAddress, serial: str) -> Device: ...

    def ensure_server(self, address: ServerAddress) -> bool:
        """Make sure the server answers (start a local one if allowed); True if this started it."""
        ...

    def track(self, address: ServerAddress, stop: threading.Event) -> Iterator[Sequence[AttachedDevice]]:
        """Every phone of the server each time the list changes, until ``stop`` is set."""
        ...


def adb_connector() -> Connector:
    """The real connector (adbutils), imported only when a live phone is wanted."""
    from wa_harden.device.adb import AdbConnector

    return AdbConnector()
