"""``content query .../raw_contacts --projection account_type:deleted``: contacts per account type.

``content`` prints values unescaped and exits 0 on errors, so rows are split from the right on
``, deleted=`` and errors are recognised by their text.
"""

from __future__ import annotations

import re

from wa_harden.facts import ContactStats, Gap, Known, Unknown
from wa_harden.parse.common import classify_error, explain_failure, split_lines

_ROW_RE = re.compile(r"^Row: (\d{1,9}) (.*)$")
_TYPE_KEY = "account_type="
_DELETED_SEPARATOR = ", deleted="
_NO_RESULT = "No result found."
LOCAL = "local"  # raw contacts without an account (account_type=NULL)


def parse_content_raw_contacts(text: str) -> Known[ContactStats]:
    # The projected columns are set by sync adapters, not typed by people, so a banner at a line
    # start is a real error (such as a provider failing half-way), never a value.
    error = classify_error(text)
    if error is not None:
        return error
    counts: dict[str, int] = {}
    rows = 0
    no_result = False
    for line in split_lines(text):
        match = _ROW_RE.match(line)
        if not match:
            no_result = no_result or line.strip() == _NO_RESULT
            continue  # continuation lines of multi-line values, stderr noise
        if int(match.group(1)) != rows:
            # Rows are numbered from 0 without gaps: a jump means lines were lost.
            return Unknown(Gap.UNPARSEABLE, f"row {rows} is missing before 'Row: {match.group(1)}'")
        rows += 1
        columns, sep, deleted = match.group(2).rpartition(_DELETED_SEPARATOR)
        if not sep:
            # 'deleted' is the last projected column: a row without it was cut short.
            return Unknown(Gap.UNPARSEABLE, f"row {rows - 1} ends before its 'deleted' column (cut short)")
        if deleted.strip() not in ("0", "NULL", ""):
            continue
        if not columns.startswith(_TYPE_KEY):
            continue
        account_type = columns[len(_TYPE_KEY) :].strip()
        if account_type in ("NULL", ""):
            account_type = LOCAL
        counts[account_type] = counts.get(account_type, 0) + 1
    if rows or no_result:
        return ContactStats(dict(sorted(counts.items())))
    return explain_failure(text, "'Row:' lines or 'No result found.'")
