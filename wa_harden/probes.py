"""The probe table: every command an audit sends, and which parser turns its output into which fact.

This table is the one place that ties command text to facts.  ``collect`` builds its rounds from
it, ``assemble`` fills :class:`~wa_harden.facts.DeviceFacts` and :class:`~wa_harden.facts.UserFacts`
from it, and a test proves that every probe is both sent and parsed.  A new command family is one
probe here, one parser in ``parse/``, its tests, and the virtual phone's command.

A probe names the field it fills (``fact``) and, for fields that are mappings (one dump per
package, one setting per key), the ``item`` within it.  A field filled by several probes is folded
by the rule in :data:`FOLDS` (e.g. the owners: ``dpm list-owners`` where Android has it, else
``dumpsys device_policy``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wa_harden import commands as cmd
from wa_harden.facts import Gap, Known, Unknown, is_known
from wa_harden.parse.accounts import parse_dumpsys_account
from wa_harden.parse.appops import parse_appops_get, parse_appops_query_op
from wa_harden.parse.backup import parse_bmgr_enabled, parse_bmgr_transports
from wa_harden.parse.contacts import parse_content_raw_contacts
from wa_harden.parse.dumpsys_package import parse_dumpsys_package
from wa_harden.parse.getprop import parse_getprop
from wa_harden.parse.lock import parse_dumpsys_lock_settings
from wa_harden.parse.owners import parse_dpm_list_owners, parse_dumpsys_device_policy
from wa_harden.parse.packages import parse_pm_list_packages
from wa_harden.parse.restrictions import parse_dumpsys_user
from wa_harden.parse.settings import parse_settings_get
from wa_harden.parse.storage import build_media_tree, parse_find
from wa_harden.parse.users import parse_pm_list_users

FIND_STATUSES = frozenset({0, 1})


class Scope(enum.StrEnum):
    DEVICE = "device"  # read once per phone
    USER = "user"  # read once per Android user


@dataclass(frozen=True)
class Probe:
    """One fact read from the phone: its command(s) and the parser of their outputs.

    ``build(user)`` makes the commands (the user id is ignored by device probes); ``parse(user,
    *outputs)`` takes one output text per command and returns the fact, never raising.
    """

    key: str
    scope: Scope
    fact: str
    build: Callable[[int], tuple[str, ...]]
    parse: Callable[..., Known[Any]]
    item: str | None = None
    # Exit statuses after which the output is a complete answer; any other status makes the fact
    # unknown (toybox find exits 1 when it reported a path it could not read, which it names).
    ok_statuses: frozenset[int] = frozenset({0})

    def commands(self, user: int = 0) -> tuple[str, ...]:
        return self.build(user)


def _device(key: str, fact: str, command: str, parser: Callable[[str], Known[Any]],
            item: str | None = None) -> Probe:
    return Probe(key, Scope.DEVICE, fact, lambda _user: (command,), lambda _user, text: parser(text), item)


def _user(key: str, fact: str, command: Callable[[int], str], parser: Callable[[str], Known[Any]],
          item: str | None = None) -> Probe:
    return Probe(key, Scope.USER, fact, lambda user: (command(user),), lambda _user, text: parser(text), item)


def _dumpsys_package(package: str) -> Probe:
    return _device(f"dumpsys-package:{package}", "packages", cmd.dumpsys_package(package),
                   lambda text: parse_dumpsys_package(text, package), item=package)


def _global_setting(key: str) -> Probe:
    return _device(f"settings-global:{key}", "global_settings", cmd.settings_get("global", key),
                   parse_settings_get, item=key)


def _user_setting(namespace: str, key: str) -> Probe:
    return _user(f"settings-{namespace}:{key}", "settings", lambda user: cmd.settings_get(namespace, key, user),
                 parse_settings_get, item=f"{namespace}:{key}")


def _appops(package: str) -> Probe:
    return _user(f"appops:{package}", "appops", lambda user: cmd.appops_get(user, package),
                 parse_appops_get, item=package)


def _media_tree(package: str, layout: str) -> Probe:
    """Two listings make one tree: the media-type folders, and every .nomedia down to them."""

    def build(user: int) -> tuple[str, ...]:
        root = cmd.media_tree_root(user, package, layout)
        return cmd.find_media_folders(root), cmd.find_nomedia(root)

    def parse(user: int, folders: str, nomedia: str) -> Known[Any]:
        root = cmd.media_tree_root(user, package, layout)
        return build_media_tree(package, layout, root,
                                parse_find(folders, root + "/Media"), parse_find(nomedia, root))

    return Probe(f"media:{package}:{layout}", Scope.USER, "media", build, parse, item=f"{package}:{layout}",
                 ok_statuses=FIND_STATUSES)


# The order is the order of the batched script (device first, then user 0).
PROBES: tuple[Probe, ...] = (
    _device("getprop", "build", cmd.GETPROP, parse_getprop),
    _device("pm-list-users", "users", cmd.PM_LIST_USERS, parse_pm_list_users),
    *(_dumpsys_package(p) for p in cmd.WHATSAPP_PACKAGES),
    _device("dumpsys-lock-settings", "lock", cmd.DUMPSYS_LOCK_SETTINGS, parse_dumpsys_lock_settings),
    _device("dumpsys-account", "accounts", cmd.DUMPSYS_ACCOUNT, parse_dumpsys_account),
    _device("dpm-list-owners", "owners", cmd.DPM_LIST_OWNERS, parse_dpm_list_owners),
    _device("dumpsys-device-policy", "owners", cmd.DUMPSYS_DEVICE_POLICY, parse_dumpsys_device_policy),
    _device("bmgr-list-transports", "backup_transports", cmd.BMGR_LIST_TRANSPORTS, parse_bmgr_transports),
    *(_global_setting(key) for key in cmd.GLOBAL_SETTING_KEYS),
    _device("dumpsys-user", "restrictions", cmd.DUMPSYS_USER, parse_dumpsys_user),
    # Device-wide: query-op answers for every user whatever --user says (see commands.appops_query_op).
    _device("appops-install-sources", "install_sources", cmd.APPOPS_INSTALL_SOURCES, parse_appops_query_op),
    _user("pm-list-packages", "packages", cmd.pm_list_packages, lambda text: _every_package(text)),
    _user("pm-list-packages-system", "system_packages", cmd.pm_list_system_packages,
          lambda text: _system_packages(text)),
    _user("bmgr-enabled", "backup", cmd.bmgr_enabled, parse_bmgr_enabled),
    _user("settings-backup-enabled", "backup_setting", cmd.backup_setting, parse_settings_get),
    *(_appops(p) for p in cmd.WHATSAPP_PACKAGES),
    _user("content-raw-contacts", "contacts", cmd.content_raw_contacts, parse_content_raw_contacts),
    *(_user_setting(namespace, key) for namespace, key in cmd.USER_SETTING_KEYS),
    Probe("storage-root", Scope.USER, "storage", lambda user: (cmd.find_storage_root(user),),
          lambda user, text: parse_find(text, cmd.storage_root(user)), ok_statuses=FIND_STATUSES),
    *(_media_tree(package, layout) for package, layout in cmd.MEDIA_TREES),
)

def _every_package(text: str) -> Known[Any]:
    """The full listing of a user's packages is never empty: the system's own are always there."""
    listed = parse_pm_list_packages(text)
    if listed == ():
        return Unknown(Gap.UNPARSEABLE, "no package listed, though every Android user has the system's own")
    return listed


def _system_packages(text: str) -> Known[Any]:
    """The names of a user's system packages (``pm list packages -s``); empty is no answer either."""
    listed = _every_package(text)
    if not is_known(listed):
        return listed
    return frozenset(package.package for package in listed)


