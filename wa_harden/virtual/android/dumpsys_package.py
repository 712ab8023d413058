"""``dumpsys package PKG`` rendered as each Android generation prints it (android-facts §1.3).

What changes with the version, and matters to the audit:

* ``userId=`` up to 13, ``appId=`` from 14;
* ``firstInstallTime`` at package level up to 12, inside every ``User N:`` block from 13;
* installer fields: ``installerPackageName`` only when set up to 13 (+ ``packageSource`` on 13);
  from 14 always ``installerPackageName=<x|null>``, ``installerPackageUid``,
  ``initiatingPackageName``, ``originatingPackageName``, ``packageSource``;
* the keys of the ``User N:`` line grow (``virtual=`` 9, ``distractionFlags=`` 11,
  ``deDataInode=``/``quarantined=`` 15);
* runtime permission flags: ``[ A B ]`` on 8, ``[ A|B]`` later.

The header sections are kept small but present, so a parser must find ``Packages:`` itself.
"""

from __future__ import annotations

from datetime import datetime

from wa_harden.virtual.android.catalog import sorted_flags
from wa_harden.virtual.android.platform_permissions import runtime_permissions
from wa_harden.virtual.android.state import (
    BAKLAVA,
    O_MR1,
    AndroidState,
    P,
    Package,
    PackageUser,
    Q,
    R,
    S,
    T,
    U,
    V,
)

EPOCH_LOCAL = "1970-01-01 01:00:00"  # firstInstallTime of a user without the package (Europe/Berlin)
_SCREENS = "supportsScreens=[small, medium, large, xlarge, resizeable, anyDensity]"

# privateFlags and the API level that introduced them.
_PRIVATE_FLAG_SINCE = {
    "ALLOW_AUDIO_PLAYBACK_CAPTURE": Q,
    "PRIVATE_FLAG_REQUEST_LEGACY_EXTERNAL_STORAGE": Q,
    "PRIVATE_FLAG_ALLOW_NATIVE_HEAP_POINTER_TAGGING": R,
}


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S")


def object_hash(package: Package, salt: int) -> str:
    """A stable 7-hex-digit identity hash, as ``Object.toString`` prints them."""
    return f"{((package.hash_seed ^ (salt * 0x9E3779B1)) * 2654435761 >> 7) & 0xFFFFFFF:07x}"


def flags_suffix(flags: set[str], sdk: int) -> str:
    """``, flags=[ USER_SET|USER_FIXED]`` (``[ USER_SET USER_FIXED ]`` on 8), or nothing."""
    if not flags:
        return ""
    names = sorted_flags(flags)
    if sdk <= O_MR1:
        return ", flags=[ " + " ".join(names) + " ]"
    return ", flags=[ " + "|".join(names) + "]"


def user_line(sdk: int, user_id: int, state: PackageUser) -> str:
    """``User N: ceDataInode=... installed=...`` with the keys of this generation."""
    fields: list[tuple[str, object]] = [("ceDataInode", state.ce_inode)]
    if sdk >= V:
        fields.append(("deDataInode", state.de_inode))
    if sdk >= BAKLAVA:
        fields += [("pccCeDataInode", 0), ("pccDeDataInode", 0)]
    fields += [("installed", state.installed), ("hidden", state.hidden), ("suspended", False)]
    if sdk >= BAKLAVA:
        fields.append(("appLockEnabled", False))
    if sdk >= R:
        fields.append(("distractionFlags", 0))
    not_launched = state.stopped or not state.installed
    fields += [("stopped", state.stopped), ("notLaunched", not_launched), ("enabled", state.enabled), ("instant", False)]
    if sdk >= P:
        fields.append(("virtual", False))
    if sdk >= V:
        fields.append(("quarantined", False))
    text = " ".join(f"{key}={_java(value)}" for key, value in fields)
    return f"    User {user_id}: {text}"


