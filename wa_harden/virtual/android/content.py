"""``content query`` on the contacts provider, with rows generated from per-user counts.

Like the real tool (an app_process program) it ALWAYS exits 0: errors are ``Error while accessing
provider:`` + a stack trace on stderr, or ``[ERROR] ...`` after the usage on stdout.  Names and
numbers are synthetic (``Contact 0001``, ``user1@example.com``, ``1555010xxxx``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from wa_harden.virtual.android.catalog import account_name, contact_name
from wa_harden.virtual.android.output import (
    JavaError,
    UsageError,
    app_process_exception,
    illegal_argument,
    lines,
    ok,
    take_option,
)
from wa_harden.virtual.android.permissions import check_user
from wa_harden.virtual.android.state import AndroidState
from wa_harden.virtual.api import CommandResult, ShellContext

AUTHORITY = "com.android.contacts"
USAGE = (
    "usage: adb shell content [subcommand] [options]\n"
    "\n"
    "usage: adb shell content query --uri <URI> [--user <USER_ID>] [--projection <PROJECTION>]"
    " [--where <WHERE>] [--sort <SORT_ORDER>] [--extra <BINDING>...]\n"
    "  <PROJECTION> is a list of colon separated column names and is formatted:\n"
    "  <COLUMN_NAME>[:<COLUMN_NAME>...]\n"
)

RAW_CONTACT_COLUMNS = ("_id", "contact_id", "account_name", "account_type", "data_set", "sourceid", "version",
                       "dirty", "deleted", "display_name", "starred")
CONTACT_COLUMNS = ("_id", "display_name", "has_phone_number", "starred", "times_contacted", "lookup", "photo_id")

_FRAMES = (
    "android.database.DatabaseUtils.readExceptionFromParcel(DatabaseUtils.java:172)",
    "android.database.DatabaseUtils.readExceptionFromParcel(DatabaseUtils.java:142)",
    "android.content.ContentProviderProxy.query(ContentProviderNative.java:481)",
    "com.android.commands.content.Content$QueryCommand.onExecute(Content.java:679)",
    "com.android.commands.content.Content$Command.execute(Content.java:522)",
    "com.android.commands.content.Content.main(Content.java:743)",
)

Row = dict[str, object]


def content(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    return content_command(ctx.phone.state, list(argv[1:]))


def content_command(state: AndroidState, args: list[str]) -> CommandResult:
    if not args or args[0] != "query":
        what = args[0] if args else ""
        return ok(f"{USAGE}[ERROR] Unsupported operation: {what}\n")
    rest = args[1:]
    try:
        uri = take_option(rest, "--uri")
        user_arg = take_option(rest, "--user")
        projection = take_option(rest, "--projection")
        where = take_option(rest, "--where")
        sort = take_option(rest, "--sort")
        if uri is None:
            raise UsageError("Content provider URI not specified. Did you specify --uri argument?")
        user_id = int(user_arg) if user_arg is not None else 0
    except (UsageError, ValueError) as error:
        return ok(f"{USAGE}[ERROR] {error}\n")
    match = re.match(r"^content://([^/]+)(?:/(.*))?$", uri)
    authority = match.group(1) if match else uri
    try:
        rows, columns = _query(state, authority, (match.group(2) or "") if match else "", user_id)
        selected = _projection(columns, projection)
        rows = [row for row in rows if _where(row, where)]
        rows = _sorted(rows, sort)
    except JavaError as error:
        return app_process_exception(error, f"Error while accessing provider:{authority}")
    if not rows:
        return ok("No result found.\n")
    return ok(lines(f"Row: {i} " + ", ".join(f"{c}={_text(row.get(c))}" for c in selected) for i, row in enumerate(rows)))


def _text(value: object) -> str:
    return "NULL" if value is None else str(value)


def _query(state: AndroidState, authority: str, path: str, user_id: int) -> tuple[list[Row], tuple[str, ...]]:
    if authority != AUTHORITY or state.user(user_id) is None:
        raise JavaError("java.lang.IllegalStateException", f"Could not find provider: {authority}", _FRAMES[3:])
    check_user(state, user_id, *_FRAMES[3:])
    if path == "raw_contacts":
        return raw_contacts(state, user_id), RAW_CONTACT_COLUMNS
    if path == "contacts":
        return contacts(state, user_id), CONTACT_COLUMNS
    raise illegal_argument(f"Unknown URL content://{authority}/{path}", *_FRAMES)


def raw_contacts(state: AndroidState, user_id: int) -> list[Row]:
    """Address-book contacts first (local, then by account), then the apps' sync contacts."""
    counts = state.contacts.get(user_id, {})
    rows: list[Row] = []
    people = 0
    for account_type, count in counts.items():
        sync = account_type.startswith("com.whatsapp")
        for index in range(count):
            person = index if sync else people + index
            rows.append({
                "_id": len(rows) + 1,
                "contact_id": person + 1,
                "account_name": None if account_type == "local" else account_name(account_type, 0),
                "account_type": None if account_type == "local" else account_type,
                "data_set": None,
                "sourceid": None if account_type == "local" else f"{account_type.rsplit('.', 1)[-1]}{index + 1}",
                "version": 3,
                "dirty": 0,
                "deleted": 0,
                "display_name": contact_name(person),
                "starred": 0,
            })
        if not sync:
            people += count
    return rows


