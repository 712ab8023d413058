"""The registry of checks, built explicitly from the area modules (no import-time registration)."""

from __future__ import annotations

import difflib

from wa_harden.checks import (
    apps,
    backup,
    contacts,
    device,
    lock_screen,
    media,
    organisation,
    security,
    whatsapp_settings,
)
from wa_harden.checks.base import CheckSpec, Evaluation, Param
from wa_harden.model import Area

__all__ = [
    "REGISTRY",
    "CheckSpec",
    "Evaluation",
    "Param",
    "all_checks",
    "check_order",
    "closest_check_id",
    "get_check",
]

_AREA_ORDER = tuple(Area)


def _build(*groups: tuple[CheckSpec, ...]) -> dict[str, CheckSpec]:
    registry: dict[str, CheckSpec] = {}
    for group in groups:
        for spec in group:
            if spec.id in registry:
                raise ValueError(f"check id registered twice: {spec.id}")
            registry[spec.id] = spec
    return registry


REGISTRY: dict[str, CheckSpec] = _build(
    apps.CHECKS,
    whatsapp_settings.CHECKS,
    contacts.CHECKS,
    backup.CHECKS,
    media.CHECKS,
    device.CHECKS,
    security.CHECKS,
    lock_screen.CHECKS,
    organisation.CHECKS,
)


def check_order(spec: CheckSpec) -> tuple[int, str]:
    """Sort key of every listing and every report: area (in Area order), then id."""
    return (_AREA_ORDER.index(spec.area), spec.id)


def all_checks() -> list[CheckSpec]:
    return sorted(REGISTRY.values(), key=check_order)


def closest_check_id(check_id: str) -> str | None:
    matches = difflib.get_close_matches(check_id, list(REGISTRY), n=1)
    return matches[0] if matches else None


def get_check(check_id: str) -> CheckSpec:
    """The check with this id; KeyError (naming the closest id) when there is none."""
    try:
        return REGISTRY[check_id]
    except KeyError:
        hint = closest_check_id(check_id)
        suffix = f"; did you mean '{hint}'?" if hint else ""
        raise KeyError(f"unknown check '{check_id}'{suffix}") from None
