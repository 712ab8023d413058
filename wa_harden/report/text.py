"""Text that reaches a person or a spreadsheet: device-provided strings are hostile input.

A phone chooses its own model name, user names and folder names; a terminal escape in them must
not retitle the admin's terminal or hide lines, and a CSV cell starting with ``=`` must not run
as a formula when the fleet report is opened in a spreadsheet.
"""

from __future__ import annotations

from wa_harden.errors import CONTROL_CHARS

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str) -> str:
    """``text`` without control characters (line feeds kept for multi-line cells)."""
    return CONTROL_CHARS.sub("", text)


def csv_cell(text: str) -> str:
    """A CSV cell that no spreadsheet reads as a formula (OWASP's advice: a leading quote)."""
    text = printable(text)
    return f"'{text}" if text.startswith(_FORMULA_START) else text
