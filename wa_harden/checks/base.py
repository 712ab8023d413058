"""What a check is, and the few helpers every area module shares.

A check is a pure function of :class:`~wa_harden.facts.DeviceFacts` and its params.  It never talks
to a phone and never reads the wall clock, so a replayed capture gives the same answer as the live
audit did.  Whatever it could not observe becomes an ``error`` evaluation carrying the fact's
:class:`~wa_harden.facts.Gap` as the reason: "could not check" is never a pass and never a fail.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from wa_harden.commands import WHATSAPP, WHATSAPP_BUSINESS, package_name, permission_name, storage_root
from wa_harden.facts import (
    AndroidUser,
    DeviceFacts,
    FindListing,
    Gap,
    Known,
    ListedPackage,
    PackageDump,
    Unknown,
    UserFacts,
    UserKind,
    is_known,
)
from wa_harden.model import Action, Area, Outcome, Severity

T = TypeVar("T")

ANDROID_PERMISSION = "android.permission."

# Human words for each Gap, used in every "could not read" message.
_GAP_TEXT: Mapping[Gap, str] = {
    Gap.NOT_CAPTURED: "the command was not run or is missing from the capture",
    Gap.COMMAND_FAILED: "the command printed an error",
    Gap.USER_RESTRICTED: "the phone does not let the ADB shell into this Android user",
    Gap.PERMISSION_DENIED: "the phone refused the ADB shell access",
    Gap.OEM_RESTRICTED: "a manufacturer setting blocks the ADB shell",
    Gap.UNPARSEABLE: "the output had a shape wa-harden does not understand",
    Gap.NOT_SUPPORTED: "this Android version does not have the command",
    Gap.TIMEOUT: "the phone did not answer in time",
    Gap.CONNECTION_LOST: "the connection dropped before the answer was complete",
}


@dataclass(frozen=True)
class Param:
    """A setting a profile may give a check.  ``kind`` is checked strictly: a bool is not an int."""

    name: str
    kind: type | tuple[type, ...]
    default: Any
    help: str
    item_kind: type | None = None  # for list params: the type every item must have
    minimum: int | None = None  # for int params: the smallest value that makes sense
    # For values whose form matters (a version): None when fine, else what was expected.
    validate: Callable[[Any], str | None] | None = None
    # The same for each item of a list param (package names): the profile names the item's index.
    item_validate: Callable[[Any], str | None] | None = None


def _matches(check: Callable[[str], str], expected: str) -> Callable[[Any], str | None]:
    """An ``item_validate`` from one of the command builders' validators (``commands.package_name``):
    a profile refuses up front what a command would refuse later, mid-fix."""
    def validate(value: Any) -> str | None:
        try:
            check(value)
        except ValueError:
            return expected
        return None
    return validate


package_name_form = _matches(package_name, "an Android package name such as com.android.vending")
permission_name_form = _matches(permission_name, "a full permission name such as android.permission.READ_CONTACTS")
_ACCOUNT_TYPE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def account_type_form(value: Any) -> str | None:
    """An account type is an authenticator's name, like a package name (com.google, vnd.sec.contact.phone)."""
    ok = isinstance(value, str) and _ACCOUNT_TYPE_RE.fullmatch(value) is not None
    return None if ok else "an account type such as com.google (letters, digits, '.', '_', '-')"


@dataclass(frozen=True)
class Evaluation:
    """What a check function concludes; :mod:`wa_harden.evaluate` turns it into a Result."""

    outcome: Outcome
    reason: str
    message: str
    observed: Any = None  # JSON-able
    expected: Any = None  # JSON-able
    notes: tuple[str, ...] = ()


EvaluateFn = Callable[[DeviceFacts, Mapping[str, Any]], Evaluation]
# The allow-listed writes that would make a failing check pass, from the same facts and params.
PlanFn = Callable[[DeviceFacts, Mapping[str, Any]], "tuple[Action, ...]"]


