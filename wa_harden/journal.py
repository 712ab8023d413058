"""The fix's journal: a hash-chained record of every change, and the snapshots undo restores from.

The company must be able to prove afterwards what was changed on which phone, by whom and when
(GDPR Art. 5(2), 24), so the journal is append-only and tamper-evident: every record carries the
hash of the record before it and its own hash over its canonical JSON, and :meth:`Journal.verify`
names the first record that was changed, deleted, inserted, moved or cut short.

Only masked data goes in.  The journal stores what its callers give it, verbatim and for years, so
callers pass commands, identifiers of checks and packages, exit statuses, hashes of outputs and
counts: never contact names, account names, phone numbers or raw command output.

Layout of a journal folder (``docs/JOURNAL.md``)::

    DIR/journal.jsonl               one record a line, hash-chained
    DIR/journal.lock                flock'ed by every appender (and shared by readers)
    DIR/runs/RUN_ID/<serial>.json   the state of one phone before the run changed it

Appends from several processes are serialised by an exclusive lock, so the chain never forks; each
record is written with one ``write`` on an ``O_APPEND`` descriptor and fsynced before
:meth:`Journal.append` returns.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import hashlib
import json
import math
import os
import re
import secrets
import socket
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

from wa_harden.errors import ExitStatus, WaHardenError
from wa_harden.output import fsync_dir, safe_file_name, write_atomic

FORMAT_VERSION = 1
GENESIS = "0" * 64  # the ``prev`` of the first record
ENV_VAR = "WA_HARDEN_JOURNAL_DIR"
JOURNAL_FILE = "journal.jsonl"
LOCK_FILE = "journal.lock"
RUNS_FOLDER = "runs"

# The chain's own fields, in the order they are written; a caller's fields go between run/kind and prev.
CHAIN_FIELDS = ("v", "time", "operator", "host", "run", "kind", "prev", "hash")

RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")
RUN_ID_EXAMPLE = "20261130T061502Z-3f9a1c"

_TAIL_BLOCK = 64 * 1024

Record: TypeAlias = dict[str, Any]
Clock: TypeAlias = Callable[[], datetime]


class JournalError(WaHardenError):
    """The journal or a snapshot cannot be read or written, or a run asked for does not exist."""

    exit_status = ExitStatus.USAGE


class PhoneBusy(Exception):
    """Another run holds the phone's lock; ``holder`` says which (pid, host, run, since)."""

    def __init__(self, serial: str, holder: str) -> None:
        super().__init__(f"{serial} is being changed by another wa-harden run ({holder})")
        self.serial = serial
        self.holder = holder


@dataclass(frozen=True)
class DamagedLine:
    """A line of the journal that is not a JSON object: cut short, or edited into something else."""

    line: int  # 1-based
    text: str


@dataclass(frozen=True)
class Verification:
    """What :meth:`Journal.verify` found.  ``broken_at`` and ``problem`` only for a broken chain."""

    intact: bool
    records: int  # lines in the journal, damaged ones included
    head: str  # the last record's hash (64 zeros for an empty journal)
    broken_at: int | None = None  # 1-based line number of the first bad record
    problem: str = ""


@dataclass(frozen=True)
class RunSummary:
    """One run as ``journal list`` shows it."""

    run: str
    first: str  # ISO 8601 UTC times of its first and last record
    last: str
    serials: tuple[str, ...]
    results: Mapping[str, int]  # commands per ``result`` (records of kind "command")

    @property
    def commands(self) -> int:
        return sum(self.results.values())


def default_journal_dir(option: str | None) -> Path:
    """``--journal-dir``, else ``$WA_HARDEN_JOURNAL_DIR``, else the user's data folder; empty means unset."""
    if option:
        return Path(option).expanduser()
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("wa-harden")) / "journal"


def check_run_id(text: str) -> str:
    """Return ``text`` if it is a run id (a user's ``undo RUN_ID``), so it is safe in a path."""
    if not isinstance(text, str) or not RUN_ID.fullmatch(text):
        raise JournalError(f"{text!r} is not a run id (a run id looks like {RUN_ID_EXAMPLE})",
                           hint="`wa-harden journal list` shows the runs")
    return text


