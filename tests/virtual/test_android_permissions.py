"""The simulated PermissionService's write paths per Android generation (8.1, 10, 11, 13, 14, 15):
``pm grant``/``revoke``, ``pm set-permission-flags``/``clear-permission-flags``, the platform's
runtime permissions.  Every case also checks what changed (or did not) with a whole-phone snapshot,
since a fix is judged by reading the state again, never by the exit status."""

from __future__ import annotations

import pytest

from android_helpers import READ_CONTACTS, W4B, grant_line, phone_for, run
from wa_harden.virtual.android.platform_permissions import (
    DANGEROUS,
    GROUP,
    permission_def,
    permission_group,
    platform_permissions,
    runtime_permissions,
)

GENERATIONS = ("8.1", "10", "11", "13", "14", "15")
KOTLIN = ("14", "15")  # the Kotlin PermissionService
SEND_SMS = "android.permission.SEND_SMS"
FINE_LOCATION = "android.permission.ACCESS_FINE_LOCATION"  # requested by WhatsApp, left at its default
WORK = [{"id": 0, "kind": "system"}, {"id": 10, "kind": "work-profile"}]


def _banner(android: str, command: str, error: str) -> str:
    """How the error of ``pm <command>`` starts on stderr on this generation."""
    if android == "8.1":  # Java Pm: handled in the tool itself
        return f"Operation not allowed: {error}" if "SecurityException" in error else f"Bad argument: {error}"
    if android == "10":
        if error.startswith("java.lang.SecurityException: "):
            message = error.removeprefix("java.lang.SecurityException: ").rstrip("\n")
            return f"Security exception: {message}\n\n{error}"
        return f"\nException occurred while executing:\n{error}"
    return f"\nException occurred while executing '{command}':\n{error}"


def _exit(android: str) -> int:
    return 1 if android == "8.1" else 255


def _refused(phone, line: str, android: str, error: str) -> None:
    """The command fails with this error in the generation's banner and exit status, changing nothing."""
    before = phone.snapshot()
    result = run(phone, line)
    assert (result.stdout, result.status) == (b"", _exit(android)), result
    assert result.stderr.decode().startswith(_banner(android, line.split()[1], error)), result.stderr.decode()
    assert phone.snapshot() == before


def _ignored(phone, line: str) -> None:
    """Exit 0, no output, nothing changed (only a logcat line on a real phone)."""
    before = phone.snapshot()
    result = run(phone, line)
    assert (result.stdout, result.stderr, result.status) == (b"", b"", 0), result
    assert phone.snapshot() == before, "\n".join(before.diff(phone.snapshot()))


# --- 1. what the permission service refuses, or silently ignores ------------------------------------


@pytest.mark.parametrize("android", GENERATIONS)
def test_revoke_of_a_permission_not_requested(android):
    phone = phone_for(android)
    line = f"pm revoke --user 0 {W4B} {SEND_SMS}"
    if android in KOTLIN:
        _ignored(phone, line)
    else:
        _refused(phone, line, android,
                 f"java.lang.SecurityException: Package {W4B} has not requested permission {SEND_SMS}\n")


@pytest.mark.parametrize("android", GENERATIONS)
def test_revoke_for_a_package_the_phone_does_not_have(android):
    """8-9 throw; AOSP 10-13 return when the package does not exist ("returns when package doesn't
    exist but throws when package exists but isn't visible"), 14+ return in both cases."""
    phone = phone_for(android)
    line = f"pm revoke --user 0 com.example.missing {READ_CONTACTS}"
    if android == "8.1":
        _refused(phone, line, android, "java.lang.IllegalArgumentException: Unknown package: com.example.missing\n")
    else:
        _ignored(phone, line)


@pytest.mark.parametrize("android", GENERATIONS)
def test_revoke_for_a_user_the_package_is_not_installed_in(android):
    phone = phone_for(android, users=WORK, apps=[{"package": W4B, "users": [0], "contacts": "granted"}])
    line = f"pm revoke --user 10 {W4B} {READ_CONTACTS}"
    if android in KOTLIN:
        _ignored(phone, line)
    else:
        _refused(phone, line, android, f"java.lang.IllegalArgumentException: Unknown package: {W4B}\n")


@pytest.mark.parametrize("android", GENERATIONS)
def test_revoke_for_a_user_that_does_not_exist_is_only_logged(android):
    _ignored(phone_for(android), f"pm revoke --user 42 {W4B} {READ_CONTACTS}")


