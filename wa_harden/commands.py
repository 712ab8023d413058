"""The exact shell commands wa-harden sends, built only from validated identifiers.

This module is the single source of truth for command text: reads (the probe table in
``probes.py`` sends them, a capture file records them, the fact builder looks them up again by the
same strings) and writes (the actions a fix may apply).  Nothing here takes text from a profile.
"""

from __future__ import annotations

import re
import shlex

WHATSAPP = "com.whatsapp"
WHATSAPP_BUSINESS = "com.whatsapp.w4b"
WHATSAPP_PACKAGES = (WHATSAPP, WHATSAPP_BUSINESS)

# Matched with ``fullmatch``: ``$`` would also match before a trailing newline, and a newline in a
# command is the end of it (``pm revoke --user 0 PKG\n PERMISSION`` runs PERMISSION as a command).
_PACKAGE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+")
_SETTING_KEY_RE = re.compile(r"[A-Za-z0-9_.\-]+")
_PERMISSION_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+")
PERMISSION_FLAGS = ("user-set", "user-fixed")  # the only flags wa-harden ever sets or clears
_NAMESPACES = ("global", "secure", "system")


def package_name(name: str) -> str:
    """Return ``name`` if it is a valid Android package name, else raise ValueError."""
    if not isinstance(name, str) or not _PACKAGE_RE.fullmatch(name):
        raise ValueError(f"not a valid Android package name: {name!r}")
    return name


def permission_name(name: str) -> str:
    """Return ``name`` if it is a fully qualified permission name, else raise ValueError."""
    if not isinstance(name, str) or not _PERMISSION_RE.fullmatch(name):
        raise ValueError(f"not a valid permission name: {name!r}")
    return name


