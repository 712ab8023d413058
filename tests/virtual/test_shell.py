"""The virtual phone's mini mksh: syntax, streams, faults and the toybox built-ins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from wa_harden.virtual.api import (
    STDERR,
    STDOUT,
    CommandPlan,
    CommandResult,
    Fault,
    NoHooks,
    Output,
    Pause,
    ShellContext,
    ShellOutcome,
)
from wa_harden.virtual.fs import VirtualFS
from wa_harden.virtual.shell import BUILTINS, SPECIAL_BUILTINS, run_script

T0 = datetime(2024, 5, 1, 10, 0)
OLD = datetime(2024, 1, 15, 8, 5)
NEW = datetime(2024, 6, 1, 9, 30)
MEDIA = "/storage/emulated/0/Android/media/com.whatsapp.w4b/WhatsApp Business/Media"
IMAGES = f"{MEDIA}/WhatsApp Business Images"
SD_MEDIA = "/sdcard/Android/media/com.whatsapp.w4b/WhatsApp Business/Media"


@pytest.fixture
def fs() -> VirtualFS:
    """A WhatsApp Business tree with spaces in its names."""
    fs = VirtualFS.android_default(clock=lambda: T0, user_ids=(0, 10))
    fs.mkdirs(f"{IMAGES}/Private", mtime=OLD)
    fs.mkdirs(f"{IMAGES}/Sent", mtime=OLD)
    fs.mkdirs(f"{MEDIA}/WhatsApp Business Video", mtime=OLD)
    fs.write_file(f"{IMAGES}/Private/.nomedia", mtime=OLD)
    fs.write_file(f"{IMAGES}/IMG-20240101-WA0001.jpg", b"x" * 5000, mtime=OLD)
    fs.write_file(f"{IMAGES}/IMG-20240601-WA0002.jpg", b"y" * 10, mtime=NEW)
    fs.set_mtime(IMAGES, OLD)
    fs.set_mtime(MEDIA, OLD)
    return fs


@dataclass
class ScriptedHooks:
    """Plans by 1-based command number; records every argv it was asked about."""

    plans: dict[int, CommandPlan] = field(default_factory=dict)
    latency: float = 0.0
    seen: list[list[str]] = field(default_factory=list)

    def before_command(self, argv: Sequence[str]) -> CommandPlan:
        self.seen.append(list(argv))
        return self.plans.get(len(self.seen), CommandPlan(latency=self.latency))


def run(fs: VirtualFS, script: str, commands: dict | None = None, hooks=None, **ctx_args) -> ShellOutcome:
    ctx = ShellContext(fs=fs, phone=None, **ctx_args)
    return run_script(script, ctx, commands or {}, hooks or NoHooks())


def stdout(outcome: ShellOutcome) -> str:
    return b"".join(e.data for e in outcome.events if isinstance(e, Output) and e.fd == STDOUT).decode()


def stderr(outcome: ShellOutcome) -> str:
    return b"".join(e.data for e in outcome.events if isinstance(e, Output) and e.fd == STDERR).decode()


def streams(outcome: ShellOutcome) -> list[tuple[int, str]]:
    return [(e.fd, e.data.decode()) for e in outcome.events if isinstance(e, Output)]


# --- operators ----------------------------------------------------------------------------------


def test_semicolon_and_newline_run_every_command(fs: VirtualFS) -> None:
    outcome = run(fs, "echo a; false\necho b")
    assert (stdout(outcome), outcome.status, outcome.commands_run) == ("a\nb\n", 0, 3)


def test_status_is_that_of_the_last_command(fs: VirtualFS) -> None:
    assert run(fs, "true; false").status == 1
    assert run(fs, "false; true").status == 0


@pytest.mark.parametrize(
    "script, expected",
    [
        ("true && echo yes", "yes\n"),
        ("false && echo yes", ""),
        ("false || echo no", "no\n"),
        ("true || echo no", ""),
        ("false && echo a || echo b", "b\n"),
        ("true && false || echo c", "c\n"),
        ("! false && echo negated", "negated\n"),
    ],
)
def test_and_or_lists(fs: VirtualFS, script: str, expected: str) -> None:
    assert stdout(run(fs, script)) == expected


def test_pipeline_feeds_stdout_and_passes_stderr_through(fs: VirtualFS) -> None:
    outcome = run(fs, "ls /nope '/sdcard/Download' /sdcard/Music | wc -l")
    assert streams(outcome) == [(STDERR, "ls: /nope: No such file or directory\n"), (STDOUT, "3\n")]


def test_pipeline_status_is_the_last_commands(fs: VirtualFS) -> None:
    assert run(fs, "false | true").status == 0
    assert run(fs, "true | false").status == 1
    assert stdout(run(fs, "echo hello | grep -c x; echo $?")) == "0\n1\n"


def test_three_stage_pipeline(fs: VirtualFS) -> None:
    outcome = run(fs, f"find '{MEDIA}' -type f | grep -v nomedia | wc -l")
    assert stdout(outcome) == "2\n"


def test_empty_script_and_comments(fs: VirtualFS) -> None:
    assert (run(fs, "").status, run(fs, "").events) == (0, [])
    outcome = run(fs, "# nothing\necho a # trailing\necho b#not-a-comment")
    assert stdout(outcome) == "a\nb#not-a-comment\n"


def test_exit_ends_the_script(fs: VirtualFS) -> None:
    outcome = run(fs, "echo a; exit 3; echo b")
    assert (stdout(outcome), outcome.status) == ("a\n", 3)
    assert run(fs, "false; exit").status == 1
    assert run(fs, "exit 300").status == 44


# --- quoting and expansion ----------------------------------------------------------------------


def test_single_and_double_quotes_keep_spaces(fs: VirtualFS) -> None:
    outcome = run(fs, f"ls '{SD_MEDIA}/WhatsApp Business Images'; ls \"{SD_MEDIA}\"")
    assert stdout(outcome) == (
        "IMG-20240101-WA0001.jpg\nIMG-20240601-WA0002.jpg\nPrivate\nSent\n"
        "WhatsApp Business Images\nWhatsApp Business Video\n"
    )


def test_backslash_escapes_outside_quotes(fs: VirtualFS) -> None:
    path = SD_MEDIA.replace(" ", "\\ ") + "/WhatsApp\\ Business\\ Images/Private"
    assert stdout(run(fs, f"ls -a {path}")) == ".\n..\n.nomedia\n"
    assert stdout(run(fs, "printf '%s|' \\$HOME \\'q\\' a\\\\b")) == "$HOME|'q'|a\\b|"


def test_double_quote_escapes_and_variables(fs: VirtualFS) -> None:
    outcome = run(fs, 'false; echo "rc=$? \\"q\\" \\$x \\\\ \\n ${USER}"', env={"USER": "shell"})
    assert stdout(outcome) == 'rc=1 "q" $x \\ \n shell\n'


def test_single_quotes_are_literal(fs: VirtualFS) -> None:
    assert stdout(run(fs, "echo '$? \"x\" \\\\'")) == '$? "x" \\\n'


@pytest.mark.parametrize(
    "script, expected",
    [
        ("true; echo $?", "0\n"),
        ("false; echo $?", "1\n"),
        ("nosuch; echo $?", "127\n"),
        ("ls /nope 2>/dev/null; echo \"$?\"", "1\n"),
        ("false; echo $?; echo $?", "1\n0\n"),
    ],
)
def test_status_variable(fs: VirtualFS, script: str, expected: str) -> None:
    assert stdout(run(fs, script)) == expected


def test_assignments_and_variables(fs: VirtualFS) -> None:
    script = f"B='{SD_MEDIA}'; test -d \"$B\" && echo DIR_OK; echo ${{B}}x | wc -c; echo [$UNSET]"
    assert stdout(run(fs, script)) == f"DIR_OK\n{len(SD_MEDIA) + 2}\n[]\n"


def test_unquoted_variables_are_split_into_fields(fs: VirtualFS) -> None:
    assert stdout(run(fs, 'X="a  b"; printf "<%s>" $X; printf "<%s>" "$X"')) == "<a><b><a  b>"


def test_empty_quotes_make_an_argument_and_empty_variables_none(fs: VirtualFS) -> None:
    assert stdout(run(fs, 'printf "<%s>" "" $EMPTY x')) == "<><x>"


def test_brace_forms_and_command_substitution(fs: VirtualFS) -> None:
    script = "X=$(echo hello); echo ${#X} ${Y:-dflt} ${X:+set} `echo back`; echo \"$(ls /sdcard | wc -l)\""
    assert stdout(run(fs, script)) == "5 dflt set back\n11\n"


def test_environment_comes_from_the_context_and_does_not_leak(fs: VirtualFS) -> None:
    ctx = ShellContext(fs=fs, phone=None, env={"A": "1"})
    outcome = run_script("echo $A; A=2; cd /sdcard", ctx, {}, NoHooks())
    assert stdout(outcome) == "1\n"
    assert (ctx.env, ctx.cwd) == ({"A": "1"}, "/")


def test_globbing_expands_unquoted_patterns_only(fs: VirtualFS) -> None:
    outcome = run(fs, "echo /sdcard/D*; echo '/sdcard/D*'; echo /sdcard/zz*")
    assert stdout(outcome) == "/sdcard/DCIM /sdcard/Documents /sdcard/Download\n/sdcard/D*\n/sdcard/zz*\n"


def test_if_for_while(fs: VirtualFS) -> None:
    script = (
        "if [ -d /sdcard/DCIM ]; then echo dir; elif true; then echo no; else echo no; fi\n"
        "for d in Music 'Movies'; do echo \"<$d>\"; done\n"
        "while false; do echo never; done; { echo grouped; }; (cd /sdcard; pwd); pwd"
    )
    assert stdout(run(fs, script)) == "dir\n<Music>\n<Movies>\ngrouped\n/sdcard\n/\n"


def test_endless_loop_is_a_hang_not_a_frozen_process(fs: VirtualFS) -> None:
    outcome = run(fs, "while true; do :; done")
    assert (outcome.status, outcome.fault) == (None, Fault.HANG)


# --- redirections -------------------------------------------------------------------------------


def test_two_to_one_merges_in_order(fs: VirtualFS) -> None:
    outcome = run(fs, "ls /sdcard/Android /nope 2>&1")
    assert streams(outcome) == [(STDOUT, "ls: /nope: No such file or directory\n"), (STDOUT, "data\nmedia\nobb\n")]


def test_find_output_and_errors_interleave_under_two_to_one(fs: VirtualFS) -> None:
    fs.set_access("/storage/emulated/0/Android/data", readable=False)
    outcome = run(fs, "find /storage/emulated/0/Android -maxdepth 2 2>&1")
    assert streams(outcome) == [
        (STDOUT, "/storage/emulated/0/Android\n/storage/emulated/0/Android/data\n"),
        (STDOUT, "find: /storage/emulated/0/Android/data: Permission denied\n"),
        (
            STDOUT,
            "/storage/emulated/0/Android/media\n/storage/emulated/0/Android/media/com.whatsapp.w4b\n"
            "/storage/emulated/0/Android/obb\n",
        ),
    ]


@pytest.mark.parametrize(
    "script, expected",
    [
        ("echo out; echo err >&2", [(STDOUT, "out\n"), (STDERR, "err\n")]),
        ("echo err 1>&2", [(STDERR, "err\n")]),
        ("ls /nope 2>/dev/null", []),
        ("echo hidden >/dev/null", []),
        ("ls /nope >/dev/null 2>&1", []),
        ("ls /nope 2>&1 >/dev/null", [(STDOUT, "ls: /nope: No such file or directory\n")]),
        ("cat < /dev/null; echo done", [(STDOUT, "done\n")]),
    ],
)
def test_redirections(fs: VirtualFS, script: str, expected: list) -> None:
    assert streams(run(fs, script)) == expected


def test_output_to_a_file_truncates_then_appends(fs: VirtualFS) -> None:
    outcome = run(fs, "echo one > /sdcard/f.txt; echo two >> /sdcard/f.txt; ls /nope 2>> /sdcard/f.txt")
    assert outcome.events == []
    assert fs.read_file("/sdcard/f.txt") == b"one\ntwo\nls: /nope: No such file or directory\n"
    run(fs, "echo three > /sdcard/f.txt")
    assert fs.read_file("/sdcard/f.txt") == b"three\n"


def test_redirection_into_a_missing_or_refused_place_does_not_run_the_command(fs: VirtualFS) -> None:
    outcome = run(fs, "echo x > /nope/f; echo $?; echo y > /system/bin/f")
    assert streams(outcome) == [
        (STDERR, "/system/bin/sh: can't create /nope/f: No such file or directory\n"),
        (STDOUT, "1\n"),
        (STDERR, "/system/bin/sh: can't create /system/bin/f: Permission denied\n"),
    ]
    assert outcome.status == 1


def test_input_from_a_file(fs: VirtualFS) -> None:
    fs.write_file("/sdcard/list.txt", b"a\nb\nc\n")
    assert stdout(run(fs, "grep -v b < /sdcard/list.txt")) == "a\nc\n"
    missing = run(fs, "cat < /sdcard/none")
    assert stderr(missing) == "/system/bin/sh: can't open /sdcard/none: No such file or directory\n"


# --- syntax errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script, message",
    [
        ("echo 'abc", "no closing quote"),
        ('echo "abc', "no closing quote"),
        ("echo a |", "syntax error: unexpected EOF"),
        ("| echo a", "syntax error: '|' unexpected"),
        ("echo a && ", "syntax error: unexpected EOF"),
        ("; echo a", "syntax error: ';' unexpected"),
        ("echo a ;; echo b", "syntax error: ';;' unexpected"),
        ("echo >", "syntax error: unexpected EOF"),
        ("(echo a", "syntax error: unexpected EOF"),
        ("echo a)", "syntax error: ')' unexpected"),
        ("if true; then echo a", "syntax error: unexpected EOF"),
        ("fi", "syntax error: 'fi' unexpected"),
        ("echo ${a!}", "${a!}: bad substitution"),
        ("cat <<EOF", "syntax error: here documents are not supported by this shell"),
        ("case x in x) ;; esac", "syntax error: 'case' is not supported by this shell"),
        ("echo $((1+1))", "syntax error: arithmetic expansion is not supported"),
    ],
)
def test_syntax_errors_print_an_mksh_message_and_run_nothing(fs: VirtualFS, script: str, message: str) -> None:
    hooks = ScriptedHooks()
    outcome = run(fs, "touch /sdcard/ran; " + script, hooks=hooks)
    assert streams(outcome) == [(STDERR, f"/system/bin/sh: {message}\n")]
    assert (outcome.status, outcome.commands_run, hooks.seen) == (1, 0, [])
    assert fs.exists("/sdcard/ran") is False


@pytest.mark.parametrize(
    "script",
    [
        "(" * 500,
        "$(" * 300,
        "\\",
        "'" * 7,
        "\x00\x01\xff",
        "echo \udcff",
        "&&&&",
        "]]]]",
        "`",
        "${",
        "2>&",
        "echo a >&9",
        "for",
        "for 1 in a; do :; done",
        "while",
        "{ echo",
        "!",
        "exit abc",
        "test 1 -eq x",
        "[ 1 -eq 1",
        "printf '%d' abc",
        "find / -maxdepth x",
        "find / -bogus",
        "head -n x /dev/null",
        "grep '(' /dev/null",
        "grep -E '(' /dev/null",
        "ls -Q",
        "sleep abc",
        "cd /nope",
    ],
)
def test_hostile_input_never_raises(fs: VirtualFS, script: str) -> None:
    outcome = run(fs, script)
    assert outcome.status is not None and 0 <= outcome.status <= 255


# --- faults and hooks -----------------------------------------------------------------------------


def test_hooks_see_expanded_argv_of_every_simple_command(fs: VirtualFS) -> None:
    hooks = ScriptedHooks()
    run(fs, f"X=1; echo \"$X\" a | wc -l; test -d '{SD_MEDIA}'", hooks=hooks)
    assert hooks.seen == [["echo", "1", "a"], ["wc", "-l"], ["test", "-d", SD_MEDIA]]


def test_latency_pause_comes_before_each_commands_output(fs: VirtualFS) -> None:
    outcome = run(fs, "echo a; echo b", hooks=ScriptedHooks(latency=0.25))
    assert outcome.events == [
        Pause(0.25), Output(STDOUT, b"a\n"), Pause(0.25), Output(STDOUT, b"b\n"),
    ]


def test_zero_latency_adds_no_pause(fs: VirtualFS) -> None:
    assert run(fs, "echo a", hooks=ScriptedHooks(latency=0.0)).events == [Output(STDOUT, b"a\n")]


@pytest.mark.parametrize("fault", [Fault.HANG, Fault.DROP])
def test_hang_and_drop_stop_before_the_command(fs: VirtualFS, fault: Fault) -> None:
    hooks = ScriptedHooks(plans={2: CommandPlan(latency=1.0, fault=fault)})
    outcome = run(fs, "echo first; touch /sdcard/after; echo never", hooks=hooks)
    assert outcome.events == [Output(STDOUT, b"first\n")]
    assert (outcome.status, outcome.fault, outcome.commands_run) == (None, fault, 1)
    assert fs.exists("/sdcard/after") is False
    assert len(hooks.seen) == 2


def test_a_touch_after_a_drop_does_not_create_the_file(fs: VirtualFS) -> None:
    hooks = ScriptedHooks(plans={1: CommandPlan(fault=Fault.DROP)})
    outcome = run(fs, f"touch '{IMAGES}/.nomedia'; echo rc=$?", hooks=hooks)
    assert (outcome.events, outcome.fault, outcome.commands_run) == ([], Fault.DROP, 0)
    assert fs.exists(f"{IMAGES}/.nomedia") is False


def test_drop_mid_output_sends_half_the_output_then_drops(fs: VirtualFS) -> None:
    hooks = ScriptedHooks(plans={2: CommandPlan(latency=0.5, fault=Fault.DROP_MID_OUTPUT)})
    outcome = run(fs, "echo start; echo 0123456789; echo never", hooks=hooks)
    assert outcome.events == [Output(STDOUT, b"start\n"), Pause(0.5), Output(STDOUT, b"01234")]
    assert (outcome.status, outcome.fault, outcome.commands_run) == (None, Fault.DROP, 2)


def test_drop_mid_output_counts_both_streams_and_keeps_at_least_one_byte(fs: VirtualFS) -> None:
    hooks = ScriptedHooks(plans={1: CommandPlan(fault=Fault.DROP_MID_OUTPUT)})
    outcome = run(fs, "ls /sdcard/Android /nope", hooks=hooks)
    # stderr "ls: /nope: No such file or directory\n" (37 bytes) + stdout "data\nmedia\nobb\n" (15)
    assert outcome.events == [Output(STDERR, b"ls: /nope: No such file or directory\n"[:26])]
    one_byte = run(fs, "printf x", hooks=ScriptedHooks(plans={1: CommandPlan(fault=Fault.DROP_MID_OUTPUT)}))
    assert one_byte.events == [Output(STDOUT, b"x")]


def test_drop_mid_output_still_changes_the_phone(fs: VirtualFS) -> None:
    hooks = ScriptedHooks(plans={1: CommandPlan(fault=Fault.DROP_MID_OUTPUT)})
    outcome = run(fs, "touch /sdcard/made; echo never", hooks=hooks)
    assert (outcome.events, outcome.fault) == ([], Fault.DROP)
    assert fs.is_file("/sdcard/made")


def test_assignments_alone_are_not_commands(fs: VirtualFS) -> None:
    hooks = ScriptedHooks()
    outcome = run(fs, "A=1; B=2", hooks=hooks)
    assert (hooks.seen, outcome.commands_run, outcome.status) == ([], 0, 0)


# --- the caller's command table -----------------------------------------------------------------


@dataclass
class FakePm:
    calls: list[tuple[list[str], bytes]] = field(default_factory=list)

    def __call__(self, ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
        self.calls.append((list(argv), stdin))
        return CommandResult(stdout=b"package:com.whatsapp.w4b\n", stderr=b"warn\n", status=0)


def test_callers_commands_receive_argv_and_stdin(fs: VirtualFS) -> None:
    pm = FakePm()
    outcome = run(fs, "echo in | pm list packages --user 0 'com.whatsapp'", commands={"pm": pm})
    assert pm.calls == [(["pm", "list", "packages", "--user", "0", "com.whatsapp"], b"in\n")]
    assert streams(outcome) == [(STDOUT, "package:com.whatsapp.w4b\n"), (STDERR, "warn\n")]


def test_callers_table_wins_over_builtins_but_not_over_shell_specials(fs: VirtualFS) -> None:
    fake = lambda ctx, argv, stdin: CommandResult(stdout=b"fake\n")  # noqa: E731
    outcome = run(fs, "echo real; cd /sdcard; pwd", commands={"echo": fake, "cd": fake})
    assert stdout(outcome) == "fake\n/sdcard\n"
    assert {"exit", "cd"} <= SPECIAL_BUILTINS


def test_prefix_assignments_reach_only_that_command(fs: VirtualFS) -> None:
    seen = []

    def printenv(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
        seen.append(ctx.env.get("LANG"))
        return CommandResult()

    outcome = run(fs, "LANG=C printenv; echo \"[$LANG]\"", commands={"printenv": printenv})
    assert (seen, stdout(outcome)) == (["C"], "[]\n")


def test_nested_sh_c_and_eval(fs: VirtualFS) -> None:
    outcome = run(fs, "sh -c 'cd /sdcard; echo \"$0\"; exit 5'; echo $?; pwd; eval 'X=1; echo $X'")
    assert stdout(outcome) == "/system/bin/sh\n5\n/\n1\n"


def test_system_bin_paths_find_the_same_commands(fs: VirtualFS) -> None:
    assert stdout(run(fs, "/system/bin/echo hi")) == "hi\n"


def test_exceptions_of_commands_propagate(fs: VirtualFS) -> None:
    def broken(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        run(fs, "broken", commands={"broken": broken})


def test_unknown_command(fs: VirtualFS) -> None:
    outcome = run(fs, "whatsapp-backup --now")
    assert streams(outcome) == [(STDERR, "/system/bin/sh: whatsapp-backup: inaccessible or not found\n")]
    assert (outcome.status, outcome.commands_run) == (127, 1)


def test_negative_status_of_a_command_wraps_to_one_byte(fs: VirtualFS) -> None:
    outcome = run(fs, "pm x", commands={"pm": lambda ctx, argv, stdin: CommandResult(status=-1)})
    assert outcome.status == 255


# --- built-ins ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script, expected",
    [
        ("echo a  b", "a b\n"),
        ("echo -n a", "a"),
        ("echo 'a\\tb'", "a\tb\n"),
        ("echo -e 'x\\ny'", "x\ny\n"),
        ("echo -E 'x\\ny'", "x\\ny\n"),
        ("echo 'stop\\chere'", "stop"),
        ("echo", "\n"),
        ("printf '%s=%d\\n' a 1 b 2", "a=1\nb=2\n"),
        ("printf 'x\\n'", "x\n"),
        ("printf '%5s|%-3d|%%\\n' ab 7", "   ab|7  |%\n"),
        ("printf '%s\\n' 'a\\nb'", "a\\nb\n"),
        ("true; echo $?", "0\n"),
        ("false; echo $?", "1\n"),
        ("basename '/sdcard/WhatsApp Business/'", "WhatsApp Business\n"),
        ("basename /a/b.jpg .jpg", "b\n"),
        ("dirname '/sdcard/WhatsApp Business/Media'", "/sdcard/WhatsApp Business\n"),
        ("dirname file", ".\n"),
        ("pwd; cd /sdcard/DCIM; pwd; cd ..; pwd", "/\n/sdcard/DCIM\n/sdcard\n"),
        ("sleep 0; echo woke", "woke\n"),
    ],
)
def test_simple_builtins(fs: VirtualFS, script: str, expected: str) -> None:
    assert stdout(run(fs, script)) == expected


def test_printf_invalid_number(fs: VirtualFS) -> None:
    outcome = run(fs, "printf '%d\\n' abc")
    assert (stdout(outcome), stderr(outcome), outcome.status) == ("0\n", "printf: invalid number 'abc'\n", 1)


def test_id_prints_the_shell_identity(fs: VirtualFS) -> None:
    assert stdout(run(fs, "id")) == (
        "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),1015(sdcard_rw),"
        "1028(sdcard_r),3001(net_bt_admin),3002(net_bt),3003(inet),3006(net_bw_stats),3009(readproc),"
        "3011(uhid) context=u:r:shell:s0\n"
    )
    assert stdout(run(fs, "id -u")) == "2000\n"


def test_sleep_is_a_pause_event(fs: VirtualFS) -> None:
    outcome = run(fs, "echo a; sleep 2.5; echo b")
    assert outcome.events == [Output(STDOUT, b"a\n"), Pause(2.5), Output(STDOUT, b"b\n")]


def test_cd_errors(fs: VirtualFS) -> None:
    outcome = run(fs, "cd /nope; echo $?; cd /data/data/com.whatsapp")
    assert streams(outcome) == [
        (STDERR, "/system/bin/sh: cd: /nope: No such file or directory\n"),
        (STDOUT, "2\n"),
        (STDERR, "/system/bin/sh: cd: /data/data/com.whatsapp: Permission denied\n"),
    ]


@pytest.mark.parametrize(
    "expression, status",
    [
        (f"-e '{IMAGES}'", 0),
        (f"-d '{IMAGES}'", 0),
        (f"-f '{IMAGES}'", 1),
        (f"-f '{IMAGES}/Private/.nomedia'", 0),
        (f"-e '{IMAGES}/.nomedia'", 1),
        (f"-s '{IMAGES}/Private/.nomedia'", 1),
        (f"-s '{IMAGES}/IMG-20240101-WA0001.jpg'", 0),
        ("-r /sdcard/DCIM", 0),
        ("-w /sdcard/DCIM", 0),
        ("-w /system/bin", 1),
        ("-r /data/data", 1),
        ("-e /storage/emulated/10/DCIM", 1),
        ("-L /sdcard", 0),
        ("-z ''", 0),
        ("-n ''", 1),
        ("-n x", 0),
        ("x", 0),
        ("''", 1),
        ("a = a", 0),
        ("a != a", 1),
        ("3 -eq 3", 0),
        ("3 -ne 3", 1),
        ("2 -lt 3", 0),
        ("2 -gt 3", 1),
        ("3 -le 3", 0),
        ("2 -ge 3", 1),
        ("! -e /nope", 0),
        ("-d /sdcard -a -e /nope", 1),
        ("-d /sdcard -o -e /nope", 0),
        ("\\( -e /nope \\) -o x", 0),
    ],
)
def test_test_and_bracket(fs: VirtualFS, expression: str, status: int) -> None:
    assert run(fs, f"test {expression}").status == status
    assert run(fs, f"[ {expression} ]").status == status


def test_test_errors(fs: VirtualFS) -> None:
    outcome = run(fs, "[ 1 -eq 1")
    assert (stderr(outcome), outcome.status) == ("/system/bin/sh: [: missing ]\n", 2)
    outcome = run(fs, "test x -eq 1")
    assert (stderr(outcome), outcome.status) == ("/system/bin/sh: test: x: bad number\n", 2)
    assert run(fs, "test").status == 1


def test_ls_long_format(fs: VirtualFS) -> None:
    outcome = run(fs, f"ls -l '{IMAGES}'")
    assert stdout(outcome) == (
        "total 20\n"
        "-rw-rw---- 1 root sdcard_rw 5000 2024-01-15 08:05 IMG-20240101-WA0001.jpg\n"
        "-rw-rw---- 1 root sdcard_rw   10 2024-06-01 09:30 IMG-20240601-WA0002.jpg\n"
        "drwxrwx--x 2 root sdcard_rw 3452 2024-01-15 08:05 Private\n"
        "drwxrwx--x 2 root sdcard_rw 3452 2024-01-15 08:05 Sent\n"
    )


def test_ls_long_directory_itself_and_symlink(fs: VirtualFS) -> None:
    outcome = run(fs, f"ls -ld '{IMAGES}' /sdcard")
    assert stdout(outcome) == (
        "lrwxrwxrwx 1 root root        19 2024-05-01 10:00 /sdcard -> /storage/emulated/0\n"
        f"drwxrwx--x 2 root sdcard_rw 3452 2024-01-15 08:05 {IMAGES}\n"
    )


@pytest.mark.parametrize(
    "flags, expected",
    [
        ("", "IMG-20240101-WA0001.jpg\nIMG-20240601-WA0002.jpg\nPrivate\nSent\n"),
        ("-1p", "IMG-20240101-WA0001.jpg\nIMG-20240601-WA0002.jpg\nPrivate/\nSent/\n"),
        ("-a", ".\n..\nIMG-20240101-WA0001.jpg\nIMG-20240601-WA0002.jpg\nPrivate\nSent\n"),
        ("-d", f"{IMAGES}\n"),
        ("-t", "IMG-20240601-WA0002.jpg\nIMG-20240101-WA0001.jpg\nPrivate\nSent\n"),
    ],
)
def test_ls_flags(fs: VirtualFS, flags: str, expected: str) -> None:
    assert stdout(run(fs, f"ls {flags} '{IMAGES}'")) == expected


def test_ls_several_paths_lists_files_then_titled_directories(fs: VirtualFS) -> None:
    outcome = run(fs, f"cd '{IMAGES}'; ls Sent IMG-20240601-WA0002.jpg Private")
    assert stdout(outcome) == "IMG-20240601-WA0002.jpg\n\nPrivate:\n\nSent:\n"


def test_ls_errors(fs: VirtualFS) -> None:
    outcome = run(fs, "ls /sdcard/nope /data/data /storage/emulated/10/DCIM")
    assert streams(outcome) == [
        (STDERR, "ls: /sdcard/nope: No such file or directory\n"),
        (STDERR, "ls: /storage/emulated/10/DCIM: Permission denied\n"),
        (STDERR, "ls: /data/data: Permission denied\n"),
    ]
    assert outcome.status == 1
    outcome = run(fs, "ls -Q /")
    assert (stderr(outcome), outcome.status) == ("ls: Unknown option 'Q' (see \"ls --help\")\n", 1)


def test_find_depth_limits_and_type(fs: VirtualFS) -> None:
    outcome = run(fs, f"find '{MEDIA}' -mindepth 1 -maxdepth 1 -type d")
    assert stdout(outcome) == f"{MEDIA}/WhatsApp Business Images\n{MEDIA}/WhatsApp Business Video\n"


def test_find_name_includes_the_start_when_it_matches(fs: VirtualFS) -> None:
    outcome = run(fs, f"find '{IMAGES}' -maxdepth 3 -name '*Images*' -o -name .nomedia")
    assert stdout(outcome) == f"{IMAGES}\n{IMAGES}/Private/.nomedia\n"


def test_find_type_f_and_newer(fs: VirtualFS) -> None:
    outcome = run(fs, f"find '{IMAGES}' -maxdepth 1 -type f -newer '{IMAGES}/Private/.nomedia'")
    assert stdout(outcome) == f"{IMAGES}/IMG-20240601-WA0002.jpg\n"


def test_find_whole_tree_in_sorted_pre_order(fs: VirtualFS) -> None:
    outcome = run(fs, f"cd '{MEDIA}'; find .")
    assert stdout(outcome) == (
        ".\n./WhatsApp Business Images\n./WhatsApp Business Images/IMG-20240101-WA0001.jpg\n"
        "./WhatsApp Business Images/IMG-20240601-WA0002.jpg\n./WhatsApp Business Images/Private\n"
        "./WhatsApp Business Images/Private/.nomedia\n./WhatsApp Business Images/Sent\n"
        "./WhatsApp Business Video\n"
    )


def test_find_does_not_follow_a_symlink_start_unless_given_a_slash(fs: VirtualFS) -> None:
    assert stdout(run(fs, "find /sdcard -maxdepth 1")) == "/sdcard\n"
    assert stdout(run(fs, "find /sdcard/ -maxdepth 1 -name 'D*'")) == (
        "/sdcard/DCIM\n/sdcard/Documents\n/sdcard/Download\n"
    )
    assert stdout(run(fs, "find -L /sdcard -maxdepth 1 -name 'Mu*'")) == "/sdcard/Music\n"


def test_find_missing_start(fs: VirtualFS) -> None:
    outcome = run(fs, f"find '{MEDIA}/WhatsApp Business Audio' /sdcard/Music")
    assert streams(outcome) == [
        (STDERR, f"find: {MEDIA}/WhatsApp Business Audio: No such file or directory\n"),
        (STDOUT, "/sdcard/Music\n"),
    ]
    assert outcome.status == 1


def test_find_permission_denied_keeps_other_output(fs: VirtualFS) -> None:
    fs.mkdirs("/sdcard/Android/data/com.whatsapp")
    fs.set_access("/storage/emulated/0/Android/data", readable=False)
    outcome = run(fs, "find /storage/emulated/0/Android -maxdepth 2 -name '*a*' 2>/dev/null; echo rc=$?")
    assert stdout(outcome) == (
        "/storage/emulated/0/Android/data\n/storage/emulated/0/Android/media\n"
        "/storage/emulated/0/Android/media/com.whatsapp.w4b\nrc=1\n"
    )


def test_find_bad_arguments(fs: VirtualFS) -> None:
    assert stderr(run(fs, "find / -bogus")) == "find: bad arg '-bogus'\n"
    assert stderr(run(fs, "find / -name")) == "find: '-name' needs 1 arg\n"
    assert run(fs, "find / -name").status == 1


def test_touch_creates_empty_files_and_reports_errors(fs: VirtualFS) -> None:
    fs.set_access("/storage/emulated/0/Android/data", readable=False, writable=False)
    outcome = run(
        fs,
        f"touch '{IMAGES}/.nomedia' '{MEDIA}/WhatsApp Business Video/.nomedia'; echo rc=$?; "
        "touch /sdcard/nope/.nomedia /sdcard/Android/data/x; echo rc=$?",
    )
    assert streams(outcome) == [
        (STDOUT, "rc=0\n"),
        (STDERR, "touch: '/sdcard/nope/.nomedia': No such file or directory\n"),
        (STDERR, "touch: '/sdcard/Android/data/x': Permission denied\n"),
        (STDOUT, "rc=1\n"),
    ]
    assert fs.read_file(f"{IMAGES}/.nomedia") == b""
    assert fs.stat(f"{IMAGES}/.nomedia").mtime == T0


def test_mkdir_and_rm(fs: VirtualFS) -> None:
    outcome = run(
        fs,
        "mkdir /sdcard/a; mkdir /sdcard/a; mkdir -p /sdcard/a/b/c; touch /sdcard/a/b/c/f; "
        "rm /sdcard/a; rm /sdcard/nope; rm -f /sdcard/nope; echo rc=$?; rm -r /sdcard/a; ls /sdcard/a",
    )
    assert streams(outcome) == [
        (STDERR, "mkdir: '/sdcard/a': File exists\n"),
        (STDERR, "rm: /sdcard/a: Is a directory\n"),
        (STDERR, "rm: /sdcard/nope: No such file or directory\n"),
        (STDOUT, "rc=0\n"),
        (STDERR, "ls: /sdcard/a: No such file or directory\n"),
    ]


def test_cat_head_wc(fs: VirtualFS) -> None:
    fs.write_file("/sdcard/lines.txt", b"".join(b"line %d\n" % n for n in range(1, 13)))
    assert stdout(run(fs, "cat /sdcard/lines.txt | head -n 2")) == "line 1\nline 2\n"
    assert stdout(run(fs, "head -3 /sdcard/lines.txt")) == "line 1\nline 2\nline 3\n"
    assert stdout(run(fs, "head /sdcard/lines.txt | wc -l")) == "10\n"
    assert stdout(run(fs, "wc -l /sdcard/lines.txt")) == "12 /sdcard/lines.txt\n"
    assert stdout(run(fs, "echo abc | wc -c")) == "4\n"
    assert stdout(run(fs, "echo a b | wc")) == "1 2 4\n"
    outcome = run(fs, "cat /sdcard/nope /sdcard/DCIM; echo rc=$?")
    assert streams(outcome) == [
        (STDERR, "cat: /sdcard/nope: No such file or directory\n"),
        (STDERR, "cat: /sdcard/DCIM: Is a directory\n"),
        (STDOUT, "rc=1\n"),
    ]


@pytest.mark.parametrize(
    "command, expected, status",
    [
        ("grep b", "b1\nab\n", 0),
        ("grep -i B1", "b1\nB1\n", 0),
        ("grep -v b", "B1\nc\n", 0),
        ("grep -c b", "2\n", 0),
        ("grep -E 'b1|c'", "b1\nc\n", 0),
        ("grep 'b1\\|c'", "b1\nc\n", 0),
        ("grep -F 'b|c'", "", 1),
        ("grep -q ab", "", 0),
        ("grep -q zz", "", 1),
        ("grep -n c", "4:c\n", 0),
        ("grep -x b", "", 1),
    ],
)
def test_grep(fs: VirtualFS, command: str, expected: str, status: int) -> None:
    outcome = run(fs, f"printf 'b1\\nB1\\nab\\nc\\n' | {command}")
    assert (stdout(outcome), outcome.status) == (expected, status)


def test_grep_missing_file(fs: VirtualFS) -> None:
    outcome = run(fs, "grep x /sdcard/nope")
    assert (stderr(outcome), outcome.status) == ("grep: /sdcard/nope: No such file or directory\n", 2)


def test_every_builtin_is_callable_with_just_its_name(fs: VirtualFS) -> None:
    for name in BUILTINS:
        if name in ("cat", "grep", "wc", "head"):
            continue  # these read stdin, which is empty here
        outcome = run(fs, name)
        assert outcome.status is not None, name


def test_audit_batch_with_markers(fs: VirtualFS) -> None:
    """The shape the collector sends: each command framed by echo markers with its status."""
    script = (
        "echo @@1; test -d '/storage/emulated/0/Android/media/com.whatsapp.w4b/WhatsApp Business' 2>&1;"
        " echo @@1 $?; echo @@2; find '/storage/emulated/0/Android/media/com.whatsapp/WhatsApp/Media'"
        " -mindepth 1 -maxdepth 1 -type d 2>&1; echo @@2 $?"
    )
    assert stdout(run(fs, script)) == (
        "@@1\n@@1 0\n@@2\n"
        "find: /storage/emulated/0/Android/media/com.whatsapp/WhatsApp/Media: No such file or directory\n"
        "@@2 1\n"
    )


def test_for_with_an_expansion_as_its_name_is_a_syntax_error_not_a_crash():
    for script in ("for $x in a; do echo $x; done", "for $(echo x) in a; do :; done"):
        outcome = run(VirtualFS(), script, BUILTINS)
        assert outcome.status == 1
        assert b"for: bad identifier" in b"".join(e.data for e in outcome.events if isinstance(e, Output))


# --- exec with only redirections, and a killed command -------------------------------------------


def test_exec_2_to_1_merges_the_shells_own_stderr_for_the_rest_of_the_script(fs: VirtualFS) -> None:
    outcome = run(fs, "echo a >&2; exec 2>&1; echo b >&2; ls /nope; nosuch")
    assert streams(outcome) == [
        (STDERR, "a\n"),
        (STDOUT, "b\n"),
        (STDOUT, "ls: /nope: No such file or directory\n"),
        (STDOUT, "/system/bin/sh: nosuch: inaccessible or not found\n"),
    ]
    assert outcome.status == 127


def test_exec_2_to_dev_null_silences_and_exec_to_a_file_collects(fs: VirtualFS) -> None:
    assert streams(run(fs, "exec 2>/dev/null; ls /nope; echo done")) == [(STDOUT, "done\n")]
    outcome = run(fs, "exec >/sdcard/log; echo one; echo two >&2; echo three; cat /sdcard/log >&2")
    assert streams(outcome) == [(STDERR, "two\n"), (STDERR, "one\nthree\n")]
    assert fs.read_file("/sdcard/log") == b"one\nthree\n"


def test_exec_stays_inside_subshells_and_redirected_groups(fs: VirtualFS) -> None:
    outcome = run(fs, "(exec 2>&1; echo in >&2); echo out >&2; { exec 2>/dev/null; } 2>&1; echo last >&2")
    assert streams(outcome) == [(STDOUT, "in\n"), (STDERR, "out\n"), (STDERR, "last\n")]
    grouped = run(fs, "{ exec 2>&1; }; echo moved >&2")  # a group without redirections is this shell
    assert streams(grouped) == [(STDOUT, "moved\n")]


def test_exec_of_a_command_replaces_the_shell(fs: VirtualFS) -> None:
    outcome = run(fs, "exec sh -c 'echo child; exit 4'; echo never")
    assert (streams(outcome), outcome.status) == ([(STDOUT, "child\n")], 4)
    assert run(fs, "exec 2>&3").status == 1  # fd 3 is not open: bad file descriptor


def test_exec_counts_as_a_command(fs: VirtualFS) -> None:
    hooks = ScriptedHooks()
    outcome = run(fs, "exec 2>&1; echo x", hooks=hooks)
    assert (hooks.seen, outcome.commands_run) == ([["exec"], ["echo", "x"]], 2)


def test_a_killed_command_keeps_half_its_output_and_the_shell_says_killed(fs: VirtualFS) -> None:
    hooks = ScriptedHooks(plans={2: CommandPlan(fault=Fault.KILL)})
    outcome = run(fs, 'echo BEGIN; echo 0123456789 2>&1; echo "END$?"', hooks=hooks)
    # mksh reports a foreground job killed by a signal on its own stderr, not the command's
    assert streams(outcome) == [(STDOUT, "BEGIN\n"), (STDOUT, "01234"), (STDERR, "Killed \n"), (STDOUT, "END137\n")]
    assert (outcome.status, outcome.fault, outcome.commands_run) == (0, None, 3)


def test_killed_message_follows_exec_2_to_1_and_ignores_the_commands_redirections(fs: VirtualFS) -> None:
    hooks = ScriptedHooks(plans={2: CommandPlan(fault=Fault.KILL)})
    outcome = run(fs, "exec 2>&1; ls /sdcard/Android 2>/dev/null; echo $?", hooks=hooks)
    assert streams(outcome) == [(STDOUT, "data\nme"), (STDOUT, "Killed \n"), (STDOUT, "137\n")]
    piped = run(fs, "printf abcdef | wc -c", hooks=ScriptedHooks(plans={1: CommandPlan(fault=Fault.KILL)}))
    assert streams(piped) == [(STDERR, "Killed \n"), (STDOUT, "3\n")]
