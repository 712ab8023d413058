"""Who else can get at WhatsApp's data on the phone.

A broken chain of trust (unlocked bootloader, test keys, a root manager), apps allowed to install
other apps, apps that read the screen or every notification, and debugging left on when the phone is
handed to an employee.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wa_harden.checks.base import (
    CheckSpec,
    Evaluation,
    Param,
    captured,
    could_not_read,
    first_error_or,
    listed_packages,
    manual,
    not_reported,
    package_name_form,
    packages_found,
    scan_users,
    setting_flag,
    user_label,
    user_ref,
)
from wa_harden.facts import (
    AndroidUser,
    DeviceFacts,
    Gap,
    Known,
    Unknown,
    UserFacts,
    is_known,
)
from wa_harden.model import Area, Outcome, Severity

# --- device-verified-boot ------------------------------------------------------------------------

VERIFIED_BOOT_STATE = "ro.boot.verifiedbootstate"
FLASH_LOCKED = "ro.boot.flash.locked"
BUILD_TAGS = "ro.build.tags"
_BOOT_STATES: Mapping[str, str | None] = {
    "green": None,
    "yellow": "the verified boot state is yellow: the bootloader checks the system against a key "
    "that is not the maker's (a custom system)",
    "orange": "the verified boot state is orange: the bootloader is unlocked and does not verify "
    "the system",
    "red": "the verified boot state is red: the system failed verification",
}

# Root managers, by package name: the one list wa-harden keeps.  RootBeer's knownRootAppsPackages
# (scottyab/rootbeer, the detection list most Android apps use) plus the managers of today's root
# methods as their projects name them (Magisk and its forks, KernelSU and its forks, APatch);
# reviewed 2026-11-30.  Each wa-harden release updates it; a profile's `root_packages` replaces it.
# Magisk can hide its app under a random name, so the boot state above is the stronger evidence.
ROOT_PACKAGES = [
    "com.topjohnwu.magisk",  # Magisk
    "io.github.vvb2060.magisk",  # Magisk Alpha
    "io.github.huskydg.magisk",  # Magisk Delta / Kitsune Mask
    "me.weishu.kernelsu",  # KernelSU
    "com.rifsxd.ksunext",  # KernelSU Next
    "com.sukisu.ultra",  # SukiSU Ultra
    "me.bmax.apatch",  # APatch
    "eu.chainfire.supersu",  # SuperSU
    "com.noshufou.android.su",  # Superuser
    "com.noshufou.android.su.elite",
    "com.koushikdutta.superuser",
    "com.thirdparty.superuser",
    "com.yellowes.su",
    "com.kingroot.kinguser",  # KingRoot
    "com.kingo.root",  # Kingo Root
    "com.smedialink.oneclickroot",
    "com.zhiqupk.root.global",
    "com.alephzain.framaroot",
]


def _boot_prop_problem(prop: str, value: str) -> Known[str | None]:
    """What a boot property says is wrong, None when it is as it must be, Unknown when the value is
    not one Android documents."""
    unexpected = Unknown(Gap.UNPARSEABLE, f"'{value}' is not a value wa-harden knows")
    if prop == VERIFIED_BOOT_STATE:
        state = value.strip().lower()
        return _BOOT_STATES.get(state, unexpected)
    if prop == FLASH_LOCKED:
        flag = {"1": None, "0": f"the bootloader is unlocked ({FLASH_LOCKED}=0)"}
        return flag.get(value.strip(), unexpected)
    tags = {tag.strip() for tag in value.split(",")}
    if tags & {"test-keys", "dev-keys"}:
        return f"the system is signed with test keys ({BUILD_TAGS}={value})"
    return None if "release-keys" in tags else unexpected


def _verified_boot(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    root_packages = set(params["root_packages"])
    problems: list[str] = []
    unread: list[Evaluation] = []
    props: dict[str, str | None] = {}
    build = facts.build
    if is_known(build):
        for prop in (VERIFIED_BOOT_STATE, FLASH_LOCKED, BUILD_TAGS):
            value = props[prop] = build.props.get(prop)
            if value is None:
                unread.append(not_reported(prop))
                continue
            problem = _boot_prop_problem(prop, value)
            if not is_known(problem):
                unread.append(could_not_read(problem, prop))
            elif problem is not None:
                problems.append(problem)
    else:
        unread.append(could_not_read(build, "the build properties"))
    scan, rooted = packages_found(facts, root_packages)
    observed = {
        "props": props,
        "root_packages": [{**user_ref(facts, u.user_id), "package": p} for u, p in rooted],
    }
    expected = {
        VERIFIED_BOOT_STATE: "green",
        FLASH_LOCKED: "1",
        BUILD_TAGS: "release-keys",
        "root_packages": [],
    }
    failed = None
    if problems or rooted:
        found = problems + [f"the root manager {p} is installed in {user_label(u)}" for u, p in rooted]
        failed = Evaluation(
            Outcome.FAIL,
            reason="boot-not-verified" if problems else "root-manager-installed",
            message=f"The phone's system cannot be trusted: {'; '.join(found)}.",
            observed=observed,
            expected=expected,
            notes=tuple(ev.message for ev in unread),
        )
    passed = Evaluation(
        Outcome.PASS,
        reason="verified",
        message=(
            "Verified boot is green, the bootloader is locked, the system carries release keys "
            "and no known root manager is installed in any readable user."
        ),
        observed=observed,
        expected=expected,
    )
    return scan.conclude("the installed packages", failed, first_error_or(unread, passed))


# --- device-unknown-sources ----------------------------------------------------------------------

# User restrictions (a device policy's) under which no app installs apps, whatever its app-op says.
NO_UNKNOWN_SOURCES = ("no_install_unknown_sources", "no_install_unknown_sources_globally")


def _restriction(facts: DeviceFacts, user: AndroidUser) -> str | None | Evaluation:
    """The restriction that forbids installing unknown apps in this user, None when there is none,
    or the error that says why this cannot be told."""
    restrictions = facts.restrictions
    if not is_known(restrictions):
        return could_not_read(restrictions, "the user restrictions (dumpsys user)")
    if user.user_id not in restrictions:
        return not_reported(f"the user restrictions of {user_label(user)} (dumpsys user)")
    return next((r for r in NO_UNKNOWN_SOURCES if r in restrictions[user.user_id]), None)


def _unknown_sources(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    """``appops query-op`` answers for the whole phone; a package it names is attributed to the
    readable users whose package list has it, and judged there against that user's restriction."""
    allowed: list[str] = list(params["allowed_packages"])
    expected = {"install_sources": [], "allowed_packages": allowed}
    sources = facts.install_sources
    if not is_known(sources):
        return could_not_read(sources, "the apps allowed to install apps (appops query-op)")
    flagged = [package for package in sources if package not in allowed]
    if not flagged:
        # The answer covers every user, those refusing the shell included: nothing to attribute.
        return Evaluation(
            Outcome.PASS,
            reason="no-install-sources",
            message="No app may install other apps in any user"
            + (" but the allowed packages." if sources else "."),
            observed={"install_sources": list(sources), "users": [], "unattributed": []},
            expected=expected,
        )
    scan = scan_users(facts, listed_packages)
    rows: list[dict[str, Any]] = []
    failing: list[str] = []
    overridden: list[str] = []
    undecided: list[Evaluation] = []
    attributed: set[str] = set()
    for user, packages in scan.readable:
        names = {listed.package for listed in packages}
        here = [package for package in flagged if package in names]
        attributed.update(here)
        restriction = _restriction(facts, user) if here else None
        rows.append(
            {
                **user_ref(facts, user.user_id),
                "install_sources": [package for package in sources if package in names],
                "restriction": restriction if isinstance(restriction, str) else None,
            }
        )
        if not here:
            continue
        where = f"{user_label(user)}: {', '.join(here)}"
        if isinstance(restriction, Evaluation):
            undecided.append(restriction)
        elif restriction is not None:
            overridden.append(
                f"{where} may install apps by its app-op, but the user restriction {restriction} "
                "forbids it, and the restriction wins"
            )
        else:
            failing.append(where)
    unattributed = [package for package in flagged if package not in attributed]
    observed = {"install_sources": list(sources), "users": rows, "unattributed": unattributed}
    notes = list(overridden)
    if unattributed:
        it, its, is_ = ("it", "its", "is") if len(unattributed) == 1 else ("they", "their", "are")
        found = (f"{', '.join(unattributed)} may install apps by {its} app-op but {is_} in no readable "
                 "user's package list")
        if scan.unreadable:
            notes.append(f"{found}: {it} may be in a user whose package list could not be read")
        elif not is_known(facts.users):
            notes.append(f"{found}: {it} may be in a user the phone did not list")
            undecided.insert(0, could_not_read(facts.users, "the list of Android users (pm list users)"))
        elif scan.skipped:
            refusing = ", ".join(user_label(user) for user in scan.skipped)
            notes.append(f"{found}: {it} may be in {refusing}, which refuses the shell; check there by hand")
        else:  # every user was read and none has it: the phone fails as a whole
            failing.append(f"in no user's package list: {', '.join(unattributed)}")
    if scan.unreadable:
        # A flagged package may be installed in a user whose package list is unknown as well.
        user, unknown = scan.unreadable[0]
        undecided.insert(0, could_not_read(unknown, f"the package list of {user_label(user)}"))
    if failing:
        return Evaluation(
            Outcome.FAIL,
            reason="install-sources-allowed",
            message=f"Apps may install other apps ('Install unknown apps'): {'; '.join(failing)}.",
            observed=observed,
            expected=expected,
            notes=tuple(notes) + scan.all_notes(),
        )
    passed = Evaluation(
        Outcome.PASS,
        reason="restricted" if overridden else "no-install-sources",
        message=(
            "No app may install other apps in any readable user"
            + (": where an app-op allows it, a user restriction forbids it." if overridden else ".")
        ),
        observed=observed,
        expected=expected,
        notes=tuple(notes) + scan.all_notes(),
    )
    return first_error_or(undecided, passed)


