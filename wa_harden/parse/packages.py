"""``pm list packages`` with any of ``-f``, ``-i``, ``-U``, ``--show-versioncode``.

Field order is fixed: ``package:[<path>=]<name>[ versionCode:N][  installer=X][ uid:N[,M]]``.
The newest Android lists every user and prints ``Error: ...`` for users the shell may not read,
then carries on; such errors do not spoil the lines that were printed.
"""

from __future__ import annotations

import re

from wa_harden.facts import Known, ListedPackage
from wa_harden.parse.common import explain_failure, none_if_null, split_lines

_NAME_RE = re.compile(r"^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$")
_NUMBER_RE = re.compile(r"^-?\d{1,19}$")
_UIDS_RE = re.compile(r"^\d{1,10}(?:,\d{1,10})*$")
_INSTALLER_RE = re.compile(r"^\S+$")
_PREFIX = "package:"


def _take_last(rest: str, marker: str, value_re: re.Pattern[str]) -> tuple[str, str | None]:
    """Split a trailing `` <marker><value>`` field off ``rest`` (rpartition: linear on any line)."""
    head, sep, value = rest.rpartition(marker)
    if sep and value_re.match(value):
        return head.rstrip(), value
    return rest, None


def parse_package_line(line: str) -> ListedPackage | None:
    line = line.strip()
    if not line.startswith(_PREFIX):
        return None
    rest = line[len(_PREFIX) :]
    rest, uids = _take_last(rest, " uid:", _UIDS_RE)
    rest, installer = _take_last(rest, " installer=", _INSTALLER_RE)
    rest, version = _take_last(rest, " versionCode:", _NUMBER_RE)
    path: str | None = None
    name = rest
    if "=" in rest:  # -f: the path itself contains '=' on Android 11+, the name never does
        path, name = rest.rsplit("=", 1)
    if not _NAME_RE.match(name):
        return None
    return ListedPackage(
        package=name,
        path=path or None,
        version_code=int(version) if version is not None else None,
        installer=none_if_null(installer),
        uids=tuple(int(uid) for uid in uids.split(",")) if uids else (),
    )


def parse_pm_list_packages(text: str) -> Known[tuple[ListedPackage, ...]]:
    packages: list[ListedPackage] = []
    other_lines = False
    for line in split_lines(text):
        if not line.strip():
            continue
        listed = parse_package_line(line)
        if listed is None:
            other_lines = True
        else:
            packages.append(listed)
    if packages:
        return tuple(packages)
    if not other_lines:
        return ()  # nothing matched the filter
    return explain_failure(text, "'package:' lines")
