"""``dumpsys package [PKG]`` (= ``pm dump PKG``): version, installer, flags and permission grants.

Only ``Package [name]`` blocks directly under ``Packages:`` count; the same package appears again
under ``Hidden system packages:`` with its factory version.  Indentation differs between Android
versions and capture styles (``pm dump`` wraps everything two more spaces), so the block is read
relative to the indentation of its own lines, never by absolute columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from wa_harden.facts import Gap, Known, PackageDump, PackageUserState, PermissionGrant, Unknown
from wa_harden.parse.common import (
    explain_failure,
    indent_of,
    key_values,
    none_if_null,
    parse_bool,
    parse_datetime,
    parse_int,
    split_lines,
)

_PACKAGE_RE = re.compile(r"^Package \[([^\]]+)\] \(")
_USER_RE = re.compile(r"^User (\d{1,9}):(.*)$")
_APP_ID_RE = re.compile(r"^(?:appId|userId)=(\d{1,10})\b")
_GRANT_RE = re.compile(r"^([^\s:]+): granted=(true|false)\b(.*)$")
_FLAGS_RE = re.compile(r"flags=\[([^\]]*)\]")
_REQUESTED_RE = re.compile(r"^[^\s:,]+")
_NOT_FOUND_RE = re.compile(r"Unable to find package:")
# A line that ends a list even when indented like its items: ColorOS prints "overlay paths:" at
# the package's own indentation inside a User block, so "gids=", "lastDisabledCaller: x" and
# "runtime permissions:" follow at the depth of the overlay paths.  List items never look like
# this (paths start with '/', permission and component names contain dots).
_FIELD_LIKE_RE = re.compile(r"^(?:[A-Za-z][\w ]*:$|[A-Za-z]\w*=|[A-Za-z]\w*: )")
_SECTION_HEADER = "Packages:"
# Section headers of a ``dumpsys package`` output: their presence without a block for the
# package means the package is not installed (older versions print no "Unable to find" line).
_DUMP_MARKERS = frozenset(
    {
        "Packages:",
        "Activity Resolver Table:",
        "Receiver Resolver Table:",
        "Service Resolver Table:",
        "Provider Resolver Table:",
        "Key Set Manager:",
        "Dexopt state:",
        "Compiler stats:",
        "Database versions:",
        "Package Changes:",
        "Frozen packages:",
        "Queries:",
        "DUMP OF SERVICE package:",
    }
)


@dataclass
class _UserAcc:
    """A ``User N:`` block being read."""

    user_id: int
    tokens: dict[str, str]
    first_install_time: datetime | None = None
    runtime: dict[str, PermissionGrant] = field(default_factory=dict)

    def build(self) -> PackageUserState:
        return PackageUserState(
            user_id=self.user_id,
            installed=parse_bool(self.tokens.get("installed")),
            enabled=parse_int(self.tokens.get("enabled")),
            hidden=parse_bool(self.tokens.get("hidden")),
            suspended=parse_bool(self.tokens.get("suspended")),
            first_install_time=self.first_install_time,
            runtime_permissions=self.runtime,
        )


def parse_grant(line: str) -> PermissionGrant | None:
    """``name: granted=bool[, flags=[ A|B|524288]][, userId=N]``; old dumps separate flags by
    spaces."""
    match = _GRANT_RE.match(line.strip())
    if not match:
        return None
    flags: frozenset[str] = frozenset()
    flags_match = _FLAGS_RE.search(match.group(3))
    if flags_match:
        flags = frozenset(f for f in re.split(r"[|\s]+", flags_match.group(1)) if f)
    return PermissionGrant(match.group(1), match.group(2) == "true", flags)


def _package_blocks(lines: list[str]) -> list[tuple[str, int, int]]:
    """(name, first line, end line) of every ``Package [..]`` block directly under ``Packages:``.

    One pass with a stack of enclosing lines gives each block's parent header.  A block with no
    enclosing line at all (a trimmed output) counts too; one under another header does not.
    """
    blocks: list[tuple[str, int, int]] = []
    stack: list[tuple[int, str]] = []
    open_block: tuple[str, int, int] | None = None  # name, start, indent
    for number, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        indent = indent_of(line)
        if open_block is not None and indent <= open_block[2]:
            blocks.append((open_block[0], open_block[1], number))
            open_block = None
        while stack and stack[-1][0] >= indent:
            stack.pop()
        match = _PACKAGE_RE.match(text)
        if match and (not stack or stack[-1][1] == _SECTION_HEADER):
            open_block = (match.group(1), number, indent)
        stack.append((indent, text))
    if open_block is not None:
        blocks.append((open_block[0], open_block[1], len(lines)))
    return blocks


def _parse_block(package: str, lines: list[str]) -> PackageDump:
    """The lines after a ``Package [..]`` line, up to the end of its block."""
    fields: dict[str, str] = {}
    versions: dict[str, str] = {}
    requested: dict[str, None] = {}
    install: dict[str, PermissionGrant] = {}
    users: dict[int, _UserAcc] = {}
    user: _UserAcc | None = None
    base: int | None = None  # indentation of the package's own fields
    sub: str | None = None  # the list being read: requested, install, runtime or other
    sub_indent = 0
    for line in lines:
        text = line.strip()
        if not text:
            continue
        indent = indent_of(line)
        if base is None:
            base = indent
        if sub is not None and indent > sub_indent:
            grant = parse_grant(text) if sub in ("install", "runtime") else None
            if grant is not None:
                target = install if sub == "install" else user.runtime  # type: ignore[union-attr]
                target.setdefault(grant.permission, grant)
                continue
            if not _FIELD_LIKE_RE.match(text):
                name = _REQUESTED_RE.match(text) if sub == "requested" else None
                if name:
                    requested.setdefault(name.group(0))
                continue
        sub = None
        match = _USER_RE.match(text)
        if match and indent <= base:
            user_id = int(match.group(1))
            user = users.setdefault(user_id, _UserAcc(user_id, key_values(match.group(2))))
            continue
        if text.endswith(":") and "=" not in text:
            header = text[:-1]
            if header == "runtime permissions" and user is not None:
                sub = "runtime"
            elif header == "requested permissions":
                sub = "requested"
            elif header == "install permissions":
                sub = "install"
            else:
                sub = "other"  # overlay paths, disabledComponents, usesLibraries ...
            sub_indent = indent
            continue
        if user is not None and indent > base:
            if text.startswith("firstInstallTime="):
                user.first_install_time = parse_datetime(text.partition("=")[2])
            continue
        key, sep, value = text.partition("=")
        if not sep:
            continue
        if key == "versionCode":
            if not versions:
                versions = key_values(text)
        elif key in ("appId", "userId"):
            app_id = _APP_ID_RE.match(text)
            if app_id:
                fields.setdefault("appId", app_id.group(1))
        else:
            fields.setdefault(key, value.strip())
    flags = fields.get("flags") or fields.get("pkgFlags") or ""
    return PackageDump(
        package=package,
        app_id=parse_int(fields.get("appId")),
        version_code=parse_int(versions.get("versionCode")),
        version_name=fields.get("versionName"),
        min_sdk=parse_int(versions.get("minSdk")),
        target_sdk=parse_int(versions.get("targetSdk")),
        flags=frozenset(flags.strip("[] ").split()),
        timestamp=parse_datetime(fields.get("timeStamp")),
        first_install_time=parse_datetime(fields.get("firstInstallTime")),
        last_update_time=parse_datetime(fields.get("lastUpdateTime")),
        installer=none_if_null(fields.get("installerPackageName")),
        initiating_installer=none_if_null(fields.get("initiatingPackageName")),
        originating_installer=none_if_null(fields.get("originatingPackageName")),
        update_owner=none_if_null(fields.get("updateOwnerPackageName")),
        package_source=parse_int(fields.get("packageSource")),
        requested_permissions=tuple(requested),
        install_permissions=install,
        users={uid: acc.build() for uid, acc in users.items()},
    )


def _looks_like_package_dump(lines: list[str]) -> bool:
    return any(line.strip() in _DUMP_MARKERS for line in lines)


def parse_dumpsys_package(text: str, package: str) -> Known[PackageDump | None]:
    """The package's dump, None when it is not installed, or why the output cannot tell.

    A real dump always goes on after the package's block (``Queries:``, ``Dexopt state:``,
    ``Hidden system packages:``, ``Package Changes:`` ...): an output that ends inside the block
    was cut short, and the permissions it did not reach are unknown, not "not granted".
    """
    lines = split_lines(text)
    for name, start, end in _package_blocks(lines):
        if name == package:
            if not any(line.strip() for line in lines[end:]):
                return Unknown(Gap.UNPARSEABLE, f"the dump ends inside the block of {package} (cut short)")
            return _parse_block(package, lines[start + 1 : end])
    if any(_NOT_FOUND_RE.search(line) for line in lines):
        return None
    failure = explain_failure(text, f"'Package [{package}]' block")
    if failure.reason is Gap.UNPARSEABLE and _looks_like_package_dump(lines):
        if _ends_like_a_whole_dump(lines):
            return None
        return Unknown(Gap.UNPARSEABLE, f"the dump has no block for {package} but does not reach its last "
                                        "sections ('Dexopt state:', 'Compiler stats:'): cut short")
    return failure


def _ends_like_a_whole_dump(lines: list[str]) -> bool:
    """Older Android answers a package it does not know with the dump's sections and no block;
    only a dump that reaches its last two sections proves the block is absent, not cut off."""
    headers = [line.strip() for line in lines if line.strip() and not line[0].isspace()]
    return "Dexopt state:" in headers and "Compiler stats:" in headers[headers.index("Dexopt state:"):]


def parse_dumpsys_package_all(text: str) -> Known[dict[str, PackageDump]]:
    """Every package of a full ``dumpsys package`` (one pass; outputs reach several MB)."""
    lines = split_lines(text)
    dumps: dict[str, PackageDump] = {}
    for name, start, end in _package_blocks(lines):
        if name not in dumps:
            dumps[name] = _parse_block(name, lines[start + 1 : end])
    if dumps:
        return dumps
    failure = explain_failure(text, "'Package [..]' blocks")
    if failure.reason is Gap.UNPARSEABLE and _looks_like_package_dump(lines):
        return {}
    return failure