@pytest.mark.parametrize("android", GENERATIONS)
def test_revoke_of_a_system_fixed_permission(android):
    phone = phone_for(android, apps=[{"package": W4B, "contacts": "system-fixed"}])
    line = f"pm revoke --user 0 {W4B} {READ_CONTACTS}"
    if android in KOTLIN:
        _ignored(phone, line)
    else:
        _refused(phone, line, android, "java.lang.SecurityException: Non-System UID cannot revoke system fixed "
                                       f"permission {READ_CONTACTS} for package {W4B}\n")
    line = grant_line(phone)
    assert line.startswith(f"{READ_CONTACTS}: granted=true, flags=[ SYSTEM_FIXED") and "GRANTED_BY_DEFAULT" in line


@pytest.mark.parametrize("android", GENERATIONS)
def test_revoke_of_a_policy_fixed_permission(android):
    phone = phone_for(android, apps=[{"package": W4B, "contacts": "policy-granted"}])
    line = f"pm revoke --user 0 {W4B} {READ_CONTACTS}"
    if android in KOTLIN:
        _ignored(phone, line)
    else:
        _refused(phone, line, android, f"java.lang.SecurityException: Cannot revoke policy fixed permission "
                                       f"{READ_CONTACTS} for package {W4B}\n")


@pytest.mark.parametrize("android", GENERATIONS)
def test_grant_of_a_policy_fixed_denial_throws_only_up_to_9(android):
    """AOSP 10 turned "Cannot grant policy/system fixed permission" into a log line."""
    phone = phone_for(android, apps=[{"package": W4B, "contacts": "policy-denied"}])
    line = f"pm grant --user 0 {W4B} {READ_CONTACTS}"
    if android == "8.1":
        _refused(phone, line, android, f"java.lang.SecurityException: Cannot grant policy fixed permission "
                                       f"{READ_CONTACTS} for package {W4B}\n")
    else:
        _ignored(phone, line)
    assert "granted=false" in grant_line(phone)


@pytest.mark.parametrize("android", GENERATIONS)
def test_grant_of_a_system_fixed_permission_throws_only_up_to_9(android):
    phone = phone_for(android, apps=[{"package": W4B, "contacts": "system-fixed"}])
    run(phone, f"pm grant --user 0 {W4B} {READ_CONTACTS}")  # already granted: nothing to do either way
    line = f"pm grant --user 0 {W4B} {READ_CONTACTS}"
    if android == "8.1":
        _refused(phone, line, android, f"java.lang.SecurityException: Cannot grant system fixed permission "
                                       f"{READ_CONTACTS} for package {W4B}\n")
    else:
        _ignored(phone, line)


@pytest.mark.parametrize("android", GENERATIONS)
def test_a_normal_permission_is_not_a_changeable_type_on_every_generation(android):
    phone = phone_for(android)
    internet = "android.permission.INTERNET"
    text = (f"Permission {internet} is not a changeable permission type" if android == "8.1"
            else f"Permission {internet} requested by {W4B} is not a changeable permission type")
    _refused(phone, f"pm revoke {W4B} {internet}", android, f"java.lang.SecurityException: {text}\n")


CHANGE_WIFI = "android.permission.CHANGE_WIFI_STATE"  # normal, not requested by WhatsApp


@pytest.mark.parametrize("android", GENERATIONS)
def test_up_to_11_not_requested_is_checked_before_not_changeable(android):
    """BasePermission.enforceDeclaredUsedAndRuntimeOrDevelopment (up to 11) asks "requested?" first;
    12+ ask "runtime?" first, and the Kotlin service still throws for that one."""
    phone = phone_for(android, apps=[{"package": W4B}])
    assert CHANGE_WIFI not in phone.state.packages[W4B].requested
    if android in ("8.1", "10", "11"):
        error = f"Package {W4B} has not requested permission {CHANGE_WIFI}"
    else:
        error = f"Permission {CHANGE_WIFI} requested by {W4B} is not a changeable permission type"
    _refused(phone, f"pm revoke {W4B} {CHANGE_WIFI}", android, f"java.lang.SecurityException: {error}\n")


