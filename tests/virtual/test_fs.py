"""The virtual phone's in-memory file system: paths, symlinks, the shell user's access, changes."""

from __future__ import annotations

from datetime import datetime

import pytest

from wa_harden.virtual.api import SHELL_UID
from wa_harden.virtual.fs import DIR, FILE, LINK, FsError, VirtualFS, absolute, strerror

T0 = datetime(2024, 5, 1, 10, 0)
T1 = datetime(2024, 6, 2, 11, 30)
SHELL = {"uid": SHELL_UID}


@pytest.fixture
def fs() -> VirtualFS:
    return VirtualFS.android_default(clock=lambda: T0)


def errno_of(call, *args, **kwargs) -> str:
    with pytest.raises(FsError) as caught:
        call(*args, **kwargs)
    return caught.value.errno_name


# --- the default Android tree ---------------------------------------------------------------------


def test_default_tree_has_the_usual_shared_storage_folders(fs: VirtualFS) -> None:
    assert fs.listdir("/storage/emulated/0") == [
        "Alarms", "Android", "DCIM", "Documents", "Download", "Movies", "Music", "Notifications",
        "Pictures", "Podcasts", "Ringtones",
    ]
    assert fs.listdir("/storage/emulated/0/Android") == ["data", "media", "obb"]
    assert fs.is_dir("/system/bin") and fs.is_dir("/data/local/tmp") and fs.is_dir("/data/data")


@pytest.mark.parametrize("alias", ["/sdcard", "/storage/self/primary", "/mnt/sdcard"])
def test_storage_aliases_are_symlinks_to_user_0_storage(fs: VirtualFS, alias: str) -> None:
    assert fs.lstat(alias).kind == LINK
    assert fs.lstat(alias).target == "/storage/emulated/0"
    assert fs.realpath(alias + "/DCIM") == "/storage/emulated/0/DCIM"
    assert fs.stat(alias).kind == DIR


def test_other_users_storage_is_refused_to_shell_but_not_to_root() -> None:
    fs = VirtualFS.android_default(clock=lambda: T0, user_ids=(0, 10))
    assert errno_of(fs.listdir, "/storage/emulated/10", **SHELL) == "EACCES"
    assert errno_of(fs.stat, "/storage/emulated/10/DCIM", **SHELL) == "EACCES"
    assert fs.listdir("/storage/emulated/10/Android") == ["data", "media", "obb"]
    assert fs.listdir("/storage/emulated/0/Android", **SHELL) == ["data", "media", "obb"]


# --- paths ------------------------------------------------------------------------------------------


def test_absolute_normalises_lexically() -> None:
    assert absolute("a/../b//c/.", "/x") == "/x/b/c"
    assert absolute("//storage///emulated/") == "/storage/emulated"
    assert absolute("../..", "/") == "/"


def test_dotdot_after_a_symlink_is_physical(fs: VirtualFS) -> None:
    assert fs.realpath("/sdcard/../0//DCIM/.") == "/storage/emulated/0/DCIM"


def test_relative_paths_use_cwd(fs: VirtualFS) -> None:
    fs.write_file("notes.txt", b"x", cwd="/data/local/tmp")
    assert fs.read_file("/data/local/tmp/notes.txt") == b"x"
    assert fs.is_file("tmp/notes.txt", cwd="/data/local")


def test_symlink_loop_is_eloop(fs: VirtualFS) -> None:
    fs.symlink("/data/local/tmp/b", "/data/local/tmp/a")
    fs.symlink("/data/local/tmp/a", "/data/local/tmp/b")
    assert errno_of(fs.stat, "/data/local/tmp/a") == "ELOOP"
    assert fs.exists("/data/local/tmp/a") is False


def test_trailing_slash_on_a_file_is_enotdir(fs: VirtualFS) -> None:
    fs.write_file("/sdcard/Download/a.txt")
    assert errno_of(fs.stat, "/sdcard/Download/a.txt/") == "ENOTDIR"
    assert errno_of(fs.stat, "/sdcard/Download/a.txt/x") == "ENOTDIR"


def test_queries_never_raise(fs: VirtualFS) -> None:
    assert fs.exists("/nope/deeper") is False
    assert fs.is_dir("/data/data/com.whatsapp", **SHELL) is False
    assert fs.is_file("") is False


