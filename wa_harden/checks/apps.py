"""Which WhatsApp apps are on the phone, how current they are and where they came from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wa_harden.checks.base import (
    PACKAGE_NAMES,
    CheckSpec,
    Evaluation,
    Param,
    age_days,
    could_not_read,
    installed_users,
    known_user,
    not_reported,
    package_dump,
    user_label,
    user_ref,
)
from wa_harden.commands import WHATSAPP, WHATSAPP_BUSINESS, WHATSAPP_PACKAGES
from wa_harden.facts import DeviceFacts, Unknown, is_known
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


def _app_current(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    min_version: int = params["min_version_code"]
    max_age: int = params["max_update_age_days"]
    expected = {"min_version_code": min_version, "max_update_age_days": max_age}
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
    if min_version and dump.version_code is None:
        return not_reported("the versionCode of WhatsApp Business")
    if max_age and dump.last_update_time is None:
        return not_reported("when WhatsApp Business was last updated")
    update_age = (
        age_days(dump.last_update_time, facts.observed_at) if dump.last_update_time else None
    )
    observed = {
        "version_code": dump.version_code,
        "version_name": dump.version_name,
        "last_update": dump.last_update_time.date().isoformat() if dump.last_update_time else None,
        "update_age_days": update_age,
    }
    too_old = bool(min_version) and dump.version_code < min_version  # type: ignore[operator]
    stale = bool(max_age) and update_age is not None and update_age > max_age
    problems = []
    if too_old:
        problems.append(f"versionCode {dump.version_code} is below the minimum {min_version}")
    if stale:
        problems.append(f"it was last updated {update_age} days ago (at most {max_age} allowed)")
    if problems:
        return Evaluation(
            Outcome.FAIL,
            reason="version-below-minimum" if too_old else "update-too-old",
            message=f"WhatsApp Business is out of date: {'; '.join(problems)}.",
            observed=observed,
            expected=expected,
        )
    return Evaluation(
        Outcome.PASS,
        reason="current",
        message=f"WhatsApp Business {dump.version_name or dump.version_code} is current enough.",
        observed=observed,
        expected=expected,
    )


def _installer_trusted(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    allowed: list[str] = list(params["allowed_installers"])
    observed: list[dict[str, Any]] = []
    unknowns: list[tuple[str, Unknown]] = []
    untrusted: list[str] = []
    for package in WHATSAPP_PACKAGES:
        dump = package_dump(facts, package)
        if not is_known(dump):
            unknowns.append((package, dump))
            continue
        if dump is None or not dump.installed_users():
            continue
        observed.append({"package": package, "installer": dump.installer})
        if dump.installer not in allowed:
            source = dump.installer or "no installer recorded (sideloaded or preinstalled)"
            untrusted.append(f"{PACKAGE_NAMES[package]} ({package}): {source}")
    expected = {"allowed_installers": allowed}
    unread_notes = tuple(f"{p} could not be read ({u.reason.value})" for p, u in unknowns)
    if untrusted:
        return Evaluation(
            Outcome.FAIL,
            reason="untrusted-installer",
            message=f"Installed from an untrusted source: {'; '.join(untrusted)}.",
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
        message="Every installed WhatsApp app came from an allowed installer.",
        observed=observed,
        expected=expected,
    )


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
        rationale="Security fixes in WhatsApp reach the phone only through updates (Art. 32).",
        severity=Severity.MEDIUM,
        gdpr=("Art. 32",),
        remedy=(
            "Open Google Play > WhatsApp Business > Update, and turn on automatic updates (Play Store > "
            "profile > Settings > Network preferences > Auto-update apps)."
        ),
        params=(
            Param(
                "min_version_code",
                int,
                0,
                "lowest accepted versionCode of WhatsApp Business; 0 = not enforced",
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
            "A sideloaded or re-packaged WhatsApp may be modified and does not get security updates "
            "(Art. 32)."
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
            ),
        ),
        evaluate=_installer_trusted,
    ),
)
