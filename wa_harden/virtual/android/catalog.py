"""Version- and OEM-appropriate defaults, so a persona file only says what makes it special.

Model names, build ids and package lists are plausible examples of each OEM and generation; the
permission lists follow what WhatsApp requests on each Android version (android-facts §2.1).
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from wa_harden.virtual.android.platform_permissions import every_runtime_permission
from wa_harden.virtual.android.state import Oem, P, Q, R, S, T, U, UserKind, V

WHATSAPP = "com.whatsapp"
WHATSAPP_BUSINESS = "com.whatsapp.w4b"
WHATSAPP_PACKAGES = (WHATSAPP, WHATSAPP_BUSINESS)
PLAY_STORE = "com.android.vending"
SHELL_PACKAGE = "com.android.shell"  # the initiating installer of every ``adb install``
# The package installer that opens a downloaded APK: Google's on GMS phones, AOSP's elsewhere.
PACKAGE_INSTALLERS = ("com.google.android.packageinstaller", "com.android.packageinstaller")

GMS_TRANSPORT = "com.google.android.gms/.backup.BackupTransportService"
D2D_TRANSPORT = "com.google.android.gms/.backup.migrate.service.D2dTransport"
LOCAL_TRANSPORT = "com.android.localtransport/.LocalTransport"
LOCAL_TRANSPORT_OLD = "android/com.android.internal.backup.LocalTransport"
SEEDVAULT_TRANSPORT = "com.stevesoltys.seedvault.transport.ConfigurableBackupTransport"

DEFAULT_DPC = "com.example.mdm/.AdminReceiver"  # neutral placeholder device policy controller


@dataclass(frozen=True)
class DeviceModel:
    manufacturer: str
    brand: str
    model: str
    device: str
    product: str


DEVICES: dict[Oem, DeviceModel] = {
    Oem.GOOGLE: DeviceModel("Google", "google", "Pixel 8", "shiba", "shiba"),
    Oem.SAMSUNG: DeviceModel("samsung", "samsung", "SM-S911B", "dm1q", "dm1qxxx"),
    Oem.XIAOMI: DeviceModel("Xiaomi", "Redmi", "23129RAA4G", "sapphire", "sapphire_global"),
    Oem.OPPO: DeviceModel("OPPO", "OPPO", "CPH2219", "OP4F7FL1", "CPH2219EEA"),
    Oem.GENERIC: DeviceModel("HMD Global", "Nokia", "TA-1043", "DRG_sprout", "Dragon_00WW"),
}

# A build id per API level (the Pixel-style ids are what AOSP builds of that generation carry).
BUILD_IDS: dict[int, str] = {
    26: "OPR6.170623.013",
    27: "OPM1.171019.011",
    28: "PQ3A.190801.002",
    29: "QQ3A.200805.001",
    30: "RQ3A.211001.001",
    31: "SQ3A.220705.003",
    32: "SQ3A.220705.004",
    33: "TQ3A.230901.001",
    34: "AP2A.240805.005",
    35: "AP4A.250205.002",
    36: "BP2A.250605.031",
}


def security_patch(now: datetime, age_days: int) -> date:
    """A patch level ``age_days`` before ``now``, on the 1st or 5th of its month as real ones are."""
    day = (now - timedelta(days=age_days)).date()
    return date(day.year, day.month, 5 if day.day >= 5 else 1)


def oem_props(oem: Oem, sdk: int) -> dict[str, str]:
    """Properties by which an OEM build identifies itself."""
    if oem is Oem.XIAOMI:
        props = {
            "ro.miui.ui.version.code": "816" if sdk >= U else "14",
            "ro.miui.ui.version.name": "V816" if sdk >= U else "V140",
            "ro.miui.build.region": "global",
            "ro.product.marketname": "Redmi Note 13",
            "ro.product.mod_device": "sapphire_global",
        }
        if sdk >= U:
            props.update(
                {
                    "ro.mi.os.version.code": "1",
                    "ro.mi.os.version.name": "OS1.0",
                    "ro.mi.os.version.incremental": "OS1.0.9.0.UMGMIXM",
                }
            )
        return props
    if oem is Oem.OPPO:
        return {"ro.build.version.opporom": "V11.1" if sdk <= R else "V12.1", "ro.oppo.market.name": "OPPO A74"}
    if oem is Oem.SAMSUNG:
        return {"ro.build.version.oneui": str(40000 + (sdk - 31) * 5000 + 100), "ro.build.PDA": "S911BXXU3BWK5"}
    return {}


def incremental(oem: Oem, sdk: int, rng: random.Random) -> str:
    if oem is Oem.XIAOMI:
        return "OS1.0.9.0.UMGMIXM" if sdk >= U else "V14.0.4.0.TMGMIXM"
    if oem is Oem.SAMSUNG:
        return "S911BXXU3BWK5"
    return str(rng.randint(4_000_000, 12_999_999))


# --- users ---------------------------------------------------------------------------------------

FLAG_PRIMARY = 0x1
FLAG_ADMIN = 0x2
FLAG_GUEST = 0x4
FLAG_INITIALIZED = 0x10
FLAG_MANAGED_PROFILE = 0x20
FLAG_FULL = 0x400
FLAG_SYSTEM = 0x800
FLAG_PROFILE = 0x1000
FLAG_MAIN = 0x4000


def default_user_flags(kind: UserKind, sdk: int) -> int:
    """``UserInfo`` flags as ``pm list users`` prints them (``13``, ``c13``, ``4c13`` for user 0)."""
    if kind is UserKind.SYSTEM:
        flags = FLAG_PRIMARY | FLAG_ADMIN | FLAG_INITIALIZED
        if sdk >= R:
            flags |= FLAG_FULL | FLAG_SYSTEM
        if sdk >= U:
            flags |= FLAG_MAIN
        return flags
    if kind is UserKind.WORK_PROFILE:
        return FLAG_MANAGED_PROFILE | FLAG_INITIALIZED | (FLAG_PROFILE if sdk >= R else 0)
    if kind is UserKind.SECURE_FOLDER:
        return 0x10061030  # Samsung Knox container flags as real phones print them
    if kind is UserKind.DUAL_APP:
        return 0x8000010 if sdk < R else 0x8001010
    if kind in (UserKind.CLONE, UserKind.PRIVATE_SPACE):
        return FLAG_PROFILE | FLAG_INITIALIZED
    if kind is UserKind.GUEST:
        return FLAG_GUEST | FLAG_INITIALIZED | (FLAG_FULL if sdk >= R else 0)
    return FLAG_INITIALIZED | (FLAG_FULL if sdk >= R else 0)


USER_NAMES: dict[UserKind, str] = {
    UserKind.SYSTEM: "Owner",
    UserKind.SECONDARY: "User",
    UserKind.WORK_PROFILE: "Work profile",
    UserKind.SECURE_FOLDER: "Secure Folder",
    UserKind.DUAL_APP: "XSpace",
    UserKind.CLONE: "Clone profile",
    UserKind.PRIVATE_SPACE: "Private space",
    UserKind.GUEST: "Guest",
}

# Profiles whose storage and packages the shell may not touch on real phones.
REFUSES_SHELL = frozenset({UserKind.SECURE_FOLDER, UserKind.PRIVATE_SPACE})

# ``UserInfo.flagsToString`` names, in the order it prints them (``ADMIN|FULL|INITIALIZED|...``).
USER_FLAG_NAMES = ((FLAG_ADMIN, "ADMIN"), (FLAG_FULL, "FULL"), (FLAG_GUEST, "GUEST"), (FLAG_INITIALIZED, "INITIALIZED"),
                   (FLAG_MAIN, "MAIN"), (FLAG_MANAGED_PROFILE, "MANAGED_PROFILE"), (FLAG_PRIMARY, "PRIMARY"),
                   (FLAG_PROFILE, "PROFILE"), (FLAG_SYSTEM, "SYSTEM"))

# ``UserManager`` user types (Android 11+), without the ``android.os.usertype.`` prefix.
USER_TYPES: dict[UserKind, str] = {
    UserKind.SYSTEM: "full.SYSTEM",
    UserKind.SECONDARY: "full.SECONDARY",
    UserKind.WORK_PROFILE: "profile.MANAGED",
    UserKind.CLONE: "profile.CLONE",
    UserKind.PRIVATE_SPACE: "profile.PRIVATE",
    UserKind.GUEST: "full.GUEST",
    UserKind.SECURE_FOLDER: "profile.KNOX",
    UserKind.DUAL_APP: "profile.DUAL",
}


def user_flag_names(flags: int) -> str:
    return "|".join(name for bit, name in USER_FLAG_NAMES if flags & bit)


# --- user restrictions ---------------------------------------------------------------------------

# ``UserManager.DISALLOW_*`` keys (and the two that are not "no_..."), as ``dumpsys user`` prints them.
USER_RESTRICTIONS = frozenset({
    "no_modify_accounts", "no_config_wifi", "no_config_locale", "no_install_apps", "no_uninstall_apps",
    "no_share_location", "no_airplane_mode", "no_config_brightness", "no_ambient_display",
    "no_config_screen_timeout", "no_install_unknown_sources", "no_install_unknown_sources_globally",
    "no_config_bluetooth", "no_bluetooth", "no_bluetooth_sharing", "no_usb_file_transfer",
    "no_config_credentials", "no_remove_user", "no_remove_managed_profile", "no_debugging_features",
    "no_config_vpn", "no_config_location", "no_config_date_time", "no_config_tethering", "no_network_reset",
    "no_factory_reset", "no_add_user", "no_add_managed_profile", "no_add_clone_profile",
    "no_add_private_profile", "ensure_verify_apps", "no_config_cell_broadcasts", "no_config_mobile_networks",
    "no_control_apps", "no_physical_media", "no_unmute_microphone", "no_adjust_volume", "no_outgoing_calls",
    "no_sms", "no_fun", "no_create_windows", "no_system_error_dialogs", "no_cross_profile_copy_paste",
    "no_outgoing_beam", "no_wallpaper", "no_set_wallpaper", "no_safe_boot", "allow_parent_profile_app_linking",
    "no_record_audio", "no_run_in_background", "no_camera", "no_unmute_device", "no_data_roaming",
    "no_set_user_icon", "no_oem_unlock", "no_unified_password", "no_autofill", "no_content_capture",
    "no_content_suggestions", "no_user_switch", "no_sharing_into_profile", "no_printing",
    "disallow_config_private_dns", "disallow_microphone_toggle", "disallow_camera_toggle",
    "no_change_wifi_state", "no_wifi_tethering", "no_sharing_admin_configured_wifi", "no_wifi_direct",
    "no_add_wifi_config", "no_cellular_2g", "no_ultra_wideband_radio", "disallow_config_default_apps",
    "no_near_field_communication_radio", "no_sim_globally", "no_assist_content",
})

# What a user of each kind has without any policy (UserManagerService defaults, the guest set as
# ``dumpsys user`` prints "Guest restrictions:").
BASE_RESTRICTIONS: dict[UserKind, tuple[str, ...]] = {
    UserKind.SECONDARY: ("no_sms", "no_outgoing_calls"),
    UserKind.GUEST: ("no_sms", "no_install_unknown_sources", "no_config_wifi", "no_outgoing_calls"),
}
GUEST_RESTRICTIONS = BASE_RESTRICTIONS[UserKind.GUEST]


def owner_default_restrictions(device_owner: bool, sdk: int) -> tuple[str, ...]:
    """What DevicePolicyManagerService sets by itself for a new owner (UserRestrictionsUtils
    DEFAULT_ENABLED_FOR_DEVICE_OWNERS / _FOR_MANAGED_PROFILES)."""
    if not device_owner:
        return ("no_bluetooth_sharing",)
    names = ["no_add_managed_profile"]
    if sdk >= U:
        names.append("no_add_clone_profile")
    if sdk >= V:
        names.append("no_add_private_profile")
    return tuple(names)


# --- permissions ---------------------------------------------------------------------------------

ANDROID_PERMISSION = "android.permission."

# Every runtime ("dangerous") permission of any simulated release (what a persona may name); the
# set of one release, and everything else the PermissionService knows, is in platform_permissions.
RUNTIME_PERMISSIONS = every_runtime_permission()

# Normal and signature permissions an app of a persona may request: its ``install permissions:``.
# (AUTHENTICATE_ACCOUNTS, MANAGE_ACCOUNTS and READ_PROFILE went from the platform in Android 6; old
# manifests still ask for them, and the dumps list them as the persona builder always has.)
NORMAL_PERMISSIONS = frozenset(
    ANDROID_PERMISSION + name
    for name in (
        "INTERNET",
        "ACCESS_NETWORK_STATE",
        "ACCESS_WIFI_STATE",
        "CHANGE_WIFI_STATE",
        "BLUETOOTH",
        "WAKE_LOCK",
        "VIBRATE",
        "RECEIVE_BOOT_COMPLETED",
        "FOREGROUND_SERVICE",
        "USE_FINGERPRINT",
        "USE_BIOMETRIC",
        "USE_FULL_SCREEN_INTENT",
        "MANAGE_OWN_CALLS",
        "READ_PROFILE",
        "AUTHENTICATE_ACCOUNTS",
        "MANAGE_ACCOUNTS",
        "READ_SYNC_SETTINGS",
        "WRITE_SYNC_SETTINGS",
        "REQUEST_INSTALL_PACKAGES",
        "PACKAGE_USAGE_STATS",
        "QUERY_ALL_PACKAGES",
        "SCHEDULE_EXACT_ALARM",
        "WRITE_SETTINGS",
        "SYSTEM_ALERT_WINDOW",
        "MANAGE_EXTERNAL_STORAGE",
    )
) | frozenset({"com.google.android.c2dm.permission.RECEIVE", "com.android.vending.BILLING"})

CONTACTS_GROUP = tuple(ANDROID_PERMISSION + n for n in ("READ_CONTACTS", "WRITE_CONTACTS", "GET_ACCOUNTS"))


def full_permission_name(name: str) -> str:
    """``READ_CONTACTS`` -> ``android.permission.READ_CONTACTS``; full names pass unchanged."""
    return name if "." in name else ANDROID_PERMISSION + name


def whatsapp_permissions(package: str, sdk: int) -> list[str]:
    """Permissions WhatsApp (Business) requests on an Android of API level ``sdk``, manifest order."""
    names = [
        "INTERNET",
        "ACCESS_NETWORK_STATE",
        "ACCESS_WIFI_STATE",
        "READ_CONTACTS",
        "WRITE_CONTACTS",
        "GET_ACCOUNTS",
        "AUTHENTICATE_ACCOUNTS",
        "READ_SYNC_SETTINGS",
        "WRITE_SYNC_SETTINGS",
        "CAMERA",
        "RECORD_AUDIO",
        "ACCESS_FINE_LOCATION",
        "ACCESS_COARSE_LOCATION",
        "READ_PHONE_STATE",
        "READ_PHONE_NUMBERS",
        "CALL_PHONE",
        "MANAGE_OWN_CALLS",
        "WAKE_LOCK",
        "VIBRATE",
        "RECEIVE_BOOT_COMPLETED",
        "USE_FINGERPRINT",
    ]
    if sdk >= P:
        names += ["FOREGROUND_SERVICE", "USE_BIOMETRIC"]
    if sdk >= T:
        names += ["READ_MEDIA_IMAGES", "READ_MEDIA_VIDEO", "READ_MEDIA_AUDIO", "POST_NOTIFICATIONS"]
    else:
        names += ["READ_EXTERNAL_STORAGE", "WRITE_EXTERNAL_STORAGE"]
    if sdk >= U:
        names += ["READ_MEDIA_VISUAL_USER_SELECTED", "USE_FULL_SCREEN_INTENT"]
    if sdk >= S:
        names += ["BLUETOOTH_CONNECT"]
    names.append("com.google.android.c2dm.permission.RECEIVE")
    return [full_permission_name(n) for n in names]


# What a permission left at its default looks like; the user's choice adds USER_SET etc.
def sensitivity_flags(sdk: int) -> set[str]:
    return {"USER_SENSITIVE_WHEN_GRANTED", "USER_SENSITIVE_WHEN_DENIED"} if sdk >= Q else set()


# Persona shorthand -> (granted, flags added to the version's defaults).
GRANT_STATES: dict[str, tuple[bool, frozenset[str]]] = {
    "default": (False, frozenset()),
    "granted": (True, frozenset({"USER_SET"})),
    "denied": (False, frozenset({"USER_SET"})),
    "denied-fixed": (False, frozenset({"USER_SET", "USER_FIXED"})),
    "policy-granted": (True, frozenset({"POLICY_FIXED"})),
    "policy-denied": (False, frozenset({"POLICY_FIXED"})),
    "system-fixed": (True, frozenset({"SYSTEM_FIXED", "GRANTED_BY_DEFAULT"})),
}

# A fresh WhatsApp install after the usual onboarding: contacts, camera, microphone, media allowed.
WHATSAPP_DEFAULT_GRANTS: dict[str, str] = {
    "READ_CONTACTS": "granted",
    "WRITE_CONTACTS": "granted",
    "GET_ACCOUNTS": "granted",
    "CAMERA": "granted",
    "RECORD_AUDIO": "granted",
    "READ_PHONE_STATE": "granted",
    "READ_EXTERNAL_STORAGE": "granted",
    "WRITE_EXTERNAL_STORAGE": "granted",
    "READ_MEDIA_IMAGES": "granted",
    "READ_MEDIA_VIDEO": "granted",
    "READ_MEDIA_AUDIO": "granted",
    "POST_NOTIFICATIONS": "granted",
}

# Permission flag bits, in the order permissionFlagsToString prints them.
PERMISSION_FLAG_BITS: dict[str, int] = {
    "USER_SET": 1 << 0,
    "USER_FIXED": 1 << 1,
    "POLICY_FIXED": 1 << 2,
    "REVOKED_COMPAT": 1 << 3,
    "SYSTEM_FIXED": 1 << 4,
    "GRANTED_BY_DEFAULT": 1 << 5,
    "REVIEW_REQUIRED": 1 << 6,
    "REVOKE_WHEN_REQUESTED": 1 << 7,
    "USER_SENSITIVE_WHEN_GRANTED": 1 << 8,
    "USER_SENSITIVE_WHEN_DENIED": 1 << 9,
    "RESTRICTION_INSTALLER_EXEMPT": 1 << 11,
    "RESTRICTION_SYSTEM_EXEMPT": 1 << 12,
    "RESTRICTION_UPGRADE_EXEMPT": 1 << 13,
    "APPLY_RESTRICTION": 1 << 14,
    "GRANTED_BY_ROLE": 1 << 15,
    "ONE_TIME": 1 << 16,
    "AUTO_REVOKED": 1 << 17,
}

# The words ``pm set-permission-flags`` / ``clear-permission-flags`` accept (Android 11+), in the
# order its error lists them (PackageManagerShellCommand.SUPPORTED_PERMISSION_FLAGS_LIST).
SHELL_PERMISSION_FLAGS: dict[str, str] = {
    "review-required": "REVIEW_REQUIRED",
    "revoked-compat": "REVOKED_COMPAT",
    "revoke-when-requested": "REVOKE_WHEN_REQUESTED",
    "user-fixed": "USER_FIXED",
    "user-set": "USER_SET",
}


def sorted_flags(flags: set[str] | frozenset[str]) -> list[str]:
    return sorted(flags, key=lambda f: (PERMISSION_FLAG_BITS.get(f, 1 << 30), f))


# --- app-ops -------------------------------------------------------------------------------------

PERMISSION_OPS: dict[str, str] = {
    "READ_CONTACTS": "READ_CONTACTS",
    "WRITE_CONTACTS": "WRITE_CONTACTS",
    "GET_ACCOUNTS": "GET_ACCOUNTS",
    "CAMERA": "CAMERA",
    "RECORD_AUDIO": "RECORD_AUDIO",
    "ACCESS_FINE_LOCATION": "FINE_LOCATION",
    "ACCESS_COARSE_LOCATION": "COARSE_LOCATION",
    "READ_PHONE_STATE": "READ_PHONE_STATE",
    "CALL_PHONE": "CALL_PHONE",
    "READ_EXTERNAL_STORAGE": "READ_EXTERNAL_STORAGE",
    "WRITE_EXTERNAL_STORAGE": "WRITE_EXTERNAL_STORAGE",
    "READ_MEDIA_IMAGES": "READ_MEDIA_IMAGES",
    "READ_MEDIA_VIDEO": "READ_MEDIA_VIDEO",
    "READ_MEDIA_AUDIO": "READ_MEDIA_AUDIO",
    "READ_MEDIA_VISUAL_USER_SELECTED": "READ_MEDIA_VISUAL_USER_SELECTED",
    "POST_NOTIFICATIONS": "POST_NOTIFICATION",
}


def op_for_permission(permission: str) -> str | None:
    return PERMISSION_OPS.get(permission.removeprefix(ANDROID_PERMISSION))


def known_ops(sdk: int) -> frozenset[str]:
    """App-op names ``appops`` accepts on this version."""
    ops = {
        "COARSE_LOCATION", "FINE_LOCATION", "GPS", "VIBRATE", "READ_CONTACTS", "WRITE_CONTACTS",
        "READ_CALL_LOG", "WRITE_CALL_LOG", "CALL_PHONE", "READ_SMS", "SEND_SMS", "CAMERA",
        "RECORD_AUDIO", "READ_PHONE_STATE", "READ_CLIPBOARD", "WRITE_CLIPBOARD", "WAKE_LOCK",
        "POST_NOTIFICATION", "GET_ACCOUNTS", "READ_EXTERNAL_STORAGE", "WRITE_EXTERNAL_STORAGE",
        "RUN_IN_BACKGROUND", "RUN_ANY_IN_BACKGROUND", "REQUEST_INSTALL_PACKAGES", "SYSTEM_ALERT_WINDOW",
        "TOAST_WINDOW", "PICTURE_IN_PICTURE", "WRITE_SETTINGS", "GET_USAGE_STATS", "USE_FINGERPRINT",
    }
    if sdk >= Q:
        ops |= {"LEGACY_STORAGE", "ACCESS_MEDIA_LOCATION", "USE_BIOMETRIC"}
    if sdk >= R:
        ops |= {"MANAGE_EXTERNAL_STORAGE", "AUTO_REVOKE_PERMISSIONS_IF_UNUSED", "NO_ISOLATED_STORAGE"}
    if sdk >= T:
        ops |= {"READ_MEDIA_IMAGES", "READ_MEDIA_VIDEO", "READ_MEDIA_AUDIO"}
    if sdk >= U:
        ops |= {"READ_MEDIA_VISUAL_USER_SELECTED"}
    return frozenset(ops)


APPOP_MODES = ("allow", "ignore", "deny", "default", "foreground")

# The services ``dumpsys`` answers on a virtual phone (what the ``dumpsys_timeout`` fault may name).
DUMPSYS_SERVICES = ("package", "lock_settings", "account", "device_policy", "backup", "user")


# --- packages ------------------------------------------------------------------------------------

WHATSAPP_FLAGS = ["HAS_CODE", "ALLOW_CLEAR_USER_DATA", "ALLOW_BACKUP", "KILL_AFTER_RESTORE", "RESTORE_ANY_VERSION"]
WHATSAPP_PRIVATE_FLAGS = [
    "PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE_VIA_SDK_VERSION",
    "ALLOW_AUDIO_PLAYBACK_CAPTURE",
    "PRIVATE_FLAG_REQUEST_LEGACY_EXTERNAL_STORAGE",
    "HAS_DOMAIN_URLS",
    "PARTIALLY_DIRECT_BOOT_AWARE",
    "PRIVATE_FLAG_ALLOW_NATIVE_HEAP_POINTER_TAGGING",
]
_WHATSAPP_BUILD = {WHATSAPP: 76, WHATSAPP_BUSINESS: 74}


def whatsapp_current_version(package: str, now: datetime) -> str:
    """The release a Play-updated WhatsApp has at ``now``: 2.YY.N.M, YY the year, N about every
    11 days (WhatsApp ships some 33 numbered releases a year), so a persona stays current forever."""
    release = 1 + (now.timetuple().tm_yday - 1) // 11
    return f"2.{now.year % 100}.{release}.{_WHATSAPP_BUILD.get(package, 70)}"


def whatsapp_version_code(version_name: str) -> int:
    """WhatsApp's scheme: 2.26.9.72 -> 260907212 (year, minor, build, and an ABI/density suffix)."""
    try:
        _, year, minor, build = (int(p) for p in version_name.split(".")[:4])
    except ValueError:
        return 1
    return int(f"{year:02d}{minor:02d}{build:03d}12")


