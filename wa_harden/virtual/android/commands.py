"""The Android command table of a virtual phone: name -> :class:`~wa_harden.virtual.api.Command`."""

from __future__ import annotations

from wa_harden.virtual.android.appops import appops
from wa_harden.virtual.android.bmgr import bmgr
from wa_harden.virtual.android.cmd import cmd
from wa_harden.virtual.android.content import content
from wa_harden.virtual.android.dpm import dpm
from wa_harden.virtual.android.dumpsys import dumpsys
from wa_harden.virtual.android.getprop import getprop
from wa_harden.virtual.android.locksettings import locksettings
from wa_harden.virtual.android.pm import pm
from wa_harden.virtual.android.settings import settings
from wa_harden.virtual.api import CommandTable

_TABLE: CommandTable = {
    "getprop": getprop,
    "pm": pm,
    "cmd": cmd,
    "dumpsys": dumpsys,
    "appops": appops,
    "bmgr": bmgr,
    "settings": settings,
    "locksettings": locksettings,
    "dpm": dpm,
    "content": content,
}


def command_table() -> CommandTable:
    """The (stateless, shared) command table; commands find their phone in ``ctx.phone``."""
    return _TABLE
