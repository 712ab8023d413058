"""The per-user rule, for every check that reads per-user facts: a user that refuses the shell is
skipped with a note, user 0 refusing it is an error, never a pass."""

from __future__ import annotations

import pytest

from facts_builder import make_facts, restricted, restricted_user_facts, run_check, with_user
from wa_harden.commands import USER_SETTING_KEYS
from wa_harden.facts import UserKind
from wa_harden.model import Outcome

# device-unknown-sources is not among them: its app-op answer covers every user, and it reads the
# users' package lists only to attribute a package the answer names (tests/checks/test_security.py).
PER_USER_CHECKS = [
    "wa-mods-absent",
    "device-verified-boot",
    "device-chat-readers",
    "device-lockscreen-previews",
]


@pytest.mark.parametrize("check_id", PER_USER_CHECKS)
def test_a_user_refusing_the_shell_is_skipped_with_a_note(check_id: str) -> None:
    facts = with_user(make_facts(), restricted_user_facts(150, UserKind.SECURE_FOLDER))
    ev = run_check(check_id, facts)
    assert ev.outcome is Outcome.PASS
    assert ev.notes == ("user 150 (secure-folder) refuses the shell; not checked",)


@pytest.mark.parametrize("check_id", [*PER_USER_CHECKS, "device-auto-lock"])
def test_user0_refusing_the_shell_is_an_error(check_id: str) -> None:
    refused = restricted_user_facts(0, UserKind.SYSTEM)
    ev = run_check(check_id, with_user(make_facts(), refused))
    assert (ev.outcome, ev.reason) == (Outcome.ERROR, "user-restricted")


def test_a_refusing_user_carries_the_refusal_in_every_per_user_fact() -> None:
    # The builder mirrors assemble: every per-user probe, settings included, carries the refusal.
    refused = restricted_user_facts(150, UserKind.SECURE_FOLDER)
    assert set(refused.settings) == {f"{ns}:{key}" for ns, key in USER_SETTING_KEYS}
    assert refused.system_packages == restricted() and refused.storage == restricted()
