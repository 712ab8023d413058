"""Writing reports, captures and records to files without ever losing one.

- Regular files are written atomically (a temporary file in the same folder, fsynced, renamed
  over the target), so readers see the old file or the whole new one; an existing file keeps its
  permission bits.
- Special files (``/dev/null``, ``/dev/stdout``, a FIFO, a shell's ``>(cmd)``) are written
  through: renaming a temporary file over a device node would replace it.
- :func:`check_output_path` is called before any phone is contacted, so a report that cannot be
  written is refused up front instead of after a long audit; it also refuses to overwrite a file
  the same run reads (``check --replay cap.json -o cap.json``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from wa_harden.errors import OutputFileError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_NAME_MAX = 64


def safe_file_name(text: str, suffix: str) -> str:
    """A file name for any text (a serial, server and serial): its safe characters, cut short, and
    a hash of the whole text so that two texts never share a name; never hidden, never a path, never
    an option (``rm *`` in a folder holding ``-rf-….json`` would remove everything)."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"a file name needs a non-empty text, not {text!r}")
    readable = _UNSAFE.sub("_", text)[:_NAME_MAX]
    if readable.startswith((".", "-")):
        readable = "_" + readable[1:]  # no hidden files, no "." or "..", no name a command reads as options
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{readable}-{digest}{suffix}"


def _is_special(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def check_output_path(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Raise OutputFileError unless ``path`` can be written without destroying an input."""
    target = Path(path)
    if target.is_dir():
        raise OutputFileError(f"cannot write {path}: it is a directory")
    for source in inputs:
        if _same_file(target, Path(source)):
            raise OutputFileError(f"refusing to write {path}: it is also an input of this run ({source})",
                                  hint="write the report to another file")
    if _is_special(target):
        if not os.access(target, os.W_OK):
            raise OutputFileError(f"cannot write {path}: permission denied")
        return
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputFileError(f"cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputFileError(f"cannot write {path}: the folder {folder} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputFileError(f"cannot write {path}: the file is not writable")


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: str | os.PathLike[str], text: str, mode: int | None = None) -> None:
    """Write ``text`` so that readers see the old file or the whole new one, never a part.

    ``mode`` sets the permission bits of a new file (e.g. 0o600 for the journal's snapshots); an
    existing file keeps its own.  Special files are written through instead.
    """
    target = Path(path)
    if _is_special(target):
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        return
    directory = target.parent if str(target.parent) else Path(".")
    try:
        existing = target.stat().st_mode & 0o7777
    except OSError:
        existing = None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, existing if existing is not None else (mode if mode is not None else _default_mode()))
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        fsync_dir(directory)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_report(path: str | os.PathLike[str], text: str) -> None:
    """:func:`write_atomic` for files a person or a script asked for (reports, captures): trouble
    with the disk (full, read-only, gone) is an :class:`OutputFileError` naming the file and what to
    do; the file is either the whole new text or left as it was."""
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise OutputFileError(f"cannot write {path}: {exc.strerror or exc}",
                              hint="nothing was written there (a file that was there is unchanged): free some "
                                   "space or choose another place, then run again") from None


def fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