@dataclass(frozen=True)
class CheckSpec:
    """A check's identity, documentation and function.

    ``manual`` marks checks that may need a person to look (they can return ``manual``); only those
    may be attested.  ``plan`` is given for checks wa-harden can fix: it returns the actions that
    would make a failing check pass (nothing when there is nothing to do).
    """

    id: str
    title: str
    area: Area
    rationale: str
    severity: Severity
    gdpr: tuple[str, ...]
    remedy: str
    params: tuple[Param, ...]
    evaluate: EvaluateFn
    manual: bool = False
    plan: PlanFn | None = None

    @property
    def fixable(self) -> bool:
        return self.plan is not None

    def defaults(self) -> dict[str, Any]:
        """Fresh default params (lists copied, so no caller can change a spec's defaults)."""
        return {
            p.name: list(p.default) if isinstance(p.default, list) else p.default
            for p in self.params
        }


# --- evaluations every area needs -------------------------------------------------------------


def could_not_read(unknown: Unknown, what: str, notes: tuple[str, ...] = ()) -> Evaluation:
    """The one way to say "this fact is unknown": an ``error`` whose reason is the Gap's value."""
    detail = f" ({unknown.detail})" if unknown.detail else ""
    return Evaluation(
        Outcome.ERROR,
        reason=unknown.reason.value,
        message=f"Could not read {what}: {_GAP_TEXT[unknown.reason]}{detail}.",
        notes=notes,
    )


def not_reported(what: str, notes: tuple[str, ...] = ()) -> Evaluation:
    """The command answered, but without the value this check needs."""
    return Evaluation(
        Outcome.ERROR,
        reason="not-reported",
        message=f"The phone did not report {what}.",
        notes=notes,
    )


def manual(
    reason: str, message: str, observed: Any = None, notes: tuple[str, ...] = ()
) -> Evaluation:
    return Evaluation(
        Outcome.MANUAL, reason=reason, message=message, observed=observed, notes=notes
    )


def captured(mapping: Mapping[str, Known[T]], key: str) -> Known[T]:
    """``mapping[key]``, or an Unknown when the collector never gathered that key."""
    if key in mapping:
        return mapping[key]
    return Unknown(Gap.NOT_CAPTURED, f"{key} was not collected")


def age_days(then: date | datetime, now: datetime) -> int:
    """Whole days from ``then`` to ``now``; naive and aware datetimes are compared as wall times."""
    if isinstance(then, datetime):
        if (then.tzinfo is None) != (now.tzinfo is None):
            then, now = then.replace(tzinfo=None), now.replace(tzinfo=None)
        return (now - then).days
    return (now.date() - then).days


def short_permission(permission: str) -> str:
    return permission.removeprefix(ANDROID_PERMISSION)


# --- Android users --------------------------------------------------------------------------


def user_label(user: AndroidUser) -> str:
    return f"user {user.user_id} ({user.kind.value})"


def known_user(facts: DeviceFacts, user_id: int) -> AndroidUser:
    """The user with this id as listed, or a bare one (user 0 is always the system user)."""
    if is_known(facts.users):
        for user in facts.users:
            if user.user_id == user_id:
                return user
    if user_id in facts.per_user:
        return facts.per_user[user_id].user
    return AndroidUser(user_id, UserKind.SYSTEM if user_id == 0 else UserKind.PROFILE)


def user_ref(facts: DeviceFacts, user_id: int) -> dict[str, Any]:
    """A user as it appears in ``observed``: id and kind, never the name."""
    return {"user": user_id, "kind": known_user(facts, user_id).kind.value}


