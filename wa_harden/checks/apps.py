"""Which WhatsApp apps are on the phone, how current they are, where they came from, and no mods."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from wa_harden.checks.base import (
    PACKAGE_NAMES,
    CheckSpec,
    Evaluation,
    Param,
    age_days,
    could_not_read,
    first_error_or,
    installed_users,
    known_user,
    not_reported,
    package_dump,
    package_name_form,
    packages_found,
    user_label,
    user_ref,
)
from wa_harden.commands import WHATSAPP, WHATSAPP_BUSINESS, WHATSAPP_PACKAGES
from wa_harden.facts import DeviceFacts, PackageDump, Unknown, is_known
from wa_harden.model import Area, Outcome, Severity


def _users_text(facts: DeviceFacts, user_ids: tuple[int, ...]) -> str:
    return ", ".join(user_label(known_user(facts, uid)) for uid in user_ids)


def _business_installed(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    users = installed_users(facts, WHATSAPP_BUSINESS)
    if not is_known(users):
        return could_not_read(users, "whether WhatsApp Business is installed")
    observed = [user_ref(facts, uid) for uid in users]
    if not users:
        return Evaluation(
            Outcome.FAIL,
            reason="not-installed",
            message="WhatsApp Business (com.whatsapp.w4b) is not installed in any Android user.",
            observed=observed,
            expected={"installed": True},
        )
    return Evaluation(
        Outcome.PASS,
        reason="installed",
        message=f"WhatsApp Business is installed in {_users_text(facts, users)}.",
        observed=observed,
        expected={"installed": True},
    )


def _consumer_absent(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    users = installed_users(facts, WHATSAPP)
    if not is_known(users):
        return could_not_read(users, "whether the consumer WhatsApp app is installed")
    observed = [user_ref(facts, uid) for uid in users]
    if users:
        return Evaluation(
            Outcome.FAIL,
            reason="consumer-installed",
            message=(
                f"The consumer WhatsApp app (com.whatsapp) is installed in {_users_text(facts, users)}; "
                "it makes the company the sole controller of every contact it uploads."
            ),
            observed=observed,
            expected=[],
        )
    return Evaluation(
        Outcome.PASS,
        reason="absent",
        message="The consumer WhatsApp app is not installed in any Android user.",
        observed=observed,
        expected=[],
    )


# The oldest WhatsApp Business release the default profile accepts.  Set on 2026-11-30 to the first
# release of 2026: a WhatsApp version name carries its year (2.YY.N.M), while the date of a release
# number within a year cannot be checked offline.  Each wa-harden release moves it forward.
DEFAULT_MIN_VERSION = "2.26.1"

_VERSION_RE = re.compile(r"\d{1,9}(?:\.\d{1,9}){1,5}")


def parse_version(text: str) -> tuple[int, ...] | None:
    """``2.25.31.74`` -> (2, 25, 31, 74); None for anything else (``2.25.x``, ``beta``, empty)."""
    text = text.strip()
    if not _VERSION_RE.fullmatch(text):
        return None
    return tuple(int(part) for part in text.split("."))


def version_at_least(version: tuple[int, ...], floor: tuple[int, ...]) -> bool:
    """Part by part, numerically; missing parts count as 0 (2.26.1 == 2.26.1.0)."""
    width = max(len(version), len(floor))
    return version + (0,) * (width - len(version)) >= floor + (0,) * (width - len(floor))


# Dumps print the phone's local time, the audit's time is UTC: up to 14 hours apart.  Further ahead,
# the phone's clock was wrong when it recorded the update, and its age says nothing.
UPDATE_AHEAD_DAYS = 2


def _app_current(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    min_version: str = params["min_version"]
    min_code: int = params["min_version_code"]
    max_age: int = params["max_update_age_days"]
    expected = {
        "min_version": min_version,
        "min_version_code": min_code,
        "max_update_age_days": max_age,
    }
    floor = parse_version(min_version) if min_version else None
    if min_version and floor is None:
        return Evaluation(
            Outcome.ERROR,
            reason="invalid-param",
            message=f"The profile's min_version '{min_version}' is not a version such as 2.26.1.",
            expected=expected,
        )
    dump = package_dump(facts, WHATSAPP_BUSINESS)
    if not is_known(dump):
        return could_not_read(dump, "the WhatsApp Business package")
    if dump is None or not dump.installed_users():
        return Evaluation(
            Outcome.NOT_APPLICABLE,
            reason="not-installed",
            message="WhatsApp Business is not installed, so its version is not checked.",
            expected=expected,
        )
    update_age = (
        age_days(dump.last_update_time, facts.observed_at) if dump.last_update_time else None
    )
    observed = {
        "version_code": dump.version_code,
        "version_name": dump.version_name,
        "last_update": dump.last_update_time.date().isoformat() if dump.last_update_time else None,
        "update_age_days": update_age,
    }
    # Each signal that is enforced either gives a problem, or cannot be judged (an error), or holds.
    problems: list[tuple[str, str]] = []
    unread: list[Evaluation] = []
    if floor is not None:
        version = parse_version(dump.version_name) if dump.version_name else None
        if dump.version_name is None:
            unread.append(not_reported("the versionName of WhatsApp Business"))
        elif version is None:
            unread.append(
                not_reported(f"a version name wa-harden can compare (versionName '{dump.version_name}')")
            )
        elif not version_at_least(version, floor):
            problems.append(
                ("version-below-minimum", f"version {dump.version_name} is older than {min_version}")
            )
    if min_code:
        if dump.version_code is None:
            unread.append(not_reported("the versionCode of WhatsApp Business"))
        elif dump.version_code < min_code:
            problems.append(
                ("version-below-minimum", f"versionCode {dump.version_code} is below the minimum {min_code}")
            )
    if max_age:
        if update_age is None:
            unread.append(not_reported("when WhatsApp Business was last updated"))
        elif -update_age > UPDATE_AHEAD_DAYS:
            unread.append(not_reported(
                f"when WhatsApp Business was last updated in a form that can be judged: its lastUpdateTime "
                f"{observed['last_update']} is {-update_age} days after the audit (the phone's clock was wrong)"))
        elif update_age > max_age:
            problems.append(
                ("update-too-old", f"it was last updated {update_age} days ago (at most {max_age} allowed)")
            )
    if problems:
        return Evaluation(
            Outcome.FAIL,
            reason=problems[0][0],
            message=f"WhatsApp Business is out of date: {'; '.join(text for _, text in problems)}.",
            observed=observed,
            expected=expected,
            notes=tuple(ev.message for ev in unread),
        )
    passed = Evaluation(
        Outcome.PASS,
        reason="current",
        message=f"WhatsApp Business {dump.version_name or dump.version_code} is current enough.",
        observed=observed,
        expected=expected,
    )
    return first_error_or(unread, passed)


# Who started an install over ADB (``adb install``, also with ``-i com.android.vending``).
SHELL_INSTALLER = "com.android.shell"
# ``packageSource`` (Android 13+) an installer declares: a store never declares a file.
_FILE_SOURCES: Mapping[int, str] = {3: "a local APK file", 4: "a downloaded APK file"}
# Worst first: the reason an installer failure reports when several packages fail.
_INSTALLER_REASONS = ("installed-over-adb", "untrusted-installer", "debuggable-build")


def _install_problems(package: str, dump: PackageDump, allowed: list[str]) -> list[tuple[str, str]]:
    """(reason, text) for what makes one installed WhatsApp app not a store release.

    Android 11+ records who *started* the install (``initiatingPackageName``); the installer name
    alone is whatever ``adb install -i`` said.  Without an initiating installer (older Android) the
    installer name is all there is.
    """
    name = f"{PACKAGE_NAMES[package]} ({package})"
    installer = dump.installer or "no installer recorded (sideloaded or preinstalled)"
    initiating = dump.initiating_installer
    problems: list[tuple[str, str]] = []
    if initiating == SHELL_INSTALLER:
        problems.append(
            ("installed-over-adb",
             f"{name}: installed over ADB (initiating installer {SHELL_INSTALLER}), whatever its "
             f"installer name says ({installer})")
        )
    elif dump.package_source is not None and dump.package_source in _FILE_SOURCES:
        problems.append(
            ("untrusted-installer",
             f"{name}: installed from {_FILE_SOURCES[dump.package_source]} "
             f"(packageSource {dump.package_source}, by {initiating or installer})")
        )
    elif initiating is not None and initiating not in allowed:
        problems.append(("untrusted-installer", f"{name}: the install was started by {initiating}"))
    elif dump.installer not in allowed:
        problems.append(("untrusted-installer", f"{name}: {installer}"))
    if "DEBUGGABLE" in dump.flags:
        problems.append(
            ("debuggable-build",
             f"{name}: a debuggable build (flag DEBUGGABLE), which no store ships and whose private "
             "data the ADB shell can read with run-as")
        )
    return problems


def _installer_trusted(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    allowed: list[str] = list(params["allowed_installers"])
    observed: list[dict[str, Any]] = []
    unknowns: list[tuple[str, Unknown]] = []
    problems: list[tuple[str, str]] = []
    for package in WHATSAPP_PACKAGES:
        dump = package_dump(facts, package)
        if not is_known(dump):
            unknowns.append((package, dump))
            continue
        if dump is None or not dump.installed_users():
            continue
        observed.append(
            {
                "package": package,
                "installer": dump.installer,
                "initiating_installer": dump.initiating_installer,
                "package_source": dump.package_source,
                "debuggable": "DEBUGGABLE" in dump.flags,
            }
        )
        problems += _install_problems(package, dump, allowed)
    expected = {"allowed_installers": allowed, "debuggable": False}
    unread_notes = tuple(f"{p} could not be read ({u.reason.value})" for p, u in unknowns)
    if problems:
        reasons = {reason for reason, _ in problems}
        return Evaluation(
            Outcome.FAIL,
            reason=next(r for r in _INSTALLER_REASONS if r in reasons),
            message=f"Not a store release: {'; '.join(text for _, text in problems)}.",
            observed=observed,
            expected=expected,
            notes=unread_notes,
        )
    if unknowns:
        package, unknown = unknowns[0]
        return could_not_read(unknown, f"the installer of {package}", unread_notes)
    if not observed:
        return Evaluation(
            Outcome.NOT_APPLICABLE,
            reason="not-installed",
            message="No WhatsApp app is installed, so no installer is checked.",
            expected=expected,
        )
    return Evaluation(
        Outcome.PASS,
        reason="trusted-installer",
        message="Every installed WhatsApp app is a release build from an allowed installer.",
        observed=observed,
        expected=expected,
    )


# Modified WhatsApp clients and app cloners, by package name: the one list wa-harden keeps.  Names as
# the apps publish them (the mods' download pages, the cloners' Play Store listings) and as the mod
# and cloner detection lists of public open-source apps name them; reviewed 2026-11-30.  Each
# wa-harden release updates it; a profile's `packages` replaces it (copy it, then add).  A mod
# renamed to a random package name is not found: the list is a floor, not a proof.
MOD_PACKAGES = [
    # modified WhatsApp clients
    "com.gbwhatsapp",
    "com.gbwhatsapp3",
    "com.whatsapp.gbwhatsapp",
    "com.fmwhatsapp",
    "com.yowhatsapp",
    "com.whatsapp.plus",
    "com.WhatsApp2Plus",
    "com.aero",
    "com.ogwhatsapp",
    "com.obwhatsapp",
    "com.ob2whatsapp",
    "com.ob3whatsapp",
    "io.fouad.whatsapp",
    "com.universe.messenger",
    # app cloners (run a second copy of WhatsApp outside Android's users)
    "com.lbe.parallel.intl",
    "com.lbe.parallel.intl.arm64",
    "com.parallel.space.lite",
    "com.parallel.space.pro",
    "com.excelliance.multiaccounts",
    "com.excelliance.dualaid",
    "com.applisto.appcloner",
    "com.ludashi.dualspace",
    "com.polestar.multiaccount",
    "com.lody.virtual",
    "io.va.exposed",
]


def _mods_absent(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    names: list[str] = list(params["packages"])
    scan, found = packages_found(facts, set(names))
    observed = [{**user_ref(facts, user.user_id), "package": package} for user, package in found]
    expected: dict[str, list[str]] = {"installed": []}
    failed = None
    if found:
        failed = Evaluation(
            Outcome.FAIL,
            reason="mod-installed",
            message=(
                "A modified WhatsApp or an app cloner is installed: "
                f"{'; '.join(f'{user_label(user)}: {package}' for user, package in found)}."
            ),
            observed=observed,
            expected=expected,
        )
    passed = Evaluation(
        Outcome.PASS,
        reason="no-mods",
        message=f"None of {len(names)} known WhatsApp mods and app cloners is installed in any readable user.",
        observed=observed,
        expected=expected,
    )
    return scan.conclude("the installed packages", failed, passed)


CHECKS = (
    CheckSpec(
        id="wa-business-installed",
        title="WhatsApp Business is installed",
        area=Area.APPS,
        rationale=(
            "Only WhatsApp Business comes with Meta's data processing terms, so only with it is "
            "WhatsApp a processor for the company (Art. 28)."
        ),
        severity=Severity.HIGH,
        gdpr=("Art. 28",),
        remedy=(
            "Install WhatsApp Business (com.whatsapp.w4b) from Google Play in the user that handles "
            "customer messages, or push it from the MDM."
        ),
        params=(),
        evaluate=_business_installed,
    ),
    CheckSpec(
        id="wa-consumer-absent",
        title="The consumer WhatsApp app is not installed",
        area=Area.APPS,
        rationale=(
            "The consumer app has no processor terms: it uploads the address book for the company's "
            "own account, without a legal basis and to the US (Art. 5(1)(c), 6, 44). Dual apps, clones, "
            "work profiles, private space and Secure Folder count too."
        ),
        severity=Severity.HIGH,
        gdpr=("Art. 5(1)(c)", "Art. 6", "Art. 44"),
        remedy=(
            "Uninstall WhatsApp (com.whatsapp) by hand in every user where it appears (Settings > Apps "
            "> WhatsApp > Uninstall; for Dual Messenger, Secure Folder, private space or a work profile "
            "open that space first). Uninstalling deletes its chats on this phone: if the person needs "
            "them, they move the account to a personal phone first (WhatsApp > Settings > Chats > "
            "Transfer chats). wa-harden never uninstalls it automatically."
        ),
        params=(),
        evaluate=_consumer_absent,
    ),
    CheckSpec(
        id="wa-app-current",
        title="WhatsApp Business is up to date",
        area=Area.APPS,
        rationale=(
            "Security fixes in WhatsApp reach the phone only through updates; an old release also "
            "lacks the privacy features the company relies on (Art. 32)."
        ),
        severity=Severity.MEDIUM,
        gdpr=("Art. 32",),
        remedy=(
            "Open Google Play > WhatsApp Business > Update, and turn on automatic updates (Play Store > "
            "profile > Settings > Network preferences > Auto-update apps)."
        ),
        params=(
            Param(
                "min_version",
                str,
                DEFAULT_MIN_VERSION,
                "oldest accepted version name of WhatsApp Business (2.YY.N[.M], compared part by part); "
                f"the default {DEFAULT_MIN_VERSION} was set on 2026-11-30 and each wa-harden release moves "
                "it; \"\" = not enforced",
                validate=lambda value: None if value == "" or parse_version(value) else
                "a version such as \"2.26.1\" (numbers separated by dots), or \"\" for none",
            ),
            Param(
                "min_version_code",
                int,
                0,
                "lowest accepted versionCode, for pinning an exact build on top of min_version; "
                "0 = not enforced",
                minimum=0,
            ),
            Param(
                "max_update_age_days",
                int,
                60,
                "the app must have been updated at most this many days before the audit; 0 = not enforced",
                minimum=0,
            ),
        ),
        evaluate=_app_current,
    ),
    CheckSpec(
        id="wa-installer-trusted",
        title="WhatsApp comes from a trusted store",
        area=Area.APPS,
        rationale=(
            "A sideloaded, re-packaged or debuggable WhatsApp may be modified, does not get security "
            "updates, and a debuggable build gives its chats to anyone with USB debugging (Art. 32). "
            "The installer name alone can be forged (adb install -i), so who started the install counts."
        ),
        severity=Severity.MEDIUM,
        gdpr=("Art. 32",),
        remedy=(
            "Back up the business chats (WhatsApp Business > Settings > Chats > Chat backup), uninstall "
            "the app and install it again from Google Play or the company's MDM store."
        ),
        params=(
            Param(
                "allowed_installers",
                list,
                ["com.android.vending"],
                "package names of installers accepted as a source (com.android.vending = Google Play)",
                item_kind=str,
                item_validate=package_name_form,
            ),
        ),
        evaluate=_installer_trusted,
    ),
    CheckSpec(
        id="wa-mods-absent",
        title="No modified WhatsApp or app cloner is installed",
        area=Area.APPS,
        rationale=(
            "Modified WhatsApp clients (GBWhatsApp, FMWhatsApp, WhatsApp Plus ...) are not Meta's app: "
            "no processing terms cover them, their makers can read the chats, and they often carry "
            "malware; app cloners run a second WhatsApp outside the company's control (Art. 28, 32)."
        ),
        severity=Severity.HIGH,
        gdpr=("Art. 28", "Art. 32"),
        remedy=(
            "Uninstall the listed app in every user where it appears (Settings > Apps > the app > "
            "Uninstall). If WhatsApp ran inside it, move the business account to WhatsApp Business "
            "from Google Play first, and report the mod to your data protection officer: its maker "
            "may have had the chats."
        ),
        params=(
            Param(
                "packages",
                list,
                list(MOD_PACKAGES),
                "package names of modified WhatsApp clients and app cloners that must not be installed",
                item_kind=str,
                item_validate=package_name_form,
            ),
        ),
        evaluate=_mods_absent,
    ),
)
