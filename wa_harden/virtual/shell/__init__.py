"""The virtual phone's ``/system/bin/sh``: the subset of mksh that audits and admins send.

A script is parsed whole first (as ``sh -c`` does, so a syntax error runs nothing), then executed
synchronously into *events*: a :class:`Pause` for each simple command's simulated latency, then
its output chunks on the stream they end up on after redirections.  Faults are asked for per
simple command (:class:`CommandHooks`) before it runs, so a command after a pulled cable never
changes the phone's state.

Supported: ``;`` ``&&`` ``||`` ``|`` ``!``, newlines, ``#`` comments, quotes and escapes, ``$?``
``$VAR`` ``${VAR}`` ``${VAR:-word}`` ``$(...)``, assignments, field splitting and globbing of
unquoted words, redirections (``> >> < 2>&1 >&2 2>/dev/null``), ``if``/``for``/``while``/
``until``, ``{ ...; }``, ``( ... )``, ``eval``, ``sh -c`` and ``exec`` (``exec 2>&1`` redirects
the shell itself for the rest of the script; ``exec CMD`` ends it with CMD's status).  Not
supported: here documents, ``case``, functions, arithmetic -- they are syntax errors naming the
construct.

The toybox/mksh commands an audit uses are in :data:`BUILTINS`, with their Android error wording.

Modules: :mod:`.syntax` (tokenizer, parser, syntax tree), :mod:`.interpreter` (running a parsed
script: expansion, redirections, globbing, output sinks), :mod:`.applets` (the :data:`BUILTINS`
table) with the applets in :mod:`.text`, :mod:`.files`, :mod:`.find`, :mod:`.testexpr` and
:mod:`.session`, and the helpers they share in :mod:`.options` and :mod:`.common`.
"""

from __future__ import annotations

from wa_harden.virtual.shell.applets import BUILTINS
from wa_harden.virtual.shell.common import SH, OrderedResult
from wa_harden.virtual.shell.interpreter import SPECIAL_BUILTINS, run_script
from wa_harden.virtual.shell.syntax import ShellSyntaxError, parse

__all__ = ["BUILTINS", "SH", "SPECIAL_BUILTINS", "OrderedResult", "ShellSyntaxError", "parse", "run_script"]
