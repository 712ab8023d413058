"""Profiles (TOML): which checks run, with which params and severities, and which fails are waived.

Everything is validated before any phone is touched, and every problem names its file and key path
(``checks.device-patch-age.max_age_days``) and says what was expected: a profile that is silently
half-ignored is worse than none.  Profiles select checks and set params; they never carry shell text.
"""

from __future__ import annotations

import difflib
import importlib.resources
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from wa_harden.checks import REGISTRY, check_order, closest_check_id
from wa_harden.checks.base import CheckSpec, Param
from wa_harden.errors import ProfileError
from wa_harden.model import Attestation, Severity, Waiver
from wa_harden.tomlcheck import Checker, choice, describe, join, kind_words

DEFAULT_PROFILE = "whatsapp-business-gdpr"
_SHIPPED_PACKAGE = "wa_harden.profiles"

_TOP_KEYS = ("profile", "checks", "waivers", "attestations")
_ATTESTATIONS_KEYS = ("max_age_days",)
DEFAULT_ATTESTATION_AGE = 365  # days: an attestation older than a year is re-confirmed
_PROFILE_KEYS = ("name", "description", "extends")
_CHECK_KEYS = ("enabled", "severity")
_WAIVER_KEYS = ("check", "serials", "justification", "approver", "expires")
_ATTESTATION_KEYS = ("check", "by", "date", "note", "serials")

_SEVERITY = choice(*(s.value for s in Severity))


@dataclass(frozen=True)
class CheckSettings:
    enabled: bool
    severity: Severity
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    source: str
    checks: Mapping[str, CheckSettings]  # enabled checks only, in report order
    waivers: tuple[Waiver, ...] = ()
    attestation_max_age_days: int = DEFAULT_ATTESTATION_AGE  # [attestations] max_age_days


# --- finding files ------------------------------------------------------------------------------


def shipped_profiles_dir() -> Traversable:
    """The installed ``wa_harden.profiles`` package, or ``<repo>/profiles`` in a source checkout."""
    try:
        return importlib.resources.files(_SHIPPED_PACKAGE)
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "profiles"


def _shipped_names() -> list[str]:
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in shipped_profiles_dir().iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    )


def _looks_like_path(value: str) -> bool:
    return value.endswith(".toml") or "/" in value or "\\" in value


def _shipped(check: Checker, name: str, key: str) -> Traversable:
    location = shipped_profiles_dir() / f"{name}.toml"
    if location.is_file():
        return location
    names = _shipped_names()
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    check.fail(key, f"unknown profile '{name}' (shipped profiles: {', '.join(names)}){hint}")


def _identity(location: Traversable) -> str:
    return str(location.resolve()) if isinstance(location, Path) else str(location)


# --- checking values ----------------------------------------------------------------------------


def _checker(label: str) -> Checker:
    return Checker(label, ProfileError)


