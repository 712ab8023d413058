"""The persona schema: what a persona TOML file may say, checked before any phone is built.

The schema is declarative (:mod:`wa_harden.tomlcheck`); what it cannot say (one system user 0,
unique user ids, apps only in declared users, known permission and app-op names) is checked by
:func:`validate_persona` after it.  Every problem names the file and the key path
(``apps[0].permissions.READ_CONTACTS``) and says what was expected.
"""

from __future__ import annotations

import re
from typing import Any

from wa_harden.errors import ExitStatus, WaHardenError, one_line
from wa_harden.tomlcheck import (
    Checker,
    Kind,
    ListOf,
    MapOf,
    Table,
    choice,
    has_kind,
    join,
)
from wa_harden.virtual.android import catalog
from wa_harden.virtual.android.catalog import GRANT_STATES, full_permission_name
from wa_harden.virtual.android.state import RELEASES, Credential, Oem, UserKind

# Matched whole (``fullmatch``): ``$`` would let a trailing newline through.
_PACKAGE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+")
_COMPONENT_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.]*/[A-Za-z0-9_.$]+")


class PersonaError(WaHardenError, ValueError):
    """A persona file is invalid: names the file, the key path and what was expected.

    Also a ValueError, so callers that caught ValueError before keep working.
    """

    exit_status = ExitStatus.USAGE

    def __init__(self, source: str, key: str, problem: str) -> None:
        where = f"{source}: {key}" if key else source
        super().__init__(one_line(f"{where}: {problem}"))
        self.source = source
        self.key = key
        self.problem = problem


# --- kinds ---------------------------------------------------------------------------------------


def _matching(pattern: re.Pattern[str], what: str) -> Kind:
    return Kind(what, lambda v: isinstance(v, str) and bool(pattern.fullmatch(v)))


STR = Kind.of(str)
INT = Kind.of(int)
BOOL = Kind.of(bool)
NUMBER = Kind.of(float)  # an integer is a number too
# Bounded so that every date a persona implies exists (``now - 10**6 days`` is before year 1) and a
# persona cannot make its phone print gigabytes.
MAX_AGE_DAYS = 36500
MAX_COUNT = 100_000
AGE = Kind(f"an integer from 0 to {MAX_AGE_DAYS} (days)", lambda v: has_kind(v, int) and 0 <= v <= MAX_AGE_DAYS)
COUNT = Kind(f"an integer from 0 to {MAX_COUNT}", lambda v: has_kind(v, int) and 0 <= v <= MAX_COUNT)
# A folder a person made beside WhatsApp's own: any name a file system holds (hostile ones included).
FOLDER_NAME = Kind("a folder name (not empty, '.' or '..'; no '/' or NUL)",
                   lambda v: isinstance(v, str) and v not in ("", ".", "..") and "/" not in v and "\0" not in v)
USER_ID = Kind("a user id (integer 0-9999)", lambda v: has_kind(v, int) and 0 <= v <= 9999)
PACKAGE = _matching(_PACKAGE_RE, "an Android package name")
COMPONENT = _matching(_COMPONENT_RE, "a component like com.example.mdm/.AdminReceiver")
GRANT_STATE = choice(*GRANT_STATES)
APPOP_MODE = choice(*catalog.APPOP_MODES)
RESTRICTION = Kind("a user restriction like no_install_unknown_sources",
                   lambda v: isinstance(v, str) and v in catalog.USER_RESTRICTIONS)

# --- tables --------------------------------------------------------------------------------------

# How an app got onto the phone: a store (installer = initiating installer), ``adb install [-i X]``
# (initiating installer com.android.shell, whatever ``installer`` says), or an APK opened in the
# package installer (from the ``originating_installer``, e.g. a browser).
INSTALL_SOURCES = ("store", "adb", "package-installer")

USER_SCHEMA = Table(
    {
        "id": USER_ID,
        "kind": choice(*(k.value for k in UserKind)),
        "name": STR,
        "flags": INT,
        "running": BOOL,
        "shell_access": BOOL,
        "lock": choice(*(c.value for c in Credential)),
        "accounts": MapOf(COUNT),
        "contacts": MapOf(COUNT),
        "backup": BOOL,
        "backup_activated": BOOL,
        "secure_settings": MapOf(STR),
        "system_settings": MapOf(STR),
        "restrictions": ListOf(RESTRICTION),
        "accessibility_services": ListOf(COMPONENT),
        "notification_listeners": ListOf(COMPONENT),
    },
    required=("id", "kind"),
    what="every user",
)

APP_SCHEMA = Table(
    {
        "package": PACKAGE,
        "users": ListOf(USER_ID),
        "installer": STR,
        "initiating_installer": STR,
        "originating_installer": STR,
        "version_name": STR,
        "version_code": INT,
        "min_sdk": INT,
        "target_sdk": INT,
        "first_install_days_ago": AGE,
        "last_update_days_ago": AGE,
        "contacts": GRANT_STATE,
        "permissions": MapOf(GRANT_STATE),
        "appops": MapOf(APPOP_MODE),
        "media_layout": choice("scoped", "legacy", "both", "none"),
        "media_hidden": BOOL,
        "media_files": COUNT,
        "media_folders": ListOf(FOLDER_NAME),
        "install_source": choice(*INSTALL_SOURCES),
        "debuggable": BOOL,
    },
    required=("package",),
    what="every app",
)
# What an entry naming a preinstalled package may change about it.
SYSTEM_APP_KEYS = ("package", "users", "appops")

