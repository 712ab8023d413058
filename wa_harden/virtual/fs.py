"""In-memory file system of a virtual phone: directories, regular files and symlinks.

Two hundred phones share one process, so a node is a slotted object and paths are resolved by
walking dictionaries.  Access control is modelled only for the unprivileged adb ``shell`` user:
each node may refuse listing/entering (``readable``) or creating/removing/writing (``writable``),
inherited from its parent unless set.  uid 0 (the persona builder, the simulated Android) is never
refused.  Errors are :class:`FsError` values naming the errno, so commands can print the exact
toybox/mksh wording.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

ROOT_UID = 0

DIR = "d"
FILE = "f"
LINK = "l"

# Access bits for the shell user, as in a mode's "other" triplet, and one more: a hidden node does
# not exist for the shell at all (another user's storage on Android 11+, outside the shell's view).
_R, _W, _X = 4, 2, 1
_ALL = _R | _W | _X
_HIDDEN = 8

_MAX_SYMLINKS = 40
_FUSE_DIR_SIZE = 3452  # what the FUSE daemon of /storage reports for every directory
_EXT4_DIR_SIZE = 4096
_DEV_NULL = "/dev/null"

_STRERROR = {
    "ENOENT": "No such file or directory",
    "EACCES": "Permission denied",
    "EEXIST": "File exists",
    "ENOTDIR": "Not a directory",
    "EISDIR": "Is a directory",
    "ENOTEMPTY": "Directory not empty",
    "ELOOP": "Too many symbolic links encountered",
    "EINVAL": "Invalid argument",
    "EBUSY": "Device or resource busy",
}

# Top-level folders every Android shared storage has.
STORAGE_TOP_DIRS = (
    "Alarms",
    "Android/data",
    "Android/media",
    "Android/obb",
    "DCIM",
    "Documents",
    "Download",
    "Movies",
    "Music",
    "Notifications",
    "Pictures",
    "Podcasts",
    "Ringtones",
)


def strerror(errno_name: str) -> str:
    """Bionic's text for an errno name (the part after the last colon of a toybox message)."""
    return _STRERROR.get(errno_name, errno_name)


class FsError(Exception):
    """A refused or impossible file-system operation: ``errno_name`` (``ENOENT``...) on ``path``."""

    def __init__(self, errno_name: str, path: str) -> None:
        super().__init__(f"{path}: {strerror(errno_name)}")
        self.errno_name = errno_name
        self.path = path

    @property
    def reason(self) -> str:
        return strerror(self.errno_name)


@dataclass(frozen=True, slots=True)
class FileInfo:
    """What ``stat`` tells the caller, with the access the asking uid has."""

    kind: str  # DIR, FILE or LINK
    size: int
    mtime: datetime
    mode: int  # permission bits only (0o7777)
    owner: str
    group: str
    target: str | None  # symlinks only
    readable: bool
    writable: bool

    @property
    def is_dir(self) -> bool:
        return self.kind == DIR

    @property
    def is_file(self) -> bool:
        return self.kind == FILE

    @property
    def is_link(self) -> bool:
        return self.kind == LINK

    @property
    def nlink(self) -> int:
        return 2 if self.kind == DIR else 1

    @property
    def mode_string(self) -> str:
        """``drwxrwx--x`` as ``ls -l`` prints it."""
        chars = ["-" if self.kind == FILE else self.kind]
        for shift in (6, 3, 0):
            bits = (self.mode >> shift) & 7
            chars.append("r" if bits & 4 else "-")
            chars.append("w" if bits & 2 else "-")
            chars.append("x" if bits & 1 else "-")
        return "".join(chars)


class _Node:
    __slots__ = ("kind", "children", "data", "target", "mtime", "mode", "owner", "group", "access")

    def __init__(self, kind: str, mtime: datetime, mode: int, owner: str, group: str) -> None:
        self.kind = kind
        self.children: dict[str, _Node] | None = {} if kind == DIR else None
        self.data = b""
        self.target: str | None = None
        self.mtime = mtime
        self.mode = mode
        self.owner = owner
        self.group = group
        self.access: int | None = None  # None: inherit the parent's effective access


