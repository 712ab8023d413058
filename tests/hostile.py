"""What the hostile-input tests share: hostile texts, a persona made of them, and the proofs.

The proofs: :func:`assert_inert_text` (no control character reaches a person), :func:`assert_markdown_inert`,
:func:`assert_csv_inert`, and :func:`assert_only_meant_commands`, which reads every script a virtual
phone ran (``VirtualPhone.counters.scripts``) back into its commands and compares them with the
commands wa-harden means to send, and every command its shell actually ran (the argv recorded by
:func:`record_commands`) with those commands' words.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

import xmlschema

from wa_harden import collect
from wa_harden.commands import END_MARK
from wa_harden.errors import CONTROL_CHARS
from wa_harden.virtual.phone import VirtualPhone

# --- hostile texts ----------------------------------------------------------------------------------

TERMINAL = "\x1b]0;pwned\x07\x1b[2J\x9b31m"  # retitle the terminal, clear the screen, C1 CSI
HTML = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
MARKDOWN = " | *bold* _it_ [x](javascript:alert(3)) `code` # h"
BIDI = "\u202egnp.exe\u2066"  # a right-to-left override: "exe.png" reads as "gnp.exe"
SHELL = "$(reboot); rm -rf / `reboot` && reboot | reboot"
# What makes a command do something else (or a path go elsewhere), each once.
SHELL_WORDS = ("; rm -rf /", "$(reboot)", "`reboot`", " | reboot", " && reboot", "'\"", "\nreboot",
               "/../../etc/passwd", "\x1b]0;t\x07", "\u202e")

MODEL = "@SUM(1+1)" + TERMINAL + HTML + MARKDOWN + BIDI + SHELL
MANUFACTURER = "=cmd|' /C calc'!A0" + TERMINAL
RELEASE = "-14+" + TERMINAL  # ro.build.version.release, as the phone chooses it
INSTALLER = "evil.installer" + TERMINAL + HTML + SHELL
ACCESSIBILITY = ":".join(["-evil.pkg/.Svc" + TERMINAL, HTML + "/.A", "=HYPERLINK(1)/.B", SHELL + "/.C"])
# Folders a person (or whoever holds the phone) made beside WhatsApp's own; no line feed here (see
# test_a_folder_name_with_a_line_feed_is_an_error_never_a_command).
FOLDERS = ("<script>alert(6)<img src=x onerror=alert(7)>", '=HYPERLINK("http:x")', "$(reboot)", "`reboot`",
           "a'; reboot; '", "\x1b]0;t\x07", "\u202eevil", "[x](javascript:alert(5))", "-dash", "..x")
SERIAL = "+VIRT" + TERMINAL + "$(reboot)"


def toml_str(value: str) -> str:
    """``value`` as a TOML basic string: quotes, backslashes and every control character escaped."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif CONTROL_CHARS.match(char) or char in "\n\t":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def hostile_persona(folders: Iterable[str] = FOLDERS, media_hidden: bool = False) -> str:
    """A persona whose model, maker, release, user names, account types, installer, accessibility
    setting and media folder names all carry terminal escapes, HTML, CSV formulas, Markdown,
    bidi overrides and shell text."""
    return f"""
name = "hostile"
description = "device text that attacks every output format"

[device]
oem = "google"
android = "14"
manufacturer = {toml_str(MANUFACTURER)}
model = {toml_str(MODEL)}
security_patch_age_days = 25
props = {{ "ro.build.version.release" = {toml_str(RELEASE)} }}

[[users]]
id = 0
kind = "system"
name = {toml_str("+owner" + TERMINAL + HTML)}
lock = "pin"
accounts = {{ "com.google" = 1, {toml_str("=evil" + TERMINAL + HTML)} = 1 }}
contacts = {{ local = 20, "com.google" = 180, "com.whatsapp.w4b" = 85 }}
backup = true
secure_settings = {{ enabled_accessibility_services = {toml_str(ACCESSIBILITY)} }}

[[users]]
id = 10
kind = "secondary"
name = {toml_str("-2+3" + TERMINAL + BIDI + MARKDOWN)}

[[apps]]
package = "com.whatsapp.w4b"
installer = {toml_str(INSTALLER)}
first_install_days_ago = 240
last_update_days_ago = 12
contacts = "granted"
users = [0, 10]
media_hidden = {"true" if media_hidden else "false"}
media_folders = [{", ".join(toml_str(f) for f in folders)}]

[backup]
transport = "gms"
"""


def write_persona(folder: Path, text: str, name: str = "hostile.toml") -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- what reaches a person --------------------------------------------------------------------------


def assert_inert_text(text: str, where: str = "") -> None:
    """No control character (escape, bell, C1, bidi override, lone surrogate) in text for a person."""
    found = CONTROL_CHARS.search(text)
    assert found is None, (where, found and text[max(0, found.start() - 60):found.end() + 60])