def whatsapp_target_sdk(version_name: str) -> int:
    """Old builds targeted API 28 (legacy storage); recent ones target the newest release."""
    try:
        year = int(version_name.split(".")[1])
    except (IndexError, ValueError):
        return 30
    return {21: 28, 22: 31, 23: 33, 24: 34}.get(year, 35 if year >= 25 else 28)


@dataclass(frozen=True)
class SystemPackage:
    """A preinstalled package.  ``path`` is its APK on the system image, with ``{product}`` and
    ``{system_ext}`` standing for the partitions that exist from Android 9 and 11 (``/system`` before).
    """

    name: str
    path: str
    app_id: int
    version_code: int = 0  # 0: the platform's API level, as framework packages report it
    installer: str | None = None
    updated: bool = False  # updated from Play: a /data/app code path and UPDATED_SYSTEM_APP
    since: int = 0  # first API level that ships it


_GOOGLE_APPS = (
    SystemPackage("com.google.android.gms", "{product}/priv-app/PrebuiltGmsCore/PrebuiltGmsCore.apk", 10123,
                  243333038, PLAY_STORE, updated=True),
    SystemPackage("com.android.vending", "{product}/priv-app/Phonesky/Phonesky.apk", 10139, 84391030, PLAY_STORE,
                  updated=True),
    SystemPackage("com.android.chrome", "{product}/app/Chrome/Chrome.apk", 10131, 661311834, PLAY_STORE,
                  updated=True),
    SystemPackage("com.google.android.packageinstaller",
                  "/system/priv-app/GooglePackageInstaller/GooglePackageInstaller.apk", 10046),
    SystemPackage("com.google.android.permissioncontroller",
                  "/apex/com.android.permission/priv-app/GooglePermissionController/GooglePermissionController.apk",
                  10052, 341090000, since=Q),
)
_GBOARD = SystemPackage("com.google.android.inputmethod.latin", "{product}/app/LatinIMEGooglePrebuilt/"
                        "LatinIMEGooglePrebuilt.apk", 10156, 146220839, PLAY_STORE, updated=True)
