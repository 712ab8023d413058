from __future__ import annotations

import json
from pathlib import Path

import pytest

from wa_harden.checks import all_checks

CHECKS_MD = Path(__file__).resolve().parents[2] / "docs" / "CHECKS.md"


@pytest.fixture(scope="module")
def checks_md() -> str:
    return CHECKS_MD.read_text(encoding="utf-8")


def test_every_registered_check_has_a_section(checks_md: str) -> None:
    missing = [spec.id for spec in all_checks() if f"### `{spec.id}`" not in checks_md]
    assert missing == []


def test_every_param_is_documented_with_its_default(checks_md: str) -> None:
    for spec in all_checks():
        section = checks_md.split(f"### `{spec.id}`", 1)[1].split("\n### ", 1)[0]
        for param in spec.params:
            assert f"`{param.name}` (default `{json.dumps(param.default)}`)" in section, (
                spec.id,
                param.name,
            )
        assert f"**Severity:** {spec.severity.value}" in section, spec.id
