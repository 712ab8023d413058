"""``getprop``: build properties (Android version, patch level, maker, encryption)."""

from __future__ import annotations

import re

from wa_harden.facts import BuildInfo, Known
from wa_harden.parse.common import explain_failure, parse_date, parse_int, split_lines

_PROP_RE = re.compile(r"^\[([^\]]*)\]: \[(.*)$")

# Android 10+ splits product properties by partition; the plain key may be empty or missing.
_PARTITIONS = ("", "vendor.", "system.", "odm.", "product.", "system_ext.")
_FINGERPRINTS = (
    "ro.build.fingerprint",
    "ro.system.build.fingerprint",
    "ro.vendor.build.fingerprint",
)


def _read_props(lines: list[str]) -> dict[str, str]:
    """``[key]: [value]`` lines; a value without its closing ``]`` continues on the next lines
    (up to the next ``[key]: [`` line)."""
    props: dict[str, str] = {}
    key: str | None = None
    parts: list[str] = []

    def close() -> None:
        if key is not None and key not in props:
            props[key] = "\n".join(parts)

    for line in lines:
        match = _PROP_RE.match(line)
        if match:
            close()
            key, rest = match.group(1), match.group(2)
            if rest.endswith("]"):
                parts = [rest[:-1]]
                close()
                key = None
            else:
                parts = [rest]
        elif key is not None:
            if line.endswith("]"):
                parts.append(line[:-1])
                close()
                key = None
            else:
                parts.append(line)
    return props  # a value still open at the end was cut off: it is not kept


def _product(props: dict[str, str], name: str) -> str | None:
    for partition in _PARTITIONS:
        value = props.get(f"ro.product.{partition}{name}", "").strip()
        if value:
            return value
    return None


def _first(props: dict[str, str], *keys: str) -> str | None:
    for key in keys:
        value = props.get(key, "").strip()
        if value:
            return value
    return None


def parse_getprop(text: str) -> Known[BuildInfo]:
    props = _read_props(split_lines(text))
    if not props:
        return explain_failure(text, "'[key]: [value]' property lines")
    return BuildInfo(
        sdk=parse_int(props.get("ro.build.version.sdk")),
        release=_first(props, "ro.build.version.release"),
        security_patch=parse_date(props.get("ro.build.version.security_patch")),
        manufacturer=_product(props, "manufacturer"),
        brand=_product(props, "brand"),
        model=_product(props, "model"),
        device=_product(props, "device"),
        product=_product(props, "name"),
        fingerprint=_first(props, *_FINGERPRINTS),
        serialno=_first(props, "ro.serialno", "ro.boot.serialno"),
        crypto_state=_first(props, "ro.crypto.state"),
        crypto_type=_first(props, "ro.crypto.type"),
        props=props,
    )


def parse_getprop_value(text: str) -> str | None:
    """``getprop KEY`` prints the bare value and a newline, or an empty line when unset."""
    lines = split_lines(text)
    while lines and lines[-1] == "":
        lines.pop()
    value = "\n".join(lines)
    return value if value.strip() else None