@pytest.mark.parametrize("android", GENERATIONS)
def test_a_development_permission_is_known_and_grantable_type(android):
    """WRITE_SECURE_SETTINGS (signature|development) is no "Unknown permission": WhatsApp just does
    not request it."""
    phone = phone_for(android)
    line = f"pm grant {W4B} android.permission.WRITE_SECURE_SETTINGS"
    if android in KOTLIN:
        _ignored(phone, line)
    else:
        _refused(phone, line, android, f"java.lang.SecurityException: Package {W4B} has not requested permission "
                                       "android.permission.WRITE_SECURE_SETTINGS\n")


# --- 2. every platform runtime permission, per generation ---------------------------------------------


@pytest.mark.parametrize("android", GENERATIONS)
def test_an_unknown_permission_name_is_the_generations_illegal_argument(android):
    phone = phone_for(android)
    name = "android.permission.NOT_A_PERMISSION"
    text = f"Unknown permission {name}" if android in KOTLIN else f"Unknown permission: {name}"
    _refused(phone, f"pm revoke {W4B} {name}", android, f"java.lang.IllegalArgumentException: {text}\n")


# (permission, first generation that defines it)
NEWER_PERMISSIONS = [
    ("android.permission.ACCESS_BACKGROUND_LOCATION", "10"),
    ("android.permission.ACTIVITY_RECOGNITION", "10"),
    ("android.permission.ACCESS_MEDIA_LOCATION", "10"),
    ("android.permission.BLUETOOTH_CONNECT", "13"),  # 12 (not among the generations tested)
    ("android.permission.NEARBY_WIFI_DEVICES", "13"),
    ("android.permission.POST_NOTIFICATIONS", "13"),
    ("android.permission.READ_MEDIA_IMAGES", "13"),
    ("android.permission.BODY_SENSORS_BACKGROUND", "13"),
    ("android.permission.READ_MEDIA_VISUAL_USER_SELECTED", "14"),
]


@pytest.mark.parametrize(("permission", "since"), NEWER_PERMISSIONS)
@pytest.mark.parametrize("android", GENERATIONS)
def test_a_permission_newer_than_the_phone_is_unknown_to_it(android, permission, since):
    """A non-WhatsApp app requests nothing of these, so a known one is "not requested" (thrown up to 13,
    ignored from 14) and an unknown one is "Unknown permission"."""
    phone = phone_for(android, apps=[{"package": "com.example.app"}])
    result = run(phone, f"pm revoke com.example.app {permission}")
    known = GENERATIONS.index(android) >= GENERATIONS.index(since)
    text = result.stderr.decode()
    if not known:
        assert "java.lang.IllegalArgumentException: Unknown permission" in text and permission in text
    elif android in KOTLIN:
        assert (result.stderr, result.status) == (b"", 0)
    else:
        assert f"has not requested permission {permission}" in text


@pytest.mark.parametrize("sdk", [26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36])
def test_every_runtime_permission_has_its_platform_group(sdk):
    runtime = runtime_permissions(sdk)
    assert {"android.permission.READ_CONTACTS", "android.permission.CAMERA", "android.permission.RECORD_AUDIO",
            "android.permission.ACCESS_FINE_LOCATION", "android.permission.READ_PHONE_STATE", SEND_SMS,
            "android.permission.READ_CALENDAR", "android.permission.BODY_SENSORS",
            "android.permission.READ_EXTERNAL_STORAGE"} <= runtime
    for name in runtime:
        definition = permission_def(name, sdk)
        assert definition is not None and definition.protection == DANGEROUS
        assert definition.group and definition.group.startswith(GROUP)
    assert runtime_permissions(sdk - 1) <= runtime if sdk > 26 else True
    assert permission_def("android.permission.INTERNET", sdk).protection == "normal"  # type: ignore[union-attr]


def test_groups_follow_the_generation():
    assert permission_group("android.permission.READ_CALL_LOG", 27) == GROUP + "PHONE"
    assert permission_group("android.permission.READ_CALL_LOG", 28) == GROUP + "CALL_LOG"
    assert permission_group("android.permission.READ_MEDIA_IMAGES", 33) == GROUP + "READ_MEDIA_VISUAL"
    assert permission_group("android.permission.READ_MEDIA_AUDIO", 33) == GROUP + "READ_MEDIA_AURAL"
    assert permission_group("android.permission.ACCESS_MEDIA_LOCATION", 29) == GROUP + "STORAGE"
    assert permission_group("android.permission.ACCESS_MEDIA_LOCATION", 33) == GROUP + "READ_MEDIA_VISUAL"
    assert permission_group("android.permission.GET_ACCOUNTS", 35) == GROUP + "CONTACTS"
    assert permission_group("android.permission.POST_NOTIFICATIONS", 33) == GROUP + "NOTIFICATIONS"
    assert permission_group("android.permission.BLUETOOTH_SCAN", 31) == GROUP + "NEARBY_DEVICES"
    assert permission_group("android.permission.POST_NOTIFICATIONS", 32) is None
    assert "com.android.voicemail.permission.ADD_VOICEMAIL" in runtime_permissions(27)
    assert len(platform_permissions(35)) > len(platform_permissions(27))