# A code span: a run of backticks (not escaped), anything, the same run again (CommonMark 6.1).
_CODE_SPAN = re.compile(r"(?<![\\`])(`+)(?!`)(.*?)(?<!`)\1(?!`)")


def assert_markdown_inert(text: str, where: str = "") -> None:
    """Markdown that holds device text as text: outside code spans (which show their content as it
    is), no raw HTML (``<br>`` is wa-harden's own), no link, and no line a device text made a block."""
    assert_inert_text(text, where)
    prose = _CODE_SPAN.sub("", text)
    assert re.findall(r"(?<!\\)<(?!br>)", prose) == [], (where, re.findall(r".{0,60}(?<!\\)<(?!br>).{0,20}", prose))
    assert re.search(r"(?<!\\)\]\(", prose) is None, where
    assert re.search(r"^(=+|-{3,})\s*$", text, re.MULTILINE) is None, where  # no setext heading or rule


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_csv_inert(text: str, where: str = "") -> list[list[str]]:
    """No cell a spreadsheet would read as a formula; no control character."""
    assert_inert_text(text, where)
    rows = csv_rows(text)
    formulas = [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert formulas == [], (where, formulas)
    return rows


AUDIT_FORMATS = {"table": ".txt", "json": ".json", "csv": ".csv", "markdown": ".md", "html": ".html",
                 "junit": ".xml"}  # each audit format, by the extension -o chooses it with
_JUNIT_XSD = Path(__file__).parent / "report" / "junit.xsd"


def check_audit_formats(out: dict[str, str]) -> None:
    """What each audit format must hold, whatever the phone said (``out``: format -> text)."""
    from report.markup_check import assert_self_contained

    assert_inert_text(out["table"], "table")
    json.loads(out["json"])
    assert_csv_inert(out["csv"], "csv")
    assert_markdown_inert(out["markdown"], "markdown")
    assert_inert_text(out["html"], "html")
    assert_self_contained(out["html"])
    assert_inert_text(out["junit"], "junit")
    xmlschema.XMLSchema(str(_JUNIT_XSD)).validate(ET.fromstring(out["junit"]))


# --- what reaches the phone -------------------------------------------------------------------------


def record_commands(phone: VirtualPhone) -> list[tuple[str, ...]]:
    """The argv of every simple command the phone's shell runs from now on (after expansion, as
    the phone would run it), kept in the returned list."""
    ran: list[tuple[str, ...]] = []
    before = phone.before_command

    def recording(argv):  # type: ignore[no-untyped-def]
        ran.append(tuple(argv))
        return before(argv)

    phone.before_command = recording  # type: ignore[method-assign]
    return ran


def batch_commands(script: str) -> list[str]:
    """The commands of a script wa-harden's batching wrote (collect.Batch), read back; the script
    must be exactly that batch of them, with nothing before, between or after."""
    found = re.match(r"exec 2>&1; echo '@@WAH([0-9a-f]+):B:0@@'; ", script)
    assert found is not None, script[:200]
    nonce = found.group(1)
    commands = []
    while True:
        index = len(commands)
        begin, end = f"echo '@@WAH{nonce}:B:{index}@@'; ", f' 2>&1; echo "@@WAH{nonce}:E:{index}:$?@@"'
        start = script.find(begin)
        if start < 0:
            break
        commands.append(script[start + len(begin):script.index(end, start)])
    assert collect.Batch(tuple(commands), nonce).script() == script
    return commands


def audit_rounds(user_ids: Iterable[int]) -> list[list[str]]:
    """The commands of an audit's shell sessions: round one, then round two for the other users."""
    others = [uid for uid in sorted(user_ids) if uid != 0]
    rounds = [collect.round_one()]
    if others:
        rounds.append([c for uid in others for c in collect.user_commands(uid)])
    return rounds


def assert_only_meant_commands(phone: VirtualPhone, ran: list[tuple[str, ...]], meant: Iterable[str]) -> None:
    """Every script the phone ran is a batch of commands in ``meant``, and every simple command its
    shell ran is one of those commands (split at ``&&``, as ``sh`` splits words) or a batch marker."""
    meant = set(meant)
    for script in phone.counters.scripts:
        unexpected = [c for c in batch_commands(script) if c not in meant]
        assert unexpected == [], unexpected
    words = {tuple(shlex.split(part)) for command in meant for part in command.split(" && ")}
    for argv in ran:
        if argv == ("exec",) or (argv[0] == "echo" and len(argv) == 2
                                 and (argv[1] == END_MARK or re.fullmatch(r"@@WAH[0-9a-f]+:[BE]:\d+(:\d+)?@@",
                                                                          argv[1]))):
            continue
        assert argv in words, argv