DEVICE_SCHEMA = Table(
    {
        "oem": choice(*(o.value for o in Oem)),
        "android": choice(*RELEASES),
        "manufacturer": STR,
        "brand": STR,
        "model": STR,
        "device": STR,
        "product": STR,
        "security_patch_age_days": AGE,
        "encrypted": BOOL,
        "crypto_type": choice("file", "block"),
        "bootloader": choice("locked", "unlocked"),
        "verified_boot": choice("green", "yellow", "orange"),
        "build_tags": choice("release-keys", "test-keys", "dev-keys"),
        "props": MapOf(STR),
    },
    required=("oem", "android"),
    what="the [device] table",
)

PERSONA_SCHEMA = Table(
    {
        "name": STR,
        "description": STR,
        "device": DEVICE_SCHEMA,
        "users": ListOf(USER_SCHEMA),
        "apps": ListOf(APP_SCHEMA),
        "backup": Table({"transport": choice("gms", "local", "seedvault", "none")}),
        "settings": Table({"global": MapOf(STR)}),
        "device_policy": Table(
            {
                "device_owner": COMPONENT,
                "device_owner_user": USER_ID,
                "profile_owners": MapOf(COMPONENT),
            }
        ),
        "oem": Table({"usb_debugging_security": BOOL, "permission_monitoring_disabled": BOOL}),
        "faults": Table(
            {
                "latency_scale": NUMBER,
                "drop_after_commands": INT,
                "drop_mid_output_at": INT,
                "hang_at_command": INT,
                "hang_on": STR,
                "drop_on": STR,
                "drop_mid_output_on": STR,
                "killed_on": STR,
                "dumpsys_timeout": choice(*catalog.DUMPSYS_SERVICES),
                "unauthorized": BOOL,
                "authorize_after": NUMBER,
                "offline": BOOL,
                "shell_v2": BOOL,
            }
        ),
    },
    required=("name", "device"),
    what="a persona",
)

DEFAULT_USERS: tuple[dict[str, Any], ...] = ({"id": 0, "kind": "system"},)


# --- validation ----------------------------------------------------------------------------------


def persona_checker(source: str) -> Checker:
    """A checker whose problems are :class:`PersonaError` naming ``source``."""
    return Checker(source, PersonaError)


def validate_persona(data: dict[str, Any], source: str) -> None:
    """Raise PersonaError for the first unknown key, missing key, wrong value or inconsistency."""
    check = persona_checker(source)
    check.check(data, PERSONA_SCHEMA, "")
    _check_semantics(check, data)


def _check_semantics(check: Checker, data: dict[str, Any]) -> None:
    """What the schema cannot say: one system user 0, unique ids, apps only in existing users,
    preinstalled packages only given app-ops, components of packages the phone has, a bootloader
    state that fits the verified-boot colour."""
    users = data.get("users", DEFAULT_USERS)
    ids = [u["id"] for u in users]
    if 0 not in ids:
        check.fail("users", "expected a user with id = 0")
    if len(set(ids)) != len(ids):
        check.fail("users", f"expected unique user ids, got {ids!r}")
    preinstalled = catalog.system_package_names(Oem(data["device"]["oem"]))
    declared = {app["package"] for app in data.get("apps", [])}
    for index, app in enumerate(data.get("apps", [])):
        key = f"apps[{index}]"
        for user_id in app.get("users", [0]):
            if user_id not in ids:
                check.fail(join(key, "users"), f"expected ids of declared users {ids}, got {user_id!r}")
        if app["package"] in preinstalled:
            for name in app:
                if name not in SYSTEM_APP_KEYS:
                    check.fail(join(key, name), f"expected only {', '.join(SYSTEM_APP_KEYS)} for the "
                                                f"preinstalled package {app['package']}")
        for name in app.get("permissions", {}):
            if full_permission_name(name) not in catalog.RUNTIME_PERMISSIONS:
                check.fail(join(key, "permissions", name), "expected a runtime permission")
        for op in app.get("appops", {}):
            if op not in catalog.known_ops(99):
                check.fail(join(key, "appops", op), "expected an app-op name like READ_CONTACTS")
    for index, user in enumerate(users):
        for field in ("accessibility_services", "notification_listeners"):
            for position, component in enumerate(user.get(field, [])):
                if component.split("/")[0] not in declared | preinstalled:
                    check.fail(f"users[{index}].{field}[{position}]",
                               f"expected a component of an app in [[apps]] or of a preinstalled package, "
                               f"got {component!r}")
    device = data["device"]
    unlocked = device.get("bootloader", "locked") == "unlocked"
    colour = device.get("verified_boot")
    if colour is not None and (colour == "orange") != unlocked:
        wanted = "orange (an unlocked bootloader)" if unlocked else "green or yellow (a locked bootloader)"
        check.fail("device.verified_boot", f"expected {wanted}, got {colour!r}")
