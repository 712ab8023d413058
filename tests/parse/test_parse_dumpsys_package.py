"""dumpsys package: the first Package block under Packages:, read relative to its indentation."""

from __future__ import annotations

from datetime import datetime

from wa_harden.facts import Gap, PackageDump, PackageUserState, PermissionGrant, Unknown
from wa_harden.parse.dumpsys_package import (
    parse_dumpsys_package,
    parse_dumpsys_package_all,
    parse_grant,
)

# Android 14+ shape (appId=, install-source fields, per-user firstInstallTime), with a resolver
# table naming an ExceptionActivity and the factory copy under "Hidden system packages:".
ANDROID_15 = """\
Activity Resolver Table:
  Non-Data Actions:
      android.intent.action.MAIN:
        7827b90 com.whatsapp/.ExceptionActivity filter 594ac89
Error: java.lang.IllegalStateException: this line is merged stderr noise

Packages:
  Package [com.whatsapp] (4c87987):
    appId=10411
    pkg=Package{3cd10b4 com.whatsapp}
    codePath=/data/app/~~GDM1Aav3L4AvgnFiTMJCTg==/com.whatsapp-ENXvDzqOVft-1lo-lcCdtg==
    versionCode=260907212 minSdk=21 targetSdk=36
    minExtensionVersions=[]
    versionName=2.26.9.72
    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP KILL_AFTER_RESTORE RESTORE_ANY_VERSION ]
    privateFlags=[ PRIVATE_FLAG_HAS_FRAGILE_USER_DATA HAS_DOMAIN_URLS ]
    timeStamp=2026-03-14 15:48:58
    lastUpdateTime=2026-03-14 15:49:03
    installerPackageName=com.android.vending
    installerPackageUid=10139
    initiatingPackageName=com.android.vending
    originatingPackageName=null
    updateOwnerPackageName=com.android.vending
    packageSource=0
    installSource=InstallSource{mOriginalInstallerUid=2000 mOriginalInstallerPackageName=null}
    pkgFlags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ]
    declared permissions:
      com.whatsapp.permission.MAPS_RECEIVE: prot=signature, INSTALLED
    requested permissions:
      android.permission.READ_CONTACTS
      android.permission.WRITE_CONTACTS
      android.permission.GET_ACCOUNTS
      android.permission.READ_EXTERNAL_STORAGE: restricted=true
      android.permission.READ_CONTACTS
    install permissions:
      android.permission.INTERNET: granted=true
      android.permission.WAKE_LOCK: granted=true, userId=10
    User 0: ceDataInode=122761 deDataInode=57843 installed=true hidden=false privacy_hidden=true suspended=false distractionFlags=0 stopped=false notLaunched=false enabled=0 instant=false virtual=false quarantined=false
      installReason=4
      dataDir=/data/user/0/com.whatsapp
      firstInstallTime=2025-08-26 13:40:57
      uninstallReason=0
      overlay paths:
        /product/overlay/NavigationBarModeGestural/NavigationBarModeGesturalOverlay.apk
      lastDisabledCaller: com.android.vending
      gids=[3003]
      runtime permissions:
        android.permission.READ_CONTACTS: granted=true, flags=[ USER_SET|USER_SENSITIVE_WHEN_GRANTED|524288]
        android.permission.GET_ACCOUNTS: granted=false, flags=[ USER_FIXED|POLICY_FIXED]
        android.permission.WRITE_CONTACTS: granted=false
      disabledComponents:
        com.whatsapp.SomeReceiver
    User 10: ceDataInode=0 installed=false hidden=false suspended=true stopped=true notLaunched=true enabled=3
      installReason=0
      firstInstallTime=1970-01-01 01:00:00
      runtime permissions:
        android.permission.READ_CONTACTS: granted=false

Hidden system packages:
  Package [com.whatsapp] (65903ba):
    appId=10411
    versionCode=1 minSdk=21 targetSdk=30
    versionName=factory

Queries:
  system apps queryable: false
"""

# Android 11 ColorOS shape: userId=, package-level firstInstallTime, "overlay paths:" printed at
# the package's own indentation inside User 0, and a second (dual-app) user 999.
COLOROS_11 = """\
Packages:
  Package [com.whatsapp.w4b] (1dc7f3):
    userId=10441
    versionCode=251234567 minSdk=21 targetSdk=33
    versionName=2.25.12.3
    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]
    timeStamp=2025-01-06 19:49:19
    firstInstallTime=2025-01-06 19:50:14
    lastUpdateTime=2025-01-07 08:00:00
    installerPackageName=com.android.vending
    requested permissions:
    install permissions:
      android.permission.INTERNET: granted=true
    User 0: ceDataInode=458829 installed=true hidden=false suspended=false distractionFlags=0 stopped=false notLaunched=false enabled=0 ofs=0 instant=false virtual=false
    overlay paths:
      /my_heytap/overlay/GmsConfigOverlayCommon/GmsConfigOverlayCommon.apk
      /vendor/overlay/FrameworksResTarget.apk
      lastDisabledCaller: com.android.vending
      gids=[3002, 3003, 3001]
      runtime permissions:
        android.permission.READ_CONTACTS: granted=true, flags=[ USER_SET]
    User 999: ceDataInode=0 installed=false hidden=false suspended=false distractionFlags=0 stopped=true notLaunched=true enabled=0 ofs=0 instant=false virtual=false
      gids=[3002, 3003, 3001]
      runtime permissions:

Package Changes:
  Sequence number=2660
"""