class _Found:
    """A resolved path: the node, the shell user's effective access bits and the canonical path."""

    __slots__ = ("node", "access", "path", "parent", "parent_access", "name")

    def __init__(
        self, node: _Node | None, access: int, path: str, parent: _Node, parent_access: int, name: str
    ) -> None:
        self.node = node
        self.access = access
        self.path = path
        self.parent = parent
        self.parent_access = parent_access
        self.name = name


def _split(path: str) -> list[str]:
    return [part for part in path.split("/") if part and part != "."]


def absolute(path: str, cwd: str = "/") -> str:
    """``path`` made absolute against ``cwd`` and normalised lexically (no symlinks followed)."""
    if not path.startswith("/"):
        path = cwd.rstrip("/") + "/" + path
    normal = posixpath.normpath(path)
    return "/" + normal.lstrip("/") if normal.startswith("//") else normal


class VirtualFS:
    """The file tree of one virtual phone."""

    __slots__ = ("_root", "clock")

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock: Callable[[], datetime] = clock or datetime.now
        self._root = _Node(DIR, self.clock(), 0o755, "root", "root")
        self._root.access = _R | _X

    # --- construction --------------------------------------------------------------------------

    @classmethod
    def android_default(
        cls, clock: Callable[[], datetime] | None = None, user_ids: tuple[int, ...] = (0,),
        hide_other_users: bool = False,
    ) -> VirtualFS:
        """The tree every Android 8-16 phone shows to ``adb shell``.

        Storage of users other than the first is refused to the shell (Android 8-10: the folder is
        there, listing it is "Permission denied"), or with ``hide_other_users`` (Android 11+, where
        the shell's FUSE view has only its own user) not there at all: "No such file or directory".
        """
        fs = cls(clock)
        fs.mkdirs("/system/bin")
        fs.write_file(_DEV_NULL, parents=True)
        fs.set_mode(_DEV_NULL, 0o666)
        fs.mkdirs("/data/local/tmp")
        fs.mkdirs("/data/data")
        fs.set_owner("/data", "system", "system")
        fs.set_mode("/data", 0o771)
        fs.set_access("/data", readable=False, searchable=True)
        fs.set_mode("/data/local", 0o751)
        fs.set_owner("/data/local/tmp", "shell", "shell")
        fs.set_mode("/data/local/tmp", 0o771)
        fs.set_access("/data/local/tmp", readable=True, writable=True)
        fs.set_owner("/data/data", "system", "system")
        fs.set_access("/data/data", readable=False, writable=False)
        fs.mkdirs("/storage/self")
        fs.mkdirs("/mnt")
        for number, user_id in enumerate(user_ids):
            root = fs.add_user_storage(user_id, accessible=number == 0)
            if number and hide_other_users:
                fs.set_access(root, hidden=True)
        first = f"/storage/emulated/{user_ids[0]}" if user_ids else "/storage/emulated/0"
        for link in ("/sdcard", "/storage/self/primary", "/mnt/sdcard"):
            fs.symlink(first, link)
        return fs

    def add_user_storage(self, user_id: int, accessible: bool = True) -> str:
        """Create ``/storage/emulated/<user_id>`` with the usual top-level folders; return it."""
        root = f"/storage/emulated/{user_id}"
        self.mkdirs(root)
        self.set_owner(root, "root", "sdcard_rw")
        self.set_mode(root, 0o771)
        for top in STORAGE_TOP_DIRS:
            self.mkdirs(f"{root}/{top}")
        self.set_access(root, readable=accessible, writable=accessible)
        return root

    # --- resolution ----------------------------------------------------------------------------

    def _resolve(self, path: str, cwd: str, uid: int, follow: bool) -> _Found:
        """Walk ``path``; the last component may be missing (``node`` None), nothing else may."""
        if not path:
            raise FsError("ENOENT", path)
        if not path.startswith("/"):
            path = cwd.rstrip("/") + "/" + path
        follow = follow or path.endswith("/")
        pending = _split(path)
        pending.reverse()  # a stack: pop() yields the next component
        root = self._root
        stack: list[tuple[_Node, int, str]] = [(root, root.access or _ALL, "")]
        privileged = uid == ROOT_UID
        links = 0
        while pending:
            name = pending.pop()
            if name == "..":
                if len(stack) > 1:
                    stack.pop()
                continue
            node, access, _ = stack[-1]
            if node.kind != DIR:
                raise FsError("ENOTDIR", path)
            if not privileged and not access & _X:
                raise FsError("EACCES", path)
            child = node.children.get(name)  # type: ignore[union-attr]
            if child is not None and not privileged and _hidden(access, child):
                child = None
            if child is None:
                if pending:
                    raise FsError("ENOENT", path)
                return _Found(None, access, _join(stack, name), node, access, name)
            if child.kind == LINK and (pending or follow):
                links += 1
                if links > _MAX_SYMLINKS:
                    raise FsError("ELOOP", path)
                target = child.target or ""
                if target.startswith("/"):
                    del stack[1:]
                pending.extend(reversed(_split(target)))
                continue
            stack.append((child, access if child.access is None else child.access, name))
        node, access, name = stack[-1]
        if len(stack) == 1:
            return _Found(node, access, "/", node, access, "")
        if path.endswith("/") and node.kind != DIR:
            raise FsError("ENOTDIR", path)
        parent, parent_access, _ = stack[-2]
        return _Found(node, access, _join(stack[:-1], name), parent, parent_access, name)

    def _existing(self, path: str, cwd: str, uid: int, follow: bool = True) -> _Found:
        found = self._resolve(path, cwd, uid, follow)
        if found.node is None:
            raise FsError("ENOENT", path)
        return found

    # --- queries -------------------------------------------------------------------------------

    def stat(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID, follow: bool = True) -> FileInfo:
        found = self._existing(path, cwd, uid, follow)
        return self._info(found.node, found.access, found.path, uid)  # type: ignore[arg-type]

    def lstat(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID) -> FileInfo:
        return self.stat(path, cwd=cwd, uid=uid, follow=False)

    def exists(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID) -> bool:
        return self._kind(path, cwd, uid) is not None

    def is_dir(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID) -> bool:
        return self._kind(path, cwd, uid) == DIR

    def is_file(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID) -> bool:
        return self._kind(path, cwd, uid) == FILE

    def _kind(self, path: str, cwd: str, uid: int) -> str | None:
        try:
            node = self._resolve(path, cwd, uid, True).node
        except FsError:
            return None
        return None if node is None else node.kind

    def realpath(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID) -> str:
        """The canonical path of an existing node, every symlink followed."""
        return self._existing(path, cwd, uid).path

    def listdir(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID) -> list[str]:
        """Sorted entry names (``.`` and ``..`` excluded)."""
        return [name for name, _ in self.scandir(path, cwd=cwd, uid=uid)]

    def scandir(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID) -> list[tuple[str, FileInfo]]:
        """Sorted ``(name, lstat info)`` of a directory's entries, in one walk."""
        found = self._opendir(path, cwd, uid)
        base = found.path.rstrip("/")
        access = found.access
        entries = []
        for name, child in sorted(found.node.children.items()):  # type: ignore[union-attr]
            child_access = access if child.access is None else child.access
            if uid != ROOT_UID and child_access & _HIDDEN:
                continue
            entries.append((name, self._info(child, child_access, f"{base}/{name}", uid)))
        return entries

    def _opendir(self, path: str, cwd: str, uid: int) -> _Found:
        found = self._existing(path, cwd, uid)
        if found.node.kind != DIR:  # type: ignore[union-attr]
            raise FsError("ENOTDIR", path)
        if uid != ROOT_UID and not found.access & _R:
            raise FsError("EACCES", path)
        return found

    def read_file(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID) -> bytes:
        found = self._existing(path, cwd, uid)
        node = found.node
        if node.kind == DIR:  # type: ignore[union-attr]
            raise FsError("EISDIR", path)
        if uid != ROOT_UID and not found.access & _R:
            raise FsError("EACCES", path)
        return node.data  # type: ignore[union-attr]

    def walk(self, path: str = "/") -> Iterator[tuple[str, FileInfo]]:
        """Every node under ``path`` (pre-order, sorted, symlinks not followed), as root sees it."""
        found = self._existing(path, "/", ROOT_UID)
        yield from self._walk(found.node, found.path, found.access)  # type: ignore[arg-type]

    def _walk(self, node: _Node, path: str, access: int) -> Iterator[tuple[str, FileInfo]]:
        yield path, self._info(node, access, path, ROOT_UID)
        if node.children:
            base = path.rstrip("/")
            for name, child in sorted(node.children.items()):
                child_access = access if child.access is None else child.access
                yield from self._walk(child, f"{base}/{name}", child_access)

    @staticmethod
    def _info(node: _Node, access: int, path: str, uid: int) -> FileInfo:
        if node.kind == DIR:
            size = _FUSE_DIR_SIZE if path.startswith("/storage/") else _EXT4_DIR_SIZE
        elif node.kind == LINK:
            size = len((node.target or "").encode())
        else:
            size = len(node.data)
        privileged = uid == ROOT_UID
        return FileInfo(
            kind=node.kind,
            size=size,
            mtime=node.mtime,
            mode=node.mode,
            owner=node.owner,
            group=node.group,
            target=node.target,
            readable=privileged or bool(access & _R),
            writable=privileged or bool(access & _W),
        )

    # --- changes -------------------------------------------------------------------------------

    def _create(self, found: _Found, kind: str, mtime: datetime | None, uid: int, path: str) -> _Node:
        parent = found.parent
        if parent.kind != DIR:
            raise FsError("ENOTDIR", path)
        if uid != ROOT_UID and not found.parent_access & _W:
            raise FsError("EACCES", path)
        when = mtime or self.clock()
        mode = parent.mode if kind == DIR else parent.mode & 0o666
        node = _Node(kind, when, mode, parent.owner, parent.group)
        parent.children[found.name] = node  # type: ignore[index]
        if when > parent.mtime:
            parent.mtime = when
        return node

    def mkdir(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID, mtime: datetime | None = None) -> None:
        found = self._resolve(path, cwd, uid, False)
        if found.node is not None:
            raise FsError("EEXIST", path)
        self._create(found, DIR, mtime, uid, path)

    def mkdirs(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID, mtime: datetime | None = None) -> None:
        """``mkdir -p``: create every missing directory of ``path``; existing ones are fine."""
        target = absolute(path, cwd)
        parts = _split(target)
        for end in range(1, len(parts) + 1):
            prefix = "/" + "/".join(parts[:end])
            found = self._resolve(prefix, "/", uid, True)
            if found.node is None:
                self._create(found, DIR, mtime, uid, prefix)
            elif found.node.kind != DIR:
                raise FsError("ENOTDIR" if end < len(parts) else "EEXIST", prefix)

    def write_file(
        self,
        path: str,
        data: bytes = b"",
        mtime: datetime | None = None,
        *,
        cwd: str = "/",
        uid: int = ROOT_UID,
        append: bool = False,
        parents: bool = False,
    ) -> None:
        """Create or replace (or extend, with ``append``) a regular file; ``parents`` as mkdir -p."""
        if parents:
            self.mkdirs(posixpath.dirname(absolute(path, cwd)), uid=uid)
        found = self._resolve(path, cwd, uid, True)
        node = found.node
        if found.path == _DEV_NULL and node is not None:
            return
        if node is None:
            node = self._create(found, FILE, mtime, uid, path)
        elif node.kind == DIR:
            raise FsError("EISDIR", path)
        elif uid != ROOT_UID and not found.access & _W:
            raise FsError("EACCES", path)
        else:
            node.mtime = mtime or self.clock()
        node.data = node.data + data if append else data

    def touch(
        self, path: str, *, cwd: str = "/", uid: int = ROOT_UID, create: bool = True, mtime: datetime | None = None
    ) -> None:
        """Set the modification time of ``path``, creating an empty file if it is missing."""
        found = self._resolve(path, cwd, uid, True)
        if found.node is None:
            if create:
                self._create(found, FILE, mtime, uid, path)
            return
        if uid != ROOT_UID and not found.access & _W:
            raise FsError("EACCES", path)
        found.node.mtime = mtime or self.clock()

    def symlink(self, target: str, path: str, *, cwd: str = "/", uid: int = ROOT_UID) -> None:
        found = self._resolve(path, cwd, uid, False)
        if found.node is not None:
            raise FsError("EEXIST", path)
        node = self._create(found, LINK, None, uid, path)
        node.target = target
        node.mode = 0o777

    def remove(self, path: str, *, cwd: str = "/", uid: int = ROOT_UID, recursive: bool = False) -> None:
        """Unlink a file or symlink, or remove a directory (non-empty ones only with ``recursive``)."""
        found = self._existing(path, cwd, uid, follow=False)
        node = found.node
        if found.path == "/":
            raise FsError("EBUSY", path)
        if node.kind == DIR and node.children and not recursive:  # type: ignore[union-attr]
            raise FsError("ENOTEMPTY", path)
        if uid != ROOT_UID and not found.parent_access & _W:
            raise FsError("EACCES", path)
        del found.parent.children[found.name]  # type: ignore[union-attr]
        now = self.clock()
        if now > found.parent.mtime:
            found.parent.mtime = now

    def set_access(
        self,
        path: str,
        *,
        readable: bool | None = None,
        writable: bool | None = None,
        searchable: bool | None = None,
        hidden: bool | None = None,
    ) -> None:
        """Refuse or allow the shell user on ``path`` and (unless they override it) its subtree.

        ``readable=False`` refuses listing and entering (as mode 0 does); ``searchable=True`` then
        allows entering without listing (``/data``: ``/data/local/tmp`` is reachable, ``ls /data``
        is not); ``hidden=True`` makes the node not exist for the shell (ENOENT, not in listings).
        Options left as None keep the current value.
        """
        found = self._existing(path, "/", ROOT_UID)
        node = found.node
        access = found.access
        if readable is not None:
            access = access | _R | _X if readable else access & ~(_R | _X)
        if writable is not None:
            access = access | _W if writable else access & ~_W
        if searchable is not None:
            access = access | _X if searchable else access & ~_X
        if hidden is not None:
            access = access | _HIDDEN if hidden else access & ~_HIDDEN
        node.access = access  # type: ignore[union-attr]

    def set_mode(self, path: str, mode: int) -> None:
        self._existing(path, "/", ROOT_UID).node.mode = mode & 0o7777  # type: ignore[union-attr]

    def set_owner(self, path: str, owner: str, group: str | None = None) -> None:
        node = self._existing(path, "/", ROOT_UID).node
        node.owner = owner  # type: ignore[union-attr]
        if group is not None:
            node.group = group  # type: ignore[union-attr]

    def set_mtime(self, path: str, mtime: datetime) -> None:
        self._existing(path, "/", ROOT_UID).node.mtime = mtime  # type: ignore[union-attr]

    def node_count(self) -> int:
        """How many nodes the tree holds (memory budgeting in benchmarks)."""
        return sum(1 for _ in self.walk("/"))


def _hidden(parent_access: int, child: _Node) -> bool:
    return bool((parent_access if child.access is None else child.access) & _HIDDEN)


def _join(stack: list[tuple[_Node, int, str]], name: str) -> str:
    names = [entry[2] for entry in stack[1:]]
    names.append(name)
    return "/" + "/".join(names)