def contacts(state: AndroidState, user_id: int) -> list[Row]:
    people = sum(c for t, c in state.contacts.get(user_id, {}).items() if not t.startswith("com.whatsapp"))
    return [
        {"_id": i + 1, "display_name": contact_name(i), "has_phone_number": 1, "starred": 0,
         "times_contacted": 0, "lookup": f"0r{i + 1}-{i + 1:04X}", "photo_id": None}
        for i in range(people)
    ]


def _projection(columns: tuple[str, ...], projection: str | None) -> tuple[str, ...]:
    if projection is None:
        return columns
    selected = tuple(projection.split(":"))
    for column in selected:
        if column not in columns:
            raise illegal_argument(f"Invalid column {column}", *_FRAMES)
    return selected


_CONDITION = re.compile(
    r"^\s*(\w+)\s*(?:(=|==|!=|<>)\s*(?:'([^']*)'|(-?\d+))|(IS\s+NOT\s+NULL|IS\s+NULL))\s*$", re.IGNORECASE
)


def _where(row: Row, where: str | None) -> bool:
    """Simple SQL: ``col='x'``, ``col=0``, ``col IS [NOT] NULL``, joined with AND."""
    if not where:
        return True
    for part in re.split(r"\s+AND\s+", where.strip(), flags=re.IGNORECASE):
        match = _CONDITION.match(part)
        if not match:
            raise JavaError("android.database.sqlite.SQLiteException",
                            f"near \"{part.strip()[:20]}\": syntax error (code 1 SQLITE_ERROR)", _FRAMES)
        column, operator, text, number, null_test = match.groups()
        if column not in row:
            raise JavaError("android.database.sqlite.SQLiteException",
                            f"no such column: {column} (code 1 SQLITE_ERROR)", _FRAMES)
        value = row[column]
        if null_test:
            wanted_null = "NOT" not in null_test.upper()
            if (value is None) != wanted_null:
                return False
            continue
        expected = text if text is not None else int(number)
        equal = value is not None and str(value) == str(expected)
        if (operator in ("=", "==")) != equal:
            return False
    return True


def _sorted(rows: list[Row], sort: str | None) -> list[Row]:
    if not sort:
        return rows
    parts = sort.split()
    column, descending = parts[0], len(parts) > 1 and parts[1].upper() == "DESC"
    return sorted(rows, key=lambda r: (r.get(column) is not None, str(r.get(column) or "")), reverse=descending)
