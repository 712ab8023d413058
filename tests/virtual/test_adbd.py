"""The ADB transport of virtual phones, driven by a raw ADB host written here from the protocol.

No adb server is involved: these tests speak the wire protocol themselves so that they can check
what the real server cannot show — stream ids, flow control, payload sizes, refusals.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from dataclasses import dataclass, field

import pytest

from wa_harden.virtual import adbd
from wa_harden.virtual.adbd import (
    A_AUTH,
    A_CLSE,
    A_CNXN,
    A_OKAY,
    A_OPEN,
    A_VERSION,
    A_WRTE,
    AUTH_RSAPUBLICKEY,
    AUTH_SIGNATURE,
    AUTH_TOKEN,
    encode_message,
    parse_service,
)
from wa_harden.virtual.api import STDERR, STDOUT, Fault, FaultConfig, Output, ShellOutcome


@dataclass
class FakePhone:
    """A phone whose shell answers from a table: command -> (events, status)."""

    answers: dict[str, tuple[list, int | None, Fault | None]] = field(default_factory=dict)
    faults: FaultConfig = field(default_factory=FaultConfig)
    v2: bool = True
    payload: int = 1024 * 1024
    scripts: list[str] = field(default_factory=list)

    def banner(self) -> str:
        return "device::ro.product.name=fake;ro.product.model=Fake Phone;ro.product.device=fake;features=shell_v2,cmd"

    @property
    def shell_v2(self) -> bool:
        return self.v2

    @property
    def max_payload(self) -> int:
        return self.payload

    def prompt(self) -> str:
        return "fake:/ $ "

    def run_shell(self, script: str) -> ShellOutcome:
        self.scripts.append(script)
        events, status, fault = self.answers.get(script, ([Output(STDERR, b"sh: not found\n")], 127, None))
        return ShellOutcome(events=list(events), status=status, fault=fault)


class PhoneServer:
    """Serve one FakePhone on a free port from a background event loop."""

    def __init__(self, phone: FakePhone) -> None:
        self.phone = phone
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> PhoneServer:
        self.thread.start()

        async def start():
            def handle(reader, writer):
                return adbd.AdbdConnection(self.phone, reader, writer).serve()
            return await asyncio.start_server(handle, "127.0.0.1", 0)

        self.server = asyncio.run_coroutine_threadsafe(start(), self.loop).result(5)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc) -> None:
        async def stop():
            self.server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class RawHost:
    """The host side of the protocol, just enough for the tests."""

    def __init__(self, port: int, maxdata: int = 1024 * 1024) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.maxdata = maxdata

    def send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        self.sock.sendall(encode_message(command, arg0, arg1, data))

    def recv(self) -> adbd.Message:
        header = self._exact(24)
        command, arg0, arg1, length, _check, magic = struct.unpack("<6I", header)
        assert magic == command ^ 0xFFFFFFFF
        return adbd.Message(command, arg0, arg1, self._exact(length) if length else b"")

    def _exact(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def connect(self) -> adbd.Message:
        self.send(A_CNXN, A_VERSION, self.maxdata, b"host::features=shell_v2,cmd")
        return self.recv()

    def open(self, local_id: int, service: str) -> adbd.Message:
        self.send(A_OPEN, local_id, 0, service.encode() + b"\0")
        return self.recv()

    def close(self) -> None:
        self.sock.close()


def collect_stream(host: RawHost, local_id: int) -> tuple[bytes, int]:
    """Read WRTEs of one stream (acknowledging each) until CLSE; return data and the device's id."""
    data = b""
    remote = -1
    while True:
        msg = host.recv()
        assert msg.arg1 == local_id
        if msg.command == A_WRTE:
            remote = msg.arg0
            data += msg.data
            host.send(A_OKAY, local_id, msg.arg0)
        elif msg.command == A_CLSE:
            return data, remote


def v2_packets(data: bytes) -> list[tuple[int, bytes]]:
    packets = []
    while data:
        packet_id, length = struct.unpack_from("<BI", data)
        packets.append((packet_id, data[5:5 + length]))
        data = data[5 + length:]
    return packets


def test_handshake_answers_cnxn_with_banner_and_payload():
    phone = FakePhone(payload=256 * 1024)
    with PhoneServer(phone) as server:
        host = RawHost(server.port)
        reply = host.connect()
        host.close()
    assert reply.command == A_CNXN
    assert reply.arg0 == A_VERSION
    assert reply.arg1 == 256 * 1024
    assert reply.data.decode() == phone.banner()