# The per-user probe whose refusal ("Shell does not have permission to access user N") means the
# shell may not enter the user at all: every per-user fact then carries that refusal.
USER_GATE = "pm-list-packages"
# The device probe that lists the Android users (round two reads the users other than 0).
USERS = "pm-list-users"


def _first_known(values: Sequence[Known[Any]]) -> Known[Any]:
    """The first value that was read; if none was, why the first one was not."""
    return next((v for v in values if is_known(v)), values[0])


def _all_known(values: Sequence[Known[Any]]) -> Known[Any]:
    """Every value as a tuple, or the first reason one of them is unknown."""
    return next((v for v in values if not is_known(v)), tuple(values))


# How a fact filled by several probes is folded into one value.  Facts with items and no fold
# become a mapping item -> value.
FOLDS: Mapping[str, Callable[[Sequence[Known[Any]]], Known[Any]]] = {
    "owners": _first_known,
    "media": _all_known,
}


def probes(scope: Scope) -> tuple[Probe, ...]:
    return tuple(p for p in PROBES if p.scope is scope)


def probe(key: str) -> Probe:
    for candidate in PROBES:
        if candidate.key == key:
            return candidate
    raise KeyError(key)


def commands_for(scope: Scope, user: int = 0) -> list[str]:
    """Every command of one scope, in table order."""
    return [command for p in probes(scope) for command in p.commands(user)]


def fold(scope: Scope, values: Mapping[str, Known[Any]]) -> dict[str, Any]:
    """Probe values (by probe key) -> the fields of DeviceFacts or UserFacts (by field name)."""
    grouped: dict[str, list[tuple[Probe, Known[Any]]]] = {}
    for p in probes(scope):
        grouped.setdefault(p.fact, []).append((p, values[p.key]))
    fields: dict[str, Any] = {}
    for fact, entries in grouped.items():
        if fact in FOLDS:
            fields[fact] = FOLDS[fact]([value for _p, value in entries])
        elif entries[0][0].item is not None:
            fields[fact] = {p.item: value for p, value in entries}
        else:
            fields[fact] = entries[0][1]
    return fields


def refused_everywhere(refusal: Unknown) -> dict[str, Known[Any]]:
    """Per-user probe values when the shell may not enter the user: the refusal, for each."""
    return {p.key: refusal for p in probes(Scope.USER)}
