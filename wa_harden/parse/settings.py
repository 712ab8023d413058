"""``settings get`` and ``settings list``: global, secure and system settings."""

from __future__ import annotations

import re

from wa_harden.facts import Known
from wa_harden.parse.common import classify_error, explain_failure, split_lines

_KEY_RE = re.compile(r"^[\w.#:@/+-]+$")  # keys seen: secure_frp_mode, 0#BLUETOOTHHEADSETPLUGIN


def parse_settings_get(text: str) -> Known[str | None]:
    """The raw value; ``null`` (unset) is None.  Only the one trailing line end is removed."""
    error = classify_error(text)
    if error is not None:
        return error
    if not text:
        # `settings get` prints the value or "null", and a line end, for every key.
        return explain_failure(text, "the value or 'null'")
    value = "\n".join(split_lines(text))
    if value.endswith("\n"):
        value = value[:-1]
    return None if value == "null" else value


def parse_settings_list(text: str) -> Known[dict[str, str]]:
    """``key=value`` lines; a line without ``=`` continues the previous (multi-line) value."""
    settings: dict[str, str] = {}
    key: str | None = None
    for line in split_lines(text):
        name, sep, value = line.partition("=")
        if sep and _KEY_RE.match(name):
            key = name
            settings[key] = value
        elif key is not None and line:
            settings[key] += "\n" + line
    if settings:
        return settings
    error = classify_error(text)
    if error is not None or any(line.strip() for line in split_lines(text)):
        return explain_failure(text, "'key=value' lines")
    return {}