def _serials(check: Checker, table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    serials = check.expect(table.get("serials", []), list, join(key, "serials"))
    return tuple(check.line(s, f"{key}.serials[{i}]") for i, s in enumerate(serials))


def _spec(check: Checker, check_id: str, key: str) -> CheckSpec:
    if check_id not in REGISTRY:
        close = closest_check_id(check_id)
        hint = f"; did you mean '{close}'?" if close else ""
        check.fail(key, f"unknown check '{check_id}'{hint}")
    return REGISTRY[check_id]


def _check_id(check: Checker, value: Any, key: str) -> CheckSpec:
    return _spec(check, check.line(value, key), key)


def _param_value(check: Checker, param: Param, value: Any, key: str) -> Any:
    check.expect(value, param.kind, key)
    if param.item_kind is not None:
        for i, item in enumerate(value):
            check.expect(item, param.item_kind, f"{key}[{i}]")
            problem = param.item_validate(item) if param.item_validate is not None else None
            if problem is not None:
                check.fail(f"{key}[{i}]", f"expected {problem}, got {describe(item)}")
    if param.minimum is not None and value < param.minimum:
        check.fail(
            key, f"expected {kind_words(param.kind)} >= {param.minimum}, got {describe(value)}"
        )
    problem = param.validate(value) if param.validate is not None else None
    if problem is not None:
        check.fail(key, f"expected {problem}, got {describe(value)}")
    return list(value) if isinstance(value, list) else value


# --- one file -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layer:
    """One profile file, validated on its own, before ``extends`` is resolved."""

    name: str
    description: str
    extends: str | None
    checks: Mapping[str, Mapping[str, Any]]  # only the keys this file sets
    waivers: tuple[Waiver, ...]
    attestation_max_age_days: int | None = None  # None: inherited


def _check_settings(check: Checker, check_id: str, raw: Any) -> dict[str, Any]:
    key = join("checks", check_id)
    spec = _spec(check, check_id, key)
    table = check.table(raw, key)
    params = {p.name: p for p in spec.params}
    check.known_keys(table, _CHECK_KEYS + tuple(params), key)
    settings: dict[str, Any] = {}
    for name, value in table.items():
        where = join(key, name)
        if name == "enabled":
            settings[name] = check.expect(value, bool, where)
        elif name == "severity":
            settings[name] = Severity(check.expect(value, _SEVERITY, where))
        else:
            settings[name] = _param_value(check, params[name], value, where)
    return settings


def _waiver(check: Checker, raw: Any, key: str) -> Waiver:
    table = check.table(raw, key)
    check.known_keys(table, _WAIVER_KEYS, key)

    def required(name: str) -> Any:
        return check.required(table, name, key, "every waiver")

    spec = _check_id(check, required("check"), join(key, "check"))
    expires = required("expires")
    return Waiver(
        check=spec.id,
        justification=check.text(required("justification"), join(key, "justification")),
        approver=check.line(required("approver"), join(key, "approver")),
        expires=check.expect(expires, date, join(key, "expires")),
        serials=_serials(check, table, key),
    )


def _array_of_tables(check: Checker, document: Mapping[str, Any], name: str) -> list[Any]:
    tables: list[Any] = check.expect(document.get(name, []), list, name)
    return tables


def _layer(check: Checker, document: dict[str, Any]) -> _Layer:
    check.known_keys(document, _TOP_KEYS, "")
    if "profile" not in document:
        check.fail("profile", "missing: a profile needs a [profile] table with a name")
    head = check.table(document["profile"], "profile")
    check.known_keys(head, _PROFILE_KEYS, "profile")
    name = check.line(check.required(head, "name", "profile", "every profile"), "profile.name")
    description: str = check.expect(head.get("description", ""), str, "profile.description")
    if description.strip():
        check.text(description, "profile.description")
    extends = head.get("extends")
    if extends is not None:
        check.line(extends, "profile.extends")
    checks = check.table(document.get("checks", {}), "checks")
    waivers = _array_of_tables(check, document, "waivers")
    attestations = check.table(document.get("attestations", {}), "attestations")
    check.known_keys(attestations, _ATTESTATIONS_KEYS, "attestations")
    max_age = attestations.get("max_age_days")
    if max_age is not None:
        check.expect(max_age, int, "attestations.max_age_days")
        if not 1 <= max_age <= 3660:
            check.fail("attestations.max_age_days", f"expected an integer from 1 to 3660 (days), got {max_age}")
    return _Layer(
        name=name,
        description=description,
        extends=extends,
        checks={cid: _check_settings(check, cid, raw) for cid, raw in checks.items()},
        waivers=tuple(_waiver(check, raw, f"waivers[{i}]") for i, raw in enumerate(waivers)),
        attestation_max_age_days=max_age,
    )


# --- extends chains -----------------------------------------------------------------------------


def _parent(check: Checker, extends: str, location: Traversable) -> Traversable:
    if not _looks_like_path(extends):
        return _shipped(check, extends, "profile.extends")
    base = location.parent if isinstance(location, Path) else shipped_profiles_dir()
    parent = base / extends
    if not parent.is_file():
        check.fail("profile.extends", f"no profile file at '{extends}' (relative to this file)")
    return parent


def _chain(location: Traversable, label: str) -> list[_Layer]:
    """The layers from the root ancestor down to this file; each error names its own file."""
    chain: list[_Layer] = []
    seen = [_identity(location)]
    while True:
        check = _checker(label)
        layer = _layer(check, check.read(location))
        chain.append(layer)
        if layer.extends is None:
            return chain[::-1]
        location = _parent(check, layer.extends, location)
        if _identity(location) in seen:
            check.fail(
                "profile.extends",
                f"'{layer.extends}' leads back to a profile already in the chain; "
                "extends must not loop",
            )
        seen.append(_identity(location))
        label = str(location)


def _resolve(chain: list[_Layer], source: str) -> Profile:
    """Merge the layers, child settings over parent settings key by key; fill spec defaults."""
    merged: dict[str, dict[str, Any]] = {}
    waivers: list[Waiver] = []
    for layer in chain:
        for check_id, settings in layer.checks.items():
            merged[check_id] = {**merged.get(check_id, {}), **settings}
        waivers.extend(layer.waivers)
    checks: dict[str, CheckSettings] = {}
    for spec in sorted((REGISTRY[cid] for cid in merged), key=check_order):
        settings = merged[spec.id]
        if not settings.get("enabled", True):
            continue
        params = {name: settings.get(name, default) for name, default in spec.defaults().items()}
        checks[spec.id] = CheckSettings(
            enabled=True,
            severity=settings.get("severity", spec.severity),
            params=MappingProxyType(params),
        )
    max_ages = [layer.attestation_max_age_days for layer in chain if layer.attestation_max_age_days is not None]
    return Profile(
        name=chain[-1].name,
        description=chain[-1].description,
        source=source,
        checks=MappingProxyType(checks),
        waivers=tuple(waivers),
        attestation_max_age_days=max_ages[-1] if max_ages else DEFAULT_ATTESTATION_AGE,
    )


def _load(location: Traversable, label: str) -> Profile:
    return _resolve(_chain(location, label), label)


# --- public API ---------------------------------------------------------------------------------


def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by name (``baseline``) or a profile file by path, fully validated."""
    shipped = shipped_profiles_dir() / f"{name_or_path}.toml"
    if _looks_like_path(name_or_path) or (not shipped.is_file() and Path(name_or_path).is_file()):
        return validate_profile_file(name_or_path)
    location = _shipped(_checker(name_or_path), name_or_path, "")
    return _load(location, str(location))


def validate_profile_file(path: str | Path) -> Profile:
    return _load(Path(path), str(path))


def list_profiles() -> list[tuple[str, str]]:
    """(name, description) of every shipped profile."""
    profiles = [load_profile(name) for name in _shipped_names()]
    return [(p.name, p.description) for p in profiles]


def load_attestations(path: str | Path, today: date | None = None,
                      max_age_days: int | None = None) -> tuple[Attestation, ...]:
    """``[[attestation]]`` tables: a person's statement that a manual check was done by hand.

    With ``today``, a date in the future is refused (nobody can attest what has not happened),
    and so is one older than ``max_age_days`` (the profile's ``[attestations] max_age_days``):
    an old statement must be confirmed again.
    """
    check = _checker(str(path))
    document = check.read(Path(path))
    check.known_keys(document, ("attestation",), "")
    tables = _array_of_tables(check, document, "attestation")
    attestations = tuple(_attestation(check, raw, f"attestation[{i}]") for i, raw in enumerate(tables))
    if today is not None:
        for i, attestation in enumerate(attestations):
            where = f"attestation[{i}].date"
            if attestation.on > today:
                check.fail(where, f"{attestation.on.isoformat()} is in the future (today is {today.isoformat()}); "
                                  "an attestation records something already done")
            age = (today - attestation.on).days
            if max_age_days is not None and age > max_age_days:
                check.fail(where, f"{attestation.on.isoformat()} is {age} days old; the profile accepts attestations "
                                  f"of at most {max_age_days} days: confirm the item again and date it today")
    return attestations


def _attestation(check: Checker, raw: Any, key: str) -> Attestation:
    table = check.table(raw, key)
    check.known_keys(table, _ATTESTATION_KEYS, key)

    def required(name: str) -> Any:
        return check.required(table, name, key, "every attestation")

    spec = _check_id(check, required("check"), join(key, "check"))
    if not spec.manual:
        manual_ids = ", ".join(s.id for s in sorted(REGISTRY.values(), key=check_order) if s.manual)
        check.fail(
            join(key, "check"),
            f"'{spec.id}' is checked automatically and cannot be attested; "
            f"only these manual checks can: {manual_ids}",
        )
    on = required("date")
    return Attestation(
        check=spec.id,
        by=check.line(required("by"), join(key, "by")),
        on=check.expect(on, date, join(key, "date")),
        note=check.text(required("note"), join(key, "note")),
        serials=_serials(check, table, key),
    )
