"""Profiles (TOML): which checks run, with which params and severities, and which fails are waived.

Everything is validated before any phone is touched, and every problem names its file and key path
(``checks.device-patch-age.max_age_days``) and says what was expected: a profile that is silently
half-ignored is worse than none.  Profiles select checks and set params; they never carry shell text.
"""

from __future__ import annotations

import difflib
import importlib.resources
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from wa_harden.checks import REGISTRY, check_order, closest_check_id
from wa_harden.checks.base import CheckSpec, Param
from wa_harden.errors import ProfileError
from wa_harden.model import Attestation, Severity, Waiver

DEFAULT_PROFILE = "whatsapp-business-gdpr"
_SHIPPED_PACKAGE = "wa_harden.profiles"

_TOP_KEYS = ("profile", "checks", "waivers")
_PROFILE_KEYS = ("name", "description", "extends")
_CHECK_KEYS = ("enabled", "severity")
_WAIVER_KEYS = ("check", "serials", "justification", "approver", "expires")
_ATTESTATION_KEYS = ("check", "by", "date", "note", "serials")

_KIND_WORDS: Mapping[type, str] = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a table",
    date: "a date (YYYY-MM-DD)",
}


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


def _shipped(name: str, label: str, key: str) -> Traversable:
    location = shipped_profiles_dir() / f"{name}.toml"
    if location.is_file():
        return location
    names = _shipped_names()
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise ProfileError(
        label, key, f"unknown profile '{name}' (shipped profiles: {', '.join(names)}){hint}"
    )


def _identity(location: Traversable) -> str:
    return str(location.resolve()) if isinstance(location, Path) else str(location)


# --- reading and checking values ------------------------------------------------------------


def _read_toml(location: Traversable, label: str) -> dict[str, Any]:
    try:
        raw = location.read_bytes()
    except OSError as exc:
        raise ProfileError(label, "", f"cannot read the file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProfileError(label, "", "the file is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(label, "", f"invalid TOML: {exc}") from None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, datetime):
        return f"a date and time {value.isoformat()}"
    if isinstance(value, (int, float, date)):
        return str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _kind_words(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_KIND_WORDS.get(k, k.__name__) for k in kinds)


