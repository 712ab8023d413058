"""Parsers: one command's text output -> typed facts (:mod:`wa_harden.facts`).

Each parser takes ``str`` (stdout and stderr merged) and never raises: what it cannot read is an
:class:`~wa_harden.facts.Unknown` carrying the reason.
"""

from wa_harden.parse.accounts import parse_dumpsys_account
from wa_harden.parse.appops import parse_appops_get, parse_dumpsys_appops
from wa_harden.parse.backup import parse_bmgr_enabled, parse_bmgr_transports
from wa_harden.parse.common import classify_error
from wa_harden.parse.contacts import parse_content_raw_contacts
from wa_harden.parse.dumpsys_package import parse_dumpsys_package, parse_dumpsys_package_all
from wa_harden.parse.getprop import parse_getprop, parse_getprop_value
from wa_harden.parse.lock import parse_dumpsys_lock_settings
from wa_harden.parse.owners import parse_dpm_list_owners, parse_dumpsys_device_policy
from wa_harden.parse.packages import parse_pm_list_packages
from wa_harden.parse.settings import parse_settings_get, parse_settings_list
from wa_harden.parse.storage import build_media_tree, parse_find
from wa_harden.parse.users import parse_pm_list_users

__all__ = [
    "build_media_tree",
    "classify_error",
    "parse_appops_get",
    "parse_bmgr_enabled",
    "parse_bmgr_transports",
    "parse_content_raw_contacts",
    "parse_dpm_list_owners",
    "parse_dumpsys_account",
    "parse_dumpsys_appops",
    "parse_dumpsys_device_policy",
    "parse_dumpsys_lock_settings",
    "parse_dumpsys_package",
    "parse_dumpsys_package_all",
    "parse_find",
    "parse_getprop",
    "parse_getprop_value",
    "parse_pm_list_packages",
    "parse_pm_list_users",
    "parse_settings_get",
    "parse_settings_list",
]
