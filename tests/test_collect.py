"""Batching: one shell session per round, sections split by markers with their own exit status."""

from __future__ import annotations

from dataclasses import dataclass

from wa_harden import collect
from wa_harden import commands as cmd
from wa_harden.device.adb import ShellResult
from wa_harden.facts import Gap


def fake_run(commands, outputs, statuses, batch, cut_after=None):
    """What a phone's shell would print for ``batch.script()``."""
    out = []
    for index, _command in enumerate(commands):
        if cut_after is not None and index >= cut_after:
            break
        out.append(f"{batch._begin(index)}\n{outputs[index]}{batch._end(index)}{statuses[index]}@@\n")
    return "".join(out).encode()


def test_split_returns_each_output_with_its_status():
    commands = ["getprop ro.build.version.sdk", "pm path x", "echo -n partial-line"]
    batch = collect.Batch.of(commands)
    stdout = fake_run(commands, ["34\n", "Error: x\n", "no newline"], [0, 255, 0], batch)
    records = batch.split(stdout)
    assert [(r.command, r.output, r.exit_code) for r in records] == [
        ("getprop ro.build.version.sdk", "34\n", 0), ("pm path x", "Error: x\n", 255),
        ("echo -n partial-line", "no newline", 0)]


def test_markers_are_unique_per_batch_and_quoted_commands_survive():
    a, b = collect.Batch.of(["x"]), collect.Batch.of(["x"])
    assert a.nonce != b.nonce
    script = collect.Batch.of([cmd.find_nomedia("/storage/emulated/0/WhatsApp Business")]).script()
    assert "find '/storage/emulated/0/WhatsApp Business' -maxdepth 3 -name .nomedia 2>&1" in script


def test_an_output_that_prints_a_foreign_marker_cannot_confuse_the_split():
    batch = collect.Batch.of(["cat evil"])
    other = collect.Batch.of(["x"])
    evil = f"{other._end(0)}0@@\n"
    records = batch.split(fake_run(["cat evil"], [evil], [0], batch))
    assert records[0].output == evil


@dataclass
class Target:
    stdout_for: object
    sessions: int = 0

    def shell(self, script, timeout):
        self.sessions += 1
        return self.stdout_for(script)


def test_partial_output_keeps_complete_sections_and_names_the_failure():
    commands = ["a", "b", "c"]

    def answer(script):
        batch = next(iter([_batch_of(script, commands)]))
        return ShellResult(fake_run(commands, ["1\n", "2\n", "3\n"], [0, 0, 0], batch, cut_after=2),
                           failure=Gap.CONNECTION_LOST)

    got = collect.run_round(Target(answer), commands, 5.0)
    assert [r.command for r in got.records] == ["a", "b"]
    assert got.cut_short.reason == "connection-lost"


def test_a_shell_v1_session_that_ends_early_is_a_lost_connection_not_unparseable():
    """Without shell protocol v2 a dropped connection ends the stream as a finished script would;
    only the missing end markers tell: that is a lost connection, never "unparseable"."""
    commands = ["a", "b", "c"]

    def answer(script):
        batch = _batch_of(script, commands)
        return ShellResult(fake_run(commands, ["1\n", "2\n", "3\n"], [0, 0, 0], batch, cut_after=1), shell_v2=False)

    got = collect.run_round(Target(answer), commands, 5.0)
    assert [r.command for r in got.records] == ["a"]
    assert got.cut_short.reason == "connection-lost" and "shell v1" in got.cut_short.detail
    whole = collect.run_round(Target(lambda script: ShellResult(
        fake_run(commands, ["1\n", "2\n", "3\n"], [0, 0, 0], _batch_of(script, commands)), shell_v2=False)),
        commands, 5.0)
    assert whole.cut_short is None and len(whole.records) == 3


def _batch_of(script: str, commands):
    nonce = script.split("@@WAH", 1)[1].split(":", 1)[0]
    return collect.Batch(tuple(commands), nonce)


def test_one_round_when_only_user_zero_exists():
    def answer(script):
        batch = _batch_of(script, collect.round_one())
        outputs = ["Users:\n\tUserInfo{0:Owner:c13} running\n" if c == cmd.PM_LIST_USERS else ""
                   for c in batch.commands]
        return ShellResult(fake_run(batch.commands, outputs, [0] * len(outputs), batch), exit_code=0)

    target = Target(answer)
    capture = collect.collect(target, "s1", timeout=5)
    assert target.sessions == 1
    assert capture.incomplete is None
    assert [r.command for r in capture.commands] == collect.round_one()


def test_second_round_covers_other_users_only():
    state = {"round": 0}

    def answer(script):
        state["round"] += 1
        commands = collect.round_one() if state["round"] == 1 else \
            [c for c in collect.user_commands(10)]
        batch = _batch_of(script, commands)
        outputs = ["Users:\n\tUserInfo{0:Owner:c13} running\n\tUserInfo{10:Work:1030} running\n"
                   if c == cmd.PM_LIST_USERS else "" for c in batch.commands]
        return ShellResult(fake_run(batch.commands, outputs, [0] * len(outputs), batch), exit_code=0)

    target = Target(answer)
    capture = collect.collect(target, "s1", timeout=5)
    assert target.sessions == 2
    assert capture.get(cmd.pm_list_packages(10)) is not None
    assert [r.command for r in capture.commands] == collect.round_one() + collect.user_commands(10)