def test_shell_v2_separates_streams_and_returns_exit_status():
    phone = FakePhone(answers={"pm path x": ([Output(STDOUT, b"out\n"), Output(STDERR, b"err\n")], 3, None)})
    with PhoneServer(phone) as server:
        host = RawHost(server.port)
        host.connect()
        okay = host.open(7, "shell,v2,raw:pm path x")
        assert okay.command == A_OKAY and okay.arg1 == 7
        data, remote = collect_stream(host, 7)
        host.close()
    assert remote == okay.arg0
    assert v2_packets(data) == [(1, b"out\n"), (2, b"err\n"), (3, b"\x03")]


def test_shell_v1_merges_streams_without_status():
    phone = FakePhone(answers={"x": ([Output(STDOUT, b"a"), Output(STDERR, b"b"), Output(STDOUT, b"c")], 1, None)})
    with PhoneServer(phone) as server:
        host = RawHost(server.port)
        host.connect()
        host.open(1, "shell:x")
        data, _ = collect_stream(host, 1)
        host.close()
    assert data == b"abc"


def test_v2_is_refused_when_the_phone_lacks_shell_v2():
    assert parse_service("shell,v2,raw:id", shell_v2=False) is None
    assert parse_service("shell:id", shell_v2=False).v2 is False
    assert parse_service("shell,v2,TERM=xterm-256color,raw:ls -l", shell_v2=True).command == "ls -l"
    assert parse_service("exec:getprop", shell_v2=True).raw is True
    phone = FakePhone(v2=False)
    with PhoneServer(phone) as server:
        host = RawHost(server.port)
        host.connect()
        refused = host.open(5, "shell,v2,raw:id")
        host.close()
    assert (refused.command, refused.arg0, refused.arg1) == (A_CLSE, 0, 5)
    assert phone.scripts == []


@pytest.mark.parametrize("service", ["sync:", "reboot:", "framebuffer:", "jdwp:123", "shellx:id", "abb:package"])
def test_unknown_services_are_refused_like_adbd(service):
    with PhoneServer(FakePhone()) as server:
        host = RawHost(server.port)
        host.connect()
        refused = host.open(9, service)
        host.close()
    assert (refused.command, refused.arg0, refused.arg1) == (A_CLSE, 0, 9)


def test_output_is_split_at_the_agreed_maximum_payload():
    big = bytes(range(256)) * 40  # 10240 bytes
    phone = FakePhone(answers={"big": ([Output(STDOUT, big)], 0, None)})
    with PhoneServer(phone) as server:
        host = RawHost(server.port, maxdata=4096)  # the smaller side wins
        host.connect()
        host.open(1, "shell:big")
        sizes, data = [], b""
        while True:
            msg = host.recv()
            if msg.command == A_CLSE:
                break
            sizes.append(len(msg.data))
            data += msg.data
            host.send(A_OKAY, 1, msg.arg0)
        host.close()
    assert data == big
    assert max(sizes) == 4096 and len(sizes) == 3


def test_flow_control_one_write_in_flight_until_okay():
    big = b"x" * 10000
    phone = FakePhone(answers={
        "big": ([Output(STDOUT, big)], 0, None),
        "small": ([Output(STDOUT, b"done\n")], 0, None),
    })
    with PhoneServer(phone) as server:
        host = RawHost(server.port, maxdata=4096)
        host.connect()
        host.open(1, "shell:big")
        first = host.recv()
        assert first.command == A_WRTE and len(first.data) == 4096
        # No OKAY for stream 1 yet: a complete second stream must go through meanwhile,
        # and nothing more of stream 1 may arrive before we acknowledge it.
        okay = host.open(2, "shell:small")
        assert okay.command == A_OKAY and okay.arg1 == 2
        seen = []
        while True:
            msg = host.recv()
            seen.append((msg.command, msg.arg1))
            if msg.command == A_WRTE:
                host.send(A_OKAY, msg.arg1, msg.arg0)
            if msg.command == A_CLSE and msg.arg1 == 2:
                break
        assert all(local == 2 for _cmd, local in seen)
        host.send(A_OKAY, 1, first.arg0)
        rest, _ = collect_stream(host, 1)
        host.close()
    assert first.data + rest == big


