"""Device posture: patches, OS, screen lock, encryption, Play Protect, users and management."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wa_harden.checks.base import (
    CheckSpec,
    Evaluation,
    Param,
    account_type_form,
    age_days,
    all_users,
    captured,
    could_not_read,
    installed_users,
    known_user,
    manual,
    not_reported,
    scan_users,
    user_fact_values,
    user_label,
)
from wa_harden.commands import WHATSAPP_PACKAGES
from wa_harden.facts import AndroidUser, DeviceFacts, Gap, Unknown, UserFacts, UserKind, is_known
from wa_harden.model import Area, Outcome, Severity

GOOGLE_ACCOUNT = "com.google"

# Profiles unlock with their parent's credential unless they have a separate challenge, so a
# profile without its own credential is not an unlocked phone.
PROFILE_KINDS = frozenset(
    {
        UserKind.WORK_PROFILE,
        UserKind.SECURE_FOLDER,
        UserKind.DUAL_APP,
        UserKind.CLONE,
        UserKind.PRIVATE_SPACE,
        UserKind.PROFILE,
    }
)


# A patch level names the month of a security bulletin (YYYY-MM-01 or -05); makers ship it from a
# few weeks before that day.  Later than this after the audit, no real update could have set it.
PATCH_AHEAD_DAYS = 62


def _patch_age(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    max_age: int = params["max_age_days"]
    expected = {"max_age_days": max_age}
    build = facts.build
    if not is_known(build):
        return could_not_read(build, "the build properties")
    if build.security_patch is None:
        return not_reported("its security patch level (ro.build.version.security_patch)")
    age = age_days(build.security_patch, facts.observed_at)
    observed = {"security_patch": build.security_patch.isoformat(), "age_days": age}
    if -age > PATCH_AHEAD_DAYS:
        return Evaluation(
            Outcome.FAIL,
            reason="patch-in-future",
            message=(
                f"The security patch level {build.security_patch.isoformat()} is {-age} days after the audit "
                f"({facts.observed_at.date().isoformat()}): no update brings patches from the future, so the "
                "phone's build properties are wrong or were changed (a custom ROM?) and prove nothing; "
                "or the clock of the computer that audited it is wrong."
            ),
            observed=observed,
            expected=expected,
        )
    if age > max_age:
        return Evaluation(
            Outcome.FAIL,
            reason="patch-too-old",
            message=(
                f"The security patch level {build.security_patch.isoformat()} is {age} days old "
                f"(at most {max_age} allowed)."
            ),
            observed=observed,
            expected=expected,
        )
    return Evaluation(
        Outcome.PASS,
        reason="patch-current",
        message=f"The security patch level {build.security_patch.isoformat()} is {max(age, 0)} days old.",
        observed=observed,
        expected=expected,
    )


def _os_version(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    min_sdk: int = params["min_sdk"]
    expected = {"min_sdk": min_sdk}
    build = facts.build
    if not is_known(build):
        return could_not_read(build, "the build properties")
    if build.sdk is None:
        return not_reported("its API level (ro.build.version.sdk)")
    observed = {"sdk": build.sdk, "release": build.release}
    release = f"Android {build.release} (API {build.sdk})" if build.release else f"API {build.sdk}"
    if build.sdk < min_sdk:
        return Evaluation(
            Outcome.FAIL,
            reason="os-too-old",
            message=f"{release} is older than the minimum API level {min_sdk}.",
            observed=observed,
            expected=expected,
        )
    return Evaluation(
        Outcome.PASS,
        reason="os-supported",
        message=f"{release} meets the minimum API level {min_sdk}.",
        observed=observed,
        expected=expected,
    )


def _screen_lock(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    lock = facts.lock
    if not is_known(lock):
        return could_not_read(lock, "the screen lock (dumpsys lock_settings)")
    if 0 not in lock:
        return not_reported("the screen lock of user 0")
    observed = [
        {
            "user": uid,
            "kind": known_user(facts, uid).kind.value,
            "credential": state.credential.value,
        }
        for uid, state in sorted(lock.items())
    ]
    unlocked, notes, unsure = [], [], []
    for uid, state in sorted(lock.items()):
        user = known_user(facts, uid)
        if state.credential.secure:
            continue
        if uid != 0 and not is_known(facts.users):
            unsure.append(uid)  # without the user list, a profile cannot be told from a full user
        elif uid != 0 and user.kind in PROFILE_KINDS:
            notes.append(f"{user_label(user)} has no own credential; it unlocks with its parent's")
        else:
            unlocked.append(f"{user_label(user)}: {state.credential.value}")
    if unlocked:
        return Evaluation(
            Outcome.FAIL,
            reason="no-secure-lock",
            message=f"No PIN, pattern or password: {'; '.join(unlocked)}.",
            observed=observed,
            expected={"secure": True},
            notes=tuple(notes),
        )
    if unsure:
        users = ", ".join(str(uid) for uid in unsure)
        assert not is_known(facts.users)  # only then is a user's kind unsure
        return could_not_read(facts.users, f"the list of Android users, so whether user(s) {users} without a screen "
                              "lock are profiles that unlock with their parent's", tuple(notes))
    return Evaluation(
        Outcome.PASS,
        reason="secure-lock",
        message="Every user has a PIN, pattern or password.",
        observed=observed,
        expected={"secure": True},
        notes=tuple(notes),
    )


def _encryption(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    build = facts.build
    if not is_known(build):
        return could_not_read(build, "the build properties")
    state = build.crypto_state
    observed = {"crypto_state": state, "crypto_type": build.crypto_type}
    if state is None:
        return not_reported("its encryption state (ro.crypto.state)")
    if state == "encrypted":
        return Evaluation(
            Outcome.PASS,
            reason="encrypted",
            message=f"Storage is encrypted ({build.crypto_type or 'type not reported'}).",
            observed=observed,
            expected={"crypto_state": "encrypted"},
        )
    if state in ("unencrypted", "unsupported"):
        return Evaluation(
            Outcome.FAIL,
            reason="not-encrypted",
            message=f"Storage is not encrypted (ro.crypto.state={state}).",
            observed=observed,
            expected={"crypto_state": "encrypted"},
        )
    return Evaluation(
        Outcome.ERROR,
        reason="unparseable",
        message=f"The encryption state '{state}' is not one wa-harden knows.",
        observed=observed,
        expected={"crypto_state": "encrypted"},
    )


def _play_protect(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    value = captured(facts.global_settings, "package_verifier_enable")
    if not is_known(value):
        return could_not_read(value, "the Play Protect setting (package_verifier_enable)")
    observed = {"package_verifier_enable": value}
    expected = {"package_verifier_enable": "1"}
    if value == "1":
        return Evaluation(
            Outcome.PASS, "play-protect-on", "Play Protect app scanning is on.", observed, expected
        )
    if value == "0":
        return Evaluation(
            Outcome.FAIL,
            "play-protect-off",
            "Play Protect app scanning is off.",
            observed,
            expected,
        )
    if value is None:
        return manual(
            "not-reported",
            "Android does not report the Play Protect switch (Google Play services keeps it): open "
            "Play Store > profile icon > Play Protect > Settings and check 'Scan apps with Play "
            "Protect' is on.",
            observed=observed,
        )
    return Evaluation(
        Outcome.ERROR,
        "unparseable",
        f"package_verifier_enable has the unexpected value '{value}'.",
        observed,
        expected,
    )


def _dedicated(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    expected = {
        name: params[name] for name in ("max_google_accounts", "max_accounts", "max_contacts")
    }
    expected["forbidden_account_types"] = list(params["forbidden_account_types"])
    accounts = facts.accounts
    contacts = scan_users(facts, lambda user_facts: user_facts.contacts)
    observed: dict[str, Any] = {
        "google_accounts": None,
        "accounts": None,
        "contacts": sum(s.total - s.count(*WHATSAPP_PACKAGES) for _, s in contacts.readable),
        "forbidden_accounts": {},
    }
    problems = []
    if is_known(accounts):
        summaries = list(accounts.values())
        observed["google_accounts"] = sum(s.by_type.get(GOOGLE_ACCOUNT, 0) for s in summaries)
        observed["accounts"] = sum(s.total for s in summaries)
        for account_type in expected["forbidden_account_types"]:
            count = sum(s.by_type.get(account_type, 0) for s in summaries)
            if count:
                observed["forbidden_accounts"][account_type] = count
                problems.append(f"{count} account(s) of type {account_type}")
        if observed["google_accounts"] > params["max_google_accounts"]:
            problems.append(
                f"{observed['google_accounts']} Google accounts (at most {params['max_google_accounts']})"
            )
        if observed["accounts"] > params["max_accounts"]:
            problems.append(f"{observed['accounts']} accounts (at most {params['max_accounts']})")
    if observed["contacts"] > params["max_contacts"]:
        problems.append(f"{observed['contacts']} contacts (at most {params['max_contacts']})")
    failed = None
    if problems:
        failed = Evaluation(
            Outcome.FAIL,
            reason="personal-use",
            message=f"The phone looks like it is also used privately: {'; '.join(problems)}.",
            observed=observed,
            expected=expected,
        )
    otherwise = (
        Evaluation(
            Outcome.PASS,
            reason="dedicated",
            message="Accounts and contacts fit a dedicated company phone.",
            observed=observed,
            expected=expected,
        )
        if is_known(accounts)
        else could_not_read(accounts, "the accounts (dumpsys account)")
    )
    return contacts.conclude("the address book size", failed, otherwise)


def _managed(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    owners = facts.owners
    if not is_known(owners):
        return could_not_read(owners, "the device and profile owners")
    profile_owners = {str(uid): admin for uid, admin in sorted(owners.profile_owners.items())}
    observed = {"device_owner": owners.device_owner, "profile_owners": profile_owners}
    if owners.managed:
        admin = owners.device_owner or next(iter(profile_owners.values()))
        return Evaluation(
            Outcome.PASS,
            reason="managed",
            message=(
                f"The phone is managed by {admin}: settings that policy fixes must be changed in the "
                "MDM, not with wa-harden."
            ),
            observed=observed,
        )
    return Evaluation(
        Outcome.PASS,
        reason="unmanaged",
        message="No device or profile owner: the phone is not managed by an MDM.",
        observed=observed,
    )


def _failed_reads(facts: DeviceFacts, user_facts: UserFacts) -> list[tuple[str, Unknown]]:
    """Per-user facts of one user that could not be read, with what they are.

    ``not-supported`` is a command this Android version lacks, not a failed read.  The app-ops of a
    WhatsApp app that is not installed in the user fail by nature ("No UID for ..."), so they do not
    count either.
    """
    not_installed = set()
    for package in WHATSAPP_PACKAGES:
        users = installed_users(facts, package)
        if is_known(users) and user_facts.user.user_id not in users:
            not_installed.add(f"appops of {package}")
    return [
        (name, value)
        for name, value in user_fact_values(user_facts)
        if isinstance(value, Unknown) and value.reason is not Gap.NOT_SUPPORTED and name not in not_installed
    ]


def _users_auditable(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    if not is_known(facts.users):
        return could_not_read(facts.users, "the list of Android users (pm list users)")
    users, _ = all_users(facts)
    observed: list[dict[str, Any]] = []
    restricted: list[AndroidUser] = []
    missing: list[AndroidUser] = []
    unread: list[tuple[AndroidUser, list[tuple[str, Unknown]]]] = []
    for user in users:
        user_facts = facts.per_user.get(user.user_id)
        failed = _failed_reads(facts, user_facts) if user_facts is not None else []
        readable = user_facts is not None and not failed
        row: dict[str, Any] = {"user": user.user_id, "kind": user.kind.value, "readable": readable}
        if user_facts is None:
            missing.append(user)
        elif any(unknown.reason is Gap.USER_RESTRICTED for _, unknown in failed):
            restricted.append(user)
        elif failed:
            row["unread"] = sorted({unknown.reason.value for _, unknown in failed})
            unread.append((user, failed))
        observed.append(row)
    restricted_note = tuple(
        f"the ADB shell may not enter {user_label(u)}: check it by hand" for u in restricted
    )
    if missing or unread:
        parts = [f"nothing was collected for {user_label(u)}" for u in missing]
        reasons: list[str] = ["not-captured"] if missing else []
        for user, failed in unread:
            by_reason: dict[str, list[str]] = {}
            for name, unknown in failed:
                by_reason.setdefault(unknown.reason.value, []).append(name)
            reasons += by_reason
            what = "; ".join(f"{reason}: {', '.join(names)}" for reason, names in by_reason.items())
            parts.append(f"{user_label(user)} could not be read ({what})")
        return Evaluation(
            Outcome.ERROR,
            reason=reasons[0],
            message=f"Not every Android user could be audited: {'; '.join(parts)}.",
            observed=observed,
            notes=restricted_note,
        )
    if restricted:
        return manual(
            "user-restricted",
            (
                f"The ADB shell may not enter {', '.join(user_label(u) for u in restricted)}: open "
                "each on the phone and check by hand that the consumer WhatsApp is not installed and "
                "that WhatsApp Business has no contacts permission there."
            ),
            observed=observed,
        )
    return Evaluation(
        Outcome.PASS,
        reason="all-readable",
        message=f"All {len(users)} Android user(s) could be read.",
        observed=observed,
    )


CHECKS = (
    CheckSpec(
        id="device-patch-age",
        title="Security patches are recent",
        area=Area.DEVICE,
        rationale="A phone with old security patches has known holes an attacker can use (Art. 32).",
        severity=Severity.HIGH,
        gdpr=("Art. 32",),
        remedy=(
            "Settings > System > Software update (Samsung: Settings > Software update) > Download and "
            "install. If the maker no longer ships updates, replace the phone."
        ),
        params=(
            Param(
                "max_age_days",
                int,
                90,
                "the security patch level may be at most this many days older than the audit",
                minimum=0,
            ),
        ),
        evaluate=_patch_age,
    ),
    CheckSpec(
        id="device-os-version",
        title="Android version is supported",
        area=Area.DEVICE,
        rationale=(
            "Android versions the Android Security Bulletins no longer cover get no security fixes, "
            "whatever the patch date says (Art. 32)."
        ),
        severity=Severity.HIGH,
        gdpr=("Art. 32",),
        remedy="Install the latest Android upgrade offered for the phone, or replace the phone.",
        params=(
            Param(
                "min_sdk",
                int,
                34,
                "lowest accepted API level; the default 34 (Android 14) is the oldest Android version "
                "still covered by the Android Security Bulletins as of 2026-11-30, when it was set",
                minimum=1,
            ),
        ),
        evaluate=_os_version,
    ),
    CheckSpec(
        id="device-screen-lock",
        title="A screen lock protects the phone",
        area=Area.DEVICE,
        rationale=(
            "Without a PIN, pattern or password anyone holding the phone reads the customer chats, "
            "and storage encryption is not tied to a secret (Art. 32)."
        ),
        severity=Severity.HIGH,
        gdpr=("Art. 32",),
        remedy="Settings > Security > Screen lock: choose a PIN (6 digits or more), pattern or password.",
        params=(),
        evaluate=_screen_lock,
    ),
    CheckSpec(
        id="device-encryption",
        title="Storage is encrypted",
        area=Area.DEVICE,
        rationale="An unencrypted phone gives its data to whoever finds or steals it (Art. 32).",
        severity=Severity.HIGH,
        gdpr=("Art. 32",),
        remedy=(
            "Phones that launched with Android 10 or later are always encrypted. On older phones use "
            "Settings > Security > Encrypt phone; if that is not offered, replace the phone."
        ),
        params=(),
        evaluate=_encryption,
    ),
    CheckSpec(
        id="device-play-protect",
        title="Play Protect scans apps",
        area=Area.DEVICE,
        rationale="Play Protect finds known malware that could read WhatsApp's notifications (Art. 32).",
        severity=Severity.MEDIUM,
        gdpr=("Art. 32",),
        remedy="Play Store > profile icon > Play Protect > Settings > turn on 'Scan apps with Play Protect'.",
        params=(),
        evaluate=_play_protect,
        manual=True,
    ),
    CheckSpec(
        id="device-dedicated",
        title="The phone is used only for business",
        area=Area.DEVICE,
        rationale=(
            "Private accounts and a large private address book on the business phone mix personal and "
            "customer data (Art. 5(1)(c), 24). Only counts are read, never names."
        ),
        severity=Severity.MEDIUM,
        gdpr=("Art. 5(1)(c)", "Art. 24"),
        remedy=(
            "Remove private accounts (Settings > Accounts) and private contacts, and keep one company "
            "Google account. A consumer WhatsApp account means the consumer app is or was in use."
        ),
        params=(
            Param(
                "max_google_accounts", int, 1, "Google accounts allowed over all users", minimum=0
            ),
            Param("max_accounts", int, 3, "accounts of any type allowed over all users", minimum=0),
            Param(
                "max_contacts",
                int,
                2000,
                "address-book entries allowed over all readable users (WhatsApp's copies not counted)",
                minimum=0,
            ),
            Param(
                "forbidden_account_types",
                list,
                ["com.whatsapp"],
                "account types that must not exist on the phone",
                item_kind=str,
                item_validate=account_type_form,
            ),
        ),
        evaluate=_dedicated,
    ),
    CheckSpec(
        id="device-managed",
        title="Device management (MDM)",
        area=Area.DEVICE,
        rationale=(
            "Informational: on a managed phone the MDM owns policy-fixed settings, so fixes belong "
            "there (Art. 32)."
        ),
        severity=Severity.INFO,
        gdpr=("Art. 32",),
        remedy="Nothing to fix. On managed phones make changes in the MDM console.",
        params=(),
        evaluate=_managed,
    ),
    CheckSpec(
        id="device-users-auditable",
        title="Every Android user can be audited",
        area=Area.DEVICE,
        rationale=(
            "Secure Folder, private space and some work profiles refuse the ADB shell; what is inside "
            "them must be checked by hand (Art. 5(2), 32)."
        ),
        severity=Severity.MEDIUM,
        gdpr=("Art. 5(2)", "Art. 32"),
        remedy=(
            "Unlock each listed space on the phone (Secure Folder, private space, Dual Messenger, work "
            "profile), open its Settings > Apps and check WhatsApp there by hand; then record an "
            "attestation."
        ),
        params=(),
        evaluate=_users_auditable,
        manual=True,
    ),
)