def _has_kind(value: Any, kind: type | tuple[type, ...]) -> bool:
    """isinstance, but strict where TOML and Python disagree: a bool is not an int, a date-time
    is not a date, and an int is accepted as a float."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool):
        return bool in kinds
    if isinstance(value, datetime):
        return datetime in kinds
    if isinstance(value, int) and float in kinds:
        return True
    return isinstance(value, kinds)


def _expect(value: Any, kind: type | tuple[type, ...], label: str, key: str) -> Any:
    if not _has_kind(value, kind):
        raise ProfileError(label, key, f"expected {_kind_words(kind)}, got {_describe(value)}")
    return value


def _text(value: Any, label: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(label, key, f"expected a non-empty string, got {_describe(value)}")
    return value


def _table(value: Any, label: str, key: str) -> dict[str, Any]:
    return _expect(value, dict, label, key)


def _known_keys(table: Mapping[str, Any], allowed: tuple[str, ...], label: str, key: str) -> None:
    for name in table:
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            where = f"{key}.{name}" if key else name
            raise ProfileError(
                label, where, f"unknown key; {hint}expected one of: {', '.join(allowed)}"
            )


def _required(table: Mapping[str, Any], name: str, label: str, key: str, what: str) -> Any:
    if name not in table:
        raise ProfileError(label, f"{key}.{name}", f"missing: every {what} needs '{name}'")
    return table[name]


def _serials(table: Mapping[str, Any], label: str, key: str) -> tuple[str, ...]:
    serials = _expect(table.get("serials", []), list, label, f"{key}.serials")
    return tuple(_text(s, label, f"{key}.serials[{i}]") for i, s in enumerate(serials))


def _spec(check_id: str, label: str, key: str) -> CheckSpec:
    if check_id not in REGISTRY:
        close = closest_check_id(check_id)
        hint = f"; did you mean '{close}'?" if close else ""
        raise ProfileError(label, key, f"unknown check '{check_id}'{hint}")
    return REGISTRY[check_id]


def _check_id(value: Any, label: str, key: str) -> CheckSpec:
    return _spec(_text(value, label, key), label, key)


def _param_value(param: Param, value: Any, label: str, key: str) -> Any:
    _expect(value, param.kind, label, key)
    if param.item_kind is not None:
        for i, item in enumerate(value):
            _expect(item, param.item_kind, label, f"{key}[{i}]")
    if param.minimum is not None and value < param.minimum:
        raise ProfileError(
            label,
            key,
            f"expected {_kind_words(param.kind)} >= {param.minimum}, got {_describe(value)}",
        )
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


def _check_settings(check_id: str, raw: Any, label: str) -> dict[str, Any]:
    key = f"checks.{check_id}"
    spec = _spec(check_id, label, key)
    table = _table(raw, label, key)
    params = {p.name: p for p in spec.params}
    _known_keys(table, _CHECK_KEYS + tuple(params), label, key)
    settings: dict[str, Any] = {}
    for name, value in table.items():
        if name == "enabled":
            settings[name] = _expect(value, bool, label, f"{key}.{name}")
        elif name == "severity":
            levels = [s.value for s in Severity]
            if value not in levels:
                raise ProfileError(
                    label,
                    f"{key}.{name}",
                    f"expected one of {', '.join(levels)}, got {_describe(value)}",
                )
            settings[name] = Severity(value)
        else:
            settings[name] = _param_value(params[name], value, label, f"{key}.{name}")
    return settings


def _waiver(raw: Any, label: str, key: str) -> Waiver:
    table = _table(raw, label, key)
    _known_keys(table, _WAIVER_KEYS, label, key)
    spec = _check_id(_required(table, "check", label, key, "waiver"), label, f"{key}.check")
    expires = _required(table, "expires", label, key, "waiver")
    return Waiver(
        check=spec.id,
        justification=_text(
            _required(table, "justification", label, key, "waiver"), label, f"{key}.justification"
        ),
        approver=_text(
            _required(table, "approver", label, key, "waiver"), label, f"{key}.approver"
        ),
        expires=_expect(expires, date, label, f"{key}.expires"),
        serials=_serials(table, label, key),
    )


def _array_of_tables(document: Mapping[str, Any], name: str, label: str) -> list[Any]:
    return _expect(document.get(name, []), list, label, name)


def _layer(document: dict[str, Any], label: str) -> _Layer:
    _known_keys(document, _TOP_KEYS, label, "")
    if "profile" not in document:
        raise ProfileError(
            label, "profile", "missing: a profile needs a [profile] table with a name"
        )
    head = _table(document["profile"], label, "profile")
    _known_keys(head, _PROFILE_KEYS, label, "profile")
    name = _text(_required(head, "name", label, "profile", "profile"), label, "profile.name")
    description = _expect(head.get("description", ""), str, label, "profile.description")
    extends = head.get("extends")
    if extends is not None:
        _text(extends, label, "profile.extends")
    checks = _table(document.get("checks", {}), label, "checks")
    waivers = _array_of_tables(document, "waivers", label)
    return _Layer(
        name=name,
        description=description,
        extends=extends,
        checks={cid: _check_settings(cid, raw, label) for cid, raw in checks.items()},
        waivers=tuple(_waiver(raw, label, f"waivers[{i}]") for i, raw in enumerate(waivers)),
    )


# --- extends chains -----------------------------------------------------------------------------


def _parent(extends: str, location: Traversable, label: str) -> Traversable:
    if not _looks_like_path(extends):
        return _shipped(extends, label, "profile.extends")
    base = location.parent if isinstance(location, Path) else shipped_profiles_dir()
    parent = base / extends
    if not parent.is_file():
        raise ProfileError(
            label, "profile.extends", f"no profile file at '{extends}' (relative to this file)"
        )
    return parent


def _chain(location: Traversable, label: str) -> list[_Layer]:
    """The layers from the root ancestor down to this file; each error names its own file."""
    chain: list[_Layer] = []
    seen = [_identity(location)]
    while True:
        layer = _layer(_read_toml(location, label), label)
        chain.append(layer)
        if layer.extends is None:
            return chain[::-1]
        location = _parent(layer.extends, location, label)
        if _identity(location) in seen:
            raise ProfileError(
                label,
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
    return Profile(
        name=chain[-1].name,
        description=chain[-1].description,
        source=source,
        checks=MappingProxyType(checks),
        waivers=tuple(waivers),
    )


def _load(location: Traversable, label: str) -> Profile:
    return _resolve(_chain(location, label), label)


# --- public API ---------------------------------------------------------------------------------


def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by name (``baseline``) or a profile file by path, fully validated."""
    shipped = shipped_profiles_dir() / f"{name_or_path}.toml"
    if _looks_like_path(name_or_path) or (not shipped.is_file() and Path(name_or_path).is_file()):
        return validate_profile_file(name_or_path)
    location = _shipped(name_or_path, name_or_path, "")
    return _load(location, str(location))


def validate_profile_file(path: str | Path) -> Profile:
    return _load(Path(path), str(path))


def list_profiles() -> list[tuple[str, str]]:
    """(name, description) of every shipped profile."""
    profiles = [load_profile(name) for name in _shipped_names()]
    return [(p.name, p.description) for p in profiles]


def load_attestations(path: str | Path) -> tuple[Attestation, ...]:
    """``[[attestation]]`` tables: a person's statement that a manual check was done by hand."""
    label = str(path)
    document = _read_toml(Path(path), label)
    _known_keys(document, ("attestation",), label, "")
    attestations = []
    for i, raw in enumerate(_array_of_tables(document, "attestation", label)):
        key = f"attestation[{i}]"
        table = _table(raw, label, key)
        _known_keys(table, _ATTESTATION_KEYS, label, key)
        spec = _check_id(
            _required(table, "check", label, key, "attestation"), label, f"{key}.check"
        )
        if not spec.manual:
            manual_ids = ", ".join(
                s.id for s in sorted(REGISTRY.values(), key=check_order) if s.manual
            )
            raise ProfileError(
                label,
                f"{key}.check",
                f"'{spec.id}' is checked automatically and cannot be attested; "
                f"only these manual checks can: {manual_ids}",
            )
        on = _required(table, "date", label, key, "attestation")
        attestations.append(
            Attestation(
                check=spec.id,
                by=_text(_required(table, "by", label, key, "attestation"), label, f"{key}.by"),
                on=_expect(on, date, label, f"{key}.date"),
                note=_text(
                    _required(table, "note", label, key, "attestation"), label, f"{key}.note"
                ),
                serials=_serials(table, label, key),
            )
        )
    return tuple(attestations)