def user_id(value: object) -> int:
    """Return ``value`` as an Android user id (a non-negative int), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not a valid Android user id: {value!r}")
    return value


def quote(path: str) -> str:
    """Quote one remote path for the device shell (WhatsApp paths contain spaces)."""
    if "\n" in path or "\0" in path:
        raise ValueError(f"refusing a path with a newline or NUL: {path!r}")
    return shlex.quote(path)


# --- device-wide ---------------------------------------------------------------------------------

GETPROP = "getprop"
PM_LIST_USERS = "pm list users"
BMGR_LIST_TRANSPORTS = "bmgr list transports"
DUMPSYS_LOCK_SETTINGS = "dumpsys lock_settings"  # never `locksettings`: it can count as a failed unlock
DUMPSYS_ACCOUNT = "dumpsys account"
DPM_LIST_OWNERS = "dpm list-owners"  # Android 12+
DUMPSYS_DEVICE_POLICY = "dumpsys device_policy"  # every version; the fallback for list-owners
DUMPSYS_USER = "dumpsys user"  # per-user restrictions a device policy sets (no_install_unknown_sources)

# Global settings the device checks read (Play Protect, developer options, USB and Wi-Fi debugging).
GLOBAL_SETTING_KEYS = (
    "package_verifier_enable",
    "verifier_verify_adb_installs",
    "development_settings_enabled",
    "adb_enabled",
    "adb_wifi_enabled",
)

# Settings read per Android user, as (namespace, key): who can read notifications and the screen,
# what the lock screen shows, and when the screen locks.
USER_SETTING_KEYS = (
    ("secure", "enabled_accessibility_services"),
    ("secure", "enabled_notification_listeners"),
    ("secure", "lock_screen_show_notifications"),
    ("secure", "lock_screen_allow_private_notifications"),
    ("secure", "lock_screen_lock_after_timeout"),
    ("system", "screen_off_timeout"),
)

# Printed after a command whose complete answer may be empty (``cmd && echo END``): an empty or
# cut output is then told apart from "nothing found", in a live run and in a capture file alike.
END_MARK = "wa-harden:end"


def appops_query_op(op: str, mode: str) -> str:
    """Packages whose app-op ``op`` is in ``mode``, of every user; empty when none (hence END_MARK).

    Device-wide: AppOpsService's shell parses ``--user`` but answers from every uid whatever user
    is asked, so the command names none and the answer is never attributed to a user by itself.
    """
    if not re.fullmatch(r"[A-Z_]+", op) or mode not in ("allow", "ignore", "deny", "default", "foreground"):
        raise ValueError(f"not an app-op and mode: {op!r} {mode!r}")
    return f"appops query-op {op} {mode} && echo {END_MARK}"


# The apps allowed to "install unknown apps", in any user.
APPOPS_INSTALL_SOURCES = appops_query_op("REQUEST_INSTALL_PACKAGES", "allow")


def dumpsys_package(package: str) -> str:
    return f"dumpsys package {package_name(package)}"


def settings_get(namespace: str, key: str, user: int | None = None) -> str:
    if namespace not in _NAMESPACES:
        raise ValueError(f"unknown settings namespace: {namespace!r}")
    if not isinstance(key, str) or not _SETTING_KEY_RE.fullmatch(key):
        raise ValueError(f"not a valid settings key: {key!r}")
    if user is None:
        return f"settings get {namespace} {key}"
    return f"settings --user {user_id(user)} get {namespace} {key}"


# --- per user -------------------------------------------------------------------------------------


def pm_list_packages(user: int) -> str:
    """Every package of one user, with its path (system or not), versionCode, installer and uid."""
    return f"pm list packages --user {user_id(user)} -f -i -U --show-versioncode"


def pm_list_system_packages(user: int) -> str:
    """The system packages of one user: those of the system image, updated from Play ones included
    (``-s`` filters on FLAG_SYSTEM, which an update keeps, whatever the APK's path)."""
    return f"pm list packages --user {user_id(user)} -s"


def find_storage_root(user: int) -> str:
    """Whether the shell can see a user's shared storage at all (Android 11+ hides other users')."""
    return f"find {storage_root(user)} -maxdepth 0 -type d"


def appops_get(user: int, package: str) -> str:
    return f"appops get --user {user_id(user)} {package_name(package)}"


def bmgr_enabled(user: int) -> str:
    """``bmgr enabled`` for user 0 (every version); ``--user`` (Android 10+) for the others."""
    uid = user_id(user)
    return "bmgr enabled" if uid == 0 else f"bmgr --user {uid} enabled"


def backup_setting(user: int) -> str:
    return settings_get("secure", "backup_enabled", user)


def content_raw_contacts(user: int) -> str:
    """Raw contacts by account type only: no names, numbers or account names are asked for."""
    return (
        f"content query --user {user_id(user)} --uri content://com.android.contacts/raw_contacts"
        " --projection account_type:deleted"
    )


def storage_root(user: int) -> str:
    return f"/storage/emulated/{user_id(user)}"


# (package, layout) of every WhatsApp storage tree a user may have, scoped (Android/media) first.
MEDIA_TREES: tuple[tuple[str, str], ...] = (
    (WHATSAPP, "scoped"),
    (WHATSAPP_BUSINESS, "scoped"),
    (WHATSAPP, "legacy"),
    (WHATSAPP_BUSINESS, "legacy"),
)
_TREE_NAMES = {WHATSAPP: "WhatsApp", WHATSAPP_BUSINESS: "WhatsApp Business"}


def media_tree_root(user: int, package: str, layout: str) -> str:
    """The root of one WhatsApp storage tree, e.g. ``.../Android/media/com.whatsapp.w4b/WhatsApp Business``."""
    name = _TREE_NAMES[package_name(package)]
    if layout == "scoped":
        return f"{storage_root(user)}/Android/media/{package}/{name}"
    if layout == "legacy":
        return f"{storage_root(user)}/{name}"
    raise ValueError(f"unknown storage layout: {layout!r}")


def media_tree_roots(user: int) -> tuple[tuple[str, str, str], ...]:
    """(package, layout, root) of every WhatsApp storage tree of one user, scoped and legacy."""
    return tuple((package, layout, media_tree_root(user, package, layout)) for package, layout in MEDIA_TREES)


def find_media_folders(root: str) -> str:
    """Media-type folders of a tree, found at run time (WhatsApp Business prefixes their names).

    The listing starts with ``ROOT/Media`` itself: an output without it is not a complete listing.
    """
    return f"find {quote(root + '/Media')} -maxdepth 1 -type d"


def find_nomedia(root: str) -> str:
    """Every .nomedia down to the media-type folders (tree root, Media/, Media/<type>/)."""
    return f"find {quote(root)} -maxdepth 3 -name .nomedia"


# --- writes (the actions a fix may apply) ----------------------------------------------------------


def pm_revoke(user: int, package: str, permission: str) -> str:
    return f"pm revoke --user {user_id(user)} {package_name(package)} {permission_name(permission)}"


def pm_grant(user: int, package: str, permission: str) -> str:
    return f"pm grant --user {user_id(user)} {package_name(package)} {permission_name(permission)}"


def _flags(flags: tuple[str, ...]) -> str:
    for flag in flags:
        if flag not in PERMISSION_FLAGS:
            raise ValueError(f"not a permission flag wa-harden sets: {flag!r}")
    return " ".join(flags)


def pm_set_permission_flags(user: int, package: str, permission: str,
                            flags: tuple[str, ...] = PERMISSION_FLAGS) -> str:
    """Android 11+: mark a denial as the user's fixed choice, so the app cannot just ask again."""
    return (f"pm set-permission-flags --user {user_id(user)} {package_name(package)} "
            f"{permission_name(permission)} {_flags(flags)}")


def pm_clear_permission_flags(user: int, package: str, permission: str,
                              flags: tuple[str, ...] = PERMISSION_FLAGS) -> str:
    return (f"pm clear-permission-flags --user {user_id(user)} {package_name(package)} "
            f"{permission_name(permission)} {_flags(flags)}")


def bmgr_enable(user: int, enabled: bool) -> str:
    """``bmgr enable true|false`` for user 0 (every version); ``--user`` (Android 10+) for others."""
    uid = user_id(user)
    value = "true" if enabled else "false"
    return f"bmgr enable {value}" if uid == 0 else f"bmgr --user {uid} enable {value}"


def _storage_path(path: str) -> str:
    """Only files under shared storage may be written, and never with ``..`` in the path."""
    if not path.startswith("/storage/emulated/") or "/../" in f"{path}/" or "/./" in f"{path}/":
        raise ValueError(f"refusing a path outside shared storage: {path!r}")
    return path


def touch(path: str) -> str:
    return f"touch {quote(_storage_path(path))}"


def remove_file(path: str) -> str:
    return f"rm -f {quote(_storage_path(path))}"
