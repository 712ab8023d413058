"""The toybox/mksh commands an audit uses, by name, with their Android error wording."""

from __future__ import annotations

from wa_harden.virtual.api import Command
from wa_harden.virtual.shell.files import ls, mkdir, rm, touch
from wa_harden.virtual.shell.find import find
from wa_harden.virtual.shell.session import (
    basename,
    cd,
    dirname,
    export,
    id_,
    pwd,
    sleep,
    unset,
)
from wa_harden.virtual.shell.testexpr import test
from wa_harden.virtual.shell.text import cat, echo, false, grep, head, printf, true, wc

BUILTINS: dict[str, Command] = {
    "echo": echo,
    "printf": printf,
    "true": true,
    ":": true,
    "false": false,
    "test": test,
    "[": test,
    "[[": test,
    "ls": ls,
    "find": find,
    "touch": touch,
    "mkdir": mkdir,
    "rm": rm,
    "cat": cat,
    "head": head,
    "wc": wc,
    "grep": grep,
    "id": id_,
    "sleep": sleep,
    "pwd": pwd,
    "cd": cd,
    "basename": basename,
    "dirname": dirname,
    "export": export,
    "unset": unset,
}
