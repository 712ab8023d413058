"""Whether WhatsApp can read the address book, and whether it already copied it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wa_harden import commands as cmd
from wa_harden.checks.base import (
    ANDROID_PERMISSION,
    CheckSpec,
    Evaluation,
    Param,
    could_not_read,
    package_dump,
    permission_name_form,
    scan_users,
    short_permission,
    user_label,
)
from wa_harden.commands import WHATSAPP_PACKAGES
from wa_harden.facts import (
    DeviceFacts,
    PackageDump,
    PackageUserState,
    PermissionGrant,
    Unknown,
    is_known,
)
from wa_harden.model import Action, Area, Outcome, PermissionEffect, Severity, Tier

CONTACT_PERMISSIONS = tuple(
    ANDROID_PERMISSION + name for name in ("READ_CONTACTS", "WRITE_CONTACTS", "GET_ACCOUNTS")
)
READ_CONTACTS = "READ_CONTACTS"
_BLOCKING_MODES = ("ignore", "deny")


def _grant(dump: PackageDump, state: PackageUserState, permission: str) -> PermissionGrant:
    """The user's grant; a permission the package does not request (or list) is not granted."""
    found = state.runtime_permissions.get(permission) or dump.install_permissions.get(permission)
    return found if found is not None else PermissionGrant(permission, granted=False)


def _appop_notes(
    facts: DeviceFacts, package: str, user_id: int, grant: PermissionGrant
) -> list[str]:
    """Mention an app-op that blocks a granted permission: Android resets it, so it is no fix."""
    user_facts = facts.per_user.get(user_id)
    ops = user_facts.appops.get(package) if user_facts is not None else None
    if ops is None or not is_known(ops):
        return []
    op_name = short_permission(grant.permission)
    return [
        f"{package} in user {user_id}: the {op_name} app-op is '{op.mode}' but the permission is "
        "still granted; Android resets the app-op from the permission, so this does not last"
        for op in ops
        if op.op == op_name and op.mode in _BLOCKING_MODES
    ]


def _flag_note(package: str, user_id: int, grant: PermissionGrant) -> list[str]:
    where = f"{package} in user {user_id}: {short_permission(grant.permission)}"
    notes = []
    if grant.policy_fixed:
        notes.append(
            f"{where} is POLICY_FIXED: a device policy fixes this state: change it in the MDM"
        )
    if grant.user_fixed:
        notes.append(f"{where} is USER_FIXED: the phone's user fixed this choice in Settings")
    return notes


