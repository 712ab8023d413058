"""Text that reaches a person or a spreadsheet: device-provided strings are hostile input.

A phone chooses its own model name, user names and folder names; a terminal escape in them must
not retitle the admin's terminal or hide lines, and a CSV cell starting with ``=`` must not run
as a formula when the fleet report is opened in a spreadsheet.
"""

from __future__ import annotations

import re

# C0 and C1 control characters except line feed and tab, DEL, the bidirectional overrides that can
# make text read differently from what it is, and what no text file can hold: lone surrogates (a
# JSON file may spell them as escapes) and the two non-characters.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                         "\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str) -> str:
    """``text`` without control characters (line feeds kept for multi-line cells)."""
    return _CONTROL_RE.sub("", text)


def csv_cell(text: str) -> str:
    """A CSV cell that no spreadsheet reads as a formula (OWASP's advice: a leading quote)."""
    text = printable(text)
    return f"'{text}" if text.startswith(_FORMULA_START) else text
