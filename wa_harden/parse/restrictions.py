"""``dumpsys user``: the effective user restrictions of every Android user.

A device policy (MDM) blocks things per user with restrictions such as
``no_install_unknown_sources``; ``dumpsys user`` lists them under each ``UserInfo{...}`` line::

    Users:
      UserInfo{0:Owner:c13} serialNo=0 isPrimary=true
        ...
        Effective restrictions:
          no_install_unknown_sources
          no_add_user
      UserInfo{10:Work profile:1030} serialNo=10
        Effective restrictions:
          none

User names and account names in this output are personal data; only ids and restriction names
are kept (and the collector masks the names before anything is stored).
"""

from __future__ import annotations

import re

from wa_harden.facts import Known
from wa_harden.parse.common import explain_failure, indent_of, split_lines

_USER_RE = re.compile(r"^UserInfo\{(\d{1,9}):")
_EFFECTIVE = "Effective restrictions:"
_RESTRICTION_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_EMPTY = ("none", "null")


def parse_dumpsys_user(text: str) -> Known[dict[int, frozenset[str]]]:
    """{user id: effective restrictions}; a user whose list is missing or unreadable is left out."""
    restrictions: dict[int, frozenset[str]] = {}
    user: int | None = None
    collecting: list[str] | None = None
    list_indent = 0
    lines = split_lines(text)
    for line in lines + [""]:
        text_line = line.strip()
        indent = indent_of(line)
        if collecting is not None and (not text_line or indent <= list_indent):
            if user is not None and all(_RESTRICTION_RE.match(r) for r in collecting):
                restrictions[user] = frozenset(r for r in collecting if r not in _EMPTY)
            collecting = None
        if not text_line:
            continue
        match = _USER_RE.match(text_line)
        if match:
            user = int(match.group(1))
            continue
        if text_line == _EFFECTIVE and user is not None and user not in restrictions:
            collecting, list_indent = [], indent
        elif collecting is not None:
            collecting.append(text_line)
    if restrictions:
        return restrictions
    return explain_failure(text, f"'UserInfo{{...}}' blocks with '{_EFFECTIVE}'")