# --- device-chat-readers -------------------------------------------------------------------------

ACCESSIBILITY_SERVICES = "secure:enabled_accessibility_services"
NOTIFICATION_LISTENERS = "secure:enabled_notification_listeners"
# (setting, what a message calls it, its key in ``observed``)
_READER_KINDS = (
    (ACCESSIBILITY_SERVICES, "accessibility service", "accessibility_services"),
    (NOTIFICATION_LISTENERS, "notification listener", "notification_listeners"),
)


@dataclass(frozen=True)
class _Readers:
    """The packages of one user's enabled readers (never their classes), and its package lists."""

    by_kind: tuple[tuple[str, str, tuple[str, ...]], ...]  # (what, observed key, packages)
    system: Known[frozenset[str]]  # pm list packages -s: updated system apps included
    listed: Known[frozenset[str]]  # pm list packages: every package of the user


def _component_packages(value: str | None) -> tuple[str, ...]:
    """``pkg/cls:pkg2/cls2`` -> (pkg, pkg2): the package part of each component, each once."""
    components = (part.strip() for part in (value or "").split(":"))
    return tuple(dict.fromkeys(c.partition("/")[0] for c in components if c))


def _readers(user_facts: UserFacts) -> Known[_Readers]:
    by_kind = []
    for key, what, field in _READER_KINDS:
        value = captured(user_facts.settings, key)
        if not is_known(value):
            return value
        by_kind.append((what, field, _component_packages(value)))
    packages = listed_packages(user_facts)
    listed = frozenset(p.package for p in packages) if is_known(packages) else packages
    return _Readers(tuple(by_kind), user_facts.system_packages, listed)


