"""Reading and checking TOML files: one way, shared by profiles, attestations and personas.

Every problem names its file and the key path (``checks.device-patch-age.max_age_days``,
``apps[0].permissions.READ_CONTACTS``) and says what was expected and what was found.  Types are
checked strictly where TOML and Python disagree: a bool is not an integer, a date-time is not a
date, and an integer is accepted as a number.

The caller chooses the exception: a :class:`Checker` is made with an ``error(source, key, problem)``
factory such as :class:`wa_harden.errors.ProfileError`.  Values are checked one by one
(:meth:`Checker.expect`, :meth:`Checker.known_keys`, ...) or against a declarative schema of
:class:`Kind`, :class:`ListOf`, :class:`MapOf` and :class:`Table` (:meth:`Checker.check`).

This module is a leaf: it imports nothing from wa_harden but :mod:`wa_harden.errors`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources.abc import Traversable
from typing import Any, NoReturn, TypeAlias

from wa_harden.errors import CONTROL_CHARS, WaHardenError

MAX_BYTES = 1024 * 1024  # profiles and personas are a few kilobytes; /dev/zero is endless

ErrorFactory: TypeAlias = Callable[[str, str, str], WaHardenError]
"""Builds the exception for a problem: ``error(source, key, problem)``; key '' is the whole file."""

TypeSpec: TypeAlias = type | tuple[type, ...]

_KIND_WORDS: Mapping[type, str] = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a table",
    date: "a date (YYYY-MM-DD)",
    datetime: "a date and time",
}

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


# --- words --------------------------------------------------------------------------------------


def join(path: str, *keys: str) -> str:
    """The key path of ``keys`` inside ``path`` ('' is the document); keys that are not bare TOML
    keys are quoted: ``join("users[0]", "accounts", "com.google")`` is
    ``users[0].accounts."com.google"``."""
    for key in keys:
        name = key if _BARE_KEY.fullmatch(key) else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
        path = f"{path}.{name}" if path else name
    return path


def describe(value: Any) -> str:
    """A value as the user wrote it in TOML (``true``, ``'text'``, ``3``), or its kind."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, datetime):
        return f"a date and time {value.isoformat()}"
    if isinstance(value, (int, float, date)):
        return str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def kind_words(kind: TypeSpec) -> str:
    """``int`` -> 'an integer', ``(str, list)`` -> 'a string or a list'."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_KIND_WORDS.get(k, k.__name__) for k in kinds)


def has_kind(value: Any, kind: TypeSpec) -> bool:
    """isinstance, but strict where TOML and Python disagree: a bool is not an int, a date-time
    is not a date, and an int is accepted as a float."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool):
        return bool in kinds
    if isinstance(value, datetime):
        return datetime in kinds
    if isinstance(value, int) and float in kinds:
        return True
    return isinstance(value, kinds)


# --- reading ------------------------------------------------------------------------------------