# Android 8 `pm dump`: everything wrapped two more spaces, no flags= line (pkgFlags only), old
# space-separated permission flags.
PM_DUMP_8 = """\
DUMP OF SERVICE package:
  Key Set Manager:
    [com.whatsapp]
        Signing KeySets: 1

  Packages:
    Package [com.whatsapp] (e96e295):
      userId=10084 gids=[3002, 3003]
      versionCode=453427 targetSdk=26
      versionName=2.18.1
      pkgFlags=[ HAS_CODE ALLOW_BACKUP ]
      timeStamp=2018-02-01 10:00:00
      firstInstallTime=2018-01-01 09:00:00
      lastUpdateTime=2018-02-01 10:00:01
      installPermissionsFixed=true installStatus=1
      User 0: ceDataInode=-4294885081 installed=true hidden=false suspended=false stopped=false notLaunched=false enabled=0 instant=false
        gids=[3002, 3003]
        runtime permissions:
          android.permission.READ_CONTACTS: granted=true, flags=[ GRANTED_BY_DEFAULT SYSTEM_FIXED ]

  Shared users:
    SharedUser [android.uid.system] (157b5c8):
      userId=1000
DUMP OF SERVICE activity:
  Package [com.whatsapp] (never-read):
"""


def test_android_15_block() -> None:
    dump = parse_dumpsys_package(ANDROID_15, "com.whatsapp")
    assert dump == PackageDump(
        package="com.whatsapp",
        app_id=10411,
        version_code=260907212,
        version_name="2.26.9.72",
        min_sdk=21,
        target_sdk=36,
        flags=frozenset(
            {
                "HAS_CODE",
                "ALLOW_CLEAR_USER_DATA",
                "ALLOW_BACKUP",
                "KILL_AFTER_RESTORE",
                "RESTORE_ANY_VERSION",
            }
        ),
        timestamp=datetime(2026, 3, 14, 15, 48, 58),
        first_install_time=None,
        last_update_time=datetime(2026, 3, 14, 15, 49, 3),
        installer="com.android.vending",
        initiating_installer="com.android.vending",
        originating_installer=None,
        update_owner="com.android.vending",
        package_source=0,
        requested_permissions=(
            "android.permission.READ_CONTACTS",
            "android.permission.WRITE_CONTACTS",
            "android.permission.GET_ACCOUNTS",
            "android.permission.READ_EXTERNAL_STORAGE",
        ),
        install_permissions={
            "android.permission.INTERNET": PermissionGrant("android.permission.INTERNET", True),
            "android.permission.WAKE_LOCK": PermissionGrant("android.permission.WAKE_LOCK", True),
        },
        users={
            0: PackageUserState(
                user_id=0,
                installed=True,
                enabled=0,
                hidden=False,
                suspended=False,
                first_install_time=datetime(2025, 8, 26, 13, 40, 57),
                runtime_permissions={
                    "android.permission.READ_CONTACTS": PermissionGrant(
                        "android.permission.READ_CONTACTS",
                        True,
                        frozenset({"USER_SET", "USER_SENSITIVE_WHEN_GRANTED", "524288"}),
                    ),
                    "android.permission.GET_ACCOUNTS": PermissionGrant(
                        "android.permission.GET_ACCOUNTS",
                        False,
                        frozenset({"USER_FIXED", "POLICY_FIXED"}),
                    ),
                    "android.permission.WRITE_CONTACTS": PermissionGrant(
                        "android.permission.WRITE_CONTACTS", False
                    ),
                },
            ),
            10: PackageUserState(
                user_id=10,
                installed=False,
                enabled=3,
                hidden=False,
                suspended=True,
                first_install_time=datetime(1970, 1, 1, 1, 0, 0),
                runtime_permissions={
                    "android.permission.READ_CONTACTS": PermissionGrant(
                        "android.permission.READ_CONTACTS", False
                    ),
                },
            ),
        },
    )
    assert dump.installed_users() == (0,)
    assert dump.users[0].runtime_permissions["android.permission.GET_ACCOUNTS"].policy_fixed


def test_coloros_overlay_paths_do_not_swallow_the_user_block() -> None:
    dump = parse_dumpsys_package(COLOROS_11, "com.whatsapp.w4b")
    assert (dump.app_id, dump.version_code, dump.target_sdk) == (10441, 251234567, 33)
    assert dump.first_install_time == datetime(2025, 1, 6, 19, 50, 14)
    assert dump.requested_permissions == ()
    assert list(dump.install_permissions) == ["android.permission.INTERNET"]
    assert sorted(dump.users) == [0, 999]
    assert dump.users[0].runtime_permissions == {
        "android.permission.READ_CONTACTS": PermissionGrant(
            "android.permission.READ_CONTACTS", True, frozenset({"USER_SET"})
        )
    }
    assert dump.users[0].first_install_time is None
    assert dump.users[999].installed is False and dump.users[999].runtime_permissions == {}