_GOOGLE_CONTACTS = SystemPackage("com.google.android.contacts", "{product}/app/GoogleContacts/GoogleContacts.apk",
                                 10151, 4512131, PLAY_STORE, updated=True)

# Packages every Android has, then the Google apps of a GMS phone, then each maker's own.
_AOSP = (
    SystemPackage("android", "/system/framework/framework-res.apk", 1000),
    SystemPackage("com.android.shell", "/system/priv-app/Shell/Shell.apk", 2000),
    SystemPackage("com.android.settings", "{system_ext}/priv-app/Settings/Settings.apk", 1000),
    SystemPackage("com.android.systemui", "{system_ext}/priv-app/SystemUI/SystemUI.apk", 10095),
    SystemPackage("com.android.providers.contacts", "/system/priv-app/ContactsProvider/ContactsProvider.apk", 10012),
    SystemPackage("com.android.providers.settings", "/system/priv-app/SettingsProvider/SettingsProvider.apk", 1000),
    SystemPackage("com.android.phone", "/system/priv-app/TeleService/TeleService.apk", 1001),
    SystemPackage("com.android.bluetooth", "/system/app/Bluetooth/Bluetooth.apk", 1002),
)
_OEM_SYSTEM: dict[Oem, tuple[SystemPackage, ...]] = {
    Oem.GOOGLE: (
        SystemPackage("com.google.android.apps.nexuslauncher",
                      "{system_ext}/priv-app/NexusLauncherRelease/NexusLauncherRelease.apk", 10101),
        _GBOARD,
        _GOOGLE_CONTACTS,
        SystemPackage("com.google.android.apps.messaging", "{product}/app/PrebuiltBugle/PrebuiltBugle.apk", 10148,
                      180930045, PLAY_STORE, updated=True),
        SystemPackage("com.google.android.dialer", "{product}/priv-app/GoogleDialer/GoogleDialer.apk", 10128,
                      10856429, PLAY_STORE, updated=True),
        # Android System Intelligence (Device Personalization Services before 12): on the system
        # image, updated from Play, so its code runs from /data/app/ while it stays a system app.
        SystemPackage("com.google.android.as", "{product}/priv-app/DevicePersonalizationPrebuiltPixel2023/"
                      "DevicePersonalizationPrebuiltPixel2023.apk", 10172, 660441017, PLAY_STORE, updated=True,
                      since=P),
    ),
    Oem.SAMSUNG: (
        SystemPackage("com.sec.android.app.launcher", "/system/priv-app/TouchWizHome_2017/TouchWizHome_2017.apk", 10097,
                      1500201000),
        SystemPackage("com.samsung.android.honeyboard", "/system/app/HoneyBoard/HoneyBoard.apk", 10091, 550402000),
        SystemPackage("com.samsung.android.app.contacts", "/system/priv-app/SamsungContacts/SamsungContacts.apk", 10089,
                      1500061000),
        SystemPackage("com.samsung.knox.securefolder", "/system/priv-app/SecureFolder/SecureFolder.apk", 10204,
                      1500003000),
    ),
    Oem.XIAOMI: (
        SystemPackage("com.miui.home", "{product}/priv-app/MiuiHome/MiuiHome.apk", 10098, 500003310),
        _GBOARD,
        _GOOGLE_CONTACTS,
        SystemPackage("com.miui.securitycenter", "{product}/priv-app/SecurityCenter/SecurityCenter.apk", 1000,
                      40000814),
    ),
    Oem.OPPO: (
        SystemPackage("com.android.launcher", "/system/priv-app/Launcher/Launcher.apk", 10094, 1312000),
        _GBOARD,
        _GOOGLE_CONTACTS,
        SystemPackage("com.coloros.safecenter", "/system/priv-app/SafeCenter/SafeCenter.apk", 1000, 11201),
    ),
    Oem.GENERIC: (
        SystemPackage("com.android.launcher3", "{system_ext}/priv-app/Launcher3QuickStep/Launcher3QuickStep.apk", 10093),
        _GBOARD,
        _GOOGLE_CONTACTS,
    ),
}

