"""Shared pieces of the parsers: splitting lines, small value readers, and error banners.

Every collector output is stdout and stderr merged, and several Android tools exit 0 on failure
(``bmgr``, ``content``, old ``pm list``), so the text alone decides whether a command worked.
:func:`classify_error` recognises the banners Android prints and says why the fact is unknown.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from wa_harden.facts import Gap, Unknown

_DETAIL_MAX = 200

# Banners only count at the very start of a line: dumps contain words such as "Exception" inside
# class names (resolver tables), and package names such as com.example.error.
_BANNER_RE = re.compile(
    r"""^(?:
        Exception\ occurred\ while\ executing\b
      | Security\ exception:
      | (?:java|android)\.[\w.$]*(?:Exception|Error)\b
      | Bad\ argument:
      | Operation\ not\ allowed:
      | Error\b\s*(?::|while\ )
      | Failure\ \[
      | Exception\ caught:
      | \[ERROR\]
      | Unknown\ (?:option|command)\b
      | Unsupported\ command\b
      | Can't\ find\ service:
      | cmd:\ 
      | (?:/system/bin/|/bin/)?sh:\ 
      | [\w./-]+:\ (?:\S+:\ )?(?:inaccessible\ or\ )?not\ found$
      | .*:\ Permission\ denied$
      | Permission\ denied
      | \*\*\*\ SERVICE\ .*\ TIMEOUT
    )""",  # noqa: W291 - "cmd:\ " and "sh:\ " end in an escaped space, part of the pattern
    re.VERBOSE,
)
_USER_RESTRICTED_RE = re.compile(r"does not have permission to access user -?\d+", re.IGNORECASE)
# The ADB shell holds these permissions on stock Android: an OEM switch (Xiaomi's "USB debugging
# (Security settings)", ColorOS' "Disable permission monitoring") takes them away.
_OEM_RE = re.compile(r"Neither user 2000 nor current process has|updatePermissionFlags requires"
                     r"|Permission denial: writing to settings requires", re.IGNORECASE)
_NOT_SUPPORTED_RE = re.compile(
    r"unknown (?:option|command|operation)|unsupported command|inaccessible or not found"
    r"|: not found$|^(?:cmd: )?Can't find service",
    re.IGNORECASE,
)
_PERMISSION_DENIED_RE = re.compile(r"Permission denied", re.IGNORECASE)
_TIMEOUT_RE = re.compile(r"DUMP TIMEOUT")
_USAGE_RE = re.compile(r"^usage:", re.IGNORECASE)
_DATETIME_RE = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})")


def split_lines(text: str) -> list[str]:
    """Lines without line ends; tolerant of CRLF, stray CR and a leading BOM."""
    if not isinstance(text, str) or not text:
        return []
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "").split("\n")


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def parse_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def parse_bool(value: str | None) -> bool | None:
    if value is None:
        return None
    value = value.strip().lower()
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def parse_datetime(value: str | None) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS`` as a naive datetime (dumps print the device's local time)."""
    if not value:
        return None
    match = _DATETIME_RE.search(value)
    if not match:
        return None
    try:
        return datetime.fromisoformat(f"{match.group(1)} {match.group(2)}")
    except ValueError:
        return None


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def none_if_null(value: str | None) -> str | None:
    """Android prints ``null`` for an unset string; an empty value is just as absent."""
    if value is None:
        return None
    value = value.strip()
    return None if value in ("", "null") else value


def key_values(text: str) -> dict[str, str]:
    """``key=value`` tokens separated by whitespace, in any order; the first of a key wins."""
    tokens: dict[str, str] = {}
    for token in text.split():
        key, sep, value = token.partition("=")
        if sep and key and key not in tokens:
            tokens[key] = value
    return tokens


def _shorten(line: str) -> str:
    line = line.strip()
    return line if len(line) <= _DETAIL_MAX else line[: _DETAIL_MAX - 3] + "..."


def _detail(lines: list[str], index: int) -> str:
    """The banner line, or the exception message after a bare ``...:`` header."""
    banner = lines[index].strip()
    if banner.endswith(":"):
        for following in lines[index + 1 : index + 4]:
            following = following.strip()
            if following and not following.startswith("at "):
                return _shorten(following)
    return _shorten(banner)


def classify_error(text: str) -> Unknown | None:
    """Recognise an Android error banner in a command output; None when there is none."""
    lines = split_lines(text)
    banners = [i for i, line in enumerate(lines) if _BANNER_RE.match(line)]
    first = next((line for line in lines if line.strip()), "")
    usage_only = bool(_USAGE_RE.match(first.strip()))
    if not banners and not usage_only:
        return None
    if not banners:
        return _cause(lines, [], Unknown(Gap.NOT_SUPPORTED, _shorten(first)))
    return _cause(lines, banners, Unknown(Gap.COMMAND_FAILED, _detail(lines, banners[0])))


def error_from_lines(lines: list[str]) -> Unknown:
    """Why a tool failed, from lines already known to be its error messages (``find: ...``)."""
    return _cause(lines, list(range(len(lines))), Unknown(Gap.COMMAND_FAILED, _shorten(lines[0])))


def _cause(lines: list[str], banners: list[int], fallback: Unknown) -> Unknown:
    """The most specific reason: a restriction named anywhere, then what the banners say."""
    for line in lines:  # the exception message may sit on any line after the banner
        if _USER_RESTRICTED_RE.search(line):
            return Unknown(Gap.USER_RESTRICTED, _shorten(line))
    for line in lines:
        if _OEM_RE.search(line):
            return Unknown(Gap.OEM_RESTRICTED, _shorten(line))
    banner_lines = [lines[i].strip() for i in banners]
    for pattern, reason in (
        (_TIMEOUT_RE, Gap.TIMEOUT),
        (_NOT_SUPPORTED_RE, Gap.NOT_SUPPORTED),
        (_PERMISSION_DENIED_RE, Gap.PERMISSION_DENIED),
    ):
        for line in banner_lines:
            if pattern.search(line):
                return Unknown(reason, _shorten(line))
    return fallback


def explain_failure(text: str, expected: str) -> Unknown:
    """Why an output held none of the ``expected`` lines: its error banner, or an odd shape."""
    error = classify_error(text)
    if error is not None:
        return error
    if not any(line.strip() for line in split_lines(text)):
        return Unknown(Gap.UNPARSEABLE, f"empty output (expected {expected})")
    return Unknown(Gap.UNPARSEABLE, f"no {expected} in the output")