def test_pm_dump_android_8_is_read_relative_to_its_indentation() -> None:
    dump = parse_dumpsys_package(PM_DUMP_8, "com.whatsapp")
    assert dump.app_id == 10084
    assert (dump.version_code, dump.min_sdk, dump.target_sdk) == (453427, None, 26)
    assert dump.flags == frozenset({"HAS_CODE", "ALLOW_BACKUP"})  # from pkgFlags=
    assert dump.installer is None
    assert dump.users[0].runtime_permissions["android.permission.READ_CONTACTS"] == PermissionGrant(
        "android.permission.READ_CONTACTS", True, frozenset({"GRANTED_BY_DEFAULT", "SYSTEM_FIXED"})
    )
    assert dump.users[0].runtime_permissions["android.permission.READ_CONTACTS"].system_fixed


def test_crlf_capture() -> None:
    dump = parse_dumpsys_package(COLOROS_11.replace("\n", "\r\n"), "com.whatsapp.w4b")
    assert dump.installer == "com.android.vending" and dump.version_name == "2.25.12.3"


def test_not_installed() -> None:
    assert parse_dumpsys_package("Unable to find package: com.whatsapp\n", "com.whatsapp") is None
    old = "Dexopt state:\n  Unable to find package: com.whatsapp\n\nCompiler stats:\n"
    assert parse_dumpsys_package(old, "com.whatsapp") is None
    # A dump without the package's block that reaches its last sections: the package is absent.
    assert parse_dumpsys_package("Packages:\n\nQueries:\n\nDexopt state:\n\nCompiler stats:\n", "com.whatsapp") is None


def test_a_dump_without_the_block_that_stops_early_proves_no_absence() -> None:
    cut = Unknown(Gap.UNPARSEABLE, "the dump has no block for com.whatsapp but does not reach its last sections "
                                   "('Dexopt state:', 'Compiler stats:'): cut short")
    assert parse_dumpsys_package(COLOROS_11, "com.whatsapp") == cut  # other packages only, then it ends
    assert parse_dumpsys_package("Packages:\n\nQueries:\n", "com.whatsapp") == cut
    assert parse_dumpsys_package("Dexopt state:\n\n", "com.whatsapp") == cut


def test_only_the_first_block_under_packages_counts() -> None:
    hidden_only = "Hidden system packages:\n  Package [com.whatsapp] (1):\n    versionCode=1\n"
    assert parse_dumpsys_package(hidden_only, "com.whatsapp") == Unknown(
        Gap.UNPARSEABLE, "no 'Package [com.whatsapp]' block in the output"
    )
    assert parse_dumpsys_package(ANDROID_15, "com.whatsapp").version_name == "2.26.9.72"


def test_errors_and_odd_outputs() -> None:
    assert parse_dumpsys_package("", "com.whatsapp") == Unknown(
        Gap.UNPARSEABLE, "empty output (expected 'Package [com.whatsapp]' block)"
    )
    assert parse_dumpsys_package("[ro.build.version.sdk]: [34]\n", "com.whatsapp") == Unknown(
        Gap.UNPARSEABLE, "no 'Package [com.whatsapp]' block in the output"
    )
    assert parse_dumpsys_package("cmd: Can't find service: package\n", "com.whatsapp") == Unknown(
        Gap.NOT_SUPPORTED, "cmd: Can't find service: package"
    )


def test_a_dump_cut_inside_the_block_is_unknown_not_a_dump_without_grants() -> None:
    # Read as a dump, this cut would hold no runtime permissions: "contacts denied" without evidence.
    for end in (ANDROID_15.index("      runtime permissions:"), ANDROID_15.index("      runtime permissions:") + 60):
        dump = parse_dumpsys_package(ANDROID_15[:end] + "\n", "com.whatsapp")
        assert dump == Unknown(Gap.UNPARSEABLE, "the dump ends inside the block of com.whatsapp (cut short)")


def test_grant_line_forms() -> None:
    assert parse_grant("android.permission.CAMERA: granted=false") == PermissionGrant(
        "android.permission.CAMERA", False
    )
    assert parse_grant(
        "a.B: granted=true, flags=[ USER_SET|USER_FIXED], userId=10"
    ) == PermissionGrant("a.B", True, frozenset({"USER_SET", "USER_FIXED"}))
    assert parse_grant("a.B: granted=maybe") is None
    assert parse_grant("android.permission.CAMERA") is None


def test_all_packages() -> None:
    text = COLOROS_11.replace("Package Changes:", "Hidden system packages:") + ANDROID_15
    dumps = parse_dumpsys_package_all(text)
    assert sorted(dumps) == ["com.whatsapp", "com.whatsapp.w4b"]
    assert dumps["com.whatsapp"].version_code == 260907212  # not the factory copy
    assert parse_dumpsys_package_all("Packages:\n") == {}
    assert parse_dumpsys_package_all("garbage\n") == Unknown(
        Gap.UNPARSEABLE, "no 'Package [..]' blocks in the output"
    )
