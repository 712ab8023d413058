"""The permissions the simulated platform defines, per Android generation, with their groups.

The simulated PermissionService (permissions.py) looks every name up here: a name the phone's
Android does not define is "Unknown permission" (``POST_NOTIFICATIONS`` on Android 12,
``READ_MEDIA_IMAGES`` on 12, ``BLUETOOTH_CONNECT`` on 11 ...); a defined one that is not runtime
is "not a changeable permission type"; a ``development`` one may be granted like a runtime one.

Sources: ``frameworks/base/core/res/AndroidManifest.xml`` of each release (``protectionLevel``
``dangerous`` = runtime; the API level each permission was added in), and for the groups the
PermissionController's platform mapping (``PermissionMapping.PLATFORM_PERMISSIONS``): from Android
10 the manifest itself names ``android.permission-group.UNDEFINED`` for every permission and the
user-visible groups live in the PermissionController; the call log got its own group in 9, media
got ``READ_MEDIA_AURAL``/``READ_MEDIA_VISUAL`` in 13.  Not modelled: the Health Connect permissions
(``android.permission.health.*``, 14+), hidden dangerous permissions such as
``READ_CELL_BROADCASTS``, and 16's additions.
"""

from __future__ import annotations

from dataclasses import dataclass

from wa_harden.virtual.android.state import P, Q, S, T, U

ANDROID = "android.permission."
GROUP = "android.permission-group."

DANGEROUS = "dangerous"
NORMAL = "normal"
SIGNATURE = "signature"
DEVELOPMENT = "development"  # signature|development: ``pm grant`` may grant it like a runtime one


@dataclass(frozen=True)
class PermissionDef:
    """One platform permission: its protection, its group (runtime ones) and first API level."""

    name: str
    protection: str
    group: str | None = None
    since: int = 0  # 0: already in Android 8.0, the oldest simulated release

    @property
    def changeable(self) -> bool:
        """What ``pm grant``/``revoke`` may change: runtime and development permissions."""
        return self.protection in (DANGEROUS, DEVELOPMENT)


# (name, group, since) of every runtime ("dangerous") permission, in the manifest's order.
_RUNTIME: tuple[tuple[str, str, int], ...] = (
    ("READ_CONTACTS", "CONTACTS", 0),
    ("WRITE_CONTACTS", "CONTACTS", 0),
    ("GET_ACCOUNTS", "CONTACTS", 0),
    ("READ_CALENDAR", "CALENDAR", 0),
    ("WRITE_CALENDAR", "CALENDAR", 0),
    ("SEND_SMS", "SMS", 0),
    ("RECEIVE_SMS", "SMS", 0),
    ("READ_SMS", "SMS", 0),
    ("RECEIVE_WAP_PUSH", "SMS", 0),
    ("RECEIVE_MMS", "SMS", 0),
    ("READ_EXTERNAL_STORAGE", "STORAGE", 0),
    ("WRITE_EXTERNAL_STORAGE", "STORAGE", 0),
    ("ACCESS_MEDIA_LOCATION", "STORAGE", Q),
    ("READ_MEDIA_AUDIO", "READ_MEDIA_AURAL", T),
    ("READ_MEDIA_IMAGES", "READ_MEDIA_VISUAL", T),
    ("READ_MEDIA_VIDEO", "READ_MEDIA_VISUAL", T),
    ("READ_MEDIA_VISUAL_USER_SELECTED", "READ_MEDIA_VISUAL", U),
    ("ACCESS_FINE_LOCATION", "LOCATION", 0),
    ("ACCESS_COARSE_LOCATION", "LOCATION", 0),
    ("ACCESS_BACKGROUND_LOCATION", "LOCATION", Q),
    ("READ_CALL_LOG", "CALL_LOG", 0),
    ("WRITE_CALL_LOG", "CALL_LOG", 0),
    ("PROCESS_OUTGOING_CALLS", "CALL_LOG", 0),
    ("READ_PHONE_STATE", "PHONE", 0),
    ("READ_PHONE_NUMBERS", "PHONE", 0),
    ("CALL_PHONE", "PHONE", 0),
    ("com.android.voicemail.permission.ADD_VOICEMAIL", "PHONE", 0),
    ("USE_SIP", "PHONE", 0),
    ("ANSWER_PHONE_CALLS", "PHONE", 0),
    ("ACCEPT_HANDOVER", "PHONE", P),
    ("RECORD_AUDIO", "MICROPHONE", 0),
    ("ACTIVITY_RECOGNITION", "ACTIVITY_RECOGNITION", Q),
    ("CAMERA", "CAMERA", 0),
    ("BODY_SENSORS", "SENSORS", 0),
    ("BODY_SENSORS_BACKGROUND", "SENSORS", T),
    ("BLUETOOTH_SCAN", "NEARBY_DEVICES", S),
    ("BLUETOOTH_ADVERTISE", "NEARBY_DEVICES", S),
    ("BLUETOOTH_CONNECT", "NEARBY_DEVICES", S),
    ("UWB_RANGING", "NEARBY_DEVICES", S),
    ("NEARBY_WIFI_DEVICES", "NEARBY_DEVICES", T),
    ("POST_NOTIFICATIONS", "NOTIFICATIONS", T),
)

