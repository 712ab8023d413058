"""The device side of the ADB protocol over TCP, as adbd speaks it to ``adb connect``.

One :class:`AdbdConnection` serves one TCP connection from the adb server: the CNXN handshake (or a
never-ending AUTH for an "unauthorized" phone, or silence for an "offline" one), then any number of
concurrent streams (OPEN/OKAY/WRTE/CLSE with their own ids).  Flow control is adbd's classic one:
one WRTE in flight per stream until the peer's OKAY; payloads never exceed the maximum agreed in the
handshake.  Services: ``shell:`` (v1: stdout and stderr merged, no exit status), ``exec:`` (same,
raw) and ``shell,v2,...:`` (shell protocol v2 packets: stdout 1, stderr 2, exit 3) where the phone
advertises ``shell_v2``.  Anything else is refused as adbd does (CLSE with local id 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
from dataclasses import dataclass
from typing import Protocol

from wa_harden.virtual.api import STDERR, Fault, FaultConfig, Output, Pause, ShellOutcome

A_SYNC = 0x434E5953
A_CNXN = 0x4E584E43
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_CLSE = 0x45534C43
A_WRTE = 0x45545257
A_AUTH = 0x48545541
A_STLS = 0x534C5453

A_VERSION = 0x01000001  # checksums may be skipped from this version on
AUTH_TOKEN = 1
AUTH_SIGNATURE = 2
AUTH_RSAPUBLICKEY = 3

HEADER = struct.Struct("<6I")
MAX_ACCEPTED_PAYLOAD = 1024 * 1024  # what we accept from the host, whatever it announces

# shell protocol v2 packet ids
V2_STDIN = 0
V2_STDOUT = 1
V2_STDERR = 2
V2_EXIT = 3
V2_CLOSE_STDIN = 4
V2_WINDOW_SIZE = 5


@dataclass(frozen=True)
class Message:
    command: int
    arg0: int
    arg1: int
    data: bytes = b""

    @property
    def name(self) -> str:
        return struct.pack("<I", self.command).decode("ascii", errors="replace")


def encode_message(command: int, arg0: int, arg1: int, data: bytes = b"") -> bytes:
    checksum = sum(data) & 0xFFFFFFFF
    return HEADER.pack(command, arg0, arg1, len(data), checksum, command ^ 0xFFFFFFFF) + data


class ProtocolError(Exception):
    """The peer sent something that is not ADB; the connection is closed."""


async def read_message(reader: asyncio.StreamReader) -> Message:
    header = await reader.readexactly(HEADER.size)
    command, arg0, arg1, length, _checksum, magic = HEADER.unpack(header)
    if magic != command ^ 0xFFFFFFFF:
        raise ProtocolError(f"bad magic for command {command:#x}")
    if length > MAX_ACCEPTED_PAYLOAD:
        raise ProtocolError(f"payload of {length} bytes is larger than the protocol allows")
    data = await reader.readexactly(length) if length else b""
    return Message(command, arg0, arg1, data)


def v2_packet(packet_id: int, data: bytes) -> bytes:
    return struct.pack("<BI", packet_id, len(data)) + data


class Phone(Protocol):
    """What the transport needs from a virtual phone (see ``wa_harden.virtual.phone``)."""

    faults: FaultConfig

    def banner(self) -> str: ...

    @property
    def shell_v2(self) -> bool: ...

    @property
    def max_payload(self) -> int: ...

    def prompt(self) -> str: ...

    def run_shell(self, script: str) -> ShellOutcome: ...


@dataclass(frozen=True)
class ShellService:
    command: str
    v2: bool
    raw: bool  # exec: — no PTY, no interactive mode


def parse_service(service: str, shell_v2: bool) -> ShellService | None:
    """``shell:cmd``, ``shell,v2,TERM=xterm,raw:cmd``, ``exec:cmd``; None for anything else."""
    if service.startswith("exec:"):
        return ShellService(service[len("exec:"):], v2=False, raw=True)
    if not service.startswith("shell"):
        return None
    head, sep, command = service.partition(":")
    if not sep:
        return None
    args = head.split(",")
    if args[0] != "shell":
        return None
    v2 = "v2" in args[1:]
    if v2 and not shell_v2:
        return None  # an adbd without shell_v2 does not know this service
    return ShellService(command, v2=v2, raw="raw" in args[1:])


class ConnectionDropped(Exception):
    """A fault pulled the cable: the whole TCP connection goes."""


class _Stream:
    """One open service stream: flow-controlled writes towards the host."""

    def __init__(self, conn: AdbdConnection, local_id: int, remote_id: int) -> None:
        self.conn = conn
        self.local_id = local_id
        self.remote_id = remote_id
        self.window = asyncio.Event()
        self.window.set()  # the first WRTE may go right after our OKAY
        self.closed = asyncio.Event()
        self.stdin: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def write(self, data: bytes) -> None:
        step = max(1, self.conn.max_payload)
        for start in range(0, len(data), step):
            await self._wait_window()
            self.window.clear()
            self.conn.send(A_WRTE, self.local_id, self.remote_id, data[start:start + step])
            await self.conn.drain()

    async def _wait_window(self) -> None:
        if self.window.is_set():
            return
        waiter = asyncio.ensure_future(self.window.wait())
        closer = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({waiter, closer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            closer.cancel()
        if self.closed.is_set():
            raise asyncio.CancelledError

    def close_from_device(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            self.conn.send(A_CLSE, self.local_id, self.remote_id)


class AdbdConnection:
    """Serves one TCP connection from an adb server."""

    def __init__(self, phone: Phone, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.phone = phone
        self.reader = reader
        self.writer = writer
        self.max_payload = phone.max_payload
        self.streams: dict[int, _Stream] = {}
        self._next_id = 1

    def send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        if not self.writer.is_closing():
            self.writer.write(encode_message(command, arg0, arg1, data))

    async def drain(self) -> None:
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()

    async def serve(self) -> None:
        try:
            if await self._handshake():
                await self._serve_streams()
        except (asyncio.IncompleteReadError, ConnectionError, ProtocolError):
            pass
        except ConnectionDropped:
            pass
        except asyncio.CancelledError:
            # The phone is being shut down: end quietly (asyncio's stream callback would log a
            # cancelled connection task as an error).
            pass
        finally:
            for stream in list(self.streams.values()):
                stream.closed.set()
                if stream.task is not None:
                    stream.task.cancel()
            self.streams.clear()
            self.writer.close()

    async def _handshake(self) -> bool:
        """Answer the host's CNXN; False when this phone never finishes the handshake."""
        faults = self.phone.faults
        while True:
            msg = await read_message(self.reader)
            if msg.command == A_CNXN:
                break
        if faults.offline:
            while True:  # say nothing, ever: the host lists the phone as offline
                await read_message(self.reader)
        connect = msg
        if faults.unauthorized:
            self.send(A_AUTH, AUTH_TOKEN, 0, os.urandom(20))
            while True:  # every signature is refused; the public key shows the "Allow USB debugging?" prompt
                msg = await read_message(self.reader)
                if msg.command == A_AUTH and msg.arg0 == AUTH_SIGNATURE:
                    self.send(A_AUTH, AUTH_TOKEN, 0, os.urandom(20))
                    await self.drain()
                elif msg.command == A_AUTH and msg.arg0 == AUTH_RSAPUBLICKEY and faults.authorize_after is not None:
                    await asyncio.sleep(faults.authorize_after)  # the person reads the prompt and taps Allow
                    break
        host_max = connect.arg1 or 4096
        self.max_payload = max(256, min(host_max, self.phone.max_payload))
        self.send(A_CNXN, A_VERSION, self.phone.max_payload, self.phone.banner().encode())
        await self.drain()
        return True

    async def _serve_streams(self) -> None:
        while True:
            msg = await read_message(self.reader)
            if msg.command == A_OPEN:
                self._open(msg)
            elif msg.command == A_OKAY:
                stream = self.streams.get(msg.arg1)
                if stream is not None:
                    stream.window.set()
            elif msg.command == A_WRTE:
                stream = self.streams.get(msg.arg1)
                if stream is None:
                    continue
                self.send(A_OKAY, stream.local_id, stream.remote_id)
                stream.stdin.put_nowait(msg.data)
            elif msg.command == A_CLSE:
                stream = self.streams.pop(msg.arg1, None)
                if stream is not None:
                    stream.closed.set()
                    stream.stdin.put_nowait(None)
                    if stream.task is not None:
                        stream.task.cancel()
            elif msg.command == A_CNXN:
                # the host restarted the session: start over as adbd does
                self.send(A_CNXN, A_VERSION, self.phone.max_payload, self.phone.banner().encode())
            # SYNC, STLS and anything unknown: ignored

    def _open(self, msg: Message) -> None:
        service = msg.data.rstrip(b"\0").decode("utf-8", errors="replace")
        shell = parse_service(service, self.phone.shell_v2)
        if shell is None:
            self.send(A_CLSE, 0, msg.arg0)  # refused, exactly as adbd refuses an unknown service
            return
        local_id = self._next_id
        self._next_id += 1
        stream = _Stream(self, local_id, msg.arg0)
        self.streams[local_id] = stream
        self.send(A_OKAY, local_id, msg.arg0)
        stream.task = asyncio.ensure_future(self._run_shell(stream, shell))

    async def _run_shell(self, stream: _Stream, service: ShellService) -> None:
        try:
            if service.command.strip() or service.raw:
                outcome = self.phone.run_shell(service.command)
                status = await self._replay(stream, outcome, service.v2)
                if status is None:
                    return
                if service.v2:
                    await stream.write(v2_packet(V2_EXIT, bytes([status & 0xFF])))
            else:
                await self._interactive(stream, service.v2)
            self.streams.pop(stream.local_id, None)
            stream.close_from_device()
            await self.drain()
        except asyncio.CancelledError:
            pass
        except ConnectionDropped:
            self.writer.close()

    async def _replay(self, stream: _Stream, outcome: ShellOutcome, v2: bool) -> int | None:
        """Send the shell's events with their pauses; None when a fault ended the session."""
        for event in outcome.events:
            if isinstance(event, Pause):
                if event.seconds > 0:
                    await asyncio.sleep(event.seconds)
            elif isinstance(event, Output) and event.data:
                if v2:
                    packet_id = V2_STDERR if event.fd == STDERR else V2_STDOUT
                    # keep every v2 packet inside one WRTE payload
                    step = max(1, self.max_payload - 5)
                    for start in range(0, len(event.data), step):
                        await stream.write(v2_packet(packet_id, event.data[start:start + step]))
                else:
                    await stream.write(event.data)
        if outcome.fault is Fault.HANG:
            await stream.closed.wait()  # never answer; the host gives up and closes the stream
            return None
        if outcome.fault in (Fault.DROP, Fault.DROP_MID_OUTPUT):
            await self.drain()
            raise ConnectionDropped
        return outcome.status if outcome.status is not None else 0

    async def _interactive(self, stream: _Stream, v2: bool) -> None:
        """``adb shell`` without a command: a prompt, one command line at a time, ``exit`` ends."""
        pending = b""
        await stream.write(self._frame(V2_STDOUT, self.phone.prompt().encode(), v2))
        while True:
            data = await stream.stdin.get()
            if data is None:
                return
            if v2:
                data = b"".join(_v2_stdin_payloads(data))
            pending += data
            while b"\n" in pending or b"\r" in pending:
                cut = min(i for i in (pending.find(b"\n"), pending.find(b"\r")) if i >= 0)
                line, pending = pending[:cut], pending[cut + 1:]
                text = line.decode("utf-8", errors="replace").strip()
                if text in ("exit", "logout"):
                    if v2:
                        await stream.write(v2_packet(V2_EXIT, b"\0"))
                    return
                if text:
                    outcome = self.phone.run_shell(text)
                    for event in outcome.events:
                        if isinstance(event, Output) and event.data:
                            packet_id = V2_STDERR if event.fd == STDERR else V2_STDOUT
                            await stream.write(self._frame(packet_id, event.data, v2))
                        elif isinstance(event, Pause) and event.seconds > 0:
                            await asyncio.sleep(event.seconds)
                    if outcome.fault is not None:
                        raise ConnectionDropped
                await stream.write(self._frame(V2_STDOUT, self.phone.prompt().encode(), v2))

    @staticmethod
    def _frame(packet_id: int, data: bytes, v2: bool) -> bytes:
        return v2_packet(packet_id, data) if v2 else data


def _v2_stdin_payloads(data: bytes) -> list[bytes]:
    """Stdin bytes out of v2 packets (window-size and close-stdin packets carry none)."""
    out: list[bytes] = []
    view = memoryview(data)
    while len(view) >= 5:
        packet_id, length = struct.unpack_from("<BI", view)
        body = bytes(view[5:5 + length])
        view = view[5 + length:]
        if packet_id == V2_STDIN:
            out.append(body)
    return out
