"""``appops get`` (all ops of a package, or one op) and ``dumpsys appops`` (all uids)."""

from __future__ import annotations

import re

from wa_harden.commands import END_MARK
from wa_harden.facts import AppOp, Known
from wa_harden.parse.common import explain_failure, indent_of, split_lines

_OP = r"[A-Z][A-Z0-9_]*(?:\(\d+\))?"  # MIUI adds numbered vendor ops: MIUIOP(10008)
_GET_RE = re.compile(rf"^(Uid mode: )?({_OP}): ([\w=]+)\s*(?:;.*)?$")
_NO_OPS = "No operations."

_DUMP_UID_RE = re.compile(r"^Uid (\S+):$")
_DUMP_PACKAGE_RE = re.compile(r"^Package (\S+):$")
_DUMP_UID_OP_RE = re.compile(rf"^({_OP}): mode=(\w+)")
_DUMP_PACKAGE_OP_RE = re.compile(rf"^({_OP}) \((\w+)\):")


def parse_appops_get(text: str) -> Known[tuple[AppOp, ...]]:
    ops: list[AppOp] = []
    no_operations = False
    for line in split_lines(text):
        line = line.strip()
        match = _GET_RE.match(line)
        if match:
            uid_level = bool(match.group(1))
            ops.append(AppOp(op=match.group(2), mode=match.group(3), uid_level=uid_level))
        elif line == _NO_OPS:
            no_operations = True
    if ops:
        return tuple(ops)
    if no_operations:
        return ()
    return explain_failure(text, "'OP: mode' lines")


def parse_dumpsys_appops(text: str) -> Known[dict[str, dict[str, str]]]:
    """{package or uid: {op: mode}}: uid-level modes under the uid (``u0a103``), the others under
    their package."""
    modes: dict[str, dict[str, str]] = {}
    uid: str | None = None
    uid_indent = 0
    package: str | None = None
    package_indent = 0
    for line in split_lines(text):
        stripped = line.strip()
        if not stripped:
            continue
        indent = indent_of(line)
        if uid is not None and indent <= uid_indent:
            uid = package = None
        if package is not None and indent <= package_indent:
            package = None
        match = _DUMP_UID_RE.match(stripped)
        if match:
            uid, uid_indent, package = match.group(1), indent, None
            continue
        if uid is None:
            continue
        match = _DUMP_PACKAGE_RE.match(stripped)
        if match:
            package, package_indent = match.group(1), indent
            continue
        if package is not None:
            match = _DUMP_PACKAGE_OP_RE.match(stripped)
            if match:
                modes.setdefault(package, {}).setdefault(match.group(1), match.group(2))
        else:
            match = _DUMP_UID_OP_RE.match(stripped)
            if match:
                modes.setdefault(uid, {}).setdefault(match.group(1), match.group(2))
    if modes:
        return modes
    if any(line.startswith("Current AppOps Service state:") for line in split_lines(text)):
        return {}
    return explain_failure(text, "'Uid ...:' blocks")

_QUERY_PACKAGE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+")


def parse_appops_query_op(text: str) -> Known[tuple[str, ...]]:
    """``appops query-op --user N OP MODE && echo END``: one package per line, END last.

    An empty answer is a real one ("no package"), so only the end mark proves the command ran to
    its end; without it the output is an error or was cut short.
    """
    lines = [line.strip() for line in split_lines(text) if line.strip()]
    if not lines or lines[-1] != END_MARK:
        return explain_failure(text, f"the end mark '{END_MARK}'")
    body = lines[:-1]
    if body == ["No operations."]:
        return ()
    if all(_QUERY_PACKAGE_RE.fullmatch(line) for line in body):
        return tuple(dict.fromkeys(body))
    return explain_failure("\n".join(body), "one package name per line")