# A system notification listener each maker enables out of the box (component -> since API level):
# the Pixel launcher's, for notification dots.  Other makers' defaults are not modelled.
DEFAULT_NOTIFICATION_LISTENERS: dict[Oem, tuple[str, ...]] = {
    Oem.GOOGLE: ("com.google.android.apps.nexuslauncher/com.android.launcher3.notification.NotificationListener",),
}


def system_packages(oem: Oem, sdk: int) -> tuple[SystemPackage, ...]:
    """The preinstalled packages of a phone of this maker and Android version."""
    everything = _AOSP + _GOOGLE_APPS + _OEM_SYSTEM.get(oem, ())
    return tuple(spec for spec in everything if spec.since <= sdk)


def system_package_names(oem: Oem) -> frozenset[str]:
    """Every package name :func:`system_packages` may give this maker (any version)."""
    return frozenset(spec.name for spec in _AOSP + _GOOGLE_APPS + _OEM_SYSTEM.get(oem, ()))


def system_apk_path(spec: SystemPackage, sdk: int) -> str:
    """The APK on the system image; /product exists from Android 9, /system_ext from 11."""
    return spec.path.format(product="/product" if sdk >= P else "/system",
                            system_ext="/system_ext" if sdk >= R else "/system")


def random_token(rng: random.Random) -> str:
    """22 base64url characters + ``==``, as in ``/data/app/~~<token>/<pkg>-<token>``."""
    raw = bytes(rng.getrandbits(8) for _ in range(16))
    return base64.urlsafe_b64encode(raw).decode()


def app_code_path(package: str, sdk: int, rng: random.Random) -> str:
    if sdk >= R:
        return f"/data/app/~~{random_token(rng)}/{package}-{random_token(rng)}"
    return f"/data/app/{package}-{random_token(rng)}"


# --- synthetic personal data (never real-looking) -------------------------------------------------


def account_name(account_type: str, index: int) -> str:
    """A placeholder account name: ``user1@example.com`` or a US fictional number ``1555010xxxx``."""
    if account_type.startswith("com.whatsapp"):
        return f"1555010{(100 + index) % 10000:04d}"
    if account_type == "com.google":
        return f"user{index + 1}@example.com"
    return f"account{index + 1}"


def contact_name(index: int) -> str:
    return f"Contact {index + 1:04d}"
