"""`wa-harden watch` in a subprocess, its output lines in a queue: for the station tests."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent


class Watch:
    """`wa-harden watch` in a subprocess; its output lines arrive in a queue."""

    def __init__(self, server, *args, env=None, disk_fault=None):
        """``disk_fault``: (mode, folder, after) runs the station with :mod:`diskfault` installed."""
        env = {**server.env, "ANDROID_ADB_SERVER_PORT": str(server.port), **(env or {})}
        if disk_fault is None:
            command = [sys.executable, "-m", "wa_harden", "watch", *args]
        else:
            mode, folder, after = disk_fault
            command = [sys.executable, "-m", "diskfault", mode, str(folder), str(after), "--", "watch", *args]
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, text, timeout=30.0):
        """The next line containing ``text`` (lines before it are kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r}; seen: {self.seen}")

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=20)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