def snapshot_name(serial: str) -> str:
    """A file name for a serial: its safe characters, and a hash of the real serial to keep any two apart."""
    if not isinstance(serial, str) or not serial:
        raise ValueError(f"a serial must be a non-empty string, not {serial!r}")
    return safe_file_name(serial, ".json")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _operator() -> str:
    """The account running wa-harden: from the password database (not $USER, which anyone may set)."""
    try:
        import pwd  # POSIX

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        pass
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no whitespace, UTF-8) of the record without ``hash``."""
    body = {key: value for key, value in record.items() if key != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _check_json(value: Any, where: str) -> None:
    """Raise ValueError unless ``value`` is JSON that reads back as it was written."""
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{where} is not valid text (it holds a lone surrogate)") from None
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}, which JSON cannot hold")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} has the key {key!r}; JSON keys are strings")
            _check_json(key, f"{where} key")
            _check_json(item, f"{where}.{key}")
        return
    raise ValueError(f"{where} is a {type(value).__name__}, which JSON cannot hold")


def _parse_line(number: int, raw: bytes) -> Record | DamagedLine:
    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=no_constants)
    except (ValueError, RecursionError):
        value = None
    if isinstance(value, dict):
        return value
    return DamagedLine(number, raw.decode("utf-8", "replace"))


def _split_lines(data: bytes) -> list[bytes]:
    """The journal's lines; a last line without its line end is kept (it is damaged unless complete)."""
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


def _stored_hash(entry: Record | DamagedLine) -> str | None:
    if isinstance(entry, dict) and isinstance(entry.get("hash"), str):
        return str(entry["hash"])
    return None


def _head_of(entries: list[Record | DamagedLine]) -> str:
    """The hash a new record links to: the stored hash of the last record that has one."""
    for entry in reversed(entries):
        stored = _stored_hash(entry)
        if stored is not None:
            return stored
    return GENESIS


def _first_problem(entries: list[Record | DamagedLine]) -> tuple[int, str] | None:
    previous = GENESIS
    for number, entry in enumerate(entries, start=1):
        if isinstance(entry, DamagedLine):
            return number, f"line {number} is not a complete JSON record"
        stored, prev = entry.get("hash"), entry.get("prev")
        if not isinstance(stored, str) or not isinstance(prev, str):
            return number, f"line {number} is not a journal record (it has no hash or no prev)"
        try:
            recomputed = _record_hash(entry)
        except ValueError:  # text that cannot be written back (a lone surrogate): edited by hand
            recomputed = ""
        if recomputed != stored:
            return number, f"record {number} was changed after it was written (its hash does not match)"
        if prev != previous:
            if number == 1:
                return number, ("record 1 does not start the chain (its prev is not 64 zeros: "
                                "a record before it was deleted, or it was moved)")
            return number, (f"record {number} does not follow record {number - 1} "
                            "(a record was deleted, inserted or moved)")
        if entry.get("v") != FORMAT_VERSION:
            return number, (f"record {number} has format version {entry.get('v')!r}, "
                            f"which this wa-harden cannot verify")
        previous = stored
    return None


def _private_folder(path: Path) -> None:
    """Create ``path`` (and its parents) with mode 0o700 when missing; an existing folder keeps its mode."""
    if path.is_dir():
        return
    try:
        path.mkdir(mode=0o700, parents=True)
        os.chmod(path, 0o700)  # whatever the umask
    except FileExistsError:
        if not path.is_dir():
            raise JournalError(f"cannot use {path} as a journal folder: it is a file",
                               hint="choose another folder with --journal-dir or $WA_HARDEN_JOURNAL_DIR") from None
        return  # another process made it meanwhile
    except OSError as exc:
        raise JournalError(f"cannot create the journal folder {path}: {exc.strerror or exc}",
                           hint="make its parent writable, or choose another folder with --journal-dir "
                                "or $WA_HARDEN_JOURNAL_DIR") from None
    fsync_dir(path.parent)


