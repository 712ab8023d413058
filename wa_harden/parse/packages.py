"""``pm list packages`` with any of ``-f``, ``-i``, ``-U``, ``--show-versioncode``.

Field order is fixed: ``package:[<path>=]<name>[ versionCode:N][  installer=X][ uid:N[,M]]``.
The newest Android lists every user and prints ``Error: ...`` for users the shell may not read,
then carries on; such errors do not spoil the lines that were printed.
"""

from __future__ import annotations

import re

from wa_harden.facts import Known, ListedPackage
from wa_harden.parse.common import explain_failure, none_if_null, split_lines

_LINE_RE = re.compile(
    r"^package:(?P<head>.*?)"
    r"(?: versionCode:(?P<version>-?\d+))?"
    r"(?:\s+installer=(?P<installer>\S*))?"
    r"(?: uid:(?P<uids>[\d,]+))?\s*$"
)
_NAME_RE = re.compile(r"^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$")


def parse_package_line(line: str) -> ListedPackage | None:
    match = _LINE_RE.match(line.strip())
    if not match:
        return None
    head = match.group("head")
    path: str | None = None
    if "=" in head:  # -f: the path itself contains '=' on Android 11+, the name never does
        path, name = head.rsplit("=", 1)
    else:
        name = head
    if not _NAME_RE.match(name):
        return None
    version = match.group("version")
    uids = tuple(int(uid) for uid in (match.group("uids") or "").split(",") if uid)
    return ListedPackage(
        package=name,
        path=path or None,
        version_code=int(version) if version is not None else None,
        installer=none_if_null(match.group("installer")),
        uids=uids,
    )


def parse_pm_list_packages(text: str) -> Known[tuple[ListedPackage, ...]]:
    packages: list[ListedPackage] = []
    other_lines = False
    for line in split_lines(text):
        if not line.strip():
            continue
        listed = parse_package_line(line) if line.startswith("package:") else None
        if listed is None:
            other_lines = True
        else:
            packages.append(listed)
    if packages:
        return tuple(packages)
    if not other_lines:
        return ()  # nothing matched the filter
    return explain_failure(text, "'package:' lines")