def _java(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def package_block(state: AndroidState, package: Package) -> list[str]:
    sdk = state.sdk
    out = [f"  Package [{package.name}] ({object_hash(package, 1)}):"]
    add = out.append
    add(f"    {'appId' if sdk >= U else 'userId'}={package.app_id}")
    add(f"    pkg=Package{{{object_hash(package, 2)} {package.name}}}")
    add(f"    codePath={package.code_path}")
    add(f"    resourcePath={package.code_path}")
    add(f"    legacyNativeLibraryDir={package.code_path}/lib")
    if sdk >= S:
        add("    extractNativeLibs=false")
    add("    primaryCpuAbi=arm64-v8a")
    add("    secondaryCpuAbi=null")
    if sdk >= S:
        add("    cpuAbiOverride=null")
    add(f"    versionCode={package.version_code} minSdk={package.min_sdk} targetSdk={package.target_sdk}")
    if sdk >= S:
        add("    minExtensionVersions=[]")
    add(f"    versionName={package.version_name}")
    if sdk >= U:
        add("    hiddenApiEnforcementPolicy=2")
    if sdk >= S:
        add("    usesNonSdkApi=false")
    add("    splits=[base]")
    add(f"    apkSigningVersion={package.apk_signing_version if sdk >= P else 2}")
    if sdk <= 32:
        add(f"    applicationInfo=ApplicationInfo{{{object_hash(package, 3)} {package.name}}}")
    add(f"    flags=[ {' '.join(package.flags)} ]")
    private = [f for f in package.private_flags if _PRIVATE_FLAG_SINCE.get(f, 0) <= sdk]
    if private:
        add(f"    privateFlags=[ {' '.join(private)} ]")
    if sdk >= R:
        add("    forceQueryable=false")
    if R <= sdk <= 32:
        add("    queriesPackages=[]")
    if sdk >= V:
        add("    scannedAsStoppedSystemApp=false")
    if sdk <= T:
        add(f"    dataDir=/data/user/0/{package.name}")
    add(f"    {_SCREENS}")
    add(f"    timeStamp={stamp(package.timestamp)}")
    if sdk <= 32:
        add(f"    firstInstallTime={stamp(package.first_install)}")
    add(f"    lastUpdateTime={stamp(package.last_update)}")
    out += _installer_lines(sdk, package)
    if sdk >= P:
        signatures = f"version:{package.apk_signing_version}, signatures:[{object_hash(package, 4)}], past signatures:[]"
        add(f"    signatures=PackageSignatures{{{object_hash(package, 5)} {signatures}}}")
    else:
        add(f"    signatures=PackageSignatures{{{object_hash(package, 5)} [{object_hash(package, 4)}]}}")
    add("    installPermissionsFixed=true" + (" installStatus=1" if sdk <= O_MR1 else ""))
    add(f"    pkgFlags=[ {' '.join(package.flags)} ]")
    if sdk >= U:
        if private:
            add(f"    privatePkgFlags=[ {' '.join(private)} ]")
        add("    apexModuleName=null")
    if package.requested:
        add("    requested permissions:")
        out += [f"      {permission}" for permission in package.requested]
    if package.install_permissions:
        add("    install permissions:")
        out += [f"      {permission}: granted=true" for permission in package.install_permissions]
    for user_id in sorted(state.users):
        out += _user_block(state, package, user_id)
    return out


def _installer_lines(sdk: int, package: Package) -> list[str]:
    if sdk >= U:
        lines = [
            f"    installerPackageName={package.installer or 'null'}",
            f"    installerPackageUid={package.installer_uid}",
            f"    initiatingPackageName={package.initiating or 'null'}",
            f"    originatingPackageName={package.originating or 'null'}",
        ]
        if package.update_owner:
            lines.append(f"    updateOwnerPackageName={package.update_owner}")
        lines.append(f"    packageSource={package.package_source}")
        lines.append("    appMetadataFilePath=null")
        if sdk >= V:
            lines.append("    appMetadataSource=0")
        return lines
    lines = [f"    installerPackageName={package.installer}"] if package.installer else []
    if sdk >= T:
        lines.append(f"    packageSource={package.package_source}")
    return lines


def _user_block(state: AndroidState, package: Package, user_id: int) -> list[str]:
    sdk = state.sdk
    user = package.users.get(user_id) or PackageUser()
    out = [user_line(sdk, user_id, user)]
    if sdk >= T:
        out.append(f"      installReason={user.install_reason}")
        if sdk >= V:
            data_dir = f"/data/user/{user_id}/{package.name}" if user.installed else "null"
            out.append(f"      dataDir={data_dir}")
        first = stamp(user.first_install) if user.installed and user.first_install else EPOCH_LOCAL
        out.append(f"      firstInstallTime={first}")
        out.append("      uninstallReason=0")
    if user.last_disabled_caller:
        out.append(f"      lastDisabledCaller: {user.last_disabled_caller}")
    if not package.system or package.app_id >= 10000:
        out.append("      gids=[3003]")
    out.append("      runtime permissions:")
    runtime = runtime_permissions(sdk)
    for permission in package.requested:
        grant = user.runtime.get(permission)
        if grant is None or permission not in runtime:
            continue
        out.append(f"        {permission}: granted={_java(grant.granted)}{flags_suffix(grant.flags, sdk)}")
    return out


def _header_sections(state: AndroidState, package: Package) -> list[str]:
    name = package.name
    main = "com.whatsapp.Main" if name.startswith("com.whatsapp") else ".MainActivity"
    out = [
        "Activity Resolver Table:",
        "  Non-Data Actions:",
        "      android.intent.action.MAIN:",
        f"        {object_hash(package, 6)} {name}/{main} filter {object_hash(package, 7)}",
        '          Action: "android.intent.action.MAIN"',
        '          Category: "android.intent.category.LAUNCHER"',
        "",
        "Receiver Resolver Table:",
        "  Non-Data Actions:",
        "      android.intent.action.BOOT_COMPLETED:",
        f"        {object_hash(package, 8)} {name}/.BootReceiver filter {object_hash(package, 9)}",
        '          Action: "android.intent.action.BOOT_COMPLETED"',
        "",
    ]
    if state.sdk >= S:
        out += ["Domain verification status:", ""]
    out += ["Key Set Manager:", f"  [{name}]", "      Signing KeySets: 53", ""]
    return out


def _footer_sections(state: AndroidState, package: Package) -> list[str]:
    out: list[str] = []
    if state.sdk >= R:
        out += [
            "Queries:",
            "  system apps queryable: false",
            "  queries via forceQueryable:",
            "  queries via package name:",
            "  queries via component:",
            "  queryable via interaction:",
            *[f"    User {user_id}:" for user_id in sorted(state.users)],
            "  queryable via uses-library:",
            "",
        ]
    apk = package.apk_path
    if state.sdk >= S:
        dexopt = [f"    path: {apk}", "      arm64: [status=speed-profile] [reason=bg-dexopt]"]
    else:
        dexopt = ["    Instruction Set: arm64", f"      path: {apk}", "      status: [status=speed-profile] [reason=bg-dexopt]"]
    out += ["Dexopt state:", f"  [{package.name}]", *dexopt, "", "Compiler stats:", f"  [{package.name}]", "     base.apk - 1532"]
    return out


def render_dumpsys_package(state: AndroidState, name: str) -> str:
    """The whole output of ``dumpsys package NAME``."""
    package = state.packages.get(name)
    if package is None:
        if state.sdk >= T:
            return f"Unable to find package: {name}\n"
        return "Dexopt state:\n\nCompiler stats:\n"
    lines = _header_sections(state, package) + ["Packages:"] + package_block(state, package) + [""]
    lines += _footer_sections(state, package)
    return "\n".join(lines) + "\n"


def render_pm_dump(state: AndroidState, name: str) -> str:
    """``pm dump NAME``: the package service's dump under a ``DUMP OF SERVICE`` header, indented."""
    body = render_dumpsys_package(state, name)
    indented = "".join(f"  {line}\n" if line else "\n" for line in body.splitlines())
    return f"DUMP OF SERVICE package:\n{indented}\n"