class Journal:
    """One journal folder.  Cheap to create; every method opens, locks and closes what it needs."""

    def __init__(self, directory: str | os.PathLike[str], *, clock: Clock = _utc_now) -> None:
        self.directory = Path(directory)
        self.path = self.directory / JOURNAL_FILE
        self.lock_path = self.directory / LOCK_FILE
        self.runs_folder = self.directory / RUNS_FOLDER
        self._clock = clock
        self.operator = _operator()
        self.host = socket.gethostname()
        _private_folder(self.directory)

    # --- the chain ---------------------------------------------------------------------------------

    def append(self, kind: str, run: str, /, **fields: Any) -> Record:
        """Append one record, durably, linked to the current head; return it as it is stored.

        ``fields`` are the kind's own (for ``command``: serial, model, check, user, command,
        exit_status, output_sha256, result): JSON values, masked (see the module docstring).
        """
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"a record's kind must be a non-empty string, not {kind!r}")
        if not isinstance(run, str) or not RUN_ID.fullmatch(run):
            raise ValueError(f"{run!r} is not a run id (a run id looks like {RUN_ID_EXAMPLE})")
        taken = sorted(set(fields) & set(CHAIN_FIELDS))
        if taken:
            raise ValueError(f"the field(s) {', '.join(taken)} belong to the journal's chain; name them otherwise")
        for name, value in fields.items():
            _check_json(value, name)
        with self._locked(exclusive=True):
            fd, created = self._open_for_append()
            size = -1
            try:
                size = os.fstat(fd).st_size
                head, ends_with_newline = self._tail(fd)
                record: Record = {"v": FORMAT_VERSION, "time": self._time(), "operator": self.operator,
                                  "host": self.host, "run": run, "kind": kind, **fields, "prev": head}
                record["hash"] = _record_hash(record)
                # ASCII: no tool that splits lines differently (U+2028, code pages) can break a record
                line = json.dumps(record, ensure_ascii=True, allow_nan=False) + "\n"
                # a line cut short before stays a damaged line of its own, not the start of this one
                data = (line if ends_with_newline else "\n" + line).encode("ascii")
                rest = memoryview(data)
                while rest:  # a short write (a filling disk) is followed by the write that says why
                    written = os.write(fd, rest)
                    if written <= 0:
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                    rest = rest[written:]
                os.fsync(fd)
            except BaseException as exc:
                # A record is all there or not at all: cut back what this append wrote (a full disk
                # may take half a line, or take it all and fail at fsync), so the chain never ends
                # in a damaged line and the next append links to the last whole record.
                if size >= 0:
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, size)
                        os.fsync(fd)
                if isinstance(exc, OSError):
                    raise self._error("write to", self.path, exc) from None
                raise
            finally:
                os.close(fd)
            if created:
                fsync_dir(self.directory)
        stored: Record = json.loads(line)
        return stored

    def ensure_writable(self) -> None:
        """Raise JournalError now, before any phone is touched, if records cannot be added."""
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise self._error("write to", self.lock_path, exc) from None
        os.close(fd)
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise self._error("write to", self.path, PermissionError(13, "Permission denied"))

    def records(self) -> list[Record | DamagedLine]:
        """Every record in order; a line that is not a JSON object is a :class:`DamagedLine`."""
        with self._locked(exclusive=False):
            try:
                data = self.path.read_bytes()
            except FileNotFoundError:
                return []
            except OSError as exc:
                raise self._error("read", self.path, exc) from None
        return [_parse_line(number, raw) for number, raw in enumerate(_split_lines(data), start=1)]

    def verify(self) -> Verification:
        """Check the whole chain; name the first record that was changed, removed, added, moved or cut."""
        entries = self.records()
        head = _head_of(entries)
        found = _first_problem(entries)
        if found is None:
            return Verification(intact=True, records=len(entries), head=head)
        line, problem = found
        return Verification(intact=False, records=len(entries), head=head, broken_at=line, problem=problem)

    def head_hash(self) -> str:
        """The hash the next record will link to (64 zeros for an empty journal)."""
        with self._locked(exclusive=False):
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                return GENESIS
            except OSError as exc:
                raise self._error("read", self.path, exc) from None
            try:
                return self._tail(fd)[0]
            except OSError as exc:
                raise self._error("read", self.path, exc) from None
            finally:
                os.close(fd)

    # --- runs --------------------------------------------------------------------------------------

    def new_run_id(self) -> str:
        """A run id that sorts by its start time (to the second) and is unique: ``20261130T061502Z-3f9a1c``."""
        return f"{self._clock().astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"

    def runs(self) -> list[RunSummary]:
        """Every run in the journal, newest first (by its first record)."""
        grouped: dict[str, list[Record]] = {}
        for entry in self.records():
            if isinstance(entry, dict) and isinstance(entry.get("run"), str):
                grouped.setdefault(entry["run"], []).append(entry)
        summaries = [self._summary(run, records) for run, records in grouped.items()]
        return sorted(summaries, key=lambda summary: (summary.first, summary.run), reverse=True)

    def run_records(self, run_id: str) -> list[Record]:
        """The records of one run, in order; an unknown run is a :class:`JournalError`."""
        check_run_id(run_id)
        found = [entry for entry in self.records() if isinstance(entry, dict) and entry.get("run") == run_id]
        if not found:
            raise JournalError(f"there is no run {run_id} in the journal {self.path}",
                               hint="`wa-harden journal list` shows the runs; --journal-dir chooses the journal")
        return found

    # --- snapshots ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def phone_lock(self, serial: str, run_id: str) -> Iterator[None]:
        """Hold the phone for one run: a second fix or undo of the same phone through this journal
        (two admins, or a station and a fleet run) is refused with who holds it, not interleaved.

        The lock is an flock on ``DIR/locks/<serial>.lock``: the system releases it when the
        holding process ends, however it ends, so no lock is ever left behind.
        """
        import fcntl

        folder = self.directory / "locks"
        _private_folder(folder)
        path = folder / snapshot_name(serial).removesuffix(".json")
        path = path.with_name(path.name + ".lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise self._error("create", path, exc) from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 1024, 0).decode("utf-8", "replace").strip() or "holder unknown"
                raise PhoneBusy(serial, holder) from None
            note = f"pid {os.getpid()} on {self.host}, run {run_id}, since {self._time()}"
            with contextlib.suppress(OSError):  # the note only names the holder; a full disk loses it
                os.ftruncate(fd, 0)
                os.pwrite(fd, note.encode("utf-8"), 0)
            yield
        finally:
            os.close(fd)  # releases the lock

    def snapshot_path(self, run_id: str, serial: str) -> Path:
        return self.runs_folder / check_run_id(run_id) / snapshot_name(serial)

    def write_snapshot(self, run_id: str, serial: str, data: dict[str, Any]) -> Path:
        """Keep the state of one phone before the run changes it (0o600, atomically).

        A run keeps the first state it saw: a second snapshot of the same phone in the same run would
        record the already changed state, and undo would then restore that, so it is refused.
        """
        path = self.snapshot_path(run_id, serial)
        if not isinstance(data, dict):
            raise ValueError(f"a snapshot is a dict, not a {type(data).__name__}")
        _check_json(data, "snapshot")
        if path.exists():
            raise JournalError(f"a snapshot of {serial} for run {run_id} already exists ({path})",
                               hint="a run keeps the first state it saw; start a new run")
        _private_folder(self.runs_folder)
        _private_folder(path.parent)
        text = json.dumps({"v": FORMAT_VERSION, "run": run_id, "serial": serial, "state": data},
                          ensure_ascii=False, allow_nan=False, indent=1) + "\n"
        try:
            write_atomic(path, text, mode=0o600)
        except OSError as exc:
            raise self._error("write", path, exc) from None
        return path

    def read_snapshot(self, run_id: str, serial: str) -> dict[str, Any]:
        """The state of ``serial`` before run ``run_id``; an unknown run or phone is a JournalError."""
        path = self.snapshot_path(run_id, serial)
        if not path.exists():
            self._run_folder(run_id)  # names the unknown run, if that is the trouble
            raise JournalError(f"run {run_id} has no snapshot of {serial} ({path} does not exist)",
                               hint=f"the run's phones: `wa-harden journal show {run_id}`")
        content = self._snapshot_content(path)
        if content["serial"] != serial:
            raise JournalError(f"the snapshot {path} is of {content['serial']!r}, not of {serial!r}",
                               hint="the file was renamed or edited; `wa-harden journal verify` checks the journal")
        state: dict[str, Any] = content["state"]
        return state

    def snapshot_serials(self, run_id: str) -> list[str]:
        """The serials of the phones run ``run_id`` kept a snapshot of, read from the files themselves."""
        folder = self._run_folder(run_id)
        return sorted(str(self._snapshot_content(path)["serial"]) for path in sorted(folder.glob("*.json")))

    # --- inside ------------------------------------------------------------------------------------

    def _time(self) -> str:
        return f"{self._clock().astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}"

    def _summary(self, run: str, records: list[Record]) -> RunSummary:
        times = [record["time"] for record in records if isinstance(record.get("time"), str)]
        serials = {record["serial"] for record in records if isinstance(record.get("serial"), str)}
        results = Counter(record["result"] if isinstance(record.get("result"), str) else "unknown"
                          for record in records if record.get("kind") == "command")
        return RunSummary(run=run, first=min(times, default=""), last=max(times, default=""),
                          serials=tuple(sorted(serials)), results=dict(sorted(results.items())))

    def _run_folder(self, run_id: str) -> Path:
        folder = self.runs_folder / check_run_id(run_id)
        if not folder.is_dir():
            raise JournalError(f"there is no run {run_id} with snapshots in {self.runs_folder}",
                               hint="`wa-harden journal list` shows the runs; --journal-dir chooses the journal")
        return folder

    def _snapshot_content(self, path: Path) -> dict[str, Any]:
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise self._error("read", path, exc) from None
        except ValueError:
            content = None
        if (not isinstance(content, dict) or not isinstance(content.get("serial"), str)
                or not isinstance(content.get("state"), dict)):
            raise JournalError(f"the snapshot {path} is damaged (not a wa-harden snapshot)",
                               hint="undo cannot use it; restore the file from a backup")
        return content

    def _open_for_append(self) -> tuple[int, bool]:
        """An O_APPEND descriptor (readable, for the head) and whether this call created the file."""
        flags = os.O_RDWR | os.O_APPEND
        try:
            return os.open(self.path, flags | os.O_CREAT | os.O_EXCL, 0o600), True
        except FileExistsError:
            pass
        except OSError as exc:
            raise self._error("write to", self.path, exc) from None
        try:
            return os.open(self.path, flags), False
        except OSError as exc:
            raise self._error("write to", self.path, exc) from None

    def _tail(self, fd: int) -> tuple[str, bool]:
        """(head hash, whether the file ends with a line end), reading only the end of the file.

        The last line is found by reading backwards; only when it is not a record with a hash (a
        damaged journal) is the whole file read to find the last one that is.
        """
        size = os.fstat(fd).st_size
        if size == 0:
            return GENESIS, True
        end = size
        tail = b""
        while end > 0:
            start = max(0, end - _TAIL_BLOCK)
            tail = os.pread(fd, end - start, start) + tail
            end = start
            if tail.rstrip(b"\n").count(b"\n") >= 1:
                break
        ends_with_newline = tail.endswith(b"\n")
        last = _parse_line(0, _split_lines(tail)[-1])
        stored = _stored_hash(last)
        if stored is not None:
            return stored, ends_with_newline
        whole = os.pread(fd, size, 0)
        entries = [_parse_line(number, raw) for number, raw in enumerate(_split_lines(whole), start=1)]
        return _head_of(entries), ends_with_newline

    @contextlib.contextmanager
    def _locked(self, *, exclusive: bool) -> Iterator[None]:
        """flock the lock file: exclusive to append, shared to read (so a read never sees half a line)."""
        import fcntl  # POSIX only; imported here so that importing this module works everywhere

        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT if exclusive else os.O_RDONLY, 0o600)
        except FileNotFoundError as exc:
            if exclusive:  # the folder itself is gone
                raise self._error("create", self.lock_path, exc) from None
            fd = -1  # a reader of a journal nothing was ever appended to: nothing to wait for
        except OSError as exc:
            raise self._error("open", self.lock_path, exc) from None
        try:
            if fd >= 0:
                fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            if fd >= 0:
                os.close(fd)  # releases the lock

    def _error(self, verb: str, path: Path, exc: OSError) -> JournalError:
        return JournalError(f"cannot {verb} {path}: {exc.strerror or exc}",
                            hint="check the folder's owner and permissions (run as the user who keeps the "
                                 "journal), or choose another folder with --journal-dir or $WA_HARDEN_JOURNAL_DIR")