@pytest.mark.parametrize("android", GENERATIONS)
def test_the_dump_lists_exactly_the_requested_runtime_permissions_of_the_generation(android):
    phone = phone_for(android)
    block = run(phone, f"dumpsys package {W4B}").stdout.decode().split("    User 0:", 1)[1]
    listed = {line.strip().split(":")[0] for line in block.split("runtime permissions:", 1)[1].splitlines()
              if line.startswith("        android.permission.")}
    package = phone.state.packages[W4B]
    assert listed == {p for p in package.requested if p in runtime_permissions(phone.state.sdk)}


# --- 3. set-permission-flags / clear-permission-flags ---------------------------------------------------


@pytest.mark.parametrize("android", ["8.1", "10"])
@pytest.mark.parametrize("command", ["set-permission-flags", "clear-permission-flags"])
def test_flag_commands_do_not_exist_before_11(android, command):
    phone = phone_for(android)
    before = phone.snapshot()
    result = run(phone, f"pm {command} --user 0 {W4B} {READ_CONTACTS} user-fixed")
    if android == "8.1":
        assert result.status == 1
        assert result.stderr.decode().startswith(f"Error: unknown command '{command}'\nusage: pm path")
    else:
        assert (result.stdout, result.stderr, result.status) == (f"Unknown command: {command}\n".encode(), b"", 255)
    assert phone.snapshot() == before


FLAG_WORDS = {"user-set": "USER_SET", "user-fixed": "USER_FIXED", "revoked-compat": "REVOKED_COMPAT",
              "revoke-when-requested": "REVOKE_WHEN_REQUESTED"}


@pytest.mark.parametrize("android", ["11", "13", "14", "15"])
@pytest.mark.parametrize("word", sorted(FLAG_WORDS))
def test_each_flag_word_sets_and_clears_only_its_flag(android, word):
    phone = phone_for(android)
    before = phone.snapshot()
    old = phone.state.packages[W4B].users[0].runtime[FINE_LOCATION]
    assert run(phone, f"pm set-permission-flags --user 0 {W4B} {FINE_LOCATION} {word}").status == 0
    now = phone.state.packages[W4B].users[0].runtime[FINE_LOCATION]
    assert (now.granted, now.flags) == (old.granted, old.flags | {FLAG_WORDS[word]})
    assert before.diff(phone.snapshot()) == [
        f"state.packages['{W4B}'].users[0].runtime['{FINE_LOCATION}'].flags: added ['{FLAG_WORDS[word]}']"]
    assert run(phone, f"pm clear-permission-flags --user 0 {W4B} {FINE_LOCATION} {word}").status == 0
    assert phone.snapshot() == before


@pytest.mark.parametrize("android", ["11", "13", "14", "15"])
def test_review_required_can_be_named_but_only_the_system_may_set_it(android):
    phone = phone_for(android)
    _ignored(phone, f"pm set-permission-flags {W4B} {FINE_LOCATION} review-required")


@pytest.mark.parametrize("android", ["11", "13", "14", "15"])
def test_flag_words_are_checked_before_anything_changes(android):
    phone = phone_for(android)
    before = phone.snapshot()
    bad = run(phone, f"pm set-permission-flags {W4B} {READ_CONTACTS} user-fixed policy-fixed")
    assert (bad.stdout, bad.status) == (b"", 1)
    assert bad.stderr == (b"Error: specified flag policy-fixed is not one of "
                          b"[review-required, revoked-compat, revoke-when-requested, user-fixed, user-set]\n")
    none = run(phone, f"pm clear-permission-flags {W4B} {READ_CONTACTS}")
    assert (none.stderr, none.status) == (b"Error: no permission flags specified\n", 1)
    assert run(phone, "pm set-permission-flags").stderr == b"Error: no package specified\n"
    assert phone.snapshot() == before


