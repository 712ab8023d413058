"""Disk trouble on demand for the fault matrix: a folder that is read-only, or that fills up.

Two ways, the same trouble:

- :func:`small_tmpfs` mounts a real size-limited tmpfs (read-only on request) where the machine
  allows it (root with the right to mount); the kernel itself then answers ENOSPC or EROFS.
- :class:`DiskFault` injects the operating system's error at the write, anywhere: it wraps
  ``os.open``, ``os.mkdir``, ``os.write`` and ``os.fsync`` so that files under one folder fail as
  on a read-only or full disk.  "Full" is placed exactly: the first ``after`` fsyncs of files in the
  folder succeed, then a write gets half its bytes out (a short write, as a filling disk gives) and
  every later write and fsync fails with ENOSPC — on filesystems that allocate late (ext4 delalloc,
  NFS, XFS), fsync is where a full disk is first reported, so the buffered writes of Python's file
  objects are caught there.

``python -m diskfault MODE FOLDER AFTER -- wa-harden ARGS`` runs the command line with the fault
installed (for ``watch``, which tests run in a subprocess).
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class DiskFault:
    """Make ``folder`` read-only (``mode="read-only"``) or full after ``after`` fsyncs (``"full"``)."""

    def __init__(self, folder: str | os.PathLike[str], mode: str, after: int = 0) -> None:
        if mode not in ("read-only", "full"):
            raise ValueError(mode)
        self.folder = os.path.realpath(folder)
        self.mode = mode
        self.after = after
        self.fsyncs = 0
        self.failures = 0  # how many operations the fault refused (a test checks the fault was hit)
        self.short_written = False
        self._lock = threading.Lock()
        self._saved: dict[str, object] = {}

    # --- which files ------------------------------------------------------------------------------

    def _inside(self, path: str | os.PathLike[str] | int) -> bool:
        try:
            if isinstance(path, int):
                path = os.readlink(f"/proc/self/fd/{path}")
            real = os.path.realpath(os.fsdecode(path))
        except (OSError, TypeError, ValueError):
            return False
        return real == self.folder or real.startswith(self.folder + os.sep)

    def _fail(self, code: int, what: object) -> OSError:
        with self._lock:
            self.failures += 1
        return OSError(code, os.strerror(code), os.fsdecode(what) if not isinstance(what, int) else None)

    @property
    def full(self) -> bool:
        with self._lock:
            return self.mode == "full" and self.fsyncs >= self.after

    # --- the wrapped calls ------------------------------------------------------------------------

    def _open(self, path, flags, mode=0o777, *, dir_fd=None):  # type: ignore[no-untyped-def]
        real_open = self._saved["open"]
        if self.mode == "read-only" and dir_fd is None and flags & _WRITE_FLAGS and self._inside(path):
            raise self._fail(errno.EROFS, path)
        return real_open(path, flags, mode, dir_fd=dir_fd)  # type: ignore[operator]

    def _mkdir(self, path, mode=0o777, *, dir_fd=None):  # type: ignore[no-untyped-def]
        if self.mode == "read-only" and dir_fd is None and self._inside(os.path.dirname(os.path.abspath(path))):
            raise self._fail(errno.EROFS, path)
        return self._saved["mkdir"](path, mode, dir_fd=dir_fd)  # type: ignore[operator]

    def _write(self, fd, data):  # type: ignore[no-untyped-def]
        real_write = self._saved["write"]
        if self.full and self._inside(fd):
            with self._lock:
                short, self.short_written = not self.short_written, True
            if short and len(data) > 1:  # the disk takes half, then nothing more
                with self._lock:
                    self.failures += 1
                return real_write(fd, bytes(data)[: len(data) // 2])  # type: ignore[operator]
            raise self._fail(errno.ENOSPC, fd)
        return real_write(fd, data)  # type: ignore[operator]

    def _access(self, path, mode, *, dir_fd=None, effective_ids=False, follow_symlinks=True):  # type: ignore[no-untyped-def]
        if self.mode == "read-only" and mode & os.W_OK and dir_fd is None and self._inside(path):
            return False
        return self._saved["access"](path, mode, dir_fd=dir_fd, effective_ids=effective_ids,  # type: ignore[operator]
                                     follow_symlinks=follow_symlinks)

    def _fsync(self, fd):  # type: ignore[no-untyped-def]
        if self.mode == "full" and self._inside(fd):
            if self.full:
                raise self._fail(errno.ENOSPC, fd)
            with self._lock:
                self.fsyncs += 1
        return self._saved["fsync"](fd)  # type: ignore[operator]

    # --- installing -------------------------------------------------------------------------------

    def __enter__(self) -> DiskFault:
        for name in ("open", "mkdir", "write", "fsync", "access"):
            self._saved[name] = getattr(os, name)
        os.access = self._access  # type: ignore[assignment]
        os.open = self._open  # type: ignore[assignment]
        os.mkdir = self._mkdir  # type: ignore[assignment]
        os.write = self._write  # type: ignore[assignment]
        os.fsync = self._fsync  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        for name, value in self._saved.items():
            setattr(os, name, value)


def mount_allowed() -> bool:
    """Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as in the CI container)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    probe = Path(f"/tmp/wa-harden-mount-probe-{uuid.uuid4().hex}")
    probe.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(probe)],
                                 capture_output=True).returncode == 0
        if mounted:
            subprocess.run(["umount", str(probe)], capture_output=True)
        return mounted
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str = "64k", read_only: bool = False) -> Iterator[Path]:
    """A real tmpfs of ``size`` mounted on ``folder`` (unmounted afterwards)."""
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0700" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=True, capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path) -> None:
    """Write into ``folder`` until the disk is full (leaves the filler file in place)."""
    with open(folder / "filler", "wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 4096)


if __name__ == "__main__":  # python -m diskfault MODE FOLDER AFTER -- ARGS...
    mode, folder, after, separator, *args = sys.argv[1:]
    assert separator == "--"
    from wa_harden.cli import main

    with DiskFault(folder, mode, int(after)):
        sys.exit(main(args))
