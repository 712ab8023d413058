"""``getprop``: system properties generated from the build in the state."""

from __future__ import annotations

from collections.abc import Sequence

from wa_harden.virtual.android.output import ok
from wa_harden.virtual.android.state import AndroidState
from wa_harden.virtual.api import CommandResult, ShellContext

_CODENAMES = {26: "O", 27: "OMr1", 28: "P", 29: "Q", 30: "R", 31: "S", 32: "Sv2", 33: "Tiramisu",
              34: "UpsideDownCake", 35: "VanillaIceCream", 36: "Baklava"}


def properties(state: AndroidState) -> dict[str, str]:
    build = state.build
    patch = build.security_patch.isoformat()
    props = {
        "ro.build.version.release": build.release,
        "ro.build.version.sdk": str(build.sdk),
        "ro.build.version.security_patch": patch,
        "ro.vendor.build.security_patch": patch,
        "ro.build.version.incremental": build.incremental,
        "ro.build.version.codename": "REL",
        "ro.build.version.preview_sdk": "0",
        "ro.build.id": build.build_id,
        "ro.build.display.id": build.build_id,
        "ro.build.type": "user",
        "ro.build.tags": build.build_tags,
        "ro.build.flavor": f"{build.product}-user",
        "ro.build.product": build.device,
        "ro.build.fingerprint": build.fingerprint,
        "ro.vendor.build.fingerprint": build.fingerprint,
        "ro.build.characteristics": "nosdcard" if build.brand == "google" else "phone",
        "ro.product.manufacturer": build.manufacturer,
        "ro.product.brand": build.brand,
        "ro.product.model": build.model,
        "ro.product.name": build.product,
        "ro.product.device": build.device,
        "ro.product.cpu.abi": "arm64-v8a",
        "ro.product.locale": "en-US",
        "ro.hardware": build.device,
        "ro.serialno": build.serial,
        "ro.boot.serialno": build.serial,
        "ro.debuggable": "0",
        "ro.secure": "1",
        "ro.adb.secure": "1",
        "persist.sys.usb.config": "mtp,adb",
        "sys.usb.config": "mtp,adb",
        "sys.usb.state": "mtp,adb",
        "sys.boot_completed": "1",
        "dev.bootcomplete": "1",
        "init.svc.adbd": "running",
        "persist.sys.timezone": "Europe/Berlin",
        "gsm.version.baseband": "g5300g-230927-231102-B-11003218",
        "ro.crypto.state": build.crypto_state,
        "ro.crypto.type": build.crypto_type,
        # Verified boot as the bootloader reports it: green (locked, Google's keys), yellow (locked,
        # own keys), orange (unlocked); the corpus getprop files show these next to each other.
        "ro.boot.verifiedbootstate": build.verified_boot,
        "ro.boot.flash.locked": "1" if build.flash_locked else "0",
        "ro.boot.vbmeta.device_state": "locked" if build.flash_locked else "unlocked",
        "ro.boot.veritymode": "enforcing",
    }
    if build.sdk >= 30:
        props["ro.build.version.release_or_codename"] = build.release
    if build.sdk >= 29:
        props["ro.crypto.volume.filenames_mode"] = "aes-256-cts"
    if build.sdk >= 34:
        props["ro.build.version.known_codenames"] = ",".join(
            _CODENAMES[s] for s in sorted(_CODENAMES) if s <= build.sdk
        )
    for prefix in ("system", "vendor", "odm", "product"):
        props[f"ro.product.{prefix}.brand"] = build.brand
        props[f"ro.product.{prefix}.model"] = build.model
        props[f"ro.product.{prefix}.device"] = build.device
        props[f"ro.product.{prefix}.manufacturer"] = build.manufacturer
    props = {k: v for k, v in props.items() if v != ""}  # unset crypto props are absent
    props.update(build.extra_props)
    return props


def getprop(ctx: ShellContext, argv: Sequence[str], stdin: bytes) -> CommandResult:
    props = properties(ctx.phone.state)
    args = [a for a in argv[1:] if not a.startswith("-")]
    if not args:
        return ok("".join(f"[{key}]: [{props[key]}]\n" for key in sorted(props)))
    default = args[1] if len(args) > 1 else ""
    return ok(props.get(args[0], default) + "\n")