@pytest.mark.parametrize("android", ["11", "13", "14", "15"])
def test_flags_of_an_unknown_permission_package_or_unrequested_permission(android):
    phone = phone_for(android)
    name = "android.permission.NOT_A_PERMISSION"
    text = f"Unknown permission {name}" if android in KOTLIN else f"Unknown permission: {name}"
    _refused(phone, f"pm set-permission-flags {W4B} {name} user-fixed", android,
             f"java.lang.IllegalArgumentException: {text}\n")
    _ignored(phone, f"pm set-permission-flags {W4B} {SEND_SMS} user-fixed")  # logged on 11-13 too
    _ignored(phone, f"pm set-permission-flags com.example.missing {READ_CONTACTS} user-fixed")


# --- 6. revoke/grant change the grant only; a pair leaves the permission as it was ------------------


@pytest.mark.parametrize("android", GENERATIONS)
def test_revoke_keeps_the_flags_and_grant_does_not_clear_user_fixed(android):
    phone = phone_for(android, apps=[{"package": W4B, "contacts": "denied-fixed"}])
    before = phone.snapshot()
    flags = set(phone.state.packages[W4B].users[0].runtime[READ_CONTACTS].flags)
    assert {"USER_SET", "USER_FIXED"} <= flags
    assert run(phone, f"pm grant --user 0 {W4B} {READ_CONTACTS}").status == 0
    grant = phone.state.packages[W4B].users[0].runtime[READ_CONTACTS]
    assert grant.granted and grant.flags == flags
    assert run(phone, f"pm revoke --user 0 {W4B} {READ_CONTACTS}").status == 0
    assert phone.snapshot() == before, "\n".join(before.diff(phone.snapshot()))


@pytest.mark.parametrize("android", GENERATIONS)
def test_a_revoke_then_a_grant_leaves_the_permission_and_its_app_op_as_they_were(android):
    phone = phone_for(android)
    before = phone.snapshot()
    assert run(phone, f"pm revoke --user 0 {W4B} {FINE_LOCATION}").status == 0  # default: nothing to revoke
    assert phone.snapshot() == before
    assert run(phone, f"pm revoke --user 0 {W4B} {READ_CONTACTS}").status == 0
    revoked = before.diff(phone.snapshot())
    runtime = f"state.packages['{W4B}'].users[0]"
    assert f"{runtime}.runtime['{READ_CONTACTS}'].granted: True -> False" in revoked
    # Android 11+ keeps the app-op in step with the permission; 8-10 leave it alone
    assert (f"{runtime}.uid_modes['READ_CONTACTS']: <missing> -> 'ignore'" in revoked) == (android not in ("8.1", "10"))
    assert len(revoked) == (1 if android in ("8.1", "10") else 2)
    assert run(phone, f"pm grant --user 0 {W4B} {READ_CONTACTS}").status == 0
    assert phone.snapshot() == before


@pytest.mark.parametrize("android", ["11", "13", "14", "15"])
@pytest.mark.parametrize("contacts", ["granted", "default"])
def test_the_fix_and_its_undo_leave_the_permission_as_it_was(android, contacts):
    """The fix's pair: revoke and set user-set user-fixed; undone by a grant (if it was granted) and
    a clear of the flags the fix added (USER_SET stays where the user had set it)."""
    phone = phone_for(android, apps=[{"package": W4B, "contacts": contacts}])
    before = phone.snapshot()
    had = phone.state.packages[W4B].users[0].runtime[READ_CONTACTS]
    added = " ".join(word for word, flag in (("user-set", "USER_SET"), ("user-fixed", "USER_FIXED"))
                     if flag not in had.flags)
    was_granted = had.granted
    for line in (f"pm revoke --user 0 {W4B} {READ_CONTACTS}",
                 f"pm set-permission-flags --user 0 {W4B} {READ_CONTACTS} user-set user-fixed"):
        assert run(phone, line).status == 0
    assert "granted=false" in grant_line(phone) and "USER_SET|USER_FIXED" in grant_line(phone)
    if was_granted:
        assert run(phone, f"pm grant --user 0 {W4B} {READ_CONTACTS}").status == 0
    assert run(phone, f"pm clear-permission-flags --user 0 {W4B} {READ_CONTACTS} {added}").status == 0
    assert phone.snapshot() == before, "\n".join(before.diff(phone.snapshot()))