# --- files and directories --------------------------------------------------------------------------


def test_write_and_read_with_mtime_and_append(fs: VirtualFS) -> None:
    fs.write_file("/sdcard/Download/a.txt", b"one\n", mtime=T1)
    fs.write_file("/sdcard/Download/a.txt", b"two\n", mtime=T1, append=True)
    info = fs.stat("/sdcard/Download/a.txt")
    assert fs.read_file("/sdcard/Download/a.txt") == b"one\ntwo\n"
    assert (info.kind, info.size, info.mtime, info.mode_string) == (FILE, 8, T1, "-rw-rw----")
    assert (info.owner, info.group) == ("root", "sdcard_rw")


def test_new_file_takes_the_clock_time_and_dirs_update_their_mtime(fs: VirtualFS) -> None:
    fs.write_file("/sdcard/DCIM/x.jpg", mtime=T1)
    assert fs.stat("/sdcard/DCIM/x.jpg").mtime == T1
    assert fs.stat("/sdcard/DCIM").mtime == T1
    fs.write_file("/sdcard/DCIM/y.jpg")
    assert fs.stat("/sdcard/DCIM/y.jpg").mtime == T0


def test_write_file_with_parents_creates_the_directories(fs: VirtualFS) -> None:
    path = "/sdcard/Android/media/com.whatsapp.w4b/WhatsApp Business/Media/WhatsApp Business Images/.nomedia"
    assert errno_of(fs.write_file, path) == "ENOENT"
    fs.write_file(path, parents=True)
    assert fs.listdir("/sdcard/Android/media/com.whatsapp.w4b") == ["WhatsApp Business"]


def test_mkdir_mkdirs_and_their_errors(fs: VirtualFS) -> None:
    fs.mkdirs("/sdcard/A/B/C")
    fs.mkdirs("/sdcard/A/B/C")
    assert errno_of(fs.mkdir, "/sdcard/A") == "EEXIST"
    assert errno_of(fs.mkdir, "/sdcard/X/Y") == "ENOENT"
    fs.write_file("/sdcard/A/file")
    assert errno_of(fs.mkdirs, "/sdcard/A/file/sub") == "ENOTDIR"
    assert errno_of(fs.mkdirs, "/sdcard/A/file") == "EEXIST"


def test_remove_files_and_directories(fs: VirtualFS) -> None:
    fs.write_file("/sdcard/A/B/f", parents=True)
    assert errno_of(fs.remove, "/sdcard/A") == "ENOTEMPTY"
    fs.remove("/sdcard/A/B/f")
    assert fs.listdir("/sdcard/A/B") == []
    fs.remove("/sdcard/A", recursive=True)
    assert fs.exists("/sdcard/A") is False
    assert errno_of(fs.remove, "/sdcard/A") == "ENOENT"


def test_remove_a_symlink_keeps_its_target(fs: VirtualFS) -> None:
    fs.remove("/mnt/sdcard")
    assert fs.exists("/mnt/sdcard") is False
    assert fs.is_dir("/storage/emulated/0")


def test_touch_creates_or_updates(fs: VirtualFS) -> None:
    fs.touch("/sdcard/Download/t", mtime=T1)
    assert fs.stat("/sdcard/Download/t").mtime == T1
    fs.touch("/sdcard/Download/t")
    assert fs.stat("/sdcard/Download/t").mtime == T0
    fs.touch("/sdcard/Download/u", create=False)
    assert fs.exists("/sdcard/Download/u") is False


def test_dev_null_swallows_writes(fs: VirtualFS) -> None:
    fs.write_file("/dev/null", b"lost", **SHELL)
    assert fs.read_file("/dev/null") == b""


def test_scandir_returns_lstat_information(fs: VirtualFS) -> None:
    assert [(name, info.kind) for name, info in fs.scandir("/mnt")] == [("sdcard", LINK)]
    assert fs.scandir("/mnt")[0][1].size == len("/storage/emulated/0")


def test_directory_sizes_follow_the_file_system_type(fs: VirtualFS) -> None:
    assert fs.stat("/sdcard/DCIM").size == 3452
    assert fs.stat("/data/local/tmp").size == 4096
    assert fs.stat("/sdcard/DCIM").mode_string == "drwxrwx--x"
    assert fs.stat("/sdcard/DCIM").nlink == 2