def _contacts_denied(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    permissions: list[str] = list(params["permissions"])
    observed: list[dict[str, Any]] = []
    reading: list[str] = []  # holders of READ_CONTACTS
    regaining: list[str] = []  # holders of other permissions of the contacts group only
    notes: list[str] = []
    unknowns: list[tuple[str, Unknown]] = []
    for package in WHATSAPP_PACKAGES:
        dump = package_dump(facts, package)
        if not is_known(dump):
            unknowns.append((package, dump))
            continue
        if dump is None:
            continue
        for user_id in dump.installed_users():
            state = dump.users[user_id]
            held = []
            for permission in permissions:
                grant = _grant(dump, state, permission)
                observed.append(
                    {
                        "package": package,
                        "user": user_id,
                        "permission": permission,
                        "granted": grant.granted,
                        "flags": sorted(grant.flags),
                    }
                )
                if grant.granted:
                    held.append(short_permission(permission))
                    notes += _flag_note(package, user_id, grant) + _appop_notes(
                        facts, package, user_id, grant
                    )
            if held:
                holder = f"{package} in user {user_id} holds {', '.join(held)}"
                (reading if READ_CONTACTS in held else regaining).append(holder)
    expected = {"granted": False, "permissions": permissions}
    notes += [f"{p} could not be read ({u.reason.value})" for p, u in unknowns]
    if reading or regaining:
        return Evaluation(
            Outcome.FAIL,
            reason="contacts-granted",
            message=_granted_message(reading, regaining),
            observed=observed,
            expected=expected,
            notes=tuple(notes),
        )
    if unknowns:
        package, unknown = unknowns[0]
        return could_not_read(unknown, f"the permissions of {package}", tuple(notes))
    if not observed:
        return Evaluation(
            Outcome.NOT_APPLICABLE,
            reason="not-installed",
            message="No WhatsApp app is installed, so no contacts permission is checked.",
            expected=expected,
        )
    return Evaluation(
        Outcome.PASS,
        reason="contacts-denied",
        message="No WhatsApp app holds a contacts permission in any user.",
        observed=observed,
        expected=expected,
        notes=tuple(notes),
    )


def _granted_message(reading: list[str], regaining: list[str]) -> str:
    """READ_CONTACTS reads the address book; the other permissions of its group (WRITE_CONTACTS,
    GET_ACCOUNTS) let WhatsApp ask for it again and get it without a prompt."""
    sentences = []
    if reading:
        sentences.append(f"WhatsApp may read the address book: {'; '.join(reading)}.")
    if regaining:
        sentences.append(
            "WhatsApp can regain access to the address book without asking: "
            f"{'; '.join(regaining)} (same permission group as READ_CONTACTS, which Android then "
            "grants without a prompt)."
        )
    return " ".join(sentences)


FIXED_BY_USER = frozenset({"USER_SET", "USER_FIXED"})  # what `set-permission-flags user-set user-fixed` sets


def _plan_contacts(facts: DeviceFacts, params: Mapping[str, Any]) -> tuple[Action, ...]:
    """Revoke every granted contacts permission; on Android 11+ first mark it user-fixed.

    The mark comes first so that a run cut between the two leaves a permission that is still
    granted (the check fails, and the next run revokes it) rather than a denial WhatsApp may ask to
    reverse (which passes the check and which no later run would complete).  `pm revoke` ignores
    the user's flags; only a policy or the system can fix a grant against the shell.

    Permissions a device policy or the system fixed are left alone: the MDM owns them.
    """
    build = facts.build
    flags_supported = is_known(build) and build.sdk is not None and build.sdk >= 30
    actions: list[Action] = []
    for package in WHATSAPP_PACKAGES:
        dump = package_dump(facts, package)
        if not is_known(dump) or dump is None:
            continue
        for user_id in dump.installed_users():
            state = dump.users[user_id]
            for permission in params["permissions"]:
                grant = _grant(dump, state, permission)
                if not grant.granted or grant.policy_fixed or grant.system_fixed:
                    continue
                name = short_permission(permission)
                regrant = "" if flags_supported else (
                    "; this Android version cannot fix the denial, so the phone's user could grant it "
                    "again in Settings")
                if flags_supported:
                    actions.append(Action(
                        "wa-contacts-denied", user_id, cmd.pm_set_permission_flags(user_id, package, permission),
                        Tier.SAFE, cmd.pm_clear_permission_flags(user_id, package, permission),
                        f"{name} for {package} in user {user_id} is marked as the user's fixed choice, so "
                        "that once it is denied WhatsApp cannot simply ask again",
                        PermissionEffect(package, permission, flags_present=FIXED_BY_USER)))
                actions.append(Action(
                    "wa-contacts-denied", user_id, cmd.pm_revoke(user_id, package, permission), Tier.SAFE,
                    cmd.pm_grant(user_id, package, permission),
                    f"{package} loses {name} in user {user_id}; WhatsApp restarts and shows numbers "
                    f"instead of contact names{regrant}",
                    PermissionEffect(package, permission, granted=False)))
    return tuple(actions)


def _contact_sync_traces(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    scan = scan_users(facts, lambda user_facts: user_facts.contacts)
    observed = [
        {
            "user": user.user_id,
            "kind": user.kind.value,
            "counts": {t: stats.count(t) for t in WHATSAPP_PACKAGES},
        }
        for user, stats in scan.readable
    ]
    traces = [
        f"{user_label(user)}: {stats.count(*WHATSAPP_PACKAGES)}"
        for user, stats in scan.readable
        if stats.count(*WHATSAPP_PACKAGES)
    ]
    failed = None
    if traces:
        failed = Evaluation(
            Outcome.FAIL,
            reason="sync-traces",
            message=(
                "WhatsApp's own contacts are in the address book, a sign that it was synced "
                f"({'; '.join(traces)} raw contacts)."
            ),
            observed=observed,
            expected=0,
        )
    passed = Evaluation(
        Outcome.PASS,
        reason="no-traces",
        message="The address book holds no WhatsApp contacts.",
        observed=observed,
        expected=0,
    )
    return scan.conclude("the address book", failed, passed)


CHECKS = (
    CheckSpec(
        id="wa-contacts-denied",
        title="WhatsApp cannot read the address book",
        area=Area.CONTACTS,
        rationale=(
            "With the contacts permission WhatsApp uploads every phone number in the address book to "
            "Meta, including people who never agreed and are not customers (Art. 5(1)(c), 6, 44)."
        ),
        severity=Severity.CRITICAL,
        gdpr=("Art. 5(1)(c)", "Art. 6", "Art. 44"),
        remedy=(
            "Settings > Apps > WhatsApp Business > Permissions > Contacts > Don't allow, in every user "
            "where it is installed (and the same for WhatsApp). If the permission is POLICY_FIXED, set "
            "it to 'deny' in the MDM instead."
        ),
        params=(
            Param(
                "permissions",
                list,
                list(CONTACT_PERMISSIONS),
                "permissions no WhatsApp app may hold",
                item_kind=str,
                item_validate=permission_name_form,
            ),
        ),
        evaluate=_contacts_denied,
        plan=_plan_contacts,
    ),
    CheckSpec(
        id="wa-contact-sync-traces",
        title="No WhatsApp contacts in the address book",
        area=Area.CONTACTS,
        rationale=(
            "WhatsApp writes its own raw contacts (account type com.whatsapp / com.whatsapp.w4b) after "
            "reading the address book: a sign the numbers were already uploaded (Art. 5(1)(c))."
        ),
        severity=Severity.HIGH,
        gdpr=("Art. 5(1)(c)",),
        remedy=(
            "First deny WhatsApp the contacts permission, then remove its sync account: Settings > "
            "Accounts > WhatsApp Business > Remove account (this deletes only WhatsApp's copies). "
            "Ask your data protection officer whether the past upload needs to be documented."
        ),
        params=(),
        evaluate=_contact_sync_traces,
    ),
)