# Install-time permissions the catalogue knows: (name, protection, since).
_OTHERS: tuple[tuple[str, str, int], ...] = (
    ("INTERNET", NORMAL, 0),
    ("ACCESS_NETWORK_STATE", NORMAL, 0),
    ("ACCESS_WIFI_STATE", NORMAL, 0),
    ("CHANGE_WIFI_STATE", NORMAL, 0),
    ("BLUETOOTH", NORMAL, 0),
    ("WAKE_LOCK", NORMAL, 0),
    ("VIBRATE", NORMAL, 0),
    ("RECEIVE_BOOT_COMPLETED", NORMAL, 0),
    ("USE_FINGERPRINT", NORMAL, 0),
    ("MANAGE_OWN_CALLS", NORMAL, 0),
    ("READ_SYNC_SETTINGS", NORMAL, 0),
    ("WRITE_SYNC_SETTINGS", NORMAL, 0),
    ("FOREGROUND_SERVICE", NORMAL, P),
    ("USE_BIOMETRIC", NORMAL, P),
    ("USE_FULL_SCREEN_INTENT", NORMAL, Q),
    ("QUERY_ALL_PACKAGES", NORMAL, 30),
    ("SCHEDULE_EXACT_ALARM", NORMAL, S),
    ("REQUEST_INSTALL_PACKAGES", SIGNATURE, 0),  # signature|appop
    ("SYSTEM_ALERT_WINDOW", SIGNATURE, 0),  # signature|setup|appop|...
    ("WRITE_SETTINGS", SIGNATURE, 0),  # signature|preinstalled|appop|pre23
    ("MANAGE_EXTERNAL_STORAGE", SIGNATURE, 30),  # signature|appop|preinstalled
    ("GRANT_RUNTIME_PERMISSIONS", SIGNATURE, 0),
    ("REVOKE_RUNTIME_PERMISSIONS", SIGNATURE, 0),
    ("INSTALL_PACKAGES", SIGNATURE, 0),
    # signature|privileged|development (PACKAGE_USAGE_STATS also |appop): grantable with pm grant
    ("WRITE_SECURE_SETTINGS", DEVELOPMENT, 0),
    ("DUMP", DEVELOPMENT, 0),
    ("READ_LOGS", DEVELOPMENT, 0),
    ("PACKAGE_USAGE_STATS", DEVELOPMENT, 0),
    ("SET_ANIMATION_SCALE", DEVELOPMENT, 0),
    ("CHANGE_CONFIGURATION", DEVELOPMENT, 0),
    ("SET_DEBUG_APP", DEVELOPMENT, 0),
    ("SET_PROCESS_LIMIT", DEVELOPMENT, 0),
    ("SET_ALWAYS_FINISH", DEVELOPMENT, 0),
    ("INTERACT_ACROSS_USERS", DEVELOPMENT, 0),
    # defined by Google Play services and the Play Store, present on every simulated phone
    ("com.google.android.c2dm.permission.RECEIVE", NORMAL, 0),
    ("com.android.vending.BILLING", NORMAL, 0),
)


def _full(name: str) -> str:
    return name if "." in name else ANDROID + name


def _group(name: str, group: str, sdk: int) -> str:
    """The permission's group on ``sdk``: the call log had no group of its own before 9, media
    location was a storage permission before 13."""
    if group == "CALL_LOG" and sdk < P:
        group = "PHONE"
    if name == "ACCESS_MEDIA_LOCATION" and sdk >= T:
        group = "READ_MEDIA_VISUAL"
    return GROUP + group


def _build(sdk: int) -> dict[str, PermissionDef]:
    defined: dict[str, PermissionDef] = {}
    for name, group, since in _RUNTIME:
        if since <= sdk:
            defined[_full(name)] = PermissionDef(_full(name), DANGEROUS, _group(name, group, sdk), since)
    for name, protection, since in _OTHERS:
        if since <= sdk:
            defined[_full(name)] = PermissionDef(_full(name), protection, None, since)
    return defined


_BY_SDK: dict[int, dict[str, PermissionDef]] = {}


def platform_permissions(sdk: int) -> dict[str, PermissionDef]:
    """Every permission the simulated Android of API level ``sdk`` defines, by full name."""
    table = _BY_SDK.get(sdk)
    if table is None:
        table = _BY_SDK[sdk] = _build(sdk)
    return table


def permission_def(name: str, sdk: int) -> PermissionDef | None:
    """The definition of ``name`` on ``sdk``; None: "Unknown permission"."""
    return platform_permissions(sdk).get(name)


def runtime_permissions(sdk: int) -> frozenset[str]:
    """The runtime ("dangerous") permissions of ``sdk``: what ``runtime permissions:`` lists."""
    return frozenset(n for n, d in platform_permissions(sdk).items() if d.protection == DANGEROUS)


def every_runtime_permission() -> frozenset[str]:
    """Runtime permissions of any simulated release (what a persona file may name)."""
    return frozenset(_full(name) for name, _group_name, _since in _RUNTIME)


def permission_group(name: str, sdk: int) -> str | None:
    found = permission_def(name, sdk)
    return found.group if found else None