def test_walk_lists_every_node_in_order(fs: VirtualFS) -> None:
    assert [path for path, _ in fs.walk("/storage/emulated/0/Android")] == [
        "/storage/emulated/0/Android",
        "/storage/emulated/0/Android/data",
        "/storage/emulated/0/Android/media",
        "/storage/emulated/0/Android/obb",
    ]


def test_set_mode_owner_and_mtime(fs: VirtualFS) -> None:
    fs.mkdirs("/sdcard/WhatsApp")
    fs.set_owner("/sdcard/WhatsApp", "u0_a123", "media_rw")
    fs.set_mode("/sdcard/WhatsApp", 0o2770)
    fs.set_mtime("/sdcard/WhatsApp", T1)
    info = fs.stat("/sdcard/WhatsApp")
    assert (info.owner, info.group, info.mode, info.mtime) == ("u0_a123", "media_rw", 0o2770, T1)


# --- access of the shell user -------------------------------------------------------------------------


def test_app_private_data_is_refused_to_shell(fs: VirtualFS) -> None:
    fs.mkdirs("/data/data/com.whatsapp/shared_prefs")
    assert errno_of(fs.listdir, "/data/data", **SHELL) == "EACCES"
    assert errno_of(fs.stat, "/data/data/com.whatsapp", **SHELL) == "EACCES"
    assert fs.listdir("/data/data") == ["com.whatsapp"]


def test_data_is_searchable_but_not_listable(fs: VirtualFS) -> None:
    assert errno_of(fs.listdir, "/data", **SHELL) == "EACCES"
    fs.write_file("/data/local/tmp/x", b"1", **SHELL)
    assert fs.read_file("/data/local/tmp/x", **SHELL) == b"1"
    assert fs.stat("/data/local/tmp", **SHELL).writable is True


def test_system_is_read_only_for_shell(fs: VirtualFS) -> None:
    assert errno_of(fs.write_file, "/system/bin/x", **SHELL) == "EACCES"
    assert errno_of(fs.mkdir, "/system/x", **SHELL) == "EACCES"
    assert fs.stat("/system/bin", **SHELL).writable is False
    fs.write_file("/system/bin/x")  # root may


def test_refusing_android_data_refuses_the_subtree(fs: VirtualFS) -> None:
    fs.mkdirs("/sdcard/Android/data/com.whatsapp/files")
    fs.set_access("/storage/emulated/0/Android/data", readable=False, writable=False)
    assert errno_of(fs.listdir, "/sdcard/Android/data", **SHELL) == "EACCES"
    assert errno_of(fs.write_file, "/sdcard/Android/data/com.whatsapp/x", **SHELL) == "EACCES"
    assert errno_of(fs.touch, "/sdcard/Android/data/x", **SHELL) == "EACCES"
    info = fs.stat("/sdcard/Android/data", **SHELL)
    assert (info.readable, info.writable) == (False, False)
    assert fs.listdir("/sdcard/Android/media", **SHELL) == []


def test_new_nodes_inherit_the_access_of_their_parent(fs: VirtualFS) -> None:
    fs.set_access("/sdcard/Music", writable=False)
    fs.mkdirs("/sdcard/Music/Album")
    assert errno_of(fs.write_file, "/sdcard/Music/Album/x", **SHELL) == "EACCES"
    fs.set_access("/sdcard/Music/Album", writable=True)
    fs.write_file("/sdcard/Music/Album/x", **SHELL)
    assert fs.is_file("/sdcard/Music/Album/x", **SHELL)


def test_remove_needs_a_writable_parent(fs: VirtualFS) -> None:
    fs.write_file("/sdcard/Music/song.mp3")
    fs.set_access("/sdcard/Music", writable=False)
    assert errno_of(fs.remove, "/sdcard/Music/song.mp3", **SHELL) == "EACCES"
    assert errno_of(fs.remove, "/") == "EBUSY"


def test_fs_error_carries_errno_path_and_text() -> None:
    error = FsError("ENOENT", "/nope")
    assert (error.errno_name, error.path, error.reason) == ("ENOENT", "/nope", "No such file or directory")
    assert str(error) == "/nope: No such file or directory"
    assert strerror("EACCES") == "Permission denied"
