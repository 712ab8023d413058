"""Examples in docs/ are real: they load, and they cover what they claim to."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from wa_harden.checks import REGISTRY
from wa_harden.errors import ProfileError
from wa_harden.profile import load_attestations, load_profile

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _toml_block(name: str) -> str:
    text = (DOCS / name).read_text(encoding="utf-8")
    [block] = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    return block


def test_the_attestations_example_loads_and_covers_every_manual_item(tmp_path):
    path = tmp_path / "attestations.toml"
    path.write_text(_toml_block("ATTESTATIONS.md"), encoding="utf-8")
    attestations = load_attestations(path, date(2026, 11, 30), 365)
    profile = load_profile("whatsapp-business-gdpr")
    manual = {cid for cid in profile.checks if REGISTRY[cid].manual}
    assert {a.check for a in attestations} == manual


def test_the_future_date_message_in_the_docs_is_the_real_one(tmp_path):
    path = tmp_path / "attest.toml"
    path.write_text('[[attestation]]\ncheck = "org-dpa"\nby = "DPO"\ndate = 2026-11-02\nnote = "x"\n'
                    '[[attestation]]\ncheck = "org-consent"\nby = "DPO"\ndate = 2026-11-01\nnote = "x"\n'
                    '[[attestation]]\ncheck = "org-retention"\nby = "DPO"\ndate = 2027-01-10\nnote = "x"\n')
    with pytest.raises(ProfileError) as error:
        load_attestations(path, date(2026, 11, 30), 365)
    message = str(error.value).split(": ", 1)[1]  # without the file name
    assert message.startswith("attestation[2].date: 2027-01-10 is in the future (today is 2026-11-30)")
    assert f"attest.toml: {message.split(';')[0]}" in (DOCS / "ATTESTATIONS.md").read_text(encoding="utf-8")