def read_toml(
    location: Traversable, source: str, error: ErrorFactory, *, max_bytes: int = MAX_BYTES
) -> dict[str, Any]:
    """Parse a UTF-8 (optionally BOM-prefixed) TOML file of at most ``max_bytes`` bytes.

    Reads at most ``max_bytes + 1`` bytes, so an endless file (``/dev/zero``) fails at once.
    """
    try:
        with location.open("rb") as stream:
            raw = stream.read(max_bytes + 1)
    except OSError as exc:
        raise error(source, "", f"cannot read the file ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:
        raise error(
            source,
            "",
            f"the file is larger than {_size(max_bytes)}; refusing to read it "
            "(wa-harden's TOML files are a few kilobytes)",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(source, "", "the file is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(source, "", f"invalid TOML: {exc}") from None


def _size(count: int) -> str:
    if count >= 1024 * 1024 and count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MiB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024} KiB"
    return f"{count} bytes"


# --- schemas ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One value's expected kind: a test and the words for it ('a non-negative integer')."""

    what: str
    test: Callable[[Any], bool]

    @classmethod
    def of(cls, kind: TypeSpec) -> Kind:
        """The strict TOML kind of one or more Python types (see :func:`has_kind`)."""
        return cls(kind_words(kind), lambda value: has_kind(value, kind))


def choice(*values: str) -> Kind:
    """One of a few strings, compared exactly."""
    return Kind("one of " + ", ".join(values), lambda value: isinstance(value, str) and value in values)


@dataclass(frozen=True)
class ListOf:
    """A list whose every item matches ``item``; an array of tables when ``item`` is a Table."""

    item: Spec


@dataclass(frozen=True)
class MapOf:
    """A table with free keys whose every value matches ``item``."""

    item: Spec


@dataclass(frozen=True)
class Table:
    """A table with known keys; ``required`` keys must be present.

    ``what`` names the table in the message for a missing key: "missing: every app needs 'package'".
    """

    fields: Mapping[str, Spec]
    required: tuple[str, ...] = ()
    what: str = "this table"


Spec: TypeAlias = Kind | ListOf | MapOf | Table


# --- checking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checker:
    """Checks the values of one file; every problem is raised as ``error(source, key, problem)``."""

    source: str
    error: ErrorFactory

    def fail(self, key: str, problem: str) -> NoReturn:
        raise self.error(self.source, key, problem)

    def read(self, location: Traversable, *, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
        """:func:`read_toml` of ``location``, reported under this checker's source."""
        return read_toml(location, self.source, self.error, max_bytes=max_bytes)

    def expect(self, value: Any, kind: TypeSpec | Kind, key: str) -> Any:
        """``value`` if it has ``kind``; else "expected an integer, got 'ninety'"."""
        spec = kind if isinstance(kind, Kind) else Kind.of(kind)
        if not spec.test(value):
            self.fail(key, f"expected {spec.what}, got {describe(value)}")
        return value

    def text(self, value: Any, key: str) -> str:
        """A string with something in it besides blanks, and no control characters (line feeds and
        tabs aside): a justification may take several lines, but no terminal escape or bidi override."""
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"expected a non-empty string, got {describe(value)}")
        control = CONTROL_CHARS.search(value)
        if control is not None:
            self.fail(key, f"expected text without control characters, got {describe(value)} "
                           f"(with {control.group()!r} at position {control.start()})")
        return value

    def line(self, value: Any, key: str) -> str:
        """:meth:`text` on one line: a name, a serial or who approved something."""
        text = self.text(value, key)
        if "\n" in text or "\t" in text:
            self.fail(key, f"expected one line of text, got {describe(value)}")
        return text

    def table(self, value: Any, key: str) -> dict[str, Any]:
        checked: dict[str, Any] = self.expect(value, dict, key)
        return checked

    def known_keys(self, table: Mapping[str, Any], allowed: Iterable[str], key: str) -> None:
        """Every key of ``table`` is one of ``allowed``; else names the closest one."""
        names = tuple(allowed)
        for name in table:
            if name not in names:
                close = difflib.get_close_matches(name, names, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.fail(
                    join(key, name), f"unknown key; {hint}expected one of: {', '.join(names)}"
                )

    def required(self, table: Mapping[str, Any], name: str, key: str, what: str) -> Any:
        """``table[name]``; when it is missing: "missing: every waiver needs 'check'"."""
        if name not in table:
            self.fail(join(key, name), f"missing: {what} needs '{name}'")
        return table[name]

    def check(self, value: Any, spec: Spec, key: str) -> Any:
        """``value`` if it matches the schema ``spec``.  In a table, unknown keys are reported
        first, then missing required keys, then the values in file order."""
        if isinstance(spec, Kind):
            return self.expect(value, spec, key)
        if isinstance(spec, ListOf):
            if not isinstance(value, list):
                what = f"an array of tables ([[{key}]])" if isinstance(spec.item, Table) else "a list"
                self.fail(key, f"expected {what}, got {describe(value)}")
            for index, item in enumerate(value):
                self.check(item, spec.item, f"{key}[{index}]")
            return value
        table = self.table(value, key)
        if isinstance(spec, MapOf):
            for name, item in table.items():
                self.check(item, spec.item, join(key, name))
            return table
        self.known_keys(table, spec.fields, key)
        for name in spec.required:
            self.required(table, name, key, spec.what)
        for name, item in table.items():
            self.check(item, spec.fields[name], join(key, name))
        return table
