"""Mask personal data in command outputs before anything is stored, shown or logged.

Applied by the collector to every output, so captures, reports and logs never hold an account
name, an e-mail address or a phone number.  What stays is what the audit needs: account *types*,
counts, and for e-mail addresses the domain (a personal gmail.com account on a company phone is a
finding; the person is not).
"""

from __future__ import annotations

import re

MASK = "***"

# Account {name=..., type=...}: the name may contain ", " — the type is the last field.
_ACCOUNT_RE = re.compile(r"(Account ?\{name=)(.*?)(, type=[^,}\s]*\})")
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})")
# Phone numbers in E.164 or local notation: at least 7 digits, optionally with + and separators.
_PHONE_RE = re.compile(r"(?<![\w/=.:-])\+?\d[\d \-()]{5,}\d(?![\w/.:-])")
_SENSITIVE_PROP_RE = re.compile(
    r"(device_?name|bt\.name|bluetooth\.name|\.owner|email|account|msisdn|imei|meid|iccid|"
    r"phone\.?number|line1)", re.IGNORECASE)
_PROP_LINE_RE = re.compile(r"^(\[([^\]]*)\]: \[)(.*)(\])$")


def mask_account_name(name: str) -> str:
    """``someone@example.com`` -> ``***@example.com``; anything else -> ``***``."""
    match = _EMAIL_RE.fullmatch(name.strip())
    return f"{MASK}@{match.group(1)}" if match else MASK


def _mask_accounts(text: str) -> str:
    return _ACCOUNT_RE.sub(lambda m: m.group(1) + mask_account_name(m.group(2)) + m.group(3), text)


def _mask_emails(text: str) -> str:
    return _EMAIL_RE.sub(lambda m: f"{MASK}@{m.group(1)}", text)


def _mask_getprop(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        match = _PROP_LINE_RE.match(line)
        if match and match.group(3) and _SENSITIVE_PROP_RE.search(match.group(2)):
            line = f"{match.group(1)}{MASK}{match.group(4)}"
        lines.append(line)
    return "\n".join(lines)


_USERINFO_RE = re.compile(r"(UserInfo\{\d+:)(.*)(:[0-9a-fA-F]+\})")
_VERBOSE_NAME_RE = re.compile(r"(\bid=\d+, name=)(.*?)(, type=)")
_ACCOUNT_NAME_RE = re.compile(r"^(\s*Account name: )(.+)$", re.MULTILINE)


def _mask_user_names(text: str) -> str:
    """Android user names are often a person's name; OEM space names (Secure Folder ...) stay."""
    from wa_harden.parse.users import is_generic_name

    def keep_or_mask(match: re.Match[str]) -> str:
        name = match.group(2)
        return match.group(1) + (name if is_generic_name(name) else MASK) + match.group(3)

    text = _USERINFO_RE.sub(keep_or_mask, text)
    text = _VERBOSE_NAME_RE.sub(keep_or_mask, text)
    return _ACCOUNT_NAME_RE.sub(lambda m: m.group(1) + (m.group(2) if m.group(2) == "null" else MASK), text)


def redact(command: str, output: str) -> str:
    """The output of ``command`` with personal data masked."""
    if command == "getprop":
        output = _mask_getprop(output)
    if command.startswith(("pm list users", "dumpsys account", "dumpsys user")):
        output = _mask_user_names(output)
    if command.startswith("dumpsys account") or command.startswith("dumpsys device_policy"):
        output = _mask_accounts(output)
        output = _PHONE_RE.sub(MASK, output) if command.startswith("dumpsys account") else output
    if command.startswith("content query"):
        output = _mask_content_rows(output)
    return _mask_emails(output)


_ROW_RE = re.compile(r"^(Row: \d+ )(.*)$")
_SAFE_COLUMNS = ("account_type", "deleted", "_id", "raw_contact_id", "contact_id", "mimetype")


def _mask_content_rows(text: str) -> str:
    """Keep only columns known to hold no personal data; mask the value of any other column."""
    out = []
    for line in text.split("\n"):
        match = _ROW_RE.match(line)
        if match:
            fields = []
            for part in re.split(r", (?=\w+=)", match.group(2)):
                column, _, value = part.partition("=")
                fields.append(f"{column}={value if column in _SAFE_COLUMNS else MASK}")
            line = match.group(1) + ", ".join(fields)
        out.append(line)
    return "\n".join(out)
