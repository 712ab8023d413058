"""A comparable copy of a whole simulated phone, so a test can say "undo put everything back".

:meth:`AndroidPhone.snapshot` (and :meth:`VirtualPhone.snapshot`) returns a :class:`PhoneSnapshot`:
a deep copy of the simulated Android's state (build, users, packages with every user's grants,
flags and app-ops, backup, settings, lock screens, accounts, device policy, OEM switches) and the
shared-storage file tree (every node under ``/storage/emulated``, every user's, with its kind,
mode, owner, content and the shell's access).  Snapshots compare with ``==``; :meth:`diff` names
what differs, for an assertion message::

    before = phone.snapshot()
    ...  # fix, then undo
    after = phone.snapshot()
    assert after == before, "\\n".join(before.diff(after))

Modification times are left out unless ``times=True``: creating and removing a ``.nomedia`` leaves
the folder as it was but with a newer mtime, as on a real file system.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wa_harden.virtual.android.state import AndroidState
from wa_harden.virtual.fs import FILE, VirtualFS

SHARED_STORAGE = "/storage/emulated"


@dataclass(frozen=True)
class FileEntry:
    """One node of shared storage as root sees it (``readable``/``writable``: the shell's access)."""

    path: str
    kind: str  # "d", "f" or "l"
    mode: int
    owner: str
    group: str
    target: str | None
    data: bytes
    readable: bool
    writable: bool
    mtime: datetime | None = None  # only in snapshots taken with times=True


@dataclass(frozen=True, eq=True)
class PhoneSnapshot:
    """The whole simulated state of one phone at one moment; compare two with ``==``."""

    state: AndroidState
    files: tuple[FileEntry, ...]

    __hash__ = None  # type: ignore[assignment]  # holds a mutable state: equal, never hashed

    def file(self, path: str) -> FileEntry | None:
        return next((entry for entry in self.files if entry.path == path), None)

    def diff(self, other: PhoneSnapshot) -> list[str]:
        """What differs from ``other`` (the later snapshot), one line each:
        ``state.<path>: <before> -> <after>`` (sets: ``removed [...] added [...]``) and
        ``file <path>: only before|only after|<field> differs``."""
        lines = [f"state{where}: {change}" for where, change in _differences(self.state, other.state)]
        mine_files = {entry.path: entry for entry in self.files}
        their_files = {entry.path: entry for entry in other.files}
        for path in sorted(mine_files.keys() | their_files.keys()):
            mine_entry, their_entry = mine_files.get(path), their_files.get(path)
            if their_entry is None:
                lines.append(f"file {path}: only before")
            elif mine_entry is None:
                lines.append(f"file {path}: only after")
            elif mine_entry != their_entry:
                changed = [f.name for f in dataclasses.fields(FileEntry)
                           if getattr(mine_entry, f.name) != getattr(their_entry, f.name)]
                lines.append(f"file {path}: {', '.join(changed)} differ{'s' if len(changed) == 1 else ''}")
        return lines


def take_snapshot(state: AndroidState, fs: VirtualFS, times: bool = False) -> PhoneSnapshot:
    """A deep copy of ``state`` and of the shared-storage tree of ``fs``."""
    files = []
    for path, info in fs.walk(SHARED_STORAGE):
        files.append(FileEntry(
            path=path,
            kind=info.kind,
            mode=info.mode,
            owner=info.owner,
            group=info.group,
            target=info.target,
            data=fs.read_file(path) if info.kind == FILE else b"",
            readable=_shell_access(fs, path, "r"),
            writable=_shell_access(fs, path, "w"),
            mtime=info.mtime if times else None,
        ))
    return PhoneSnapshot(state=copy.deepcopy(state), files=tuple(files))


def _shell_access(fs: VirtualFS, path: str, what: str) -> bool:
    """Whether the shell user may read (list) or write ``path``; hidden nodes count as neither."""
    from wa_harden.virtual.fs import FsError

    try:
        info = fs.lstat(path, uid=2000)
    except FsError:
        return False
    return info.readable if what == "r" else info.writable


def _differences(mine: Any, theirs: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every leaf where two values differ, with a Python-like path (``.packages['x'].users[0]``)."""
    if mine == theirs:
        return
    if dataclasses.is_dataclass(mine) and type(mine) is type(theirs) and not isinstance(mine, type):
        for field in dataclasses.fields(mine):
            yield from _differences(getattr(mine, field.name), getattr(theirs, field.name), f"{where}.{field.name}")
        return
    if isinstance(mine, Mapping) and isinstance(theirs, Mapping):
        for key in sorted(mine.keys() | theirs.keys(), key=repr):
            if key not in theirs:
                yield f"{where}[{key!r}]", f"{mine[key]!r} -> <missing>"
            elif key not in mine:
                yield f"{where}[{key!r}]", f"<missing> -> {theirs[key]!r}"
            else:
                yield from _differences(mine[key], theirs[key], f"{where}[{key!r}]")
        return
    if isinstance(mine, (set, frozenset)) and isinstance(theirs, (set, frozenset)):
        removed = sorted(map(_plain, mine - theirs))
        added = sorted(map(_plain, theirs - mine))
        yield where, " ".join(part for part in (f"removed {removed}" if removed else "",
                                                f"added {added}" if added else "") if part)
        return
    yield where, f"{mine!r} -> {theirs!r}"


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value