def _outside_system(readers: _Readers, package: str, what: str, user: AndroidUser) -> bool | Evaluation:
    """Whether a reader's package is not part of the system (a system app updated from Play, which
    runs from /data/app/, is), or the error that says why this cannot be told."""
    question = f"whether the {what} {package} of {user_label(user)} is part of the system"
    if not is_known(readers.system):
        return could_not_read(readers.system, f"{question} (pm list packages -s)")
    if package in readers.system:
        return False
    if not is_known(readers.listed):
        return could_not_read(readers.listed, f"{question} (pm list packages)")
    if package not in readers.listed:
        return not_reported(f"{question}: its package is in none of the user's package lists")
    return True


def _chat_readers(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    allowed: list[str] = list(params["allowed_packages"])
    scan = scan_users(facts, _readers)
    observed: list[dict[str, Any]] = []
    outsiders: list[str] = []
    undecided: list[Evaluation] = []
    for user, readers in scan.readable:
        row: dict[str, Any] = {**user_ref(facts, user.user_id), "not_system": []}
        for what, field, packages in readers.by_kind:
            row[field] = list(packages)
            for package in packages:
                if package in allowed:
                    continue
                outside = _outside_system(readers, package, what, user)
                if isinstance(outside, Evaluation):
                    undecided.append(outside)
                elif outside:
                    row["not_system"].append(package)
                    outsiders.append(f"{user_label(user)}: {package} ({what})")
        observed.append(row)
    expected = {"not_system": [], "allowed_packages": allowed}
    failed = None
    if outsiders:
        failed = Evaluation(
            Outcome.FAIL,
            reason="chat-readers",
            message=(
                "Apps that are not part of the system can read every WhatsApp message on screen or in "
                f"notifications: {'; '.join(outsiders)}."
            ),
            observed=observed,
            expected=expected,
        )
    passed = Evaluation(
        Outcome.PASS,
        reason="no-chat-readers",
        message=(
            "No accessibility service or notification listener outside the system (and the "
            "allowed packages) is on in any readable user."
        ),
        observed=observed,
        expected=expected,
    )
    return scan.conclude(
        "the accessibility services and notification listeners", failed, first_error_or(undecided, passed)
    )


# --- device-debugging-handover -------------------------------------------------------------------

_DEBUG_SWITCHES = (
    ("development_settings_enabled", "developer options"),
    ("adb_enabled", "USB debugging"),
    ("adb_wifi_enabled", "wireless debugging"),
)


def _debugging_handover(facts: DeviceFacts, params: Mapping[str, Any]) -> Evaluation:
    observed: dict[str, int] = {}
    on: list[str] = []
    for key, label in _DEBUG_SWITCHES:
        value = captured(facts.global_settings, key)
        if not is_known(value):
            return could_not_read(value, f"the {label} switch ({key})")
        flag = setting_flag(value, 0)  # unset: off, Android's default
        if not is_known(flag):
            return could_not_read(flag, f"the {label} switch ({key})")
        observed[key] = flag
        if flag:
            on.append(label)
    expected = {key: 0 for key, _ in _DEBUG_SWITCHES}
    if not on:
        return Evaluation(
            Outcome.PASS,
            reason="debugging-off",
            message="Developer options, USB debugging and wireless debugging are off.",
            observed=observed,
            expected=expected,
        )
    named = " and ".join([", ".join(on[:-1]), on[-1]] if len(on) > 1 else on)
    return manual(
        "debugging-on",
        (
            f"{named[0].upper()}{named[1:]} {'is' if len(on) == 1 else 'are'} on now, as expected "
            "while wa-harden audits the phone; switch "
            f"{'it' if len(on) == 1 else 'them'} off before the phone is handed to an employee, then "
            "record the handover with an attestation."
        ),
        observed=observed,
    )


CHECKS = (
    CheckSpec(
        id="device-verified-boot",
        title="The system is verified and not rooted",
        area=Area.DEVICE,
        rationale=(
            "With an unlocked bootloader, a test-key build or root, any app or person with the phone "
            "can read WhatsApp's private storage, and none of Android's protections can be relied on "
            "(Art. 32)."
        ),
        severity=Severity.HIGH,
        gdpr=("Art. 32",),
        remedy=(
            "Uninstall the root manager, flash the maker's official firmware and lock the bootloader "
            "again (this wipes the phone: back up the business chats first), or replace the phone. A "
            "phone with a custom system does not belong in the fleet."
        ),
        params=(
            Param(
                "root_packages",
                list,
                list(ROOT_PACKAGES),
                "package names of root managers that must not be installed in any user",
                item_kind=str,
                item_validate=package_name_form,
            ),
        ),
        evaluate=_verified_boot,
    ),
    CheckSpec(
        id="device-unknown-sources",
        title="No app may install other apps",
        area=Area.DEVICE,
        rationale=(
            "An app allowed to 'install unknown apps' (a browser, a file manager, a messenger) can put "
            "unchecked APKs on the phone, including spyware that reads the chats (Art. 32)."
        ),
        severity=Severity.MEDIUM,
        gdpr=("Art. 32",),
        remedy=(
            "Settings > Apps > Special app access > Install unknown apps: set every app to 'Not "
            "allowed', in every user and work profile. On managed phones set the user restriction "
            "no_install_unknown_sources (Android Management API: installUnknownSourcesAllowed = false)."
        ),
        params=(
            Param(
                "allowed_packages",
                list,
                [],
                "packages the company lets install apps (e.g. its MDM agent)",
                item_kind=str,
                item_validate=package_name_form,
            ),
        ),
        evaluate=_unknown_sources,
    ),
    CheckSpec(
        id="device-chat-readers",
        title="No app outside the system reads the screen or notifications",
        area=Area.DEVICE,
        rationale=(
            "An accessibility service reads everything on screen and a notification listener every "
            "notification: either reads every WhatsApp message and can pass it on (Art. 5(1)(f), 32)."
        ),
        severity=Severity.HIGH,
        gdpr=("Art. 5(1)(f)", "Art. 32"),
        remedy=(
            "Settings > Accessibility > Installed apps (or Downloaded apps): turn off every service "
            "that is not needed; Settings > Apps > Special app access > Notification access (Device & "
            "app notifications): turn off every app that is not needed, in every user. Add an app the "
            "company needs (e.g. its MDM agent) to allowed_packages."
        ),
        params=(
            Param(
                "allowed_packages",
                list,
                [],
                "packages whose accessibility services and notification listeners the company accepts",
                item_kind=str,
                item_validate=package_name_form,
            ),
        ),
        evaluate=_chat_readers,
    ),
    CheckSpec(
        id="device-debugging-handover",
        title="Debugging is off when the phone is handed over",
        area=Area.DEVICE,
        rationale=(
            "With USB or wireless debugging on, anyone with a computer and the unlocked phone copies "
            "data off it; wa-harden needs debugging while it audits, so the switch-off is a handover "
            "step (Art. 32)."
        ),
        severity=Severity.MEDIUM,
        gdpr=("Art. 32",),
        remedy=(
            "After the audit and before handover: Settings > System > Developer options > turn off "
            "'Wireless debugging' and 'USB debugging', tap 'Revoke USB debugging authorisations', then "
            "turn off 'Use developer options' at the top. On managed phones block debugging in the MDM "
            "(Android Management API: developerSettings = DEVELOPER_SETTINGS_DISABLED). Record the "
            "handover with an attestation."
        ),
        params=(),
        evaluate=_debugging_handover,
        manual=True,
    ),
)