def all_users(facts: DeviceFacts) -> tuple[tuple[AndroidUser, ...], tuple[str, ...]]:
    """Every Android user to look at, and a note when the list itself could not be read."""
    if is_known(facts.users):
        listed = {u.user_id: u for u in facts.users}
        notes: tuple[str, ...] = ()
    else:
        listed = {}
        notes = (
            f"the list of Android users could not be read ({facts.users.reason.value}); "
            f"only users {', '.join(str(u) for u in sorted(facts.per_user)) or 'none'} were checked",
        )
    for uid, user_facts in facts.per_user.items():
        listed.setdefault(uid, user_facts.user)
    return tuple(listed[uid] for uid in sorted(listed)), notes


def restricted_note(user: AndroidUser) -> str:
    return f"{user_label(user)} refuses the shell; not checked"


@dataclass(frozen=True)
class UserScan(Generic[T]):
    """One per-user fact, read for every Android user.

    Users refusing the shell (Secure Folder, private space ...) are skipped with a note; they never
    fail a check (``device-users-auditable`` reports them).  Any other unknown, and user 0 refusing
    the shell, is ``unreadable``: the check cannot pass.
    """

    readable: tuple[tuple[AndroidUser, T], ...]
    unreadable: tuple[tuple[AndroidUser, Unknown], ...]
    notes: tuple[str, ...]
    skipped: tuple[AndroidUser, ...] = ()  # users other than 0 that refuse the shell

    def error(self, what: str) -> Evaluation | None:
        """``error`` for the first unreadable user, or None when every needed user was read."""
        if not self.unreadable:
            return None
        user, unknown = self.unreadable[0]
        return could_not_read(unknown, f"{what} of {user_label(user)}", self.all_notes())

    def conclude(self, what: str, failed: Evaluation | None, otherwise: Evaluation) -> Evaluation:
        """A definite fail wins over users that could not be read; those make an error; only
        then ``otherwise`` (a pass, or not applicable) holds.  Notes are added here."""
        if failed is not None:
            return dataclasses.replace(failed, notes=failed.notes + self.all_notes())
        return self.error(what) or dataclasses.replace(
            otherwise, notes=otherwise.notes + self.notes
        )

    def all_notes(self) -> tuple[str, ...]:
        unread = tuple(
            f"{user_label(user)} could not be read ({unknown.reason.value})"
            for user, unknown in self.unreadable
        )
        return self.notes + unread


def scan_users(facts: DeviceFacts, read: Callable[[UserFacts], Known[T]]) -> UserScan[T]:
    users, notes = all_users(facts)
    readable: list[tuple[AndroidUser, T]] = []
    unreadable: list[tuple[AndroidUser, Unknown]] = []
    skipped: list[AndroidUser] = []
    for user in users:
        user_facts = facts.per_user.get(user.user_id)
        value: Known[T] = (
            read(user_facts)
            if user_facts is not None
            else Unknown(Gap.NOT_CAPTURED, f"no facts for user {user.user_id}")
        )
        if is_known(value):
            readable.append((user, value))
        elif value.reason is Gap.USER_RESTRICTED and user.user_id != 0:
            skipped.append(user)
        else:
            unreadable.append((user, value))
    return UserScan(tuple(readable), tuple(unreadable), notes + tuple(restricted_note(u) for u in skipped),
                    tuple(skipped))


# --- WhatsApp packages ------------------------------------------------------------------------

PACKAGE_NAMES: Mapping[str, str] = {WHATSAPP: "WhatsApp", WHATSAPP_BUSINESS: "WhatsApp Business"}


def package_dump(facts: DeviceFacts, package: str) -> Known[PackageDump | None]:
    return captured(facts.packages, package)


def installed_users(facts: DeviceFacts, package: str) -> Known[tuple[int, ...]]:
    """Users in which ``package`` is installed.

    ``dumpsys package`` lists every user's install state, even users that refuse the shell; the
    per-user ``pm list packages`` listings are a cross-check.  When the dump is unknown, the
    listings alone can still prove an install (but never an absence).
    """
    listed = {
        uid
        for uid, user_facts in facts.per_user.items()
        if is_known(user_facts.packages) and any(p.package == package for p in user_facts.packages)
    }
    dump = package_dump(facts, package)
    if not is_known(dump):
        return tuple(sorted(listed)) if listed else dump
    from_dump = set(dump.installed_users()) if dump is not None else set()
    return tuple(sorted(from_dump | listed))