def test_many_concurrent_streams_keep_their_ids():
    answers = {f"echo {i}": ([Output(STDOUT, f"{i}\n".encode() * 500)], 0, None) for i in range(20)}
    phone = FakePhone(answers=answers)
    with PhoneServer(phone) as server:
        host = RawHost(server.port, maxdata=1024)
        host.connect()
        remote_of = {}
        for i in range(20):
            host.send(A_OPEN, 100 + i, 0, f"shell:echo {i}".encode() + b"\0")
        received: dict[int, bytes] = {}
        closed = set()
        while len(closed) < 20:
            msg = host.recv()
            local = msg.arg1
            if msg.command == A_OKAY:
                remote_of[local] = msg.arg0
            elif msg.command == A_WRTE:
                assert msg.arg0 == remote_of[local]
                received[local] = received.get(local, b"") + msg.data
                host.send(A_OKAY, local, msg.arg0)
            elif msg.command == A_CLSE:
                closed.add(local)
        host.close()
    assert len(set(remote_of.values())) == 20
    for i in range(20):
        assert received[100 + i] == f"{i}\n".encode() * 500


def test_unauthorized_phone_never_accepts_a_key():
    phone = FakePhone(faults=FaultConfig(unauthorized=True))
    with PhoneServer(phone) as server:
        host = RawHost(server.port)
        first = host.connect()
        assert (first.command, first.arg0, len(first.data)) == (A_AUTH, AUTH_TOKEN, 20)
        host.send(A_AUTH, AUTH_SIGNATURE, 0, b"s" * 256)
        again = host.recv()
        assert (again.command, again.arg0) == (A_AUTH, AUTH_TOKEN)
        host.send(A_AUTH, AUTH_RSAPUBLICKEY, 0, b"QUFBQQ== host@test\0")
        host.sock.settimeout(0.3)
        with pytest.raises(socket.timeout):
            host.recv()  # the prompt on the phone is never accepted
        host.close()
    assert phone.scripts == []


def test_offline_phone_never_answers_the_handshake():
    phone = FakePhone(faults=FaultConfig(offline=True))
    with PhoneServer(phone) as server:
        host = RawHost(server.port)
        host.send(A_CNXN, A_VERSION, 4096, b"host::")
        host.sock.settimeout(0.3)
        with pytest.raises(socket.timeout):
            host.recv()
        host.close()


def test_hang_keeps_the_stream_open_until_the_host_closes_it():
    phone = FakePhone(answers={
        "hang": ([Output(STDOUT, b"partial")], None, Fault.HANG),
        "ok": ([Output(STDOUT, b"fine\n")], 0, None),
    })
    with PhoneServer(phone) as server:
        host = RawHost(server.port)
        host.connect()
        host.open(1, "shell:hang")
        msg = host.recv()
        assert (msg.command, msg.data) == (A_WRTE, b"partial")
        host.send(A_OKAY, 1, msg.arg0)
        host.send(A_CLSE, 1, msg.arg0)  # the host gives up on it
        host.open(2, "shell:ok")  # the connection itself still works
        data, _ = collect_stream(host, 2)
        host.close()
    assert data == b"fine\n"


def test_drop_closes_the_whole_connection():
    phone = FakePhone(answers={"drop": ([Output(STDOUT, b"half")], None, Fault.DROP)})
    with PhoneServer(phone) as server:
        host = RawHost(server.port)
        host.connect()
        host.open(1, "shell:drop")
        msg = host.recv()
        assert msg.data == b"half"
        host.send(A_OKAY, 1, msg.arg0)
        with pytest.raises((EOFError, ConnectionError)):
            host.recv()
        host.close()


def test_garbage_closes_the_connection_without_crashing_the_server():
    phone = FakePhone(answers={"ok": ([Output(STDOUT, b"ok")], 0, None)})
    with PhoneServer(phone) as server:
        bad = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        bad.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert bad.recv(100) == b""  # closed on a bad magic
        bad.close()
        host = RawHost(server.port)
        host.connect()
        host.open(1, "shell:ok")
        data, _ = collect_stream(host, 1)
        host.close()
    assert data == b"ok"


def test_interactive_shell_runs_lines_until_exit():
    phone = FakePhone(answers={"id": ([Output(STDOUT, b"uid=2000(shell)\n")], 0, None)})
    with PhoneServer(phone) as server:
        host = RawHost(server.port)
        host.connect()
        okay = host.open(1, "shell,v2,pty:")
        remote = okay.arg0
        stdin = struct.pack("<BI", 0, 8) + b"id\nexit\n"
        host.send(A_WRTE, 1, remote, stdin)
        data = b""
        while True:
            msg = host.recv()
            if msg.command == A_WRTE:
                data += msg.data
                host.send(A_OKAY, 1, msg.arg0)
            elif msg.command == A_CLSE:
                break
        host.close()
    packets = v2_packets(data)
    assert packets[0] == (1, b"fake:/ $ ")
    assert (1, b"uid=2000(shell)\n") in packets
    assert packets[-1] == (3, b"\x00")
