"""Turn bytes from a phone, a capture file or the corpus into normalised text.

Admins capture on Windows too, so files arrive as UTF-8, UTF-8 with BOM, or UTF-16 with BOM and
CRLF line ends.  Everything downstream sees plain ``\\n``-separated ``str``.
"""

from __future__ import annotations

import codecs


def decode_bytes(data: bytes) -> str:
    """Decode by BOM (UTF-8, UTF-16 LE/BE, UTF-32), else UTF-8 with replacement; keep line ends."""
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        return data.decode("utf-32", errors="replace")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="replace")
    if len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        return data.decode("utf-16-le", errors="replace")  # UTF-16 LE without a BOM
    return data.decode("utf-8", errors="replace")


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR (PTY output, Windows files) become LF; a leading BOM character is dropped."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_output(data: bytes) -> str:
    """Bytes of one command output or file -> normalised text."""
    return normalise_newlines(decode_bytes(data))
