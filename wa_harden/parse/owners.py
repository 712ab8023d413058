"""Device owner and profile owners: ``dpm list-owners`` (Android 12+) or ``dumpsys device_policy``.

Components are given in their short form (``com.example.mdm/.AdminReceiver``), as
``list-owners`` prints them, whichever output they came from.
"""

from __future__ import annotations

import re

from wa_harden.facts import Known, Owners
from wa_harden.parse.common import explain_failure, indent_of, split_lines

_NO_OWNERS = ("no owners", "none")
_COUNT_RE = re.compile(r"^\d+ owners?:$")
_LIST_LINE_RE = re.compile(r"^User\s+(\d{1,9}):\s*admin=([^,\s]+)(.*)$")
_PARENT_RE = re.compile(r"ManagedProfileOwner", re.IGNORECASE)

_COMPONENT_RE = re.compile(r"ComponentInfo\{([^}]+)\}")
_DEVICE_OWNER_RE = re.compile(r"^Device Owner(?: \(User (\d{1,9})\))?:\s*(.*)$")
_PROFILE_OWNER_RE = re.compile(r"^Profile Owner \(User (\d{1,9})\):\s*(.*)$")
_USER_ID_RE = re.compile(r"^User ID:\s*(\d{1,9})\b")
_ADMIN_RE = re.compile(r"^admin=(.*)$")
_DUMP_MARKERS = ("Device Policy Manager", "Enabled Device Admins")


def short_component(text: str) -> str:
    """``ComponentInfo{pkg/pkg.Cls}`` or ``pkg/pkg.Cls`` -> ``pkg/.Cls``."""
    match = _COMPONENT_RE.search(text)
    component = (match.group(1) if match else text).strip()
    package, sep, cls = component.partition("/")
    if sep and cls.startswith(package + "."):
        cls = cls[len(package) :]
    return f"{package}{sep}{cls}"


def parse_dpm_list_owners(text: str) -> Known[Owners]:
    lines = [line.strip() for line in split_lines(text)]
    device_owner: str | None = None
    device_owner_user: int | None = None
    profile_owners: dict[int, str] = {}
    recognised = False
    for line in lines:
        lowered = line.lower()
        if lowered in _NO_OWNERS or _COUNT_RE.match(lowered):
            recognised = True
            continue
        match = _LIST_LINE_RE.match(line)
        if not match:
            continue
        recognised = True
        user_id, component = int(match.group(1)), short_component(match.group(2))
        tokens = {token.strip().lower() for token in match.group(3).split(",")}
        if "deviceowner" in tokens and device_owner is None:
            device_owner, device_owner_user = component, user_id
        if "profileowner" in tokens or _PARENT_RE.search(match.group(3)):
            profile_owners.setdefault(user_id, component)
    if not recognised:  # Android < 12: usage text or "Unknown command" (not supported)
        return explain_failure(text, "'no owners' or 'User N: admin=' lines")
    return Owners(device_owner, device_owner_user, profile_owners)


def _owner_component(lines: list[str], start: int, rest: str) -> tuple[str | None, int | None]:
    """The owner named after its header (``Device Owner (User 0): ComponentInfo{...}``), or the
    ``admin=`` and ``User ID:`` lines indented under it."""
    if _COMPONENT_RE.search(rest):
        return short_component(rest), None
    header_indent = indent_of(lines[start])
    component: str | None = None
    user_id: int | None = None
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        if indent_of(line) <= header_indent:
            break
        stripped = line.strip()
        admin = _ADMIN_RE.match(stripped)
        if admin and component is None:
            component = short_component(admin.group(1))
        user = _USER_ID_RE.match(stripped)
        if user and user_id is None:
            user_id = int(user.group(1))
    return component, user_id


def parse_dumpsys_device_policy(text: str) -> Known[Owners]:
    lines = split_lines(text)
    device_owner: str | None = None
    device_owner_user: int | None = None
    profile_owners: dict[int, str] = {}
    for number, line in enumerate(lines):
        stripped = line.strip()
        match = _DEVICE_OWNER_RE.match(stripped)
        if match and device_owner is None:
            inline_user = match.group(1)
            component, user_id = _owner_component(lines, number, match.group(2))
            if component:
                device_owner = component
                device_owner_user = int(inline_user) if inline_user else user_id
            continue
        match = _PROFILE_OWNER_RE.match(stripped)
        if match:
            component, _ = _owner_component(lines, number, match.group(2))
            if component:
                profile_owners.setdefault(int(match.group(1)), component)
    if device_owner is not None or profile_owners:
        return Owners(device_owner, device_owner_user, profile_owners)
    if any(marker in line for line in lines for marker in _DUMP_MARKERS):
        return Owners()
    return explain_failure(text, "a 'Current Device Policy Manager state:' dump")