# --- per-user facts, listings and settings (added for the device posture checks) ---------------


def user_fact_values(user_facts: UserFacts) -> tuple[tuple[str, Known[Any]], ...]:
    """Every per-user fact of one user, each with the name a message gives it.

    Settings appear under their ``namespace:key``, app-ops under ``appops of PACKAGE``; the storage
    root as :func:`storage_read` judges it.
    """
    values: list[tuple[str, Known[Any]]] = [
        ("package list", user_facts.packages),
        ("system packages", user_facts.system_packages),
        ("Android backup", user_facts.backup),
        ("backup setting", user_facts.backup_setting),
        ("address book", user_facts.contacts),
        ("WhatsApp media", user_facts.media),
        ("shared storage", storage_read(user_facts)),
    ]
    values += [(f"appops of {package}", ops) for package, ops in sorted(user_facts.appops.items())]
    values += [(key, value) for key, value in sorted(user_facts.settings.items())]
    return tuple(values)


def storage_read(user_facts: UserFacts) -> Known[FindListing]:
    """The storage-root listing (``find /storage/emulated/N -maxdepth 0``) as a read.

    Refused is ``permission-denied``; a listing that neither names the root nor says it is missing
    is no answer (an empty or lost output).  "Missing" is an answer: on Android 11+ the shell may
    not see another user's storage, and whether that hides WhatsApp media is the media check's
    question.
    """
    storage = user_facts.storage
    root = storage_root(user_facts.user.user_id)
    if not is_known(storage) or storage.missing:
        return storage
    if storage.denied:
        return Unknown(Gap.PERMISSION_DENIED, f"find: '{root}': Permission denied")
    if any(path.rstrip("/") == root for path in storage.paths):
        return storage
    return Unknown(Gap.UNPARSEABLE, f"the listing of {root} does not name it")


def setting_flag(value: str | None, default: int) -> Known[int]:
    """An integer setting as Android reads it: unset (None) is ``default``; text that is not an
    integer is unknown (``unparseable``), never guessed."""
    if value is None:
        return default
    try:
        return int(value.strip())
    except ValueError:
        return Unknown(Gap.UNPARSEABLE, f"'{value}' is not a number")


def listed_packages(user_facts: UserFacts) -> Known[tuple[ListedPackage, ...]]:
    """Every package of one user (``pm list packages``, unfiltered).

    Every Android user has system packages, so a listing without a single one is not an answer
    (an empty or lost output), never "nothing installed".
    """
    packages = user_facts.packages
    if is_known(packages) and not packages:
        return Unknown(Gap.UNPARSEABLE, "the package list is empty; every user has system packages")
    return packages


def packages_found(
    facts: DeviceFacts, names: set[str]
) -> tuple[UserScan[tuple[ListedPackage, ...]], tuple[tuple[AndroidUser, str], ...]]:
    """Which of ``names`` are installed, per readable user: the scan (for its notes and errors)
    and every (user, package) found."""
    scan = scan_users(facts, listed_packages)
    found = tuple(
        (user, listed.package)
        for user, packages in scan.readable
        for listed in packages
        if listed.package in names
    )
    return scan, found


def first_error_or(errors: list[Evaluation], otherwise: Evaluation) -> Evaluation:
    """``otherwise`` (a pass), unless something it needs could not be read: then the first error,
    carrying ``otherwise``'s observed values and notes, the other errors as notes."""
    if not errors:
        return otherwise
    first = errors[0]
    return dataclasses.replace(
        first,
        observed=otherwise.observed,
        expected=otherwise.expected,
        notes=first.notes + otherwise.notes + tuple(error.message for error in errors[1:]),
    )
